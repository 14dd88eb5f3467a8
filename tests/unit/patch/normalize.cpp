#include "scim/patch/normalize.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "scim/patch/apply.hpp"
#include "scim/patch/operation.hpp"
#include "scim/schema/registry.hpp"

using scim::json;
using scim::patch::dialect;
using scim::patch::normalizer;

namespace {

const scim::schema_registry& reg() {
  return scim::default_registry();
}
const scim::resource_type& user_type() {
  return *reg().find_resource_type("User");
}
const scim::resource_type& group_type() {
  return *reg().find_resource_type("Group");
}

constexpr std::string_view patch_urn = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
constexpr std::string_view group_urn = "urn:ietf:params:scim:schemas:core:2.0:Group";

json parse(std::string_view text) {
  return json::parse(text);
}

json body(json ops) {
  json b = json::object();
  b["schemas"] = json::array({std::string(patch_urn)});
  b["Operations"] = std::move(ops);
  return b;
}

json group_with(std::vector<std::string> ids) {
  json g = json::object();
  g["schemas"] = json::array({std::string(group_urn)});
  g["id"] = "g1";
  g["displayName"] = "Engineering";
  g["members"] = json::array();
  for (auto& id : ids) g["members"].push_back(json{{"value", id}, {"display", "user " + id}});
  return g;
}

json user() {
  return parse(R"({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "id": "u1", "userName": "bjensen", "active": true,
    "name": {"givenName": "Barbara", "familyName": "Jensen"},
    "emails": [{"value": "babs@home.example", "type": "home"}]
  })");
}

struct outcome {
  scim::expected<json> body;
  bool fired = false;
};

outcome run(normalizer n, const json& b, const json& resource, const scim::resource_type& rt = user_type(),
            const scim::schema_registry& r = reg()) {
  outcome o{json(), false};
  const scim::patch::normalize_context ctx{resource, rt, r};
  o.body = scim::patch::run_normalizer(n, b, ctx, &o.fired);
  return o;
}

// Runs a normaliser that must succeed; returns the Operations.
json ops_after(normalizer n, const json& b, const json& resource, const scim::resource_type& rt = user_type(),
               bool expect_fired = true, const scim::schema_registry& r = reg()) {
  auto o = run(n, b, resource, rt, r);
  REQUIRE_MESSAGE(o.body, scim::format_error(o.body.error()));
  CHECK(o.fired == expect_fired);
  return (*o.body)["Operations"];
}

void check_unchanged(normalizer n, const json& b, const json& resource,
                     const scim::resource_type& rt = user_type()) {
  auto o = run(n, b, resource, rt);
  REQUIRE(o.body);
  CHECK_FALSE(o.fired);
  CHECK(*o.body == b);
}

}  // namespace

// ---- capitalized_ops ------------------------------------------------------------

TEST_CASE("capitalized_ops: any case of add/remove/replace becomes lower case") {
  const json b = body(parse(R"([
    {"op": "Add", "path": "nickName", "value": "Babs"},
    {"op": "Replace", "path": "active", "value": "False"},
    {"op": "REMOVE", "path": "title"},
    {"op": "rEpLaCe", "path": "title", "value": "x"},
    {"op": "add", "path": "title", "value": "y"}])"));
  const json ops = ops_after(normalizer::capitalized_ops, b, user());
  CHECK(ops[0]["op"] == "add");
  CHECK(ops[1]["op"] == "replace");
  CHECK(ops[2]["op"] == "remove");
  CHECK(ops[3]["op"] == "replace");
  CHECK(ops[4]["op"] == "add");
  CHECK(ops[1]["value"] == "False");  // values are another normaliser's business
}

TEST_CASE("capitalized_ops: leaves RFC ops, unknown ops and odd shapes alone") {
  check_unchanged(normalizer::capitalized_ops,
                  body(parse(R"([{"op": "add", "path": "title", "value": "x"}])")), user());
  check_unchanged(
      normalizer::capitalized_ops,
      body(parse(R"([{"op": "Delete", "path": "title"}, {"op": "Update"}, {"op": 3}, {"path": "x"}, 7,
                                 "Add", null, {"op": " Add"}])")),
      user());
  for (const char* text : {"[]", "null", "\"Add\"", R"({"Operations": {"op": "Add"}})",
                           R"({"Operations": "Add"})", R"({"schemas": []})"})
    check_unchanged(normalizer::capitalized_ops, parse(text), user());
}

TEST_CASE("capitalized_ops: member names are case-insensitive") {
  json b = parse(R"({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                     "operations": [{"OP": "Add", "path": "title", "value": "x"}]})");
  auto o = run(normalizer::capitalized_ops, b, user());
  REQUIRE(o.body);
  CHECK(o.fired);
  CHECK((*o.body)["operations"][0]["OP"] == "add");
}

// ---- okta_id_in_replace ------------------------------------------------------------

TEST_CASE("okta_id_in_replace: the resource's own id is dropped") {
  const json g = group_with({"a"});
  const json ops = ops_after(
      normalizer::okta_id_in_replace,
      body(parse(R"([{"op": "replace", "value": {"id": "g1", "displayName": "Eng"}}])")), g, group_type());
  CHECK(ops[0]["value"] == json{{"displayName", "Eng"}});
  // Any spelling of the member name.
  const json ops2 = ops_after(
      normalizer::okta_id_in_replace,
      body(parse(R"([{"op": "replace", "value": {"ID": "g1", "displayName": "Eng"}}])")), g, group_type());
  CHECK(ops2[0]["value"] == json{{"displayName", "Eng"}});
  // An id-only value becomes an empty object (a no-op replace).
  const json ops3 = ops_after(normalizer::okta_id_in_replace,
                              body(parse(R"([{"op": "replace", "value": {"id": "g1"}}])")), g, group_type());
  CHECK(ops3[0]["value"] == json::object());
}

TEST_CASE("okta_id_in_replace: a different id is a mutability error") {
  const json g = group_with({});
  for (const char* value :
       {R"({"id": "g2", "displayName": "Eng"})", R"({"id": "G1"})", R"({"id": 1})", R"({"id": null})"}) {
    CAPTURE(value);
    json op = json{{"op", "replace"}, {"value", parse(value)}};
    auto o = run(normalizer::okta_id_in_replace,
                 body(json::array({json{{"op", "add"}, {"path", "displayName"}, {"value", "x"}}, op})), g,
                 group_type());
    REQUIRE_FALSE(o.body);
    CHECK(o.body.error().status == 400);
    CHECK(o.body.error().code == scim::error_code::mutability);
    CHECK(o.body.error().detail.rfind("Operations[1]: ", 0) == 0);
  }
  json no_id = group_with({});
  no_id.erase("id");
  auto o = run(normalizer::okta_id_in_replace, body(parse(R"([{"op": "replace", "value": {"id": "g1"}}])")),
               no_id, group_type());
  REQUIRE_FALSE(o.body);
  CHECK(o.body.error().code == scim::error_code::mutability);
}

TEST_CASE("op-specific normalisers recognise RFC op names only") {
  const json g = group_with({"a"});
  check_unchanged(normalizer::okta_id_in_replace,
                  body(parse(R"([{"op": "Replace", "value": {"id": "g1"}}])")), g, group_type());
  check_unchanged(normalizer::remove_by_value_list,
                  body(parse(R"([{"op": "Remove", "path": "members", "value": [{"value": "zz"}]}])")), g,
                  group_type());
  check_unchanged(normalizer::dotted_keys,
                  body(parse(R"([{"op": "Replace", "value": {"name.givenName": "x"}}])")), user());
  check_unchanged(normalizer::add_creates_value_path_element,
                  body(parse(R"([{"op": "Add", "path": "emails[type eq \"work\"].value", "value": "x"}])")),
                  user());
  // Together with capitalized_ops (which normalize() runs first) they apply.
  auto n = scim::patch::normalize(
      body(parse(R"([{"op": "Remove", "path": "members", "value": [{"value": "zz"}]}])")), g, group_type(),
      reg(), normalizer::capitalized_ops | normalizer::remove_by_value_list);
  REQUIRE(n);
  CHECK((*n)["Operations"] == parse(R"([{"op": "add", "path": "members", "value": []}])"));
}

TEST_CASE("okta_id_in_replace: only path-less replace") {
  const json g = group_with({});
  check_unchanged(normalizer::okta_id_in_replace, body(parse(R"([{"op": "add", "value": {"id": "zz"}}])")), g,
                  group_type());
  check_unchanged(normalizer::okta_id_in_replace,
                  body(parse(R"([{"op": "replace", "path": "id", "value": "zz"}])")), g, group_type());
  check_unchanged(normalizer::okta_id_in_replace,
                  body(parse(R"([{"op": "replace", "value": {"displayName": "x"}}])")), g, group_type());
  check_unchanged(normalizer::okta_id_in_replace, body(parse(R"([{"op": "replace", "value": "g1"}])")), g,
                  group_type());
}

// ---- dotted_keys ----------------------------------------------------------------------

TEST_CASE("dotted_keys: Entra aadOptscim062020 value map") {
  const json b = body(parse(R"([{"op": "replace", "value": {
      "displayName": "Bjfe",
      "name.givenName": "Kkom",
      "name.familyName": "Unua",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "Aklq",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value": "m-1",
      "active": false}}])"));
  const json ops = ops_after(normalizer::dotted_keys, b, user());
  CHECK(ops[0]["value"] == parse(R"({
      "displayName": "Bjfe",
      "name": {"givenName": "Kkom", "familyName": "Unua"},
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "Aklq", "manager": {"value": "m-1"}},
      "active": false})"));
  CHECK(ops[0]["op"] == "replace");
  CHECK_FALSE(ops[0].contains("path"));
}

TEST_CASE("dotted_keys: merges with plain keys and extension objects, any case") {
  const json b = body(parse(R"([{"op": "add", "value": {
      "name": {"formatted": "Ms B"},
      "NAME.givenName": "B",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Ops"},
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:division": "West",
      "urn:ietf:params:scim:schemas:core:2.0:User:nickName": "Babs",
      "urn:ietf:params:scim:schemas:core:2.0:User:name.familyName": "J"}}])"));
  const json ops = ops_after(normalizer::dotted_keys, b, user());
  CHECK(ops[0]["value"] == parse(R"({
      "name": {"formatted": "Ms B", "givenName": "B", "familyName": "J"},
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Ops", "division": "West"},
      "nickName": "Babs"})"));
}

TEST_CASE("dotted_keys: conflicts are invalidValue") {
  for (const char* value : {R"({"name": {"givenName": "A"}, "name.givenName": "B"})",
                            R"({"name": "flat", "name.givenName": "B"})",
                            R"({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": "x",
                                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "D"})"}) {
    CAPTURE(value);
    auto o = run(normalizer::dotted_keys,
                 body(json::array({json{{"op", "replace"}, {"value", parse(value)}}})), user());
    REQUIRE_FALSE(o.body);
    CHECK(o.body.error().code == scim::error_code::invalid_value);
    CHECK(o.body.error().detail.rfind("Operations[0]: ", 0) == 0);
  }
}

TEST_CASE("dotted_keys: keys that do not resolve, and other operations, stay") {
  check_unchanged(
      normalizer::dotted_keys,
      body(parse(R"([{"op": "replace", "value": {"foo.bar": 1, "name.nope": 2, "emails.value": "x",
                                  "urn:example:other:1.0:User:x": 3, "displayName": "d"}}])")),
      user());
  check_unchanged(normalizer::dotted_keys,
                  body(parse(R"([{"op": "replace", "path": "name", "value": {"name.givenName": "x"}}])")),
                  user());
  check_unchanged(normalizer::dotted_keys,
                  body(parse(R"([{"op": "remove", "value": {"name.givenName": "x"}}])")), user());
  check_unchanged(normalizer::dotted_keys,
                  body(parse(R"([{"op": "replace", "value": {"displayName": "x"}}])")), user());
}

// ---- remove_by_value_list ----------------------------------------------------------------

TEST_CASE("remove_by_value_list: one filtered remove per listed member that is present") {
  const json g = group_with({"a", "b", "c"});
  const json ops =
      ops_after(normalizer::remove_by_value_list, body(parse(R"([{"op": "remove", "path": "members",
                                             "value": [{"$ref": null, "value": "a"}, {"value": "zz"}, {"value": "c"}]}])")),
                g, group_type());
  CHECK(ops == parse(R"([{"op": "remove", "path": "members[value eq \"a\"]"},
                         {"op": "remove", "path": "members[value eq \"c\"]"}])"));
}

TEST_CASE("remove_by_value_list: shapes of the list") {
  const json g = group_with({"a", "b"});
  // A single object, bare strings, duplicates.
  CHECK(ops_after(normalizer::remove_by_value_list,
                  body(parse(R"([{"op": "remove", "path": "members", "value": {"value": "b"}}])")), g,
                  group_type()) == parse(R"([{"op": "remove", "path": "members[value eq \"b\"]"}])"));
  CHECK(
      ops_after(normalizer::remove_by_value_list,
                body(parse(R"([{"op": "remove", "path": "members", "value": ["a", "a", {"value": "a"}]}])")),
                g, group_type()) == parse(R"([{"op": "remove", "path": "members[value eq \"a\"]"}])"));
  // members.value is not caseExact: the filter the core evaluates matches "A" too.
  CHECK(ops_after(normalizer::remove_by_value_list,
                  body(parse(R"([{"op": "remove", "path": "Members", "value": [{"value": "A"}]}])")), g,
                  group_type()) == parse(R"([{"op": "remove", "path": "Members[value eq \"A\"]"}])"));
  // Other members of the operation are kept.
  CHECK(ops_after(
            normalizer::remove_by_value_list,
            body(parse(R"([{"op": "remove", "path": "members", "value": [{"value": "a"}], "x-note": 1}])")),
            g,
            group_type()) == parse(R"([{"op": "remove", "path": "members[value eq \"a\"]", "x-note": 1}])"));
}

TEST_CASE("remove_by_value_list: values that need escaping survive the filter round trip") {
  const std::string odd = "we\"ird\\id ] [ and or \xc3\xa9";
  json g = group_with({odd});
  json b = body(json::array(
      {json{{"op", "remove"}, {"path", "members"}, {"value", json::array({json{{"value", odd}}})}}}));
  const json ops = ops_after(normalizer::remove_by_value_list, b, g, group_type());
  REQUIRE(ops.size() == 1);
  auto pp = scim::parse_patch_path(ops[0]["path"].get<std::string>());
  REQUIRE_MESSAGE(pp, scim::format_error(pp.error()));
  REQUIRE(pp->value_filter);
  const auto& f = *pp->value_filter;
  CHECK(f.string_value(f.root_node()) == odd);
}

TEST_CASE("remove_by_value_list: nothing present -> a no-op add keeps the request valid") {
  const json g = group_with({"a"});
  CHECK(ops_after(normalizer::remove_by_value_list,
                  body(parse(
                      R"([{"op": "remove", "path": "members", "value": [{"value": "x"}, {"value": "y"}]}])")),
                  g, group_type()) == parse(R"([{"op": "add", "path": "members", "value": []}])"));
  CHECK(ops_after(normalizer::remove_by_value_list,
                  body(parse(R"([{"op": "remove", "path": "members", "value": []}])")), g,
                  group_type()) == parse(R"([{"op": "add", "path": "members", "value": []}])"));
  // With other operations, the absent values simply disappear.
  CHECK(ops_after(normalizer::remove_by_value_list,
                  body(parse(R"([{"op": "remove", "path": "members", "value": [{"value": "x"}]},
                                 {"op": "replace", "path": "displayName", "value": "E"}])")),
                  g, group_type()) == parse(R"([{"op": "replace", "path": "displayName", "value": "E"}])"));
}

TEST_CASE("remove_by_value_list: presence follows earlier operations of the request") {
  const json g = group_with({"a", "b"});
  // Added earlier in the same request: removed.
  CHECK(ops_after(normalizer::remove_by_value_list,
                  body(parse(R"([{"op": "add", "path": "members", "value": [{"value": "n"}]},
                                 {"op": "remove", "path": "members", "value": [{"value": "n"}]}])")),
                  g, group_type()) == parse(R"([{"op": "add", "path": "members", "value": [{"value": "n"}]},
                                                {"op": "remove", "path": "members[value eq \"n\"]"}])"));
  // Removed earlier (by filter, by a value list, or all of them): dropped.
  CHECK(ops_after(normalizer::remove_by_value_list,
                  body(parse(R"([{"op": "remove", "path": "members[value eq \"a\"]"},
                                 {"op": "remove", "path": "members", "value": [{"value": "a"}, {"value": "b"}]},
                                 {"op": "remove", "path": "members", "value": [{"value": "b"}]}])")),
                  g, group_type()) == parse(R"([{"op": "remove", "path": "members[value eq \"a\"]"},
                                                {"op": "remove", "path": "members[value eq \"b\"]"}])"));
  CHECK(ops_after(normalizer::remove_by_value_list, body(parse(R"([{"op": "remove", "path": "members"},
                                 {"op": "remove", "path": "members", "value": [{"value": "a"}]},
                                 {"op": "add", "path": "members", "value": [{"value": "z"}]}])")),
                  g, group_type()) == parse(R"([{"op": "remove", "path": "members"},
                                                {"op": "add", "path": "members", "value": [{"value": "z"}]}])"));
  // Replaced earlier, with a path or without one.
  CHECK(ops_after(normalizer::remove_by_value_list,
                  body(parse(R"([{"op": "replace", "path": "members", "value": [{"value": "r"}]},
                                 {"op": "remove", "path": "members", "value": [{"value": "a"}, {"value": "r"}]}])")),
                  g,
                  group_type()) == parse(R"([{"op": "replace", "path": "members", "value": [{"value": "r"}]},
                                                {"op": "remove", "path": "members[value eq \"r\"]"}])"));
  CHECK(ops_after(normalizer::remove_by_value_list,
                  body(parse(R"([{"op": "replace", "value": {"members": [{"value": "r"}]}},
                                 {"op": "remove", "path": "members", "value": [{"value": "a"}, {"value": "r"}]}])")),
                  g, group_type()) == parse(R"([{"op": "replace", "value": {"members": [{"value": "r"}]}},
                                                {"op": "remove", "path": "members[value eq \"r\"]"}])"));
}

TEST_CASE("remove_by_value_list: a presence oracle replaces the scan") {
  // The store keeps the members elsewhere: the JSON has none.
  json g = group_with({});
  g.erase("members");
  std::vector<std::string> asked;
  scim::patch::normalize_context ctx{g, group_type(), reg()};
  ctx.has_value = [&](const scim::resolved_attribute& attr, const json& value) {
    CHECK(attr.attr->name == "members");
    asked.push_back(value.get<std::string>());
    // members.value is not caseExact: the oracle compares like the filter would.
    const auto& v = value.get_ref<const std::string&>();
    return scim::detail::iequals(v, "a") || scim::detail::iequals(v, "B");
  };
  bool fired = false;
  auto r = scim::patch::normalizers::remove_by_value_list(
      body(parse(
          R"([{"op": "remove", "path": "members", "value": [{"value": "a"}, {"value": "b"}, {"value": "c"}, {"value": "A"}]},
                     {"op": "remove", "path": "members", "value": [{"value": "a"}]}])")),
      ctx, &fired);
  REQUIRE(r);
  CHECK(fired);
  CHECK((*r)["Operations"] == parse(R"([{"op": "remove", "path": "members[value eq \"a\"]"},
                                        {"op": "remove", "path": "members[value eq \"b\"]"}])"));
  std::sort(asked.begin(), asked.end());
  CHECK(asked == std::vector<std::string>{"a", "b", "c"});  // once per distinct value (case folded)
  // The same through normalize().
  auto n = scim::patch::normalize(
      body(parse(R"([{"op": "Remove", "path": "members", "value": [{"value": "b"}]}])")), ctx,
      scim::patch::normalizers_for(dialect::entra));
  REQUIRE(n);
  CHECK((*n)["Operations"] == parse(R"([{"op": "remove", "path": "members[value eq \"b\"]"}])"));
}

TEST_CASE("remove_by_value_list: a large group is scanned once") {
  json g = group_with({});
  for (int i = 0; i < 20000; ++i) g["members"].push_back(json{{"value", "id-" + std::to_string(i)}});
  json list = json::array();
  for (int i = 0; i < 20000; i += 1000) list.push_back(json{{"value", "ID-" + std::to_string(i)}});
  list.push_back(json{{"value", "absent"}});
  const json ops = ops_after(
      normalizer::remove_by_value_list,
      body(json::array({json{{"op", "remove"}, {"path", "members"}, {"value", list}}})), g, group_type());
  CHECK(ops.size() == 20);
}

TEST_CASE("remove_by_value_list: any multi-valued complex attribute with a value sub-attribute") {
  json u = user();
  const json ops = ops_after(
      normalizer::remove_by_value_list,
      body(parse(R"([{"op": "remove", "path": "emails", "value": [{"value": "BABS@home.example"}]}])")), u,
      user_type());
  CHECK(ops == parse(R"([{"op": "remove", "path": "emails[value eq \"BABS@home.example\"]"}])"));
}

TEST_CASE("remove_by_value_list: bad list elements are invalidValue") {
  const json g = group_with({"a"});
  for (const char* value : {R"([{"display": "a"}])", R"([{"value": null}])", R"([{"value": {"x": 1}}])",
                            R"([[1]])", R"([null])", R"([{"value": "a"}, {"value": []}])"}) {
    CAPTURE(value);
    auto o = run(normalizer::remove_by_value_list,
                 body(json::array({json{{"op", "remove"}, {"path", "members"}, {"value", parse(value)}}})), g,
                 group_type());
    REQUIRE_FALSE(o.body);
    CHECK(o.body.error().code == scim::error_code::invalid_value);
    CHECK(o.body.error().detail.rfind("Operations[0]: ", 0) == 0);
  }
}

TEST_CASE("remove_by_value_list: leaves other removes alone") {
  const json g = group_with({"a"});
  check_unchanged(normalizer::remove_by_value_list, body(parse(R"([{"op": "remove", "path": "members"}])")),
                  g, group_type());
  check_unchanged(
      normalizer::remove_by_value_list,
      body(parse(R"([{"op": "remove", "path": "members[value eq \"a\"]", "value": [{"value": "a"}]}])")), g,
      group_type());
  check_unchanged(normalizer::remove_by_value_list,
                  body(parse(R"([{"op": "remove", "path": "displayName", "value": "Engineering"}])")), g,
                  group_type());
  check_unchanged(normalizer::remove_by_value_list,
                  body(parse(R"([{"op": "remove", "path": "members.value", "value": [{"value": "a"}]}])")), g,
                  group_type());
  check_unchanged(normalizer::remove_by_value_list,
                  body(parse(R"([{"op": "remove", "path": "nosuch", "value": [{"value": "a"}]}])")), g,
                  group_type());
  check_unchanged(normalizer::remove_by_value_list,
                  body(parse(R"([{"op": "add", "path": "members", "value": [{"value": "a"}]}])")), g,
                  group_type());
  check_unchanged(normalizer::remove_by_value_list,
                  body(parse(R"([{"op": "remove", "path": "members", "value": null}])")), g, group_type());
}

// ---- add_creates_value_path_element ------------------------------------------------------

TEST_CASE("add_creates_value_path_element: no work email -> a new element") {
  const json b =
      body(parse(R"([{"op": "add", "path": "emails[type eq \"work\"].value", "value": "b@work.example"}])"));
  CHECK(
      ops_after(normalizer::add_creates_value_path_element, b, user()) ==
      parse(R"([{"op": "add", "path": "emails", "value": [{"type": "work", "value": "b@work.example"}]}])"));
  json no_emails = user();
  no_emails.erase("emails");
  CHECK(
      ops_after(normalizer::add_creates_value_path_element, b, no_emails) ==
      parse(R"([{"op": "add", "path": "emails", "value": [{"type": "work", "value": "b@work.example"}]}])"));
}

TEST_CASE("add_creates_value_path_element: a matching element is left to the core") {
  json u = user();
  u["emails"].push_back(json{{"type", "WORK"}, {"value", "old@work.example"}});
  check_unchanged(
      normalizer::add_creates_value_path_element,
      body(parse(R"([{"op": "add", "path": "emails[type eq \"work\"].value", "value": "n@work.example"}])")),
      u);
}

TEST_CASE("add_creates_value_path_element: conjunctions of eq give the element") {
  CHECK(
      ops_after(
          normalizer::add_creates_value_path_element,
          body(parse(
              R"([{"op": "add", "path": "emails[type eq \"work\" and primary eq true].value", "value": "x"}])")),
          user()) ==
      parse(
          R"([{"op": "add", "path": "emails", "value": [{"type": "work", "primary": true, "value": "x"}]}])"));
  CHECK(
      ops_after(
          normalizer::add_creates_value_path_element,
          body(parse(
              R"([{"op": "add", "path": "emails[TYPE eq \"work\" and (value eq \"x\" and type eq \"work\")].Value", "value": "x"}])")),
          user()) ==
      parse(R"([{"op": "add", "path": "emails", "value": [{"type": "work", "value": "x"}]}])"));
  // attr[filter] with an object value.
  CHECK(ops_after(
            normalizer::add_creates_value_path_element,
            body(parse(
                R"([{"op": "add", "path": "addresses[type eq \"work\"]", "value": {"locality": "Oslo"}}])")),
            user()) ==
        parse(R"([{"op": "add", "path": "addresses", "value": [{"type": "work", "locality": "Oslo"}]}])"));
  // A URN-qualified path keeps its qualification.
  CHECK(
      ops_after(
          normalizer::add_creates_value_path_element,
          body(parse(
              R"([{"op": "add", "path": "urn:ietf:params:scim:schemas:core:2.0:User:phoneNumbers[type eq \"work\"].value", "value": "555"}])")),
          user()) ==
      parse(
          R"([{"op": "add", "path": "urn:ietf:params:scim:schemas:core:2.0:User:phoneNumbers", "value": [{"type": "work", "value": "555"}]}])"));
}

TEST_CASE("add_creates_value_path_element: later operations see the created element") {
  const json b = body(parse(R"([
    {"op": "add", "path": "addresses[type eq \"work\"].streetAddress", "value": "1 Main St"},
    {"op": "add", "path": "addresses[type eq \"work\"].locality", "value": "Oslo"},
    {"op": "add", "path": "addresses[type eq \"home\"].locality", "value": "Bergen"}])"));
  CHECK(ops_after(normalizer::add_creates_value_path_element, b, user()) == parse(R"([
    {"op": "add", "path": "addresses", "value": [{"type": "work", "streetAddress": "1 Main St"}]},
    {"op": "add", "path": "addresses[type eq \"work\"].locality", "value": "Oslo"},
    {"op": "add", "path": "addresses", "value": [{"type": "home", "locality": "Bergen"}]}])"));
  // An element added by an earlier plain add is seen too.
  check_unchanged(normalizer::add_creates_value_path_element, body(parse(R"([
    {"op": "add", "path": "emails", "value": [{"type": "work", "value": "a@w"}]},
    {"op": "add", "path": "emails[type eq \"work\"].primary", "value": true}])")),
                  user());
  // ... and an earlier removal of all of them.
  json u = user();
  u["emails"].push_back(json{{"type", "work"}, {"value", "old@w"}});
  CHECK(ops_after(normalizer::add_creates_value_path_element, body(parse(R"([
    {"op": "remove", "path": "emails"},
    {"op": "add", "path": "emails[type eq \"work\"].value", "value": "n@w"}])")),
                  u) == parse(R"([{"op": "remove", "path": "emails"},
                                  {"op": "add", "path": "emails", "value": [{"type": "work", "value": "n@w"}]}])"));
}

TEST_CASE("add_creates_value_path_element: other shapes are left for the core (noTarget)") {
  for (const char* op :
       {R"({"op": "replace", "path": "emails[type eq \"work\"].value", "value": "x"})",
        R"({"op": "add", "path": "emails[type eq \"work\" or type eq \"other\"].value", "value": "x"})",
        R"({"op": "add", "path": "emails[type co \"work\"].value", "value": "x"})",
        R"({"op": "add", "path": "emails[not (type eq \"home\")].value", "value": "x"})",
        R"({"op": "add", "path": "emails[type pr].value", "value": "x"})",
        R"({"op": "add", "path": "emails[type eq null].value", "value": "x"})",
        R"({"op": "add", "path": "emails[nosuch eq \"w\"].value", "value": "x"})",
        R"({"op": "add", "path": "emails[value eq \"a\"].value", "value": "b"})",
        R"({"op": "add", "path": "emails[type eq \"work\"].value", "value": {"v": 1}})",
        R"({"op": "add", "path": "emails[type eq \"work\"].value", "value": null})",
        R"({"op": "add", "path": "emails[type eq \"work\"]", "value": "x"})",
        R"({"op": "add", "path": "emails[type eq \"work\"]", "value": {"type": "home"}})",
        R"({"op": "add", "path": "emails[type eq \"work\"].nosuch", "value": "x"})",
        R"({"op": "add", "path": "name[givenName eq \"x\"].familyName", "value": "x"})",
        R"({"op": "add", "path": "emails[type eq \"work\"", "value": "x"})",
        R"({"op": "add", "path": "emails", "value": [{"type": "work"}]})"}) {
    CAPTURE(op);
    check_unchanged(normalizer::add_creates_value_path_element, body(json::array({parse(op)})), user());
  }
  // The same value as the filter's is no contradiction.
  CHECK(ops_after(normalizer::add_creates_value_path_element,
                  body(parse(R"([{"op": "add", "path": "emails[value eq \"A@x\"].value", "value": "a@x"}])")),
                  user()) == parse(R"([{"op": "add", "path": "emails", "value": [{"value": "A@x"}]}])"));
}

// ---- string_booleans ----------------------------------------------------------------------

TEST_CASE("string_booleans: a path to a boolean attribute") {
  const json ops = ops_after(normalizer::string_booleans, body(parse(R"([
    {"op": "Replace", "path": "active", "value": "False"},
    {"op": "replace", "path": "ACTIVE", "value": "TRUE"},
    {"op": "replace", "path": "emails[type eq \"work\"].primary", "value": "true"},
    {"op": "replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:active", "value": "fAlSe"}])")),
                             user());
  CHECK(ops[0]["value"] == false);
  CHECK(ops[1]["value"] == true);
  CHECK(ops[2]["value"] == true);
  CHECK(ops[3]["value"] == false);
}

TEST_CASE("string_booleans: inside complex, multi-valued and path-less values") {
  const json ops = ops_after(normalizer::string_booleans, body(parse(R"([
    {"op": "add", "path": "emails", "value": [{"value": "True", "type": "False", "primary": "True"}]},
    {"op": "add", "path": "emails[type eq \"work\"]", "value": {"display": "false", "primary": "False"}},
    {"op": "replace", "value": {"active": "False", "displayName": "True", "title": "false",
                                "phoneNumbers": [{"value": "true", "primary": "TRUE"}],
                                "name": {"givenName": "True"}}}])")),
                             user());
  CHECK(ops[0]["value"] == parse(R"([{"value": "True", "type": "False", "primary": true}])"));
  CHECK(ops[1]["value"] == parse(R"({"display": "false", "primary": false})"));
  CHECK(ops[2]["value"] == parse(R"({"active": false, "displayName": "True", "title": "false",
                                     "phoneNumbers": [{"value": "true", "primary": true}],
                                     "name": {"givenName": "True"}})"));
}

TEST_CASE("string_booleans: never strings of string attributes, nor other strings") {
  check_unchanged(normalizer::string_booleans, body(parse(R"([
    {"op": "replace", "path": "title", "value": "False"},
    {"op": "replace", "path": "active", "value": "no"},
    {"op": "replace", "path": "active", "value": "False "},
    {"op": "replace", "path": "active", "value": 0},
    {"op": "replace", "path": "nosuch", "value": "True"},
    {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "True"},
    {"op": "replace", "path": "emails[broken", "value": "True"},
    {"op": "replace", "value": {"nosuch": "True", "userName": "true"}},
    {"op": "remove", "path": "active"}])")),
                  user());
}

TEST_CASE("string_booleans: extension attributes, by path, path-less object and flattened key") {
  // A registry with an extension that has boolean attributes.
  scim::schema_registry r = scim::default_registry();
  scim::schema ext;
  ext.id = "urn:example:params:scim:schemas:extension:acme:2.0:User";
  ext.name = "Acme";
  scim::attribute contractor;
  contractor.name = "isContractor";
  contractor.type = scim::attribute_type::boolean;
  scim::attribute badge;
  badge.name = "badge";
  badge.type = scim::attribute_type::complex;
  scim::attribute badge_active;
  badge_active.name = "active";
  badge_active.type = scim::attribute_type::boolean;
  scim::attribute badge_code;
  badge_code.name = "code";
  badge.sub_attributes = {badge_active, badge_code};
  ext.attributes = {contractor, badge};
  r.add_schema(ext);
  scim::resource_type rt = user_type();
  rt.schema_extensions.push_back({ext.id, false});
  r.add_resource_type(rt);
  const scim::resource_type& acme_user = *r.find_resource_type("User");

  const json ops = ops_after(normalizer::string_booleans, body(parse(R"([
    {"op": "replace", "path": "urn:example:params:scim:schemas:extension:acme:2.0:User:isContractor", "value": "True"},
    {"op": "replace", "path": "urn:example:params:scim:schemas:extension:acme:2.0:User:badge.active", "value": "False"},
    {"op": "replace", "path": "urn:example:params:scim:schemas:extension:acme:2.0:User", "value": {"isContractor": "false", "badge": {"active": "TRUE", "code": "True"}}},
    {"op": "replace", "value": {"urn:example:params:scim:schemas:extension:acme:2.0:User": {"isContractor": "True"},
                                "urn:example:params:scim:schemas:extension:acme:2.0:User:badge.active": "False"}}])")),
                             user(), acme_user, true, r);
  CHECK(ops[0]["value"] == true);
  CHECK(ops[1]["value"] == false);
  CHECK(ops[2]["value"] == parse(R"({"isContractor": false, "badge": {"active": true, "code": "True"}})"));
  CHECK(ops[3]["value"] ==
        parse(R"({"urn:example:params:scim:schemas:extension:acme:2.0:User": {"isContractor": true},
                                     "urn:example:params:scim:schemas:extension:acme:2.0:User:badge.active": false})"));

  // After dotted_keys, the nested form converts the same way.
  std::vector<std::string_view> applied;
  auto n = scim::patch::normalize(
      body(parse(
          R"([{"op": "Replace", "value": {"urn:example:params:scim:schemas:extension:acme:2.0:User:badge.active": "False"}}])")),
      user(), acme_user, r, dialect::entra, &applied);
  REQUIRE(n);
  CHECK(
      (*n)["Operations"][0] ==
      parse(
          R"({"op": "replace", "value": {"urn:example:params:scim:schemas:extension:acme:2.0:User": {"badge": {"active": false}}}})"));
  CHECK(applied == std::vector<std::string_view>{"capitalized_ops", "dotted_keys", "string_booleans"});
}

// ---- normalize() ---------------------------------------------------------------------------

TEST_CASE("normalize: strict changes nothing; lenient reports what fired, in order") {
  const json raw = body(parse(R"([
    {"op": "Replace", "path": "active", "value": "False"},
    {"op": "Add", "path": "emails[type eq \"work\"].value", "value": "b@work.example"}])"));
  std::vector<std::string_view> applied;
  auto strict = scim::patch::normalize(raw, user(), user_type(), reg(), dialect::strict, &applied);
  REQUIRE(strict);
  CHECK(*strict == raw);
  CHECK(applied.empty());

  auto lenient = scim::patch::normalize(raw, user(), user_type(), reg(), dialect::lenient, &applied);
  REQUIRE(lenient);
  CHECK((*lenient)["Operations"] == parse(R"([
    {"op": "replace", "path": "active", "value": false},
    {"op": "add", "path": "emails", "value": [{"type": "work", "value": "b@work.example"}]}])"));
  CHECK(applied == std::vector<std::string_view>{"capitalized_ops", "add_creates_value_path_element",
                                                 "string_booleans"});

  // Default profile: lenient.
  auto def = scim::patch::normalize(raw, user(), user_type(), reg());
  REQUIRE(def);
  CHECK(*def == *lenient);

  // An explicit set.
  applied.clear();
  auto only_ops = scim::patch::normalize(raw, user(), user_type(), reg(),
                                         scim::patch::normalizer_set(normalizer::capitalized_ops), &applied);
  REQUIRE(only_ops);
  CHECK((*only_ops)["Operations"][0] == parse(R"({"op": "replace", "path": "active", "value": "False"})"));
  CHECK(applied == std::vector<std::string_view>{"capitalized_ops"});
}

TEST_CASE("normalize: the first error stops the run") {
  const json g = group_with({"a"});
  auto r = scim::patch::normalize(
      body(parse(R"([{"op": "replace", "value": {"id": "other", "displayName": "x"}}])")), g, group_type(),
      reg(), dialect::okta);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == scim::error_code::mutability);
  // Under entra the Okta normaliser does not run: the core will see the id.
  auto e = scim::patch::normalize(
      body(parse(R"([{"op": "replace", "value": {"id": "other", "displayName": "x"}}])")), g, group_type(),
      reg(), dialect::entra);
  CHECK(e);
}

TEST_CASE("normalize: hostile shapes never throw") {
  const json g = group_with({"a"});
  for (const char* text : {
           R"({"Operations": [{"op": "remove", "path": "members", "value": {"value": {"value": "a"}}}]})",
           R"({"Operations": [{"op": "remove", "path": 5, "value": [{"value": "a"}]}]})",
           R"({"Operations": [{"op": "add", "path": ["members"], "value": 1}]})",
           R"({"Operations": [{"op": "replace", "value": [1, 2]}]})",
           R"({"Operations": [{"op": "replace", "value": {"members": "x", "displayName": {"a": 1}}}]})",
           R"({"Operations": [{"op": "add", "path": "members[value eq \"a\"].display", "value": "x"}]})",
           R"({"Operations": [{"op": "add", "path": "members[", "value": "x"}]})",
           R"({"Operations": [{"op": "add", "path": "", "value": "x"}]})",
           R"({"Operations": [{"op": "add", "path": null, "value": {"members.value": "x"}}]})",
           R"({"Operations": [{"op": "add", "path": "members[value eq \"z\"]", "value": {"value": "z"}}]})",
           R"({"Operations": [[], {}, null, 1, "x"]})",
       }) {
    CAPTURE(text);
    for (const dialect d : scim::patch::all_dialects) {
      auto r = scim::patch::normalize(parse(text), g, group_type(), reg(), d);
      (void)r;
    }
  }
}

// ---- the whole pipeline: normalize -> parse_patch_request -> apply ----------------------

namespace {

struct pipeline_result {
  scim::expected<json> resource;
  scim::patch::change_set changes;
  std::vector<std::string_view> applied;
};

pipeline_result pipeline(const json& request, json resource, const scim::resource_type& rt, dialect d) {
  pipeline_result out{json(), {}, {}};
  auto normalized = scim::patch::normalize(request, resource, rt, reg(), d, &out.applied);
  if (!normalized) {
    out.resource = scim::fail(normalized.error());
    return out;
  }
  auto req = scim::patch::parse_patch_request(std::move(*normalized));
  if (!req) {
    out.resource = scim::fail(req.error());
    return out;
  }
  auto changes = scim::patch::apply(resource, *req, rt, reg(), scim::patch::apply_options_for(d));
  if (!changes) {
    out.resource = scim::fail(changes.error());
    return out;
  }
  out.changes = std::move(*changes);
  out.resource = std::move(resource);
  return out;
}

// Runs `request` under every dialect; all must succeed with the same result.
json accepted_by_every_dialect(const json& request, const json& resource, const scim::resource_type& rt) {
  std::optional<json> first;
  for (const dialect d : scim::patch::all_dialects) {
    CAPTURE(scim::patch::to_string(d));
    auto r = pipeline(request, resource, rt, d);
    REQUIRE_MESSAGE(r.resource, scim::format_error(r.resource.error()));
    CHECK(r.applied.empty());
    if (!first) first = *r.resource;
    CHECK(*r.resource == *first);
  }
  return *first;
}

scim::error rejected(const json& request, const json& resource, const scim::resource_type& rt, dialect d) {
  auto r = pipeline(request, resource, rt, d);
  REQUIRE_FALSE_MESSAGE(r.resource, scim::patch::to_string(d) << " accepted " << request.dump());
  return r.resource.error();
}

}  // namespace

TEST_CASE("RFC shapes every profile accepts: $ref null in member values is unassigned") {
  const json g = group_with({"a"});
  const json after = accepted_by_every_dialect(
      body(parse(R"([{"op": "add", "path": "members", "value": [{"$ref": null, "value": "b"}]}])")), g,
      group_type());
  REQUIRE(after["members"].size() == 2);
  CHECK(after["members"][1]["value"] == "b");
  CHECK_FALSE(after["members"][1].contains("$ref"));
}

TEST_CASE("RFC shapes every profile accepts: path-less replace {active: false} (Okta)") {
  const json after = accepted_by_every_dialect(
      body(parse(R"([{"op": "replace", "value": {"active": false}}])")), user(), user_type());
  CHECK(after["active"] == false);
  json want = user();
  want["active"] = false;
  CHECK(after == want);
}

TEST_CASE("RFC shapes every profile accepts: remove members[value eq] and add in one request (Okta)") {
  const json after = accepted_by_every_dialect(body(parse(R"([
      {"op": "remove", "path": "members[value eq \"b\"]"},
      {"op": "add", "path": "members", "value": [{"value": "n", "display": "New"}]}])")),
                                               group_with({"a", "b", "c"}), group_type());
  std::vector<std::string> ids;
  for (const auto& m : after["members"]) ids.push_back(m["value"].get<std::string>());
  CHECK(ids == std::vector<std::string>{"a", "c", "n"});
}

TEST_CASE("RFC shapes every profile accepts: minimal member objects (JumpCloud)") {
  const json after = accepted_by_every_dialect(
      body(parse(R"([{"op": "add", "path": "members", "value": [{"value": "x"}, {"value": "y"}]}])")),
      group_with({}), group_type());
  CHECK(after["members"] == parse(R"([{"value": "x"}, {"value": "y"}])"));
}

TEST_CASE("strict: each deviation is the core's clear error") {
  const json g = group_with({"a", "b"});
  SUBCASE("capitalised op") {
    const auto e = rejected(body(parse(R"([{"op": "Replace", "path": "active", "value": false}])")), user(),
                            user_type(), dialect::strict);
    CHECK(e.status == 400);
    CHECK(e.code == scim::error_code::invalid_syntax);
    CHECK(e.detail.find("Replace") != std::string::npos);
  }
  SUBCASE("string boolean") {
    const auto e = rejected(body(parse(R"([{"op": "replace", "path": "active", "value": "False"}])")), user(),
                            user_type(), dialect::strict);
    CHECK(e.code == scim::error_code::invalid_value);
  }
  SUBCASE("remove with a value list") {
    const auto e =
        rejected(body(parse(R"([{"op": "remove", "path": "members", "value": [{"value": "a"}]}])")), g,
                 group_type(), dialect::strict);
    CHECK(e.status == 400);
    CHECK(e.code == scim::error_code::invalid_value);
  }
  SUBCASE("add through a value filter that matches nothing") {
    const auto e =
        rejected(body(parse(R"([{"op": "add", "path": "emails[type eq \"work\"].value", "value": "x"}])")),
                 user(), user_type(), dialect::strict);
    CHECK(e.code == scim::error_code::no_target);
  }
}

// The applier has tolerances of its own for two more shapes the normalisers
// rewrite: path-less value keys that are sub-attribute or URN-qualified paths
// (apply_options::dotted_keys) and a readOnly attribute given the value it
// already has (apply_options::unchanged_read_only). apply_options_for() turns
// each on exactly for the profiles that run the matching normaliser, so
// strict rejects both; a different id is mutability everywhere.
TEST_CASE("apply_options_for: the applier's tolerances follow the profile's normalisers") {
  struct want {
    dialect d;
    bool value_list, appends, dotted, read_only;
  };
  for (const want w : {want{dialect::strict, false, false, false, false}, want{dialect::lenient, true, true, true, true},
                       want{dialect::entra, true, true, true, false}, want{dialect::okta, false, false, false, true},
                       want{dialect::jumpcloud, true, false, false, false}}) {
    CAPTURE(scim::patch::to_string(w.d));
    const auto o = scim::patch::apply_options_for(w.d);
    CHECK(o.remove_by_value_list == w.value_list);
    CHECK(o.add_unmatched_filter_appends == w.appends);
    CHECK(o.dotted_keys == w.dotted);
    CHECK(o.unchanged_read_only == w.read_only);
  }
  // Other fields come from the base.
  scim::patch::apply_options base;
  base.max_values_per_operation = 7;
  base.track_values = false;
  const auto o = scim::patch::apply_options_for(dialect::strict, base);
  CHECK(o.max_values_per_operation == 7);
  CHECK_FALSE(o.track_values);
  // The defaults are the tolerant ones (lenient, the default profile).
  const scim::patch::apply_options def;
  CHECK(def.dotted_keys);
  CHECK(def.unchanged_read_only);
}

TEST_CASE("dotted and URN-qualified value keys: entra and lenient accept, strict, okta and jumpcloud reject") {
  const std::string ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
  struct shape {
    const char* value;
    const char* key;        // the key the error names
    bool normalised;        // dotted_keys rewrites it (else the applier's tolerance takes it)
  };
  const std::vector<shape> shapes{
      {R"({"name.givenName": "B"})", "'name.givenName'", true},
      {R"({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "D"})",
       "'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department'", true},
      {R"({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value": "m"})",
       "User:manager.value'", true},
      {R"({"urn:ietf:params:scim:schemas:core:2.0:User:displayName": "BJ"})", "User:displayName'", true},
      {R"({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager.value": "m"}})",
       "User:manager.value'", false},
  };
  for (const char* op : {"replace", "add"}) {
    for (const auto& sh : shapes) {
      CAPTURE(op);
      CAPTURE(sh.value);
      const json request = body(json::array({json{{"op", op}, {"value", parse(sh.value)}}}));
      auto entra = pipeline(request, user(), user_type(), dialect::entra);
      auto lenient = pipeline(request, user(), user_type(), dialect::lenient);
      REQUIRE_MESSAGE(entra.resource, scim::format_error(entra.resource.error()));
      REQUIRE_MESSAGE(lenient.resource, scim::format_error(lenient.resource.error()));
      CHECK(*entra.resource == *lenient.resource);
      CHECK(*entra.resource != user());
      if (sh.normalised) {
        CHECK(lenient.applied == std::vector<std::string_view>{"dotted_keys"});
      } else {
        CHECK(lenient.applied.empty());
      }
      for (const dialect d : {dialect::strict, dialect::okta, dialect::jumpcloud}) {
        CAPTURE(scim::patch::to_string(d));
        const auto e = rejected(request, user(), user_type(), d);
        CHECK(e.status == 400);
        CHECK(e.code == scim::error_code::invalid_value);
        CHECK_MESSAGE(e.detail.find(sh.key) != std::string::npos, e.detail);
        CHECK_MESSAGE(e.detail.find("attribute names, not paths") != std::string::npos, e.detail);
      }
    }
  }
  // The result under entra/lenient is the nested form.
  auto r = pipeline(body(parse(R"([{"op": "replace", "value": {"name.givenName": "B",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "D"}}])")),
                    user(), user_type(), dialect::entra);
  REQUIRE(r.resource);
  CHECK((*r.resource)["name"] == parse(R"({"givenName": "B", "familyName": "Jensen"})"));
  CHECK((*r.resource)[ent] == parse(R"({"department": "D"})"));
  // Under strict the nested RFC form is accepted with the same result.
  auto s = pipeline(body(parse(R"([{"op": "replace", "value": {"name": {"givenName": "B"},
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "D"}}}])")),
                    user(), user_type(), dialect::strict);
  REQUIRE_MESSAGE(s.resource, scim::format_error(s.resource.error()));
  CHECK(*s.resource == *r.resource);
  // A key that resolves to nothing stays invalidPath under every profile.
  for (const dialect d : scim::patch::all_dialects) {
    CAPTURE(scim::patch::to_string(d));
    const auto e = rejected(body(parse(R"([{"op": "replace", "value": {"name.nickName": "B"}}])")), user(),
                            user_type(), d);
    CHECK(e.code == scim::error_code::invalid_path);
  }
}

TEST_CASE("unchanged id in a path-less replace: okta and lenient accept, strict, entra and jumpcloud reject") {
  const json g = group_with({"a", "b"});
  const json rename = body(parse(R"([{"op": "replace", "value": {"id": "g1", "displayName": "E"}}])"));
  auto okta = pipeline(rename, g, group_type(), dialect::okta);
  auto lenient = pipeline(rename, g, group_type(), dialect::lenient);
  REQUIRE(okta.resource);
  REQUIRE(lenient.resource);
  CHECK(*okta.resource == *lenient.resource);
  CHECK((*okta.resource)["displayName"] == "E");
  CHECK((*okta.resource)["id"] == "g1");
  CHECK(okta.applied == std::vector<std::string_view>{"okta_id_in_replace"});
  CHECK(okta.changes.attributes == std::vector<std::string>{"displayName"});
  for (const dialect d : {dialect::strict, dialect::entra, dialect::jumpcloud}) {
    CAPTURE(scim::patch::to_string(d));
    const auto e = rejected(rename, g, group_type(), d);
    CHECK(e.status == 400);
    CHECK(e.code == scim::error_code::mutability);
    CHECK_MESSAGE(e.detail.find("id: readOnly attribute cannot be modified") != std::string::npos, e.detail);
    CHECK_MESSAGE(e.detail.find("not even to its current value") != std::string::npos, e.detail);
  }
  // The same through a path: the okta normaliser leaves it, the applier's tolerance takes it.
  const json by_path = body(parse(R"([{"op": "replace", "path": "id", "value": "g1"}])"));
  for (const dialect d : {dialect::okta, dialect::lenient}) {
    auto r = pipeline(by_path, g, group_type(), d);
    REQUIRE_MESSAGE(r.resource, scim::format_error(r.resource.error()));
    CHECK(*r.resource == g);
    CHECK(r.changes.empty());
  }
  CHECK(rejected(by_path, g, group_type(), dialect::strict).code == scim::error_code::mutability);
  // A different id is mutability under every profile.
  for (const dialect d : scim::patch::all_dialects) {
    CAPTURE(scim::patch::to_string(d));
    const auto e = rejected(body(parse(R"([{"op": "replace", "value": {"id": "g2", "displayName": "E"}}])")), g,
                            group_type(), d);
    CHECK(e.code == scim::error_code::mutability);
    CHECK(e.detail.find("not even") == std::string::npos);
  }
}

TEST_CASE("lenient: the same deviations are accepted") {
  const json g = group_with({"a", "b"});
  auto r1 = pipeline(body(parse(R"([{"op": "Replace", "path": "active", "value": "False"}])")), user(),
                     user_type(), dialect::lenient);
  REQUIRE(r1.resource);
  CHECK((*r1.resource)["active"] == false);
  auto r2 = pipeline(
      body(parse(R"([{"op": "Remove", "path": "members", "value": [{"value": "a"}, {"value": "zz"}]}])")), g,
      group_type(), dialect::lenient);
  REQUIRE(r2.resource);
  CHECK((*r2.resource)["members"] == parse(R"([{"value": "b", "display": "user b"}])"));
  auto r3 = pipeline(body(parse(R"([{"op": "replace", "value": {"name.givenName": "B",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "D"}}])")),
                     user(), user_type(), dialect::lenient);
  REQUIRE_MESSAGE(r3.resource, scim::format_error(r3.resource.error()));
  CHECK((*r3.resource)["name"]["givenName"] == "B");
  CHECK((*r3.resource)["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"] == "D");
  auto r4 = pipeline(body(parse(R"([{"op": "replace", "value": {"id": "g1", "displayName": "E"}}])")), g,
                     group_type(), dialect::lenient);
  REQUIRE(r4.resource);
  CHECK((*r4.resource)["displayName"] == "E");
  CHECK((*r4.resource)["id"] == "g1");
  auto r5 = pipeline(body(parse(R"([{"op": "Remove", "path": "members", "value": [{"value": "zz"}]}])")), g,
                     group_type(), dialect::lenient);
  REQUIRE_MESSAGE(r5.resource, scim::format_error(r5.resource.error()));
  CHECK(*r5.resource == g);
  CHECK(r5.changes.empty());
}

// ---- the IdP payload corpus: tests/data/patch/idp/*.json ---------------------------------
//
// Each file: {"description", "source", "before": resource, "request": PatchOp body,
//             "outcomes": [{"dialects": [...], "after": resource, "normalizers": [...],
//                           "changed": [...]} | {"dialects": [...], "error": {"status",
//                           "scimType", "detail_contains"}}]}
// The outcomes name every dialect exactly once; "normalizers" (optional) is the
// list normalize() reports, "changed" (optional) the change set's attributes.

TEST_CASE("IdP payload corpus") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(SCIMPP_TEST_DATA_DIR) / "patch" / "idp";
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 20);

  for (const auto& file : files) {
    CAPTURE(file.filename().string());
    std::ifstream in(file);
    std::stringstream ss;
    ss << in.rdbuf();
    auto c = scim::parse_json(ss.str());
    REQUIRE_MESSAGE(c, scim::format_error(c.error()));
    const json& before = (*c)["before"];
    auto type = reg().find_resource_type_by_schema(before["schemas"][0].get<std::string>());
    REQUIRE(type != nullptr);

    std::vector<std::string> seen;
    for (const auto& outcome : (*c)["outcomes"]) {
      for (const auto& dname : outcome["dialects"]) {
        const auto d = scim::patch::dialect_from_string(dname.get<std::string>());
        REQUIRE(d.has_value());
        seen.push_back(dname.get<std::string>());
        CAPTURE(dname.get<std::string>());
        auto r = pipeline((*c)["request"], before, *type, *d);
        if (outcome.contains("after")) {
          REQUIRE_MESSAGE(r.resource, scim::format_error(r.resource.error()));
          CHECK(*r.resource == outcome["after"]);
          if (outcome.contains("normalizers")) {
            std::vector<std::string> want;
            for (const auto& n : outcome["normalizers"]) want.push_back(n.get<std::string>());
            CHECK(std::vector<std::string>(r.applied.begin(), r.applied.end()) == want);
          }
          if (outcome.contains("changed")) {
            std::vector<std::string> want;
            for (const auto& n : outcome["changed"]) want.push_back(n.get<std::string>());
            CHECK(r.changes.attributes == want);
          }
        } else {
          REQUIRE_FALSE_MESSAGE(r.resource, r.resource->dump());
          const json& want = outcome["error"];
          CHECK(r.resource.error().status == want["status"].get<int>());
          CHECK(scim::to_string(r.resource.error().code) == want["scimType"].get<std::string>());
          if (want.contains("detail_contains"))
            CHECK_MESSAGE(r.resource.error().detail.find(want["detail_contains"].get<std::string>()) !=
                              std::string::npos,
                          r.resource.error().detail);
        }
      }
    }
    std::sort(seen.begin(), seen.end());
    CHECK(seen == std::vector<std::string>{"entra", "jumpcloud", "lenient", "okta", "strict"});
  }
}
