// scimpp: sorting resources by `sortBy` / `sortOrder` (RFC 7644 section 3.4.2.3).
//
//   auto spec = scim::query::compile_sort("userName", sort_order::ascending, user_type, registry);
//   std::sort(v.begin(), v.end(), scim::query::resource_comparator(*spec));
//
// compile_sort resolves the path against the resource type (names
// case-insensitive, URN-qualified paths allowed) and decides whether it can
// be sorted on. Each refusal is 400 invalidValue naming sortBy (a sortBy the
// service cannot honour is an error, never silently ignored):
//   * the path does not resolve (unknown attribute, wrong schema URN);
//   * a complex attribute without a sub-attribute (`name`): RFC 7644 asks for
//     a sub-attribute path (`name.givenName`). A multi-valued complex attribute
//     with a `value` sub-attribute is the exception: `emails` means
//     `emails.value`, as in filters;
//   * binary attributes, and attributes that are never returned (returned
//     "never" or writeOnly, e.g. password): ordering by them would reveal
//     their values.
//
// Ordering (sort_key, compare):
//   * strings (and references) with caseExact=false compare ASCII
//     case-insensitively, the others byte-wise (UTF-8 byte order is code
//     point order); no locale is implied, as the RFC asks;
//   * dateTime values compare as instants, so offsets and fractional seconds
//     order correctly; a dateTime string that does not parse compares as a
//     string after every valid instant;
//   * integers and decimals compare numerically; booleans false < true;
//   * a multi-valued attribute sorts by its primary value (the element whose
//     `primary` is true), else its first value;
//   * a missing value (absent, null, "", an empty array, or a JSON object or
//     array where a simple value belongs) has "no data": it sorts last in
//     ascending order and first in descending order, as the RFC requires;
//   * values of an unexpected JSON type sort by kind: booleans, numbers,
//     instants, strings, then missing;
//   * ties are broken by `id` (byte-wise, ascending in both orders), so the
//     order is total and stable across pages.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scim/config.hpp"
#include "scim/date_time.hpp"
#include "scim/detail/ascii.hpp"
#include "scim/error.hpp"
#include "scim/expected.hpp"
#include "scim/json.hpp"
#include "scim/query/list_params.hpp"
#include "scim/schema/attribute.hpp"
#include "scim/schema/registry.hpp"
#include "scim/schema/resource_type.hpp"

SCIM_BEGIN_NAMESPACE
namespace query {

/// A sortBy attribute resolved against a resource type.
struct sort_spec {
  /// The path as given.
  std::string path;
  sort_order order = sort_order::ascending;
  /// Canonical extension URN holding the attribute, or "" for core and common attributes.
  std::string container;
  /// Canonical top-level attribute name ("userName", "emails", "meta").
  std::string attribute;
  /// Canonical sub-attribute name ("value", "givenName"), or "".
  std::string sub_attribute;
  /// Type of the value compared (the sub-attribute's when there is one).
  attribute_type type = attribute_type::string;
  bool case_exact = false;
  /// The top-level attribute is multi-valued (sort by the primary or first value).
  bool multi_valued = false;
};

/// Resolves and checks a sortBy path (see the top of this header).
inline expected<sort_spec> compile_sort(std::string_view sort_by, sort_order order, const resource_type& rt,
                                        const schema_registry& reg) {
  auto bad = [&](std::string why) { return fail(error_code::invalid_value, "sortBy: " + std::move(why)); };
  auto r = reg.resolve(rt, sort_by);
  if (!r) {
    if (r.error().status != 400) return fail(std::move(r.error()));
    return bad("cannot sort by '" + std::string(sort_by) + "': " + r.error().detail);
  }
  sort_spec s;
  s.path.assign(sort_by.data(), sort_by.size());
  s.order = order;
  if (r->is_extension && r->owner != nullptr) s.container = r->owner->id;
  s.attribute = r->attr->name;
  s.multi_valued = r->attr->multi_valued;
  const attribute* target = r->sub != nullptr ? r->sub : r->attr;
  if (r->sub == nullptr && r->attr->is_complex()) {
    const attribute* value = r->attr->multi_valued ? r->attr->find_sub_attribute("value") : nullptr;
    if (value == nullptr || value->is_complex())
      return bad(
          "'" + r->attr->name + "' is a complex attribute; sort by one of its sub-attributes (e.g. '" +
          r->attr->name + "." +
          (r->attr->sub_attributes.empty() ? std::string("value") : r->attr->sub_attributes.front().name) +
          "')");
    target = value;
  }
  if (target != r->attr) s.sub_attribute = target->name;
  if (target->is_complex()) return bad("'" + std::string(sort_by) + "' is a complex attribute");
  if (target->type == attribute_type::binary)
    return bad("cannot sort by the binary attribute '" + std::string(sort_by) + "'");
  const auto hidden = [](const attribute& a) {
    return a.returned == attribute_returned::never || a.mutability == attribute_mutability::write_only;
  };
  if (hidden(*r->attr) || hidden(*target))
    return bad("cannot sort by '" + std::string(sort_by) + "', which is never returned");
  s.type = target->type;
  s.case_exact = target->case_exact;
  return s;
}

/// compile_sort for a list query: nullopt when it has no sortBy.
inline expected<std::optional<sort_spec>> compile_sort(const list_query& q, const resource_type& rt,
                                                       const schema_registry& reg) {
  if (!q.sort_by) return std::optional<sort_spec>{};
  auto s = compile_sort(*q.sort_by, q.order, rt, reg);
  if (!s) return fail(std::move(s.error()));
  return std::optional<sort_spec>(std::move(*s));
}

/// The value a resource is sorted by, prepared for comparison.
struct sort_key {
  /// Kinds in their relative order (values of different kinds compare by kind).
  enum class kind : std::uint8_t { boolean, number, instant, string, missing };

  kind k = kind::missing;
  bool boolean = false;
  bool is_integer = false;
  std::int64_t integer = 0;
  double number = 0.0;
  instant at{};
  /// String value; ASCII-folded when the attribute is not caseExact.
  std::string text;

  bool missing() const noexcept { return k == kind::missing; }
  friend bool operator==(const sort_key& a, const sort_key& b) noexcept;
};

/// Three-way comparison in ascending order, missing values greatest.
inline int compare(const sort_key& a, const sort_key& b) noexcept {
  if (a.k != b.k) return a.k < b.k ? -1 : 1;
  switch (a.k) {
    case sort_key::kind::boolean:
      return a.boolean == b.boolean ? 0 : (a.boolean ? 1 : -1);
    case sort_key::kind::number:
      if (a.is_integer && b.is_integer) return a.integer == b.integer ? 0 : (a.integer < b.integer ? -1 : 1);
      return a.number == b.number ? 0 : (a.number < b.number ? -1 : 1);
    case sort_key::kind::instant:
      return a.at == b.at ? 0 : (a.at < b.at ? -1 : 1);
    case sort_key::kind::string: {
      const int c = a.text.compare(b.text);
      return c == 0 ? 0 : (c < 0 ? -1 : 1);
    }
    case sort_key::kind::missing:
      return 0;
  }
  return 0;
}

inline bool operator==(const sort_key& a, const sort_key& b) noexcept {
  return compare(a, b) == 0;
}

/// Three-way comparison in `order`: missing values last when ascending,
/// first when descending (RFC 7644 section 3.4.2.3).
inline int compare(const sort_key& a, const sort_key& b, sort_order order) noexcept {
  const int c = compare(a, b);
  return order == sort_order::descending ? -c : c;
}

/// Full ordering of two resources: by key in `order`, then by id ascending.
inline int compare(const sort_key& a, std::string_view id_a, const sort_key& b, std::string_view id_b,
                   sort_order order) noexcept {
  if (const int c = compare(a, b, order); c != 0) return c;
  const int c = id_a.compare(id_b);
  return c == 0 ? 0 : (c < 0 ? -1 : 1);
}

namespace detail {

inline const json* member_ci(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  if (auto it = obj.find(std::string(key)); it != obj.end()) return &*it;
  for (auto it = obj.begin(); it != obj.end(); ++it)
    if (scim::detail::iequals(it.key(), key)) return &*it;
  return nullptr;
}

/// The primary element of a multi-valued value, else the first non-null one.
inline const json* choose_element(const json& arr) {
  const json* first = nullptr;
  for (const auto& e : arr) {
    if (e.is_null()) continue;
    if (first == nullptr) first = &e;
    if (const json* p = member_ci(e, "primary"); p != nullptr && p->is_boolean() && p->get<bool>()) return &e;
  }
  return first;
}

inline sort_key key_of_value(const sort_spec& s, const json* v) {
  sort_key k;
  if (v == nullptr) return k;
  switch (v->type()) {
    case json::value_t::boolean:
      k.k = sort_key::kind::boolean;
      k.boolean = v->get<bool>();
      break;
    case json::value_t::number_integer:
      k.k = sort_key::kind::number;
      k.is_integer = true;
      k.integer = v->get<json::number_integer_t>();
      k.number = static_cast<double>(k.integer);
      break;
    case json::value_t::number_unsigned: {
      const auto u = v->get<json::number_unsigned_t>();
      k.k = sort_key::kind::number;
      k.number = static_cast<double>(u);
      if (u <= static_cast<json::number_unsigned_t>(std::numeric_limits<std::int64_t>::max())) {
        k.is_integer = true;
        k.integer = static_cast<std::int64_t>(u);
      }
      break;
    }
    case json::value_t::number_float:
      k.k = sort_key::kind::number;
      k.number = v->get<double>();
      break;
    case json::value_t::string: {
      const auto& str = v->get_ref<const std::string&>();
      if (str.empty()) break;
      if (s.type == attribute_type::date_time) {
        if (auto t = parse_date_time(str)) {
          k.k = sort_key::kind::instant;
          k.at = *t;
          break;
        }
      }
      k.k = sort_key::kind::string;
      const bool fold =
          !s.case_exact && (s.type == attribute_type::string || s.type == attribute_type::reference);
      k.text = fold ? scim::detail::to_lower(str) : str;
      break;
    }
    default:
      break;  // null, object, array, binary: no data
  }
  return k;
}

}  // namespace detail

/// The sort key of a resource (a JSON object) under `s`.
inline sort_key extract_sort_key(const sort_spec& s, const json& resource) {
  const json* holder = &resource;
  if (!s.container.empty()) {
    holder = detail::member_ci(resource, s.container);
    if (holder == nullptr) return {};
  }
  const json* v = detail::member_ci(*holder, s.attribute);
  if (v == nullptr) return {};
  if (v->is_array()) {
    v = detail::choose_element(*v);
    if (v == nullptr) return {};
  }
  if (!s.sub_attribute.empty()) {
    v = detail::member_ci(*v, s.sub_attribute);
    if (v != nullptr && v->is_array()) v = detail::choose_element(*v);
  }
  return detail::key_of_value(s, v);
}

/// The `id` of a resource ("" when absent or not a string).
inline std::string_view resource_id(const json& resource) {
  if (!resource.is_object()) return {};
  auto it = resource.find("id");
  if (it == resource.end() || !it->is_string()) return {};
  return it->get_ref<const std::string&>();
}

/// A strict weak ordering of JSON resources for std::sort / std::stable_sort.
/// It extracts both keys on every call; to sort many resources prefer
/// sort_resources(), which extracts each key once.
class resource_comparator {
 public:
  explicit resource_comparator(sort_spec s) : spec_(std::move(s)) {}
  bool operator()(const json& a, const json& b) const {
    return compare(extract_sort_key(spec_, a), resource_id(a), extract_sort_key(spec_, b), resource_id(b),
                   spec_.order) < 0;
  }
  const sort_spec& spec() const noexcept { return spec_; }

 private:
  sort_spec spec_;
};

/// Sorts resources in place under `s` (keys extracted once per resource).
inline void sort_resources(std::vector<json>& resources, const sort_spec& s) {
  struct item {
    sort_key key;
    std::size_t index;
  };
  std::vector<item> items;
  items.reserve(resources.size());
  for (std::size_t i = 0; i < resources.size(); ++i) items.push_back({extract_sort_key(s, resources[i]), i});
  std::sort(items.begin(), items.end(), [&](const item& a, const item& b) {
    return compare(a.key, resource_id(resources[a.index]), b.key, resource_id(resources[b.index]), s.order) <
           0;
  });
  std::vector<json> out;
  out.reserve(resources.size());
  for (auto& it : items) out.push_back(std::move(resources[it.index]));
  resources = std::move(out);
}

/// A sort key as JSON (for cursors that resume after a key):
/// [kind] / [kind, value] / [kind, seconds, nanos].
inline json to_json_value(const sort_key& k) {
  json j = json::array();
  j.push_back(static_cast<int>(k.k));
  switch (k.k) {
    case sort_key::kind::boolean:
      j.push_back(k.boolean);
      break;
    case sort_key::kind::number:
      if (k.is_integer)
        j.push_back(k.integer);
      else
        j.push_back(k.number);
      break;
    case sort_key::kind::instant:
      j.push_back(k.at.seconds);
      j.push_back(k.at.nanos);
      break;
    case sort_key::kind::string:
      j.push_back(k.text);
      break;
    case sort_key::kind::missing:
      break;
  }
  return j;
}

/// Reads to_json_value's form back; nullopt when malformed.
inline std::optional<sort_key> sort_key_from_json(const json& j) {
  if (!j.is_array() || j.empty() || !j[0].is_number_integer()) return std::nullopt;
  const auto kind = j[0].get<json::number_integer_t>();
  sort_key k;
  switch (kind) {
    case 0:
      if (j.size() != 2 || !j[1].is_boolean()) return std::nullopt;
      k.k = sort_key::kind::boolean;
      k.boolean = j[1].get<bool>();
      return k;
    case 1:
      if (j.size() != 2 || !j[1].is_number()) return std::nullopt;
      k.k = sort_key::kind::number;
      if (j[1].is_number_integer() && !j[1].is_number_unsigned()) {
        k.is_integer = true;
        k.integer = j[1].get<json::number_integer_t>();
        k.number = static_cast<double>(k.integer);
      } else if (j[1].is_number_unsigned()) {
        const auto u = j[1].get<json::number_unsigned_t>();
        k.number = static_cast<double>(u);
        if (u <= static_cast<json::number_unsigned_t>(std::numeric_limits<std::int64_t>::max())) {
          k.is_integer = true;
          k.integer = static_cast<std::int64_t>(u);
        }
      } else {
        k.number = j[1].get<double>();
      }
      return k;
    case 2:
      if (j.size() != 3 || !j[1].is_number_integer() || !j[2].is_number_integer()) return std::nullopt;
      k.k = sort_key::kind::instant;
      k.at.seconds = j[1].get<json::number_integer_t>();
      {
        const auto n = j[2].get<json::number_integer_t>();
        if (n < 0 || n > 999999999) return std::nullopt;
        k.at.nanos = static_cast<std::int32_t>(n);
      }
      return k;
    case 3:
      if (j.size() != 2 || !j[1].is_string()) return std::nullopt;
      k.k = sort_key::kind::string;
      k.text = j[1].get<std::string>();
      return k;
    case 4:
      if (j.size() != 1) return std::nullopt;
      return k;
    default:
      return std::nullopt;
  }
}

}  // namespace query
SCIM_END_NAMESPACE
