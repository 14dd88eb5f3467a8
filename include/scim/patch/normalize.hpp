// scimpp: identity-provider PATCH normalisers. Each rewrites the raw PatchOp
// JSON body of one provider deviation into RFC 7644 form before
// parse_patch_request() sees it; profiles and detection are in dialect.hpp.
//
//   auto d    = scim::patch::detect_dialect(header_lookup);   // or configured
//   auto body = scim::patch::normalize(std::move(raw), resource, rt, reg, d);
//   auto req  = scim::patch::parse_patch_request(std::move(*body));
//   auto cs   = scim::patch::apply(resource, *req, rt, reg, scim::patch::apply_options_for(d));
//
// (error checks omitted: each step returns scim::expected.)
//
// A normaliser is a pure function: body in, body (or an error) out; the
// resource, its type and the registry are read-only context. A normaliser
// leaves alone what it does not recognise (non-object bodies, a missing
// `Operations` array, odd members): parse_patch_request() reports those.
// Member names are found ASCII case-insensitively (`Operations`, `op`,
// `path`, `value`; SCIM attribute names are case-insensitive), like the
// parser does. Operations are recognised by their RFC names only ("add",
// "remove", "replace", exactly): each normaliser handles one deviation, so a
// capitalised "Remove" with a value list needs capitalized_ops (which
// normalize() runs first) and remove_by_value_list; a profile without
// capitalized_ops leaves it to the core's invalidSyntax.
// Errors are 400 with the scimType given below; `detail` starts with
// "Operations[i]: ". Rules, exactly:
//
// capitalized_ops (Entra ID default job)
//   An `op` string equal to add/remove/replace ignoring ASCII case, but not
//   already lower case, becomes lower case. Nothing else changes; an
//   unknown op ("delete", "Update") stays for the core to reject.
//
// okta_id_in_replace (Okta group rename, sent on every membership update)
//   A path-less `replace` whose value object has an `id` member: when it is
//   the resource's own `id` (a string, compared exactly) the member is
//   dropped; any other `id` is 400 mutability (id is readOnly). (The applier
//   also takes a readOnly attribute given its current value as a no-op when
//   apply_options::unchanged_read_only is on, which apply_options_for() sets
//   exactly for the profiles running this normaliser: strict, entra and
//   jumpcloud answer mutability.)
//
// dotted_keys (Entra ID with aadOptscim062020)
//   In the value object of a path-less `add`/`replace`, a key that the
//   registry resolves for the resource type and that is written as
//   `attr.sub`, as `<extension URN>:attr[.sub]` or as `<core URN>:attr[.sub]`
//   is moved into nested objects: {"name.givenName": "B"} -> {"name":
//   {"givenName": "B"}}, {"urn:...:enterprise:2.0:User:manager.value": "m"}
//   -> {"urn:...:enterprise:2.0:User": {"manager": {"value": "m"}}}. The
//   objects made here use the schema's spelling and merge with plain keys
//   naming the same object (case-insensitive). Keys that do not resolve, and
//   `attr.sub` of a multi-valued attr (`emails.value` names no single
//   place), stay as written for the core to judge. The same leaf set twice
//   (`name.givenName` next to `name: {givenName}`), or a dotted key under a
//   plain key whose value is not an object, is 400 invalidValue. (The
//   applier in apply.hpp also reads such keys itself when
//   apply_options::dotted_keys is on, which apply_options_for() sets exactly
//   for the profiles running this normaliser: under strict, okta and
//   jumpcloud such a key is invalidValue. This normaliser makes the body RFC
//   form for any consumer and reports the deviation.)
//
// remove_by_value_list (Entra ID default job, JumpCloud)
//   A `remove` whose path is a plain attribute (no filter, no
//   sub-attribute) naming a multi-valued complex attribute with a `value`
//   sub-attribute (members, emails, ...), and which carries a `value` that is
//   an array (or a single object or scalar), becomes one `remove` per listed
//   value with path `<path>[value eq <the value as JSON>]`, removing exactly
//   the listed values, never the whole attribute. A listed element is an
//   object with a scalar `value` member (other members are ignored) or a bare
//   scalar; anything else is 400 invalidValue. An empty list removes nothing.
//   Idempotence: a listed value that is not present when the operation runs
//   is dropped (no operation), so a retried or redundant removal succeeds
//   instead of failing the whole atomic request with noTarget (Entra would
//   otherwise retry forever). "Present" follows the resource and the
//   operations before it in the same request (whole-attribute add, replace
//   and remove, path-less add/replace, and `remove attr[value eq "x"]`); the
//   comparison honours the `value` sub-attribute's caseExact, like the
//   filter the core evaluates. The resource is scanned once (only listed
//   values are counted), or normalize_context::has_value is asked instead:
//   a caller whose resource JSON omits the members (kept in a store) must
//   give that oracle, or every removal would look like a no-op. When dropping leaves the request without any
//   operation, one no-op `{"op":"add","path":<path>,"value":[]}` stands in, so
//   the request stays a valid, empty-effect PatchOp.
//
// add_creates_value_path_element (Entra ID default job)
//   An `add` whose path is `attr[filter].sub` (or `attr[filter]` with an
//   object value), where attr is multi-valued complex, no element matches the
//   filter when the operation runs, and the filter is a conjunction (`and`)
//   of `eq` comparisons of sub-attributes of attr with string, number or
//   boolean literals, becomes `add` path `attr` value `[element]`, the element
//   holding the compared sub-attributes and `sub` (or the value's members):
//   `add emails[type eq "work"].value "x"` with no work email ->
//   `add emails [{"type":"work","value":"x"}]`. Filters of another shape,
//   contradictory values, or a value that is not a scalar (an object for the
//   `attr[filter]` form) are left alone: the core answers noTarget. Later
//   operations through the same filter see the created element (so Entra's
//   per-sub-attribute adds to one `addresses[type eq "work"]` create one
//   element). `replace` through a filter that matches nothing is never
//   rewritten (RFC: noTarget).
//
// string_booleans (Entra ID default job)
//   The strings "True"/"False" (any ASCII case) become booleans where the
//   schema says the target is a boolean attribute, found through the
//   registry: the value of an operation whose path names a boolean attribute
//   (`active`, `emails[type eq "work"].primary`, an extension attribute),
//   boolean sub-attributes inside complex values and multi-valued elements
//   (`primary`), and members of path-less value objects and of extension
//   objects. Strings of non-boolean attributes are never touched; paths that
//   do not resolve are left for the core. Filters inside paths are not
//   rewritten (the filter tolerance is the service's, see dialect.hpp).
//
// normalize() runs the selected normalisers in the order of
// all_normalizers: capitalized_ops, okta_id_in_replace, dotted_keys,
// remove_by_value_list, add_creates_value_path_element, string_booleans.
// It first scans the operations once and skips the normalisers that cannot
// fire on this body (an RFC-form membership change costs one scan, no path
// resolution); the result is the same as running each one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "scim/config.hpp"
#include "scim/detail/ascii.hpp"
#include "scim/error.hpp"
#include "scim/expected.hpp"
#include "scim/filter/ast.hpp"
#include "scim/filter/evaluator.hpp"
#include "scim/filter/parser.hpp"
#include "scim/json.hpp"
#include "scim/patch/apply.hpp"
#include "scim/patch/dialect.hpp"
#include "scim/path.hpp"
#include "scim/schema/attribute.hpp"
#include "scim/schema/registry.hpp"
#include "scim/schema/resource_type.hpp"

SCIM_BEGIN_NAMESPACE
namespace patch {

/// What a normaliser may read besides the body: the resource before the
/// request, its resource type and the registry (all read-only).
struct normalize_context {
  const json& resource;
  const resource_type& type;
  const schema_registry& registry;
  /// Optional presence oracle for remove_by_value_list: whether the
  /// resource's multi-valued attribute `attr` holds an element whose `value`
  /// sub-attribute equals `value` (under that sub-attribute's caseExact).
  /// When set it is asked once per distinct listed value instead of scanning
  /// `resource`, so a store that indexes members, or keeps them out of the
  /// JSON it hands over, answers in O(1). Without it, `resource` must hold the
  /// attribute in full: an absent attribute means no values are present.
  std::function<bool(const resolved_attribute& attr, const json& value)> has_value{};
};

// Internals of the normalisers (nested so that they never clash with the
// PATCH engine's own patch::detail helpers).
namespace detail::normalize_impl {

enum class op_kind : std::uint8_t { add, remove, replace, other };

// Case-insensitive member lookup, the exact spelling first.
template <class Json>
auto find_member(Json& obj, std::string_view key) -> decltype(obj.end()) {
  if (!obj.is_object()) return obj.end();
  for (auto it = obj.begin(); it != obj.end(); ++it)
    if (it.key() == key) return it;
  for (auto it = obj.begin(); it != obj.end(); ++it)
    if (scim::detail::iequals(it.key(), key)) return it;
  return obj.end();
}

// The same as a pointer (nullptr when absent), in one pass over the map.
template <class Json>
auto member_ptr(Json& obj, std::string_view key) -> decltype(&*obj.end()) {
  return patch::detail::find_member(obj, key);
}

// The Operations array of a PatchOp body; nullptr when there is none.
inline json* operations_of(json& body) {
  json* ops = member_ptr(body, "Operations");
  return ops && ops->is_array() ? ops : nullptr;
}

inline op_kind kind_of(const json& op) {
  const json* o = member_ptr(op, "op");
  if (!o || !o->is_string()) return op_kind::other;
  // RFC names only: a capitalised op is capitalized_ops' business (it runs first).
  const auto& s = o->get_ref<const std::string&>();
  if (s == "add") return op_kind::add;
  if (s == "remove") return op_kind::remove;
  if (s == "replace") return op_kind::replace;
  return op_kind::other;
}

// The operation has no path: `path` absent or null.
inline bool is_pathless(const json& op) {
  const json* p = member_ptr(op, "path");
  return !p || p->is_null();
}

// The path text; nullptr when absent or not a string.
inline const std::string* path_text_of(const json& op) {
  const json* p = member_ptr(op, "path");
  return p && p->is_string() ? &p->get_ref<const std::string&>() : nullptr;
}

inline error op_error(error_code code, std::size_t index, const std::string& detail) {
  return error(code, "Operations[" + std::to_string(index) + "]: " + detail);
}

inline bool is_string_boolean(const json& v, bool& out) {
  if (!v.is_string()) return false;
  const auto& s = v.get_ref<const std::string&>();
  if (scim::detail::iequals(s, "true")) {
    out = true;
    return true;
  }
  if (scim::detail::iequals(s, "false")) {
    out = false;
    return true;
  }
  return false;
}

inline bool has_bracket(std::string_view path) {
  return path.find('[') != std::string_view::npos;
}

// What a path names: a whole extension object, or an attribute (through a
// value filter, possibly).
struct path_target {
  const schema* extension = nullptr;  // the path is an extension URN
  resolved_attribute attr;            // otherwise
  std::optional<patch_path> parsed;   // otherwise
};

inline std::optional<path_target> resolve_path(const normalize_context& ctx, std::string_view text) {
  if (const schema* ext = ctx.registry.find_extension_schema(ctx.type, text)) {
    path_target t;
    t.extension = ext;
    return t;
  }
  auto pp = parse_patch_path(text);
  if (!pp) return std::nullopt;
  std::string plain = to_string(pp->attribute);
  if (!pp->sub_attribute.empty()) {
    plain += '.';
    plain += pp->sub_attribute;
  }
  auto r = ctx.registry.resolve(ctx.type, plain);
  if (!r) return std::nullopt;
  path_target t;
  t.attr = *r;
  t.parsed = std::move(*pp);
  return t;
}

inline bool is_multi_complex(const attribute& a) {
  return a.multi_valued && a.is_complex();
}

// A key identifying an attribute of the resource type: "<owner urn>:<name>", lower case.
inline std::string attribute_key(const resolved_attribute& r) {
  return scim::detail::to_lower(r.owner->id) + ":" + scim::detail::to_lower(r.attr->name);
}

// The attribute's value in a resource; nullptr when unassigned.
inline const json* attribute_value(const json& resource, const resolved_attribute& r) {
  const json* container = &resource;
  if (r.is_extension) {
    container = member_ptr(resource, r.owner->id);
    if (!container || !container->is_object()) return nullptr;
  }
  return member_ptr(*container, r.attr->name);
}

// The elements of a multi-valued value: an array's items, or a lone object.
template <class F>
void for_each_element(const json& v, F&& f) {
  if (v.is_array()) {
    for (const auto& e : v) f(e);
  } else if (v.is_object()) {
    f(v);
  }
}

// A comparable key for a `value` sub-attribute value, written into `out`
// (reused, so scanning a large array does not allocate per element): strings
// are folded when the sub-attribute is not caseExact. False for null and
// structured values, which have no key.
inline bool value_key(const json& v, bool case_exact, std::string& out) {
  out.clear();
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    out.resize(s.size() + 1);
    out[0] = 's';
    char* d = out.data() + 1;
    for (std::size_t i = 0; i < s.size(); ++i) d[i] = case_exact ? s[i] : scim::detail::ascii_lower(s[i]);
    return true;
  }
  if (v.is_null() || v.is_structured()) return false;
  out.push_back('j');
  out.append(dump_json(v));
  return true;
}

// How an RFC-form operation changes a whole multi-valued complex attribute,
// as far as the normalisers follow it.
enum class mv_effect : std::uint8_t { append, assign, clear, remove_value };

// Calls f(resolved, effect, value) for each effect of `op` on a multi-valued
// complex attribute: add/replace/remove (without value) with a plain path;
// path-less add/replace members (core attributes and extension objects);
// remove `attr[value eq X]` (value: the literal X).
template <class F>
void for_each_mv_effect(const normalize_context& ctx, const json& op, F&& f) {
  const op_kind kind = kind_of(op);
  if (kind == op_kind::other) return;
  const json* value = member_ptr(op, "value");
  if (is_pathless(op)) {
    if (kind == op_kind::remove || !value || !value->is_object()) return;
    const mv_effect e = kind == op_kind::add ? mv_effect::append : mv_effect::assign;
    for (auto it = value->begin(); it != value->end(); ++it) {
      if (const schema* ext = ctx.registry.find_extension_schema(ctx.type, it.key())) {
        if (!it->is_object()) continue;
        for (auto jt = it->begin(); jt != it->end(); ++jt) {
          const attribute* a = ext->find(jt.key());
          if (!a || !is_multi_complex(*a)) continue;
          resolved_attribute r;
          r.owner = ext;
          r.attr = a;
          r.is_extension = true;
          f(r, e, &*jt);
        }
        continue;
      }
      auto r = ctx.registry.resolve(ctx.type, it.key());
      if (r && !r->sub && is_multi_complex(*r->attr)) f(*r, e, &*it);
    }
    return;
  }
  const std::string* path = path_text_of(op);
  if (!path) return;
  if (!has_bracket(*path)) {
    auto r = ctx.registry.resolve(ctx.type, *path);
    if (!r || r->sub || !is_multi_complex(*r->attr)) return;
    if (kind == op_kind::add && value)
      f(*r, mv_effect::append, value);
    else if (kind == op_kind::replace && value)
      f(*r, mv_effect::assign, value);
    else if (kind == op_kind::remove && (!value || value->is_null()))
      f(*r, mv_effect::clear, nullptr);
    return;
  }
  if (kind != op_kind::remove) return;
  auto t = resolve_path(ctx, *path);
  if (!t || t->extension || t->attr.sub || !is_multi_complex(*t->attr.attr) || !t->parsed) return;
  const patch_path& pp = *t->parsed;
  if (!pp.sub_attribute.empty() || !pp.value_filter || pp.value_filter->empty()) return;
  const filter::filter& flt = *pp.value_filter;
  const filter::node& n = flt.root_node();
  const attribute_path_view p = flt.path(n);
  if (n.kind != filter::node_kind::compare || n.op != filter::compare_op::eq || p.has_urn() ||
      p.has_sub_attribute() || !scim::detail::iequals(p.name, "value"))
    return;
  json literal;
  switch (n.type) {
    case filter::value_kind::string:
      literal = std::string(flt.string_value(n));
      break;
    case filter::value_kind::integer:
      literal = n.integer;
      break;
    case filter::value_kind::decimal:
      literal = n.decimal;
      break;
    case filter::value_kind::boolean:
      literal = n.boolean;
      break;
    case filter::value_kind::null:
      return;
  }
  f(t->attr, mv_effect::remove_value, &literal);
}

// The `value` sub-attribute of an element (object) or the element itself (scalar).
inline const json* listed_value(const json& element) {
  if (element.is_object()) return member_ptr(element, "value");
  return &element;
}

// ---- string_booleans helpers ---------------------------------------------------

inline bool convert_booleans(json& v, const attribute& a);

inline bool convert_complex_members(json& obj, const attribute& a) {
  bool changed = false;
  for (auto it = obj.begin(); it != obj.end(); ++it)
    if (const attribute* sub = a.find_sub_attribute(it.key())) changed |= convert_booleans(*it, *sub);
  return changed;
}

// Converts "True"/"False" strings in `v`, a value of attribute `a`.
inline bool convert_booleans(json& v, const attribute& a) {
  bool changed = false;
  if (a.type == attribute_type::boolean) {
    bool b = false;
    if (is_string_boolean(v, b)) {
      v = b;
      return true;
    }
    if (v.is_array()) {
      for (auto& e : v) {
        if (is_string_boolean(e, b)) {
          e = b;
          changed = true;
        }
      }
    }
    return changed;
  }
  if (!a.is_complex()) return false;
  if (v.is_object()) return convert_complex_members(v, a);
  if (v.is_array()) {
    for (auto& e : v)
      if (e.is_object()) changed |= convert_complex_members(e, a);
  }
  return changed;
}

// Converts the members of an extension object.
inline bool convert_extension_object(json& obj, const schema& ext) {
  if (!obj.is_object()) return false;
  bool changed = false;
  for (auto it = obj.begin(); it != obj.end(); ++it)
    if (const attribute* a = ext.find(it.key())) changed |= convert_booleans(*it, *a);
  return changed;
}

// Converts the members of a path-less value object (a partial resource).
inline bool convert_resource_object(json& obj, const normalize_context& ctx) {
  if (!obj.is_object()) return false;
  bool changed = false;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (const schema* ext = ctx.registry.find_extension_schema(ctx.type, it.key())) {
      changed |= convert_extension_object(*it, *ext);
      continue;
    }
    auto r = ctx.registry.resolve(ctx.type, it.key());
    if (r) changed |= convert_booleans(*it, r->target());
  }
  return changed;
}

// ---- dotted_keys helpers ---------------------------------------------------------

// The member `name` of `obj` as an object, created when absent; nullptr when
// it exists and is not an object.
inline json* child_object(json& obj, std::string_view name) {
  auto it = find_member(obj, name);
  if (it == obj.end()) return &(obj[std::string(name)] = json::object());
  return it->is_object() ? &*it : nullptr;
}

// Merges `v` into obj[name]: objects merge member by member (recursively);
// false when some leaf is set twice or an object meets a non-object.
inline bool merge_member(json& obj, std::string_view name, json v) {
  auto it = find_member(obj, name);
  if (it == obj.end()) {
    obj[std::string(name)] = std::move(v);
    return true;
  }
  if (!it->is_object() || !v.is_object()) return false;
  json& target = *it;
  for (auto jt = v.begin(); jt != v.end(); ++jt)
    if (!merge_member(target, jt.key(), std::move(*jt))) return false;
  return true;
}

// ---- add_creates_value_path_element helpers -------------------------------------

inline bool same_value(const json& a, const json& b, const attribute* sub) {
  if (a.is_string() && b.is_string() && !(sub && sub->case_exact))
    return scim::detail::iequals(a.get_ref<const std::string&>(), b.get_ref<const std::string&>());
  return a == b;
}

// The sub-attributes an element must have to match `f`, when `f` is a
// conjunction of `eq` comparisons of sub-attributes of `a` with non-null
// literals; nullopt otherwise or when the comparisons contradict.
inline std::optional<json> conjunction_element(const filter::filter& f, const attribute& a) {
  if (f.empty()) return std::nullopt;
  json element = json::object();
  std::vector<filter::node_id> todo{f.root()};
  while (!todo.empty()) {
    const filter::node& n = f[todo.back()];
    todo.pop_back();
    if (n.kind == filter::node_kind::logical_and) {
      for (const filter::node_id c : f.children(n)) todo.push_back(c);
      continue;
    }
    if (n.kind != filter::node_kind::compare || n.op != filter::compare_op::eq) return std::nullopt;
    const attribute_path_view p = f.path(n);
    if (p.has_sub_attribute()) return std::nullopt;
    if (p.has_urn()) return std::nullopt;
    const attribute* sub = a.find_sub_attribute(p.name);
    if (!sub || sub->is_complex()) return std::nullopt;
    json literal;
    switch (n.type) {
      case filter::value_kind::string:
        literal = std::string(f.string_value(n));
        break;
      case filter::value_kind::integer:
        literal = n.integer;
        break;
      case filter::value_kind::decimal:
        literal = n.decimal;
        break;
      case filter::value_kind::boolean:
        literal = n.boolean;
        break;
      case filter::value_kind::null:
        return std::nullopt;
    }
    auto it = find_member(element, sub->name);
    if (it != element.end()) {
      if (!same_value(*it, literal, sub)) return std::nullopt;
      continue;
    }
    element[sub->name] = std::move(literal);
  }
  return element;
}

// The working copy of one multi-valued attribute, as a one-attribute resource
// the compiled value-path filter evaluates.
struct tracked_array {
  resolved_attribute attr;
  json mini;  // {"emails": [...]} or {"urn:...:ext": {"attr": [...]}}

  json& array() {
    json* container = &mini;
    if (attr.is_extension) container = &mini[attr.owner->id];
    return (*container)[attr.attr->name];
  }
};

inline tracked_array make_tracked(const normalize_context& ctx, const resolved_attribute& r) {
  tracked_array t;
  t.attr = r;
  t.mini = json::object();
  json& arr = t.array();
  arr = json::array();
  if (const json* v = attribute_value(ctx.resource, r))
    for_each_element(*v, [&](const json& e) { arr.push_back(e); });
  return t;
}

inline void apply_effect(tracked_array& t, mv_effect e, const json* value) {
  json& arr = t.array();
  switch (e) {
    case mv_effect::clear:
      arr = json::array();
      break;
    case mv_effect::assign:
      arr = json::array();
      if (value) for_each_element(*value, [&](const json& x) { arr.push_back(x); });
      break;
    case mv_effect::append:
      if (value) for_each_element(*value, [&](const json& x) { arr.push_back(x); });
      break;
    case mv_effect::remove_value: {
      if (!value) break;
      const attribute* sub = t.attr.attr->find_sub_attribute("value");
      json kept = json::array();
      for (const auto& x : arr) {
        const json* v = x.is_object() ? member_ptr(x, "value") : nullptr;
        if (!(v && same_value(*v, *value, sub))) kept.push_back(x);
      }
      arr = std::move(kept);
      break;
    }
  }
}

// ---- which normalisers can fire ---------------------------------------------------

// A string "true"/"false" (any ASCII case) anywhere in `v`.
inline bool holds_string_boolean(const json& v, std::size_t depth = 0) {
  switch (v.type()) {
    case json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      return (s.size() == 4 || s.size() == 5) && (scim::detail::iequals(s, "true") || scim::detail::iequals(s, "false"));
    }
    case json::value_t::array:
      if (depth > 64) return true;  // too deep to bother: let the normaliser look
      for (const auto& e : v.get_ref<const json::array_t&>())
        if (holds_string_boolean(e, depth + 1)) return true;
      return false;
    case json::value_t::object:
      if (depth > 64) return true;
      for (const auto& [k, e] : v.get_ref<const json::object_t&>())
        if (holds_string_boolean(e, depth + 1)) return true;
      return false;
    default:
      return false;
  }
}

inline bool contains_string_boolean_text(std::string_view s) {
  return scim::detail::icontains(s, "true") || scim::detail::icontains(s, "false");
}

// The normalisers of `set` that can rewrite `body` or fail on it, from one
// scan of the operations; each one left out would leave the body alone, so
// normalize() skips it. Conservative: op names compare ASCII
// case-insensitively (capitalized_ops runs first); string_booleans counts
// "true"/"false" in any value and in the path of an `add` through a value
// filter (add_creates_value_path_element copies filter literals into values).
inline normalizer_set may_fire(const json& body, normalizer_set set) {
  const json* ops = member_ptr(body, "Operations");
  if (ops == nullptr || !ops->is_array()) return {};
  std::uint32_t bits = 0;
  auto want = [&bits](normalizer n) { bits |= static_cast<std::uint32_t>(n); };
  for (const auto& op : *ops) {
    if (!op.is_object()) continue;
    const json* value = member_ptr(op, "value");
    const json* path = member_ptr(op, "path");
    const bool pathless = path == nullptr || path->is_null();
    const std::string* path_text = path != nullptr && path->is_string() ? &path->get_ref<const std::string&>() : nullptr;
    if (value != nullptr && holds_string_boolean(*value)) want(normalizer::string_booleans);
    const json* o = member_ptr(op, "op");
    if (o == nullptr || !o->is_string()) continue;
    const std::string& name = o->get_ref<const std::string&>();
    op_kind kind = op_kind::other;
    if (name == "add") kind = op_kind::add;
    else if (name == "remove") kind = op_kind::remove;
    else if (name == "replace") kind = op_kind::replace;
    else {
      if (scim::detail::iequals(name, "add")) kind = op_kind::add;
      else if (scim::detail::iequals(name, "remove")) kind = op_kind::remove;
      else if (scim::detail::iequals(name, "replace")) kind = op_kind::replace;
      if (kind == op_kind::other) continue;
      want(normalizer::capitalized_ops);
    }
    if (kind == op_kind::remove) {
      if (value != nullptr && !value->is_null()) want(normalizer::remove_by_value_list);
      continue;
    }
    if (kind == op_kind::add && path_text != nullptr && has_bracket(*path_text)) {
      want(normalizer::add_creates_value_path_element);
      // The element it creates holds the filter's literals: "True" among them?
      if (contains_string_boolean_text(*path_text)) want(normalizer::string_booleans);
    }
    if (!pathless || value == nullptr || !value->is_object()) continue;
    for (const auto& [k, v] : value->get_ref<const json::object_t&>()) {
      if (k.find_first_of(".:") != std::string::npos) want(normalizer::dotted_keys);
      if (kind == op_kind::replace && scim::detail::iequals(k, "id")) want(normalizer::okta_id_in_replace);
    }
  }
  normalizer_set out;
  out.bits = bits & set.bits;
  return out;
}

}  // namespace detail::normalize_impl

/// The normalisers, one function each: `body` in, the rewritten body (or an
/// error) out; `*fired` (when given) tells whether anything was rewritten.
/// The rules are in the comment at the top of this header.
namespace normalizers {

namespace impl = detail::normalize_impl;

/// "Add"/"Replace"/"Remove" (any case) -> "add"/"replace"/"remove".
inline expected<json> capitalized_ops(json body, const normalize_context& /*ctx*/, bool* fired = nullptr) {
  bool changed = false;
  if (json* ops = impl::operations_of(body)) {
    for (auto& op : *ops) {
      auto it = impl::find_member(op, "op");
      if (it == op.end() || !it->is_string()) continue;
      const std::string& s = it->get_ref<const std::string&>();
      for (const std::string_view want :
           {std::string_view("add"), std::string_view("remove"), std::string_view("replace")}) {
        if (s != want && scim::detail::iequals(s, want)) {
          *it = std::string(want);
          changed = true;
          break;
        }
      }
    }
  }
  if (fired) *fired = changed;
  return body;
}

/// Path-less replace repeating the resource's own `id`: the member is dropped;
/// a different id is 400 mutability.
inline expected<json> okta_id_in_replace(json body, const normalize_context& ctx, bool* fired = nullptr) {
  bool changed = false;
  if (json* ops = impl::operations_of(body)) {
    for (std::size_t i = 0; i < ops->size(); ++i) {
      json& op = (*ops)[i];
      if (impl::kind_of(op) != impl::op_kind::replace || !impl::is_pathless(op)) continue;
      json* value = impl::member_ptr(op, "value");
      if (!value || !value->is_object()) continue;
      const json* own = impl::member_ptr(ctx.resource, "id");
      for (auto it = impl::find_member(*value, "id"); it != value->end();
           it = impl::find_member(*value, "id")) {
        if (!(own && own->is_string() && it->is_string() &&
              it->get_ref<const std::string&>() == own->get_ref<const std::string&>())) {
          std::string detail = "'id' is readOnly: a replace may repeat the resource's id";
          if (own && own->is_string()) detail += " '" + own->get_ref<const std::string&>() + "'";
          detail += ", not change it to " + dump_json(*it);
          return fail(impl::op_error(error_code::mutability, i, detail));
        }
        value->erase(it);
        changed = true;
      }
    }
  }
  if (fired) *fired = changed;
  return body;
}

/// Path-less add/replace values with dotted or URN-qualified keys -> nested objects.
inline expected<json> dotted_keys(json body, const normalize_context& ctx, bool* fired = nullptr) {
  bool changed = false;
  json* ops = impl::operations_of(body);
  for (std::size_t i = 0; ops && i < ops->size(); ++i) {
    json& op = (*ops)[i];
    const impl::op_kind kind = impl::kind_of(op);
    if ((kind != impl::op_kind::add && kind != impl::op_kind::replace) || !impl::is_pathless(op)) continue;
    json* value = impl::member_ptr(op, "value");
    if (!value || !value->is_object()) continue;

    // Where each key goes: nested names (extension URN, attribute, sub) or as is.
    struct placement {
      std::string key;
      std::vector<std::string> names;  // empty: keep the key as written
    };
    std::vector<placement> places;
    bool any = false;
    for (auto it = value->begin(); it != value->end(); ++it) {
      const std::string& key = it.key();
      placement p{key, {}};
      const bool qualified = key.find(':') != std::string::npos;
      if ((qualified || key.find('.') != std::string::npos) &&
          !ctx.registry.find_extension_schema(ctx.type, key)) {
        // A dotted key under a multi-valued attribute (`emails.value`) names
        // no single place: it stays for the core to reject.
        auto r = ctx.registry.resolve(ctx.type, key);
        if (r && !(r->sub && r->attr->multi_valued)) {
          // Canonical spellings from the schema for the objects made here.
          if (r->is_extension) p.names.push_back(r->owner->id);
          p.names.push_back(r->attr->name);
          if (r->sub) p.names.push_back(r->sub->name);
          any = true;
        }
      }
      places.push_back(std::move(p));
    }
    if (!any) continue;

    json out = json::object();
    for (auto& p : places) {
      json v = std::move((*value)[p.key]);
      if (p.names.empty()) {
        if (!impl::merge_member(out, p.key, std::move(v)))
          return fail(impl::op_error(error_code::invalid_value, i,
                                     "'" + p.key + "' conflicts with another member of the value"));
        continue;
      }
      json* target = &out;
      for (std::size_t k = 0; k + 1 < p.names.size() && target; ++k)
        target = impl::child_object(*target, p.names[k]);
      if (!target || !impl::merge_member(*target, p.names.back(), std::move(v)))
        return fail(impl::op_error(error_code::invalid_value, i,
                                   "'" + p.key + "' conflicts with another member of the value"));
    }
    *value = std::move(out);
    changed = true;
  }
  if (fired) *fired = changed;
  return body;
}

/// remove path `attr` + value list -> one remove `attr[value eq ...]` per
/// listed value that is present (absent values are dropped).
inline expected<json> remove_by_value_list(json body, const normalize_context& ctx, bool* fired = nullptr) {
  if (fired) *fired = false;
  json* ops = impl::operations_of(body);
  if (!ops) return body;

  // The operations this normaliser rewrites, with their attribute.
  auto candidate = [&](const json& op) -> std::optional<resolved_attribute> {
    if (impl::kind_of(op) != impl::op_kind::remove) return std::nullopt;
    const json* value = impl::member_ptr(op, "value");
    if (!value || value->is_null()) return std::nullopt;
    const std::string* path = impl::path_text_of(op);
    if (!path || impl::has_bracket(*path)) return std::nullopt;
    auto r = ctx.registry.resolve(ctx.type, *path);
    if (!r || r->sub || !impl::is_multi_complex(*r->attr) || !r->attr->find_sub_attribute("value"))
      return std::nullopt;
    return *r;
  };
  auto listed_elements = [](const json& list) {
    std::vector<const json*> elements;
    if (list.is_array()) {
      for (const auto& e : list) elements.push_back(&e);
    } else {
      elements.push_back(&list);
    }
    return elements;
  };

  // Per attribute: how many elements currently hold each listed value. Only
  // listed values are counted, so a large group costs one scan without
  // allocating per member.
  struct listed {
    std::size_t count = 0;        // elements holding the value now
    const json* value = nullptr;  // the value as first listed
  };
  struct tracked_values {
    resolved_attribute attr;
    bool exact = false;
    std::unordered_map<std::string, listed> counts;
  };
  std::map<std::string, tracked_values> tracked;
  std::string key;
  for (std::size_t i = 0; i < ops->size(); ++i) {
    const json& op = (*ops)[i];
    const auto target = candidate(op);
    if (!target) continue;
    auto [it, inserted] = tracked.try_emplace(impl::attribute_key(*target));
    tracked_values& t = it->second;
    if (inserted) {
      t.attr = *target;
      const attribute* sub = target->attr->find_sub_attribute("value");
      t.exact = sub && sub->case_exact;
    }
    const std::vector<const json*> elements = listed_elements(*impl::member_ptr(op, "value"));
    for (std::size_t j = 0; j < elements.size(); ++j) {
      const json* v = impl::listed_value(*elements[j]);
      if (!v || !impl::value_key(*v, t.exact, key)) {
        return fail(impl::op_error(
            error_code::invalid_value, i,
            "remove '" + *impl::path_text_of(op) + "' with a value list: element " + std::to_string(j) +
                " must be an object with a scalar 'value' (or a scalar), found " + dump_json(*elements[j])));
      }
      t.counts.emplace(key, listed{0, v});
    }
  }
  if (tracked.empty()) return body;

  // Counts each listed value among `elements` (an array or a lone object).
  auto count_in = [&](tracked_values& t, const json& elements) {
    impl::for_each_element(elements, [&](const json& e) {
      const json* v = impl::member_ptr(e, "value");
      if (!v || !impl::value_key(*v, t.exact, key)) return;
      if (auto c = t.counts.find(key); c != t.counts.end()) ++c->second.count;
    });
  };
  for (auto& [name, t] : tracked) {
    if (ctx.has_value) {
      for (auto& [k, c] : t.counts) c.count = ctx.has_value(t.attr, *c.value) ? 1 : 0;
    } else if (const json* v = impl::attribute_value(ctx.resource, t.attr)) {
      count_in(t, *v);
    }
  }

  json out = json::array();
  std::string last_path;
  for (std::size_t i = 0; i < ops->size(); ++i) {
    json& op = (*ops)[i];
    const auto target = candidate(op);
    if (!target) {
      impl::for_each_mv_effect(ctx, op, [&](const resolved_attribute& r, impl::mv_effect e, const json* v) {
        auto it = tracked.find(impl::attribute_key(r));
        if (it == tracked.end()) return;
        tracked_values& t = it->second;
        switch (e) {
          case impl::mv_effect::clear:
            for (auto& c : t.counts) c.second.count = 0;
            break;
          case impl::mv_effect::assign:
            for (auto& c : t.counts) c.second.count = 0;
            if (v) count_in(t, *v);
            break;
          case impl::mv_effect::append:
            if (v) count_in(t, *v);
            break;
          case impl::mv_effect::remove_value:
            if (v && impl::value_key(*v, t.exact, key))
              if (auto c = t.counts.find(key); c != t.counts.end()) c->second.count = 0;
            break;
        }
      });
      out.push_back(std::move(op));
      continue;
    }
    if (fired) *fired = true;
    tracked_values& t = tracked.find(impl::attribute_key(*target))->second;  // collected above
    const std::string path = *impl::path_text_of(op);
    const json list = std::move(*impl::member_ptr(op, "value"));
    op.erase(impl::find_member(op, "value"));
    const std::string path_key = impl::find_member(op, "path").key();
    for (const json* element : listed_elements(list)) {
      const json* v = impl::listed_value(*element);
      if (!impl::value_key(*v, t.exact, key)) continue;  // checked above
      auto c = t.counts.find(key);
      if (c == t.counts.end() || c->second.count == 0) continue;  // not a member: an idempotent no-op
      c->second.count = 0;  // the filter removes every element holding the value
      json single = op;
      single[path_key] = path + "[value eq " + dump_json(*v) + "]";
      out.push_back(std::move(single));
    }
    last_path = path;
  }
  if (out.empty()) {
    // Every operation was a removal of absent values: keep the request valid.
    json noop = json::object();
    noop["op"] = "add";
    noop["path"] = last_path;
    noop["value"] = json::array();
    out.push_back(std::move(noop));
  }
  *ops = std::move(out);
  return body;
}

/// add `attr[filter].sub` matching no element -> add `attr` [element].
inline expected<json> add_creates_value_path_element(json body, const normalize_context& ctx,
                                                     bool* fired = nullptr) {
  if (fired) *fired = false;
  json* ops = impl::operations_of(body);
  if (!ops) return body;
  auto candidate = [&](const json& op) {
    if (impl::kind_of(op) != impl::op_kind::add) return false;
    const std::string* path = impl::path_text_of(op);
    return path && impl::has_bracket(*path);
  };
  bool any = false;
  for (const auto& op : *ops) any = any || candidate(op);
  if (!any) return body;

  std::map<std::string, impl::tracked_array> tracked;
  auto track = [&](const resolved_attribute& r) -> impl::tracked_array& {
    const std::string key = impl::attribute_key(r);
    auto it = tracked.find(key);
    if (it == tracked.end()) it = tracked.emplace(key, impl::make_tracked(ctx, r)).first;
    return it->second;
  };

  for (std::size_t i = 0; i < ops->size(); ++i) {
    json& op = (*ops)[i];
    if (!candidate(op)) {
      impl::for_each_mv_effect(ctx, op, [&](const resolved_attribute& r, impl::mv_effect e, const json* v) {
        impl::apply_effect(track(r), e, v);
      });
      continue;
    }
    const std::string path = *impl::path_text_of(op);
    json* value = impl::member_ptr(op, "value");
    auto t = impl::resolve_path(ctx, path);
    if (!value || !t || t->extension || !t->parsed || !t->parsed->value_filter) continue;
    const resolved_attribute& target = t->attr;
    if (!impl::is_multi_complex(*target.attr)) continue;
    const patch_path& pp = *t->parsed;

    // Does an element match the filter now?
    const std::size_t close = path.rfind(']');
    if (close == std::string::npos) continue;
    auto parsed = filter::parse(std::string_view(path).substr(0, close + 1));
    if (!parsed) continue;
    auto pred = filter::compile(*parsed, ctx.type, ctx.registry);
    if (!pred) continue;
    impl::tracked_array& arr = track(target);
    if (pred->matches(arr.mini)) continue;

    // No match: build the element from the filter's comparisons.
    auto element = impl::conjunction_element(*pp.value_filter, *target.attr);
    if (!element) continue;
    bool ok = true;
    if (!pp.sub_attribute.empty()) {
      if (value->is_null() || value->is_structured()) continue;
      const attribute* sub = target.sub;
      auto it = impl::find_member(*element, sub->name);
      if (it != element->end())
        ok = impl::same_value(*it, *value, sub);
      else
        (*element)[sub->name] = *value;
    } else {
      if (!value->is_object()) continue;
      for (auto it = value->begin(); it != value->end() && ok; ++it) {
        const attribute* sub = target.attr->find_sub_attribute(it.key());
        auto jt = impl::find_member(*element, it.key());
        if (jt != element->end())
          ok = impl::same_value(*jt, *it, sub);
        else
          (*element)[it.key()] = *it;
      }
    }
    if (!ok) continue;
    arr.array().push_back(*element);
    json rewritten = op;
    rewritten[impl::find_member(op, "path").key()] = to_string(pp.attribute);
    rewritten[impl::find_member(op, "value").key()] = json::array({std::move(*element)});
    op = std::move(rewritten);
    if (fired) *fired = true;
  }
  return body;
}

/// "True"/"False" strings for boolean attributes -> booleans.
inline expected<json> string_booleans(json body, const normalize_context& ctx, bool* fired = nullptr) {
  bool changed = false;
  if (json* ops = impl::operations_of(body)) {
    for (auto& op : *ops) {
      json* value = impl::member_ptr(op, "value");
      if (!value) continue;
      if (impl::is_pathless(op)) {
        changed |= impl::convert_resource_object(*value, ctx);
        continue;
      }
      const std::string* path = impl::path_text_of(op);
      if (!path) continue;
      auto t = impl::resolve_path(ctx, *path);
      if (!t) continue;
      if (t->extension)
        changed |= impl::convert_extension_object(*value, *t->extension);
      else
        changed |= impl::convert_booleans(*value, t->attr.target());
    }
  }
  if (fired) *fired = changed;
  return body;
}

}  // namespace normalizers

/// Runs one normaliser.
inline expected<json> run_normalizer(normalizer n, json body, const normalize_context& ctx,
                                     bool* fired = nullptr) {
  switch (n) {
    case normalizer::capitalized_ops:
      return normalizers::capitalized_ops(std::move(body), ctx, fired);
    case normalizer::okta_id_in_replace:
      return normalizers::okta_id_in_replace(std::move(body), ctx, fired);
    case normalizer::dotted_keys:
      return normalizers::dotted_keys(std::move(body), ctx, fired);
    case normalizer::remove_by_value_list:
      return normalizers::remove_by_value_list(std::move(body), ctx, fired);
    case normalizer::add_creates_value_path_element:
      return normalizers::add_creates_value_path_element(std::move(body), ctx, fired);
    case normalizer::string_booleans:
      return normalizers::string_booleans(std::move(body), ctx, fired);
  }
  if (fired) *fired = false;
  return body;
}

/// normalize() with a full context (e.g. with a presence oracle, see
/// normalize_context::has_value).
inline expected<json> normalize(json body, const normalize_context& ctx, normalizer_set set,
                                std::vector<std::string_view>* applied = nullptr) {
  // Only the normalisers that can rewrite this body run (one scan decides):
  // the others would return it unchanged.
  set = detail::normalize_impl::may_fire(body, set);
  for (const normalizer n : all_normalizers) {
    if (!set.contains(n)) continue;
    bool fired = false;
    auto next = run_normalizer(n, std::move(body), ctx, &fired);
    if (!next) return next;
    body = std::move(*next);
    if (fired && applied) applied->push_back(to_string(n));
  }
  return body;
}

/// Rewrites a raw PatchOp body into RFC form with the normalisers of `set`,
/// in the order of all_normalizers. `resource` is the resource the request
/// will be applied to (read-only). When `applied` is given, the names of the
/// normalisers that rewrote something are appended to it (static strings).
inline expected<json> normalize(json body, const json& resource, const resource_type& rt,
                                const schema_registry& reg, normalizer_set set,
                                std::vector<std::string_view>* applied = nullptr) {
  const normalize_context ctx{resource, rt, reg};
  return normalize(std::move(body), ctx, set, applied);
}

/// The applier options a profile implies. The applier has tolerances of its
/// own for four of the deviations; they follow the profile, so that a profile
/// without the normaliser also gets the core's error. Each is on exactly when
/// the profile runs the matching normaliser:
///   remove_by_value_list          remove_by_value_list (`remove` with a value list)
///   add_unmatched_filter_appends  add_creates_value_path_element
///   dotted_keys                   dotted_keys (`name.givenName` value keys)
///   unchanged_read_only           okta_id_in_replace (the own `id` repeated)
/// So strict (no normaliser) answers invalidValue for a dotted or
/// URN-qualified value key and mutability for any write to a readOnly
/// attribute, the unchanged `id` included. Other fields come from `base`.
inline apply_options apply_options_for(dialect d, apply_options base = {}) {
  const normalizer_set set = normalizers_for(d);
  base.remove_by_value_list = set.contains(normalizer::remove_by_value_list);
  base.add_unmatched_filter_appends = set.contains(normalizer::add_creates_value_path_element);
  base.dotted_keys = set.contains(normalizer::dotted_keys);
  base.unchanged_read_only = set.contains(normalizer::okta_id_in_replace);
  return base;
}

/// normalize() with the normalisers of a profile (default: lenient, all of them).
inline expected<json> normalize(json body, const json& resource, const resource_type& rt,
                                const schema_registry& reg, dialect d = dialect::lenient,
                                std::vector<std::string_view>* applied = nullptr) {
  return normalize(std::move(body), resource, rt, reg, normalizers_for(d), applied);
}

/// normalize() with a full context and the normalisers of a profile.
inline expected<json> normalize(json body, const normalize_context& ctx, dialect d,
                                std::vector<std::string_view>* applied = nullptr) {
  return normalize(std::move(body), ctx, normalizers_for(d), applied);
}

}  // namespace patch
SCIM_END_NAMESPACE
