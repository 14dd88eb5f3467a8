// scimpp: `attributes` / `excludedAttributes` (RFC 7644 section 3.9) for
// responses, and what a store needs to load to serve them.
//
// The projection itself is scim::validate(..., validation_context::response,
// opts) from scim/schema/validate.hpp, which already implements every rule
// (returned always/never/default/request, writeOnly, URN-qualified and
// sub-attribute paths, both lists combined, unknown paths ignored); project()
// below only feeds it a list_query.
//
// What this header adds is the store-side half: plan_load() tells a store
// which top-level attributes a response can contain at all, so that
// `excludedAttributes=members` (Entra ID's group lookups) or an `attributes`
// list without `members` never loads a group's members, and `password`
// (returned never) is never fetched for a response. The plan follows the
// projection's rules exactly at the top level:
//   * `id` and `schemas` (returned always) are always needed, and so is every
//     attribute with returned "always" (they survive excludedAttributes);
//   * returned "never" and writeOnly attributes are never needed;
//   * an excluded attribute (named without a sub-attribute) is not needed;
//     excluding a sub-attribute (`members.display`) keeps the attribute;
//   * with a non-empty `attributes` list, an attribute is needed when it, one
//     of its sub-attributes, or its whole schema (a bare core or extension
//     URN) is listed, or when it has a sub-attribute returned "always";
//   * otherwise, returned "request" attributes are not needed, the rest are;
//   * an extension object is not needed when none of its attributes is;
//   * paths that do not resolve are ignored, as in the projection.
// A hint is advisory: a store may always load more than asked.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scim/config.hpp"
#include "scim/detail/ascii.hpp"
#include "scim/error.hpp"
#include "scim/expected.hpp"
#include "scim/json.hpp"
#include "scim/query/list_params.hpp"
#include "scim/schema/attribute.hpp"
#include "scim/schema/core_schemas.hpp"
#include "scim/schema/registry.hpp"
#include "scim/schema/resource_type.hpp"
#include "scim/schema/validate.hpp"

SCIM_BEGIN_NAMESPACE
namespace query {

/// Which top-level members of a stored resource a response can contain.
struct load_hint {
  /// Members that are not needed: canonical core/common attribute names
  /// ("members", "password", "meta") and canonical extension URNs (the whole
  /// extension object). Empty: load everything.
  std::vector<std::string> omit{};

  /// Whether the top-level member `name` (attribute name or extension URN,
  /// case-insensitive) is needed.
  bool needs(std::string_view name) const noexcept {
    for (const auto& o : omit)
      if (scim::detail::iequals(o, name)) return false;
    return true;
  }
  /// Whether everything is needed.
  bool loads_everything() const noexcept { return omit.empty(); }

  friend bool operator==(const load_hint&, const load_hint&) = default;
};

namespace detail {

struct path_marks {
  bool schema_whole = false;              // the schema URN itself was named
  std::vector<const attribute*> whole;    // attribute named without a sub-attribute
  std::vector<const attribute*> partial;  // attribute named with a sub-attribute

  static bool has(const std::vector<const attribute*>& v, const attribute* a) noexcept {
    for (const attribute* x : v)
      if (x == a) return true;
    return false;
  }
};

struct load_planner {
  const resource_type& rt;
  const schema_registry& reg;
  const schema* core = nullptr;
  std::vector<const schema*> extensions;
  // Marks per schema: index 0 = core (and common attributes), 1.. = extensions.
  std::vector<path_marks> selected;
  std::vector<path_marks> excluded;
  bool selecting = false;

  std::size_t schema_index(const schema* s) const noexcept {
    if (s == core) return 0;
    for (std::size_t i = 0; i < extensions.size(); ++i)
      if (extensions[i] == s) return i + 1;
    return static_cast<std::size_t>(-1);
  }

  void mark(std::vector<path_marks>& marks, std::string_view raw) {
    const std::string_view path = query::detail::trim(raw);
    if (path.empty()) return;
    if (scim::detail::iequals(path, core->id)) {
      marks[0].schema_whole = true;
      return;
    }
    for (std::size_t i = 0; i < extensions.size(); ++i) {
      if (scim::detail::iequals(path, extensions[i]->id)) {
        marks[i + 1].schema_whole = true;
        return;
      }
    }
    auto r = reg.resolve(rt, path);
    if (!r || r->attr == nullptr) return;
    const std::size_t k = schema_index(r->owner);
    if (k >= marks.size()) return;
    if (r->sub != nullptr)
      marks[k].partial.push_back(r->attr);
    else
      marks[k].whole.push_back(r->attr);
  }

  static bool never_returned(const attribute& a) noexcept {
    return a.returned == attribute_returned::never || a.mutability == attribute_mutability::write_only;
  }

  bool needed(const attribute& a, std::size_t k) const {
    if (never_returned(a)) return false;
    if (a.returned == attribute_returned::always) return true;
    if (path_marks::has(excluded[k].whole, &a) || excluded[k].schema_whole) return false;
    if (!selecting) return a.returned != attribute_returned::request;
    const path_marks& s = selected[k];
    if (s.schema_whole || path_marks::has(s.whole, &a) || path_marks::has(s.partial, &a)) return true;
    for (const auto& sub : a.sub_attributes)
      if (sub.returned == attribute_returned::always && !never_returned(sub)) return true;
    return false;
  }
};

}  // namespace detail

/// Plans what a store must load for a response with these `attributes` and
/// `excludedAttributes` (see the top of this header). Never fails: when the
/// resource type's schemas are not registered it asks for everything.
inline load_hint plan_load(const resource_type& rt, const schema_registry& reg,
                           const std::vector<std::string>& attributes,
                           const std::vector<std::string>& excluded_attributes) {
  load_hint hint;
  detail::load_planner p{rt, reg, reg.find_schema(rt.schema), {}, {}, {}, false};
  if (p.core == nullptr) return hint;
  for (const auto& ext : rt.schema_extensions) {
    const schema* s = reg.find_schema(ext.schema);
    if (s == nullptr) return hint;
    p.extensions.push_back(s);
  }
  p.selected.resize(p.extensions.size() + 1);
  p.excluded.resize(p.extensions.size() + 1);
  for (const auto& a : attributes) {
    if (query::detail::trim(a).empty()) continue;
    p.selecting = true;
    p.mark(p.selected, a);
  }
  for (const auto& a : excluded_attributes) p.mark(p.excluded, a);

  for (const auto& a : p.core->attributes)
    if (!p.needed(a, 0)) hint.omit.push_back(a.name);
  for (const auto& a : common_attributes()) {
    if (scim::detail::iequals(a.name, "id") || scim::detail::iequals(a.name, "schemas")) continue;
    // Common attributes resolve to the registry's own definitions.
    const attribute* def = find_common_attribute(a.name);
    if (def != nullptr && !p.needed(*def, 0)) hint.omit.push_back(def->name);
  }
  for (std::size_t i = 0; i < p.extensions.size(); ++i) {
    bool any = false;
    for (const auto& a : p.extensions[i]->attributes) {
      if (p.needed(a, i + 1)) {
        any = true;
        break;
      }
    }
    if (!any) hint.omit.push_back(p.extensions[i]->id);
  }
  return hint;
}

/// plan_load for a list query's attributes / excludedAttributes.
inline load_hint plan_load(const resource_type& rt, const schema_registry& reg, const list_query& q) {
  return plan_load(rt, reg, q.attributes, q.excluded_attributes);
}

/// Applies a list query's attributes / excludedAttributes to a resource about
/// to be returned: scim::validate in the response context (see
/// scim/schema/validate.hpp for the rules). `base` supplies the other
/// options (e.g. unknown_attributes).
inline expected<json> project(const json& resource, const resource_type& rt, const schema_registry& reg,
                              const list_query& q, validation_options base = {}) {
  base.attributes = q.attributes;
  base.excluded_attributes = q.excluded_attributes;
  return validate(resource, rt, reg, validation_context::response, base);
}

/// Applies explicit attributes / excludedAttributes lists (e.g. the query
/// parameters of GET /Users/{id} or of a PATCH/PUT/POST response).
inline expected<json> project(const json& resource, const resource_type& rt, const schema_registry& reg,
                              const std::vector<std::string>& attributes,
                              const std::vector<std::string>& excluded_attributes,
                              validation_options base = {}) {
  base.attributes = attributes;
  base.excluded_attributes = excluded_attributes;
  return validate(resource, rt, reg, validation_context::response, base);
}

}  // namespace query
SCIM_END_NAMESPACE
