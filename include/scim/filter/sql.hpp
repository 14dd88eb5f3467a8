// scimpp: translation of filters (RFC 7644 section 3.4.2.2) into
// parameterised SQL WHERE fragments for SQLite and PostgreSQL.
//
//   auto f = scim::filter::parse(R"(emails[type eq "work" and value co "@x"])");
//   auto sql = scim::filter::to_sql(*f, user_type, registry, mapping, sql_dialect::sqlite);
//   // sql->where : EXISTS (SELECT 1 FROM user_emails AS scim_c1 WHERE scim_c1.user_id = users.id
//   //              AND ((scim_c1.type IS NOT NULL AND lower(scim_c1.type) = ?) AND ...))
//   // sql->params: {"work", "%@x%"}
//
// Every literal of the filter becomes a bound parameter (`?` for SQLite, `$n`
// for PostgreSQL); the SQL text holds only identifiers from the application's
// column_mapping and constants of the translator. Nothing here talks to a
// database: the application prepares the statement and binds the values.
//
// The column mapping
// ------------------
// A column_mapping describes how one resource type is stored, in terms of
// attribute paths (the grammar of scim/path.hpp; names case-insensitive):
//   * a main table (`users`) with a key column (`id`, `pk`...);
//   * column(path, sql_column): a single-valued simple attribute or
//     sub-attribute stored in a column (`userName` -> `user_name`,
//     `name.givenName` -> `given_name`, `meta.created` -> `created`,
//     `urn:...:enterprise:2.0:User:manager.value` -> `manager_id`), with an
//     optional pre-folded copy (`user_name_lower`, written with sql_folded())
//     for caseExact=false comparisons and, for dateTime attributes, an
//     optional canonical key column (written with sql_date_time_key());
//   * child_table(attribute, sql_child_table): a top-level attribute whose
//     values are rows of another table (`emails` -> `user_emails`, joined on
//     `user_emails.user_id = users.<key>`); the sub-attributes are then
//     columns of that table (`emails.value` -> `value`), and a multi-valued
//     simple attribute names its own column (`schemas` -> `uri`).
// An attribute whose top-level attribute has no child table holds at most one
// value (its columns live in the main table). The same mapping serves a
// store's writes (columns() and child_tables() enumerate it), its sorting
// (find_column) and this translator.
//
// Semantics: those of the evaluator (scim/filter/evaluator.hpp), which is the
// oracle; tests/sql checks both on the same data through a real SQLite. The
// translation assumes the store represents its resources faithfully: a value
// absent from the JSON is NULL, "" is '', one row per non-null element of a
// multi-valued attribute, and an attribute the mapping does not cover is not
// kept by the store. Then:
//   * every translated predicate is two-valued (never SQL NULL), so
//     `not (title co "x")` matches resources without a title exactly as the
//     evaluator does: comparisons are guarded as `(col IS NOT NULL AND ...)`,
//     multi-valued terms are EXISTS (...), constants are `1=0` / `1=1`;
//   * caseExact=false strings compare ASCII-folded, like the evaluator: the
//     literal is folded before binding and the column is the pre-folded
//     column when mapped, else `lower(col)` on SQLite (its built-in lower()
//     folds ASCII only; a build with the ICU extension would fold more) and
//     `translate(col, 'A..Z', 'a..z')` on PostgreSQL (whose lower() follows
//     the locale and folds non-ASCII letters, so it is not used);
//   * co/sw/ew: PostgreSQL uses `LIKE $n ESCAPE '\'` (case-sensitive; the
//     literal's %, _ and \ are escaped; needs standard_conforming_strings,
//     the default). SQLite's LIKE folds ASCII case by default, so it is used
//     only for caseExact=false (both sides folded, which is right whatever
//     PRAGMA case_sensitive_like says); caseExact=true uses GLOB, which is
//     always case-sensitive, with *, ? and [ escaped as [*], [?], [[];
//   * ordering of strings is by bytes (the evaluator compares bytes): SQLite's
//     BINARY collation; on PostgreSQL `COLLATE "C"` is added to gt/ge/lt/le.
//     Equality relies on the column's collation being deterministic (any
//     PostgreSQL default collation is);
//   * dateTime attributes compare as instants through a key column holding
//     the canonical UTC text `YYYY-MM-DDThh:mm:ss.nnnnnnnnnZ` (fixed width, so
//     text order is time order; sql_date_time_key()). The key is NULL when the
//     value is not a valid dateTime, which then matches no comparison, like
//     the evaluator. The key covers years 0000-9999; an instant outside (only
//     reachable with an offset on the first or last day) has a NULL key and
//     matches no ordering, a documented difference. When the mapping names no
//     key column, the value column itself must hold the canonical key.
//     co/sw/ew on a dateTime compare the text as received (value column);
//   * booleans: SQLite columns hold 0/1, PostgreSQL columns are boolean; the
//     parameter is a bool (a SQLite binder binds it as an integer);
//   * integers compare exactly with integer literals; with a decimal literal
//     the column is CAST to REAL / double precision, as the evaluator
//     converts. Decimal columns should be REAL / double precision;
//   * `ne` needs a value (`col IS NOT NULL AND col <> ?`); on a multi-valued
//     attribute any value may differ (EXISTS ... <>), like the evaluator;
//   * `pr`: not NULL and, for strings, not ''; for a multi-valued attribute
//     EXISTS such a value; for a complex attribute any mapped sub-attribute
//     is present. `eq null` is NOT (pr), `ne null` is pr, other operators
//     against null and comparisons of mismatched types are `1=0`;
//   * a bare multi-valued complex attribute in a comparison compares its
//     `value` sub-attribute (`emails co "x"` = `emails.value co "x"`);
//   * a value filter on a child-table attribute is one EXISTS whose
//     conditions all hold on the same row; on a main-table complex attribute
//     it needs the object to exist, i.e. one of its mapped sub-attribute
//     columns to be non-NULL;
//   * errors: everything the evaluator's compile() rejects is rejected with
//     the same error (400 invalidFilter with the position); an attribute the
//     mapping does not cover is 400 invalidFilter naming it (never "match
//     everything"); a bad mapping (path or SQL identifier) is 500. Under
//     compile_options::unknown_attributes == no_match an unknown attribute is
//     `1=0`, as in the evaluator.
// Identifiers from the mapping are emitted as written (validated as plain or
// double-quoted SQL identifiers, never quoted by the translator), so they
// follow the database's own case rules.
#pragma once

#include "scim/config.hpp"
#include "scim/date_time.hpp"
#include "scim/detail/ascii.hpp"
#include "scim/error.hpp"
#include "scim/expected.hpp"
#include "scim/filter/ast.hpp"
#include "scim/filter/evaluator.hpp"
#include "scim/path.hpp"
#include "scim/schema/attribute.hpp"
#include "scim/schema/registry.hpp"
#include "scim/schema/resource_type.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

SCIM_BEGIN_NAMESPACE
namespace filter {

/// The SQL dialects the translator writes.
enum class sql_dialect { sqlite, postgresql };

constexpr std::string_view to_string(sql_dialect d) noexcept {
  return d == sql_dialect::postgresql ? "postgresql" : "sqlite";
}

/// A bound parameter: null, integer, double, text or boolean (index order).
using sql_value = std::variant<std::monostate, std::int64_t, double, std::string, bool>;

/// A WHERE fragment and the values of its placeholders, in placeholder order.
struct sql_fragment {
  std::string where;               ///< a boolean SQL expression; "1=1" for an empty filter
  std::vector<sql_value> params;   ///< bind in order (`?`), or as $first..$n
};

/// The column(s) holding one simple attribute (or sub-attribute).
struct sql_column {
  std::string name;           ///< the value as received ("user_name")
  std::string folded;         ///< optional: sql_folded(value), for caseExact=false comparisons
  std::string date_time_key;  ///< optional, dateTime: sql_date_time_key(value), NULL when invalid
};

/// A table holding the values of a multi-valued (or side-table) attribute,
/// one row per value.
struct sql_child_table {
  std::string table;         ///< "user_emails"
  std::string owner_column;  ///< references the main table's key column ("user_id")
};

/// Options of to_sql beyond the dialect.
struct sql_options {
  sql_dialect dialect = sql_dialect::sqlite;
  /// Qualifier of the main table's columns, when the query gives the table an
  /// alias (`FROM users AS u` -> "u"); empty: the mapping's table name.
  std::string table_alias{};
  /// PostgreSQL: the number of the first placeholder, so that the caller's
  /// own parameters can come first.
  std::size_t first_parameter = 1;
};

/// ASCII lower-case folding, as the evaluator folds caseExact=false strings:
/// what a store writes into an sql_column::folded column.
inline std::string sql_folded(std::string_view value) { return scim::detail::to_lower(value); }

/// The canonical key of an instant: `YYYY-MM-DDThh:mm:ss.nnnnnnnnnZ` (UTC, 30
/// bytes, text order == time order); nullopt outside years 0000-9999.
inline std::optional<std::string> sql_date_time_key(instant t) {
  std::int64_t days = t.seconds / 86400;
  std::int64_t rem = t.seconds % 86400;
  if (rem < 0) rem += 86400, --days;
  const auto c = scim::detail::civil_from_days(days);
  if (c.y < 0 || c.y > 9999 || t.nanos < 0 || t.nanos > 999999999) return std::nullopt;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%09dZ", static_cast<int>(c.y), c.m, c.d,
                static_cast<int>(rem / 3600), static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60),
                static_cast<int>(t.nanos));
  return std::string(buf);
}

/// The canonical key of a dateTime text (see above); nullopt when the text is
/// not a valid xsd:dateTime or is outside the key's range.
inline std::optional<std::string> sql_date_time_key(std::string_view text) {
  const auto t = parse_date_time(text);
  if (!t) return std::nullopt;
  return sql_date_time_key(*t);
}

namespace detail {

// A plain identifier ([A-Za-z_][A-Za-z0-9_$]*) or a double-quoted one ("" inside).
inline bool sql_identifier_part(std::string_view s) noexcept {
  if (s.empty()) return false;
  if (s.front() == '"') {
    if (s.size() < 3 || s.back() != '"') return false;
    for (std::size_t i = 1; i + 1 < s.size(); ++i) {
      if (s[i] == '\0') return false;
      if (s[i] == '"') {
        if (i + 2 < s.size() && s[i + 1] == '"') ++i;
        else return false;
      }
    }
    return true;
  }
  if (!scim::detail::is_alpha(s[0]) && s[0] != '_') return false;
  for (const char c : s)
    if (!scim::detail::is_alpha(c) && !scim::detail::is_digit(c) && c != '_' && c != '$') return false;
  return true;
}

// An identifier, or with `qualified` a dot-separated chain of them (`public.users`).
inline bool sql_identifier(std::string_view s, bool qualified) noexcept {
  if (!qualified) return sql_identifier_part(s);
  std::size_t start = 0;
  bool quoted = false;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i < s.size() && s[i] == '"') quoted = !quoted;
    if (i == s.size() || (s[i] == '.' && !quoted)) {
      if (!sql_identifier_part(s.substr(start, i - start))) return false;
      start = i + 1;
    }
  }
  return !quoted;
}

}  // namespace detail

/// How the attributes of one resource type are stored (see the header comment).
class column_mapping {
 public:
  struct column_entry {
    attribute_path path;  ///< as given: `userName`, `emails.value`, `urn:...:User:department`
    sql_column column;
  };
  struct child_entry {
    attribute_path path;  ///< a top-level attribute: `emails`, `urn:...:User:manager`
    sql_child_table table;
  };

  column_mapping() = default;
  /// Resources live in `table` (may be schema-qualified), identified by
  /// `key_column`, which child tables' owner columns reference.
  explicit column_mapping(std::string table, std::string key_column = "id")
      : table_(std::move(table)), key_column_(std::move(key_column)) {
    check_identifier(table_, true, "table");
    check_identifier(key_column_, false, "key column");
  }

  /// Maps a simple attribute or sub-attribute to a column (replacing an
  /// earlier mapping of the same path). For an attribute with a child table
  /// the column belongs to that table.
  column_mapping& column(std::string_view path, sql_column c) {
    auto p = parse_attribute_path(path);
    if (!p) {
      note(error::internal("column mapping: '" + std::string(path) + "' is not an attribute path: " +
                           p.error().detail));
      return *this;
    }
    check_identifier(c.name, false, "column of '" + std::string(path) + "'");
    if (!c.folded.empty()) check_identifier(c.folded, false, "folded column of '" + std::string(path) + "'");
    if (!c.date_time_key.empty())
      check_identifier(c.date_time_key, false, "dateTime key column of '" + std::string(path) + "'");
    for (auto& e : columns_) {
      if (e.path == *p) {
        e.column = std::move(c);
        return *this;
      }
    }
    columns_.push_back({std::move(*p), std::move(c)});
    return *this;
  }
  /// Maps a simple attribute or sub-attribute to the column `name`.
  column_mapping& column(std::string_view path, std::string_view name) {
    return column(path, sql_column{std::string(name), {}, {}});
  }

  /// Stores the values of the top-level attribute `attribute` in a child table.
  column_mapping& child_table(std::string_view attribute, sql_child_table t) {
    auto p = parse_attribute_path(attribute);
    if (!p || p->has_sub_attribute()) {
      note(error::internal("column mapping: child table '" + t.table + "': '" + std::string(attribute) +
                           "' is not a top-level attribute path"));
      return *this;
    }
    check_identifier(t.table, true, "child table of '" + std::string(attribute) + "'");
    check_identifier(t.owner_column, false, "owner column of '" + std::string(attribute) + "'");
    for (auto& e : children_) {
      if (e.path == *p) {
        e.table = std::move(t);
        return *this;
      }
    }
    children_.push_back({std::move(*p), std::move(t)});
    return *this;
  }

  const std::string& table() const noexcept { return table_; }
  const std::string& key_column() const noexcept { return key_column_; }
  const std::vector<column_entry>& columns() const noexcept { return columns_; }
  const std::vector<child_entry>& child_tables() const noexcept { return children_; }

  /// The first problem met while building the mapping (a path that does not
  /// parse, an invalid SQL identifier); to_sql fails with it (500).
  const std::optional<error>& configuration_error() const noexcept { return config_error_; }

  /// The column of the simple attribute `r` designates (its sub-attribute if
  /// any); nullptr when unmapped.
  const sql_column* find_column(const resource_type& rt, const resolved_attribute& r) const noexcept {
    if (r.attr == nullptr) return nullptr;
    const std::string_view sub = r.sub ? std::string_view(r.sub->name) : std::string_view();
    for (const auto& e : columns_)
      if (same_attribute(e.path, rt, r) && scim::detail::iequals(e.path.sub_attribute, sub)) return &e.column;
    return nullptr;
  }

  /// The child table of the top-level attribute of `r`; nullptr when its
  /// values live in the main table.
  const sql_child_table* find_child_table(const resource_type& rt, const resolved_attribute& r) const noexcept {
    if (r.attr == nullptr) return nullptr;
    for (const auto& e : children_)
      if (same_attribute(e.path, rt, r)) return &e.table;
    return nullptr;
  }

  /// Checks the mapping against a resource type: the configuration error if
  /// any, then every path must resolve, columns must map simple attributes and
  /// child tables top-level attributes. Errors are 500 (a server
  /// configuration problem).
  expected<void> validate(const resource_type& rt, const schema_registry& reg) const {
    if (config_error_) return fail(*config_error_);
    if (table_.empty()) return fail(error::internal("column mapping: no table"));
    for (const auto& e : columns_) {
      auto r = reg.resolve(rt, to_string(e.path));
      if (!r) return fail(error::internal("column mapping: " + r.error().detail));
      if (r->target().is_complex()) {
        return fail(error::internal("column mapping: '" + to_string(e.path) +
                                    "' is a complex attribute; map its sub-attributes"));
      }
    }
    for (const auto& e : children_) {
      auto r = reg.resolve(rt, to_string(e.path));
      if (!r) return fail(error::internal("column mapping: " + r.error().detail));
    }
    return {};
  }

 private:
  static bool same_attribute(const attribute_path& key, const resource_type& rt,
                             const resolved_attribute& r) noexcept {
    if (!scim::detail::iequals(key.name, r.attr->name)) return false;
    if (r.is_extension) return r.owner != nullptr && scim::detail::iequals(key.urn, r.owner->id);
    return key.urn.empty() || scim::detail::iequals(key.urn, rt.schema);
  }

  void note(error e) {
    if (!config_error_) config_error_ = std::move(e);
  }
  void check_identifier(const std::string& id, bool qualified, const std::string& what) {
    if (!detail::sql_identifier(id, qualified))
      note(error::internal("column mapping: " + what + " '" + id + "' is not a valid SQL identifier"));
  }

  std::string table_;
  std::string key_column_;
  std::vector<column_entry> columns_;
  std::vector<child_entry> children_;
  std::optional<error> config_error_;
};

namespace detail {

inline constexpr std::string_view sql_false = "1=0";
inline constexpr std::string_view sql_true = "1=1";
inline constexpr std::string_view sql_fold_from = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
inline constexpr std::string_view sql_fold_to = "abcdefghijklmnopqrstuvwxyz";

/// LIKE pattern text for `s` taken literally (escape character '\').
inline std::string sql_like_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  for (const char c : s) {
    if (c == '%' || c == '_' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

/// SQLite GLOB pattern text for `s` taken literally.
inline std::string sql_glob_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  for (const char c : s) {
    if (c == '*' || c == '?' || c == '[') {
      out.push_back('[');
      out.push_back(c);
      out.push_back(']');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

constexpr std::string_view sql_operator(compare_op op) noexcept {
  switch (op) {
    case compare_op::eq: return "=";
    case compare_op::ne: return "<>";
    case compare_op::gt: return ">";
    case compare_op::ge: return ">=";
    case compare_op::lt: return "<";
    case compare_op::le: return "<=";
    default: return "=";
  }
}

constexpr bool is_substring_op(compare_op op) noexcept {
  return op == compare_op::co || op == compare_op::sw || op == compare_op::ew;
}
constexpr bool is_ordering_op(compare_op op) noexcept {
  return op == compare_op::gt || op == compare_op::ge || op == compare_op::lt || op == compare_op::le;
}

constexpr bool is_text_type(attribute_type t) noexcept {
  return t == attribute_type::string || t == attribute_type::reference || t == attribute_type::binary ||
         t == attribute_type::date_time;
}

class sql_translator {
 public:
  sql_translator(const filter& f, const resource_type& rt, const schema_registry& reg, const column_mapping& map,
                 const sql_options& so, const compile_options& opts, std::string main)
      : f_(f), rt_(rt), reg_(reg), map_(map), so_(so), opts_(opts), main_(std::move(main)) {}

  expected<std::string> translate(node_id id) { return node_sql(id, nullptr); }
  std::vector<sql_value>& params() noexcept { return params_; }

 private:
  // The attribute a value filter filters and where its columns are read.
  struct scope {
    const resolved_attribute* top = nullptr;
    std::string qualifier;
  };

  // Where a term's values are: the top-level attribute, the sub-attribute
  // (nullptr for the attribute itself), the child table if any.
  struct place {
    resolved_attribute top;          // sub always nullptr
    const attribute* sub = nullptr;
    const sql_child_table* child = nullptr;
    std::string qualifier;           // alias of the child table, or of the main table
  };

  bool pg() const noexcept { return so_.dialect == sql_dialect::postgresql; }

  std::string param(sql_value v) {
    params_.push_back(std::move(v));
    if (!pg()) return "?";
    const std::size_t first = so_.first_parameter == 0 ? 1 : so_.first_parameter;
    return "$" + std::to_string(first + params_.size() - 1);
  }

  std::string next_alias() { return "scim_c" + std::to_string(++aliases_); }

  static std::string display_name(const resolved_attribute& top, const attribute* sub) {
    std::string s;
    if (top.is_extension && top.owner != nullptr) s = top.owner->id + ":";
    s += top.attr->name;
    if (sub != nullptr) s += "." + sub->name;
    return s;
  }

  const sql_column* find(const resolved_attribute& top, const attribute* sub) const {
    resolved_attribute r = top;
    r.sub = sub;
    return map_.find_column(rt_, r);
  }

  error unmapped(const node& n, const resolved_attribute& top, const attribute* sub, std::string_view why = {}) const {
    std::string d = "attribute '" + display_name(top, sub) + "' cannot be used in a filter here: the store maps no column for it";
    if (!why.empty()) d += std::string(" (") + std::string(why) + ")";
    return filter_error(f_, n, std::move(d));
  }

  // RFC 7643 forbids complex sub-attributes; a custom schema that has them
  // cannot be mapped to columns.
  error nested_complex(const node& n, const resolved_attribute& top, const attribute* sub) const {
    return filter_error(f_, n, "attribute '" + display_name(top, sub) +
                                   "' is a complex sub-attribute, which SQL translation does not support");
  }

  std::string wrap_exists(const place& p, const std::string& cond) const {
    if (p.child == nullptr) return cond;
    return "EXISTS (SELECT 1 FROM " + p.child->table + " AS " + p.qualifier + " WHERE " + p.qualifier + "." +
           p.child->owner_column + " = " + main_ + "." + map_.key_column() + " AND " + cond + ")";
  }

  expected<std::string> node_sql(node_id id, const scope* sc) {
    const node& n = f_[id];
    switch (n.kind) {
      case node_kind::logical_and:
      case node_kind::logical_or: {
        std::string out = "(";
        bool first = true;
        for (node_id c : f_.children(n)) {
          auto s = node_sql(c, sc);
          if (!s) return s;
          if (!first) out += n.kind == node_kind::logical_and ? " AND " : " OR ";
          first = false;
          out += *s;
        }
        out += ")";
        return out;
      }
      case node_kind::logical_not: {
        auto s = node_sql(n.first_child, sc);
        if (!s) return s;
        return "NOT (" + *s + ")";
      }
      case node_kind::value_filter: return value_filter_sql(n);
      case node_kind::present:
      case node_kind::compare: return leaf_sql(n, sc);
    }
    return fail(filter_error(f_, n, "unsupported filter node"));
  }

  expected<std::string> value_filter_sql(const node& n) {
    std::string text;
    append_to(text, f_.path(n));
    auto r = reg_.resolve(rt_, text);
    if (!r) {
      if (r.error().status != 400) return fail(std::move(r.error()));
      return std::string(sql_false);  // unknown attribute under unknown_attribute_policy::no_match
    }
    resolved_attribute top = *r;
    if (top.sub != nullptr) return fail(nested_complex(n, top, top.sub));
    if (const sql_child_table* child = map_.find_child_table(rt_, top)) {
      place p;
      p.top = top;
      p.child = child;
      p.qualifier = next_alias();
      scope s{&top, p.qualifier};
      auto inner = node_sql(n.first_child, &s);
      if (!inner) return inner;
      return wrap_exists(p, *inner);
    }
    // A complex attribute in the main table exists when one of its mapped
    // sub-attribute columns is not NULL.
    std::string exists;
    for (const auto& sub : top.attr->sub_attributes) {
      const sql_column* col = find(top, &sub);
      if (col == nullptr) continue;
      if (!exists.empty()) exists += " OR ";
      exists += main_ + "." + col->name + " IS NOT NULL";
    }
    if (exists.empty()) return fail(unmapped(n, top, nullptr, "none of its sub-attributes is mapped"));
    scope s{&top, main_};
    auto inner = node_sql(n.first_child, &s);
    if (!inner) return inner;
    return "((" + exists + ") AND " + *inner + ")";
  }

  // `(col IS NOT NULL AND col <> '')` for text, `col IS NOT NULL` otherwise.
  static std::string non_empty(const std::string& q, const sql_column& col, attribute_type t) {
    const std::string c = q + "." + col.name;
    if (is_text_type(t)) return "(" + c + " IS NOT NULL AND " + c + " <> '')";
    return c + " IS NOT NULL";
  }

  // Presence of the place's value on one row (or in the main table).
  expected<std::string> present_cond(const node& n, const place& p, const attribute& target) const {
    if (!target.is_complex()) {
      const sql_column* col = find(p.top, p.sub);
      if (col == nullptr) return fail(unmapped(n, p.top, p.sub));
      return non_empty(p.qualifier, *col, target.type);
    }
    std::string out;
    for (const auto& sub : target.sub_attributes) {
      const sql_column* col = find(p.top, &sub);
      if (col == nullptr) continue;
      if (!out.empty()) out += " OR ";
      out += non_empty(p.qualifier, *col, sub.type);
    }
    if (out.empty()) return fail(unmapped(n, p.top, nullptr, "none of its sub-attributes is mapped"));
    return "(" + out + ")";
  }

  expected<std::string> leaf_sql(const node& n, const scope* sc) {
    place p;
    const attribute* target = nullptr;
    if (sc == nullptr) {
      std::string text;
      append_to(text, f_.path(n));
      auto r = reg_.resolve(rt_, text);
      if (!r) {
        if (r.error().status != 400) return fail(std::move(r.error()));
        return std::string(sql_false);  // unknown attribute under unknown_attribute_policy::no_match
      }
      p.top = *r;
      p.top.sub = nullptr;
      p.sub = r->sub;
      target = r->sub ? r->sub : r->attr;
      // A bare multi-valued complex attribute compares its `value`.
      if (n.kind == node_kind::compare && target->is_complex() && target->multi_valued && p.sub == nullptr) {
        if (const attribute* v = target->find_sub_attribute("value")) {
          p.sub = v;
          target = v;
        }
      }
      if (p.sub != nullptr && p.sub->is_complex()) return fail(nested_complex(n, p.top, p.sub));
      p.child = map_.find_child_table(rt_, p.top);
      p.qualifier = p.child ? next_alias() : main_;
    } else {
      const attribute_path_view path = f_.path(n);
      const attribute* sub = sc->top->attr->find_sub_attribute(path.name);
      if (sub == nullptr || path.has_urn() || path.has_sub_attribute())
        return std::string(sql_false);  // unknown sub-attribute under no_match (compile() rejected the rest)
      p.top = *sc->top;
      p.sub = sub;
      p.qualifier = sc->qualifier;
      target = sub;
    }

    if (n.kind == node_kind::present) {
      auto cond = present_cond(n, p, *target);
      if (!cond) return cond;
      return wrap_exists(p, *cond);
    }

    leaf l;
    l.kind = leaf_kind::compare;
    l.op = n.op;
    l.type = target->type;
    l.case_exact = target->case_exact;
    prepare_literal(l, f_, n, opts_);

    if (l.lit == literal_class::null) {
      if (n.op != compare_op::eq && n.op != compare_op::ne) return std::string(sql_false);
      auto cond = present_cond(n, p, *target);
      if (!cond) return cond;
      std::string present = wrap_exists(p, *cond);
      return n.op == compare_op::eq ? "NOT (" + present + ")" : present;
    }
    if (target->is_complex()) return std::string(sql_false);  // an object equals no literal
    const sql_column* col = find(p.top, p.sub);
    if (col == nullptr) return fail(unmapped(n, p.top, p.sub));
    std::string cond = compare_cond(p.qualifier, *col, *target, l);
    if (cond == sql_false) return cond;
    return wrap_exists(p, cond);
  }

  std::string fold_expr(const std::string& c) const {
    if (pg()) {
      return "translate(" + c + ", '" + std::string(sql_fold_from) + "', '" + std::string(sql_fold_to) + "')";
    }
    return "lower(" + c + ")";
  }

  std::string string_cond(const std::string& q, const sql_column& col, bool case_exact, compare_op op,
                          const std::string& lit) {
    std::string guard = q + "." + col.name;
    std::string expr = guard;
    if (!case_exact) {
      if (!col.folded.empty()) guard = expr = q + "." + col.folded;
      else expr = fold_expr(guard);
    }
    std::string out = "(" + guard + " IS NOT NULL AND " + expr;
    if (is_substring_op(op)) {
      const bool any_before = op == compare_op::co || op == compare_op::ew;
      const bool any_after = op == compare_op::co || op == compare_op::sw;
      if (!pg() && case_exact) {
        std::string pat = any_before ? "*" : "";
        pat += sql_glob_escape(lit);
        if (any_after) pat += "*";
        out += " GLOB " + param(std::move(pat)) + ")";
      } else {
        std::string pat = any_before ? "%" : "";
        pat += sql_like_escape(lit);
        if (any_after) pat += "%";
        out += " LIKE " + param(std::move(pat)) + " ESCAPE '\\')";
      }
      return out;
    }
    if (pg() && is_ordering_op(op)) out += " COLLATE \"C\"";
    out += " ";
    out += sql_operator(op);
    out += " " + param(lit) + ")";
    return out;
  }

  std::string date_time_cond(const std::string& q, const sql_column& col, compare_op op, instant at) {
    const std::string k = q + "." + (col.date_time_key.empty() ? col.name : col.date_time_key);
    const std::string has_key = "(" + k + " IS NOT NULL)";
    auto key = sql_date_time_key(at);
    if (!key) {
      // Outside the key's years: below every stored key or above every one.
      const bool below = at.seconds < 0;
      switch (op) {
        case compare_op::ne: return has_key;
        case compare_op::gt:
        case compare_op::ge: return below ? has_key : std::string(sql_false);
        case compare_op::lt:
        case compare_op::le: return below ? std::string(sql_false) : has_key;
        default: return std::string(sql_false);
      }
    }
    std::string out = "(" + k + " IS NOT NULL AND " + k;
    if (pg() && is_ordering_op(op)) out += " COLLATE \"C\"";
    out += " ";
    out += sql_operator(op);
    out += " " + param(std::move(*key)) + ")";
    return out;
  }

  std::string compare_cond(const std::string& q, const sql_column& col, const attribute& target, const leaf& l) {
    const std::string c = q + "." + col.name;
    switch (target.type) {
      case attribute_type::string:
      case attribute_type::reference:
      case attribute_type::binary:
        if (l.lit != literal_class::string) return std::string(sql_false);
        return string_cond(q, col, l.case_exact, l.op, l.lit_text);
      case attribute_type::date_time:
        if (is_substring_op(l.op)) {
          if (l.lit != literal_class::string) return std::string(sql_false);
          return string_cond(q, col, l.case_exact, l.op, l.lit_text);
        }
        if (l.lit != literal_class::instant) return std::string(sql_false);
        return date_time_cond(q, col, l.op, l.lit_instant);
      case attribute_type::boolean:
        if (l.lit != literal_class::boolean || (l.op != compare_op::eq && l.op != compare_op::ne))
          return std::string(sql_false);
        return "(" + c + " IS NOT NULL AND " + c + " " + std::string(sql_operator(l.op)) + " " +
               param(l.lit_bool) + ")";
      case attribute_type::integer:
        if (l.lit != literal_class::number || is_substring_op(l.op)) return std::string(sql_false);
        if (l.lit_is_integer) {
          return "(" + c + " IS NOT NULL AND " + c + " " + std::string(sql_operator(l.op)) + " " +
                 param(l.lit_integer) + ")";
        }
        // The evaluator compares an integer with a decimal literal as doubles.
        return "(" + c + " IS NOT NULL AND CAST(" + c + (pg() ? " AS double precision) " : " AS REAL) ") +
               std::string(sql_operator(l.op)) + " " + param(l.lit_number) + ")";
      case attribute_type::decimal:
        if (l.lit != literal_class::number || is_substring_op(l.op)) return std::string(sql_false);
        return "(" + c + " IS NOT NULL AND " + c + " " + std::string(sql_operator(l.op)) + " " +
               param(l.lit_number) + ")";
      case attribute_type::complex: return std::string(sql_false);
    }
    return std::string(sql_false);
  }

  const filter& f_;
  const resource_type& rt_;
  const schema_registry& reg_;
  const column_mapping& map_;
  const sql_options& so_;
  const compile_options& opts_;
  std::string main_;
  std::vector<sql_value> params_;
  unsigned aliases_ = 0;
};

}  // namespace detail

/// Translates a filter for resources of type `rt` stored as `map` describes
/// into a WHERE fragment and its parameters. Errors: those of compile() (same
/// status, scimType, detail and position); 400 invalidFilter for an attribute
/// the mapping does not cover; 500 for a bad mapping or table alias.
inline expected<sql_fragment> to_sql(const filter& f, const resource_type& rt, const schema_registry& reg,
                                     const column_mapping& map, const sql_options& options,
                                     const compile_options& opts = {}) {
  if (map.configuration_error()) return fail(*map.configuration_error());
  if (map.table().empty()) return fail(error::internal("column mapping: no table"));
  std::string main = options.table_alias.empty() ? map.table() : options.table_alias;
  if (!detail::sql_identifier(main, true))
    return fail(error::internal("table alias '" + main + "' is not a valid SQL identifier"));
  // The evaluator's checks, so both back ends accept and reject the same filters.
  auto checked = compile(f, rt, reg, opts);
  if (!checked) return fail(std::move(checked.error()));
  sql_fragment out;
  if (f.empty()) {
    out.where = std::string(detail::sql_true);
    return out;
  }
  detail::sql_translator t(f, rt, reg, map, options, opts, std::move(main));
  auto where = t.translate(f.root());
  if (!where) return fail(std::move(where.error()));
  out.where = std::move(*where);
  out.params = std::move(t.params());
  return out;
}

/// to_sql with default options for `dialect`.
inline expected<sql_fragment> to_sql(const filter& f, const resource_type& rt, const schema_registry& reg,
                                     const column_mapping& map, sql_dialect dialect,
                                     const compile_options& opts = {}) {
  sql_options o;
  o.dialect = dialect;
  return to_sql(f, rt, reg, map, o, opts);
}

}  // namespace filter
SCIM_END_NAMESPACE
