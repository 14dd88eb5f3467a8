#include "scim/patch/operation.hpp"

#include <doctest/doctest.h>

#include <string>

using scim::error_code;
using scim::json;
using scim::patch::op_type;
using scim::patch::parse_patch_request;

namespace {

json body(json ops) {
  return json{{"schemas", json::array({"urn:ietf:params:scim:api:messages:2.0:PatchOp"})},
              {"Operations", std::move(ops)}};
}

error_code code_of(const json& b) {
  auto r = parse_patch_request(b);
  REQUIRE_FALSE(r.has_value());
  return r.error().code;
}

}  // namespace

TEST_CASE("parse_patch_request: the three operations, paths and values") {
  auto r = parse_patch_request(body(json::parse(R"([
    {"op":"add","path":"members","value":[{"value":"2819c223"}]},
    {"op":"remove","path":"members[value eq \"2819c223\"]"},
    {"op":"replace","path":"emails[type eq \"work\"].value","value":"x@example.com"},
    {"op":"replace","value":{"active":false}}
  ])")));
  REQUIRE(r.has_value());
  REQUIRE(r->operations.size() == 4);
  CHECK(r->operations[0].op == op_type::add);
  CHECK(r->operations[0].path_text == "members");
  CHECK(r->operations[0].value.is_array());
  CHECK(r->operations[0].has_value);
  CHECK(r->operations[1].op == op_type::remove);
  REQUIRE(r->operations[1].path);
  CHECK(r->operations[1].path->has_value_filter());
  CHECK_FALSE(r->operations[1].has_value);
  CHECK(r->operations[2].path->sub_attribute == "value");
  CHECK(r->operations[2].path->attribute.name == "emails");
  CHECK_FALSE(r->operations[3].path.has_value());
  CHECK(r->operations[3].value == json::parse(R"({"active":false})"));
}

TEST_CASE("parse_patch_request: message member names are case-insensitive, `op` values are not") {
  json b = json::parse(R"({"SCHEMAS":["urn:ietf:params:scim:api:messages:2.0:patchop"],
                           "operations":[{"OP":"add","Path":"title","Value":"x"}]})");
  auto r = parse_patch_request(b);
  REQUIRE(r.has_value());
  CHECK(r->operations[0].path_text == "title");
  CHECK(r->operations[0].value == "x");
  // "Replace" is Entra ID's dialect: the normaliser lowercases it first.
  CHECK(code_of(body(json::parse(R"([{"op":"Replace","path":"title","value":"x"}])"))) ==
        error_code::invalid_syntax);
}

TEST_CASE("parse_patch_request: malformed messages are invalidSyntax") {
  CHECK(code_of(json::array()) == error_code::invalid_syntax);
  CHECK(code_of(json::parse(R"({"Operations":[{"op":"add","path":"title","value":"x"}]})")) ==
        error_code::invalid_syntax);
  CHECK(code_of(json::parse(R"({"schemas":["urn:other"],"Operations":[{"op":"add","path":"t","value":1}]})")) ==
        error_code::invalid_syntax);
  CHECK(code_of(json::parse(R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]})")) ==
        error_code::invalid_syntax);
  CHECK(code_of(body(json::object())) == error_code::invalid_syntax);
  CHECK(code_of(body(json::array())) == error_code::invalid_syntax);
  CHECK(code_of(body(json::array({"add"}))) == error_code::invalid_syntax);
  CHECK(code_of(body(json::parse(R"([{"path":"title","value":"x"}])"))) == error_code::invalid_syntax);
  CHECK(code_of(body(json::parse(R"([{"op":1,"path":"title","value":"x"}])"))) == error_code::invalid_syntax);
  CHECK(code_of(body(json::parse(R"([{"op":"delete","path":"title"}])"))) == error_code::invalid_syntax);
}

TEST_CASE("parse_patch_request: the detail names the operation index") {
  auto r = parse_patch_request(body(json::parse(R"([
    {"op":"add","path":"title","value":"x"},
    {"op":"add","path":"title","value":"y"},
    {"op":"frobnicate","path":"title"}])")));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().detail.find("Operations[2]") != std::string::npos);
}

TEST_CASE("parse_patch_request: bad paths are invalidPath with a position") {
  auto r = parse_patch_request(body(json::parse(R"([{"op":"remove","path":"members[value eq ]"}])")));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == error_code::invalid_path);
  CHECK(r.error().detail.rfind("Operations[0].path: ", 0) == 0);
  CHECK(r.error().position.has_value());
  CHECK(code_of(body(json::parse(R"([{"op":"remove","path":""}])"))) == error_code::invalid_path);
  CHECK(code_of(body(json::parse(R"([{"op":"remove","path":"a.b.c"}])"))) == error_code::invalid_path);
  CHECK(code_of(body(json::parse(R"([{"op":"remove","path":42}])"))) == error_code::invalid_path);
  // null path == no path
  auto ok = parse_patch_request(body(json::parse(R"([{"op":"add","path":null,"value":{"title":"x"}}])")));
  REQUIRE(ok.has_value());
  CHECK_FALSE(ok->operations[0].path.has_value());
}

TEST_CASE("parse_patch_request: missing or ill-typed values are invalidValue") {
  CHECK(code_of(body(json::parse(R"([{"op":"add","path":"title"}])"))) == error_code::invalid_value);
  CHECK(code_of(body(json::parse(R"([{"op":"replace","path":"title"}])"))) == error_code::invalid_value);
  // Without a path the value must be an object of attributes.
  CHECK(code_of(body(json::parse(R"([{"op":"replace","value":false}])"))) == error_code::invalid_value);
  CHECK(code_of(body(json::parse(R"([{"op":"add","value":null}])"))) == error_code::invalid_value);
  // A present null with a path is accepted (the applier reads it as unassigned).
  auto r = parse_patch_request(body(json::parse(R"([{"op":"replace","path":"title","value":null}])")));
  REQUIRE(r.has_value());
  CHECK(r->operations[0].has_value);
  CHECK(r->operations[0].value.is_null());
  // remove with a value is kept for the applier (remove-by-value-list).
  auto rv = parse_patch_request(body(json::parse(R"([{"op":"remove","path":"members","value":[{"value":"a"}]}])")));
  REQUIRE(rv.has_value());
  CHECK(rv->operations[0].value.is_array());
}

TEST_CASE("parse_patch_request: too many operations is tooMany") {
  json ops = json::array();
  for (int i = 0; i < 5; ++i) ops.push_back(json::parse(R"({"op":"add","path":"title","value":"x"})"));
  scim::patch::patch_limits limits;
  limits.max_operations = 4;
  auto r = parse_patch_request(body(ops), limits);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == error_code::too_many);
  CHECK(r.error().status == 400);
  limits.max_operations = 5;
  CHECK(parse_patch_request(body(ops), limits).has_value());
}

TEST_CASE("parse_patch_request: path length limit applies") {
  scim::patch::patch_limits limits;
  limits.path_options.max_length = 8;
  auto r = parse_patch_request(body(json::parse(R"([{"op":"remove","path":"displayNameIsLong"}])")), limits);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == error_code::invalid_path);
}

TEST_CASE("parse_patch_request: the rvalue overload moves values out") {
  json b = body(json::parse(R"([{"op":"add","path":"members","value":[{"value":"a"},{"value":"b"}]}])"));
  auto r = parse_patch_request(std::move(b));
  REQUIRE(r.has_value());
  CHECK(r->operations[0].value.size() == 2);
}
