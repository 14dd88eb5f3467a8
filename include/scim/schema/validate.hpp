// scimpp: context-aware validation of a SCIM resource against its resource
// type (RFC 7643 sections 2, 3, 7; RFC 7644 sections 3.3, 3.5.1, 3.9).
//
// One entry point, `validate`, turns a JSON resource into the canonical form
// for a context:
//
// * create_request / replace_request (input, untrusted):
//   - the body must be a JSON object (else 400 invalidSyntax);
//   - attribute names are matched case-insensitively and rewritten to the
//     schema's spelling at every level (extension objects, complex values,
//     elements of multi-valued complex attributes); extension URN keys are
//     matched case-insensitively and rewritten to the registered spelling;
//   - values are type-checked (string, boolean, integer, decimal, dateTime,
//     binary, reference, complex); a JSON boolean is required for booleans
//     (string booleans such as "True" are a dialect normaliser's business);
//     integers must be JSON integers (3.0 is rejected), decimals any number;
//     binary must be padded standard base64 (RFC 4648 section 4);
//   - multi-valued attributes must be JSON arrays: a bare single value is
//     rejected (400 invalidValue), as RFC 7643 section 2.4 defines them as
//     arrays; single-valued attributes must not be arrays;
//   - null, [] and {} mean "unassigned" (RFC 7643 section 2.5) and are
//     dropped, as are null elements of arrays and complex values that end up
//     empty;
//   - readOnly attributes (id, meta, groups, ...) are ignored: removed from
//     the result, never an error; writeOnly attributes (password) are kept;
//   - required attributes (that are not readOnly) must be present, also the
//     required sub-attributes of every complex value that is present;
//   - at most one `primary: true` per multi-valued attribute;
//   - canonicalValues are enforced only where
//     `attribute::enforce_canonical_values` is set; a case-insensitive match
//     (caseExact=false) is rewritten to the canonical spelling;
//   - `schemas` must be present, an array of strings, and list the core
//     schema of the resource type (400 invalidValue otherwise). URNs listed
//     in `schemas` that are neither the core schema nor a registered
//     extension of the resource type are ignored (Entra ID lists its own).
//     An extension object in the body must be listed in `schemas`
//     (400 invalidValue; RFC 7644 section 3.3 is silent, we treat the body
//     as inconsistent with its declared schemas). Required extensions
//     (`schema_extension_ref::required`) must be present. The result lists
//     the core URN first, then the registered extensions that have values,
//     then kept unknown URN objects that the client listed;
//   - replace_request with `opts.existing` (the stored resource): an
//     immutable attribute may be set when it is currently unassigned;
//     changing it is 400 mutability. An immutable value the request omits is
//     carried over from `existing` (it cannot be cleared). Sub-attributes of
//     multi-valued complex attributes (Group members.value) are not compared:
//     a full replacement gives their values no identity to compare by;
//   - two keys that differ only in case and both carry a value are
//     400 invalidSyntax;
//   - unknown attributes follow validation_options::unknown_attributes at
//     every level (a null unknown value is unassigned, never rejected).
//   Errors carry status 400 and a detail that starts with the attribute path,
//   e.g. "emails[1].primary: expected a boolean".
//
// * response (output, the server's own data; no type checks):
//   - names and extension URN keys are canonicalised as above; registered
//     URNs in `schemas` get their registered spelling;
//   - `returned: never` and writeOnly attributes never leave; `returned:
//     always` attributes (id, schemas, ...) always stay; `returned: request`
//     attributes only when named in `attributes` (naming a complex parent, a
//     schema URN, or a whole attribute includes its request sub-attributes);
//   - a non-empty `attributes` returns only the named attributes plus the
//     always ones; `excluded_attributes` then removes default ones (both may
//     be combined). Paths are resolved through `schema_registry::resolve`
//     (case-insensitive, URN-qualified or sub-attribute paths); a bare core or
//     extension URN names the whole schema. Paths that do not resolve are
//     ignored (RFC 7644 section 3.9 does not say otherwise, and a lenient
//     server serves clients that ask for attributes it does not have); a
//     non-empty `attributes` whose paths all fail to resolve returns only the
//     always-returned attributes;
//   - null values and null array elements are dropped, as are complex values
//     and arrays that end up empty;
//   - unknown attributes are returned under the `keep` policy only when no
//     `attributes` selection applies to them; `reject` acts as `drop` here.
#pragma once

#include "scim/config.hpp"
#include "scim/date_time.hpp"
#include "scim/detail/ascii.hpp"
#include "scim/error.hpp"
#include "scim/expected.hpp"
#include "scim/json.hpp"
#include "scim/schema/attribute.hpp"
#include "scim/schema/core_schemas.hpp"
#include "scim/schema/registry.hpp"
#include "scim/schema/resource_type.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

SCIM_BEGIN_NAMESPACE

/// What a resource is being validated for.
enum class validation_context {
  create_request,   ///< POST body
  replace_request,  ///< PUT body (set validation_options::existing for immutability)
  response,         ///< a stored resource about to be returned
};

/// What to do with attributes (and URN-keyed objects) the schemas do not define.
enum class unknown_attribute_policy {
  keep,    ///< keep them as sent (default)
  drop,    ///< remove them silently
  reject,  ///< input: 400 invalidSyntax (the body does not conform to the schema); response: drop
};

struct validation_options {
  /// replace_request: the stored resource, for the immutability checks.
  const json* existing = nullptr;
  /// response: the `attributes` query parameter, one path per element.
  std::vector<std::string> attributes;
  /// response: the `excludedAttributes` query parameter, one path per element.
  std::vector<std::string> excluded_attributes;
  /// Attributes not defined by the core schema, the common attributes or a
  /// registered extension of the resource type.
  unknown_attribute_policy unknown_attributes = unknown_attribute_policy::keep;
};

namespace detail {
namespace validation {

/// Nesting bound for complex values (RFC 7643 allows one level of
/// sub-attributes; custom schemas get some room, never unbounded recursion).
inline constexpr std::size_t max_schema_depth = 8;

/// Padded standard base64 (RFC 4648 section 4); the empty string is valid.
constexpr bool is_base64(std::string_view s) noexcept {
  if (s.size() % 4 != 0) return false;
  std::size_t pad = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '=') {
      if (i + 2 < s.size()) return false;
      ++pad;
      continue;
    }
    if (pad > 0) return false;
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
                    c == '/';
    if (!ok) return false;
  }
  return true;
}

/// Case-insensitive member lookup (exact spelling first); nullptr when absent.
inline const json* find_member_ci(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  const std::string k(key);
  if (auto it = obj.find(k); it != obj.end()) return &*it;
  for (auto it = obj.begin(); it != obj.end(); ++it)
    if (iequals(it.key(), key)) return &*it;
  return nullptr;
}

/// RFC 7643 section 2.5: absent, null, [] and {} are all "unassigned".
inline bool is_unassigned(const json* v) noexcept {
  return v == nullptr || v->is_null() || (v->is_array() && v->empty()) || (v->is_object() && v->empty());
}

inline const attribute* find_attribute(const std::vector<attribute>& defs, std::string_view n) noexcept {
  for (const auto& a : defs)
    if (iequals(a.name, n)) return &a;
  return nullptr;
}

/// The common attributes (id, externalId, meta) without `schemas`, which the
/// validator handles itself.
inline const std::vector<attribute>& common_attribute_defs() {
  static const std::vector<attribute> defs = [] {
    std::vector<attribute> out;
    for (const auto& a : common_attributes())
      if (!iequals(a.name, "schemas")) out.push_back(a);
    return out;
  }();
  return defs;
}

/// Resolves the core schema and the registered extensions of a resource type.
struct resource_schemas {
  const schema* core = nullptr;
  std::vector<const schema*> extensions;             // parallel to rt.schema_extensions
  std::vector<const schema_extension_ref*> refs;

  static expected<resource_schemas> load(const resource_type& rt, const schema_registry& reg) {
    resource_schemas out;
    out.core = reg.find_schema(rt.schema);
    if (out.core == nullptr)
      return fail(error::internal("resource type " + rt.name + ": core schema " + rt.schema + " is not registered"));
    for (const auto& ref : rt.schema_extensions) {
      const schema* s = reg.find_schema(ref.schema);
      if (s == nullptr)
        return fail(error::internal("resource type " + rt.name + ": schema extension " + ref.schema +
                                    " is not registered"));
      out.extensions.push_back(s);
      out.refs.push_back(&ref);
    }
    return out;
  }

  /// Index of the extension whose URN equals `urn` (case-insensitive), or npos.
  std::size_t find_extension(std::string_view urn) const noexcept {
    for (std::size_t i = 0; i < extensions.size(); ++i)
      if (iequals(extensions[i]->id, urn)) return i;
    return static_cast<std::size_t>(-1);
  }
};

// ---- value comparison (immutability) -------------------------------------------

inline bool values_equal(const attribute& a, const json& x, const json& y, std::size_t depth);

inline bool single_values_equal(const attribute& a, const json& x, const json& y, std::size_t depth) {
  switch (a.type) {
    case attribute_type::string:
    case attribute_type::reference:
      if (x.is_string() && y.is_string() && !a.case_exact)
        return iequals(x.get_ref<const std::string&>(), y.get_ref<const std::string&>());
      return x == y;
    case attribute_type::date_time:
      if (x.is_string() && y.is_string()) {
        const auto p = parse_date_time(x.get_ref<const std::string&>());
        const auto q = parse_date_time(y.get_ref<const std::string&>());
        if (p && q) return *p == *q;
      }
      return x == y;
    case attribute_type::complex: {
      if (!x.is_object() || !y.is_object() || depth >= max_schema_depth) return x == y;
      for (const auto& s : a.sub_attributes) {
        if (s.mutability == attribute_mutability::read_only) continue;
        const json* xs = find_member_ci(x, s.name);
        const json* ys = find_member_ci(y, s.name);
        const bool ux = is_unassigned(xs);
        if (ux != is_unassigned(ys)) return false;
        if (!ux && !values_equal(s, *xs, *ys, depth + 1)) return false;
      }
      return true;
    }
    default:
      return x == y;  // numbers compare numerically, booleans and binary exactly
  }
}

/// Equality under the attribute's rules; multi-valued values compare as multisets.
inline bool values_equal(const attribute& a, const json& x, const json& y, std::size_t depth) {
  if (a.multi_valued && x.is_array() && y.is_array()) {
    if (x.size() != y.size()) return false;
    std::vector<const json*> rest;
    for (const auto& e : y) rest.push_back(&e);
    for (const auto& e : x) {
      bool found = false;
      for (auto& r : rest) {
        if (r != nullptr && single_values_equal(a, e, *r, depth)) {
          r = nullptr;
          found = true;
          break;
        }
      }
      if (!found) return false;
    }
    return true;
  }
  return single_values_equal(a, x, y, depth);
}

// ---- input (create / replace) ---------------------------------------------------

inline error invalid_value(std::string detail) { return error(error_code::invalid_value, std::move(detail)); }
inline error invalid_syntax(std::string detail) { return error(error_code::invalid_syntax, std::move(detail)); }

class input_validator {
 public:
  input_validator(const resource_type& rt, const schema_registry& reg, validation_context ctx,
                  const validation_options& opts)
      : rt_(rt), reg_(reg), ctx_(ctx), opts_(opts) {}

  expected<json> run(const json& resource) {
    if (!resource.is_object())
      return fail(invalid_syntax("the request body must be a JSON object (a SCIM " + rt_.name + " resource)"));
    auto loaded = resource_schemas::load(rt_, reg_);
    if (!loaded) return fail(std::move(loaded.error()));
    const resource_schemas& rs = *loaded;
    const json* existing = (ctx_ == validation_context::replace_request && opts_.existing != nullptr &&
                            opts_.existing->is_object())
                               ? opts_.existing
                               : nullptr;

    // schemas
    const json* schemas_value = nullptr;
    for (auto it = resource.begin(); it != resource.end(); ++it) {
      if (!iequals(it.key(), "schemas") || it.value().is_null()) continue;
      if (schemas_value != nullptr)
        return fail(invalid_syntax("schemas: attribute given more than once (names differ only in case)"));
      schemas_value = &it.value();
    }
    if (schemas_value == nullptr) return fail(invalid_value("schemas: required attribute is missing"));
    if (!schemas_value->is_array()) return fail(invalid_value("schemas: expected an array of schema URIs"));
    bool core_listed = false;
    std::vector<bool> extension_listed(rs.extensions.size(), false);
    std::vector<std::string> other_listed;
    std::size_t index = 0;
    for (const auto& s : *schemas_value) {
      if (!s.is_string())
        return fail(invalid_value("schemas[" + std::to_string(index) + "]: expected a string (schema URI)"));
      ++index;
      const auto& urn = s.get_ref<const std::string&>();
      if (iequals(urn, rs.core->id)) {
        core_listed = true;
      } else if (auto k = rs.find_extension(urn); k < rs.extensions.size()) {
        extension_listed[k] = true;
      } else {
        other_listed.push_back(urn);
      }
    }
    if (!core_listed)
      return fail(invalid_value("schemas: must list the core schema " + rs.core->id + " of resource type " +
                                rt_.name));

    json out = json::object();
    std::vector<std::string> kept_unknown_urns;
    for (auto it = resource.begin(); it != resource.end(); ++it) {
      const std::string& key = it.key();
      const json& val = it.value();
      if (iequals(key, "schemas")) continue;
      if (auto k = rs.find_extension(key); k < rs.extensions.size()) {
        if (val.is_null()) continue;
        const schema& ext = *rs.extensions[k];
        if (!extension_listed[k])
          return fail(invalid_value(ext.id + ": schema extension present in the body but not listed in schemas"));
        if (!val.is_object()) return fail(invalid_value(ext.id + ": expected a JSON object (schema extension)"));
        const json* ex = existing != nullptr ? find_member_ci(*existing, ext.id) : nullptr;
        if (ex != nullptr && !ex->is_object()) ex = nullptr;
        json obj = json::object();
        const std::string prefix = ext.id + ":";
        for (auto m = val.begin(); m != val.end(); ++m)
          if (auto err = member(ext.attributes, nullptr, m.key(), m.value(), obj, ex, prefix, 1))
            return fail(std::move(*err));
        if (ex != nullptr) carry_immutable(ext.attributes, *ex, obj, 1);
        if (obj.empty()) continue;
        if (auto err = check_required(ext.attributes, obj, prefix)) return fail(std::move(*err));
        if (out.contains(ext.id))
          return fail(invalid_syntax(ext.id + ": schema extension given more than once (URNs differ only in case)"));
        out[ext.id] = std::move(obj);
        continue;
      }
      if (istarts_with(key, "urn:")) {
        const bool kept = opts_.unknown_attributes == unknown_attribute_policy::keep && !val.is_null();
        if (auto err = unknown(key, val, out, "")) return fail(std::move(*err));
        if (kept)
          for (const auto& urn : other_listed)
            if (iequals(urn, key)) {
              kept_unknown_urns.push_back(key);
              break;
            }
        continue;
      }
      if (auto err = member(rs.core->attributes, &common_attribute_defs(), key, val, out, existing, "", 1))
        return fail(std::move(*err));
    }

    if (existing != nullptr) {
      carry_immutable(rs.core->attributes, *existing, out, 1);
      carry_immutable(common_attribute_defs(), *existing, out, 1);
      for (const schema* ext : rs.extensions) {
        if (out.contains(ext->id)) continue;
        const json* ex = find_member_ci(*existing, ext->id);
        if (ex == nullptr || !ex->is_object()) continue;
        json obj = json::object();
        carry_immutable(ext->attributes, *ex, obj, 1);
        if (!obj.empty()) out[ext->id] = std::move(obj);
      }
    }
    if (auto err = check_required(rs.core->attributes, out, "")) return fail(std::move(*err));
    for (std::size_t k = 0; k < rs.extensions.size(); ++k)
      if (rs.refs[k]->required && !out.contains(rs.extensions[k]->id))
        return fail(invalid_value(rs.extensions[k]->id + ": required schema extension is missing"));

    json schemas = json::array({rs.core->id});
    for (const schema* ext : rs.extensions)
      if (out.contains(ext->id)) schemas.push_back(ext->id);
    for (auto& urn : kept_unknown_urns) schemas.push_back(std::move(urn));
    out["schemas"] = std::move(schemas);
    return out;
  }

 private:
  // One member `key: val` of an object whose attributes are `defs` (+ `extra`).
  std::optional<error> member(const std::vector<attribute>& defs, const std::vector<attribute>* extra,
                              const std::string& key, const json& val, json& out, const json* existing,
                              const std::string& prefix, std::size_t depth) {
    const attribute* a = find_attribute(defs, key);
    if (a == nullptr && extra != nullptr) a = find_attribute(*extra, key);
    if (a == nullptr) return unknown(key, val, out, prefix);
    if (a->mutability == attribute_mutability::read_only) return std::nullopt;  // ignored on input
    const std::string path = prefix + a->name;
    const json* ex = existing != nullptr ? find_member_ci(*existing, a->name) : nullptr;
    json result;
    if (auto err = value(*a, val, path, ex, depth, result)) return err;
    if (result.is_null()) return std::nullopt;
    if (out.contains(a->name))
      return invalid_syntax(path + ": attribute given more than once (names differ only in case)");
    out[a->name] = std::move(result);
    return std::nullopt;
  }

  std::optional<error> unknown(const std::string& key, const json& val, json& out, const std::string& prefix) {
    if (val.is_null()) return std::nullopt;  // unassigned: nothing to keep or reject
    switch (opts_.unknown_attributes) {
      case unknown_attribute_policy::keep:
        if (out.contains(key)) return invalid_syntax(prefix + key + ": attribute given more than once");
        out[key] = val;
        return std::nullopt;
      case unknown_attribute_policy::drop:
        return std::nullopt;
      case unknown_attribute_policy::reject:
        break;
    }
    return invalid_syntax(prefix + key + ": attribute is not defined by the schemas of resource type " + rt_.name);
  }

  // The canonical value of attribute `a`, or null when unassigned.
  std::optional<error> value(const attribute& a, const json& v, const std::string& path, const json* existing,
                             std::size_t depth, json& result) {
    result = nullptr;
    if (v.is_null()) return std::nullopt;
    if (a.multi_valued) {
      if (!v.is_array()) return invalid_value(path + ": expected an array (multi-valued attribute)");
      const attribute* primary = a.is_complex() ? a.find_sub_attribute("primary") : nullptr;
      if (primary != nullptr && primary->type != attribute_type::boolean) primary = nullptr;
      json arr = json::array();
      std::size_t i = 0;
      std::size_t primaries = 0;
      for (const auto& e : v) {
        const std::string element_path = path + "[" + std::to_string(i++) + "]";
        if (e.is_null()) continue;
        if (e.is_array()) return invalid_value(element_path + ": expected a single value, not an array");
        json one;
        if (auto err = single(a, e, element_path, nullptr, depth, one)) return err;
        if (one.is_null()) continue;
        if (primary != nullptr) {
          auto p = one.find(primary->name);
          if (p != one.end() && p->is_boolean() && p->get<bool>() && ++primaries > 1)
            return invalid_value(path + ": more than one value has primary set to true");
        }
        arr.push_back(std::move(one));
      }
      if (arr.empty()) return std::nullopt;
      result = std::move(arr);
    } else {
      if (v.is_array()) return invalid_value(path + ": expected a single value, not an array");
      if (auto err = single(a, v, path, existing, depth, result)) return err;
      if (result.is_null()) return std::nullopt;
    }
    if (existing != nullptr && a.mutability == attribute_mutability::immutable && !is_unassigned(existing) &&
        !values_equal(a, result, *existing, depth))
      return error(error_code::mutability, path + ": immutable attribute cannot be changed once set");
    return std::nullopt;
  }

  // One (non-array) value of `a`.
  std::optional<error> single(const attribute& a, const json& v, const std::string& path, const json* existing,
                              std::size_t depth, json& result) {
    switch (a.type) {
      case attribute_type::string:
      case attribute_type::reference: {
        if (!v.is_string())
          return invalid_value(path + (a.type == attribute_type::string ? ": expected a string"
                                                                          : ": expected a reference (string)"));
        const auto& s = v.get_ref<const std::string&>();
        if (a.enforce_canonical_values && !a.canonical_values.empty()) {
          for (const auto& cv : a.canonical_values) {
            if (a.case_exact ? cv == s : iequals(cv, s)) {
              result = cv;
              return std::nullopt;
            }
          }
          std::string allowed;
          for (const auto& cv : a.canonical_values) {
            if (!allowed.empty()) allowed += ", ";
            allowed += cv;
          }
          return invalid_value(path + ": value is not one of the canonical values (" + allowed + ")");
        }
        result = v;
        return std::nullopt;
      }
      case attribute_type::boolean:
        if (!v.is_boolean()) return invalid_value(path + ": expected a boolean");
        result = v;
        return std::nullopt;
      case attribute_type::integer:
        if (!v.is_number_integer()) return invalid_value(path + ": expected an integer");
        result = v;
        return std::nullopt;
      case attribute_type::decimal:
        if (!v.is_number()) return invalid_value(path + ": expected a decimal number");
        result = v;
        return std::nullopt;
      case attribute_type::date_time:
        if (!v.is_string() || !parse_date_time(v.get_ref<const std::string&>()))
          return invalid_value(path + ": expected a dateTime (xsd:dateTime string)");
        result = v;
        return std::nullopt;
      case attribute_type::binary:
        if (!v.is_string() || !is_base64(v.get_ref<const std::string&>()))
          return invalid_value(path + ": expected binary data (a base64 string)");
        result = v;
        return std::nullopt;
      case attribute_type::complex:
        break;
    }
    if (!v.is_object()) return invalid_value(path + ": expected a complex value (JSON object)");
    if (depth >= max_schema_depth) return invalid_value(path + ": complex values nested too deeply");
    const json* ex = existing != nullptr && existing->is_object() ? existing : nullptr;
    json obj = json::object();
    const std::string prefix = path + ".";
    for (auto it = v.begin(); it != v.end(); ++it)
      if (auto err = member(a.sub_attributes, nullptr, it.key(), it.value(), obj, ex, prefix, depth + 1)) return err;
    if (ex != nullptr) carry_immutable(a.sub_attributes, *ex, obj, depth + 1);
    if (obj.empty()) return std::nullopt;  // unassigned
    if (auto err = check_required(a.sub_attributes, obj, prefix)) return err;
    result = std::move(obj);
    return std::nullopt;
  }

  // Immutable values the request omitted stay as stored.
  static void carry_immutable(const std::vector<attribute>& defs, const json& existing, json& out,
                              std::size_t depth) {
    for (const auto& d : defs) {
      if (d.mutability == attribute_mutability::read_only || out.contains(d.name)) continue;
      const json* ev = find_member_ci(existing, d.name);
      if (is_unassigned(ev)) continue;
      if (d.mutability == attribute_mutability::immutable) {
        out[d.name] = *ev;
      } else if (d.is_complex() && !d.multi_valued && ev->is_object() && depth < max_schema_depth) {
        json sub = json::object();
        carry_immutable(d.sub_attributes, *ev, sub, depth + 1);
        if (!sub.empty()) out[d.name] = std::move(sub);
      }
    }
  }

  static std::optional<error> check_required(const std::vector<attribute>& defs, const json& out,
                                             const std::string& prefix) {
    for (const auto& d : defs)
      if (d.required && d.mutability != attribute_mutability::read_only && !out.contains(d.name))
        return invalid_value(prefix + d.name + ": required attribute is missing");
    return std::nullopt;
  }

  const resource_type& rt_;
  const schema_registry& reg_;
  validation_context ctx_;
  const validation_options& opts_;
};

// ---- output (response projection) -----------------------------------------------

/// A tree of requested paths: lower-cased names; `whole` selects a subtree.
struct projection_node {
  std::string name;
  bool whole = false;
  std::vector<projection_node> children;

  const projection_node* find(std::string_view n) const noexcept {
    for (const auto& c : children)
      if (iequals(c.name, n)) return &c;
    return nullptr;
  }
  projection_node& child(std::string_view n) {
    for (auto& c : children)
      if (iequals(c.name, n)) return c;
    children.push_back(projection_node{to_lower(n), false, {}});
    return children.back();
  }
};

class response_projector {
 public:
  response_projector(const resource_type& rt, const schema_registry& reg, const validation_options& opts)
      : rt_(rt), reg_(reg), opts_(opts) {}

  expected<json> run(const json& resource) {
    if (!resource.is_object()) return fail(invalid_syntax("a SCIM " + rt_.name + " resource must be a JSON object"));
    auto loaded = resource_schemas::load(rt_, reg_);
    if (!loaded) return fail(std::move(loaded.error()));
    const resource_schemas& rs = *loaded;

    bool selecting = false;
    bool core_whole = false;
    bool core_excluded = false;
    projection_node selected;
    projection_node excluded;
    for (const auto& p : opts_.attributes) {
      if (trim(p).empty()) continue;
      selecting = true;
      add_path(rs, selected, core_whole, p);
    }
    for (const auto& p : opts_.excluded_attributes) add_path(rs, excluded, core_excluded, p);

    json out = json::object();
    const level core_level{selecting, core_whole, &selected, &excluded, core_excluded};
    for (auto it = resource.begin(); it != resource.end(); ++it) {
      const std::string& key = it.key();
      const json& val = it.value();
      if (val.is_null()) continue;
      if (iequals(key, "schemas")) {
        if (out.contains("schemas")) continue;
        json schemas = json::array();
        if (val.is_array()) {
          for (const auto& s : val) {
            if (s.is_string()) {
              const auto& urn = s.get_ref<const std::string&>();
              if (iequals(urn, rs.core->id)) {
                schemas.push_back(rs.core->id);
                continue;
              }
              if (auto k = rs.find_extension(urn); k < rs.extensions.size()) {
                schemas.push_back(rs.extensions[k]->id);
                continue;
              }
            }
            schemas.push_back(s);
          }
        } else {
          schemas = val;
        }
        out["schemas"] = std::move(schemas);
        continue;
      }
      if (auto k = rs.find_extension(key); k < rs.extensions.size()) {
        const schema& ext = *rs.extensions[k];
        if (!val.is_object() || out.contains(ext.id)) continue;
        const projection_node* en = excluded.find(ext.id);
        if (en != nullptr && en->whole) continue;
        const projection_node* sn = selected.find(ext.id);
        const level ext_level{selecting, sn != nullptr && sn->whole, sn, en, false};
        json obj = json::object();
        for (auto m = val.begin(); m != val.end(); ++m)
          project_member(ext.attributes, nullptr, m.key(), m.value(), obj, ext_level, 1);
        if (!obj.empty()) out[ext.id] = std::move(obj);
        continue;
      }
      project_member(rs.core->attributes, &common_attribute_defs(), key, val, out, core_level, 1);
    }
    return out;
  }

 private:
  struct level {
    bool selecting;                 // an `attributes` selection applies at this level
    bool whole;                     // everything at this level was selected
    const projection_node* node;    // selection node of this level (may be null)
    const projection_node* excl;    // exclusion node of this level (may be null)
    bool excluded_whole;            // everything at this level was excluded
  };

  static std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  }

  // Adds one path to a tree; false when it does not resolve (ignored).
  bool add_path(const resource_schemas& rs, projection_node& root, bool& core_whole, std::string_view raw) {
    const std::string_view path = trim(raw);
    if (path.empty()) return false;
    if (iequals(path, rs.core->id)) {
      core_whole = true;
      return true;
    }
    if (auto k = rs.find_extension(path); k < rs.extensions.size()) {
      root.child(rs.extensions[k]->id).whole = true;
      return true;
    }
    auto r = reg_.resolve(rt_, path);
    if (!r || r->attr == nullptr) return false;
    projection_node* n = &root;
    if (r->is_extension && r->owner != nullptr) n = &n->child(r->owner->id);
    n = &n->child(r->attr->name);
    if (r->sub != nullptr) n = &n->child(r->sub->name);
    n->whole = true;
    return true;
  }

  // Whether attribute `a` leaves at level `lv`, and the level of its sub-attributes.
  static std::optional<level> decide(const attribute& a, const level& lv) {
    if (a.returned == attribute_returned::never || a.mutability == attribute_mutability::write_only)
      return std::nullopt;
    const bool always = a.returned == attribute_returned::always;
    const projection_node* sn = lv.node != nullptr ? lv.node->find(a.name) : nullptr;
    const projection_node* en = lv.excl != nullptr ? lv.excl->find(a.name) : nullptr;
    if (!always && (lv.excluded_whole || (en != nullptr && en->whole))) return std::nullopt;
    if (!lv.selecting) {
      if (a.returned == attribute_returned::request) return std::nullopt;
      return level{false, false, nullptr, en, false};
    }
    if (lv.whole || (sn != nullptr && sn->whole)) return level{true, true, nullptr, en, false};
    if (sn != nullptr) return level{true, false, sn, en, false};
    if (always) return level{false, false, nullptr, en, false};
    if (a.is_complex()) return level{true, false, nullptr, en, false};  // only its always sub-attributes
    return std::nullopt;
  }

  void project_member(const std::vector<attribute>& defs, const std::vector<attribute>* extra,
                      const std::string& key, const json& val, json& out, const level& lv, std::size_t depth) {
    if (val.is_null()) return;
    const attribute* a = find_attribute(defs, key);
    if (a == nullptr && extra != nullptr) a = find_attribute(*extra, key);
    if (a == nullptr) {
      if (opts_.unknown_attributes == unknown_attribute_policy::keep && (!lv.selecting || lv.whole) &&
          !lv.excluded_whole && !out.contains(key))
        out[key] = val;
      return;
    }
    if (out.contains(a->name)) return;
    auto sub_level = decide(*a, lv);
    if (!sub_level) return;
    json r = project_value(*a, val, *sub_level, depth);
    if (!r.is_null()) out[a->name] = std::move(r);
  }

  json project_value(const attribute& a, const json& v, const level& lv, std::size_t depth) {
    if (!a.is_complex() || depth >= max_schema_depth) {
      if (!v.is_array()) return v;
      json arr = json::array();
      for (const auto& e : v)
        if (!e.is_null()) arr.push_back(e);
      if (arr.empty()) return nullptr;
      return arr;
    }
    auto one = [&](const json& e) -> json {
      if (!e.is_object()) return e;
      json o = json::object();
      for (auto it = e.begin(); it != e.end(); ++it)
        project_member(a.sub_attributes, nullptr, it.key(), it.value(), o, lv, depth + 1);
      if (o.empty()) return nullptr;
      return o;
    };
    if (v.is_array()) {
      json arr = json::array();
      for (const auto& e : v) {
        if (e.is_null()) continue;
        json r = one(e);
        if (!r.is_null()) arr.push_back(std::move(r));
      }
      if (arr.empty()) return nullptr;
      return arr;
    }
    return one(v);
  }

  const resource_type& rt_;
  const schema_registry& reg_;
  const validation_options& opts_;
};

}  // namespace validation
}  // namespace detail

/// Validates `resource` as a `rt` resource for `ctx` and returns its canonical
/// form (see the comment at the top of this header for every rule), or the
/// first error found: 400 invalidSyntax, invalidValue or mutability with a
/// detail that names the attribute path; 500 when `rt` refers to schemas the
/// registry does not hold.
inline expected<json> validate(const json& resource, const resource_type& rt, const schema_registry& reg,
                               validation_context ctx, const validation_options& opts = {}) {
  if (ctx == validation_context::response) return detail::validation::response_projector(rt, reg, opts).run(resource);
  return detail::validation::input_validator(rt, reg, ctx, opts).run(resource);
}

SCIM_END_NAMESPACE
