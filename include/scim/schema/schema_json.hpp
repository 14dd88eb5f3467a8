// scimpp: the JSON representations of schemas (RFC 7643 section 7, served at
// /Schemas) and resource types (section 6, served at /ResourceTypes), and
// non-throwing parsers for both.
#pragma once

#include "scim/config.hpp"
#include "scim/detail/ascii.hpp"
#include "scim/error.hpp"
#include "scim/expected.hpp"
#include "scim/json.hpp"
#include "scim/schema/attribute.hpp"
#include "scim/schema/resource_type.hpp"
#include "scim/schema/urns.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

SCIM_BEGIN_NAMESPACE

/// Deepest nesting of attribute definitions schema_from_json() accepts: an
/// attribute, its sub-attributes, and theirs. RFC 7643 section 2.3.8 allows
/// only two levels for resources, but the section 8.7.2 Schema schema itself
/// needs three (attributes.subAttributes.name).
inline constexpr std::size_t max_attribute_definition_depth = 3;

// ---- keyword parsing --------------------------------------------------------

/// Parses a data-type keyword ("dateTime"); case-insensitive.
inline std::optional<attribute_type> attribute_type_from_string(std::string_view s) noexcept {
  for (auto t : {attribute_type::string, attribute_type::boolean, attribute_type::decimal,
                 attribute_type::integer, attribute_type::date_time, attribute_type::binary,
                 attribute_type::reference, attribute_type::complex}) {
    if (detail::iequals(to_string(t), s)) return t;
  }
  return std::nullopt;
}
/// Parses a mutability keyword ("readOnly"); case-insensitive.
inline std::optional<attribute_mutability> attribute_mutability_from_string(std::string_view s) noexcept {
  for (auto m : {attribute_mutability::read_only, attribute_mutability::read_write,
                 attribute_mutability::immutable, attribute_mutability::write_only}) {
    if (detail::iequals(to_string(m), s)) return m;
  }
  return std::nullopt;
}
/// Parses a returned keyword ("default"); case-insensitive.
inline std::optional<attribute_returned> attribute_returned_from_string(std::string_view s) noexcept {
  for (auto r : {attribute_returned::always, attribute_returned::never, attribute_returned::default_,
                 attribute_returned::request}) {
    if (detail::iequals(to_string(r), s)) return r;
  }
  return std::nullopt;
}
/// Parses a uniqueness keyword ("server"); case-insensitive.
inline std::optional<attribute_uniqueness> attribute_uniqueness_from_string(std::string_view s) noexcept {
  for (auto u : {attribute_uniqueness::none, attribute_uniqueness::server, attribute_uniqueness::global}) {
    if (detail::iequals(to_string(u), s)) return u;
  }
  return std::nullopt;
}

// ---- generation ---------------------------------------------------------------

namespace detail {

inline json string_array(const std::vector<std::string>& values) {
  json arr = json::array();
  for (const auto& v : values) arr.push_back(v);
  return arr;
}

inline std::string join_location(std::string_view base, std::string_view collection, std::string_view id) {
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  std::string out(base);
  out += '/';
  out += collection;
  out += '/';
  out += id;
  return out;
}

}  // namespace detail

/// One attribute definition with every characteristic in wire spelling
/// (RFC 7643 section 7): canonicalValues only when non-empty, referenceTypes
/// for references, subAttributes for complex attributes.
inline json to_json_representation(const attribute& a) {
  json j = json::object();
  j["name"] = a.name;
  j["type"] = std::string(to_string(a.type));
  j["multiValued"] = a.multi_valued;
  j["description"] = a.description;
  j["required"] = a.required;
  j["caseExact"] = a.case_exact;
  j["mutability"] = std::string(to_string(a.mutability));
  j["returned"] = std::string(to_string(a.returned));
  j["uniqueness"] = std::string(to_string(a.uniqueness));
  if (!a.canonical_values.empty()) j["canonicalValues"] = detail::string_array(a.canonical_values);
  if (a.type == attribute_type::reference || !a.reference_types.empty())
    j["referenceTypes"] = detail::string_array(a.reference_types);
  if (a.is_complex() || !a.sub_attributes.empty()) {
    json subs = json::array();
    for (const auto& s : a.sub_attributes) subs.push_back(to_json_representation(s));
    j["subAttributes"] = std::move(subs);
  }
  return j;
}

/// The /Schemas representation of a schema (RFC 7643 section 7). With a
/// non-empty `location_base` ("https://example.com/scim/v2") it carries
/// meta {resourceType: "Schema", location: base + "/Schemas/" + id}.
inline json to_json_representation(const schema& s, std::string_view location_base = "") {
  json j = json::object();
  j["schemas"] = json::array({std::string(urn::schema)});
  j["id"] = s.id;
  j["name"] = s.name;
  j["description"] = s.description;
  json attrs = json::array();
  for (const auto& a : s.attributes) attrs.push_back(to_json_representation(a));
  j["attributes"] = std::move(attrs);
  if (!location_base.empty()) {
    j["meta"] = json{{"resourceType", "Schema"},
                     {"location", detail::join_location(location_base, "Schemas", s.id)}};
  }
  return j;
}

/// The /ResourceTypes representation of a resource type (RFC 7643 section 6).
/// `id` falls back to the name when empty; schemaExtensions appears when the
/// type has extensions; meta {resourceType: "ResourceType", location: base +
/// "/ResourceTypes/" + id} when `location_base` is non-empty.
inline json to_json_representation(const resource_type& rt, std::string_view location_base = "") {
  const std::string& id = rt.id.empty() ? rt.name : rt.id;
  json j = json::object();
  j["schemas"] = json::array({std::string(urn::resource_type)});
  j["id"] = id;
  j["name"] = rt.name;
  j["endpoint"] = rt.endpoint;
  j["description"] = rt.description;
  j["schema"] = rt.schema;
  if (!rt.schema_extensions.empty()) {
    json exts = json::array();
    for (const auto& e : rt.schema_extensions) exts.push_back(json{{"schema", e.schema}, {"required", e.required}});
    j["schemaExtensions"] = std::move(exts);
  }
  if (!location_base.empty()) {
    j["meta"] = json{{"resourceType", "ResourceType"},
                     {"location", detail::join_location(location_base, "ResourceTypes", id)}};
  }
  return j;
}

/// ADL conversions (no meta); nlohmann users can write `json j = user_schema();`.
inline void to_json(json& j, const attribute& a) { j = to_json_representation(a); }
inline void to_json(json& j, const schema& s) { j = to_json_representation(s); }
inline void to_json(json& j, const resource_type& rt) { j = to_json_representation(rt); }

// ---- parsing ------------------------------------------------------------------

namespace detail {

// Member lookup: exact key first, then a case-insensitive match (RFC 7643
// section 2.1: attribute names are case-insensitive). A null value counts as
// absent (section 2.5: unassigned).
inline const json* find_member(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it != obj.end()) return it->is_null() ? nullptr : &*it;
  for (auto i = obj.begin(); i != obj.end(); ++i) {
    if (iequals(i.key(), key)) return i->is_null() ? nullptr : &*i;
  }
  return nullptr;
}

inline std::string member_path(const std::string& where, const char* key) {
  return where.empty() ? std::string(key) : where + "." + key;
}

inline unexpected<error> wrong_type(const std::string& where, const char* key, const char* expected_what) {
  return fail(error_code::invalid_value, member_path(where, key) + ": expected " + expected_what);
}

inline expected<std::optional<std::string>> read_string(const json& obj, const char* key, const std::string& where) {
  const json* v = find_member(obj, key);
  if (!v) return std::optional<std::string>{};
  if (!v->is_string()) return wrong_type(where, key, "a string");
  return std::optional<std::string>{v->get_ref<const std::string&>()};
}

inline expected<std::string> read_required_string(const json& obj, const char* key, const std::string& where) {
  const json* v = find_member(obj, key);
  if (!v) return fail(error_code::invalid_value, member_path(where, key) + ": required but missing");
  if (!v->is_string()) return wrong_type(where, key, "a string");
  const auto& s = v->get_ref<const std::string&>();
  if (s.empty()) return fail(error_code::invalid_value, member_path(where, key) + ": must not be empty");
  return s;
}

inline expected<bool> read_bool(const json& obj, const char* key, bool fallback, const std::string& where) {
  const json* v = find_member(obj, key);
  if (!v) return fallback;
  if (!v->is_boolean()) return wrong_type(where, key, "a boolean");
  return v->get<bool>();
}

inline expected<std::vector<std::string>> read_string_array(const json& obj, const char* key,
                                                            const std::string& where) {
  std::vector<std::string> out;
  const json* v = find_member(obj, key);
  if (!v) return out;
  if (!v->is_array()) return wrong_type(where, key, "an array of strings");
  out.reserve(v->size());
  std::size_t i = 0;
  for (const auto& item : *v) {
    if (!item.is_string()) {
      return fail(error_code::invalid_value,
                  member_path(where, key) + "[" + std::to_string(i) + "]: expected a string");
    }
    out.push_back(item.get_ref<const std::string&>());
    ++i;
  }
  return out;
}

template <class Enum, class Parse>
expected<Enum> read_keyword(const json& obj, const char* key, Enum fallback, Parse parse, const std::string& where,
                            const char* what) {
  const json* v = find_member(obj, key);
  if (!v) return fallback;
  if (!v->is_string()) return wrong_type(where, key, "a string");
  const auto& s = v->get_ref<const std::string&>();
  if (auto parsed = parse(s)) return *parsed;
  return fail(error_code::invalid_value, member_path(where, key) + ": unknown " + what + " '" + s + "'");
}

inline expected<std::vector<attribute>> read_attribute_list(const json& arr, const std::string& where,
                                                            std::size_t depth);

inline expected<attribute> read_attribute(const json& j, const std::string& where, std::size_t depth) {
  if (!j.is_object()) return fail(error_code::invalid_value, where + ": expected an attribute definition object");
  attribute a;
  {
    auto name = read_required_string(j, "name", where);
    if (!name) return fail(std::move(name.error()));
    a.name = std::move(*name);
  }
  // Section 2.2: a missing type means "string", missing booleans mean false,
  // and the other characteristics take their section 7 defaults.
  auto type = read_keyword(j, "type", attribute_type::string, attribute_type_from_string, where, "attribute type");
  if (!type) return fail(std::move(type.error()));
  a.type = *type;
  auto multi = read_bool(j, "multiValued", false, where);
  if (!multi) return fail(std::move(multi.error()));
  a.multi_valued = *multi;
  auto desc = read_string(j, "description", where);
  if (!desc) return fail(std::move(desc.error()));
  if (*desc) a.description = std::move(**desc);
  auto req = read_bool(j, "required", false, where);
  if (!req) return fail(std::move(req.error()));
  a.required = *req;
  auto ce = read_bool(j, "caseExact", false, where);
  if (!ce) return fail(std::move(ce.error()));
  a.case_exact = *ce;
  auto mut = read_keyword(j, "mutability", attribute_mutability::read_write, attribute_mutability_from_string, where,
                          "mutability");
  if (!mut) return fail(std::move(mut.error()));
  a.mutability = *mut;
  auto ret = read_keyword(j, "returned", attribute_returned::default_, attribute_returned_from_string, where,
                          "returned value");
  if (!ret) return fail(std::move(ret.error()));
  a.returned = *ret;
  auto uniq = read_keyword(j, "uniqueness", attribute_uniqueness::none, attribute_uniqueness_from_string, where,
                           "uniqueness");
  if (!uniq) return fail(std::move(uniq.error()));
  a.uniqueness = *uniq;
  auto canon = read_string_array(j, "canonicalValues", where);
  if (!canon) return fail(std::move(canon.error()));
  a.canonical_values = std::move(*canon);
  auto refs = read_string_array(j, "referenceTypes", where);
  if (!refs) return fail(std::move(refs.error()));
  a.reference_types = std::move(*refs);

  if (const json* subs = find_member(j, "subAttributes")) {
    const std::string sub_where = member_path(where, "subAttributes");
    if (!subs->is_array()) return fail(error_code::invalid_value, sub_where + ": expected an array");
    if (!subs->empty() && a.type != attribute_type::complex) {
      return fail(error_code::invalid_value,
                  sub_where + ": only complex attributes have sub-attributes (type is " +
                      std::string(to_string(a.type)) + ")");
    }
    if (!subs->empty() && depth >= max_attribute_definition_depth) {
      return fail(error_code::invalid_value, sub_where + ": attribute definitions nested deeper than " +
                                                 std::to_string(max_attribute_definition_depth) + " levels");
    }
    auto list = read_attribute_list(*subs, sub_where, depth + 1);
    if (!list) return fail(std::move(list.error()));
    a.sub_attributes = std::move(*list);
  }
  return a;
}

inline expected<std::vector<attribute>> read_attribute_list(const json& arr, const std::string& where,
                                                            std::size_t depth) {
  std::vector<attribute> out;
  out.reserve(arr.size());
  std::size_t i = 0;
  for (const auto& item : arr) {
    auto a = read_attribute(item, where + "[" + std::to_string(i) + "]", depth);
    if (!a) return fail(std::move(a.error()));
    for (const auto& prev : out) {
      if (iequals(prev.name, a->name)) {
        return fail(error_code::invalid_value, where + "[" + std::to_string(i) + "].name: duplicate attribute '" +
                                                   a->name + "' (names are case-insensitive)");
      }
    }
    out.push_back(std::move(*a));
    ++i;
  }
  return out;
}

}  // namespace detail

/// Parses one attribute definition object (RFC 7643 section 7). Never throws.
/// Missing characteristics take their section 2.2 / 7 defaults; keywords
/// ("dateTime", "readOnly", ...) match case-insensitively. Errors are 400
/// invalidValue with a detail naming the offending member.
inline expected<attribute> attribute_from_json(const json& j) { return detail::read_attribute(j, "attribute", 1); }

/// Parses a /Schemas document (RFC 7643 section 7), for clients and for
/// applications that register extension schemas from JSON. Never throws and
/// never uses nlohmann's throwing accessors.
///
/// Requires `id` (non-empty string) and, in every attribute definition,
/// `name`; `name` and `description` of the schema are optional ("when
/// applicable"), a missing `attributes` means none. `schemas` and `meta` are
/// ignored. A document that is not an object is 400 invalidSyntax; wrong
/// member types, unknown keywords, sub-attributes on a non-complex attribute,
/// duplicate names and nesting deeper than max_attribute_definition_depth are
/// 400 invalidValue, with a detail such as
/// "attributes[3].subAttributes[0].type: unknown attribute type 'text'".
inline expected<schema> schema_from_json(const json& j) {
  if (!j.is_object()) return fail(error_code::invalid_syntax, "schema document must be a JSON object");
  schema s;
  const std::string where;
  auto id = detail::read_required_string(j, "id", where);
  if (!id) return fail(std::move(id.error()));
  s.id = std::move(*id);
  auto name = detail::read_string(j, "name", where);
  if (!name) return fail(std::move(name.error()));
  if (*name) s.name = std::move(**name);
  auto desc = detail::read_string(j, "description", where);
  if (!desc) return fail(std::move(desc.error()));
  if (*desc) s.description = std::move(**desc);
  if (const json* attrs = detail::find_member(j, "attributes")) {
    if (!attrs->is_array()) return fail(error_code::invalid_value, "attributes: expected an array");
    auto list = detail::read_attribute_list(*attrs, "attributes", 1);
    if (!list) return fail(std::move(list.error()));
    s.attributes = std::move(*list);
  }
  return s;
}

/// Parses a /ResourceTypes document (RFC 7643 section 6). Never throws.
/// Requires `name`, `endpoint` and `schema` (non-empty strings); `id` and
/// `description` are optional; each `schemaExtensions` entry needs `schema`,
/// and its `required` defaults to false. Errors as for schema_from_json().
inline expected<resource_type> resource_type_from_json(const json& j) {
  if (!j.is_object()) return fail(error_code::invalid_syntax, "resource type document must be a JSON object");
  resource_type rt;
  const std::string where;
  auto id = detail::read_string(j, "id", where);
  if (!id) return fail(std::move(id.error()));
  if (*id) rt.id = std::move(**id);
  auto name = detail::read_required_string(j, "name", where);
  if (!name) return fail(std::move(name.error()));
  rt.name = std::move(*name);
  auto endpoint = detail::read_required_string(j, "endpoint", where);
  if (!endpoint) return fail(std::move(endpoint.error()));
  rt.endpoint = std::move(*endpoint);
  auto desc = detail::read_string(j, "description", where);
  if (!desc) return fail(std::move(desc.error()));
  if (*desc) rt.description = std::move(**desc);
  auto core = detail::read_required_string(j, "schema", where);
  if (!core) return fail(std::move(core.error()));
  rt.schema = std::move(*core);
  if (const json* exts = detail::find_member(j, "schemaExtensions")) {
    if (!exts->is_array()) return fail(error_code::invalid_value, "schemaExtensions: expected an array");
    std::size_t i = 0;
    for (const auto& e : *exts) {
      const std::string ew = "schemaExtensions[" + std::to_string(i) + "]";
      if (!e.is_object()) return fail(error_code::invalid_value, ew + ": expected an object");
      auto urn_value = detail::read_required_string(e, "schema", ew);
      if (!urn_value) return fail(std::move(urn_value.error()));
      auto req = detail::read_bool(e, "required", false, ew);
      if (!req) return fail(std::move(req.error()));
      rt.schema_extensions.push_back({std::move(*urn_value), *req});
      ++i;
    }
  }
  return rt;
}

SCIM_END_NAMESPACE
