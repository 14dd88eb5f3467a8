// scimpp: an in-memory resource store (scim::store::resource_store).
//
//   scim::store::memory_store store(scim::default_registry());
//   auto made = store.create(user_type, validated_user, {});
//   auto page = store.query(user_type, {.filter = &f, .count = 10});
//
// Concurrency: one std::shared_mutex. Reads (get, query, find_by_external_id)
// share it; writes (create, replace, patch, remove) hold it exclusively, so
// writes are serialised and every check (If-Match, uniqueness) happens in the
// same critical section as the write it guards.
//
// Layout. Every resource is kept as a scim::patch::document holding the
// resource without `meta`, plus a "head": a JSON copy of everything except
// the *bulk* attributes, with `meta`. Bulk attributes are the core schema's
// multi-valued complex attributes with a `value` sub-attribute (Group
// members; User emails, phoneNumbers, ims, photos, entitlements, roles,
// x509Certificates, groups): exactly those whose PATCH changes arrive as value
// deltas in a change set. So:
//   * a PATCH runs the patch_function on the document in place; when it only
//     touched bulk attributes (adding or removing members), nothing is copied
//     or scanned by the store: the head stays valid and only its meta changes;
//   * reads that do not need the bulk attributes (`excludedAttributes=members`)
//     are served from the head and never touch the members;
//   * filters that do not mention a bulk attribute evaluate on the head, sorts
//     on a non-bulk attribute read their key from the head.
// A PATCH that changes a non-bulk attribute refreshes the head from the
// document (which compacts pending member removals; that is the document's
// contract for reading it).
//
// Uniqueness (409 uniqueness), enforced per resource type in the write:
//   * every single-valued string attribute of the core schema whose
//     `uniqueness` is server or global: User userName (compared ASCII
//     case-insensitively, as userName is caseExact=false);
//   * memory_store_options::unique_attributes, by default Group displayName
//     (case-insensitively: Entra ID and Okta match groups by displayName and
//     1Password group names are unique; RFC 7643 leaves it unconstrained);
//   * externalId only when memory_store_options::unique_external_id is set
//     (RFC 7643 gives it no uniqueness); it is always indexed, compared
//     case-exactly, for find_by_external_id and for `externalId eq "..."`.
// A PATCH that breaks uniqueness is undone: the attributes it changed are
// restored from the head and its value deltas reversed (removed elements are
// appended again, so the order of a restored multi-valued attribute may
// differ; SCIM multi-valued attributes are unordered). That relies on the
// change set contract of scim/patch/change_set.hpp (every changed attribute
// listed, every bulk change recorded as a value delta), which
// scim::patch::apply guarantees with apply_options::track_values (the
// default; a patch_function must not turn it off for this store).
//
// Queries evaluate the compiled filter on JSON, sort with scim/query/sort.hpp
// and page. `attr eq "value"` at the top of a filter on a unique attribute or
// on externalId is answered from the index. Without sortBy the order is
// creation order (stable across pages). Cursor positions are small JSON
// texts: `{"after":<seq>}` (creation order) or `{"key":<sort key>,"id":...}`
// (sorted), so a page resumes after the last resource returned even when
// resources were added or removed meanwhile.
//
// counters() exposes work counters (document reads, head refreshes) so tests
// can check the claims above without timing.
//
// Membership: the store indexes the `members` values of every resource type
// that has a `members` attribute (member value -> groups). Deleting a
// resource removes it from every group that lists it (each such group gets a
// new version), and User responses carry the readOnly `groups` attribute
// ({value, display, type: "direct"}) computed from the index. Filters on
// `groups` are not evaluated against the computed attribute (they see no
// value). Not done here: `meta.location` (the service knows the base URL).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
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
#include "scim/patch/apply.hpp"
#include "scim/patch/change_set.hpp"
#include "scim/patch/document.hpp"
#include "scim/filter/parser.hpp"
#include "scim/patch/operation.hpp"
#include "scim/query/projection.hpp"
#include "scim/query/sort.hpp"
#include "scim/schema/attribute.hpp"
#include "scim/schema/registry.hpp"
#include "scim/schema/resource_type.hpp"
#include "scim/schema/urns.hpp"
#include "scim/store/concept.hpp"

SCIM_BEGIN_NAMESPACE
namespace store {

/// Work counters (a debug hook): tests use them to prove that membership
/// changes and reads without members never touch a document's member list.
struct memory_store_counters {
  /// Reads of a whole resource document (doc.value()): each may copy or scan it.
  std::uint64_t document_reads = 0;
  /// Heads rebuilt from a patched document.
  std::uint64_t head_refreshes = 0;
};

/// Configuration of a memory_store.
struct memory_store_options {
  /// The time of writes that do not pass write_options::now.
  std::function<instant()> clock = [] { return scim::now(); };
  /// Generates ids; empty: random UUIDs (version 4 layout, std::mt19937_64
  /// seeded from std::random_device; not meant to be unguessable).
  std::function<std::string()> id_generator{};
  /// Extra unique attributes: (resource type name, core attribute name).
  /// Compared case-insensitively unless the attribute is caseExact.
  std::vector<std::pair<std::string, std::string>> unique_attributes{{"Group", "displayName"}};
  /// Whether externalId must be unique per resource type.
  bool unique_external_id = false;
  /// Used when a query_request carries a filter AST but no predicate.
  filter::compile_options compile_options{};
};

namespace detail {

inline const json* find_ci(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  if (auto it = obj.find(std::string(key)); it != obj.end()) return &*it;
  for (auto it = obj.begin(); it != obj.end(); ++it)
    if (scim::detail::iequals(it.key(), key)) return &*it;
  return nullptr;
}

/// Removes every member named `key` (case-insensitively).
inline void erase_ci(json& obj, std::string_view key) {
  if (!obj.is_object()) return;
  std::vector<std::string> names;
  for (auto it = obj.begin(); it != obj.end(); ++it)
    if (scim::detail::iequals(it.key(), key)) names.push_back(it.key());
  for (const auto& n : names) obj.erase(n);
}

struct unique_def {
  std::string attribute;  ///< canonical core attribute name
  bool case_exact = false;
};

struct entry {
  std::string id;
  std::uint64_t seq = 0;
  /// The resource without meta.
  patch::document doc;
  /// The resource without bulk attributes, with meta.
  json head;
  std::uint64_t version = 1;
  instant created{};
  instant last_modified{};
  /// Index keys, parallel to type_state::uniques (nullopt: not indexed).
  std::vector<std::optional<std::string>> unique_keys;
  std::optional<std::string> external_id;
  /// Serialises doc.value() among readers holding the shared lock (value()
  /// may compact the document).
  mutable std::mutex doc_mutex;
};

struct type_state {
  std::string name;  ///< resource type name
  const resource_type* type = nullptr;
  std::string core_urn;
  std::vector<unique_def> uniques;
  std::vector<std::unordered_map<std::string, std::string>> unique_maps;  ///< key -> id
  std::unordered_multimap<std::string, std::string> by_external_id;       ///< externalId -> id
  std::vector<std::string> bulk;                                          ///< canonical bulk attribute names
  std::unordered_map<std::string, std::uint64_t> by_id;                   ///< id -> seq
  std::map<std::uint64_t, std::unique_ptr<entry>> by_seq;                 ///< creation order

  bool is_bulk(std::string_view attr) const noexcept {
    for (const auto& b : bulk)
      if (scim::detail::iequals(b, attr)) return true;
    return false;
  }

  entry* find(std::string_view id) const {
    auto it = by_id.find(std::string(id));
    if (it == by_id.end()) return nullptr;
    auto e = by_seq.find(it->second);
    return e == by_seq.end() ? nullptr : e->second.get();
  }
};

/// Extracts the keys a resource would occupy in the unique indexes.
inline std::vector<std::optional<std::string>> unique_keys_of(const type_state& ts, const json& resource) {
  std::vector<std::optional<std::string>> keys;
  keys.reserve(ts.uniques.size());
  for (const auto& u : ts.uniques) {
    const json* v = find_ci(resource, u.attribute);
    if (v == nullptr || !v->is_string() || v->get_ref<const std::string&>().empty()) {
      keys.emplace_back();
      continue;
    }
    const auto& s = v->get_ref<const std::string&>();
    keys.emplace_back(u.case_exact ? s : scim::detail::to_lower(s));
  }
  return keys;
}

inline std::optional<std::string> external_id_of(const json& resource) {
  const json* v = find_ci(resource, "externalId");
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return v->get<std::string>();
}

/// Which attributes a filter mentions: bulk ones, meta, or (without an AST) unknown.
struct filter_reach {
  bool bulk = false;
  bool meta = false;
  bool unknown = false;
};

inline filter_reach reach_of(const filter::filter* f, const type_state& ts) {
  filter_reach r;
  if (f == nullptr) {
    r.unknown = true;
    return r;
  }
  for (const auto& n : f->nodes()) {
    if (n.kind != filter::node_kind::compare && n.kind != filter::node_kind::present &&
        n.kind != filter::node_kind::value_filter)
      continue;
    const attribute_path_view p = f->path(n);
    if (p.has_urn() && !scim::detail::iequals(p.urn, ts.core_urn)) continue;  // extension: in the head
    if (ts.is_bulk(p.name)) r.bulk = true;
    if (scim::detail::iequals(p.name, "meta")) r.meta = true;
  }
  return r;
}

/// An index answer for `attr eq "text"` at the root of a filter, or nullopt
/// when the filter has another shape. The predicate is still applied to the
/// candidates, so this only narrows the scan.
inline std::optional<std::vector<std::string>> index_candidates(const filter::filter* f,
                                                                const type_state& ts) {
  if (f == nullptr || f->empty()) return std::nullopt;
  const filter::node& n = f->root_node();
  if (n.kind != filter::node_kind::compare || n.op != filter::compare_op::eq ||
      n.type != filter::value_kind::string)
    return std::nullopt;
  const attribute_path_view p = f->path(n);
  if (p.has_sub_attribute() || (p.has_urn() && !scim::detail::iequals(p.urn, ts.core_urn)))
    return std::nullopt;
  const std::string_view value = f->string_value(n);
  if (value.empty()) return std::nullopt;  // "" is not indexed
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < ts.uniques.size(); ++i) {
    if (!scim::detail::iequals(ts.uniques[i].attribute, p.name)) continue;
    const std::string key = ts.uniques[i].case_exact ? std::string(value) : scim::detail::to_lower(value);
    if (auto it = ts.unique_maps[i].find(key); it != ts.unique_maps[i].end()) ids.push_back(it->second);
    return ids;
  }
  if (scim::detail::iequals(p.name, "externalId")) {
    // externalId is caseExact (RFC 7643 section 3.1), so the index is exact.
    auto range = ts.by_external_id.equal_range(std::string(value));
    for (auto it = range.first; it != range.second; ++it) ids.push_back(it->second);
    return ids;
  }
  return std::nullopt;
}

inline error not_found(const type_state* ts, std::string_view type_name, std::string_view id) {
  return error::not_found(std::string(ts != nullptr ? std::string_view(ts->name) : type_name) + " '" +
                          std::string(id) + "' not found");
}

}  // namespace detail

/// The in-memory store (see the top of this header).
class memory_store {
 public:
  /// `reg` must outlive the store.
  explicit memory_store(const schema_registry& reg, memory_store_options opts = {})
      : reg_(reg), opts_(std::move(opts)), rng_(seed()) {}

  memory_store(const memory_store&) = delete;
  memory_store& operator=(const memory_store&) = delete;

  // ---- writes -------------------------------------------------------------------

  expected<stored_resource> create(const resource_type& rt, json resource, const write_options& w = {}) {
    if (!resource.is_object())
      return fail(error_code::invalid_syntax, "a " + rt.name + " resource must be a JSON object");
    std::unique_lock lock(mutex_);
    auto ts_or = state_for(rt);
    if (!ts_or) return fail(std::move(ts_or.error()));
    detail::type_state& ts = **ts_or;
    const instant now = w.now ? *w.now : clock();

    detail::erase_ci(resource, "meta");
    detail::erase_ci(resource, "id");
    auto keys = detail::unique_keys_of(ts, resource);
    auto ext = detail::external_id_of(resource);
    if (auto err = check_unique(ts, keys, ext, nullptr)) return fail(std::move(*err));

    auto next = next_id(ts);
    if (!next) return fail(std::move(next.error()));
    std::string id = std::move(*next);
    resource["id"] = id;
    auto e = std::make_unique<detail::entry>();
    e->id = id;
    e->seq = ++next_seq_;
    e->created = now;
    e->last_modified = now;
    e->version = 1;
    e->head = make_head(ts, resource);
    if (ts.is_bulk("members"))
      if (const json* m = detail::find_ci(resource, "members")) index_members(ts, id, *m);
    e->doc = patch::document(std::move(resource));
    set_meta(rt, *e);
    e->unique_keys = std::move(keys);
    e->external_id = std::move(ext);
    index(ts, *e);
    detail::entry& ref = *e;
    ts.by_id.emplace(id, ref.seq);
    ts.by_seq.emplace(ref.seq, std::move(e));
    return stored(ts, ref, w.returning);
  }

  expected<stored_resource> replace(const resource_type& rt, std::string_view id, json resource,
                                    const write_options& w = {}) {
    if (!resource.is_object())
      return fail(error_code::invalid_syntax, "a " + rt.name + " resource must be a JSON object");
    std::unique_lock lock(mutex_);
    detail::type_state* ts = find_state(rt);
    detail::entry* e = ts != nullptr ? ts->find(id) : nullptr;
    if (e == nullptr) return fail(detail::not_found(ts, rt.name, id));
    if (auto ok = check_if_match(w.if_match, make_etag(e->version)); !ok) return fail(std::move(ok.error()));
    const instant now = w.now ? *w.now : clock();

    detail::erase_ci(resource, "meta");
    detail::erase_ci(resource, "id");
    resource["id"] = e->id;
    auto keys = detail::unique_keys_of(*ts, resource);
    auto ext = detail::external_id_of(resource);
    if (auto err = check_unique(*ts, keys, ext, e)) return fail(std::move(*err));

    unindex(*ts, *e);
    if (ts->is_bulk("members")) {
      count_document_read();
      if (const json* old = detail::find_ci(e->doc.value(), "members"); old != nullptr && old->is_array())
        for (const auto& m : *old) unindex_member(*ts, e->id, m);
      if (const json* m = detail::find_ci(resource, "members")) index_members(*ts, e->id, *m);
    }
    e->head = make_head(*ts, resource);
    e->doc = patch::document(std::move(resource));
    e->unique_keys = std::move(keys);
    e->external_id = std::move(ext);
    index(*ts, *e);
    ++e->version;
    e->last_modified = now;
    set_meta(rt, *e);
    return stored(*ts, *e, w.returning);
  }

  expected<patch_result> patch(const resource_type& rt, std::string_view id, const patch_function& fn,
                               const write_options& w = {}) {
    std::unique_lock lock(mutex_);
    detail::type_state* ts = find_state(rt);
    detail::entry* e = ts != nullptr ? ts->find(id) : nullptr;
    if (e == nullptr) return fail(detail::not_found(ts, rt.name, id));
    if (auto ok = check_if_match(w.if_match, make_etag(e->version)); !ok) return fail(std::move(ok.error()));
    if (!fn) return fail(error::internal("memory_store::patch: empty patch_function"));

    auto changes = fn(e->doc);
    if (!changes) return fail(std::move(changes.error()));
    if (changes->empty()) {
      auto s = stored(*ts, *e, w.returning);
      if (!s) return fail(std::move(s.error()));
      return patch_result{std::move(*s), std::move(*changes)};
    }

    bool head_stale = false;
    for (const auto& a : changes->attributes)
      if (!ts->is_bulk(a)) head_stale = true;
    for (const auto& d : changes->values)
      if (!ts->is_bulk(d.attribute)) head_stale = true;

    if (head_stale) {
      count_document_read();
      head_refreshes_.fetch_add(1, std::memory_order_relaxed);
      const json& full = e->doc.value();
      const json* new_id = detail::find_ci(full, "id");
      if (new_id == nullptr || !new_id->is_string() || new_id->get_ref<const std::string&>() != e->id) {
        roll_back(*ts, *e, *changes);
        return fail(error(error_code::mutability, "id: the PATCH would change the resource's id"));
      }
      auto keys = detail::unique_keys_of(*ts, full);
      auto ext = detail::external_id_of(full);
      if (auto err = check_unique(*ts, keys, ext, e)) {
        roll_back(*ts, *e, *changes);
        return fail(std::move(*err));
      }
      unindex(*ts, *e);
      e->unique_keys = std::move(keys);
      e->external_id = std::move(ext);
      index(*ts, *e);
      e->head = make_head(*ts, full);
    }
    if (ts->is_bulk("members"))
      if (const patch::value_delta* d = changes->delta("members")) {
        for (const auto& m : d->removed) unindex_member(*ts, e->id, m);
        for (const auto& m : d->added) index_member(*ts, e->id, m);
      }
    ++e->version;
    e->last_modified = w.now ? *w.now : clock();
    set_meta(rt, *e);
    auto s = stored(*ts, *e, w.returning);
    if (!s) return fail(std::move(s.error()));
    return patch_result{std::move(*s), std::move(*changes)};
  }

  expected<void> remove(const resource_type& rt, std::string_view id, const write_options& w = {}) {
    std::unique_lock lock(mutex_);
    detail::type_state* ts = find_state(rt);
    detail::entry* e = ts != nullptr ? ts->find(id) : nullptr;
    if (e == nullptr) return fail(detail::not_found(ts, rt.name, id));
    if (auto ok = check_if_match(w.if_match, make_etag(e->version)); !ok) return fail(std::move(ok.error()));
    unindex(*ts, *e);
    if (ts->is_bulk("members")) {
      count_document_read();
      if (const json* old = detail::find_ci(e->doc.value(), "members"); old != nullptr && old->is_array())
        for (const auto& m : *old) unindex_member(*ts, e->id, m);
    }
    remove_from_groups(e->id, w.now ? *w.now : clock());
    const std::uint64_t seq = e->seq;
    ts->by_id.erase(e->id);
    ts->by_seq.erase(seq);
    return {};
  }

  // ---- reads --------------------------------------------------------------------

  expected<stored_resource> get(const resource_type& rt, std::string_view id,
                                const read_options& r = {}) const {
    std::shared_lock lock(mutex_);
    const detail::type_state* ts = find_state(rt);
    const detail::entry* e = ts != nullptr ? ts->find(id) : nullptr;
    if (e == nullptr) return fail(detail::not_found(ts, rt.name, id));
    return stored(*ts, *e, r.load);
  }

  expected<std::vector<std::string>> find_by_external_id(const resource_type& rt,
                                                         std::string_view external_id) const {
    std::shared_lock lock(mutex_);
    std::vector<std::string> ids;
    const detail::type_state* ts = find_state(rt);
    if (ts == nullptr) return ids;
    std::vector<std::pair<std::uint64_t, std::string>> found;
    auto range = ts->by_external_id.equal_range(std::string(external_id));
    for (auto it = range.first; it != range.second; ++it) {
      auto s = ts->by_id.find(it->second);
      if (s != ts->by_id.end()) found.emplace_back(s->second, it->second);
    }
    std::sort(found.begin(), found.end());
    for (auto& f : found) ids.push_back(std::move(f.second));
    return ids;
  }

  expected<query_result> query(const resource_type& rt, const query_request& q) const {
    std::shared_lock lock(mutex_);
    query_result out;
    const detail::type_state* ts = find_state(rt);

    // The predicate: given, or compiled from the AST.
    std::optional<filter::predicate> compiled;
    const filter::predicate* pred = q.predicate;
    if (pred == nullptr && q.filter != nullptr && !q.filter->empty()) {
      auto c = filter::compile(*q.filter, rt, reg_, opts_.compile_options);
      if (!c) return fail(std::move(c.error()));
      compiled.emplace(std::move(*c));
      pred = &*compiled;
    }
    if (pred != nullptr && pred->empty()) pred = nullptr;
    if (ts == nullptr) return out;

    // Candidates in creation order.
    std::vector<const detail::entry*> candidates;
    std::optional<std::vector<std::string>> narrowed;
    if (q.filter != nullptr) narrowed = detail::index_candidates(q.filter, *ts);
    if (narrowed) {
      for (const auto& id : *narrowed)
        if (const detail::entry* e = ts->find(id)) candidates.push_back(e);
      std::sort(candidates.begin(), candidates.end(),
                [](const detail::entry* a, const detail::entry* b) { return a->seq < b->seq; });
    } else {
      candidates.reserve(ts->by_seq.size());
      for (const auto& kv : ts->by_seq) candidates.push_back(kv.second.get());
    }

    // Filter.
    std::vector<const detail::entry*> matches;
    if (pred == nullptr) {
      matches = std::move(candidates);
    } else {
      detail::filter_reach reach = q.predicate != nullptr && q.filter == nullptr
                                       ? detail::filter_reach{false, false, true}
                                       : detail::reach_of(q.filter, *ts);
      for (const detail::entry* e : candidates)
        if (matches_filter(*pred, reach, *e)) matches.push_back(e);
    }
    out.total_results = static_cast<std::int64_t>(matches.size());

    // Sort.
    std::vector<query::sort_key> keys;
    if (q.sort != nullptr) {
      const bool from_doc = q.sort->container.empty() && ts->is_bulk(q.sort->attribute);
      std::vector<std::pair<query::sort_key, const detail::entry*>> items;
      items.reserve(matches.size());
      for (const detail::entry* e : matches) {
        if (from_doc) {
          count_document_read();
          std::lock_guard doc_lock(e->doc_mutex);
          items.emplace_back(query::extract_sort_key(*q.sort, e->doc.value()), e);
        } else {
          items.emplace_back(query::extract_sort_key(*q.sort, e->head), e);
        }
      }
      const query::sort_order order = q.sort->order;
      std::sort(items.begin(), items.end(), [order](const auto& a, const auto& b) {
        return query::compare(a.first, a.second->id, b.first, b.second->id, order) < 0;
      });
      matches.clear();
      keys.reserve(items.size());
      for (auto& it : items) {
        matches.push_back(it.second);
        keys.push_back(std::move(it.first));
      }
    }

    // Page.
    const std::size_t total = matches.size();
    std::size_t begin = 0;
    if (q.cursor_position) {
      bool backwards = false;
      auto b = resume_index(*q.cursor_position, q.sort, matches, keys, backwards);
      if (!b) return fail(std::move(b.error()));
      begin = *b;
      if (backwards) {
        // The page ending just before `begin`.
        const std::size_t c = q.count ? static_cast<std::size_t>(*q.count < 0 ? 0 : *q.count) : begin;
        // When fewer than `count` results precede (some were deleted), the
        // first page, which is then a full page.
        begin = begin > c ? begin - c : 0;
      }
    } else {
      const std::int64_t start = q.start_index < 1 ? 1 : q.start_index;
      begin = static_cast<std::uint64_t>(start - 1) >= total ? total : static_cast<std::size_t>(start - 1);
    }
    std::size_t n = total - begin;
    if (q.count) {
      const std::int64_t c = *q.count < 0 ? 0 : *q.count;
      if (static_cast<std::uint64_t>(c) < n) n = static_cast<std::size_t>(c);
    }
    out.resources.reserve(n);
    for (std::size_t i = begin; i < begin + n; ++i)
      out.resources.push_back(compose(*ts, *matches[i], q.load));
    auto position = [&](std::size_t i, bool before) {
      json pos = json::object();
      if (before) pos["before"] = true;
      if (q.sort != nullptr) {
        pos["key"] = query::to_json_value(keys[i]);
        pos["id"] = matches[i]->id;
      } else {
        pos["after"] = matches[i]->seq;
      }
      return dump_json(pos);
    };
    if (q.cursor_position && n > 0 && begin + n < total) out.next_position = position(begin + n - 1, false);
    // previousCursor: "the page that ends just before this page's first result".
    if (q.cursor_position && begin > 0 && begin < total) out.previous_position = position(begin, true);
    return out;
  }

  /// Work counters since construction (see memory_store_counters).
  memory_store_counters counters() const noexcept {
    return {document_reads_.load(std::memory_order_relaxed), head_refreshes_.load(std::memory_order_relaxed)};
  }

  /// Number of resources of a type.
  std::size_t size(const resource_type& rt) const {
    std::shared_lock lock(mutex_);
    const detail::type_state* ts = find_state(rt);
    return ts == nullptr ? 0 : ts->by_seq.size();
  }

 private:
  static std::uint64_t seed() {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ static_cast<std::uint64_t>(rd());
  }

  instant clock() const { return opts_.clock ? opts_.clock() : scim::now(); }

  void count_document_read() const noexcept { document_reads_.fetch_add(1, std::memory_order_relaxed); }

  // Requires the exclusive lock.
  expected<std::string> next_id(const detail::type_state& ts) {
    if (opts_.id_generator) {
      std::string id = opts_.id_generator();
      if (id.empty() || ts.by_id.find(id) != ts.by_id.end())
        return fail(
            error::internal("the id generator returned an empty or already used id for a " + ts.name));
      return id;
    }
    for (;;) {
      static constexpr char hex[] = "0123456789abcdef";
      const std::uint64_t a = rng_();
      const std::uint64_t b = rng_();
      std::string id;
      id.reserve(36);
      for (int i = 0; i < 32; ++i) {
        if (i == 8 || i == 12 || i == 16 || i == 20) id.push_back('-');
        std::uint64_t nibble = i < 16 ? (a >> (4 * (15 - i))) & 15u : (b >> (4 * (31 - i))) & 15u;
        if (i == 12) nibble = 4;                  // version 4
        if (i == 16) nibble = 8 | (nibble & 3u);  // RFC 9562 variant
        id.push_back(hex[nibble]);
      }
      if (ts.by_id.find(id) == ts.by_id.end()) return id;
    }
  }

  const detail::type_state* find_state(const resource_type& rt) const {
    auto it = types_.find(scim::detail::to_lower(rt.name));
    return it == types_.end() ? nullptr : it->second.get();
  }
  detail::type_state* find_state(const resource_type& rt) {
    auto it = types_.find(scim::detail::to_lower(rt.name));
    return it == types_.end() ? nullptr : it->second.get();
  }

  // Requires the exclusive lock.
  expected<detail::type_state*> state_for(const resource_type& rt) {
    if (detail::type_state* ts = find_state(rt)) return ts;
    const schema* core = reg_.find_schema(rt.schema);
    if (core == nullptr)
      return fail(
          error::internal("resource type " + rt.name + ": core schema " + rt.schema + " is not registered"));
    auto ts = std::make_unique<detail::type_state>();
    ts->name = rt.name;
    ts->type = &rt;
    ts->core_urn = core->id;
    for (const auto& a : core->attributes) {
      if (a.multi_valued && a.is_complex()) {
        const attribute* v = a.find_sub_attribute("value");
        if (v != nullptr && !v->is_complex()) ts->bulk.push_back(a.name);
        continue;
      }
      if (a.multi_valued || a.type != attribute_type::string) continue;
      bool unique = a.uniqueness != attribute_uniqueness::none;
      for (const auto& [type_name, attr_name] : opts_.unique_attributes)
        if (scim::detail::iequals(type_name, rt.name) && scim::detail::iequals(attr_name, a.name))
          unique = true;
      if (unique) ts->uniques.push_back({a.name, a.case_exact});
    }
    ts->unique_maps.resize(ts->uniques.size());
    detail::type_state* raw = ts.get();
    types_.emplace(scim::detail::to_lower(rt.name), std::move(ts));
    return raw;
  }

  // ---- membership index: member value -> groups holding it ----------------------

  void index_member(detail::type_state& ts, const std::string& gid, const json& element) {
    const json* v = detail::find_ci(element, "value");
    if (v == nullptr || !v->is_string()) return;
    auto& holders = member_of_[v->get<std::string>()];
    for (const auto& h : holders)
      if (h.first == &ts && h.second == gid) return;
    holders.emplace_back(&ts, gid);
  }
  void index_members(detail::type_state& ts, const std::string& gid, const json& members) {
    if (!members.is_array()) return;
    for (const auto& m : members) index_member(ts, gid, m);
  }
  void unindex_member(detail::type_state& ts, const std::string& gid, const json& element) {
    const json* v = detail::find_ci(element, "value");
    if (v == nullptr || !v->is_string()) return;
    auto it = member_of_.find(v->get<std::string>());
    if (it == member_of_.end()) return;
    auto& holders = it->second;
    holders.erase(std::remove_if(holders.begin(), holders.end(),
                                 [&](const auto& h) { return h.first == &ts && h.second == gid; }),
                  holders.end());
    if (holders.empty()) member_of_.erase(it);
  }

  // A deleted resource leaves every group it was a member of: each such group
  // loses the member (through its document's index, no scan) and gets a new
  // version. Requires the exclusive lock.
  void remove_from_groups(const std::string& id, instant now) {
    auto it = member_of_.find(id);
    if (it == member_of_.end()) return;
    const auto holders = std::move(it->second);
    member_of_.erase(it);
    for (const auto& [gts, gid] : holders) {
      detail::entry* ge = gts->find(gid);
      if (ge == nullptr || gts->type == nullptr) continue;
      auto path = parse_patch_path("members[value eq " + dump_json(json(id)) + "]");
      if (!path) continue;
      patch::request req;
      patch::operation op;
      op.op = patch::op_type::remove;
      op.path = std::move(*path);
      op.path_text = "members";
      req.operations.push_back(std::move(op));
      auto cs = patch::apply(ge->doc, req, *gts->type, reg_);
      if (!cs || cs->empty()) continue;
      ++ge->version;
      ge->last_modified = now;
      set_meta(*gts->type, *ge);
    }
  }

  // The head: the resource without bulk attributes (meta is set by set_meta).
  static json make_head(const detail::type_state& ts, const json& resource) {
    json head = json::object();
    for (auto it = resource.begin(); it != resource.end(); ++it) {
      if (ts.is_bulk(it.key()) || scim::detail::iequals(it.key(), "meta")) continue;
      head[it.key()] = it.value();
    }
    return head;
  }

  static void set_meta(const resource_type& rt, detail::entry& e) {
    json meta = json::object();
    meta["resourceType"] = rt.name;
    meta["created"] = format_date_time(e.created);
    meta["lastModified"] = format_date_time(e.last_modified);
    meta["version"] = make_etag(e.version);
    e.head["meta"] = std::move(meta);
  }

  std::optional<error> check_unique(const detail::type_state& ts,
                                    const std::vector<std::optional<std::string>>& keys,
                                    const std::optional<std::string>& ext, const detail::entry* self) const {
    for (std::size_t i = 0; i < ts.uniques.size(); ++i) {
      if (!keys[i]) continue;
      auto it = ts.unique_maps[i].find(*keys[i]);
      if (it != ts.unique_maps[i].end() && (self == nullptr || it->second != self->id))
        return error(error_code::uniqueness,
                     ts.uniques[i].attribute + ": the value is already used by another " + ts.name +
                         (ts.uniques[i].case_exact ? "" : " (compared case-insensitively)"));
    }
    if (opts_.unique_external_id && ext) {
      auto range = ts.by_external_id.equal_range(*ext);
      for (auto it = range.first; it != range.second; ++it)
        if (self == nullptr || it->second != self->id)
          return error(error_code::uniqueness, "externalId: the value is already used by another " + ts.name);
    }
    return std::nullopt;
  }

  static void index(detail::type_state& ts, const detail::entry& e) {
    for (std::size_t i = 0; i < ts.uniques.size(); ++i)
      if (e.unique_keys[i]) ts.unique_maps[i].emplace(*e.unique_keys[i], e.id);
    if (e.external_id) ts.by_external_id.emplace(*e.external_id, e.id);
  }

  static void unindex(detail::type_state& ts, const detail::entry& e) {
    for (std::size_t i = 0; i < ts.uniques.size(); ++i) {
      if (!e.unique_keys[i]) continue;
      auto it = ts.unique_maps[i].find(*e.unique_keys[i]);
      if (it != ts.unique_maps[i].end() && it->second == e.id) ts.unique_maps[i].erase(it);
    }
    if (e.external_id) {
      auto range = ts.by_external_id.equal_range(*e.external_id);
      for (auto it = range.first; it != range.second; ++it) {
        if (it->second == e.id) {
          ts.by_external_id.erase(it);
          break;
        }
      }
    }
  }

  // Undoes a PATCH whose outcome is rejected (see the top of this header).
  // O(size of the resource); only on the error path. Requires the exclusive lock.
  static void roll_back(const detail::type_state& ts, detail::entry& e, const patch::change_set& cs) {
    json r = std::move(e.doc).release();
    auto restore = [&](std::string_view key) {
      detail::erase_ci(r, key);
      for (auto it = e.head.begin(); it != e.head.end(); ++it)
        if (scim::detail::iequals(it.key(), key)) r[it.key()] = it.value();
    };
    for (const auto& a : cs.attributes) {
      if (ts.is_bulk(a)) continue;
      const std::size_t colon = a.rfind(':');
      restore(colon == std::string::npos ? std::string_view(a) : std::string_view(a).substr(0, colon));
    }
    for (const auto& d : cs.values) {
      if (!ts.is_bulk(d.attribute)) continue;  // inside an extension object: restored above
      json* arr = nullptr;
      for (auto it = r.begin(); it != r.end(); ++it)
        if (scim::detail::iequals(it.key(), d.attribute)) arr = &*it;
      if (arr == nullptr || !arr->is_array()) {
        if (d.removed.empty()) continue;
        detail::erase_ci(r, d.attribute);
        arr = &(r[d.attribute] = json::array());
      }
      auto& v = arr->get_ref<json::array_t&>();
      for (const auto& added : d.added) {
        auto it = std::find(v.begin(), v.end(), added);
        if (it != v.end()) v.erase(it);
      }
      for (const auto& removed : d.removed) v.push_back(removed);
      if (v.empty()) detail::erase_ci(r, d.attribute);
    }
    e.doc = patch::document(std::move(r));
  }

  bool matches_filter(const filter::predicate& pred, const detail::filter_reach& reach,
                      const detail::entry& e) const {
    if (!reach.bulk && !reach.unknown) return pred.matches(e.head);
    count_document_read();
    std::lock_guard doc_lock(e.doc_mutex);
    const json& full = e.doc.value();
    if (!reach.meta && !reach.unknown) return pred.matches(full);
    json composed = full;
    if (const json* m = detail::find_ci(e.head, "meta")) composed["meta"] = *m;
    return pred.matches(composed);
  }

  // The representation of an entry limited by a load hint. The document is
  // read only when the hint needs one of the bulk attributes.
  json compose(const detail::type_state& ts, const detail::entry& e, const query::load_hint& hint) const {
    json out = json::object();
    for (auto it = e.head.begin(); it != e.head.end(); ++it)
      if (hint.needs(it.key())) out[it.key()] = it.value();
    if (scim::detail::iequals(ts.core_urn, urn::user) && hint.needs("groups")) {
      if (auto it = member_of_.find(e.id); it != member_of_.end() && !it->second.empty()) {
        json groups = json::array();
        for (const auto& [gts, gid] : it->second) {
          json g = {{"value", gid}, {"type", "direct"}};
          if (const detail::entry* ge = gts->find(gid))
            if (const json* d = detail::find_ci(ge->head, "displayName"); d != nullptr && d->is_string())
              g["display"] = *d;
          groups.push_back(std::move(g));
        }
        out["groups"] = std::move(groups);
      }
    }
    bool need_doc = false;
    for (const auto& b : ts.bulk)
      if (hint.needs(b)) need_doc = true;
    if (!need_doc) return out;
    count_document_read();
    std::lock_guard doc_lock(e.doc_mutex);
    const json& full = e.doc.value();
    for (auto it = full.begin(); it != full.end(); ++it)
      if (ts.is_bulk(it.key()) && hint.needs(it.key())) out[it.key()] = it.value();
    return out;
  }

  expected<stored_resource> stored(const detail::type_state& ts, const detail::entry& e,
                                   const std::optional<query::load_hint>& hint) const {
    stored_resource s;
    s.id = e.id;
    s.version = make_etag(e.version);
    if (hint) s.resource = compose(ts, e, *hint);
    return s;
  }

  // Where a cursor page starts. Requires matches (and keys when sorted) in order.
  // A "before" position (previousCursor) gives the index of the entry it
  // names, or of the first entry after it when that entry is gone, and sets
  // `backwards`.
  static expected<std::size_t> resume_index(const std::string& position, const query::sort_spec* sort,
                                            const std::vector<const detail::entry*>& matches,
                                            const std::vector<query::sort_key>& keys, bool& backwards) {
    backwards = false;
    if (position.empty()) return std::size_t{0};
    auto bad = [] {
      return fail(
          error_code::invalid_cursor,
          "cursor: the cursor does not describe a position in this result set; request the first page "
          "again with an empty cursor");
    };
    auto parsed = parse_json(position);
    if (!parsed || !parsed->is_object()) return bad();
    const json& p = *parsed;
    if (auto b = p.find("before"); b != p.end()) {
      if (!b->is_boolean() || !b->get<bool>()) return bad();
      backwards = true;
    }
    if (sort == nullptr) {
      auto it = p.find("after");
      if (it == p.end() || !it->is_number_unsigned()) return bad();
      const auto after = it->get<std::uint64_t>();
      if (backwards) {
        auto pos = std::lower_bound(matches.begin(), matches.end(), after,
                                    [](const detail::entry* e, std::uint64_t v) { return e->seq < v; });
        return static_cast<std::size_t>(pos - matches.begin());
      }
      auto pos = std::upper_bound(matches.begin(), matches.end(), after,
                                  [](std::uint64_t v, const detail::entry* e) { return v < e->seq; });
      return static_cast<std::size_t>(pos - matches.begin());
    }
    auto k = p.find("key");
    auto i = p.find("id");
    if (k == p.end() || i == p.end() || !i->is_string()) return bad();
    auto key = query::sort_key_from_json(*k);
    if (!key) return bad();
    const std::string& id = i->get_ref<const std::string&>();
    // First index strictly after (key, id); backwards: first index at or after it.
    std::size_t lo = 0, hi = matches.size();
    const int limit = backwards ? 0 : 1;
    while (lo < hi) {
      const std::size_t mid = lo + (hi - lo) / 2;
      if (query::compare(keys[mid], matches[mid]->id, *key, id, sort->order) < limit)
        lo = mid + 1;
      else
        hi = mid;
    }
    return lo;
  }

  const schema_registry& reg_;
  memory_store_options opts_;
  mutable std::shared_mutex mutex_;
  std::map<std::string, std::unique_ptr<detail::type_state>> types_;
  std::uint64_t next_seq_ = 0;
  std::mt19937_64 rng_;
  mutable std::atomic<std::uint64_t> document_reads_{0};
  mutable std::atomic<std::uint64_t> head_refreshes_{0};
  std::unordered_map<std::string, std::vector<std::pair<detail::type_state*, std::string>>> member_of_;
};

static_assert(resource_store<memory_store>);

}  // namespace store
SCIM_END_NAMESPACE
