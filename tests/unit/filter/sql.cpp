#include "scim/filter/sql.hpp"

#include <doctest/doctest.h>

#include "scim/filter/parser.hpp"
#include "scim/schema/registry.hpp"

#include <string>
#include <variant>
#include <vector>

namespace {

namespace sf = scim::filter;
using sf::sql_column;
using sf::sql_dialect;
using sf::sql_value;

constexpr const char* ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:";

const scim::resource_type& user_type() { return *scim::default_registry().find_resource_type("User"); }
const scim::resource_type& group_type() { return *scim::default_registry().find_resource_type("Group"); }

sf::column_mapping users() {
  sf::column_mapping m("users", "id");
  m.column("id", "id")
      .column("externalId", "external_id")
      .column("userName", sql_column{"user_name", "user_name_lower", ""})
      .column("title", "title")
      .column("active", "active")
      .column("name.givenName", "given_name")
      .column("name.familyName", "family_name")
      .column("meta.created", sql_column{"created", "", "created_key"})
      .column("meta.lastModified", "last_modified")
      .column(std::string(ent) + "department", "department")
      .column(std::string(ent) + "manager.value", "manager_id")
      .child_table("emails", {"user_emails", "user_id"})
      .column("emails.value", "value")
      .column("emails.type", "type")
      .column("emails.primary", "is_primary")
      .child_table("schemas", {"user_schemas", "user_id"})
      .column("schemas", "uri");
  return m;
}

sf::sql_fragment sql(const std::string& text, sql_dialect d = sql_dialect::sqlite,
                     const sf::column_mapping& map = users()) {
  auto f = sf::parse(text);
  REQUIRE_MESSAGE(f, text);
  auto r = sf::to_sql(*f, user_type(), scim::default_registry(), map, d);
  REQUIRE_MESSAGE(r, text << ": " << scim::format_error(r.error()));
  return *r;
}

scim::error sql_error(const std::string& text, const sf::column_mapping& map = users()) {
  auto f = sf::parse(text);
  REQUIRE_MESSAGE(f, text);
  auto r = sf::to_sql(*f, user_type(), scim::default_registry(), map, sql_dialect::sqlite);
  REQUIRE_MESSAGE(!r, text << " translated to " << r->where);
  return r.error();
}

std::vector<sql_value> strings(std::initializer_list<const char*> v) {
  std::vector<sql_value> out;
  for (const char* s : v) out.emplace_back(std::string(s));
  return out;
}

}  // namespace

TEST_CASE("caseExact=false strings: pre-folded column, lower() on SQLite, translate() on PostgreSQL") {
  auto a = sql(R"(userName eq "BJensen")");
  CHECK(a.where == "(users.user_name_lower IS NOT NULL AND users.user_name_lower = ?)");
  CHECK(a.params == strings({"bjensen"}));

  auto b = sql(R"(title eq "Vice PRESIDENT")");
  CHECK(b.where == "(users.title IS NOT NULL AND lower(users.title) = ?)");
  CHECK(b.params == strings({"vice president"}));

  auto c = sql(R"(title eq "Vice PRESIDENT")", sql_dialect::postgresql);
  CHECK(c.where ==
        "(users.title IS NOT NULL AND translate(users.title, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', "
        "'abcdefghijklmnopqrstuvwxyz') = $1)");
  // Only ASCII is folded, as in the evaluator.
  CHECK(sql(R"(title eq "ÄRZTIN")").params == strings({"Ärztin"}));
}

TEST_CASE("caseExact=true strings compare as given; ordering is bytewise") {
  auto a = sql(R"(externalId eq "AbC")");
  CHECK(a.where == "(users.external_id IS NOT NULL AND users.external_id = ?)");
  CHECK(a.params == strings({"AbC"}));
  CHECK(sql(R"(externalId gt "AbC")").where == "(users.external_id IS NOT NULL AND users.external_id > ?)");
  CHECK(sql(R"(externalId gt "AbC")", sql_dialect::postgresql).where ==
        "(users.external_id IS NOT NULL AND users.external_id COLLATE \"C\" > $1)");
  CHECK(sql(R"(userName le "m")", sql_dialect::postgresql).where ==
        "(users.user_name_lower IS NOT NULL AND users.user_name_lower COLLATE \"C\" <= $1)");
}

TEST_CASE("co/sw/ew: LIKE with escaping, GLOB for caseExact on SQLite") {
  auto a = sql(R"(title co "100%")");
  CHECK(a.where == "(users.title IS NOT NULL AND lower(users.title) LIKE ? ESCAPE '\\')");
  CHECK(a.params == strings({"%100\\%%"}));
  CHECK(sql(R"(title sw "a_b\\c")").params == strings({"a\\_b\\\\c%"}));
  CHECK(sql(R"(title ew "X")").params == strings({"%x"}));

  auto b = sql(R"(externalId co "a*b?[c]")");
  CHECK(b.where == "(users.external_id IS NOT NULL AND users.external_id GLOB ?)");
  CHECK(b.params == strings({"*a[*]b[?][[]c]*"}));
  CHECK(sql(R"(externalId sw "%")").params == strings({"%*"}));

  auto c = sql(R"(externalId ew "100%")", sql_dialect::postgresql);
  CHECK(c.where == "(users.external_id IS NOT NULL AND users.external_id LIKE $1 ESCAPE '\\')");
  CHECK(c.params == strings({"%100\\%"}));
}

TEST_CASE("literals are always parameters, never SQL text") {
  auto a = sql(R"(name.familyName eq "O'Malley'); DROP TABLE users; --")");
  CHECK(a.where.find("O'Malley") == std::string::npos);
  CHECK(a.where.find("DROP") == std::string::npos);
  CHECK(a.params == strings({"o'malley'); drop table users; --"}));
}

TEST_CASE("PostgreSQL placeholders are numbered in text order, from first_parameter") {
  auto f = sf::parse(R"(title eq "a" or (userName sw "b" and emails[type eq "work" and value co "c"]))");
  REQUIRE(f);
  sf::sql_options o;
  o.dialect = sql_dialect::postgresql;
  o.first_parameter = 3;
  auto r = sf::to_sql(*f, user_type(), scim::default_registry(), users(), o);
  REQUIRE(r);
  CHECK(r->params == strings({"a", "b%", "work", "%c%"}));
  const auto p3 = r->where.find("$3"), p4 = r->where.find("$4"), p5 = r->where.find("$5"),
             p6 = r->where.find("$6");
  CHECK(p3 < p4);
  CHECK(p4 < p5);
  CHECK(p5 < p6);
  CHECK(p6 != std::string::npos);
  CHECK(r->where.find("$7") == std::string::npos);
}

TEST_CASE("multi-valued attributes: EXISTS on the child table; value filters share one row") {
  auto a = sql(R"(emails[type eq "work" and value co "@x"])");
  CHECK(a.where ==
        "EXISTS (SELECT 1 FROM user_emails AS scim_c1 WHERE scim_c1.user_id = users.id AND "
        "((scim_c1.type IS NOT NULL AND lower(scim_c1.type) = ?) AND "
        "(scim_c1.value IS NOT NULL AND lower(scim_c1.value) LIKE ? ESCAPE '\\')))");
  CHECK(a.params == strings({"work", "%@x%"}));

  // A bare multi-valued complex attribute compares its value.
  CHECK(sql(R"(emails co "x")").where == sql(R"(emails.value co "x")").where);
  // Two terms: two EXISTS, possibly different rows.
  auto b = sql(R"(emails.type eq "work" and emails.value co "@x")");
  CHECK(b.where.find("scim_c1") != std::string::npos);
  CHECK(b.where.find("scim_c2") != std::string::npos);
  // Multi-valued simple attribute.
  CHECK(sql(R"(schemas eq "urn:x")").where ==
        "EXISTS (SELECT 1 FROM user_schemas AS scim_c1 WHERE scim_c1.user_id = users.id AND "
        "(scim_c1.uri IS NOT NULL AND scim_c1.uri = ?))");
  // ne: any value differs.
  CHECK(sql(R"(emails.type ne "work")").where.find("EXISTS (") == 0);
}

TEST_CASE("pr, eq null and ne null") {
  CHECK(sql("title pr").where == "(users.title IS NOT NULL AND users.title <> '')");
  CHECK(sql("title eq null").where == "NOT ((users.title IS NOT NULL AND users.title <> ''))");
  CHECK(sql("title ne null").where == sql("title pr").where);
  CHECK(sql("title gt null").where == "1=0");
  CHECK(sql("title co null").where == "1=0");
  CHECK(sql("active pr").where == "users.active IS NOT NULL");
  CHECK(sql("emails.value eq null").where ==
        "NOT (EXISTS (SELECT 1 FROM user_emails AS scim_c1 WHERE scim_c1.user_id = users.id AND "
        "(scim_c1.value IS NOT NULL AND scim_c1.value <> '')))");
  // A complex attribute is present when one of its mapped sub-attributes is.
  CHECK(sql("emails pr").where ==
        "EXISTS (SELECT 1 FROM user_emails AS scim_c1 WHERE scim_c1.user_id = users.id AND "
        "((scim_c1.value IS NOT NULL AND scim_c1.value <> '') OR (scim_c1.type IS NOT NULL AND scim_c1.type <> '') "
        "OR scim_c1.is_primary IS NOT NULL))");
  CHECK(sql("name pr").where ==
        "((users.family_name IS NOT NULL AND users.family_name <> '') OR "
        "(users.given_name IS NOT NULL AND users.given_name <> ''))");
  CHECK(sql(R"(name eq "x")").where == "1=0");
}

TEST_CASE("every predicate is two-valued, so not() negates it exactly") {
  CHECK(sql(R"(not (title co "x"))").where ==
        "NOT ((users.title IS NOT NULL AND lower(users.title) LIKE ? ESCAPE '\\'))");
  CHECK(sql(R"(not (title ne "x"))").where == "NOT ((users.title IS NOT NULL AND lower(users.title) <> ?))");
}

TEST_CASE("booleans, numbers and mismatched types") {
  auto a = sql("active eq true");
  CHECK(a.where == "(users.active IS NOT NULL AND users.active = ?)");
  REQUIRE(a.params.size() == 1);
  CHECK(std::get<bool>(a.params[0]));
  CHECK(sql("active ne false").where == "(users.active IS NOT NULL AND users.active <> ?)");
  CHECK(sql(R"(active eq "true")").where == "1=0");
  CHECK(sql("active eq 1").where == "1=0");
  CHECK(sql("title eq 5").where == "1=0");
  CHECK(sql("title eq true").where == "1=0");
  CHECK(sql("emails.primary co true").where == "1=0");

  // Entra's "True" is a boolean when allowed.
  auto f = sf::parse(R"(active eq "True")");
  REQUIRE(f);
  sf::compile_options entra;
  entra.allow_string_booleans = true;
  auto r = sf::to_sql(*f, user_type(), scim::default_registry(), users(), sql_dialect::sqlite, entra);
  REQUIRE(r);
  CHECK(r->where == "(users.active IS NOT NULL AND users.active = ?)");
}

TEST_CASE("dateTime: canonical UTC keys, text for co/sw/ew") {
  auto a = sql(R"(meta.created gt "2020-01-01T05:30:00.5+05:30")");
  CHECK(a.where == "(users.created_key IS NOT NULL AND users.created_key > ?)");
  CHECK(a.params == strings({"2020-01-01T00:00:00.500000000Z"}));
  CHECK(sql(R"(meta.created ge "2020-01-01T00:00:00Z")", sql_dialect::postgresql).where ==
        "(users.created_key IS NOT NULL AND users.created_key COLLATE \"C\" >= $1)");
  // Without a key column the value column holds canonical keys.
  CHECK(sql(R"(meta.lastModified eq "2020-01-01T00:00:00Z")").where ==
        "(users.last_modified IS NOT NULL AND users.last_modified = ?)");
  CHECK(sql(R"(meta.created co "T10")").where ==
        "(users.created IS NOT NULL AND lower(users.created) LIKE ? ESCAPE '\\')");
  CHECK(sql(R"(meta.created co "T10")").params == strings({"%t10%"}));
  CHECK(sql(R"(meta.created eq "yesterday")").where == "1=0");
  CHECK(sql("meta.created gt 5").where == "1=0");
  // Literals outside the key's years.
  CHECK(sql(R"(meta.created gt "0000-01-01T00:00:00+01:00")").where == "(users.created_key IS NOT NULL)");
  CHECK(sql(R"(meta.created lt "0000-01-01T00:00:00+01:00")").where == "1=0");
  CHECK(sql(R"(meta.created eq "0000-01-01T00:00:00+01:00")").where == "1=0");
  CHECK(sql(R"(meta.created ne "0000-01-01T00:00:00+01:00")").where == "(users.created_key IS NOT NULL)");
  CHECK(sql(R"(meta.created le "9999-12-31T23:00:00-05:00")").where == "(users.created_key IS NOT NULL)");
  CHECK(sql(R"(meta.created ge "9999-12-31T23:00:00-05:00")").where == "1=0");
}

TEST_CASE("sql_date_time_key and sql_folded") {
  CHECK(sf::sql_date_time_key("2015-03-01T10:00:00.25+02:00") == "2015-03-01T08:00:00.250000000Z");
  CHECK(sf::sql_date_time_key("2015-02-28T23:59:60Z") == "2015-02-28T23:59:59.999999999Z");
  CHECK(sf::sql_date_time_key("2015-03-01T24:00:00Z") == "2015-03-02T00:00:00.000000000Z");
  CHECK(sf::sql_date_time_key("1969-12-31T23:59:59.1Z") == "1969-12-31T23:59:59.100000000Z");
  CHECK(sf::sql_date_time_key("0000-01-01T00:00:00Z") == "0000-01-01T00:00:00.000000000Z");
  CHECK_FALSE(sf::sql_date_time_key("0000-01-01T00:00:00+00:01"));
  CHECK_FALSE(sf::sql_date_time_key("9999-12-31T23:59:59-00:01"));
  CHECK_FALSE(sf::sql_date_time_key("2020-02-30T00:00:00Z"));
  CHECK_FALSE(sf::sql_date_time_key(""));
  CHECK(sf::sql_date_time_key("2020-01-01T00:00:00Z") < sf::sql_date_time_key("2020-01-01T00:00:00.000000001Z"));
  CHECK(sf::sql_folded("ÄBC-Def") == "Äbc-def");
}

TEST_CASE("extension attributes and value filters on single-valued complex attributes") {
  CHECK(sql(std::string(ent) + R"(department eq "R&D")").where ==
        "(users.department IS NOT NULL AND lower(users.department) = ?)");
  CHECK(sql(std::string(ent) + R"(manager.value eq "x")").where ==
        "(users.manager_id IS NOT NULL AND lower(users.manager_id) = ?)");
  CHECK(sql(std::string(ent) + R"(manager[value eq null])").where ==
        "((users.manager_id IS NOT NULL) AND NOT ((users.manager_id IS NOT NULL AND users.manager_id <> '')))");
  CHECK(sql(R"(name[givenName eq "B"])").where ==
        "((users.family_name IS NOT NULL OR users.given_name IS NOT NULL) AND "
        "(users.given_name IS NOT NULL AND lower(users.given_name) = ?))");
  // The core URN prefix means the same as none.
  CHECK(sql(R"(urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x")").where ==
        sql(R"(userName eq "x")").where);
}

TEST_CASE("table alias and an empty filter") {
  auto f = sf::parse(R"(title pr and emails pr)");
  REQUIRE(f);
  sf::sql_options o;
  o.table_alias = "u";
  auto r = sf::to_sql(*f, user_type(), scim::default_registry(), users(), o);
  REQUIRE(r);
  CHECK(r->where.find("users.") == std::string::npos);
  CHECK(r->where.find("scim_c1.user_id = u.id") != std::string::npos);

  sf::filter empty;
  auto e = sf::to_sql(empty, user_type(), scim::default_registry(), users(), sql_dialect::postgresql);
  REQUIRE(e);
  CHECK(e->where == "1=1");
  CHECK(e->params.empty());

  o.table_alias = "u; DROP TABLE x";
  auto bad = sf::to_sql(*f, user_type(), scim::default_registry(), users(), o);
  REQUIRE(!bad);
  CHECK(bad.error().status == 500);
}

TEST_CASE("errors: the evaluator's, and attributes the mapping does not cover") {
  for (const char* text : {R"(nosuch eq "x")", "active gt true", R"(emails[nosuch eq "x"])",
                           R"(userName[value eq "x"])", "emails.primary le false"}) {
    auto f = sf::parse(text);
    REQUIRE(f);
    auto compiled = sf::compile(*f, user_type(), scim::default_registry());
    REQUIRE(!compiled);
    CHECK(sql_error(text) == compiled.error());
  }
  const auto e = sql_error(R"(title pr and nickName eq "Babs")");
  CHECK(e.status == 400);
  CHECK(e.code == scim::error_code::invalid_filter);
  CHECK(e.detail.find("'nickName'") != std::string::npos);
  CHECK(e.position == std::size_t{13});
  CHECK(sql_error(R"(emails.display eq "x")").detail.find("'emails.display'") != std::string::npos);
  CHECK(sql_error(R"(emails[display pr])").detail.find("'emails.display'") != std::string::npos);
  CHECK(sql_error("photos pr").detail.find("'photos'") != std::string::npos);
  CHECK(sql_error(R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division eq "x")")
            .detail.find("enterprise:2.0:User:division") != std::string::npos);
  // Even a term that could never match names an unmapped attribute: still an error.
  CHECK(sql_error(R"(nickName eq null)").code == scim::error_code::invalid_filter);
}

TEST_CASE("unknown attributes under no_match translate to 1=0") {
  auto f = sf::parse(R"(nosuch eq "x" or emails[nosuch pr] or nosuch[value pr] or title pr)");
  REQUIRE(f);
  sf::compile_options o;
  o.unknown_attributes = sf::unknown_attribute_policy::no_match;
  auto r = sf::to_sql(*f, user_type(), scim::default_registry(), users(), sql_dialect::sqlite, o);
  REQUIRE(r);
  CHECK(r->where.rfind("(1=0 OR EXISTS (SELECT 1 FROM user_emails AS scim_c1 WHERE scim_c1.user_id = users.id AND 1=0) "
                       "OR 1=0 OR ",
                       0) == 0);
}

TEST_CASE("mapping: configuration errors, validation, lookup") {
  sf::column_mapping bad("users");
  bad.column("userName", "user name");
  REQUIRE(bad.configuration_error());
  CHECK(bad.configuration_error()->status == 500);
  auto f = sf::parse(R"(userName eq "x")");
  REQUIRE(f);
  auto r = sf::to_sql(*f, user_type(), scim::default_registry(), bad, sql_dialect::sqlite);
  REQUIRE(!r);
  CHECK(r.error().status == 500);

  CHECK(sf::column_mapping("users").column("user[0]", "c").configuration_error());
  CHECK(sf::column_mapping("users").child_table("emails.value", {"t", "o"}).configuration_error());
  CHECK_FALSE(sf::column_mapping("public.users").column("userName", "\"User Name\"").configuration_error());
  CHECK(sf::column_mapping("users").column("userName", "\"bad\"quote\"").configuration_error());

  CHECK(users().validate(user_type(), scim::default_registry()));
  auto v = sf::column_mapping("users").column("name", "n").validate(user_type(), scim::default_registry());
  REQUIRE(!v);
  CHECK(v.error().status == 500);
  CHECK_FALSE(sf::column_mapping("users").column("nosuch", "n").validate(user_type(), scim::default_registry()));

  const auto m = users();
  auto res = scim::default_registry().resolve(user_type(), "USERNAME");
  REQUIRE(res);
  const sql_column* c = m.find_column(user_type(), *res);
  REQUIRE(c != nullptr);
  CHECK(c->name == "user_name");
  CHECK(c->folded == "user_name_lower");
  auto em = scim::default_registry().resolve(user_type(), "emails.VALUE");
  REQUIRE(em);
  REQUIRE(m.find_child_table(user_type(), *em) != nullptr);
  CHECK(m.find_child_table(user_type(), *em)->table == "user_emails");
  CHECK(m.find_column(user_type(), *em)->name == "value");
  // Later mappings of the same path replace earlier ones.
  sf::column_mapping again("users");
  again.column("title", "a").column("TITLE", "b");
  CHECK(again.columns().size() == 1);
  CHECK(again.columns()[0].column.name == "b");
}

TEST_CASE("groups: members in a child table, $ref sub-attribute") {
  sf::column_mapping g("groups", "id");
  g.column("displayName", "display_name")
      .child_table("members", {"group_members", "group_id"})
      .column("members.value", "member_id")
      .column("members.$ref", "ref")
      .column("members.type", "member_type")
      .column("members.display", "display");
  REQUIRE(g.validate(group_type(), scim::default_registry()));
  auto f = sf::parse(R"(members[value eq "abc" and type eq "User"] and not (members.$ref sw "https://x"))");
  REQUIRE(f);
  auto r = sf::to_sql(*f, group_type(), scim::default_registry(), g, sql_dialect::postgresql);
  REQUIRE_MESSAGE(r, scim::format_error(r.error()));
  CHECK(r->where ==
        "(EXISTS (SELECT 1 FROM group_members AS scim_c1 WHERE scim_c1.group_id = groups.id AND "
        "((scim_c1.member_id IS NOT NULL AND translate(scim_c1.member_id, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', "
        "'abcdefghijklmnopqrstuvwxyz') = $1) AND (scim_c1.member_type IS NOT NULL AND "
        "translate(scim_c1.member_type, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') = $2))) AND "
        "NOT (EXISTS (SELECT 1 FROM group_members AS scim_c2 WHERE scim_c2.group_id = groups.id AND "
        "(scim_c2.ref IS NOT NULL AND scim_c2.ref LIKE $3 ESCAPE '\\'))))");
  CHECK(r->params == strings({"abc", "user", "https://x%"}));
}
