// Support for the SQL differential tests: a test schema registry, the column
// mapping of a users store, a deterministic user generator, and a small
// checked wrapper over SQLite's C API that creates and loads tables from the
// mapping (the way a store would).
#pragma once

#include "scim/filter/sql.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include "scim/date_time.hpp"
#include "scim/detail/ascii.hpp"
#include "scim/json.hpp"
#include "scim/schema/registry.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace scim_sql_test {

inline constexpr std::string_view enterprise_urn = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
inline constexpr std::string_view test_urn = "urn:example:params:scim:schemas:extension:scimpp:2.0:Test";

// ---- schemas ------------------------------------------------------------------

inline scim::attribute make_attribute(std::string name, scim::attribute_type type, bool multi = false,
                                      bool case_exact = false) {
  scim::attribute a;
  a.name = std::move(name);
  a.type = type;
  a.multi_valued = multi;
  a.case_exact = case_exact;
  return a;
}

/// The default registry plus a test extension of User with the types the core
/// schemas lack (integer, decimal, multi-valued simple attributes...).
inline const scim::schema_registry& test_registry() {
  static const scim::schema_registry reg = [] {
    using T = scim::attribute_type;
    scim::schema_registry r = scim::default_registry();
    scim::schema s;
    s.id = std::string(test_urn);
    s.name = "Test";
    s.attributes = {
        make_attribute("level", T::integer),      make_attribute("score", T::decimal),
        make_attribute("verified", T::boolean),   make_attribute("code", T::string, false, true),
        make_attribute("hired", T::date_time),    make_attribute("avatar", T::binary),
        make_attribute("badges", T::integer, true), make_attribute("tags", T::string, true),
    };
    r.add_schema(std::move(s));
    scim::resource_type rt = *r.find_resource_type("User");
    rt.schema_extensions.push_back({std::string(test_urn), false});
    r.add_resource_type(std::move(rt));
    return r;
  }();
  return reg;
}

inline const scim::resource_type& user_type() { return *test_registry().find_resource_type("User"); }

// ---- the mapping ----------------------------------------------------------------

/// The users store. With `folded`, caseExact=false attributes that have a
/// pre-folded column use it; without, the translator folds with lower().
inline scim::filter::column_mapping user_mapping(bool folded) {
  using scim::filter::sql_column;
  const std::string ent = std::string(enterprise_urn) + ":";
  const std::string tst = std::string(test_urn) + ":";
  auto f = [&](const char* name, const char* folded_name) {
    return sql_column{name, folded ? folded_name : "", ""};
  };
  auto dt = [](const char* name, const char* key) { return sql_column{name, "", key}; };
  scim::filter::column_mapping m("users", "pk");
  m.column("id", "id")
      .column("externalId", "external_id")
      .column("userName", f("user_name", "user_name_lower"))
      .column("name.formatted", "name_formatted")
      .column("name.familyName", f("family_name", "family_name_lower"))
      .column("name.givenName", "given_name")
      .column("name.middleName", "middle_name")
      .column("name.honorificPrefix", "honorific_prefix")
      .column("name.honorificSuffix", "honorific_suffix")
      .column("displayName", "display_name")
      .column("nickName", "nick_name")
      .column("profileUrl", "profile_url")
      .column("title", f("title", "title_lower"))
      .column("userType", "user_type")
      .column("preferredLanguage", "preferred_language")
      .column("locale", "locale")
      .column("timezone", "timezone")
      .column("active", "active")
      .column("meta.resourceType", "resource_type")
      .column("meta.created", dt("created", "created_key"))
      .column("meta.lastModified", dt("last_modified", "last_modified_key"))
      .column("meta.location", "location")
      .column("meta.version", "version")
      .column(ent + "employeeNumber", "employee_number")
      .column(ent + "costCenter", "cost_center")
      .column(ent + "organization", "organization")
      .column(ent + "division", "division")
      .column(ent + "department", f("department", "department_lower"))
      .column(ent + "manager.value", "manager_id")
      .column(ent + "manager.$ref", "manager_ref")
      .column(ent + "manager.displayName", "manager_name")
      .column(tst + "level", "level")
      .column(tst + "score", "score")
      .column(tst + "verified", "verified")
      .column(tst + "code", "code")
      .column(tst + "hired", dt("hired", "hired_key"))
      .column(tst + "avatar", "avatar")
      // multi-valued attributes: one row per value
      .child_table("schemas", {"user_schemas", "owner"})
      .column("schemas", "uri")
      .child_table("emails", {"user_emails", "owner"})
      .column("emails.value", f("value", "value_lower"))
      .column("emails.display", "display")
      .column("emails.type", "type")
      .column("emails.primary", "is_primary")
      .child_table("phoneNumbers", {"user_phones", "owner"})
      .column("phoneNumbers.value", "value")
      .column("phoneNumbers.display", "display")
      .column("phoneNumbers.type", "type")
      .column("phoneNumbers.primary", "is_primary")
      .child_table("ims", {"user_ims", "owner"})
      .column("ims.value", "value")
      .column("ims.display", "display")
      .column("ims.type", "type")
      .column("ims.primary", "is_primary")
      .child_table("addresses", {"user_addresses", "owner"})
      .column("addresses.formatted", "formatted")
      .column("addresses.streetAddress", "street_address")
      .column("addresses.locality", "locality")
      .column("addresses.region", "region")
      .column("addresses.postalCode", "postal_code")
      .column("addresses.country", "country")
      .column("addresses.type", "type")
      .child_table("roles", {"user_roles", "owner"})
      .column("roles.value", "value")
      .column("roles.display", "display")
      .column("roles.type", "type")
      .column("roles.primary", "is_primary")
      .child_table("x509Certificates", {"user_certificates", "owner"})
      .column("x509Certificates.value", "value")
      .column("x509Certificates.display", "display")
      .column("x509Certificates.type", "type")
      .column("x509Certificates.primary", "is_primary")
      .child_table(tst + "badges", {"user_badges", "owner"})
      .column(tst + "badges", "badge")
      .child_table(tst + "tags", {"user_tags", "owner"})
      .column(tst + "tags", f("tag", "tag_lower"));
  return m;
}

// ---- SQLite ---------------------------------------------------------------------

class database {
 public:
  database() {
    const int rc = sqlite3_open(":memory:", &db_);
    REQUIRE_MESSAGE(rc == SQLITE_OK, "sqlite3_open: " << sqlite3_errstr(rc));
  }
  database(const database&) = delete;
  database& operator=(const database&) = delete;
  ~database() {
    if (db_ != nullptr) sqlite3_close(db_);
  }
  sqlite3* get() const noexcept { return db_; }

  void exec(const std::string& sql) {
    char* msg = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg);
    const std::string text = msg != nullptr ? msg : "";
    sqlite3_free(msg);
    REQUIRE_MESSAGE(rc == SQLITE_OK, sql << ": " << text);
  }

 private:
  sqlite3* db_ = nullptr;
};

class statement {
 public:
  statement(const database& db, const std::string& sql) : db_(db.get()) {
    const int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt_, nullptr);
    REQUIRE_MESSAGE(rc == SQLITE_OK, "prepare: " << sql << ": " << sqlite3_errmsg(db_));
    REQUIRE(stmt_ != nullptr);
  }
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;
  ~statement() { sqlite3_finalize(stmt_); }

  void bind(int index, const scim::filter::sql_value& v) {
    int rc = SQLITE_OK;
    if (std::holds_alternative<std::monostate>(v)) {
      rc = sqlite3_bind_null(stmt_, index);
    } else if (const auto* i = std::get_if<std::int64_t>(&v)) {
      rc = sqlite3_bind_int64(stmt_, index, static_cast<sqlite3_int64>(*i));
    } else if (const auto* d = std::get_if<double>(&v)) {
      rc = sqlite3_bind_double(stmt_, index, *d);
    } else if (const auto* s = std::get_if<std::string>(&v)) {
      rc = sqlite3_bind_text(stmt_, index, s->data(), static_cast<int>(s->size()), SQLITE_TRANSIENT);
    } else if (const auto* b = std::get_if<bool>(&v)) {
      rc = sqlite3_bind_int(stmt_, index, *b ? 1 : 0);
    }
    if (rc != SQLITE_OK) FAIL("bind " << index << ": " << sqlite3_errmsg(db_));
  }
  void bind_all(const std::vector<scim::filter::sql_value>& params) {
    REQUIRE(static_cast<int>(params.size()) == sqlite3_bind_parameter_count(stmt_));
    for (std::size_t i = 0; i < params.size(); ++i) bind(static_cast<int>(i + 1), params[i]);
  }

  /// Steps once: true for a row, false when done.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) FAIL("step: " << sqlite3_errmsg(db_));
    return rc == SQLITE_ROW;
  }
  void reset() {
    if (sqlite3_reset(stmt_) != SQLITE_OK) FAIL("reset: " << sqlite3_errmsg(db_));
    if (sqlite3_clear_bindings(stmt_) != SQLITE_OK) FAIL("clear_bindings: " << sqlite3_errmsg(db_));
  }
  std::int64_t integer(int column) const { return static_cast<std::int64_t>(sqlite3_column_int64(stmt_, column)); }
  std::string text(int column) const {
    const unsigned char* t = sqlite3_column_text(stmt_, column);
    const int n = sqlite3_column_bytes(stmt_, column);
    return t == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(t), static_cast<std::size_t>(n));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// ---- loading resources through the mapping ------------------------------------------

inline const scim::json* find_member(const scim::json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  for (auto it = obj.begin(); it != obj.end(); ++it)
    if (scim::detail::iequals(it.key(), key)) return &*it;
  return nullptr;
}

enum class column_role { value, folded, key };

/// The SQL value of a JSON value for one of an attribute's columns.
inline scim::filter::sql_value sql_value_of(const scim::json* v, scim::attribute_type t, column_role role) {
  using T = scim::attribute_type;
  if (v == nullptr || v->is_null()) return std::monostate{};
  switch (t) {
    case T::string:
    case T::reference:
    case T::binary:
    case T::date_time: {
      if (!v->is_string()) return std::monostate{};
      const std::string& s = v->get_ref<const std::string&>();
      if (role == column_role::folded) return scim::filter::sql_folded(s);
      if (role == column_role::key) {
        auto k = scim::filter::sql_date_time_key(s);
        if (!k) return std::monostate{};
        return *k;
      }
      return s;
    }
    case T::boolean:
      if (v->is_boolean()) return v->get<bool>();
      return std::monostate{};
    case T::integer:
      if (v->is_number_integer()) return v->get<std::int64_t>();
      return std::monostate{};
    case T::decimal:
      if (v->is_number()) return v->get<double>();
      return std::monostate{};
    case T::complex: return std::monostate{};
  }
  return std::monostate{};
}

inline std::string_view sql_type(scim::attribute_type t) {
  using T = scim::attribute_type;
  switch (t) {
    case T::boolean:
    case T::integer: return "INTEGER";
    case T::decimal: return "REAL";
    default: return "TEXT";
  }
}

/// One table of the store, as derived from the mapping.
struct table_plan {
  std::string name;
  std::string owner_column;           // empty for the main table
  scim::resolved_attribute top;       // child tables: the attribute stored
  struct column {
    std::string name;
    scim::resolved_attribute attr;    // resolves to the simple attribute stored
    column_role role;
  };
  std::vector<column> columns;
};

/// The main table and the child tables of `map`, with resolved attributes.
inline std::vector<table_plan> plan_tables(const scim::filter::column_mapping& map) {
  const auto& reg = test_registry();
  const auto& rt = user_type();
  REQUIRE(map.validate(rt, reg));
  std::vector<table_plan> plans;
  plans.push_back({map.table(), {}, {}, {}});
  for (const auto& c : map.child_tables()) {
    auto r = reg.resolve(rt, scim::to_string(c.path));
    REQUIRE(r);
    plans.push_back({c.table.table, c.table.owner_column, *r, {}});
  }
  for (const auto& e : map.columns()) {
    auto r = reg.resolve(rt, scim::to_string(e.path));
    REQUIRE(r);
    table_plan* target = &plans.front();
    if (const auto* child = map.find_child_table(rt, *r)) {
      for (auto& p : plans)
        if (p.name == child->table) target = &p;
    }
    target->columns.push_back({e.column.name, *r, column_role::value});
    if (!e.column.folded.empty()) target->columns.push_back({e.column.folded, *r, column_role::folded});
    if (!e.column.date_time_key.empty())
      target->columns.push_back({e.column.date_time_key, *r, column_role::key});
  }
  return plans;
}

inline void create_tables(database& db, const std::vector<table_plan>& plans, const std::string& key_column) {
  for (const auto& p : plans) {
    std::string sql = "CREATE TABLE " + p.name + " (";
    if (p.owner_column.empty()) sql += key_column + " INTEGER PRIMARY KEY";
    else sql += p.owner_column + " INTEGER NOT NULL";
    for (const auto& c : p.columns) sql += ", " + c.name + " " + std::string(sql_type(c.attr.target().type));
    sql += ")";
    db.exec(sql);
    if (!p.owner_column.empty())
      db.exec("CREATE INDEX " + p.name + "_owner ON " + p.name + " (" + p.owner_column + ")");
  }
}

/// The object holding `r`'s top-level attribute: the resource or its extension object.
inline const scim::json* attribute_holder(const scim::json& resource, const scim::resolved_attribute& r) {
  if (!r.is_extension) return &resource;
  return find_member(resource, r.owner->id);
}

inline void load(database& db, const std::vector<table_plan>& plans, const std::string& key_column,
                 const std::vector<scim::json>& users) {
  db.exec("BEGIN");
  std::vector<std::unique_ptr<statement>> inserts;
  for (const auto& p : plans) {
    std::string sql = "INSERT INTO " + p.name + " (" + (p.owner_column.empty() ? key_column : p.owner_column);
    std::string values = "?";
    for (const auto& c : p.columns) {
      sql += ", " + c.name;
      values += ", ?";
    }
    sql += ") VALUES (" + values + ")";
    inserts.push_back(std::make_unique<statement>(db, sql));
  }
  for (std::size_t u = 0; u < users.size(); ++u) {
    const scim::json& user = users[u];
    const auto pk = static_cast<std::int64_t>(u + 1);
    for (std::size_t t = 0; t < plans.size(); ++t) {
      const table_plan& p = plans[t];
      statement& ins = *inserts[t];
      if (p.owner_column.empty()) {
        ins.bind(1, pk);
        int i = 2;
        for (const auto& c : p.columns) {
          const scim::json* v = nullptr;
          if (const scim::json* holder = attribute_holder(user, c.attr)) {
            v = find_member(*holder, c.attr.attr->name);
            if (v != nullptr && c.attr.sub != nullptr) v = find_member(*v, c.attr.sub->name);
          }
          ins.bind(i++, sql_value_of(v, c.attr.target().type, c.role));
        }
        ins.step();
        ins.reset();
        continue;
      }
      const scim::json* holder = attribute_holder(user, p.top);
      const scim::json* values = holder ? find_member(*holder, p.top.attr->name) : nullptr;
      if (values == nullptr || values->is_null()) continue;
      std::vector<const scim::json*> elements;
      if (values->is_array()) {
        for (const auto& e : *values)
          if (!e.is_null()) elements.push_back(&e);
      } else {
        elements.push_back(values);
      }
      for (const scim::json* e : elements) {
        ins.bind(1, pk);
        int i = 2;
        for (const auto& c : p.columns) {
          const scim::json* v = c.attr.sub != nullptr ? find_member(*e, c.attr.sub->name) : e;
          ins.bind(i++, sql_value_of(v, c.attr.target().type, c.role));
        }
        ins.step();
        ins.reset();
      }
    }
  }
  db.exec("COMMIT");
}

// ---- deterministic users ----------------------------------------------------------

/// splitmix64: a fixed sequence on every platform.
class rng {
 public:
  explicit rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  /// True with probability permille / 1000.
  bool chance(unsigned permille) { return below(1000) < permille; }
  template <std::size_t N>
  std::string_view pick(const std::string_view (&items)[N]) {
    return items[below(N)];
  }

 private:
  std::uint64_t state_;
};

inline std::string hex(rng& r, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s.push_back(digits[r.below(16)]);
  return s;
}

inline std::string uuid(rng& r) {
  return hex(r, 8) + "-" + hex(r, 4) + "-4" + hex(r, 3) + "-a" + hex(r, 3) + "-" + hex(r, 12);
}

/// `t` written in the zone `offset_minutes` east of UTC with `fraction`
/// (digits after the '.', possibly empty) and `zone` ("Z", "z", "+hh:mm", or
/// "" for none).
inline std::string format_local(std::int64_t seconds, int offset_minutes, const std::string& fraction,
                                const std::string& zone, char t = 'T') {
  const std::int64_t local = seconds + offset_minutes * 60;
  std::int64_t days = local / 86400;
  std::int64_t rem = local % 86400;
  if (rem < 0) rem += 86400, --days;
  const auto c = scim::detail::civil_from_days(days);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u%c%02d:%02d:%02d", static_cast<int>(c.y), c.m, c.d, t,
                static_cast<int>(rem / 3600), static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60));
  std::string s = buf;
  if (!fraction.empty()) s += "." + fraction;
  return s + zone;
}

inline std::string random_date_time(rng& r, std::int64_t from, std::int64_t to) {
  static constexpr int offsets[] = {0, 0, 0, 60, -480, 330, 840, -720, 345, -210, 120};
  const int off = offsets[r.below(sizeof offsets / sizeof offsets[0])];
  std::string zone;
  if (off == 0) {
    const std::size_t z = r.below(10);
    zone = z < 6 ? "Z" : (z < 7 ? "z" : (z < 9 ? "+00:00" : ""));
  } else {
    char buf[16];
    const int a = off < 0 ? -off : off;
    std::snprintf(buf, sizeof buf, "%c%02d:%02d", off < 0 ? '-' : '+', a / 60, a % 60);
    zone = buf;
  }
  std::string fraction;
  if (r.chance(500)) {
    const std::size_t digits = 1 + r.below(9);
    for (std::size_t i = 0; i < digits; ++i) fraction.push_back(static_cast<char>('0' + r.below(10)));
  }
  return format_local(r.between(from, to), off, fraction, zone, r.chance(30) ? 't' : 'T');
}

inline std::string ascii_upper(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return s;
}

inline std::string varied_case(rng& r, std::string s) {
  const std::size_t how = r.below(10);
  if (how < 2) return ascii_upper(std::move(s));
  if (how < 4) {
    for (std::size_t i = 0; i < s.size(); ++i)
      if ((i == 0 || s[i - 1] == '.') && s[i] >= 'a' && s[i] <= 'z') s[i] = static_cast<char>(s[i] - 'a' + 'A');
    return s;
  }
  return scim::detail::to_lower(s);
}

inline constexpr std::int64_t t2010 = 1262304000;  // 2010-01-01T00:00:00Z
inline constexpr std::int64_t t2026 = 1767225600;  // 2026-01-01T00:00:00Z

/// `n` users with varied data (fixed seed: the same users on every run).
inline std::vector<scim::json> make_users(std::size_t n, std::uint64_t seed) {
  using scim::json;
  static constexpr std::string_view given_names[] = {
      "Barbara", "barbara", "Jessica", "William", "Emily", "Ana",  "A_na",    "Zoë",    "José",
      "Ängel",   "Émile",   "émile",   "Li",      "Åsa",   "Mia",  "Noah",    "Olivia", "Liam",
      "Ava",     "Aiden",   "100%Real", "Jo_hn",  "Star*", "Q?uinn", "[Bracket]", "Back\\slash", "Jo"};
  static constexpr std::string_view family_names[] = {
      "Jensen",  "Ivanova", "Patel",    "Young",    "Smith",   "Johnson",  "Anderson", "Mason",
      "Martin",  "Nguyen",  "O'Malley", "o'malley", "Müller",  "MÜLLER",   "müller",   "Öztürk",
      "Straße",  "STRASSE", "García",   "Mc_Donald", "McXDonald", "Percent%", "Percentage", "李",
      "Ng",      "Moss",    "Nash",     "Mallory",  "Neumann", "Madison",  "Jackson",  "Nelson"};
  static constexpr std::string_view domains[] = {"example.com", "example.org", "EXAMPLE.COM", "Example.Org",
                                                 "foo.com",     "x%y.com",     "x_y.com",     "xay.com"};
  static constexpr std::string_view titles[] = {
      "Senior Software Engineer", "Staff Software Engineer", "Software Engineer", "engineer",
      "Data Scientist",           "100% Remote Lead",        "1000 Days Manager", "Under_score Analyst",
      "UnderXscore Analyst",      "Vice President",          "Ärztin",            "ärztin",
      "Back\\slash Admin",        "Star*Ops",                "Percent%",          "Manager",
      "manager",                  "MANAGER",                 "Zoologist",         "Éditeur"};
  static constexpr std::string_view user_types[] = {"Employee", "Employee", "Employee", "Intern", "Contractor",
                                                    "Vendor",   "employee", "EMPLOYEE"};
  static constexpr std::string_view departments[] = {"Engineering", "engineering", "ENGINEERING",  "Sales",
                                                     "R&D",         "Research_Dev", "ResearchXDev", "Ops%",
                                                     "Ops",         "Opsx",        "Ünterhaltung", "ünterhaltung"};
  static constexpr std::string_view email_types[] = {"work", "work", "home", "other", "Work", "WORK"};
  static constexpr std::string_view phone_types[] = {"mobile", "work", "home", "Mobile"};
  static constexpr std::string_view im_types[] = {"xmpp", "aim", "gtalk", "XMPP"};
  static constexpr std::string_view im_domains[] = {"@foo.com", "@bar.org", "@FOO.COM"};
  static constexpr std::string_view localities[] = {"Berlin", "berlin", "München", "Zürich", "Paris"};
  static constexpr std::string_view postal_codes[] = {"10115", "80331", "8001", "9", "75001"};
  static constexpr std::string_view roles[] = {"admin", "Admin", "user", "read_only", "readXonly"};
  static constexpr std::string_view certificates[] = {"MIIDQzCC", "miidqzcc", "MIIE%AB", "MIIEXAB"};
  static constexpr std::string_view codes[] = {"AbC", "abc", "ABC", "a%c", "a_c", "A*C", "x?y", "[z]", "abcd"};
  static constexpr std::string_view avatars[] = {"TWFu", "twfu", "QUJD", "QU*D"};
  static constexpr std::string_view tags[] = {"Alpha", "alpha", "BETA", "gamma_ray", "gamma-ray",
                                              "50%off", "über", "Über"};
  static constexpr std::string_view manager_ids[] = {"1e8df8ad-838b-47ad-bc2e-2b592c7dd667",
                                                     "26118915-6090-4610-87e4-49d8ca9f808d",
                                                     "1E8DF8AD-838B-47AD-BC2E-2B592C7DD667"};
  static constexpr std::string_view invalid_dates[] = {"2020-02-30T00:00:00Z", "yesterday", "",
                                                       "2020-01-01 00:00:00"};
  rng r(seed);
  std::vector<json> users;
  users.reserve(n);
  for (std::size_t u = 0; u < n; ++u) {
    json j = json::object();
    const bool has_ent = r.chance(700);
    const bool has_test = r.chance(600);
    json schemas = json::array({"urn:ietf:params:scim:schemas:core:2.0:User"});
    if (has_ent) schemas.push_back(std::string(enterprise_urn));
    if (has_test) schemas.push_back(std::string(test_urn));
    j["schemas"] = schemas;
    j["id"] = uuid(r);
    if (r.chance(800)) {
      std::string ext = "00u";
      static constexpr char alnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789%_*?[]";
      const std::size_t alphabet = r.chance(900) ? 62 : sizeof alnum - 1;
      for (int i = 0; i < 17; ++i) ext.push_back(alnum[r.below(alphabet)]);
      j["externalId"] = ext;
    }
    const std::string given(r.pick(given_names));
    const std::string family(r.pick(family_names));
    const std::string local = given + "." + family + std::to_string(r.below(100000));
    j["userName"] = varied_case(r, local) + "@" + std::string(r.pick(domains));
    if (r.chance(900)) {
      json name = json::object();
      if (r.chance(900)) name["givenName"] = r.chance(30) ? std::string() : given;
      if (r.chance(900) || name.empty()) name["familyName"] = family;
      if (r.chance(700)) name["formatted"] = given + " " + family;
      if (r.chance(200)) name["middleName"] = std::string(r.pick(given_names));
      if (r.chance(150)) name["honorificPrefix"] = r.chance(500) ? "Ms." : "Dr.";
      if (r.chance(50)) name["honorificSuffix"] = "III";
      j["name"] = name;
    }
    if (r.chance(800)) j["displayName"] = given + " " + family;
    if (r.chance(200)) j["nickName"] = given.substr(0, 2);
    if (r.chance(300))
      j["profileUrl"] = std::string(r.chance(500) ? "https://example.com/Users/" : "https://EXAMPLE.com/users/") + given;
    if (r.chance(10)) j["title"] = "";
    else if (r.chance(700)) j["title"] = std::string(r.pick(titles));
    if (r.chance(850)) j["userType"] = std::string(r.pick(user_types));
    if (r.chance(300)) j["preferredLanguage"] = r.chance(500) ? "en-US" : "de-CH";
    if (r.chance(300)) j["locale"] = r.chance(500) ? "en_US" : "de_CH";
    if (r.chance(300)) j["timezone"] = r.chance(500) ? "America/Los_Angeles" : "Europe/Zurich";
    if (r.chance(850)) j["active"] = r.chance(530);
    // emails
    if (r.chance(20)) {
      j["emails"] = json::array();
    } else if (r.chance(920)) {
      json emails = json::array();
      const std::size_t count = 1 + r.below(3);
      for (std::size_t i = 0; i < count; ++i) {
        json e = json::object();
        if (r.chance(30)) e["value"] = "";
        else if (r.chance(950))
          e["value"] = varied_case(r, scim::detail::to_lower(given) + std::to_string(i)) + "@" + std::string(r.pick(domains));
        if (r.chance(850)) e["type"] = std::string(r.pick(email_types));
        if (i == 0 && r.chance(500)) e["primary"] = true;
        else if (r.chance(200)) e["primary"] = false;
        if (r.chance(200)) e["display"] = given + " " + std::to_string(i);
        emails.push_back(e);
        if (r.chance(10)) emails.push_back(nullptr);
      }
      j["emails"] = emails;
    }
    if (r.chance(600)) {
      json phones = json::array();
      const std::size_t count = 1 + r.below(2);
      for (std::size_t i = 0; i < count; ++i) {
        json p = json::object();
        p["value"] = "+1 555 " + std::to_string(100 + r.below(900)) + " " + std::to_string(1000 + r.below(9000));
        if (r.chance(900)) p["type"] = std::string(r.pick(phone_types));
        if (r.chance(200)) p["primary"] = r.chance(500);
        phones.push_back(p);
      }
      j["phoneNumbers"] = phones;
    }
    if (r.chance(300)) {
      json ims = json::array();
      const std::size_t count = 1 + r.below(2);
      for (std::size_t i = 0; i < count; ++i) {
        json m = json::object();
        m["value"] = r.chance(50) ? std::string() : scim::detail::to_lower(given) + std::string(r.pick(im_domains));
        if (r.chance(900)) m["type"] = std::string(r.pick(im_types));
        ims.push_back(m);
      }
      j["ims"] = ims;
    }
    if (r.chance(250)) {
      json a = json::object();
      if (r.chance(800)) a["locality"] = std::string(r.pick(localities));
      if (r.chance(700)) a["postalCode"] = std::string(r.pick(postal_codes));
      if (r.chance(500)) a["country"] = r.chance(500) ? "DE" : "CH";
      if (r.chance(500)) a["streetAddress"] = std::to_string(1 + r.below(200)) + " Main St";
      if (r.chance(600)) a["type"] = r.chance(500) ? "work" : "home";
      j["addresses"] = json::array({a});
    }
    if (r.chance(250)) {
      json roles_array = json::array();
      json role = json::object();
      role["value"] = std::string(r.pick(roles));
      if (r.chance(500)) role["primary"] = r.chance(500);
      if (r.chance(300)) role["type"] = "system";
      roles_array.push_back(role);
      j["roles"] = roles_array;
    }
    if (r.chance(100)) j["x509Certificates"] = json::array({json{{"value", std::string(r.pick(certificates))}}});
    if (has_ent) {
      json e = json::object();
      if (r.chance(700)) e["employeeNumber"] = std::to_string(r.below(1000000));
      if (r.chance(300)) e["costCenter"] = "CC-" + std::to_string(r.below(1000));
      if (r.chance(500)) e["organization"] = "Example Corp";
      if (r.chance(200)) e["division"] = r.chance(500) ? "North" : "South";
      if (r.chance(800)) e["department"] = std::string(r.pick(departments));
      if (r.chance(500)) {
        json m = json::object();
        if (r.chance(900)) m["value"] = r.chance(100) ? std::string(r.pick(manager_ids)) : uuid(r);
        if (r.chance(500) || m.empty()) m["displayName"] = std::string(r.pick(given_names)) + " Boss";
        if (r.chance(300)) m["$ref"] = "https://example.com/v2/Users/" + hex(r, 8);
        e["manager"] = m;
      }
      j[std::string(enterprise_urn)] = e;
    }
    if (has_test) {
      json t = json::object();
      if (r.chance(900)) {
        static constexpr std::int64_t huge[] = {9007199254740993, 9007199254740992, -9007199254740993,
                                                INT64_MAX, INT64_MIN};
        t["level"] = r.chance(50) ? huge[r.below(5)] : r.between(-5, 100);
      }
      if (r.chance(800)) {
        static constexpr double scores[] = {0.5, 2.0, -1.25, 1e10, 1.5, 2.5, 0.1 + 0.2, 0.3, 0.0};
        if (r.chance(150)) t["score"] = static_cast<std::int64_t>(r.below(5));
        else t["score"] = scores[r.below(sizeof scores / sizeof scores[0])];
      }
      if (r.chance(800)) t["verified"] = r.chance(500);
      if (r.chance(800)) t["code"] = std::string(r.pick(codes));
      if (r.chance(700)) t["hired"] = random_date_time(r, t2010, t2026);
      if (r.chance(400)) t["avatar"] = std::string(r.pick(avatars));
      if (r.chance(600)) {
        json b = json::array();
        const std::size_t count = r.below(4);
        for (std::size_t i = 0; i < count; ++i) {
          static constexpr std::int64_t badge_values[] = {0, 1, 2, 3, 5, 7, 11, 13, 100, 250, -1};
          b.push_back(badge_values[r.below(sizeof badge_values / sizeof badge_values[0])]);
        }
        t["badges"] = b;
      }
      if (r.chance(600)) {
        json g = json::array();
        const std::size_t count = r.below(4);
        for (std::size_t i = 0; i < count; ++i) g.push_back(std::string(r.pick(tags)));
        t["tags"] = g;
      }
      j[std::string(test_urn)] = t;
    }
    json meta = json::object();
    meta["resourceType"] = r.chance(980) ? "User" : "user";
    const std::int64_t created = r.between(t2010, t2026);
    if (r.chance(8)) {
      meta["created"] = std::string(r.pick(invalid_dates));
    } else {
      meta["created"] = random_date_time(r, created, created);
    }
    if (r.chance(950)) meta["lastModified"] = random_date_time(r, created, created + 5 * 365 * 86400);
    meta["location"] = "https://scim.example.com/v2/Users/" + j["id"].get<std::string>();
    meta["version"] = "W/\"" + hex(r, 8) + "\"";
    j["meta"] = meta;
    users.push_back(std::move(j));
  }

  // Fixed users that the corpus (and the workload filters) address directly.
  auto set_user = [&](std::size_t i, const char* text) {
    if (i < users.size()) users[i].merge_patch(json::parse(text));
  };
  set_user(0, R"({"id": "32a5b485-3e04-4388-9895-9902b4f65684", "externalId": "00uVdAdleWoQAiQ5FPaJ",
                  "userName": "jessica.ivanova53376@example.org", "title": "Senior Software Engineer",
                  "userType": "Employee", "name": {"familyName": "O'Malley", "givenName": "Jessica"}})");
  set_user(1, R"({"userName": "william.patel65496@example.com", "title": "Staff Software Engineer",
                  "active": true, "userType": "Employee",
                  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
                    {"department": "Engineering", "manager": {"value": "1e8df8ad-838b-47ad-bc2e-2b592c7dd667"}}})");
  set_user(2, R"({"meta": {"created": "2015-03-01T10:00:00.25+02:00", "lastModified": "2023-05-13T04:42:34Z"}})");
  set_user(3, R"({"meta": {"created": "2015-03-01T08:00:00.250Z", "lastModified": "2023-05-13T06:42:34+02:00"}})");
  set_user(4, R"({"meta": {"created": "2015-03-01T08:00:00.2500001Z", "lastModified": "2023-05-13T04:42:34.000000001Z"}})");
  set_user(5, R"({"meta": {"created": "2015-02-28T23:59:60Z", "lastModified": "2016-05-13T04:42:34Z"}})");
  set_user(6, R"({"meta": {"created": "2015-03-01T24:00:00Z"}})");
  set_user(7, R"({"meta": {"created": "2015-03-01T07:59:59.999999999-00:00"}, "title": "100% Remote Lead"})");
  set_user(8, R"({"title": "1000 Days Manager", "userName": "100%user@example.com"})");
  set_user(9, R"({"title": "", "userName": "under_score@example.com", "active": false})");
  set_user(10, R"({"externalId": "EXT*?[x]\\y%_z", "userName": "BJensen@Example.COM"})");
  set_user(11, R"({"userName": "bjensen@example.com", "externalId": "ext*?[x]\\y%_z"})");
  return users;
}

}  // namespace scim_sql_test
