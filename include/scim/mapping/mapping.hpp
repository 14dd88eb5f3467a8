// scimpp: attribute-mapping traits. An application's own C++ type (a
// directory's user record, an HR row) is mapped to SCIM attributes written in
// the shared attribute-path syntax, in both directions: to SCIM for
// provisioning, from SCIM for import. The changes between two states become
// PATCH operations with scim/mapping/diff.hpp.
//
//   struct employee { std::string mail, first, last, dept; bool suspended = false; };
//
//   template <>
//   struct scim::mapping::mapping_traits<employee> {
//     static constexpr std::string_view schema_urn = scim::urn::user;
//     static constexpr auto fields = std::make_tuple(
//         field({"userName", R"(emails[type eq "work"].value)"}, &employee::mail).primary(),
//         field("name.givenName", &employee::first),
//         field("name.familyName", &employee::last),
//         field("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", &employee::dept),
//         field("active", &employee::suspended, scim::mapping::negate));
//   };
//
//   scim::json j = scim::mapping::to_scim(e);                   // a User resource
//   scim::expected<employee> back = scim::mapping::from_scim<employee>(j);
//
// Traits members:
//   schema_urn   the core schema of the resource type (written first in `schemas`);
//   fields       a tuple of entries:
//     field(paths, accessor [, converter])   a member, both directions; the
//                 accessor is a pointer to data member or a callable returning
//                 a reference to the member;
//     computed(paths, fn [, converter])      a value computed from the whole
//                 object, `fn(const T&)`, written to SCIM only;
//     modifiers: .primary() (a value-path element written by this entry gets
//                 `primary: true`, the others of its list lose it),
//                 .import_only() (read, never written nor diffed: `id`, `meta.*`),
//                 .export_only() (written, never read);
//   registry()   optional `static const schema_registry& registry()` for the
//                debug check below (default: scim::default_registry()).
//
// Paths (`paths` is one path or a braced list of up to four):
//   * `attr`, `attr.sub`, URN-qualified `urn:...:attr[.sub]` (an extension
//     schema; the core schema's URN means the same as no URN);
//   * `attr[filter].sub`: the element of a multi-valued complex attribute
//     selected by `filter`, which must be `sub eq literal` terms joined by
//     `and`. Writing creates the element from the terms when no element
//     matches (`{"type": "work", "value": ...}`); reading takes the matching
//     element, preferring `primary: true` when several match. String terms
//     compare ASCII case-insensitively.
//   * One member may have several paths: every path is written; reading takes
//     the first path that has a value.
//
// Values: see scim/mapping/value_traits.hpp. A value that converts to null
// (an empty string, nullopt, an empty vector) is unassigned: it is not
// written (update_scim removes it). Reading: an absent or null attribute
// leaves the member as it is (default-constructed for from_scim<T>); a value
// of the wrong type is 400 invalidValue naming the path as written in the
// traits; a non-object resource is 400 invalidSyntax. Attribute names and
// extension URNs are matched case-insensitively.
//
// Validation: paths are parsed once, at first use. validate_mapping<T>(rt,
// reg) checks the table against a schema registry (paths resolve, value
// filters select sub-attributes of a multi-valued complex attribute, declared
// value types match the attribute types, read-only attributes are mapped
// import_only(), no path is written twice) and returns a 500 error naming the
// field and path. In debug builds (NDEBUG undefined) the first use checks the
// table against registry() / default_registry() (paths under schemas the
// default registry does not know are skipped there), prints the problem to
// stderr and asserts. In release builds a path that does not parse is
// skipped by to_scim and makes from_scim fail with that 500 error.
#pragma once

#include "scim/config.hpp"
#include "scim/detail/ascii.hpp"
#include "scim/error.hpp"
#include "scim/expected.hpp"
#include "scim/filter/ast.hpp"
#include "scim/filter/parser.hpp"
#include "scim/filter/printer.hpp"
#include "scim/json.hpp"
#include "scim/mapping/value_traits.hpp"
#include "scim/path.hpp"
#include "scim/schema/attribute.hpp"
#include "scim/schema/registry.hpp"
#include "scim/schema/resource_type.hpp"

#include <array>
#include <cassert>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

SCIM_BEGIN_NAMESPACE
namespace mapping {

/// Specialise for an application type (see the file comment).
template <class T>
struct mapping_traits;

template <class T>
concept mapped_type = requires {
  { mapping_traits<T>::schema_urn } -> std::convertible_to<std::string_view>;
  mapping_traits<T>::fields;
};

/// One attribute path or a braced list of up to `capacity` paths.
struct path_set {
  static constexpr std::size_t capacity = 4;
  std::array<std::string_view, capacity> items{};
  std::size_t count = 0;
  bool overflow = false;  ///< more than `capacity` paths were given (reported by validation)

  constexpr path_set(const char* path) : items{std::string_view(path)}, count(1) {}  // NOLINT(google-explicit-constructor)
  constexpr path_set(std::string_view path) : items{path}, count(1) {}                // NOLINT(google-explicit-constructor)
  constexpr path_set(std::initializer_list<std::string_view> paths) {
    for (const std::string_view p : paths) {
      if (count == capacity) {
        overflow = true;
        break;
      }
      items[count++] = p;
    }
  }

  constexpr const std::string_view* begin() const noexcept { return items.data(); }
  constexpr const std::string_view* end() const noexcept { return items.data() + count; }
};

/// Which ways an entry is used.
enum class direction : std::uint8_t {
  both,         ///< written by to_scim/update_scim/diff and read by from_scim
  import_only,  ///< read by from_scim only
  export_only,  ///< written only
};

/// One entry of mapping_traits<T>::fields (made by field() or computed()).
template <class Access, class Converter, bool Computed>
struct field_entry {
  path_set paths;
  /// Member accessor, or for a computed entry the function of the object.
  Access access;
  Converter converter;
  /// A value-path element written by this entry gets `primary: true`.
  bool primary_element = false;
  direction dir = Computed ? direction::export_only : direction::both;

  static constexpr bool computed = Computed;

  /// The element this entry writes through a value path is the primary one.
  constexpr field_entry primary() const {
    field_entry c = *this;
    c.primary_element = true;
    return c;
  }
  /// Read by from_scim only (read-only attributes such as `id`).
  constexpr field_entry import_only() const {
    static_assert(!Computed, "scimpp: a computed mapping entry cannot be import_only");
    field_entry c = *this;
    c.dir = direction::import_only;
    return c;
  }
  /// Written only; from_scim leaves the member alone.
  constexpr field_entry export_only() const {
    field_entry c = *this;
    c.dir = direction::export_only;
    return c;
  }
};

/// A member mapped to one or more paths, with the default conversion
/// (value_traits of the member type).
template <class Access>
constexpr field_entry<Access, use_value_traits, false> field(path_set paths, Access access) {
  return {paths, access, {}};
}
/// A member mapped with a converter (negate, convert(to, from), your own).
template <class Access, class Converter>
constexpr field_entry<Access, Converter, false> field(path_set paths, Access access, Converter converter) {
  return {paths, access, converter};
}
/// A value computed from the whole object by `fn(const T&)`; written only.
template <class Fn>
constexpr field_entry<Fn, use_value_traits, true> computed(path_set paths, Fn fn) {
  return {paths, fn, {}};
}
template <class Fn, class Converter>
constexpr field_entry<Fn, Converter, true> computed(path_set paths, Fn fn, Converter converter) {
  return {paths, fn, converter};
}

namespace detail {

// ---- the compiled table ------------------------------------------------------

/// One parsed path of an entry.
struct target {
  std::string text;    ///< as written in the traits (used in error details)
  std::string urn;     ///< extension schema URN; empty for the core schema
  std::string name;    ///< top-level attribute
  std::string sub;     ///< sub-attribute (after '.' or after "].")
  bool value_path = false;
  /// The `eq` terms of the value filter: sub-attribute -> literal.
  std::vector<std::pair<std::string, json>> match;
  std::string patch_text;    ///< canonical PATCH path: `emails[type eq "work"].value`
  std::string element_text;  ///< value path: `emails[type eq "work"]`
  std::string attr_text;     ///< value path: `emails` (URN-qualified when written so)
  std::string group;         ///< value path: identifies the element (lower-cased)
};

struct compiled_entry {
  std::vector<target> targets;
  bool primary = false;
  direction dir = direction::both;
  bool computed = false;
  declared_kind kind{};

  bool writes() const noexcept { return dir != direction::import_only; }
  bool reads() const noexcept { return dir != direction::export_only && !computed; }
};

struct compiled_mapping {
  std::string schema_urn;
  std::vector<compiled_entry> entries;
  /// The first problem found while parsing the table (a programming error).
  std::optional<error> problem;
  /// Extension URNs the table writes to, in order of first appearance.
  std::vector<std::string> extension_urns;
};

struct entry_spec {
  path_set paths;
  bool primary;
  direction dir;
  bool computed;
  declared_kind kind;
};

inline std::string entry_label(std::size_t index, std::string_view path) {
  return "mapping field " + std::to_string(index) + " ('" + std::string(path) + "')";
}

inline error mapping_error(std::size_t index, std::string_view path, std::string_view what) {
  return error::internal("invalid attribute mapping: " + entry_label(index, path) + ": " + std::string(what));
}

// Collects `sub eq literal` terms joined by `and`; false for any other shape.
inline bool collect_eq_terms(const filter::filter& f, filter::node_id id,
                             std::vector<std::pair<std::string, json>>& out) {
  const filter::node& n = f[id];
  if (n.kind == filter::node_kind::logical_and) {
    for (const filter::node_id c : f.children(n))
      if (!collect_eq_terms(f, c, out)) return false;
    return true;
  }
  if (n.kind != filter::node_kind::compare || n.op != filter::compare_op::eq) return false;
  const attribute_path_view p = f.path(n);
  if (p.has_urn() || p.has_sub_attribute()) return false;
  json v;
  switch (n.type) {
    case filter::value_kind::string: v = std::string(f.string_value(n)); break;
    case filter::value_kind::integer: v = n.integer; break;
    case filter::value_kind::decimal: v = n.decimal; break;
    case filter::value_kind::boolean: v = n.boolean; break;
    case filter::value_kind::null: return false;
  }
  out.emplace_back(std::string(p.name), std::move(v));
  return true;
}

inline expected<target> compile_target(std::size_t index, std::string_view text, std::string_view core_urn) {
  auto pp = parse_patch_path(text);
  if (!pp) return fail(mapping_error(index, text, pp.error().detail));
  target t;
  t.text = std::string(text);
  t.urn = scim::detail::iequals(pp->attribute.urn, core_urn) ? std::string() : pp->attribute.urn;
  t.name = pp->attribute.name;
  t.patch_text = scim::to_string(*pp);
  if (pp->has_value_filter()) {
    t.value_path = true;
    t.sub = pp->sub_attribute;
    if (t.sub.empty())
      return fail(mapping_error(index, text,
                                "a value path must name the sub-attribute it maps, e.g. emails[type eq \"work\"].value"));
    const filter::filter& f = *pp->value_filter;
    if (f.empty() || !collect_eq_terms(f, f.root(), t.match))
      return fail(mapping_error(index, text,
                                "the value filter must be `subAttribute eq value` terms joined by `and`"));
    for (const auto& term : t.match)
      if (scim::detail::iequals(term.first, t.sub))
        return fail(mapping_error(index, text, "the mapped sub-attribute cannot also be a filter term"));
    t.attr_text = scim::to_string(pp->attribute);
    t.element_text = t.attr_text + "[" + filter::to_string(f) + "]";
    t.group = scim::detail::to_lower(t.urn) + ":" + scim::detail::to_lower(t.name) + "[" + filter::to_string(f) + "]";
  } else {
    t.sub = pp->attribute.sub_attribute;
  }
  return t;
}

inline compiled_mapping compile_mapping(std::string_view schema_urn, std::span<const entry_spec> specs) {
  compiled_mapping m;
  m.schema_urn = std::string(schema_urn);
  auto note = [&](error e) {
    if (!m.problem) m.problem = std::move(e);
  };
  if (schema_urn.empty()) note(error::internal("invalid attribute mapping: mapping_traits<T>::schema_urn is empty"));
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const entry_spec& s = specs[i];
    compiled_entry ce;
    ce.primary = s.primary;
    ce.dir = s.dir;
    ce.computed = s.computed;
    ce.kind = s.kind;
    if (s.paths.count == 0) note(mapping_error(i, "", "no attribute path"));
    if (s.paths.overflow)
      note(mapping_error(i, s.paths.items[0],
                         "more than " + std::to_string(path_set::capacity) + " paths for one field"));
    for (const std::string_view p : s.paths) {
      auto t = compile_target(i, p, schema_urn);
      if (!t) {
        note(std::move(t.error()));
        continue;
      }
      if (!t->urn.empty()) {
        bool known = false;
        for (const auto& u : m.extension_urns) known = known || scim::detail::iequals(u, t->urn);
        if (!known && ce.writes()) m.extension_urns.push_back(t->urn);
      }
      ce.targets.push_back(std::move(*t));
    }
    if (ce.primary) {
      bool any = false;
      for (const auto& t : ce.targets) any = any || t.value_path;
      if (!any && !ce.targets.empty())
        note(mapping_error(i, ce.targets.front().text, "primary() needs a value path such as emails[type eq \"work\"].value"));
    }
    m.entries.push_back(std::move(ce));
  }
  // A path written by two entries would depend on their order.
  for (std::size_t i = 0; i < m.entries.size(); ++i) {
    if (!m.entries[i].writes()) continue;
    for (std::size_t k = 0; k < m.entries[i].targets.size(); ++k) {
      const target& a = m.entries[i].targets[k];
      for (std::size_t j = i; j < m.entries.size(); ++j) {
        if (!m.entries[j].writes()) continue;
        for (std::size_t l = (j == i ? k + 1 : 0); l < m.entries[j].targets.size(); ++l) {
          const target& b = m.entries[j].targets[l];
          if (scim::detail::iequals(a.urn, b.urn) && scim::detail::iequals(a.name, b.name) &&
              scim::detail::iequals(a.sub, b.sub) && a.group == b.group)
            note(mapping_error(j, b.text, "the path is also written by mapping field " + std::to_string(i)));
        }
      }
    }
  }
  return m;
}

// ---- checking against a schema registry --------------------------------------

constexpr bool compatible(attribute_type declared, attribute_type attr) noexcept {
  switch (declared) {
    case attribute_type::string:
      return attr == attribute_type::string || attr == attribute_type::reference ||
             attr == attribute_type::binary || attr == attribute_type::date_time;
    case attribute_type::integer:
      return attr == attribute_type::integer || attr == attribute_type::decimal;
    case attribute_type::date_time:
      return attr == attribute_type::date_time || attr == attribute_type::string;
    default:
      return declared == attr;
  }
}

inline expected<void> check_mapping(const compiled_mapping& m, const resource_type& rt, const schema_registry& reg,
                                    bool skip_unknown_schemas) {
  if (m.problem) return fail(*m.problem);
  if (!scim::detail::iequals(rt.schema, m.schema_urn))
    return fail(error::internal("invalid attribute mapping: it maps to schema " + m.schema_urn +
                                " but resource type " + rt.name + " has core schema " + rt.schema));
  if (reg.find_schema(rt.schema) == nullptr)
    return fail(error::internal("invalid attribute mapping: schema " + rt.schema + " is not registered"));
  for (std::size_t i = 0; i < m.entries.size(); ++i) {
    const compiled_entry& ce = m.entries[i];
    for (const target& t : ce.targets) {
      if (skip_unknown_schemas && !t.urn.empty() && reg.find_extension_schema(rt, t.urn) == nullptr) continue;
      std::string plain = t.urn.empty() ? std::string() : t.urn + ":";
      plain += t.name;
      if (!t.value_path && !t.sub.empty()) plain += "." + t.sub;
      auto r = reg.resolve(rt, plain);
      if (!r) return fail(mapping_error(i, t.text, r.error().detail));
      const attribute& top = *r->attr;
      const attribute* effective = &r->target();
      if (t.value_path) {
        if (!top.is_complex() || !top.multi_valued)
          return fail(mapping_error(i, t.text, "a value filter needs a multi-valued complex attribute, and '" +
                                                   top.name + "' is not one"));
        effective = top.find_sub_attribute(t.sub);
        if (effective == nullptr)
          return fail(mapping_error(i, t.text, "attribute '" + top.name + "' has no sub-attribute '" + t.sub + "'"));
        for (const auto& term : t.match)
          if (top.find_sub_attribute(term.first) == nullptr)
            return fail(mapping_error(i, t.text, "the value filter names '" + term.first + "', which is not a sub-attribute of '" +
                                                     top.name + "'"));
      } else if (!t.sub.empty() && top.multi_valued) {
        return fail(mapping_error(i, t.text, "'" + top.name +
                                                 "' is multi-valued: select one element with a value filter, e.g. " +
                                                 top.name + "[type eq \"work\"]." + t.sub));
      }
      const bool read_only = top.mutability == attribute_mutability::read_only ||
                             effective->mutability == attribute_mutability::read_only;
      if (read_only && ce.writes())
        return fail(mapping_error(i, t.text, "the attribute is readOnly: map it with .import_only()"));
      if (ce.kind.known) {
        if (effective->is_complex() || !compatible(ce.kind.type, effective->type))
          return fail(mapping_error(i, t.text, "the field converts to a SCIM " + std::string(to_string(ce.kind.type)) +
                                                   " but the attribute is of type " +
                                                   std::string(to_string(effective->type))));
        const bool attr_multi = effective->multi_valued && !t.value_path;
        if (ce.kind.multi_valued != attr_multi)
          return fail(mapping_error(i, t.text, attr_multi ? "the attribute is multi-valued but the field holds one value"
                                                          : "the field holds a list but the attribute is single-valued"));
      }
    }
  }
  return {};
}

// ---- JSON helpers --------------------------------------------------------------

/// Member `key` (exact spelling first, then ASCII case-insensitively); nullptr when absent.
inline const json* find_ci(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  if (auto it = obj.find(std::string(key)); it != obj.end()) return &*it;
  for (auto it = obj.begin(); it != obj.end(); ++it)
    if (scim::detail::iequals(it.key(), key)) return &*it;
  return nullptr;
}
inline json* find_ci(json& obj, std::string_view key) {
  return const_cast<json*>(find_ci(static_cast<const json&>(obj), key));
}
inline void erase_ci(json& obj, std::string_view key) {
  if (!obj.is_object()) return;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (scim::detail::iequals(it.key(), key)) {
      obj.erase(it);
      return;
    }
  }
}
/// The member `key` (its existing spelling kept), created when absent.
inline json& slot_ci(json& obj, std::string_view key) {
  if (json* p = find_ci(obj, key)) return *p;
  return obj[std::string(key)];
}

inline bool is_primary(const json& element) {
  const json* p = find_ci(element, "primary");
  return p != nullptr && p->is_boolean() && p->get<bool>();
}

inline bool matches(const json& element, const target& t) {
  if (!element.is_object()) return false;
  for (const auto& [name, want] : t.match) {
    const json* v = find_ci(element, name);
    if (v == nullptr) return false;
    if (v->is_string() && want.is_string()) {
      if (!scim::detail::iequals(v->get_ref<const std::string&>(), want.get_ref<const std::string&>())) return false;
    } else if (*v != want) {
      return false;
    }
  }
  return true;
}

/// Index of the element `t` selects in `list` (primary preferred), or npos.
inline std::size_t select_element(const json& list, const target& t) {
  std::size_t best = static_cast<std::size_t>(-1);
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (!matches(list[i], t)) continue;
    if (best == static_cast<std::size_t>(-1)) best = i;
    if (is_primary(list[i])) return i;
  }
  return best;
}

inline error shape_error(const target& t, std::string_view what, const json& got) {
  return error(error_code::invalid_value,
               "attribute '" + t.text + "': " + std::string(what) + ", got " + json_kind_name(got));
}

/// Where a target's value is in a resource.
struct located {
  const json* value = nullptr;    ///< the value; nullptr when absent or null
  const json* element = nullptr;  ///< value path: the selected element (may exist without the value)
};

inline expected<located> locate(const json& resource, const target& t) {
  located out;
  const json* container = &resource;
  if (!t.urn.empty()) {
    container = find_ci(resource, t.urn);
    if (container == nullptr || container->is_null()) return out;
    if (!container->is_object())
      return fail(shape_error(t, "expected '" + t.urn + "' to be a schema extension object", *container));
  }
  const json* a = find_ci(*container, t.name);
  if (a == nullptr || a->is_null()) return out;
  const json* v = nullptr;
  if (t.value_path) {
    if (a->is_object()) {  // a single complex value where a list is expected
      if (!matches(*a, t)) return out;
      out.element = a;
    } else if (a->is_array()) {
      const std::size_t i = select_element(*a, t);
      if (i == static_cast<std::size_t>(-1)) return out;
      out.element = &(*a)[i];
    } else {
      return fail(shape_error(t, "expected '" + t.name + "' to be an array of complex values", *a));
    }
    v = find_ci(*out.element, t.sub);
  } else if (!t.sub.empty()) {
    if (!a->is_object()) return fail(shape_error(t, "expected '" + t.name + "' to be a complex value (object)", *a));
    v = find_ci(*a, t.sub);
  } else {
    v = a;
  }
  if (v != nullptr && !v->is_null()) out.value = v;
  return out;
}

// An element holding nothing but its filter terms and `primary`.
inline bool only_identity(const json& element, const target& t) {
  for (auto it = element.begin(); it != element.end(); ++it) {
    if (scim::detail::iequals(it.key(), "primary")) continue;
    bool term = false;
    for (const auto& m : t.match) term = term || scim::detail::iequals(it.key(), m.first);
    if (!term) return false;
  }
  return true;
}

inline void make_primary(json& list, std::size_t index) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (i == index) {
      slot_ci(list[i], "primary") = true;
    } else if (is_primary(list[i])) {
      slot_ci(list[i], "primary") = false;
    }
  }
}

// Writes (or, for null, removes) one target in an object.
inline void write_in(json& obj, const target& t, const json& value, bool primary) {
  if (!t.value_path && t.sub.empty()) {
    if (value.is_null()) erase_ci(obj, t.name);
    else slot_ci(obj, t.name) = value;
    return;
  }
  json* a = find_ci(obj, t.name);
  if (!t.value_path) {
    if (value.is_null()) {
      if (a != nullptr && a->is_object()) {
        erase_ci(*a, t.sub);
        if (a->empty()) erase_ci(obj, t.name);
      }
      return;
    }
    if (a == nullptr) a = &obj[t.name];
    if (!a->is_object()) *a = json::object();
    slot_ci(*a, t.sub) = value;
    return;
  }
  if (a != nullptr && a->is_object()) {
    json list = json::array();
    list.push_back(std::move(*a));
    *a = std::move(list);
  }
  std::size_t i = (a != nullptr && a->is_array()) ? select_element(*a, t) : static_cast<std::size_t>(-1);
  const bool found = i != static_cast<std::size_t>(-1);
  if (value.is_null()) {
    if (!found) return;
    json& element = (*a)[i];
    erase_ci(element, t.sub);
    if (only_identity(element, t)) {
      a->erase(i);
      if (a->empty()) erase_ci(obj, t.name);
    }
    return;
  }
  if (a == nullptr) a = &obj[t.name];
  if (!a->is_array()) *a = json::array();
  if (!found) {
    json element = json::object();
    for (const auto& [name, literal] : t.match) element[name] = literal;
    element[t.sub] = value;
    a->push_back(std::move(element));
    i = a->size() - 1;
    if (primary) make_primary(*a, i);
    return;
  }
  slot_ci((*a)[i], t.sub) = value;
  if (primary && !is_primary((*a)[i])) make_primary(*a, i);
}

inline void write_target(json& resource, const target& t, const json& value, bool primary) {
  if (t.urn.empty()) {
    write_in(resource, t, value, primary);
    return;
  }
  json* ext = find_ci(resource, t.urn);
  if (value.is_null()) {
    if (ext == nullptr || !ext->is_object()) return;
  } else {
    if (ext == nullptr) ext = &resource[t.urn];
    if (!ext->is_object()) *ext = json::object();
  }
  write_in(*ext, t, value, primary);
  if (ext->empty()) erase_ci(resource, t.urn);
}

/// `schemas`: the core URN first, the mapped extensions whose objects are present.
inline void update_schemas(json& resource, const compiled_mapping& m) {
  json* s = find_ci(resource, "schemas");
  if (s == nullptr || !s->is_array()) {
    erase_ci(resource, "schemas");
    s = &resource["schemas"];
    *s = json::array();
  }
  auto index_of = [&](std::string_view urn) {
    for (std::size_t i = 0; i < s->size(); ++i)
      if ((*s)[i].is_string() && scim::detail::iequals((*s)[i].get_ref<const std::string&>(), urn)) return i;
    return static_cast<std::size_t>(-1);
  };
  if (index_of(m.schema_urn) == static_cast<std::size_t>(-1)) s->insert(s->begin(), json(m.schema_urn));
  for (const auto& urn : m.extension_urns) {
    const json* ext = find_ci(resource, urn);
    const bool present = ext != nullptr && ext->is_object() && !ext->empty();
    const std::size_t i = index_of(urn);
    if (present && i == static_cast<std::size_t>(-1)) s->push_back(urn);
    if (!present && i != static_cast<std::size_t>(-1)) s->erase(i);
  }
}

// ---- per-type glue ---------------------------------------------------------------

template <class T>
inline constexpr std::size_t entry_count =
    std::tuple_size_v<std::remove_cvref_t<decltype(mapping_traits<T>::fields)>>;

template <class T, std::size_t I>
constexpr const auto& entry_at() noexcept {
  return std::get<I>(mapping_traits<T>::fields);
}

/// The C++ type an entry converts: the member, or the computed value.
template <class T, class Entry>
using entry_value_t = std::conditional_t<
    Entry::computed, std::remove_cvref_t<std::invoke_result_t<const decltype(Entry::access)&, const T&>>,
    std::remove_cvref_t<std::invoke_result_t<const decltype(Entry::access)&, T&>>>;

template <class T, std::size_t... I>
std::vector<entry_spec> make_entry_specs(std::index_sequence<I...>) {
  std::vector<entry_spec> specs;
  specs.reserve(sizeof...(I));
  (specs.push_back(entry_spec{
       entry_at<T, I>().paths, entry_at<T, I>().primary_element, entry_at<T, I>().dir,
       std::remove_cvref_t<decltype(entry_at<T, I>())>::computed,
       declared_kind_of<entry_value_t<T, std::remove_cvref_t<decltype(entry_at<T, I>())>>,
                        std::remove_cvref_t<decltype(entry_at<T, I>().converter)>>()}),
   ...);
  return specs;
}

/// The table of T, parsed once (thread-safe).
template <class T>
const compiled_mapping& compiled_for() {
  static const compiled_mapping m = [] {
    const auto specs = make_entry_specs<T>(std::make_index_sequence<entry_count<T>>{});
    return compile_mapping(std::string_view(mapping_traits<T>::schema_urn), specs);
  }();
  return m;
}

template <class T>
const schema_registry& registry_for() {
  if constexpr (requires { { mapping_traits<T>::registry() } -> std::convertible_to<const schema_registry&>; })
    return mapping_traits<T>::registry();
  else
    return default_registry();
}

/// Checks T's table against registry() / default_registry(); no resource
/// type for the schema: only the parse problems count.
template <class T>
expected<void> check_with_own_registry(const compiled_mapping& m) {
  constexpr bool own = requires { mapping_traits<T>::registry(); };
  const schema_registry& reg = registry_for<T>();
  const resource_type* rt = reg.find_resource_type_by_schema(m.schema_urn);
  if (rt == nullptr) {
    if (m.problem) return fail(*m.problem);
    if (own)
      return fail(error::internal("invalid attribute mapping: mapping_traits<T>::registry() has no resource type "
                                  "with core schema " + m.schema_urn));
    return {};
  }
  return check_mapping(m, *rt, reg, !own);
}

/// The table of T; in debug builds checked once, asserting on a problem.
template <class T>
const compiled_mapping& checked_mapping() {
  static const compiled_mapping& m = []() -> const compiled_mapping& {
    const compiled_mapping& c = compiled_for<T>();
#ifndef NDEBUG
    if (auto ok = check_with_own_registry<T>(c); !ok) {
      std::fprintf(stderr, "scimpp: %s\n", ok.error().detail.c_str());
      assert(false && "scimpp: invalid scim::mapping::mapping_traits (see the message above)");
    }
#endif
    return c;
  }();
  return m;
}

/// The SCIM value of entry `e` for `obj` (null: unassigned).
template <class T, class Entry>
json entry_to_scim(const Entry& e, const T& obj) {
  return member_to_scim<entry_value_t<T, Entry>>(e.converter, std::invoke(e.access, obj));
}

/// Reads entry `e` of `obj` from the first of its targets that has a value.
template <class T, class Entry>
expected<void> entry_from_scim(const Entry& e, const compiled_entry& ce, const json& resource, T& obj) {
  if constexpr (Entry::computed) {
    return {};
  } else {
    if (!ce.reads()) return {};
    using M = entry_value_t<T, Entry>;
    static_assert(!std::is_const_v<std::remove_reference_t<std::invoke_result_t<const decltype(e.access)&, T&>>>,
                  "scimpp: a mapping accessor must give a modifiable member");
    for (const target& t : ce.targets) {
      auto where = locate(resource, t);
      if (!where) return fail(std::move(where.error()));
      if (where->value == nullptr) continue;
      auto v = member_from_scim<M>(e.converter, *where->value);
      if (!v) {
        error err = std::move(v.error());
        err.detail = "attribute '" + t.text + "': " + err.detail;
        return fail(std::move(err));
      }
      std::invoke(e.access, obj) = std::move(*v);
      return {};
    }
    return {};
  }
}

/// The SCIM value of every entry of T for `obj` (null for entries not written).
template <class T>
std::vector<json> entry_values(const T& obj, const compiled_mapping& m) {
  std::vector<json> values(m.entries.size());
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ((m.entries[I].writes() ? void(values[I] = entry_to_scim(entry_at<T, I>(), obj)) : void()), ...);
  }(std::make_index_sequence<entry_count<T>>{});
  return values;
}

}  // namespace detail

/// Writes the mapped attributes of `value` into an existing resource (a GET
/// result to be sent back with PUT, say), keeping the attributes the mapping
/// does not cover. Unassigned values are removed; `schemas` lists the core
/// schema and the mapped extensions present.
template <mapped_type T>
void update_scim(json& resource, const T& value) {
  const detail::compiled_mapping& m = detail::checked_mapping<T>();
  if (!resource.is_object()) resource = json::object();
  const std::vector<json> values = detail::entry_values(value, m);
  for (std::size_t i = 0; i < m.entries.size(); ++i) {
    const detail::compiled_entry& ce = m.entries[i];
    if (!ce.writes()) continue;
    for (const detail::target& t : ce.targets) detail::write_target(resource, t, values[i], ce.primary);
  }
  detail::update_schemas(resource, m);
}

/// The SCIM resource for `value`: the mapped attributes and `schemas` (the
/// core schema, then each mapped extension that has a value).
template <mapped_type T>
json to_scim(const T& value) {
  json out = json::object();
  update_scim(out, value);
  return out;
}

/// Reads the mapped attributes of `resource` into `out`; absent or null
/// attributes leave their members as they are. Errors: 400 invalidSyntax
/// when `resource` is not an object, 400 invalidValue naming the path for a
/// value of the wrong type or shape, 500 for an invalid mapping table.
template <mapped_type T>
expected<void> from_scim(const json& resource, T& out) {
  if (!resource.is_object())
    return fail(error_code::invalid_syntax,
                std::string("expected a SCIM resource (JSON object), got ") + detail::json_kind_name(resource));
  const detail::compiled_mapping& m = detail::checked_mapping<T>();
  if (m.problem) return fail(*m.problem);
  expected<void> result;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ((result = detail::entry_from_scim(detail::entry_at<T, I>(), m.entries[I], resource, out), result.has_value()) &&
     ...);
  }(std::make_index_sequence<detail::entry_count<T>>{});
  return result;
}

/// A new T (value-initialised) with the mapped attributes of `resource`.
template <mapped_type T>
expected<T> from_scim(const json& resource) {
  T out{};
  if (auto r = from_scim(resource, out); !r) return fail(std::move(r.error()));
  return out;
}

/// Checks the mapping of T against a resource type of a registry: every path
/// resolves, value filters select sub-attributes of a multi-valued complex
/// attribute, declared value types match the attribute types, readOnly
/// attributes are import_only(), no path is written twice. Errors are 500
/// (a programming error) with a detail naming the field index and the path.
template <mapped_type T>
expected<void> validate_mapping(const resource_type& rt, const schema_registry& reg) {
  return detail::check_mapping(detail::compiled_for<T>(), rt, reg, false);
}

/// Same, against mapping_traits<T>::registry() (default_registry() when the
/// traits do not name one) and its resource type for schema_urn.
template <mapped_type T>
expected<void> validate_mapping() {
  const detail::compiled_mapping& m = detail::compiled_for<T>();
  const schema_registry& reg = detail::registry_for<T>();
  const resource_type* rt = reg.find_resource_type_by_schema(m.schema_urn);
  if (rt == nullptr)
    return fail(error::internal("invalid attribute mapping: no resource type with core schema " + m.schema_urn));
  return detail::check_mapping(m, *rt, reg, false);
}

}  // namespace mapping
SCIM_END_NAMESPACE
