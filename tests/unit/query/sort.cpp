#include "scim/query/sort.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "scim/schema/registry.hpp"

using scim::error_code;
using scim::json;
namespace q = scim::query;

namespace {

const scim::resource_type& user_type() {
  return *scim::default_registry().find_resource_type("User");
}
const scim::resource_type& group_type() {
  return *scim::default_registry().find_resource_type("Group");
}

constexpr const char* widget_urn = "urn:example:params:scim:schemas:Widget";

scim::attribute attr(std::string name, scim::attribute_type t) {
  scim::attribute a;
  a.name = std::move(name);
  a.type = t;
  return a;
}

const scim::schema_registry& widget_registry() {
  static const scim::schema_registry reg = [] {
    auto r = scim::default_registry();
    scim::schema s;
    s.id = widget_urn;
    s.name = "Widget";
    s.attributes.push_back(attr("size", scim::attribute_type::integer));
    s.attributes.push_back(attr("weight", scim::attribute_type::decimal));
    s.attributes.push_back(attr("enabled", scim::attribute_type::boolean));
    s.attributes.push_back(attr("blob", scim::attribute_type::binary));
    auto code = attr("code", scim::attribute_type::string);
    code.case_exact = true;
    s.attributes.push_back(code);
    r.add_schema(s);
    scim::resource_type rt;
    rt.id = rt.name = "Widget";
    rt.endpoint = "/Widgets";
    rt.schema = widget_urn;
    r.add_resource_type(rt);
    return r;
  }();
  return reg;
}

q::sort_spec spec(std::string_view path, q::sort_order order = q::sort_order::ascending,
                  const scim::resource_type& rt = user_type(),
                  const scim::schema_registry& reg = scim::default_registry()) {
  auto s = q::compile_sort(path, order, rt, reg);
  if (!s) FAIL_CHECK(scim::format_error(s.error()));
  REQUIRE(s);
  return *s;
}

std::vector<std::string> ids_sorted(std::vector<json> v, const q::sort_spec& s) {
  q::sort_resources(v, s);
  std::vector<std::string> out;
  for (const auto& r : v) out.push_back(r["id"].get<std::string>());
  return out;
}

std::vector<std::string> ids_by_comparator(std::vector<json> v, const q::sort_spec& s) {
  std::sort(v.begin(), v.end(), q::resource_comparator(s));
  std::vector<std::string> out;
  for (const auto& r : v) out.push_back(r["id"].get<std::string>());
  return out;
}

json user(std::string id, json user_name) {
  json j = {{"id", std::move(id)}};
  if (!user_name.is_null()) j["userName"] = std::move(user_name);
  return j;
}

}  // namespace

TEST_CASE("compile_sort resolves paths case-insensitively, URN-qualified too") {
  auto a = spec("USERNAME");
  CHECK(a.attribute == "userName");
  CHECK(a.sub_attribute.empty());
  CHECK(a.container.empty());
  CHECK_FALSE(a.case_exact);
  CHECK(a.type == scim::attribute_type::string);
  auto b = spec("urn:ietf:params:scim:schemas:core:2.0:User:name.FamilyName");
  CHECK(b.attribute == "name");
  CHECK(b.sub_attribute == "familyName");
  auto c = spec("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department");
  CHECK(c.container == "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User");
  CHECK(c.attribute == "department");
  auto d = spec("meta.lastModified");
  CHECK(d.type == scim::attribute_type::date_time);
  auto e = spec("emails");
  CHECK(e.attribute == "emails");
  CHECK(e.sub_attribute == "value");
  CHECK(e.multi_valued);
  CHECK(spec("id").case_exact);
}

TEST_CASE("an unsupported sortBy is invalidValue, never ignored") {
  auto code_of = [](std::string_view path, const scim::resource_type& rt = user_type(),
                    const scim::schema_registry& reg = scim::default_registry()) {
    auto s = q::compile_sort(path, q::sort_order::ascending, rt, reg);
    REQUIRE_FALSE(s);
    CHECK(s.error().status == 400);
    CHECK(s.error().detail.rfind("sortBy: ", 0) == 0);
    return s.error().code;
  };
  CHECK(code_of("nickname2") == error_code::invalid_value);
  CHECK(code_of("name") == error_code::invalid_value);  // complex: needs a sub-attribute
  CHECK(code_of("meta") == error_code::invalid_value);
  CHECK(code_of("password") == error_code::invalid_value);  // never returned
  CHECK(code_of("name.nope") == error_code::invalid_value);
  CHECK(code_of("urn:example:other:Thing:x") == error_code::invalid_value);
  CHECK(code_of("members.value") == error_code::invalid_value);  // a Group attribute on Users
  CHECK(code_of("blob", *widget_registry().find_resource_type("Widget"), widget_registry()) ==
        error_code::invalid_value);
  auto s = q::compile_sort("name", q::sort_order::ascending, user_type(), scim::default_registry());
  CHECK(s.error().detail.find("name.") != std::string::npos);
  CHECK(q::compile_sort("members.value", q::sort_order::ascending, group_type(), scim::default_registry()));
}

TEST_CASE("compile_sort from a list query") {
  auto l = q::parse_list_query_string("sortBy=userName&sortOrder=descending");
  REQUIRE(l);
  auto s = q::compile_sort(*l, user_type(), scim::default_registry());
  REQUIRE(s);
  REQUIRE(*s);
  CHECK((*s)->order == q::sort_order::descending);
  auto none = q::compile_sort(*q::parse_list_query_string(""), user_type(), scim::default_registry());
  REQUIRE(none);
  CHECK_FALSE(*none);
  auto bad =
      q::compile_sort(*q::parse_list_query_string("sortBy=nope"), user_type(), scim::default_registry());
  CHECK_FALSE(bad);
}

TEST_CASE("userName sorts case-insensitively") {
  std::vector<json> users{user("1", "bob"),    user("2", "Alice"), user("3", "carol"),
                          user("4", "alice2"), user("5", "BOB2"),  user("6", "ALICE0")};
  const std::vector<std::string> asc{"2", "6", "4", "1", "5", "3"};
  CHECK(ids_sorted(users, spec("userName")) == asc);
  CHECK(ids_by_comparator(users, spec("userName")) == asc);
  auto desc = asc;
  std::reverse(desc.begin(), desc.end());
  CHECK(ids_sorted(users, spec("userName", q::sort_order::descending)) == desc);
}

TEST_CASE("caseExact strings sort byte-wise") {
  std::vector<json> v{{{"id", "1"}, {"externalId", "b"}},
                      {{"id", "2"}, {"externalId", "B"}},
                      {{"id", "3"}, {"externalId", "a"}},
                      {{"id", "4"}, {"externalId", "A"}}};
  CHECK(ids_sorted(v, spec("externalId")) == std::vector<std::string>{"4", "2", "3", "1"});
}

TEST_CASE("missing values sort last ascending and first descending") {
  std::vector<json> v{user("a", "m"), user("b", nullptr), user("c", "b"),
                      user("d", ""),  user("e", json()),  {{"id", "f"}, {"userName", json::object()}},
                      user("g", "z")};
  CHECK(ids_sorted(v, spec("userName")) == std::vector<std::string>{"c", "a", "g", "b", "d", "e", "f"});
  CHECK(ids_sorted(v, spec("userName", q::sort_order::descending)) ==
        std::vector<std::string>{"b", "d", "e", "f", "g", "a", "c"});
}

TEST_CASE("ties are broken by id in both orders, so the order is stable") {
  std::vector<json> v{user("c", "same"), user("a", "Same"), user("b", "SAME"), user("d", "other")};
  CHECK(ids_sorted(v, spec("userName")) == std::vector<std::string>{"d", "a", "b", "c"});
  CHECK(ids_sorted(v, spec("userName", q::sort_order::descending)) ==
        std::vector<std::string>{"a", "b", "c", "d"});
  // Any input order gives the same result.
  std::reverse(v.begin(), v.end());
  CHECK(ids_sorted(v, spec("userName")) == std::vector<std::string>{"d", "a", "b", "c"});
}

TEST_CASE("dateTimes sort as instants across offsets") {
  auto at = [](std::string id, std::string t) {
    return json{{"id", std::move(id)}, {"meta", {{"lastModified", std::move(t)}}}};
  };
  std::vector<json> v{at("a", "2024-01-01T09:00:00Z"),       // 09:00Z
                      at("b", "2024-01-01T10:00:00+02:00"),  // 08:00Z
                      at("c", "2024-01-01T03:30:00-05:00"),  // 08:30Z
                      at("d", "2024-01-01T08:30:00.5Z"),     // 08:30:00.5Z
                      at("e", "not a date"),                 // after every instant
                      {{"id", "f"}}};                        // missing
  CHECK(ids_sorted(v, spec("meta.lastModified")) == std::vector<std::string>{"b", "c", "d", "a", "e", "f"});
  CHECK(ids_sorted(v, spec("meta.lastModified", q::sort_order::descending)) ==
        std::vector<std::string>{"f", "e", "a", "d", "c", "b"});
}

TEST_CASE("multi-valued attributes sort by the primary value, else the first") {
  auto with_emails = [](std::string id, json emails) {
    return json{{"id", std::move(id)}, {"emails", std::move(emails)}};
  };
  std::vector<json> v{
      with_emails("a", json::parse(R"([{"value":"z@x"},{"value":"b@x","primary":true}])")),  // b@x
      with_emails("b", json::parse(R"([{"value":"c@x"},{"value":"a@x"}])")),                 // c@x
      with_emails("c", json::parse(R"([null,{"value":"a@x"}])")),                            // a@x
      with_emails("d", json::array()),                                                       // missing
      with_emails("e",
                  json::parse(R"([{"type":"work","primary":true},{"value":"0@x"}])")),  // primary w/o value
  };
  CHECK(ids_sorted(v, spec("emails.value")) == std::vector<std::string>{"c", "a", "b", "d", "e"});
  CHECK(ids_sorted(v, spec("emails")) == std::vector<std::string>{"c", "a", "b", "d", "e"});
}

TEST_CASE("extension attributes sort through the extension object") {
  const std::string ext = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
  std::vector<json> v{{{"id", "1"}, {ext, {{"department", "Sales"}}}},
                      {{"id", "2"}, {ext, {{"department", "admin"}}}},
                      {{"id", "3"}}};
  CHECK(ids_sorted(v, spec(ext + ":department")) == std::vector<std::string>{"2", "1", "3"});
}

TEST_CASE("numbers sort numerically, booleans false first") {
  const auto& reg = widget_registry();
  const auto& rt = *reg.find_resource_type("Widget");
  std::vector<json> v{{{"id", "a"}, {"size", 10}},
                      {{"id", "b"}, {"size", 9}},
                      {{"id", "c"}, {"size", -3}},
                      {{"id", "d"}, {"size", 9.5}},
                      {{"id", "e"}, {"size", 9007199254740993LL}},
                      {{"id", "f"}, {"size", 9007199254740992LL}}};
  CHECK(ids_sorted(v, spec("size", q::sort_order::ascending, rt, reg)) ==
        std::vector<std::string>{"c", "b", "d", "a", "f", "e"});
  std::vector<json> w{{{"id", "a"}, {"enabled", true}}, {{"id", "b"}, {"enabled", false}}, {{"id", "c"}}};
  CHECK(ids_sorted(w, spec("enabled", q::sort_order::ascending, rt, reg)) ==
        std::vector<std::string>{"b", "a", "c"});
  std::vector<json> x{
      {{"id", "a"}, {"weight", 1.5}}, {{"id", "b"}, {"weight", 1}}, {{"id", "c"}, {"weight", "heavy"}}};
  CHECK(ids_sorted(x, spec("weight", q::sort_order::ascending, rt, reg)) ==
        std::vector<std::string>{"b", "a", "c"});
}

TEST_CASE("sort keys round-trip through JSON") {
  const auto& reg = widget_registry();
  const auto& rt = *reg.find_resource_type("Widget");
  std::vector<std::pair<q::sort_spec, json>> cases{
      {spec("userName"), user("1", "MiXeD")},
      {spec("userName"), user("1", nullptr)},
      {spec("meta.created"), json{{"meta", {{"created", "2024-05-06T07:08:09.123456789+01:00"}}}}},
      {spec("size", q::sort_order::ascending, rt, reg), json{{"size", -12}}},
      {spec("size", q::sort_order::ascending, rt, reg), json{{"size", 1.25}}},
      {spec("enabled", q::sort_order::ascending, rt, reg), json{{"enabled", true}}},
  };
  for (const auto& [s, resource] : cases) {
    const auto k = q::extract_sort_key(s, resource);
    const auto back = q::sort_key_from_json(json::parse(scim::dump_json(q::to_json_value(k))));
    REQUIRE(back);
    CHECK(*back == k);
    CHECK(back->k == k.k);
  }
  for (const char* bad :
       {"[]", "{}", "[9]", "[0]", "[1,\"x\"]", "[2,1]", "[2,1,2000000000]", "[3,1]", "[4,1]", "\"x\""}) {
    CAPTURE(bad);
    CHECK_FALSE(q::sort_key_from_json(json::parse(bad)));
  }
}

TEST_CASE("compare orders kinds and honours sortOrder") {
  q::sort_key missing;
  q::sort_key s;
  s.k = q::sort_key::kind::string;
  s.text = "a";
  CHECK(q::compare(s, missing) < 0);
  CHECK(q::compare(s, missing, q::sort_order::descending) > 0);
  CHECK(q::compare(missing, missing) == 0);
  CHECK(q::compare(s, "b", s, "a", q::sort_order::ascending) > 0);
  CHECK(q::compare(s, "a", s, "b", q::sort_order::descending) < 0);
}
