#include "scim/resource/list_response.hpp"

#include <doctest/doctest.h>

#include "scim/resource/group.hpp"
#include "scim/resource/user.hpp"

#include <string>
#include <string_view>

TEST_CASE("an empty list response always carries Resources") {
  scim::list_response<scim::user> r;
  r.total_results = 0;
  CHECK(scim::encode(r) == scim::json::parse(R"({
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
    "totalResults": 0, "Resources": []})"));
  scim::json j = scim::list_response<scim::group>{};
  CHECK(j == scim::json::parse(
                 R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"Resources":[]})"));
}

TEST_CASE("a page of users round-trips") {
  const auto in = scim::json::parse(R"({
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
    "totalResults": 2, "itemsPerPage": 10, "startIndex": 1,
    "Resources": [
      {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "2819c223", "userName": "bjensen"},
      {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                   "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
       "id": "c75ad752", "userName": "jsmith",
       "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Ops"}}]})");
  auto r = scim::decode<scim::list_response<scim::user>>(in);
  REQUIRE(r);
  CHECK(r->total_results == 2);
  CHECK(r->items_per_page == 10);
  CHECK(r->start_index == 1);
  REQUIRE(r->resources.size() == 2);
  CHECK(r->resources[0].user_name == "bjensen");
  CHECK(r->resources[1].extension<scim::enterprise_user>()->department == "Ops");
  CHECK(scim::encode(*r) == in);
  scim::json j = *r;
  CHECK(j == in);
  CHECK(j.get<scim::list_response<scim::user>>() == *r);
}

TEST_CASE("cursor pagination attributes (RFC 9865)") {
  auto r = scim::decode<scim::list_response<scim::group>>(std::string_view(R"({
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
    "totalResults": 100, "itemsPerPage": 1, "nextCursor": "VZUTiy", "previousCursor": "ZLgBHq",
    "resources": [{"displayName": "Tour Guides", "members": [{"value": "u1", "$ref": null}]}]})"));
  REQUIRE(r);
  CHECK(r->next_cursor == "VZUTiy");
  CHECK(r->previous_cursor == "ZLgBHq");
  CHECK_FALSE(r->start_index.has_value());
  REQUIRE(r->resources.size() == 1);  // "resources" matched case-insensitively
  CHECK(r->resources[0].display_name == "Tour Guides");
  const scim::json out = scim::encode(*r);
  CHECK(out["nextCursor"] == "VZUTiy");
  CHECK(out["previousCursor"] == "ZLgBHq");
  CHECK_FALSE(out.contains("startIndex"));
  CHECK(out["Resources"][0]["members"] == scim::json::parse(R"([{"value":"u1"}])"));
}

TEST_CASE("untyped resources pass through unchanged") {
  const auto in = scim::json::parse(R"({
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
    "totalResults": 1, "Resources": [{"id": "x", "userName": "bjensen", "anything": [1, {"a": null}]}]})");
  auto r = scim::decode<scim::list_response<scim::json>>(in);
  REQUIRE(r);
  REQUIRE(r->resources.size() == 1);
  CHECK(r->resources[0]["anything"][1]["a"].is_null());
  CHECK(scim::encode(*r) == in);
}

TEST_CASE("invalid list responses are errors with a path, never exceptions") {
  auto not_object = scim::decode<scim::list_response<scim::user>>(scim::json::array());
  REQUIRE_FALSE(not_object);
  CHECK(not_object.error().code == scim::error_code::invalid_syntax);

  struct bad_case {
    const char* body;
    const char* path;
  };
  for (auto c :
       {bad_case{R"({"totalResults":"2"})", "'totalResults'"},
        bad_case{R"({"startIndex":1.5})", "'startIndex'"}, bad_case{R"({"nextCursor":7})", "'nextCursor'"},
        bad_case{R"({"Resources":[{"userName":"a"},{"emails":[{"primary":"no"}]}]})",
                 "'Resources[1].emails[0].primary'"},
        bad_case{R"({"Resources":[7]})", "'Resources[0]'"}}) {
    auto r = scim::decode<scim::list_response<scim::user>>(scim::json::parse(c.body));
    REQUIRE_MESSAGE(!r, c.body);
    CHECK(r.error().code == scim::error_code::invalid_value);
    CHECK_MESSAGE(r.error().detail.find(c.path) != std::string::npos, r.error().detail);
  }
  auto malformed = scim::decode<scim::list_response<scim::user>>(std::string_view("{\"Resources\": ["));
  REQUIRE_FALSE(malformed);
  CHECK(malformed.error().code == scim::error_code::invalid_syntax);
  CHECK_THROWS_AS(scim::json::parse(R"({"totalResults":true})").get<scim::list_response<scim::user>>(),
                  scim::conversion_error);
}
