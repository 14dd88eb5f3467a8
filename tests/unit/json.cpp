#include "scim/json.hpp"

#include <doctest/doctest.h>

#include <string>

TEST_CASE("parse_json accepts ordinary documents") {
  auto r = scim::parse_json(R"({"userName":"bjensen","emails":[{"value":"b@example.com","primary":true}],"n":1.5})");
  REQUIRE(r);
  CHECK((*r)["userName"] == "bjensen");
  CHECK((*r)["emails"][0]["primary"] == true);
  CHECK((*r)["n"] == 1.5);
}

TEST_CASE("malformed JSON is invalidSyntax with the byte position") {
  auto r = scim::parse_json(R"({"a": tru})");
  REQUIRE_FALSE(r);
  CHECK(r.error().status == 400);
  CHECK(r.error().code == scim::error_code::invalid_syntax);
  REQUIRE(r.error().position.has_value());
  CHECK(*r.error().position == 9);

  for (const char* bad : {"", "{", "[1,]", "{\"a\" 1}", "\"unterminated", "nul", "{} {}", "[1] x"}) {
    auto e = scim::parse_json(bad);
    CHECK_MESSAGE(!e, bad);
    if (!e) CHECK(e.error().code == scim::error_code::invalid_syntax);
  }
}

TEST_CASE("a NUL byte never truncates the input") {
  const std::string text("{\"a\":1}\0garbage", 16);
  auto r = scim::parse_json(text);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == scim::error_code::invalid_syntax);
  CHECK(r.error().position == 7);
  CHECK_FALSE(scim::parse_json(std::string("[\"a\0b\"]", 7)));
}

TEST_CASE("invalid UTF-8 is rejected") {
  const std::string bad = std::string("{\"a\":\"") + '\xff' + "\"}";
  auto r = scim::parse_json(bad);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == scim::error_code::invalid_syntax);
}

TEST_CASE("nesting deeper than the limit is invalidSyntax, never a crash") {
  const std::string deep_arrays(100000, '[');
  auto r = scim::parse_json(deep_arrays);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == scim::error_code::invalid_syntax);
  CHECK(r.error().detail.find("nesting") != std::string::npos);

  std::string deep_objects;
  for (int i = 0; i < 50000; ++i) deep_objects += "{\"a\":";
  deep_objects += "1";
  deep_objects.append(50000, '}');
  CHECK_FALSE(scim::parse_json(deep_objects));

  scim::json_limits limits;
  limits.max_depth = 3;
  CHECK(scim::parse_json("[[[1]]]", limits));
  CHECK_FALSE(scim::parse_json("[[[[1]]]]", limits));
  // Brackets inside strings do not count.
  CHECK(scim::parse_json(R"(["[[[[[[", "\"[[[["])", limits));
}

TEST_CASE("documents over the size limit are rejected before parsing") {
  scim::json_limits limits;
  limits.max_bytes = 10;
  auto r = scim::parse_json(R"({"userName":"x"})", limits);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == scim::error_code::invalid_syntax);
  CHECK(r.error().detail.find("exceeds") != std::string::npos);
}

TEST_CASE("dump_json never throws on invalid UTF-8") {
  scim::json j = std::string("a\xff") + "b";
  CHECK(scim::dump_json(j) == "\"a\xEF\xBF\xBD" "b\"");
  CHECK(scim::dump_json(scim::json::parse(R"({"b":1,"a":[true,null]})")) == R"({"a":[true,null],"b":1})");
}

TEST_CASE("json_depth counts levels without recursion") {
  CHECK(scim::json_depth(scim::json(1)) == 0);
  CHECK(scim::json_depth(scim::json::array()) == 1);
  const auto nested = scim::json::parse("[[1],{\"a\":{\"b\":[2]}}]");
  CHECK(scim::json_depth(nested) == 4);
  scim::json_limits limits;
  limits.max_depth = 4;
  CHECK(scim::parse_json(nested.dump(), limits));
  limits.max_depth = 3;
  CHECK_FALSE(scim::parse_json(nested.dump(), limits));
}
