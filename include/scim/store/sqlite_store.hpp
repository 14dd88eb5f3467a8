// scimpp: a SQLite resource store (scim::store::resource_store), the embedded
// default of scim-bridge. Optional: include it only where it is wanted (the
// umbrella scim/scim.hpp does not) and link SQLite (CMake: the component
// `scimpp::sqlite`; pkg-config: `scimpp-sqlite`). It uses SQLite's C API only.
//
//   scim::store::sqlite_store store(scim::default_registry(), "/var/lib/scim/scim.db");
//   scim::service::service svc(store, scim::default_registry());
//
// Observable behaviour is the in-memory store's (memory_store.hpp): ids,
// meta, versions W/"n", If-Match inside the write, the same uniqueness rules
// and messages, creation order without sortBy, the same sort and cursor
// semantics, membership clean-up on delete and the computed `groups` of Users.
// What differs is noted under "Limitations" below.
//
// Schema (prefix configurable, default `scim_`)
// ---------------------------------------------
//   scim_resources  one row per resource of every type:
//       seq (creation order, never reused; the key of every other table),
//       type (lower-case resource type name), id (UNIQUE with type),
//       resource_type, version + version_tag (W/"n"), created, last_modified
//       (+ canonical *_key columns for dateTime filters), body (the resource
//       JSON without id, meta and members), and extracted columns:
//       external_id, user_name (+ user_name_folded), display_name
//       (+ display_name_folded), active. Indexes: (type, seq),
//       (type, user_name_folded), (type, external_id), (type, display_name_folded).
//   scim_members    one row per member of a resource with a `members`
//       attribute: member_seq (insertion order), group_seq, value, display,
//       type, ref and the element's JSON. Indexed by (group_seq, value) and
//       by value (who is a member of what: `groups` of a User, delete clean-up).
//   scim_unique     (type, attribute, key) PRIMARY KEY -> owner seq: the
//       uniqueness keys (userName folded, by default Group displayName folded,
//       externalId when configured). The database enforces them; the store also
//       checks them first to name the attribute in the 409.
//   scim_mv_<attr>  for the core schemas' multi-valued complex attributes with
//       value/display/type/primary sub-attributes (User emails, phoneNumbers,
//       ims, photos, entitlements, roles, x509Certificates): one row per
//       element (owner, value, value_folded, display, type, is_primary), so
//       `emails[type eq "work" and value co "@x"]` is pushed down. The body
//       keeps them too (it is what reads return); the rows only serve filters.
// Deletes remove child rows explicitly (the foreign keys also cascade).
//
// Concurrency
// -----------
//   * A file database is opened in WAL mode (synchronous=FULL unless
//     sqlite_store_options::synchronous says NORMAL) with foreign keys on and
//     a busy timeout (sqlite_store_options::busy_timeout, default 30 s). One store
//     object keeps a small pool of connections (max_connections, default 4):
//     each call leases one, so reads run in parallel with each other and with
//     the writer. Writes of one object queue on a mutex (no busy polling), and
//     each write is one BEGIN IMMEDIATE ... COMMIT transaction in which the
//     If-Match check, the uniqueness check and the write happen. Several store
//     objects (threads, processes) on one file serialise on SQLite's write
//     lock through the busy timeout, so a writer waits instead of failing:
//     SQLITE_BUSY surfaces (as 503) only after the timeout.
//   * ":memory:" databases and borrowed handles use one connection, so every
//     call of that store is serialised.
//   * Reads run in a read transaction: a response is one snapshot.
//
// PATCH and large groups
// ----------------------
// The store keeps a small cache (patch_cache_capacity, default 8) of
// patch::document objects keyed by (seq, version): the resource as the last
// PATCH left it, members included, with the document's member index. A PATCH
// reads the row (version check, If-Match) and, when the cached version is the
// stored one, runs the patch_function on the cached document; otherwise it
// loads the document once (body + every member row). It then persists the
// change set: a PATCH that only changes `members` deletes/inserts one
// membership row per removed/added value and updates the resource row's
// version and lastModified -- adding one member to a 100,000-member group
// writes 2 rows after the first load (counters().rows_written, and
// sqlite3_total_changes on the connection, prove it). Any other change
// rewrites the body and extracted columns of that one row, the changed
// scim_mv_* rows and the uniqueness keys. Costs: the first PATCH of a large
// group after start-up, after eviction, or after another store object or
// process wrote it (its version moved) reads all its member rows; the cache
// holds up to patch_cache_capacity documents in memory (a 100,000-member group
// is tens of MB); a PATCH whose response includes `members` copies the list
// (the response needs it). A failed write drops the document from the cache.
// Every write of the store bumps the version of what it changed (deletes bump
// the groups they leave), which is what keeps the cache honest; other
// programs writing these tables must do the same.
//
// Queries
// -------
// The filter is translated with scim::filter::to_sql against a column_mapping
// derived from the schema (id, externalId, userName, displayName, active,
// meta.resourceType/created/lastModified/version, members.*, the scim_mv_*
// attributes). When the whole filter translates, SQL does the filtering,
// counting and (without sortBy) the paging: LIMIT/OFFSET for index paging,
// `seq > n` for cursors. When a part does not (name.givenName, extension
// attributes, `groups`...), the translatable conjuncts of a top-level `and`
// narrow the candidates in SQL and the compiled predicate is evaluated on each
// candidate's JSON -- never "return everything". With sortBy, the matches'
// sort keys (from the column when mapped, else from the JSON) are sorted in
// memory with scim::query::compare, so caseExact, missing values and ties by
// id are exactly query::sort's. A predicate supplied with Entra's string
// booleans ("True") keeps such comparisons in memory, since the translator
// only knows the default compile options. Cursor positions are JSON texts like
// the memory store's: {"after":seq} or {"key":...,"id":...}, with
// "before":true for previousCursor.
//
// Limitations
// -----------
//   * Members are returned in insertion order. After a PUT or a PATCH that
//     changes a member element in place, the order may differ from the memory
//     store's (multi-valued attributes are unordered in SCIM). An empty
//     `members` array is not kept (it reads back as absent).
//   * Costs that grow with the result set: totalResults counts every match; a
//     sorted query reads the sort key of every match (one column when the
//     attribute has one, else the JSON); a filter that needs the predicate
//     parses the JSON of every candidate SQL could not rule out.
//   * Filters on `groups` of a User do not see the computed attribute (as in
//     the memory store).
//   * The PostgreSQL dialect of the SQL layer (scim::store::sql) is written but
//     has no backend yet; basic_sql_store<Backend> is the shape it plugs into.
#pragma once

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "scim/config.hpp"
#include "scim/date_time.hpp"
#include "scim/detail/ascii.hpp"
#include "scim/error.hpp"
#include "scim/expected.hpp"
#include "scim/filter/ast.hpp"
#include "scim/filter/evaluator.hpp"
#include "scim/filter/parser.hpp"
#include "scim/filter/printer.hpp"
#include "scim/filter/sql.hpp"
#include "scim/json.hpp"
#include "scim/patch/change_set.hpp"
#include "scim/patch/document.hpp"
#include "scim/query/projection.hpp"
#include "scim/query/sort.hpp"
#include "scim/schema/attribute.hpp"
#include "scim/schema/registry.hpp"
#include "scim/schema/resource_type.hpp"
#include "scim/schema/urns.hpp"
#include "scim/store/concept.hpp"

SCIM_BEGIN_NAMESPACE
namespace store {

/// Work counters (a debug hook) so tests can check costs without timing.
struct sql_store_counters {
  /// PATCH documents built from the database (cache misses).
  std::uint64_t documents_loaded = 0;
  /// PATCHes that reused a cached document.
  std::uint64_t patch_cache_hits = 0;
  /// Membership rows read (documents, representations, PUT diffs).
  std::uint64_t member_rows_read = 0;
  /// Rows inserted, updated or deleted by the store's statements.
  std::uint64_t rows_written = 0;
  /// Resources whose JSON the compiled predicate evaluated (filter fallback).
  std::uint64_t resources_evaluated = 0;
  /// Queries whose filter SQL answered alone.
  std::uint64_t queries_pushed_down = 0;
};

/// Configuration shared by SQL stores.
struct sql_store_options {
  /// The time of writes that do not pass write_options::now.
  std::function<instant()> clock = [] { return scim::now(); };
  /// Generates ids; empty: random UUIDs (version 4 layout).
  std::function<std::string()> id_generator{};
  /// Extra unique attributes: (resource type name, core attribute name);
  /// compared case-insensitively unless the attribute is caseExact.
  std::vector<std::pair<std::string, std::string>> unique_attributes{{"Group", "displayName"}};
  /// Whether externalId must be unique per resource type.
  bool unique_external_id = false;
  /// Used when a query_request carries a filter AST but no predicate.
  filter::compile_options compile_options{};
  /// Prefix of every table and index name ([A-Za-z_][A-Za-z0-9_]*).
  std::string table_prefix = "scim_";
  /// PATCH documents kept between requests (0: none).
  std::size_t patch_cache_capacity = 8;
};

/// Configuration of a sqlite_store.
struct sqlite_store_options : sql_store_options {
  /// How long a write waits for another connection's write lock.
  std::chrono::milliseconds busy_timeout{30000};
  /// Connections per store object for a file database (at least 1).
  std::size_t max_connections = 4;
  /// PRAGMA synchronous for a file database: "FULL" (the default: a
  /// committed write survives a power loss) or "NORMAL" (in WAL mode it
  /// survives a crash of the process, not of the machine; commits are faster).
  std::string synchronous = "FULL";
};

// ================================================================================
// The dialect-neutral SQL layer: names, DDL, statement text, column mapping and
// row extraction. A PostgreSQL store reuses it with sql_dialect::postgresql.
// ================================================================================
namespace sql {

using filter::sql_dialect;
using filter::sql_value;

inline const json* find_ci(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  if (auto it = obj.find(std::string(key)); it != obj.end()) return &*it;
  for (auto it = obj.begin(); it != obj.end(); ++it)
    if (scim::detail::iequals(it.key(), key)) return &*it;
  return nullptr;
}

inline void erase_ci(json& obj, std::string_view key) {
  if (!obj.is_object()) return;
  std::vector<std::string> names;
  for (auto it = obj.begin(); it != obj.end(); ++it)
    if (scim::detail::iequals(it.key(), key)) names.push_back(it.key());
  for (const auto& n : names) obj.erase(n);
}

/// Moves the member named `key` (case-insensitively) out of `obj`; null when absent.
inline json take_ci(json& obj, std::string_view key) {
  if (!obj.is_object()) return json();
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (!scim::detail::iequals(it.key(), key)) continue;
    json v = std::move(it.value());
    obj.erase(it);
    return v;
  }
  return json();
}

/// `?` placeholders as the dialect writes them (`$1`, `$2`... for PostgreSQL,
/// numbered from `first`). The texts given here never hold a literal `?`.
inline std::string placeholders(sql_dialect d, std::string_view text, std::size_t first = 1) {
  if (d == sql_dialect::sqlite) return std::string(text);
  std::string out;
  out.reserve(text.size() + 16);
  std::size_t n = first;
  for (const char c : text) {
    if (c == '?') out += "$" + std::to_string(n++);
    else out.push_back(c);
  }
  return out;
}

/// A statement under construction: text with `?` placeholders (renumbered for
/// PostgreSQL as appended), translated filter fragments, and the parameters.
class builder {
 public:
  explicit builder(sql_dialect d) : d_(d) {}
  builder& add(std::string_view text) {
    for (const char c : text) {
      if (c == '?') {
        ++n_;
        if (d_ == sql_dialect::postgresql) {
          text_ += "$" + std::to_string(n_);
          continue;
        }
      }
      text_.push_back(c);
    }
    return *this;
  }
  builder& bind(sql_value v) {
    params_.push_back(std::move(v));
    return *this;
  }
  /// A fragment translated with first_parameter == next_parameter().
  builder& add(const filter::sql_fragment& f) {
    text_ += f.where;
    n_ += f.params.size();
    params_.insert(params_.end(), f.params.begin(), f.params.end());
    return *this;
  }
  std::size_t next_parameter() const noexcept { return n_ + 1; }
  const std::string& text() const noexcept { return text_; }
  const std::vector<sql_value>& params() const noexcept { return params_; }

 private:
  sql_dialect d_;
  std::size_t n_ = 0;
  std::string text_;
  std::vector<sql_value> params_;
};

/// Table names and DDL.
class layout {
 public:
  layout(sql_dialect d, std::string prefix)
      : dialect_(d),
        prefix_(std::move(prefix)),
        resources(prefix_ + "resources"),
        members(prefix_ + "members"),
        uniques(prefix_ + "unique") {}

  sql_dialect dialect() const noexcept { return dialect_; }
  const std::string& prefix() const noexcept { return prefix_; }

  /// Whether the prefix makes valid identifiers.
  bool valid() const noexcept {
    if (prefix_.empty()) return true;
    if (!scim::detail::is_alpha(prefix_[0]) && prefix_[0] != '_') return false;
    for (const char c : prefix_)
      if (!scim::detail::is_alpha(c) && !scim::detail::is_digit(c) && c != '_') return false;
    return true;
  }

  /// The table of a multi-valued attribute's rows; "" when its name is not an identifier.
  std::string value_table(std::string_view attribute) const {
    if (attribute.empty()) return {};
    for (const char c : attribute)
      if (!scim::detail::is_alpha(c) && !scim::detail::is_digit(c) && c != '_') return {};
    return prefix_ + "mv_" + scim::detail::to_lower(attribute);
  }

  std::string text(std::string_view with_question_marks) const {
    return placeholders(dialect_, with_question_marks);
  }

  /// CREATE statements of the fixed tables (idempotent).
  std::vector<std::string> schema_ddl() const {
    const bool pg = dialect_ == sql_dialect::postgresql;
    const std::string serial = pg ? "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT";
    const std::string integer = pg ? "BIGINT" : "INTEGER";
    const std::string boolean = pg ? "BOOLEAN" : "INTEGER";
    const std::string& r = resources;
    return {
        "CREATE TABLE IF NOT EXISTS " + r + " (seq " + serial +
            ", type TEXT NOT NULL, id TEXT NOT NULL, resource_type TEXT NOT NULL, version " + integer +
            " NOT NULL, version_tag TEXT NOT NULL, created TEXT NOT NULL, created_key TEXT, last_modified TEXT "
            "NOT NULL, last_modified_key TEXT, body TEXT NOT NULL, external_id TEXT, user_name TEXT, "
            "user_name_folded TEXT, display_name TEXT, display_name_folded TEXT, active " +
            boolean + ", UNIQUE (type, id))",
        "CREATE INDEX IF NOT EXISTS " + r + "_type ON " + r + " (type, seq)",
        "CREATE INDEX IF NOT EXISTS " + r + "_user_name ON " + r + " (type, user_name_folded)",
        "CREATE INDEX IF NOT EXISTS " + r + "_external_id ON " + r + " (type, external_id)",
        "CREATE INDEX IF NOT EXISTS " + r + "_display_name ON " + r + " (type, display_name_folded)",
        "CREATE TABLE IF NOT EXISTS " + members + " (member_seq " +
            (pg ? std::string("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY") : std::string("INTEGER PRIMARY KEY")) +
            ", group_seq " + integer + " NOT NULL REFERENCES " + r +
            " (seq) ON DELETE CASCADE, value TEXT, display TEXT, type TEXT, ref TEXT, element TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS " + members + "_group ON " + members + " (group_seq, value)",
        "CREATE INDEX IF NOT EXISTS " + members + "_value ON " + members + " (value)",
        "CREATE TABLE IF NOT EXISTS " + uniques + " (type TEXT NOT NULL, attribute TEXT NOT NULL, key TEXT NOT NULL, owner " +
            integer + " NOT NULL REFERENCES " + r + " (seq) ON DELETE CASCADE, PRIMARY KEY (type, attribute, key))" +
            (pg ? "" : " WITHOUT ROWID"),
        "CREATE INDEX IF NOT EXISTS " + uniques + "_owner ON " + uniques + " (owner)",
    };
  }

  /// CREATE statements of one multi-valued attribute's table (idempotent).
  std::vector<std::string> value_table_ddl(std::string_view attribute) const {
    const bool pg = dialect_ == sql_dialect::postgresql;
    const std::string t = value_table(attribute);
    return {
        "CREATE TABLE IF NOT EXISTS " + t + " (owner " + std::string(pg ? "BIGINT" : "INTEGER") + " NOT NULL REFERENCES " +
            resources + " (seq) ON DELETE CASCADE, value TEXT, value_folded TEXT, display TEXT, type TEXT, is_primary " +
            (pg ? "BOOLEAN" : "INTEGER") + ")",
        "CREATE INDEX IF NOT EXISTS " + t + "_owner ON " + t + " (owner)",
        "CREATE INDEX IF NOT EXISTS " + t + "_value ON " + t + " (value_folded)",
    };
  }

  /// The columns of a stored row as read by the store, from alias `r`.
  static constexpr std::string_view row_columns =
      "r.seq, r.id, r.resource_type, r.version, r.created, r.last_modified, r.body";

 private:
  sql_dialect dialect_;
  std::string prefix_;

 public:
  const std::string resources;
  const std::string members;
  const std::string uniques;
};

/// An attribute whose values must be unique per resource type.
struct unique_def {
  std::string attribute;  ///< canonical core attribute name, or "externalId"
  bool case_exact = false;
};

/// How one resource type is stored.
struct type_info {
  std::string key;   ///< lower-case resource type name (the `type` column)
  std::string name;  ///< resource type name
  std::string core_urn;
  bool is_user = false;         ///< core schema is urn:...:User (computed `groups`)
  bool has_members = false;     ///< members live in the membership table
  bool members_mapped = false;  ///< and filters on them are translated
  bool user_name = false;       ///< the extracted columns that apply
  bool display_name = false;
  bool active = false;
  std::vector<std::string> value_lists;  ///< canonical names kept in scim_mv_* tables too
  std::vector<unique_def> uniques;
  filter::column_mapping mapping;
  bool mapping_ok = false;

  bool is_members(std::string_view a) const noexcept { return has_members && scim::detail::iequals(a, "members"); }
  const std::string* value_list(std::string_view a) const noexcept {
    for (const auto& v : value_lists)
      if (scim::detail::iequals(v, a)) return &v;
    return nullptr;
  }
};

/// Whether a multi-valued complex attribute fits the scim_mv_* layout.
inline bool fits_value_table(const attribute& a) {
  if (!a.multi_valued || !a.is_complex() || a.find_sub_attribute("value") == nullptr) return false;
  for (const auto& s : a.sub_attributes) {
    const auto t = s.type;
    if (s.multi_valued || s.is_complex()) return false;
    if (scim::detail::iequals(s.name, "value")) {
      if (t != attribute_type::string && t != attribute_type::reference && t != attribute_type::binary) return false;
    } else if (scim::detail::iequals(s.name, "display") || scim::detail::iequals(s.name, "type")) {
      if (t != attribute_type::string) return false;
    } else if (scim::detail::iequals(s.name, "primary")) {
      if (t != attribute_type::boolean) return false;
    } else {
      return false;
    }
  }
  return true;
}

/// Whether `members` fits the membership table's columns for filtering.
inline bool fits_member_table(const attribute& a) {
  for (const auto& s : a.sub_attributes) {
    if (s.multi_valued || s.is_complex() || s.type == attribute_type::boolean || s.type == attribute_type::integer ||
        s.type == attribute_type::decimal || s.type == attribute_type::date_time)
      return false;
    if (!scim::detail::iequals(s.name, "value") && !scim::detail::iequals(s.name, "display") &&
        !scim::detail::iequals(s.name, "type") && !scim::detail::iequals(s.name, "$ref"))
      return false;
  }
  return true;
}

/// Builds the type_info of a resource type. `has_table(attr)` says whether the
/// attribute's scim_mv_* table exists.
inline expected<type_info> describe_type(const resource_type& rt, const schema_registry& reg, const layout& lay,
                                         const sql_store_options& opts,
                                         const std::function<bool(std::string_view)>& has_table) {
  const schema* core = reg.find_schema(rt.schema);
  if (core == nullptr)
    return fail(error::internal("resource type " + rt.name + ": core schema " + rt.schema + " is not registered"));
  type_info ti;
  ti.key = scim::detail::to_lower(rt.name);
  ti.name = rt.name;
  ti.core_urn = core->id;
  ti.is_user = scim::detail::iequals(core->id, urn::user);
  for (const auto& a : core->attributes) {
    if (a.multi_valued && a.is_complex()) {
      const attribute* v = a.find_sub_attribute("value");
      if (v == nullptr || v->is_complex()) continue;
      if (scim::detail::iequals(a.name, "members")) {
        ti.has_members = true;
        ti.members_mapped = fits_member_table(a);
        continue;
      }
      if (ti.is_user && scim::detail::iequals(a.name, "groups")) continue;  // computed
      if (fits_value_table(a) && !lay.value_table(a.name).empty() && has_table(a.name)) ti.value_lists.push_back(a.name);
      continue;
    }
    if (a.multi_valued) continue;
    if (a.type == attribute_type::boolean && scim::detail::iequals(a.name, "active")) ti.active = true;
    if (a.type != attribute_type::string) continue;
    if (scim::detail::iequals(a.name, "userName")) ti.user_name = true;
    if (scim::detail::iequals(a.name, "displayName")) ti.display_name = true;
    bool unique = a.uniqueness != attribute_uniqueness::none;
    for (const auto& [type_name, attr_name] : opts.unique_attributes)
      if (scim::detail::iequals(type_name, rt.name) && scim::detail::iequals(attr_name, a.name)) unique = true;
    if (unique) ti.uniques.push_back({a.name, a.case_exact});
  }
  if (opts.unique_external_id) ti.uniques.push_back({"externalId", true});

  // The filter mapping. Complex attributes are mapped with all their
  // sub-attributes or not at all, so `pr` means what the evaluator means.
  filter::column_mapping m(lay.resources, "seq");
  m.column("id", "id").column("externalId", "external_id");
  m.column("meta.resourceType", "resource_type")
      .column("meta.created", filter::sql_column{"created", "", "created_key"})
      .column("meta.lastModified", filter::sql_column{"last_modified", "", "last_modified_key"})
      .column("meta.version", "version_tag");
  if (ti.user_name) m.column("userName", filter::sql_column{"user_name", "user_name_folded", ""});
  if (ti.display_name) m.column("displayName", filter::sql_column{"display_name", "display_name_folded", ""});
  if (ti.active) m.column("active", "active");
  if (ti.has_members && ti.members_mapped) {
    m.child_table("members", {lay.members, "group_seq"});
    for (const auto& a : core->attributes) {
      if (!scim::detail::iequals(a.name, "members")) continue;
      for (const auto& s : a.sub_attributes) {
        const std::string col = scim::detail::iequals(s.name, "$ref") ? "ref" : scim::detail::to_lower(s.name);
        m.column("members." + s.name, col);
      }
    }
  }
  for (const auto& v : ti.value_lists) {
    m.child_table(v, {lay.value_table(v), "owner"});
    for (const auto& a : core->attributes) {
      if (!scim::detail::iequals(a.name, v)) continue;
      for (const auto& s : a.sub_attributes) {
        if (scim::detail::iequals(s.name, "value")) m.column(v + ".value", filter::sql_column{"value", "value_folded", ""});
        else if (scim::detail::iequals(s.name, "primary")) m.column(v + ".primary", "is_primary");
        else m.column(v + "." + s.name, scim::detail::to_lower(s.name));
      }
    }
  }
  ti.mapping_ok = static_cast<bool>(m.validate(rt, reg));
  ti.mapping = std::move(m);
  return ti;
}

inline sql_value text_or_null(const json* v) {
  if (v == nullptr || !v->is_string()) return std::monostate{};
  return v->get<std::string>();
}
inline sql_value folded_or_null(const json* v) {
  if (v == nullptr || !v->is_string()) return std::monostate{};
  return filter::sql_folded(v->get_ref<const std::string&>());
}
inline sql_value bool_or_null(const json* v) {
  if (v == nullptr || !v->is_boolean()) return std::monostate{};
  return v->get<bool>();
}

/// The extracted columns of the resources table, in this order:
/// external_id, user_name, user_name_folded, display_name, display_name_folded, active.
inline std::vector<sql_value> main_columns(const type_info& ti, const json& body) {
  std::vector<sql_value> out;
  out.push_back(text_or_null(find_ci(body, "externalId")));
  const json* un = ti.user_name ? find_ci(body, "userName") : nullptr;
  out.push_back(text_or_null(un));
  out.push_back(folded_or_null(un));
  const json* dn = ti.display_name ? find_ci(body, "displayName") : nullptr;
  out.push_back(text_or_null(dn));
  out.push_back(folded_or_null(dn));
  out.push_back(ti.active ? bool_or_null(find_ci(body, "active")) : sql_value{});
  return out;
}

/// One scim_mv_* row: value, value_folded, display, type, is_primary.
inline std::vector<std::vector<sql_value>> value_rows(const json* values) {
  std::vector<std::vector<sql_value>> rows;
  if (values == nullptr) return rows;
  auto one = [&rows](const json& e) {
    if (!e.is_object()) return;
    const json* v = find_ci(e, "value");
    rows.push_back({text_or_null(v), folded_or_null(v), text_or_null(find_ci(e, "display")),
                    text_or_null(find_ci(e, "type")), bool_or_null(find_ci(e, "primary"))});
  };
  if (values->is_array()) {
    for (const auto& e : *values)
      if (!e.is_discarded()) one(e);
  } else {
    one(*values);
  }
  return rows;
}

/// One membership row: value, display, type, ref, element JSON.
inline std::vector<sql_value> member_row(const json& element) {
  return {text_or_null(find_ci(element, "value")), text_or_null(find_ci(element, "display")),
          text_or_null(find_ci(element, "type")), text_or_null(find_ci(element, "$ref")), dump_json(element)};
}

/// The uniqueness keys a resource occupies: (attribute, key).
inline std::vector<std::pair<std::string, std::string>> unique_keys(const type_info& ti, const json& body) {
  std::vector<std::pair<std::string, std::string>> keys;
  for (const auto& u : ti.uniques) {
    const json* v = find_ci(body, u.attribute);
    if (v == nullptr || !v->is_string()) continue;
    const auto& s = v->get_ref<const std::string&>();
    if (s.empty() && u.attribute != "externalId") continue;
    keys.emplace_back(u.attribute, u.case_exact ? s : scim::detail::to_lower(s));
  }
  return keys;
}

/// A copy of a resource (or of a document's peek()) as the `body` column keeps
/// it: without id, meta and (when stored as rows) members, and without the
/// holes a patch::document leaves in multi-valued attributes.
inline json body_of(const json& resource, bool members_as_rows) {
  struct cleaner {
    static json copy(const json& v) {
      if (v.is_array()) {
        json out = json::array();
        for (const auto& e : v)
          if (!e.is_discarded()) out.push_back(copy(e));
        return out;
      }
      if (v.is_object()) {
        json out = json::object();
        for (auto it = v.begin(); it != v.end(); ++it) out[it.key()] = copy(it.value());
        return out;
      }
      return v;
    }
  };
  json out = json::object();
  if (!resource.is_object()) return out;
  for (auto it = resource.begin(); it != resource.end(); ++it) {
    const std::string& k = it.key();
    if (scim::detail::iequals(k, "id") || scim::detail::iequals(k, "meta")) continue;
    if (members_as_rows && scim::detail::iequals(k, "members")) continue;
    out[k] = cleaner::copy(it.value());
  }
  return out;
}

/// Whether a filter compares a string literal "true"/"false" (any case): the
/// caller's predicate may read it as a boolean (Entra ID), which the translator
/// with default options would not.
inline bool has_string_boolean(const filter::filter& f) {
  for (const auto& n : f.nodes()) {
    if (n.kind != filter::node_kind::compare || n.type != filter::value_kind::string) continue;
    const std::string_view v = f.string_value(n);
    if (scim::detail::iequals(v, "true") || scim::detail::iequals(v, "false")) return true;
  }
  return false;
}

/// Whether a filter mentions the core attribute `name`.
inline bool mentions(const filter::filter* f, std::string_view core_urn, std::string_view name) {
  if (f == nullptr) return true;
  for (const auto& n : f->nodes()) {
    if (n.kind != filter::node_kind::compare && n.kind != filter::node_kind::present &&
        n.kind != filter::node_kind::value_filter)
      continue;
    const attribute_path_view p = f->path(n);
    if (p.has_urn() && !scim::detail::iequals(p.urn, core_urn)) continue;
    if (scim::detail::iequals(p.name, name)) return true;
  }
  return false;
}

/// A main-table column a sort key can be read from (with how to rebuild the
/// attribute's JSON for query::extract_sort_key), or "" when none.
inline std::string sort_column(const type_info& ti, const query::sort_spec& s) {
  if (!s.container.empty()) return {};
  const std::string& a = s.attribute;
  const std::string& sub = s.sub_attribute;
  if (scim::detail::iequals(a, "meta")) {
    if (scim::detail::iequals(sub, "created")) return "created";
    if (scim::detail::iequals(sub, "lastModified")) return "last_modified";
    if (scim::detail::iequals(sub, "resourceType")) return "resource_type";
    if (scim::detail::iequals(sub, "version")) return "version_tag";
    return {};
  }
  if (!sub.empty()) return {};
  if (scim::detail::iequals(a, "id")) return "id";
  if (scim::detail::iequals(a, "externalId")) return "external_id";
  if (ti.user_name && scim::detail::iequals(a, "userName")) return "user_name";
  if (ti.display_name && scim::detail::iequals(a, "displayName")) return "display_name";
  return {};
}

/// The sort key of a text column's value (NULL: missing).
inline query::sort_key sort_key_of_column(const query::sort_spec& s, const std::optional<std::string>& value) {
  if (!value) return {};
  json j = json::object();
  if (scim::detail::iequals(s.attribute, "meta")) j["meta"][s.sub_attribute] = *value;
  else j[s.attribute] = *value;
  return query::extract_sort_key(s, j);
}

}  // namespace sql

// ================================================================================
// The SQLite backend: connections, statements, the connection pool.
// ================================================================================
namespace sqlite_detail {

inline error sqlite_error(sqlite3* db, int rc, std::string_view what) {
  const int primary = rc & 0xff;
  std::string msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
    return error(503, error_code::none, "the database is busy (" + std::string(what) + ": " + msg + "); retry later");
  if (primary == SQLITE_CONSTRAINT) return error(409, error_code::none, std::string(what) + ": " + msg);
  return error::internal("SQLite: " + std::string(what) + ": " + msg);
}

/// A prepared statement.
class statement {
 public:
  statement(sqlite3* db, sqlite3_stmt* st) : db_(db), st_(st) {}
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;
  ~statement() { sqlite3_finalize(st_); }

  /// Binds parameter `i` (1-based); an error shows at step().
  void bind(int i, const filter::sql_value& v) {
    int rc = SQLITE_OK;
    if (std::holds_alternative<std::monostate>(v)) {
      rc = sqlite3_bind_null(st_, i);
    } else if (const auto* n = std::get_if<std::int64_t>(&v)) {
      rc = sqlite3_bind_int64(st_, i, static_cast<sqlite3_int64>(*n));
    } else if (const auto* d = std::get_if<double>(&v)) {
      rc = sqlite3_bind_double(st_, i, *d);
    } else if (const auto* s = std::get_if<std::string>(&v)) {
      rc = sqlite3_bind_text64(st_, i, s->data(), static_cast<sqlite3_uint64>(s->size()), SQLITE_TRANSIENT, SQLITE_UTF8);
    } else if (const auto* b = std::get_if<bool>(&v)) {
      rc = sqlite3_bind_int(st_, i, *b ? 1 : 0);
    }
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  }
  void bind_all(const std::vector<filter::sql_value>& params) {
    for (std::size_t i = 0; i < params.size(); ++i) bind(static_cast<int>(i + 1), params[i]);
  }

  /// Steps once: true for a row, false when done.
  expected<bool> step() {
    if (bind_rc_ != SQLITE_OK) return fail(sqlite_error(db_, bind_rc_, "bind"));
    const int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    auto e = sqlite_error(db_, rc, "step");
    sqlite3_reset(st_);
    return fail(std::move(e));
  }
  void reset() noexcept {
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);
    bind_rc_ = SQLITE_OK;
  }

  bool is_null(int c) const noexcept { return sqlite3_column_type(st_, c) == SQLITE_NULL; }
  std::int64_t int64(int c) const noexcept { return static_cast<std::int64_t>(sqlite3_column_int64(st_, c)); }
  std::string text(int c) const {
    const unsigned char* t = sqlite3_column_text(st_, c);
    const int n = sqlite3_column_bytes(st_, c);
    return t == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(t), static_cast<std::size_t>(n));
  }
  std::optional<std::string> optional_text(int c) const {
    if (is_null(c)) return std::nullopt;
    return text(c);
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_;
  int bind_rc_ = SQLITE_OK;
};

/// One database connection with its prepared statements.
class connection {
 public:
  connection(sqlite3* db, bool owned) : db_(db), owned_(owned) {}
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
  ~connection() {
    cache_.clear();  // finalise before closing
    if (owned_ && db_ != nullptr) sqlite3_close(db_);
  }

  sqlite3* handle() const noexcept { return db_; }
  bool owned() const noexcept { return owned_; }

  expected<void> exec(const std::string& sql) {
    char* msg = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg);
    if (msg != nullptr) sqlite3_free(msg);
    if (rc != SQLITE_OK) return fail(sqlite_error(db_, rc, sql.substr(0, 40)));
    return {};
  }

  /// A cached statement, reset and ready for binding.
  expected<statement*> prepare(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) {
      it->second->reset();
      return it->second.get();
    }
    auto st = prepare_once(sql);
    if (!st) return fail(std::move(st.error()));
    statement* raw = st->get();
    cache_.emplace(sql, std::move(*st));
    return raw;
  }

  /// A statement for one use (dynamic text, e.g. a translated filter).
  expected<std::unique_ptr<statement>> prepare_once(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), 0, &st, nullptr);
    if (rc != SQLITE_OK || st == nullptr) {
      if (st != nullptr) sqlite3_finalize(st);
      return fail(sqlite_error(db_, rc == SQLITE_OK ? SQLITE_ERROR : rc, "prepare"));
    }
    return std::make_unique<statement>(db_, st);
  }

  expected<void> begin_write() { return exec("BEGIN IMMEDIATE"); }
  expected<void> begin_read() { return exec("BEGIN"); }
  expected<void> commit() { return exec("COMMIT"); }
  void rollback() noexcept {
    if (sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  /// Rows changed by the last INSERT/UPDATE/DELETE.
  std::uint64_t changes() const noexcept { return static_cast<std::uint64_t>(sqlite3_changes(db_)); }

 private:
  sqlite3* db_;
  bool owned_;
  std::unordered_map<std::string, std::unique_ptr<statement>> cache_;
};

}  // namespace sqlite_detail

/// SQLite as a backend of basic_sql_store: a pool of connections to one
/// database (see the top of this header).
class sqlite_backend {
 public:
  static constexpr filter::sql_dialect dialect = filter::sql_dialect::sqlite;
  /// How to ask for a statement's plan, and the result column with its text.
  static constexpr std::string_view explain_prefix = "EXPLAIN QUERY PLAN ";
  static constexpr int explain_detail_column = 3;
  using connection = sqlite_detail::connection;
  using statement = sqlite_detail::statement;

  /// A connection leased for one store call.
  class lease {
   public:
    lease(const sqlite_backend* b, std::unique_ptr<connection> c) : b_(b), c_(std::move(c)) {}
    lease(lease&&) noexcept = default;
    lease& operator=(lease&&) = delete;
    lease(const lease&) = delete;
    ~lease() {
      if (c_) b_->release(std::move(c_));
    }
    connection& operator*() const noexcept { return *c_; }
    connection* operator->() const noexcept { return c_.get(); }

   private:
    const sqlite_backend* b_;
    std::unique_ptr<connection> c_;
  };

  /// Opens `path` (a file name, ":memory:", or a URI "file:...").
  sqlite_backend(std::string path, const sqlite_store_options& o) : path_(std::move(path)), opts_(o) {
    memory_ = path_.empty() || path_ == ":memory:" || path_.rfind("file::memory:", 0) == 0 ||
              path_.find("mode=memory") != std::string::npos;
    max_ = memory_ ? 1 : std::max<std::size_t>(1, o.max_connections);
    auto c = open();
    if (!c) {
      error_ = std::move(c.error());
      return;
    }
    if (!memory_) {
      // WAL persists in the file; converting needs a moment without readers.
      auto wal = (*c)->exec("PRAGMA journal_mode=WAL");
      if (!wal) {
        error_ = std::move(wal.error());
        return;
      }
    }
    if (!scim::detail::iequals(o.synchronous, "FULL") && !scim::detail::iequals(o.synchronous, "NORMAL") &&
        !scim::detail::iequals(o.synchronous, "EXTRA")) {
      error_ = error::internal("sqlite_store: synchronous must be FULL, NORMAL or EXTRA, not '" + o.synchronous + "'");
      return;
    }
    idle_.push_back(std::move(*c));
    open_ = 1;
  }

  /// Uses an open handle it does not own (one connection; the caller must not
  /// use it concurrently with the store, and closes it after the store).
  sqlite_backend(sqlite3* db, const sqlite_store_options& o) : opts_(o), max_(1) {
    if (db == nullptr) {
      error_ = error::internal("sqlite_store: null database handle");
      return;
    }
    auto c = std::make_unique<connection>(db, false);
    auto ok = configure(*c);
    if (!ok) {
      error_ = std::move(ok.error());
      return;
    }
    idle_.push_back(std::move(c));
    open_ = 1;
  }

  sqlite_backend(const sqlite_backend&) = delete;
  sqlite_backend& operator=(const sqlite_backend&) = delete;

  /// The error met while opening, if any.
  const std::optional<error>& open_error() const noexcept { return error_; }

  /// A connection for one call; waits while all max_connections are in use.
  expected<lease> acquire() const {
    std::unique_lock lock(mutex_);
    if (error_) return fail(*error_);
    for (;;) {
      if (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        return lease(this, std::move(c));
      }
      if (open_ < max_) {
        ++open_;
        lock.unlock();
        auto c = open();
        if (!c) {
          lock.lock();
          --open_;
          cv_.notify_one();
          return fail(std::move(c.error()));
        }
        return lease(this, std::move(*c));
      }
      cv_.wait(lock);
    }
  }

 private:
  expected<void> configure(connection& c) const {
    const auto ms = opts_.busy_timeout.count();
    sqlite3_busy_timeout(c.handle(), ms > 0x7fffffff ? 0x7fffffff : static_cast<int>(ms < 0 ? 0 : ms));
    sqlite3_extended_result_codes(c.handle(), 1);
    if (auto ok = c.exec("PRAGMA foreign_keys=ON"); !ok) return ok;
    if (!c.owned() || memory_) return {};
    const std::string& sync = opts_.synchronous;
    if (!scim::detail::iequals(sync, "FULL") && !scim::detail::iequals(sync, "NORMAL") &&
        !scim::detail::iequals(sync, "EXTRA"))
      return {};  // reported by the constructor
    return c.exec("PRAGMA synchronous=" + scim::detail::to_lower(sync));
  }

  expected<std::unique_ptr<connection>> open() const {
    sqlite3* db = nullptr;
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
    const int rc = sqlite3_open_v2(path_.empty() ? ":memory:" : path_.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
      error e = error::internal("sqlite_store: cannot open '" + path_ + "': " +
                                (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
      if (db != nullptr) sqlite3_close(db);
      return fail(std::move(e));
    }
    auto c = std::make_unique<connection>(db, true);
    auto ok = configure(*c);
    if (!ok) return fail(std::move(ok.error()));
    return c;
  }

  void release(std::unique_ptr<connection> c) const {
    c->rollback();  // a call never leaves a transaction open
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(c));
    cv_.notify_one();
  }

  std::string path_;
  sqlite_store_options opts_;
  bool memory_ = true;
  std::size_t max_ = 1;
  mutable std::mutex mutex_;
  mutable std::condition_variable cv_;
  mutable std::vector<std::unique_ptr<connection>> idle_;
  mutable std::size_t open_ = 0;
  std::optional<error> error_;
};

// ================================================================================
// The store logic over a backend (dialect-neutral).
// ================================================================================

/// A SQL store over `Backend` (sqlite_backend; a PostgreSQL backend provides
/// the same: `dialect`, `explain_prefix` / `explain_detail_column`,
/// `acquire()` -> lease to a connection with exec,
/// prepare (cached) / prepare_once, begin_write (an exclusive writer
/// transaction), begin_read, commit, rollback and changes(); statements with
/// bind / bind_all / step / reset / is_null / int64 / text / optional_text;
/// errors as scim::error, constraint violations as 409, busy as 503).
template <class Backend>
class basic_sql_store {
 public:
  template <class... BackendArgs>
  basic_sql_store(const schema_registry& reg, sql_store_options opts, BackendArgs&&... backend_args)
      : reg_(reg),
        opts_(std::move(opts)),
        layout_(Backend::dialect, opts_.table_prefix),
        backend_(std::forward<BackendArgs>(backend_args)...),
        rng_(seed()) {
    init();
  }

  basic_sql_store(const basic_sql_store&) = delete;
  basic_sql_store& operator=(const basic_sql_store&) = delete;

  /// The error met while opening or creating the schema; every call fails with it.
  const std::optional<error>& open_error() const noexcept { return init_error_; }

  // ---- writes -------------------------------------------------------------------

  expected<stored_resource> create(const resource_type& rt, json resource, const write_options& w = {}) {
    if (!resource.is_object())
      return fail(error_code::invalid_syntax, "a " + rt.name + " resource must be a JSON object");
    auto ti_or = type_for(rt);
    if (!ti_or) return fail(std::move(ti_or.error()));
    const sql::type_info& ti = **ti_or;
    const instant now = w.now ? *w.now : clock();
    sql::erase_ci(resource, "meta");
    sql::erase_ci(resource, "id");
    json members = ti.has_members ? sql::take_ci(resource, "members") : json();
    json body = sql::body_of(resource, ti.has_members);
    resource = json();
    const auto keys = sql::unique_keys(ti, body);

    return write([&](connection& c) -> expected<stored_resource> {
      if (auto ok = check_unique(c, ti, keys, std::nullopt); !ok) return fail(std::move(ok.error()));
      auto id = next_id(c, ti);
      if (!id) return fail(std::move(id.error()));
      row r;
      r.id = std::move(*id);
      r.resource_type = rt.name;
      r.version = 1;
      r.created = r.last_modified = format_date_time(now);
      auto st = c.prepare(layout_.text(
          "INSERT INTO " + layout_.resources +
          " (type, id, resource_type, version, version_tag, created, created_key, last_modified, last_modified_key, "
          "body, external_id, user_name, user_name_folded, display_name, display_name_folded, active) VALUES "
          "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq"));
      if (!st) return fail(std::move(st.error()));
      std::vector<sql::sql_value> p{ti.key, r.id, r.resource_type, std::int64_t{1}, make_etag(1), r.created,
                                    date_key(now), r.last_modified, date_key(now), dump_json(body)};
      for (auto& v : sql::main_columns(ti, body)) p.push_back(std::move(v));
      (*st)->bind_all(p);
      auto got = (*st)->step();
      if (!got) return fail(std::move(got.error()));
      if (!*got) return fail(error::internal("sqlite_store: INSERT returned no seq"));
      r.seq = (*st)->int64(0);
      (*st)->reset();
      counters_.rows_written.fetch_add(1, std::memory_order_relaxed);
      if (ti.has_members && members.is_array())
        if (auto ok = insert_members(c, r.seq, members); !ok) return fail(std::move(ok.error()));
      if (auto ok = write_value_rows(c, ti, r.seq, body, nullptr, false); !ok) return fail(std::move(ok.error()));
      if (auto ok = write_unique_keys(c, ti, r.seq, keys, false); !ok) return fail(std::move(ok.error()));
      return represent(c, ti, r, body, members.is_array() ? &members : nullptr, w.returning);
    });
  }

  expected<stored_resource> replace(const resource_type& rt, std::string_view id, json resource,
                                    const write_options& w = {}) {
    if (!resource.is_object())
      return fail(error_code::invalid_syntax, "a " + rt.name + " resource must be a JSON object");
    auto ti_or = type_for(rt);
    if (!ti_or) return fail(std::move(ti_or.error()));
    const sql::type_info& ti = **ti_or;
    sql::erase_ci(resource, "meta");
    sql::erase_ci(resource, "id");
    json members = ti.has_members ? sql::take_ci(resource, "members") : json();
    json body = sql::body_of(resource, ti.has_members);
    resource = json();
    const auto keys = sql::unique_keys(ti, body);

    return write([&](connection& c) -> expected<stored_resource> {
      auto found = find_row(c, ti, id);
      if (!found) return fail(std::move(found.error()));
      if (!*found) return fail(not_found(ti.name, id));
      row r = std::move(**found);
      if (auto ok = check_if_match(w.if_match, make_etag(static_cast<std::uint64_t>(r.version))); !ok)
        return fail(std::move(ok.error()));
      if (auto ok = check_unique(c, ti, keys, r.seq); !ok) return fail(std::move(ok.error()));
      const instant now = w.now ? *w.now : clock();
      ++r.version;
      r.last_modified = format_date_time(now);
      auto st = c.prepare(layout_.text(
          "UPDATE " + layout_.resources +
          " SET version = ?, version_tag = ?, last_modified = ?, last_modified_key = ?, body = ?, external_id = ?, "
          "user_name = ?, user_name_folded = ?, display_name = ?, display_name_folded = ?, active = ? WHERE seq = ?"));
      if (!st) return fail(std::move(st.error()));
      std::vector<sql::sql_value> p{r.version, make_etag(static_cast<std::uint64_t>(r.version)), r.last_modified,
                                    date_key(now), dump_json(body)};
      for (auto& v : sql::main_columns(ti, body)) p.push_back(std::move(v));
      p.emplace_back(r.seq);
      if (auto ok = run_write(c, **st, p); !ok) return fail(std::move(ok.error()));
      if (ti.has_members)
        if (auto ok = replace_members(c, r.seq, members); !ok) return fail(std::move(ok.error()));
      if (auto ok = write_value_rows(c, ti, r.seq, body, nullptr, true); !ok) return fail(std::move(ok.error()));
      if (auto ok = write_unique_keys(c, ti, r.seq, keys, true); !ok) return fail(std::move(ok.error()));
      evict(r.seq);
      return represent(c, ti, r, body, members.is_array() ? &members : nullptr, w.returning);
    });
  }

  expected<patch_result> patch(const resource_type& rt, std::string_view id, const patch_function& fn,
                               const write_options& w = {}) {
    if (init_error_) return fail(*init_error_);
    auto ti_or = type_for(rt);
    if (!ti_or) return fail(std::move(ti_or.error()));
    const sql::type_info& ti = **ti_or;
    for (int attempt = 0;; ++attempt) {
      bool stale = false;
      auto result = patch_once(ti, id, fn, w, stale);
      if (!result && stale && attempt == 0) continue;  // the cached document disagreed: reload once
      return result;
    }
  }

  expected<void> remove(const resource_type& rt, std::string_view id, const write_options& w = {}) {
    auto ti_or = type_for(rt);
    if (!ti_or) return fail(std::move(ti_or.error()));
    const sql::type_info& ti = **ti_or;
    std::int64_t removed_seq = 0;
    auto done = write([&](connection& c) -> expected<bool> {
      auto found = find_row(c, ti, id);
      if (!found) return fail(std::move(found.error()));
      if (!*found) return fail(not_found(ti.name, id));
      const row& r = **found;
      if (auto ok = check_if_match(w.if_match, make_etag(static_cast<std::uint64_t>(r.version))); !ok)
        return fail(std::move(ok.error()));
      const instant now = w.now ? *w.now : clock();
      // Leave every group that lists the resource; each gets a new version.
      std::vector<std::int64_t> holders;
      {
        auto st = c.prepare(layout_.text("SELECT DISTINCT group_seq FROM " + layout_.members + " WHERE value = ?"));
        if (!st) return fail(std::move(st.error()));
        (*st)->bind(1, r.id);
        for (;;) {
          auto more = (*st)->step();
          if (!more) return fail(std::move(more.error()));
          if (!*more) break;
          holders.push_back((*st)->int64(0));
        }
        (*st)->reset();
      }
      if (!holders.empty()) {
        auto del = c.prepare(layout_.text("DELETE FROM " + layout_.members + " WHERE value = ?"));
        if (!del) return fail(std::move(del.error()));
        if (auto ok = run_write(c, **del, {r.id}); !ok) return fail(std::move(ok.error()));
        for (const std::int64_t g : holders) {
          if (auto ok = touch(c, g, now); !ok) return fail(std::move(ok.error()));
          evict(g);
        }
      }
      // Its own rows, then the resource.
      std::vector<std::string> children{layout_.uniques + " WHERE owner = ?"};
      if (ti.has_members) children.push_back(layout_.members + " WHERE group_seq = ?");
      for (const auto& v : ti.value_lists) children.push_back(layout_.value_table(v) + " WHERE owner = ?");
      children.push_back(layout_.resources + " WHERE seq = ?");
      for (const auto& target : children) {
        auto st = c.prepare(layout_.text("DELETE FROM " + target));
        if (!st) return fail(std::move(st.error()));
        if (auto ok = run_write(c, **st, {r.seq}); !ok) return fail(std::move(ok.error()));
      }
      removed_seq = r.seq;
      return true;
    });
    if (!done) return fail(std::move(done.error()));
    evict(removed_seq);
    return {};
  }

  // ---- reads --------------------------------------------------------------------

  expected<stored_resource> get(const resource_type& rt, std::string_view id, const read_options& r = {}) const {
    auto ti_or = type_for(rt);
    if (!ti_or) return fail(std::move(ti_or.error()));
    const sql::type_info& ti = **ti_or;
    return read([&](connection& c) -> expected<stored_resource> {
      auto found = find_row(c, ti, id);
      if (!found) return fail(std::move(found.error()));
      if (!*found) return fail(not_found(ti.name, id));
      auto body = parse_body((*found)->body);
      if (!body) return fail(std::move(body.error()));
      return represent(c, ti, **found, *body, nullptr, r.load);
    });
  }

  expected<std::vector<std::string>> find_by_external_id(const resource_type& rt,
                                                         std::string_view external_id) const {
    auto ti_or = type_for(rt);
    if (!ti_or) return fail(std::move(ti_or.error()));
    const sql::type_info& ti = **ti_or;
    return read([&](connection& c) -> expected<std::vector<std::string>> {
      auto st = c.prepare(layout_.text("SELECT id FROM " + layout_.resources +
                                       " WHERE type = ? AND external_id = ? ORDER BY seq"));
      if (!st) return fail(std::move(st.error()));
      (*st)->bind(1, ti.key);
      (*st)->bind(2, std::string(external_id));
      std::vector<std::string> ids;
      for (;;) {
        auto more = (*st)->step();
        if (!more) return fail(std::move(more.error()));
        if (!*more) break;
        ids.push_back((*st)->text(0));
      }
      (*st)->reset();
      return ids;
    });
  }

  expected<query_result> query(const resource_type& rt, const query_request& q) const {
    if (init_error_) return fail(*init_error_);
    // The predicate: given, or compiled from the AST.
    std::optional<filter::predicate> compiled;
    const filter::predicate* pred = q.predicate;
    if (pred == nullptr && q.filter != nullptr && !q.filter->empty()) {
      auto cp = filter::compile(*q.filter, rt, reg_, opts_.compile_options);
      if (!cp) return fail(std::move(cp.error()));
      compiled.emplace(std::move(*cp));
      pred = &*compiled;
    }
    if (pred != nullptr && pred->empty()) pred = nullptr;
    auto ti_or = type_for(rt);
    if (!ti_or) return query_result{};
    const sql::type_info& ti = **ti_or;

    auto plan = plan_filter(rt, ti, q, pred);
    if (!plan) return fail(std::move(plan.error()));
    return read([&](connection& c) -> expected<query_result> {
      if (plan->exact && q.sort == nullptr) {
        counters_.queries_pushed_down.fetch_add(1, std::memory_order_relaxed);
        return query_in_sql(c, ti, q, *plan);
      }
      return query_in_memory(c, ti, q, *plan, pred);
    });
  }

  /// Number of resources of a type.
  std::size_t size(const resource_type& rt) const {
    auto ti_or = type_for(rt);
    if (!ti_or) return 0;
    auto n = read([&](connection& c) -> expected<std::int64_t> {
      auto st = c.prepare(layout_.text("SELECT COUNT(*) FROM " + layout_.resources + " WHERE type = ?"));
      if (!st) return fail(std::move(st.error()));
      (*st)->bind(1, (*ti_or)->key);
      auto more = (*st)->step();
      if (!more) return fail(std::move(more.error()));
      const std::int64_t v = *more ? (*st)->int64(0) : 0;
      (*st)->reset();
      return v;
    });
    return n ? static_cast<std::size_t>(*n) : 0;
  }

  /// Work counters since construction (see sql_store_counters).
  sql_store_counters counters() const noexcept {
    sql_store_counters out;
    out.documents_loaded = counters_.documents_loaded.load(std::memory_order_relaxed);
    out.patch_cache_hits = counters_.patch_cache_hits.load(std::memory_order_relaxed);
    out.member_rows_read = counters_.member_rows_read.load(std::memory_order_relaxed);
    out.rows_written = counters_.rows_written.load(std::memory_order_relaxed);
    out.resources_evaluated = counters_.resources_evaluated.load(std::memory_order_relaxed);
    out.queries_pushed_down = counters_.queries_pushed_down.load(std::memory_order_relaxed);
    return out;
  }

  /// The table layout (names, DDL) this store uses.
  const sql::layout& tables() const noexcept { return layout_; }

  /// How a query's filter is run (diagnostics, e.g. to assert index use).
  struct query_plan_info {
    /// SQL alone decides (else the predicate runs on the rows SQL selects).
    bool exact = false;
    /// The statement that selects the candidate rows, and its parameters.
    std::string sql;
    std::vector<sql::sql_value> params;
    /// The database's plan for it, one line per step (SQLite: EXPLAIN QUERY PLAN details).
    std::vector<std::string> plan;
  };

  /// The plan of the statement that selects a query's candidates.
  expected<query_plan_info> query_plan(const resource_type& rt, const query_request& q) const {
    if (init_error_) return fail(*init_error_);
    std::optional<filter::predicate> compiled;
    const filter::predicate* pred = q.predicate;
    if (pred == nullptr && q.filter != nullptr && !q.filter->empty()) {
      auto cp = filter::compile(*q.filter, rt, reg_, opts_.compile_options);
      if (!cp) return fail(std::move(cp.error()));
      compiled.emplace(std::move(*cp));
      pred = &*compiled;
    }
    if (pred != nullptr && pred->empty()) pred = nullptr;
    auto ti = type_for(rt);
    if (!ti) return fail(std::move(ti.error()));
    auto plan = plan_filter(rt, **ti, q, pred);
    if (!plan) return fail(std::move(plan.error()));
    auto b = from_where(**ti, *plan, "r.seq");
    b.add(" ORDER BY r.seq");
    query_plan_info out;
    out.exact = plan->exact;
    out.sql = b.text();
    out.params = b.params();
    auto lines = read([&](connection& c) -> expected<std::vector<std::string>> {
      std::vector<std::string> v;
      auto st = c.prepare_once(std::string(Backend::explain_prefix) + b.text());
      if (!st) return fail(std::move(st.error()));
      (*st)->bind_all(b.params());
      for (;;) {
        auto more = (*st)->step();
        if (!more) return fail(std::move(more.error()));
        if (!*more) break;
        v.push_back((*st)->text(Backend::explain_detail_column));
      }
      return v;
    });
    if (!lines) return fail(std::move(lines.error()));
    out.plan = std::move(*lines);
    return out;
  }

  /// The filter mapping of a resource type (for diagnostics, e.g. EXPLAIN QUERY PLAN).
  expected<const filter::column_mapping*> mapping(const resource_type& rt) const {
    auto ti = type_for(rt);
    if (!ti) return fail(std::move(ti.error()));
    return &(*ti)->mapping;
  }

 protected:
  Backend& backend() noexcept { return backend_; }
  const Backend& backend() const noexcept { return backend_; }

 private:
  using connection = typename Backend::connection;
  using statement = typename Backend::statement;

  struct row {
    std::int64_t seq = 0;
    std::string id;
    std::string resource_type;
    std::int64_t version = 1;
    std::string created;
    std::string last_modified;
    std::string body;
  };

  struct filter_plan {
    filter::sql_fragment where;  ///< over alias `r`, numbered from the second parameter
    bool exact = true;           ///< SQL alone decides; else the predicate runs on the candidates
    bool needs_members = false;  ///< the predicate reads members
  };

  struct cached_document {
    std::int64_t version = 0;
    std::uint64_t used = 0;
    patch::document doc;
  };

  struct atomic_counters {
    std::atomic<std::uint64_t> documents_loaded{0};
    std::atomic<std::uint64_t> patch_cache_hits{0};
    std::atomic<std::uint64_t> member_rows_read{0};
    std::atomic<std::uint64_t> rows_written{0};
    std::atomic<std::uint64_t> resources_evaluated{0};
    std::atomic<std::uint64_t> queries_pushed_down{0};
  };

  // ---- set-up -------------------------------------------------------------------

  static std::uint64_t seed() {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ static_cast<std::uint64_t>(rd());
  }

  instant clock() const { return opts_.clock ? opts_.clock() : scim::now(); }

  static sql::sql_value date_key(instant t) {
    auto k = filter::sql_date_time_key(t);
    if (!k) return std::monostate{};
    return *k;
  }

  void init() {
    if (!layout_.valid()) {
      init_error_ = error::internal("sql store: table prefix '" + layout_.prefix() + "' is not an SQL identifier");
      return;
    }
    if (const auto& e = open_error_of(backend_)) {
      init_error_ = *e;
      return;
    }
    // Every value-list attribute of the registered resource types gets its table.
    std::vector<std::string> names;
    for (const resource_type* rt : reg_.resource_types()) {
      const schema* core = reg_.find_schema(rt->schema);
      if (core == nullptr) continue;
      const bool is_user = scim::detail::iequals(core->id, urn::user);
      for (const auto& a : core->attributes) {
        if (scim::detail::iequals(a.name, "members") || (is_user && scim::detail::iequals(a.name, "groups"))) continue;
        if (!sql::fits_value_table(a) || layout_.value_table(a.name).empty()) continue;
        const std::string key = scim::detail::to_lower(a.name);
        if (std::find(names.begin(), names.end(), key) == names.end()) names.push_back(key);
      }
    }
    std::vector<std::string> ddl = layout_.schema_ddl();
    for (const auto& n : names)
      for (auto& s : layout_.value_table_ddl(n)) ddl.push_back(std::move(s));
    auto done = write([&](connection& c) -> expected<bool> {
      for (const auto& s : ddl)
        if (auto ok = c.exec(s); !ok) return fail(std::move(ok.error()));
      return true;
    });
    if (!done) {
      init_error_ = done.error();
      return;
    }
    value_tables_ = std::move(names);
  }

  template <class B>
  static const std::optional<error>& open_error_of(const B& b) {
    return b.open_error();
  }

  expected<const sql::type_info*> type_for(const resource_type& rt) const {
    if (init_error_) return fail(*init_error_);
    const std::string key = scim::detail::to_lower(rt.name);
    std::lock_guard lock(types_mutex_);
    if (auto it = types_.find(key); it != types_.end()) return it->second.get();
    auto ti = sql::describe_type(rt, reg_, layout_, opts_, [this](std::string_view a) {
      const std::string k = scim::detail::to_lower(a);
      return std::find(value_tables_.begin(), value_tables_.end(), k) != value_tables_.end();
    });
    if (!ti) return fail(std::move(ti.error()));
    auto owned = std::make_unique<sql::type_info>(std::move(*ti));
    const sql::type_info* raw = owned.get();
    types_.emplace(key, std::move(owned));
    return raw;
  }

  // ---- transactions -------------------------------------------------------------

  /// Runs `body` in a write transaction (BEGIN IMMEDIATE ... COMMIT).
  template <class F>
  auto write(F&& body) -> decltype(body(std::declval<connection&>())) {
    std::lock_guard wl(write_mutex_);
    auto lease = backend_.acquire();
    if (!lease) return fail(std::move(lease.error()));
    connection& c = **lease;
    if (auto ok = c.begin_write(); !ok) return fail(std::move(ok.error()));
    auto result = body(c);
    if (!result) {
      c.rollback();
      return result;
    }
    if (auto ok = c.commit(); !ok) {
      c.rollback();
      return fail(std::move(ok.error()));
    }
    return result;
  }

  /// Runs `body` in a read transaction (one snapshot).
  template <class F>
  auto read(F&& body) const -> decltype(body(std::declval<connection&>())) {
    if (init_error_) return fail(*init_error_);
    auto lease = backend_.acquire();
    if (!lease) return fail(std::move(lease.error()));
    connection& c = **lease;
    if (auto ok = c.begin_read(); !ok) return fail(std::move(ok.error()));
    auto result = body(c);
    c.rollback();  // nothing was written
    return result;
  }

  /// Steps a write statement to its end and counts the rows it changed.
  expected<void> run_write(connection& c, statement& st, const std::vector<sql::sql_value>& params) {
    st.bind_all(params);
    auto done = st.step();
    if (!done) return fail(std::move(done.error()));
    counters_.rows_written.fetch_add(c.changes(), std::memory_order_relaxed);
    st.reset();
    return {};
  }

  // ---- rows ---------------------------------------------------------------------

  static row read_row(const statement& st) {
    row r;
    r.seq = st.int64(0);
    r.id = st.text(1);
    r.resource_type = st.text(2);
    r.version = st.int64(3);
    r.created = st.text(4);
    r.last_modified = st.text(5);
    r.body = st.text(6);
    return r;
  }

  expected<std::optional<row>> find_row(connection& c, const sql::type_info& ti, std::string_view id) const {
    auto st = c.prepare(layout_.text("SELECT " + std::string(sql::layout::row_columns) + " FROM " + layout_.resources +
                                     " AS r WHERE r.type = ? AND r.id = ?"));
    if (!st) return fail(std::move(st.error()));
    (*st)->bind(1, ti.key);
    (*st)->bind(2, std::string(id));
    auto more = (*st)->step();
    if (!more) return fail(std::move(more.error()));
    std::optional<row> out;
    if (*more) out = read_row(**st);
    (*st)->reset();
    return out;
  }

  expected<std::optional<row>> find_row_by_seq(connection& c, std::int64_t seq) const {
    auto st = c.prepare(layout_.text("SELECT " + std::string(sql::layout::row_columns) + " FROM " + layout_.resources +
                                     " AS r WHERE r.seq = ?"));
    if (!st) return fail(std::move(st.error()));
    (*st)->bind(1, seq);
    auto more = (*st)->step();
    if (!more) return fail(std::move(more.error()));
    std::optional<row> out;
    if (*more) out = read_row(**st);
    (*st)->reset();
    return out;
  }

  // Stored text was written by the store (dump_json of validated JSON), so the
  // plain parser is used, in its non-throwing form (no depth pre-scan needed:
  // nlohmann's parser and destructor are iterative).
  static json parse_stored(const std::string& text) {
    return json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  }

  static expected<json> parse_body(const std::string& text) {
    json j = parse_stored(text);
    if (!j.is_object()) return fail(error::internal("sql store: a stored resource body is not a JSON object"));
    return j;
  }

  static error not_found(std::string_view type_name, std::string_view id) {
    return error::not_found(std::string(type_name) + " '" + std::string(id) + "' not found");
  }

  /// The member elements of a resource, in insertion order.
  expected<json> load_members(connection& c, std::int64_t seq) const {
    auto st = c.prepare(layout_.text("SELECT element FROM " + layout_.members + " WHERE group_seq = ? ORDER BY member_seq"));
    if (!st) return fail(std::move(st.error()));
    (*st)->bind(1, seq);
    json out = json::array();
    std::uint64_t n = 0;
    for (;;) {
      auto more = (*st)->step();
      if (!more) return fail(std::move(more.error()));
      if (!*more) break;
      ++n;
      auto e = parse_body_element((*st)->text(0));
      if (!e) {
        (*st)->reset();
        return fail(std::move(e.error()));
      }
      out.push_back(std::move(*e));
    }
    (*st)->reset();
    counters_.member_rows_read.fetch_add(n, std::memory_order_relaxed);
    return out;
  }

  static expected<json> parse_body_element(const std::string& text) {
    json j = parse_stored(text);
    if (j.is_discarded()) return fail(error::internal("sql store: a stored member element is not JSON"));
    return j;
  }

  /// The computed `groups` of a User: {value, display, type: "direct"}.
  expected<json> load_groups(connection& c, const std::string& id) const {
    auto st = c.prepare(layout_.text("SELECT g.id, g.display_name FROM " + layout_.members + " AS m JOIN " +
                                     layout_.resources +
                                     " AS g ON g.seq = m.group_seq WHERE m.value = ? GROUP BY g.seq, g.id, "
                                     "g.display_name ORDER BY MIN(m.member_seq)"));
    if (!st) return fail(std::move(st.error()));
    (*st)->bind(1, id);
    json out = json::array();
    for (;;) {
      auto more = (*st)->step();
      if (!more) return fail(std::move(more.error()));
      if (!*more) break;
      json g = {{"value", (*st)->text(0)}, {"type", "direct"}};
      if (!(*st)->is_null(1)) g["display"] = (*st)->text(1);
      out.push_back(std::move(g));
    }
    (*st)->reset();
    return out;
  }

  static json meta_of(const row& r) {
    json meta = json::object();
    meta["resourceType"] = r.resource_type;
    meta["created"] = r.created;
    meta["lastModified"] = r.last_modified;
    meta["version"] = make_etag(static_cast<std::uint64_t>(r.version));
    return meta;
  }

  /// The representation of a resource limited by a load hint. `body` is the
  /// stored body (extra keys such as id are ignored); `members` the member
  /// list when the caller has it, else it is read when the hint needs it.
  expected<json> compose(connection& c, const sql::type_info& ti, const row& r, const json& body,
                         const json* members, const query::load_hint& hint) const {
    json out = json::object();
    for (auto it = body.begin(); it != body.end(); ++it) {
      const std::string& k = it.key();
      if (scim::detail::iequals(k, "id") || scim::detail::iequals(k, "meta")) continue;
      if (ti.has_members && scim::detail::iequals(k, "members")) continue;
      if (hint.needs(k)) out[k] = it.value();
    }
    if (hint.needs("id")) out["id"] = r.id;
    if (hint.needs("meta")) out["meta"] = meta_of(r);
    if (ti.is_user && hint.needs("groups")) {
      auto groups = load_groups(c, r.id);
      if (!groups) return fail(std::move(groups.error()));
      if (!groups->empty()) out["groups"] = std::move(*groups);
    }
    if (ti.has_members && hint.needs("members")) {
      if (members != nullptr) {
        if (members->is_array() && !members->empty()) out["members"] = *members;
      } else {
        auto m = load_members(c, r.seq);
        if (!m) return fail(std::move(m.error()));
        if (!m->empty()) out["members"] = std::move(*m);
      }
    }
    return out;
  }

  expected<stored_resource> represent(connection& c, const sql::type_info& ti, const row& r, const json& body,
                                      const json* members, const std::optional<query::load_hint>& hint) const {
    stored_resource s;
    s.id = r.id;
    s.version = make_etag(static_cast<std::uint64_t>(r.version));
    if (hint) {
      auto j = compose(c, ti, r, body, members, *hint);
      if (!j) return fail(std::move(j.error()));
      s.resource = std::move(*j);
    }
    return s;
  }

  // ---- write helpers ------------------------------------------------------------

  expected<std::string> next_id(connection& c, const sql::type_info& ti) {
    auto used = [&](const std::string& id) -> expected<bool> {
      auto st = c.prepare(layout_.text("SELECT 1 FROM " + layout_.resources + " WHERE type = ? AND id = ?"));
      if (!st) return fail(std::move(st.error()));
      (*st)->bind(1, ti.key);
      (*st)->bind(2, id);
      auto more = (*st)->step();
      (*st)->reset();
      return more;
    };
    if (opts_.id_generator) {
      std::string id = opts_.id_generator();
      auto u = id.empty() ? expected<bool>(true) : used(id);
      if (!u) return fail(std::move(u.error()));
      if (*u)
        return fail(error::internal("the id generator returned an empty or already used id for a " + ti.name));
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
      auto u = used(id);
      if (!u) return fail(std::move(u.error()));
      if (!*u) return id;
    }
  }

  static error uniqueness_error(const sql::type_info& ti, std::string_view attribute) {
    for (const auto& u : ti.uniques) {
      if (u.attribute != attribute) continue;
      if (u.attribute == "externalId")
        return error(error_code::uniqueness, "externalId: the value is already used by another " + ti.name);
      return error(error_code::uniqueness, u.attribute + ": the value is already used by another " + ti.name +
                                               (u.case_exact ? "" : " (compared case-insensitively)"));
    }
    return error(error_code::uniqueness, std::string(attribute) + ": the value is already used by another " + ti.name);
  }

  expected<void> check_unique(connection& c, const sql::type_info& ti,
                              const std::vector<std::pair<std::string, std::string>>& keys,
                              std::optional<std::int64_t> self) const {
    if (keys.empty()) return {};
    auto st = c.prepare(layout_.text("SELECT owner FROM " + layout_.uniques + " WHERE type = ? AND attribute = ? AND key = ?"));
    if (!st) return fail(std::move(st.error()));
    for (const auto& [attribute, key] : keys) {
      (*st)->reset();
      (*st)->bind(1, ti.key);
      (*st)->bind(2, attribute);
      (*st)->bind(3, key);
      auto more = (*st)->step();
      if (!more) return fail(std::move(more.error()));
      const bool taken = *more && (!self || (*st)->int64(0) != *self);
      (*st)->reset();
      if (taken) return fail(uniqueness_error(ti, attribute));
    }
    return {};
  }

  expected<void> write_unique_keys(connection& c, const sql::type_info& ti, std::int64_t seq,
                                   const std::vector<std::pair<std::string, std::string>>& keys, bool clear) {
    if (clear) {
      auto del = c.prepare(layout_.text("DELETE FROM " + layout_.uniques + " WHERE owner = ?"));
      if (!del) return fail(std::move(del.error()));
      if (auto ok = run_write(c, **del, {seq}); !ok) return fail(std::move(ok.error()));
    }
    if (keys.empty()) return {};
    auto ins = c.prepare(layout_.text("INSERT INTO " + layout_.uniques + " (type, attribute, key, owner) VALUES (?, ?, ?, ?)"));
    if (!ins) return fail(std::move(ins.error()));
    for (const auto& [attribute, key] : keys) {
      auto ok = run_write(c, **ins, {ti.key, attribute, key, seq});
      if (!ok) {
        if (ok.error().status == 409) return fail(uniqueness_error(ti, attribute));  // the database's own check
        return fail(std::move(ok.error()));
      }
    }
    return {};
  }

  /// Rewrites the scim_mv_* rows of a resource: every value-list attribute, or
  /// only those a change set touched.
  expected<void> write_value_rows(connection& c, const sql::type_info& ti, std::int64_t seq, const json& body,
                                  const patch::change_set* only, bool clear) {
    for (const auto& attr : ti.value_lists) {
      if (only != nullptr && !only->changed(attr) && only->delta(attr) == nullptr) continue;
      const std::string table = layout_.value_table(attr);
      if (clear) {
        auto del = c.prepare(layout_.text("DELETE FROM " + table + " WHERE owner = ?"));
        if (!del) return fail(std::move(del.error()));
        if (auto ok = run_write(c, **del, {seq}); !ok) return fail(std::move(ok.error()));
      }
      const auto rows = sql::value_rows(sql::find_ci(body, attr));
      if (rows.empty()) continue;
      auto ins = c.prepare(layout_.text("INSERT INTO " + table +
                                        " (owner, value, value_folded, display, type, is_primary) VALUES (?, ?, ?, ?, ?, ?)"));
      if (!ins) return fail(std::move(ins.error()));
      for (const auto& rw : rows) {
        std::vector<sql::sql_value> p{seq};
        p.insert(p.end(), rw.begin(), rw.end());
        if (auto ok = run_write(c, **ins, p); !ok) return fail(std::move(ok.error()));
      }
    }
    return {};
  }

  expected<void> insert_member(connection& c, std::int64_t seq, const json& element) {
    auto ins = c.prepare(layout_.text("INSERT INTO " + layout_.members +
                                      " (group_seq, value, display, type, ref, element) VALUES (?, ?, ?, ?, ?, ?)"));
    if (!ins) return fail(std::move(ins.error()));
    std::vector<sql::sql_value> p{seq};
    for (auto& v : sql::member_row(element)) p.push_back(std::move(v));
    return run_write(c, **ins, p);
  }

  expected<void> insert_members(connection& c, std::int64_t seq, const json& members) {
    if (!members.is_array()) return {};
    for (const auto& m : members) {
      if (m.is_null() || m.is_discarded()) continue;
      if (auto ok = insert_member(c, seq, m); !ok) return ok;
    }
    return {};
  }

  /// Deletes one membership row holding exactly `element`; false when none does.
  expected<bool> delete_member(connection& c, std::int64_t seq, const json& element) {
    const json* v = sql::find_ci(element, "value");
    const bool has_value = v != nullptr && v->is_string();
    auto del = c.prepare(layout_.text("DELETE FROM " + layout_.members + " WHERE member_seq = (SELECT member_seq FROM " +
                                      layout_.members + " WHERE group_seq = ? AND " +
                                      (has_value ? "value = ?" : "value IS NULL") +
                                      " AND element = ? ORDER BY member_seq LIMIT 1)"));
    if (!del) return fail(std::move(del.error()));
    if (has_value) (*del)->bind_all({seq, v->get<std::string>(), dump_json(element)});
    else (*del)->bind_all({seq, dump_json(element)});
    auto done = (*del)->step();
    if (!done) return fail(std::move(done.error()));
    const std::uint64_t n = c.changes();
    (*del)->reset();
    counters_.rows_written.fetch_add(n, std::memory_order_relaxed);
    return n > 0;
  }

  /// A PUT's members: only the difference to the stored rows is written.
  expected<void> replace_members(connection& c, std::int64_t seq, const json& members) {
    std::unordered_multimap<std::string, std::int64_t> old;
    {
      auto st = c.prepare(layout_.text("SELECT member_seq, element FROM " + layout_.members + " WHERE group_seq = ?"));
      if (!st) return fail(std::move(st.error()));
      (*st)->bind(1, seq);
      std::uint64_t n = 0;
      for (;;) {
        auto more = (*st)->step();
        if (!more) return fail(std::move(more.error()));
        if (!*more) break;
        ++n;
        old.emplace((*st)->text(1), (*st)->int64(0));
      }
      (*st)->reset();
      counters_.member_rows_read.fetch_add(n, std::memory_order_relaxed);
    }
    std::vector<const json*> added;
    if (members.is_array()) {
      for (const auto& m : members) {
        if (m.is_null() || m.is_discarded()) continue;
        auto it = old.find(dump_json(m));
        if (it != old.end()) old.erase(it);
        else added.push_back(&m);
      }
    }
    if (!old.empty()) {
      auto del = c.prepare(layout_.text("DELETE FROM " + layout_.members + " WHERE member_seq = ?"));
      if (!del) return fail(std::move(del.error()));
      for (const auto& [text, member_seq] : old)
        if (auto ok = run_write(c, **del, {member_seq}); !ok) return fail(std::move(ok.error()));
    }
    for (const json* m : added)
      if (auto ok = insert_member(c, seq, *m); !ok) return ok;
    return {};
  }

  /// A new version and lastModified for a resource whose rows changed elsewhere.
  expected<void> touch(connection& c, std::int64_t seq, instant now) {
    auto st = c.prepare(layout_.text("UPDATE " + layout_.resources +
                                     " SET version = version + 1, version_tag = 'W/\"' || (version + 1) || '\"', "
                                     "last_modified = ?, last_modified_key = ? WHERE seq = ?"));
    if (!st) return fail(std::move(st.error()));
    return run_write(c, **st, {format_date_time(now), date_key(now), seq});
  }

  // ---- PATCH --------------------------------------------------------------------

  std::optional<patch::document> cache_take(std::int64_t seq, std::int64_t version) {
    std::lock_guard lock(cache_mutex_);
    auto it = cache_.find(seq);
    if (it == cache_.end()) return std::nullopt;
    if (it->second.version != version) {
      cache_.erase(it);
      return std::nullopt;
    }
    std::optional<patch::document> d(std::move(it->second.doc));
    cache_.erase(it);
    return d;
  }

  void cache_put(std::int64_t seq, std::int64_t version, patch::document doc) {
    if (opts_.patch_cache_capacity == 0) return;
    std::lock_guard lock(cache_mutex_);
    while (cache_.size() >= opts_.patch_cache_capacity) {
      auto oldest = cache_.begin();
      for (auto it = cache_.begin(); it != cache_.end(); ++it)
        if (it->second.used < oldest->second.used) oldest = it;
      cache_.erase(oldest);
    }
    cache_[seq] = cached_document{version, ++cache_clock_, std::move(doc)};
  }

  void evict(std::int64_t seq) {
    std::lock_guard lock(cache_mutex_);
    cache_.erase(seq);
  }

  expected<patch_result> patch_once(const sql::type_info& ti, std::string_view id, const patch_function& fn,
                                    const write_options& w, bool& stale) {
    std::lock_guard wl(write_mutex_);
    auto lease = backend_.acquire();
    if (!lease) return fail(std::move(lease.error()));
    connection& c = **lease;
    if (auto ok = c.begin_write(); !ok) return fail(std::move(ok.error()));
    auto found = find_row(c, ti, id);
    if (!found) return fail(std::move(found.error()));
    if (!*found) return fail(not_found(ti.name, id));
    row r = std::move(**found);
    if (auto ok = check_if_match(w.if_match, make_etag(static_cast<std::uint64_t>(r.version))); !ok)
      return fail(std::move(ok.error()));
    if (!fn) return fail(error::internal("sql store: empty patch_function"));

    // The document: cached for this version, or loaded once.
    std::optional<patch::document> doc = cache_take(r.seq, r.version);
    const bool from_cache = doc.has_value();
    if (from_cache) {
      counters_.patch_cache_hits.fetch_add(1, std::memory_order_relaxed);
    } else {
      auto body = parse_body(r.body);
      if (!body) return fail(std::move(body.error()));
      (*body)["id"] = r.id;
      if (ti.has_members) {
        auto m = load_members(c, r.seq);
        if (!m) return fail(std::move(m.error()));
        if (!m->empty()) (*body)["members"] = std::move(*m);
      }
      doc.emplace(std::move(*body));
      counters_.documents_loaded.fetch_add(1, std::memory_order_relaxed);
    }

    auto changes = fn(*doc);
    if (!changes) {
      c.rollback();
      cache_put(r.seq, r.version, std::move(*doc));  // unchanged: the function is atomic
      return fail(std::move(changes.error()));
    }
    if (changes->empty()) {
      auto s = represent_patched(c, ti, r, *doc, nullptr, w.returning);
      c.rollback();
      cache_put(r.seq, r.version, std::move(*doc));
      if (!s) return fail(std::move(s.error()));
      return patch_result{std::move(*s), std::move(*changes)};
    }

    const instant now = w.now ? *w.now : clock();
    std::optional<json> new_body;
    auto persisted = persist_patch(c, ti, r, *doc, *changes, now, new_body);
    if (!persisted) {
      c.rollback();  // the document is dropped: it holds the rejected change
      stale = from_cache && persisted.error().status == 500 && persisted.error().code == error_code::none &&
              persisted.error().detail.rfind("sql store: stale", 0) == 0;
      return fail(std::move(persisted.error()));
    }
    auto s = represent_patched(c, ti, r, *doc, new_body ? &*new_body : nullptr, w.returning);
    if (!s) return fail(std::move(s.error()));
    if (auto ok = c.commit(); !ok) {
      c.rollback();
      return fail(std::move(ok.error()));
    }
    cache_put(r.seq, r.version, std::move(*doc));
    return patch_result{std::move(*s), std::move(*changes)};
  }

  /// Writes a change set: member rows for member deltas; the row's body,
  /// columns, value rows and keys when anything else changed; version and
  /// lastModified always. Updates `r` to the new version.
  expected<void> persist_patch(connection& c, const sql::type_info& ti, row& r, patch::document& doc,
                               const patch::change_set& cs, instant now, std::optional<json>& new_body) {
    bool members_changed = false;
    bool other_changed = false;
    for (const auto& a : cs.attributes) (ti.is_members(a) ? members_changed : other_changed) = true;
    for (const auto& d : cs.values) (ti.is_members(d.attribute) ? members_changed : other_changed) = true;

    if (members_changed) {
      if (const patch::value_delta* d = cs.delta("members")) {
        for (const auto& m : d->removed) {
          auto gone = delete_member(c, r.seq, m);
          if (!gone) return fail(std::move(gone.error()));
          if (!*gone)
            return fail(error::internal("sql store: stale document: member row of " + ti.name + " '" + r.id +
                                        "' not found; retry"));
        }
        for (const auto& m : d->added)
          if (auto ok = insert_member(c, r.seq, m); !ok) return ok;
      } else {
        // No value delta recorded: rewrite the member rows from the document.
        const json* m = sql::find_ci(doc.value(), "members");
        if (auto ok = replace_members(c, r.seq, m != nullptr ? *m : json::array()); !ok) return ok;
      }
    }

    const instant at = now;
    ++r.version;
    r.last_modified = format_date_time(at);
    if (!other_changed) {
      auto st = c.prepare(layout_.text("UPDATE " + layout_.resources +
                                       " SET version = ?, version_tag = ?, last_modified = ?, last_modified_key = ? "
                                       "WHERE seq = ?"));
      if (!st) return fail(std::move(st.error()));
      return run_write(c, **st, {r.version, make_etag(static_cast<std::uint64_t>(r.version)), r.last_modified,
                                 date_key(at), r.seq});
    }

    const json& current = doc.peek();
    const json* new_id = sql::find_ci(current, "id");
    if (new_id == nullptr || !new_id->is_string() || new_id->get_ref<const std::string&>() != r.id)
      return fail(error(error_code::mutability, "id: the PATCH would change the resource's id"));
    json body = sql::body_of(current, ti.has_members);
    const auto keys = sql::unique_keys(ti, body);
    if (auto ok = check_unique(c, ti, keys, r.seq); !ok) return ok;
    auto st = c.prepare(layout_.text(
        "UPDATE " + layout_.resources +
        " SET version = ?, version_tag = ?, last_modified = ?, last_modified_key = ?, body = ?, external_id = ?, "
        "user_name = ?, user_name_folded = ?, display_name = ?, display_name_folded = ?, active = ? WHERE seq = ?"));
    if (!st) return fail(std::move(st.error()));
    std::vector<sql::sql_value> p{r.version, make_etag(static_cast<std::uint64_t>(r.version)), r.last_modified,
                                  date_key(at), dump_json(body)};
    for (auto& v : sql::main_columns(ti, body)) p.push_back(std::move(v));
    p.emplace_back(r.seq);
    if (auto ok = run_write(c, **st, p); !ok) return ok;
    if (auto ok = write_value_rows(c, ti, r.seq, body, &cs, true); !ok) return ok;
    if (auto ok = write_unique_keys(c, ti, r.seq, keys, true); !ok) return ok;
    new_body = std::move(body);
    return {};
  }

  /// The representation after a PATCH, from the document (no re-read).
  expected<stored_resource> represent_patched(connection& c, const sql::type_info& ti, const row& r,
                                              patch::document& doc, const json* body,
                                              const std::optional<query::load_hint>& hint) const {
    stored_resource s;
    s.id = r.id;
    s.version = make_etag(static_cast<std::uint64_t>(r.version));
    if (!hint) return s;
    if (ti.has_members && hint->needs("members")) {
      const json& full = doc.value();  // compacts pending removals; the response needs the list
      const json* m = sql::find_ci(full, "members");
      auto j = compose(c, ti, r, full, m != nullptr ? m : &empty_array(), *hint);
      if (!j) return fail(std::move(j.error()));
      s.resource = std::move(*j);
      return s;
    }
    json fallback;
    if (body == nullptr) {
      fallback = sql::body_of(doc.peek(), ti.has_members);
      body = &fallback;
    }
    auto j = compose(c, ti, r, *body, &empty_array(), *hint);
    if (!j) return fail(std::move(j.error()));
    s.resource = std::move(*j);
    return s;
  }

  static const json& empty_array() {
    static const json a = json::array();
    return a;
  }

  // ---- queries ------------------------------------------------------------------

  /// Translates what it can of the filter (see the top of this header).
  expected<filter_plan> plan_filter(const resource_type& rt, const sql::type_info& ti, const query_request& q,
                                    const filter::predicate* pred) const {
    filter_plan plan;
    plan.where.where = "1=1";
    if (pred == nullptr) return plan;  // no filter
    plan.exact = false;
    if (q.filter == nullptr || q.filter->empty()) {  // a predicate alone
      plan.needs_members = ti.has_members;
      return plan;
    }
    plan.needs_members = ti.has_members && sql::mentions(q.filter, ti.core_urn, "members");
    if (!ti.mapping_ok) return plan;
    const bool caller_predicate = q.predicate != nullptr;
    filter::sql_options so;
    so.dialect = Backend::dialect;
    so.table_alias = "r";
    so.first_parameter = 2;
    if (!(caller_predicate && sql::has_string_boolean(*q.filter))) {
      auto whole = filter::to_sql(*q.filter, rt, reg_, ti.mapping, so);
      if (whole) {
        plan.where = std::move(*whole);
        plan.exact = true;
        return plan;
      }
      if (whole.error().status >= 500) return fail(std::move(whole.error()));
    }
    // Narrow with the conjuncts that translate; the predicate decides.
    const filter::filter& f = *q.filter;
    const filter::node& root = f.root_node();
    if (root.kind != filter::node_kind::logical_and) return plan;
    std::string where;
    std::vector<sql::sql_value> params;
    for (filter::node_id child : f.children(root)) {
      auto sub = filter::parse(filter::to_string(f, child));
      if (!sub || sub->empty()) continue;
      if (caller_predicate && sql::has_string_boolean(*sub)) continue;
      so.first_parameter = 2 + params.size();
      auto part = filter::to_sql(*sub, rt, reg_, ti.mapping, so);
      if (!part) continue;
      if (!where.empty()) where += " AND ";
      where += "(" + part->where + ")";
      params.insert(params.end(), part->params.begin(), part->params.end());
    }
    if (!where.empty()) {
      plan.where.where = std::move(where);
      plan.where.params = std::move(params);
    }
    return plan;
  }

  /// `FROM resources AS r WHERE r.type = ? AND (<filter>)`
  sql::builder from_where(const sql::type_info& ti, const filter_plan& plan, std::string_view select) const {
    sql::builder b(Backend::dialect);
    b.add("SELECT ").add(select).add(" FROM " + layout_.resources + " AS r WHERE r.type = ?").bind(ti.key);
    b.add(" AND (").add(plan.where).add(")");
    return b;
  }

  /// Runs a built statement, calling `f(statement&)` per row.
  template <class F>
  expected<void> each_row(connection& c, const sql::builder& b, F&& f) const {
    auto st = c.prepare_once(b.text());
    if (!st) return fail(std::move(st.error()));
    (*st)->bind_all(b.params());
    for (;;) {
      auto more = (*st)->step();
      if (!more) return fail(std::move(more.error()));
      if (!*more) break;
      if (auto ok = f(**st); !ok) return ok;
    }
    return {};
  }

  static error bad_cursor() {
    return error(error_code::invalid_cursor,
                 "cursor: the cursor does not describe a position in this result set; request the first page "
                 "again with an empty cursor");
  }

  /// A position of the form {"after": n[, "before": true]} (unsorted) or
  /// {"key": k, "id": s[, "before": true]} (sorted).
  struct position {
    bool backwards = false;
    std::uint64_t after = 0;
    query::sort_key key;
    std::string id;
  };

  static expected<std::optional<position>> read_position(const std::string& text, bool sorted) {
    if (text.empty()) return std::optional<position>{};
    auto parsed = parse_json(text);
    if (!parsed || !parsed->is_object()) return fail(bad_cursor());
    const json& p = *parsed;
    position pos;
    if (auto b = p.find("before"); b != p.end()) {
      if (!b->is_boolean() || !b->get<bool>()) return fail(bad_cursor());
      pos.backwards = true;
    }
    if (!sorted) {
      auto it = p.find("after");
      if (it == p.end() || !it->is_number_unsigned()) return fail(bad_cursor());
      pos.after = it->get<std::uint64_t>();
      return std::optional<position>(std::move(pos));
    }
    auto k = p.find("key");
    auto i = p.find("id");
    if (k == p.end() || i == p.end() || !i->is_string()) return fail(bad_cursor());
    auto key = query::sort_key_from_json(*k);
    if (!key) return fail(bad_cursor());
    pos.key = std::move(*key);
    pos.id = i->get<std::string>();
    return std::optional<position>(std::move(pos));
  }

  expected<json> compose_row(connection& c, const sql::type_info& ti, const row& r, const query::load_hint& hint) const {
    auto body = parse_body(r.body);
    if (!body) return fail(std::move(body.error()));
    return compose(c, ti, r, *body, nullptr, hint);
  }

  /// Filter, count and page in SQL (no sort, the filter translated whole).
  expected<query_result> query_in_sql(connection& c, const sql::type_info& ti, const query_request& q,
                                      const filter_plan& plan) const {
    query_result out;
    {
      auto b = from_where(ti, plan, "COUNT(*)");
      auto ok = each_row(c, b, [&](const statement& st) -> expected<void> {
        out.total_results = st.int64(0);
        return {};
      });
      if (!ok) return fail(std::move(ok.error()));
    }
    // (a plain flag and value rather than std::optional: GCC 12 reports a false
    // maybe-uninitialized on the optional at -O2)
    const bool limited = q.count.has_value();
    const std::int64_t count_value = limited ? (*q.count < 0 ? 0 : *q.count) : 0;
    const std::string cols(sql::layout::row_columns);
    std::vector<row> rows;
    auto collect = [&](sql::builder& b) -> expected<void> {
      return each_row(c, b, [&](const statement& st) -> expected<void> {
        rows.push_back(read_row(st));
        return {};
      });
    };
    auto emit = [&](std::size_t n) -> expected<void> {
      out.resources.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        auto j = compose_row(c, ti, rows[i], q.load);
        if (!j) return fail(std::move(j.error()));
        out.resources.push_back(std::move(*j));
      }
      return {};
    };

    if (!q.cursor_position) {
      if (limited && count_value == 0) return out;
      const std::int64_t start = q.start_index < 1 ? 1 : q.start_index;
      auto b = from_where(ti, plan, cols);
      b.add(" ORDER BY r.seq");
      if (limited) b.add(" LIMIT ?").bind(count_value);
      else if (Backend::dialect == filter::sql_dialect::sqlite) b.add(" LIMIT -1");
      b.add(" OFFSET ?").bind(start - 1);
      if (auto ok = collect(b); !ok) return fail(std::move(ok.error()));
      if (auto ok = emit(rows.size()); !ok) return fail(std::move(ok.error()));
      return out;
    }

    auto pos = read_position(*q.cursor_position, false);
    if (!pos) return fail(std::move(pos.error()));
    // Where the page starts: after a seq (exclusive), at a seq (inclusive), or at the beginning.
    std::optional<std::int64_t> after, at;
    if (*pos && !(*pos)->backwards) {
      after = static_cast<std::int64_t>((*pos)->after);
    } else if (*pos) {
      const auto before = static_cast<std::int64_t>((*pos)->after);
      if (limited && count_value == 0) {
        at = before;
      } else if (limited) {
        std::vector<std::int64_t> prior;
        auto b = from_where(ti, plan, "r.seq");
        b.add(" AND r.seq < ?").bind(before).add(" ORDER BY r.seq DESC LIMIT ?").bind(count_value + 1);
        auto ok = each_row(c, b, [&](const statement& st) -> expected<void> {
          prior.push_back(st.int64(0));
          return {};
        });
        if (!ok) return fail(std::move(ok.error()));
        // More than `count` precede: the page is the `count` just before; else the first page.
        if (static_cast<std::int64_t>(prior.size()) > count_value) at = prior[static_cast<std::size_t>(count_value - 1)];
      }
    }
    auto b = from_where(ti, plan, cols);
    if (after) b.add(" AND r.seq > ?").bind(*after);
    if (at) b.add(" AND r.seq >= ?").bind(*at);
    b.add(" ORDER BY r.seq");
    if (limited) b.add(" LIMIT ?").bind(count_value + 1);
    if (auto ok = collect(b); !ok) return fail(std::move(ok.error()));
    const std::size_t n = limited ? std::min(rows.size(), static_cast<std::size_t>(count_value)) : rows.size();
    const bool more = limited && rows.size() > static_cast<std::size_t>(count_value);
    if (auto ok = emit(n); !ok) return fail(std::move(ok.error()));
    auto make = [](std::int64_t seq, bool before) {
      json p = json::object();
      if (before) p["before"] = true;
      p["after"] = static_cast<std::uint64_t>(seq);
      return dump_json(p);
    };
    if (n > 0 && more) out.next_position = make(rows[n - 1].seq, false);
    if (!rows.empty()) {
      bool earlier = false;
      auto e = from_where(ti, plan, "1");
      e.add(" AND r.seq < ?").bind(rows.front().seq).add(" LIMIT 1");
      auto ok = each_row(c, e, [&](const statement&) -> expected<void> {
        earlier = true;
        return {};
      });
      if (!ok) return fail(std::move(ok.error()));
      if (earlier) out.previous_position = make(rows.front().seq, true);
    }
    return out;
  }

  /// Candidates from SQL, the predicate and the sort in memory, paging as the memory store pages.
  expected<query_result> query_in_memory(connection& c, const sql::type_info& ti, const query_request& q,
                                         const filter_plan& plan, const filter::predicate* pred) const {
    struct match {
      std::int64_t seq;
      std::string id;
    };
    std::vector<match> matches;
    std::vector<query::sort_key> keys;
    const query::sort_spec* sort = q.sort;
    const std::string sort_col = sort != nullptr ? sql::sort_column(ti, *sort) : std::string();
    const bool sort_on_members =
        sort != nullptr && sort->container.empty() && ti.is_members(sort->attribute);
    const bool need_json = !plan.exact || (sort != nullptr && sort_col.empty());
    std::string select = "r.seq, r.id";
    if (!sort_col.empty()) select += ", r." + sort_col;
    if (need_json) select += ", " + std::string(sql::layout::row_columns);
    // Unsorted index paging knows its window in advance: the JSON parsed for
    // the predicate is kept for those matches instead of being read again.
    std::size_t keep_from = 0, keep_to = 0;
    if (need_json && sort == nullptr && !q.cursor_position) {
      const std::int64_t start = q.start_index < 1 ? 1 : q.start_index;
      keep_from = static_cast<std::size_t>(start - 1);
      keep_to = !q.count ? static_cast<std::size_t>(-1)
                         : keep_from + static_cast<std::size_t>(*q.count < 0 ? 0 : *q.count);
    }
    std::vector<std::pair<row, json>> kept;
    auto b = from_where(ti, plan, select);
    b.add(" ORDER BY r.seq");
    const int json_at = sort_col.empty() ? 2 : 3;
    auto ok = each_row(c, b, [&](const statement& st) -> expected<void> {
      match m{st.int64(0), st.text(1)};
      json full;
      row r;
      if (need_json) {
        r.seq = st.int64(json_at);
        r.id = st.text(json_at + 1);
        r.resource_type = st.text(json_at + 2);
        r.version = st.int64(json_at + 3);
        r.created = st.text(json_at + 4);
        r.last_modified = st.text(json_at + 5);
        auto body = parse_body(st.text(json_at + 6));
        if (!body) return fail(std::move(body.error()));
        full = std::move(*body);
        full["id"] = r.id;
        full["meta"] = meta_of(r);
        if ((plan.needs_members && !plan.exact) || sort_on_members) {
          auto mem = load_members(c, r.seq);
          if (!mem) return fail(std::move(mem.error()));
          if (!mem->empty()) full["members"] = std::move(*mem);
        }
      }
      if (!plan.exact && pred != nullptr) {
        counters_.resources_evaluated.fetch_add(1, std::memory_order_relaxed);
        if (!pred->matches(full)) return {};
      }
      if (sort != nullptr) {
        if (!sort_col.empty()) keys.push_back(sql::sort_key_of_column(*sort, st.optional_text(2)));
        else keys.push_back(query::extract_sort_key(*sort, full));
      }
      if (matches.size() >= keep_from && matches.size() < keep_to) kept.emplace_back(std::move(r), std::move(full));
      matches.push_back(std::move(m));
      return {};
    });
    if (!ok) return fail(std::move(ok.error()));

    query_result out;
    out.total_results = static_cast<std::int64_t>(matches.size());
    if (sort != nullptr) {
      std::vector<std::size_t> order(matches.size());
      for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
      const query::sort_order dir = sort->order;
      std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b2) {
        return query::compare(keys[a], matches[a].id, keys[b2], matches[b2].id, dir) < 0;
      });
      std::vector<match> m2;
      std::vector<query::sort_key> k2;
      m2.reserve(order.size());
      k2.reserve(order.size());
      for (const std::size_t i : order) {
        m2.push_back(std::move(matches[i]));
        k2.push_back(std::move(keys[i]));
      }
      matches = std::move(m2);
      keys = std::move(k2);
    }

    // Page.
    const std::size_t total = matches.size();
    std::size_t begin = 0;
    if (q.cursor_position) {
      auto pos = read_position(*q.cursor_position, sort != nullptr);
      if (!pos) return fail(std::move(pos.error()));
      bool backwards = false;
      if (*pos) {
        backwards = (*pos)->backwards;
        if (sort == nullptr) {
          const auto after = static_cast<std::int64_t>((*pos)->after);
          auto it = backwards ? std::lower_bound(matches.begin(), matches.end(), after,
                                                 [](const match& m, std::int64_t v) { return m.seq < v; })
                              : std::upper_bound(matches.begin(), matches.end(), after,
                                                 [](std::int64_t v, const match& m) { return v < m.seq; });
          begin = static_cast<std::size_t>(it - matches.begin());
        } else {
          // First index strictly after (key, id); backwards: first index at or after it.
          std::size_t lo = 0, hi = matches.size();
          const int limit = backwards ? 0 : 1;
          while (lo < hi) {
            const std::size_t mid = lo + (hi - lo) / 2;
            if (query::compare(keys[mid], matches[mid].id, (*pos)->key, (*pos)->id, sort->order) < limit)
              lo = mid + 1;
            else
              hi = mid;
          }
          begin = lo;
        }
      }
      if (backwards) {
        const std::size_t c2 = q.count ? static_cast<std::size_t>(*q.count < 0 ? 0 : *q.count) : begin;
        begin = begin > c2 ? begin - c2 : 0;
      }
    } else {
      const std::int64_t start = q.start_index < 1 ? 1 : q.start_index;
      begin = static_cast<std::uint64_t>(start - 1) >= total ? total : static_cast<std::size_t>(start - 1);
    }
    std::size_t n = total - begin;
    if (q.count) {
      const std::int64_t cnt = *q.count < 0 ? 0 : *q.count;
      if (static_cast<std::uint64_t>(cnt) < n) n = static_cast<std::size_t>(cnt);
    }
    out.resources.reserve(n);
    if (keep_to > keep_from) {
      for (std::size_t i = 0; i < n && i < kept.size(); ++i) {
        const json* m = ti.has_members ? sql::find_ci(kept[i].second, "members") : nullptr;
        auto j = compose(c, ti, kept[i].first, kept[i].second, m, q.load);
        if (!j) return fail(std::move(j.error()));
        out.resources.push_back(std::move(*j));
      }
      n = 0;
    }
    for (std::size_t i = begin; i < begin + n; ++i) {
      auto r = find_row_by_seq(c, matches[i].seq);
      if (!r) return fail(std::move(r.error()));
      if (!*r) continue;
      auto j = compose_row(c, ti, **r, q.load);
      if (!j) return fail(std::move(j.error()));
      out.resources.push_back(std::move(*j));
    }
    auto make = [&](std::size_t i, bool before) {
      json p = json::object();
      if (before) p["before"] = true;
      if (sort != nullptr) {
        p["key"] = query::to_json_value(keys[i]);
        p["id"] = matches[i].id;
      } else {
        p["after"] = static_cast<std::uint64_t>(matches[i].seq);
      }
      return dump_json(p);
    };
    if (q.cursor_position && n > 0 && begin + n < total) out.next_position = make(begin + n - 1, false);
    if (q.cursor_position && begin > 0 && begin < total) out.previous_position = make(begin, true);
    return out;
  }

  const schema_registry& reg_;
  sql_store_options opts_;
  sql::layout layout_;
  mutable Backend backend_;
  std::optional<error> init_error_;
  std::vector<std::string> value_tables_;
  mutable std::mutex types_mutex_;
  mutable std::map<std::string, std::unique_ptr<sql::type_info>> types_;
  std::mutex write_mutex_;
  std::mt19937_64 rng_;
  std::mutex cache_mutex_;
  std::unordered_map<std::int64_t, cached_document> cache_;
  std::uint64_t cache_clock_ = 0;
  mutable atomic_counters counters_;
};

/// The SQLite store (see the top of this header).
class sqlite_store : public basic_sql_store<sqlite_backend> {
 public:
  /// Opens (creating if needed) the database at `path`: a file name,
  /// ":memory:", or an SQLite URI ("file:..."). `reg` must outlive the store.
  /// Failure to open is reported by open_error() and by every call (500).
  sqlite_store(const schema_registry& reg, std::string path, sqlite_store_options opts = {})
      : basic_sql_store<sqlite_backend>(reg, static_cast<const sql_store_options&>(opts), std::move(path), opts) {}

  /// Uses an open connection it does not own (see sqlite_backend).
  sqlite_store(const schema_registry& reg, sqlite3* db, sqlite_store_options opts = {})
      : basic_sql_store<sqlite_backend>(reg, static_cast<const sql_store_options&>(opts), db, opts) {}

  /// Opens a store, or the reason it cannot be opened.
  static expected<std::unique_ptr<sqlite_store>> open(const schema_registry& reg, std::string path,
                                                      sqlite_store_options opts = {}) {
    auto s = std::make_unique<sqlite_store>(reg, std::move(path), std::move(opts));
    if (s->open_error()) return fail(*s->open_error());
    return s;
  }
};

static_assert(resource_store<sqlite_store>);

}  // namespace store
SCIM_END_NAMESPACE
