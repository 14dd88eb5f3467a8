// scimpp fuzz target: PATCH request bodies, the whole pipeline a service runs.
//
// The input is a PatchOp body (arbitrary bytes). It is parsed by
// scim::parse_json (bounded), then for a fixed User (name, emails,
// phoneNumbers, addresses, roles, the enterprise extension, meta) and a fixed
// Group (six members), under each dialect profile, sent through
// normalize -> parse_patch_request -> apply on a scim::patch::document with
// apply_options_for(dialect). The same body is then applied a second time to
// the patched document (whose member index and holes are now warm) and, as a
// differential check, to a fresh document holding the same JSON.
//
// Invariants (a violation aborts):
//   * nothing crashes, throws or trips a sanitizer;
//   * every error is a 400 with a scimType (never an internal error);
//   * on error the document's value is byte-for-byte what it was (dump_json);
//   * on success the resource is still a JSON object, `id` is unchanged and
//     `schemas` is still an array;
//   * the change set is consistent with what changed: every top-level
//     attribute (and extension attribute) whose value changed, comparing
//     multi-valued attributes as multisets, is listed in `attributes`; for
//     the keyed multi-valued attributes (members, emails, ...) the elements
//     before, minus `removed`, plus `added` are the elements after (as a
//     multiset), and `removed` elements really were there;
//   * normalising against the warm document (peek(), which may hold holes)
//     gives the same body as against its compacted JSON, and applying to the
//     warm document gives the same outcome (error code, resulting JSON and
//     change set) as applying to a fresh document;
//   * normalize() (which skips the normalisers a first scan rules out) gives
//     the same body, the same list of normalisers that fired, or the same
//     error, as running each normaliser of the profile in order;
//   * apply(document&, request&&) (values moved into the resource) gives the
//     same outcome as apply(document&, const request&).
#include "scim/json.hpp"
#include "scim/patch/apply.hpp"
#include "scim/patch/change_set.hpp"
#include "scim/patch/dialect.hpp"
#include "scim/patch/document.hpp"
#include "scim/patch/normalize.hpp"
#include "scim/patch/operation.hpp"
#include "scim/schema/registry.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"

namespace {

using scim::json;
using scimpp_fuzz::check;

constexpr std::string_view enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

const json& fixed_user() {
  static const json u = *scim::parse_json(R"({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
    "id": "2f3c8a1e-5b6d-4e7f-8a9b-0c1d2e3f4a5b",
    "externalId": "jdoe-ext",
    "userName": "jdoe@example.com",
    "name": {"givenName": "Jane", "familyName": "Doe", "formatted": "Jane Doe"},
    "displayName": "Jane Doe",
    "active": true,
    "emails": [{"value": "jdoe@example.com", "type": "work", "primary": true},
               {"value": "jane@home.example", "type": "home"}],
    "phoneNumbers": [{"value": "+1 555 0100", "type": "work"}],
    "addresses": [{"type": "work", "streetAddress": "1 Main St", "locality": "Springfield", "primary": true}],
    "roles": [{"value": "admin", "display": "Administrator"}],
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
      "employeeNumber": "1001",
      "department": "Sales",
      "manager": {"value": "6b1d9e34-0f8a-4c2b-9d7e-3a5f1c8b2e40", "displayName": "John Smith"}
    },
    "meta": {"resourceType": "User", "created": "2026-01-05T10:00:00Z",
             "lastModified": "2026-01-05T10:00:00Z", "version": "W/\"1\""}
  })");
  return u;
}

const json& fixed_group() {
  static const json g = *scim::parse_json(R"({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    "id": "5e1a7c3b-9d2f-4a8e-b6c4-1f0e2d3c4b5a",
    "displayName": "Engineering",
    "members": [
      {"value": "6b1d9e34-0f8a-4c2b-9d7e-3a5f1c8b2e40", "display": "user 6b1d"},
      {"value": "a07c5e21-8d3f-4b6a-b1e9-7f2c4d8a6e13", "display": "user a07c"},
      {"value": "d4e8f1a2-6c9b-4f3e-8a1d-5b7c2e9f0a36", "display": "user d4e8"},
      {"value": "m1", "type": "User"},
      {"value": "m2"},
      {"value": "G1", "type": "Group", "$ref": "https://example.com/v2/Groups/G1"}
    ],
    "meta": {"resourceType": "Group", "created": "2026-01-05T10:00:00Z",
             "lastModified": "2026-01-05T10:00:00Z"}
  })");
  return g;
}

// ---- comparison helpers -------------------------------------------------------------

// A member found ASCII case-insensitively; nullptr when absent.
const json* member(const json& obj, std::string_view key) {
  for (const auto& [k, v] : obj.get_ref<const json::object_t&>())
    if (scim::detail::iequals(k, key)) return &v;
  return nullptr;
}

// A value with every array replaced by its elements sorted by their dump:
// multi-valued attributes are unordered, so a remove + re-add that moves an
// element is no change.
std::string unordered_dump(const json& v) {
  if (v.is_array()) {
    std::vector<std::string> parts;
    for (const auto& e : v) parts.push_back(unordered_dump(e));
    std::sort(parts.begin(), parts.end());
    std::string out = "[";
    for (const auto& p : parts) out += p + ",";
    return out + "]";
  }
  if (v.is_object()) {
    std::string out = "{";
    for (const auto& [k, e] : v.get_ref<const json::object_t&>()) out += scim::dump_json(k) + ":" + unordered_dump(e) + ",";
    return out + "}";
  }
  return scim::dump_json(v);
}

// Top-level attributes by change-set name: "attr" for core and common ones,
// "<extension URN>:attr" for extension attributes.
std::map<std::string, const json*> attributes_of(const json& r) {
  std::map<std::string, const json*> out;
  for (const auto& [k, v] : r.get_ref<const json::object_t&>()) {
    if (scim::detail::iequals(k, enterprise) && v.is_object()) {
      for (const auto& [ek, ev] : v.get_ref<const json::object_t&>()) out[std::string(enterprise) + ":" + ek] = &ev;
      continue;
    }
    out[k] = &v;
  }
  return out;
}

std::vector<std::string> element_dumps(const json* v) {
  std::vector<std::string> out;
  if (v == nullptr || v->is_null()) return out;
  if (v->is_array()) {
    for (const auto& e : *v) out.push_back(scim::dump_json(e));
  } else {
    out.push_back(scim::dump_json(*v));
  }
  return out;
}

bool is_keyed(std::string_view attribute) {
  for (const std::string_view k : {"members", "emails", "phoneNumbers", "ims", "photos", "entitlements", "roles",
                                   "x509Certificates"})
    if (attribute == k) return true;
  return false;
}

void check_change_set(const json& before, const json& after, const scim::patch::change_set& cs,
                      std::string_view input) {
  const auto b = attributes_of(before);
  const auto a = attributes_of(after);
  std::map<std::string, bool> names;
  for (const auto& [k, v] : b) names[k] = true;
  for (const auto& [k, v] : a) names[k] = true;
  for (const auto& [name, unused] : names) {
    const auto bi = b.find(name);
    const auto ai = a.find(name);
    const json* bv = bi != b.end() ? bi->second : nullptr;
    const json* av = ai != a.end() ? ai->second : nullptr;
    const bool same = (bv == nullptr && av == nullptr) ||
                      (bv != nullptr && av != nullptr && unordered_dump(*bv) == unordered_dump(*av));
    if (!same && !cs.changed(name))
      scimpp_fuzz::fail("an attribute changed but the change set does not list it", name, input);

    // Keyed multi-valued attributes: before - removed + added == after.
    if (!is_keyed(name)) continue;
    std::vector<std::string> expect = element_dumps(bv);
    const scim::patch::value_delta* d = cs.delta(name);
    if (d != nullptr) {
      for (const auto& r : d->removed) {
        auto it = std::find(expect.begin(), expect.end(), scim::dump_json(r));
        if (it == expect.end())
          scimpp_fuzz::fail("the change set removes an element that was not there", scim::dump_json(r), input);
        expect.erase(it);
      }
      for (const auto& x : d->added) expect.push_back(scim::dump_json(x));
    }
    std::vector<std::string> got = element_dumps(av);
    std::sort(expect.begin(), expect.end());
    std::sort(got.begin(), got.end());
    if (expect != got) {
      std::string e, g;
      for (const auto& s : expect) e += s + " ";
      for (const auto& s : got) g += s + " ";
      scimpp_fuzz::fail("elements before - removed + added differ from the elements after", e, g);
    }
  }
  for (const auto& d : cs.values)
    check(cs.changed(d.attribute), "a value delta for an attribute the change set does not list", d.attribute);
}

// ---- one application ------------------------------------------------------------------

struct outcome {
  bool ok = false;
  scim::error_code code = scim::error_code::none;
  std::string value;    // dump of the document after
  std::string changes;  // dump of the change set
};

// normalize() decides with one scan which normalisers can fire and skips
// the others: it must give what running every normaliser of the profile in
// order gives.
void check_normalize_skips_nothing(const json& body, const json& resource, const scim::resource_type& rt,
                                   scim::patch::dialect d, std::string_view input) {
  const auto& reg = scim::default_registry();
  const scim::patch::normalize_context ctx{resource, rt, reg};
  std::vector<std::string_view> applied;
  auto fast = scim::patch::normalize(body, ctx, d, &applied);
  scim::expected<json> slow = body;
  std::vector<std::string_view> fired_all;
  const scim::patch::normalizer_set set = scim::patch::normalizers_for(d);
  for (const scim::patch::normalizer n : scim::patch::all_normalizers) {
    if (!set.contains(n) || !slow) continue;
    bool fired = false;
    slow = scim::patch::run_normalizer(n, std::move(*slow), ctx, &fired);
    if (fired && slow) fired_all.push_back(scim::patch::to_string(n));
  }
  check(fast.has_value() == slow.has_value(), "normalize() and the normalisers one by one disagree on success",
        input);
  if (fast) {
    check(*fast == *slow, "normalize() and the normalisers one by one give different bodies", scim::dump_json(*fast),
          scim::dump_json(*slow));
    check(applied == fired_all, "normalize() reports other normalisers than ran one by one", input);
  } else {
    check(fast.error().code == slow.error().code && fast.error().detail == slow.error().detail,
          "normalize() and the normalisers one by one give different errors", fast.error().detail,
          slow.error().detail);
  }
}

// normalize -> parse -> apply on `doc`, checking the invariants; `normalize_on`
// is what the normalisers read (the document's peek() or its JSON). With
// `move_request` the parsed request is handed over (apply(doc, request&&)).
outcome run_pipeline(scim::patch::document& doc, const json& body, const json& normalize_on,
                     const scim::resource_type& rt, scim::patch::dialect d, std::string_view input,
                     bool move_request = true) {
  const auto& reg = scim::default_registry();
  const json before = doc.value();
  const std::string before_text = scim::dump_json(before);
  outcome out;
  auto fail_with = [&](const scim::error& e) {
    if (e.status != 400 || e.code == scim::error_code::none)
      scimpp_fuzz::fail("an error that is not a 400 with a scimType", scim::format_error(e), input);
    const std::string after_text = scim::dump_json(doc.value());
    if (after_text != before_text)
      scimpp_fuzz::fail("a failed PATCH changed the resource", before_text, after_text);
    out.code = e.code;
    out.value = after_text;
    return out;
  };

  auto normalized = scim::patch::normalize(body, normalize_on, rt, reg, d);
  if (!normalized) return fail_with(normalized.error());
  auto req = scim::patch::parse_patch_request(std::move(*normalized));
  if (!req) return fail_with(req.error());
  const auto opts = scim::patch::apply_options_for(d);
  auto cs = move_request ? scim::patch::apply(doc, std::move(*req), rt, reg, opts)
                         : scim::patch::apply(doc, *req, rt, reg, opts);
  if (!cs) return fail_with(cs.error());

  const json& after = doc.value();
  check(after.is_object(), "the patched resource is not an object", input);
  const json* id = member(after, "id");
  check(id != nullptr && *id == before["id"], "the patched resource's id changed", input, scim::dump_json(after));
  const json* schemas = member(after, "schemas");
  check(schemas != nullptr && schemas->is_array(), "the patched resource lost its schemas array", input);
  check_change_set(before, after, *cs, input);
  if (cs->empty())
    check(unordered_dump(before) == unordered_dump(after), "an empty change set but the resource changed", input);
  out.ok = true;
  out.value = scim::dump_json(after);
  out.changes = scim::dump_json(json(*cs));
  return out;
}

void same_outcome(const outcome& a, const outcome& b, const char* what) {
  check(a.ok == b.ok && a.code == b.code, what, a.value, b.value);
  check(a.value == b.value, what, a.value, b.value);
  check(a.changes == b.changes, what, a.changes, b.changes);
}

void run_on(const json& body, const json& resource, const scim::resource_type& rt, scim::patch::dialect d,
            std::string_view input) {
  check_normalize_skips_nothing(body, resource, rt, d, input);
  scim::patch::document doc(resource);
  const outcome moved = run_pipeline(doc, body, doc.peek(), rt, d, input, true);
  // Handing the request over (values moved, not rebuilt) changes nothing.
  scim::patch::document copied_doc(resource);
  const outcome copied = run_pipeline(copied_doc, body, copied_doc.peek(), rt, d, input, false);
  same_outcome(moved, copied, "apply(request&&) and apply(const request&) disagree");

  // Second round: the warm document (index, holes) against a fresh one.
  const json current = doc.value();
  const auto& reg = scim::default_registry();
  auto n_warm = scim::patch::normalize(body, doc.peek(), rt, reg, d);
  auto n_cold = scim::patch::normalize(body, current, rt, reg, d);
  check(n_warm.has_value() == n_cold.has_value(), "normalize depends on the document's holes", input);
  if (n_warm) check(*n_warm == *n_cold, "normalize depends on the document's holes", input);

  scim::patch::document fresh(current);
  const outcome warm = run_pipeline(doc, body, doc.peek(), rt, d, input);
  const outcome cold = run_pipeline(fresh, body, current, rt, d, input);
  same_outcome(warm, cold, "a warm and a fresh document disagree");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  scim::json_limits limits;
  limits.max_bytes = 64 * 1024;
  limits.max_depth = 32;
  auto body = scim::parse_json(input, limits);
  if (!body) return 0;
  const auto& reg = scim::default_registry();
  static const scim::resource_type* user_type = reg.find_resource_type("User");
  static const scim::resource_type* group_type = reg.find_resource_type("Group");
  check(user_type != nullptr && group_type != nullptr, "resource types registered");
  for (const scim::patch::dialect d : scim::patch::all_dialects) {
    run_on(*body, fixed_user(), *user_type, d, input);
    run_on(*body, fixed_group(), *group_type, d, input);
  }
  return 0;
}
