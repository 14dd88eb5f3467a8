// scimpp fuzz target: bounded JSON parsing, typed decoding and encoding,
// schema validation.
//
// Invariants (a violation aborts):
//   * parse_json never throws or crashes; what it accepts serialises
//     (dump_json) to text that it accepts again, to an equal value;
//   * what decode<user> / decode<group> accept encodes to JSON that decodes
//     again, and that second value encodes to the identical JSON;
//   * validate never crashes, for User and Group, in the create_request,
//     replace_request and response contexts (errors are fine); a body that
//     validates as a create request for User (Group) decodes as a typed user
//     (group).
#include "scim/json.hpp"
#include "scim/resource/group.hpp"
#include "scim/resource/user.hpp"
#include "scim/schema/registry.hpp"
#include "scim/schema/validate.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"

namespace {

using scimpp_fuzz::check;

// Whether a value holds a non-finite number (serialised as null, so it cannot
// round-trip through text).
bool has_non_finite(const scim::json& j) {
  std::vector<const scim::json*> todo{&j};
  while (!todo.empty()) {
    const scim::json* v = todo.back();
    todo.pop_back();
    if (v->is_number_float() && !std::isfinite(v->get<double>())) return true;
    if (v->is_structured())
      for (const auto& c : *v) todo.push_back(&c);
  }
  return false;
}

void check_text_roundtrip(const scim::json& parsed) {
  const std::string text = scim::dump_json(parsed);
  auto again = scim::parse_json(text);
  if (!again) scimpp_fuzz::fail("dump_json output does not parse again", text, again.error().detail);
  if (!has_non_finite(parsed)) check(*again == parsed, "dump_json/parse_json round trip changes the value", text);
}

template <class T>
void check_typed_roundtrip(const scim::json& parsed, const char* what) {
  auto first = scim::decode<T>(parsed);
  if (!first) return;
  const scim::json j1 = scim::encode(*first);
  auto second = scim::decode<T>(j1);
  if (!second) scimpp_fuzz::fail(what, scim::dump_json(j1), second.error().detail);
  const scim::json j2 = scim::encode(*second);
  const std::string t1 = scim::dump_json(j1);
  const std::string t2 = scim::dump_json(j2);
  check(t1 == t2, "encode(decode(encode(x))) differs from encode(x)", t1, t2);
}

template <class T>
void check_validation(const scim::json& parsed, const char* type_name) {
  const auto& reg = scim::default_registry();
  const scim::resource_type* rt = reg.find_resource_type(type_name);
  check(rt != nullptr, "resource type registered");

  auto created = scim::validate(parsed, *rt, reg, scim::validation_context::create_request);
  if (created) {
    auto typed = scim::decode<T>(*created);
    if (!typed)
      scimpp_fuzz::fail("a validated create request does not decode as the typed resource",
                        scim::dump_json(*created), typed.error().detail);
  }

  scim::validation_options replace;
  replace.existing = &parsed;
  (void)scim::validate(parsed, *rt, reg, scim::validation_context::replace_request, replace);
  scim::validation_options reject;
  reject.unknown_attributes = scim::unknown_attribute_policy::reject;
  (void)scim::validate(parsed, *rt, reg, scim::validation_context::create_request, reject);

  (void)scim::validate(parsed, *rt, reg, scim::validation_context::response);
  scim::validation_options projection;
  projection.attributes = {"userName", "emails.value", "members",
                           "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "no.such"};
  projection.excluded_attributes = {"displayName", "emails.type", "urn:ietf:params:scim:schemas:core:2.0:Group"};
  (void)scim::validate(parsed, *rt, reg, scim::validation_context::response, projection);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = scim::parse_json(input);
  if (!parsed) {
    (void)scim::format_error(parsed.error());
    return 0;
  }
  check(scim::json_depth(*parsed) <= scim::json_limits{}.max_depth, "parse_json exceeded its depth limit");
  check_text_roundtrip(*parsed);

  check_typed_roundtrip<scim::user>(*parsed, "encode(decode<user>(x)) does not decode again");
  check_typed_roundtrip<scim::group>(*parsed, "encode(decode<group>(x)) does not decode again");

  check_validation<scim::user>(*parsed, "User");
  check_validation<scim::group>(*parsed, "Group");
  return 0;
}
