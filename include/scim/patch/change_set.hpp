// scimpp: what a PATCH request changed (RFC 7644 section 3.5.2), so a store
// can write only the changed attributes and, for membership-like attributes,
// only the rows of the values added and removed.
//
//   * `attributes`: canonical names of the changed top-level attributes, in
//     the order they first changed: "displayName", "name", "members",
//     "schemas" (when an extension URN was added or removed), and
//     "<extension URN>:<attribute>" for extension attributes, e.g.
//     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department".
//   * `values`: for multi-valued complex attributes with a `value`
//     sub-attribute (members, emails, phoneNumbers, ...), the elements
//     removed and added, exactly as they were / are stored. An element
//     changed in place (a sub-attribute replaced, `primary` cleared) appears
//     in `removed` in its old form and in `added` in its new form: apply the
//     removals first. Elements added and removed again within one request
//     cancel out.
//   * A request that changes nothing (re-adding existing members, replacing a
//     value with itself) yields an empty change set.
#pragma once

#include "scim/config.hpp"
#include "scim/detail/ascii.hpp"
#include "scim/json.hpp"

#include <string>
#include <string_view>
#include <vector>

SCIM_BEGIN_NAMESPACE
namespace patch {

/// The elements of one multi-valued attribute that a request added and removed.
struct value_delta {
  /// Canonical top-level name (see change_set::attributes), e.g. "members".
  std::string attribute;
  std::vector<json> added;
  std::vector<json> removed;

  bool empty() const noexcept { return added.empty() && removed.empty(); }
};

/// What a PATCH request changed.
struct change_set {
  std::vector<std::string> attributes;
  std::vector<value_delta> values;

  /// True when the request changed nothing.
  bool empty() const noexcept { return attributes.empty() && values.empty(); }

  /// Whether `attribute` (canonical name, compared case-insensitively) changed.
  bool changed(std::string_view attribute) const noexcept {
    for (const auto& a : attributes)
      if (scim::detail::iequals(a, attribute)) return true;
    return false;
  }

  /// The values added/removed for `attribute`, or nullptr when none were recorded.
  const value_delta* delta(std::string_view attribute) const noexcept {
    for (const auto& d : values)
      if (scim::detail::iequals(d.attribute, attribute)) return &d;
    return nullptr;
  }
};

/// `{"attributes":[...],"values":[{"attribute":..., "added":[...], "removed":[...]}]}`
inline void to_json(json& j, const value_delta& d) {
  j = json::object();
  j["attribute"] = d.attribute;
  j["added"] = d.added;
  j["removed"] = d.removed;
}

inline void to_json(json& j, const change_set& c) {
  j = json::object();
  j["attributes"] = c.attributes;
  json values = json::array();
  for (const auto& d : c.values) {
    json one;
    to_json(one, d);
    values.push_back(std::move(one));
  }
  j["values"] = std::move(values);
}

}  // namespace patch
SCIM_END_NAMESPACE
