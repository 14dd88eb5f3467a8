// scimpp: the ListResponse message (RFC 7644 section 3.4.2), with the cursor
// pagination attributes of RFC 9865.
#pragma once

#include "scim/config.hpp"
#include "scim/detail/ascii.hpp"
#include "scim/error.hpp"
#include "scim/expected.hpp"
#include "scim/json.hpp"
#include "scim/resource/traits.hpp"
#include "scim/schema/urns.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

SCIM_BEGIN_NAMESPACE

/// A page of query results. T is a described resource type (scim::user,
/// scim::group, ...) or scim::json for untyped (e.g. projected) resources.
template <class T>
struct list_response {
  using value_type = T;

  std::optional<std::int64_t> total_results{};   ///< totalResults
  std::optional<std::int64_t> items_per_page{};  ///< itemsPerPage
  std::optional<std::int64_t> start_index{};     ///< startIndex (1-based; index pagination)
  std::vector<T> resources{};                    ///< Resources
  std::optional<std::string> next_cursor{};      ///< nextCursor (RFC 9865)
  std::optional<std::string> previous_cursor{};  ///< previousCursor (RFC 9865)

  friend bool operator==(const list_response&, const list_response&) = default;
};

namespace detail {

template <class T>
inline constexpr bool is_list_response = false;
template <class T>
inline constexpr bool is_list_response<list_response<T>> = true;

template <class T>
concept list_item = described_type<T> || std::is_same_v<T, json>;

template <class T>
bool decode_list_response(const json& in, list_response<T>& out, decode_context& ctx) {
  for (auto it = in.begin(); it != in.end(); ++it) {
    const std::string& key = it.key();
    auto read_member = [&](std::string_view attr, auto& m) {
      ctx.path.assign(attr.data(), attr.size());
      return decode_member(it.value(), m, ctx);
    };
    bool ok = true;
    if (iequals(key, "totalResults"))
      ok = read_member("totalResults", out.total_results);
    else if (iequals(key, "itemsPerPage"))
      ok = read_member("itemsPerPage", out.items_per_page);
    else if (iequals(key, "startIndex"))
      ok = read_member("startIndex", out.start_index);
    else if (iequals(key, "Resources"))
      ok = read_member("Resources", out.resources);
    else if (iequals(key, "nextCursor"))
      ok = read_member("nextCursor", out.next_cursor);
    else if (iequals(key, "previousCursor"))
      ok = read_member("previousCursor", out.previous_cursor);
    // `schemas` and anything else are not needed to read the page.
    if (!ok) return false;
  }
  return true;
}

}  // namespace detail

/// Encodes a ListResponse: `schemas`, the paging attributes that are set, and
/// `Resources` (an empty array when there are none).
template <detail::list_item T>
void to_json(json& j, const list_response<T>& r) {
  j = json::object();
  j["schemas"] = json::array({std::string(urn::list_response)});
  if (r.total_results) j["totalResults"] = *r.total_results;
  if (r.items_per_page) j["itemsPerPage"] = *r.items_per_page;
  if (r.start_index) j["startIndex"] = *r.start_index;
  if (r.next_cursor) j["nextCursor"] = *r.next_cursor;
  if (r.previous_cursor) j["previousCursor"] = *r.previous_cursor;
  json resources = json::array();
  for (const auto& item : r.resources) {
    if constexpr (std::is_same_v<T, json>)
      resources.push_back(item);
    else
      resources.push_back(encode(item));
  }
  j["Resources"] = std::move(resources);
}

/// Encodes a ListResponse (see to_json).
template <detail::list_item T>
json encode(const list_response<T>& r) {
  json j{};
  to_json(j, r);
  return j;
}

/// Decodes a ListResponse without throwing: `scim::decode<scim::list_response<scim::user>>(j)`.
/// Attribute names match case-insensitively; a wrong type is 400 invalidValue
/// naming the path (e.g. `Resources[2].emails[0].primary`).
template <class L>
requires detail::is_list_response<L> && detail::list_item<typename L::value_type> expected<L> decode(
    const json& j) {
  if (!j.is_object()) {
    return fail(error_code::invalid_syntax,
                std::string("expected a JSON object, got ") + detail::json_type_name(j));
  }
  L out{};
  detail::decode_context ctx;
  if (!detail::decode_list_response(j, out, ctx)) return fail(std::move(ctx.err));
  return out;
}

/// Parses (with limits) and decodes a ListResponse from JSON text without throwing.
template <class L>
requires detail::is_list_response<L> && detail::list_item<typename L::value_type> expected<L> decode(
    std::string_view text, const json_limits& limits = {}) {
  return parse_json(text, limits).and_then([](const json& j) { return decode<L>(j); });
}

/// ADL hook for `j.get<scim::list_response<T>>()`; throws scim::conversion_error
/// on invalid input (scim::decode is the non-throwing API).
template <detail::list_item T>
void from_json(const json& j, list_response<T>& r) {
  auto d = decode<list_response<T>>(j);
  if (!d) throw conversion_error(std::move(d.error()));
  r = std::move(*d);
}

SCIM_END_NAMESPACE
