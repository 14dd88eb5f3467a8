// scimpp: the storage interface of a service provider.
//
// scim::store::resource_store<S> is what the service layer needs from
// storage. It is shaped so that the in-memory store (memory_store.hpp), a
// SQLite store and a PostgreSQL store can all implement it without contortion:
//
//   create(rt, resource, write_options)          -> expected<stored_resource>
//   get(rt, id, read_options)                    -> expected<stored_resource>
//   replace(rt, id, resource, write_options)     -> expected<stored_resource>
//   patch(rt, id, patch_function, write_options) -> expected<patch_result>
//   remove(rt, id, write_options)                -> expected<void>
//   query(rt, query_request)                     -> expected<query_result>
//   find_by_external_id(rt, externalId)          -> expected<std::vector<std::string>>
//
// Contract, common to every implementation:
//   * Resources handed to create/replace are already validated by the service
//     (scim::validate, create_request / replace_request). The store owns `id`
//     (it assigns it on create; an `id` in the body is overwritten) and `meta`:
//     resourceType, created, lastModified and version (an incoming `meta` is
//     discarded). `meta.location` depends on the base URL, so the service adds
//     it. Times come from write_options::now, else from the store's clock.
//   * Versions: meta.version is a weak ETag `W/"<n>"`, n a counter per
//     resource starting at 1 and increased by every write that changes the
//     resource (a PATCH whose change set is empty changes nothing and keeps
//     the version). make_etag() builds it.
//   * Conditional writes: write_options::if_match is the If-Match header
//     value (`*` or a list of entity tags, compared weakly). It is checked
//     inside the store's own write, under the same lock or transaction as the
//     write itself, so no other write can slip in between the check and the
//     write: a mismatch is 412 (error::precondition_failed), never a lost
//     update. `*` matches any existing resource. On create it is ignored.
//   * Uniqueness is enforced atomically by the store's write: two concurrent
//     creates with the same userName cannot both succeed. A conflict is 409
//     with scimType uniqueness. Which attributes are unique is the store's
//     configuration; the memory store documents its choice.
//   * Unknown ids are 404 (error::not_found). Ids are per resource type.
//   * PATCH: the service does not read-modify-write. It hands the store a
//     patch_function (the PATCH engine bound to one request, e.g.
//       [&](scim::patch::document& d) { return scim::patch::apply(d, req, rt, reg); })
//     and the store calls it on its own copy of the resource inside its write,
//     after the If-Match check. The function changes the document in place,
//     atomically (on error the document is unchanged), and returns the change
//     set. The store then persists the result using the patched document, the
//     change set, or both: the memory store keeps the document itself (so
//     adding one member to a 100,000-member group copies and scans nothing); a
//     SQL store loads the resource into a document inside its transaction and
//     writes only the changed columns plus INSERT/DELETE of the member rows in
//     the change set's value deltas. An error the function returns is passed
//     through unchanged. The function runs inside the store's write (under its
//     lock or transaction), so it must not call back into the store.
//   * Reads and writes hand back a representation limited by a
//     query::load_hint (scim/query/projection.hpp): a store need not load
//     members the response will not contain. The service still applies the
//     full projection (scim::query::project) to what it gets. With
//     write_options::returning == nullopt a write returns no representation
//     (stored_resource::resource is null): the PATCH-returns-204 path.
//   * query(): query_request carries the filter twice: as the AST (a SQL store
//     translates it with scim::filter::to_sql) and, optionally, compiled
//     (filter::predicate, for stores that evaluate JSON in memory; a store that
//     gets only the AST compiles it). Both refer to the same resource type.
//     Results are ordered by the sort spec (scim/query/sort.hpp: missing values
//     last ascending and first descending, ties by id), or by a stable order
//     of the store's choosing (the memory store: creation order) without one.
//     Index pagination: start_index (1-based) and count (nullopt: no limit;
//     0: only total_results). Cursor pagination: cursor_position is set (""
//     for the first page) and the store returns next_position when more
//     results follow (a page of count 0 returns none: it only reports
//     total_results); positions are opaque strings the service wraps with
//     query::cursor_codec, so they are integrity-checked before they reach the
//     store. A position the store cannot read is 400 invalidCursor.
//     total_results counts every match in both modes.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
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
#include "scim/filter/ast.hpp"
#include "scim/filter/evaluator.hpp"
#include "scim/json.hpp"
#include "scim/patch/change_set.hpp"
#include "scim/patch/document.hpp"
#include "scim/query/projection.hpp"
#include "scim/query/sort.hpp"
#include "scim/schema/resource_type.hpp"

SCIM_BEGIN_NAMESPACE
namespace store {

/// Options of a write.
struct write_options {
  /// The If-Match header value: `*` or a comma-separated list of entity tags.
  std::optional<std::string> if_match{};
  /// The time of the write; nullopt: the store's clock.
  std::optional<instant> now{};
  /// What representation to hand back; nullopt: none (only id and version).
  std::optional<query::load_hint> returning = query::load_hint{};
};

/// Options of a read.
struct read_options {
  /// What the response needs; a store may skip the other members.
  query::load_hint load{};
};

/// A resource as stored: its id, its ETag and (per the load hint) its JSON.
struct stored_resource {
  std::string id;
  /// meta.version, e.g. W/"3".
  std::string version;
  /// The resource with id and meta; null when no representation was asked for.
  json resource;
};

/// The PATCH engine bound to one request (see the top of this header).
using patch_function = std::function<expected<patch::change_set>(patch::document&)>;

/// What a PATCH did.
struct patch_result {
  stored_resource stored;
  patch::change_set changes;
};

/// A list/search query as a store sees it. Pointers are borrowed for the call.
struct query_request {
  /// The filter AST, or nullptr for none.
  const filter::filter* filter = nullptr;
  /// The same filter compiled for the resource type, or nullptr.
  const filter::predicate* predicate = nullptr;
  /// The sort, or nullptr for the store's stable default order.
  const query::sort_spec* sort = nullptr;
  /// Index pagination: 1-based index of the first result.
  std::int64_t start_index = 1;
  /// Page size; nullopt: no limit.
  std::optional<std::int64_t> count{};
  /// Cursor pagination: the position to resume after ("" = first page).
  std::optional<std::string> cursor_position{};
  /// What the response needs of each resource.
  query::load_hint load{};
};

/// A page of results.
struct query_result {
  /// Number of resources matching the filter (all pages).
  std::int64_t total_results = 0;
  /// This page, each resource limited by the load hint.
  std::vector<json> resources{};
  /// Cursor pagination: the position after this page when more results follow.
  std::optional<std::string> next_position{};
  /// Cursor pagination: a position that, given back as cursor_position,
  /// yields the page before this one (RFC 9865 previousCursor); nullopt on
  /// the first page or when the store cannot page backwards.
  std::optional<std::string> previous_position{};
};

/// A store for SCIM resources (see the top of this header for the contract).
template <class S>
concept resource_store = requires(S& s, const resource_type& rt, json resource, std::string_view id,
                                  const write_options& w, const read_options& r, const patch_function& p,
                                  const query_request& q) {
  { s.create(rt, std::move(resource), w) } -> std::same_as<expected<stored_resource>>;
  { s.get(rt, id, r) } -> std::same_as<expected<stored_resource>>;
  { s.replace(rt, id, std::move(resource), w) } -> std::same_as<expected<stored_resource>>;
  { s.patch(rt, id, p, w) } -> std::same_as<expected<patch_result>>;
  { s.remove(rt, id, w) } -> std::same_as<expected<void>>;
  { s.query(rt, q) } -> std::same_as<expected<query_result>>;
  { s.find_by_external_id(rt, id) } -> std::same_as<expected<std::vector<std::string>>>;
};

// ---- versions and If-Match ------------------------------------------------------

/// The weak ETag of a version counter: W/"<n>".
inline std::string make_etag(std::uint64_t version) {
  return "W/\"" + std::to_string(version) + "\"";
}

namespace detail {

/// The opaque-tag of an entity tag (W/ and quotes removed); nullopt when malformed.
constexpr std::optional<std::string_view> opaque_tag(std::string_view tag) noexcept {
  if (tag.size() >= 2 && (tag[0] == 'W' || tag[0] == 'w') && tag[1] == '/') tag.remove_prefix(2);
  if (tag.size() < 2 || tag.front() != '"' || tag.back() != '"') return std::nullopt;
  return tag.substr(1, tag.size() - 2);
}

constexpr std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace detail

/// Whether an If-Match header value matches the current ETag: `*` matches
/// any; otherwise any listed entity tag whose opaque-tag equals the current
/// one (weak comparison, RFC 9110 section 8.8.3.2: W/ is ignored, as SCIM
/// versions are weak). Malformed list entries match nothing.
constexpr bool if_match_satisfied(std::string_view header, std::string_view current_etag) noexcept {
  const std::string_view h = detail::trim_ows(header);
  if (h == "*") return true;
  const auto current = detail::opaque_tag(current_etag);
  if (!current) return false;
  std::size_t start = 0;
  while (start <= h.size()) {
    // Commas cannot occur inside an opaque-tag (RFC 9110 etagc).
    std::size_t comma = h.find(',', start);
    if (comma == std::string_view::npos) comma = h.size();
    const auto tag = detail::opaque_tag(detail::trim_ows(h.substr(start, comma - start)));
    if (tag && *tag == *current) return true;
    start = comma + 1;
  }
  return false;
}

/// 412 when `if_match` is set and does not match `current_etag`.
inline expected<void> check_if_match(const std::optional<std::string>& if_match,
                                     std::string_view current_etag) {
  if (!if_match || if_match_satisfied(*if_match, current_etag)) return {};
  return fail(error::precondition_failed("If-Match: the resource's current version is " +
                                         std::string(current_etag) + ", which the request does not match"));
}

}  // namespace store
SCIM_END_NAMESPACE
