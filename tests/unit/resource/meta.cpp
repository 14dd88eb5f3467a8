#include "scim/resource/meta.hpp"

#include <doctest/doctest.h>

#include <string>

TEST_CASE("meta round-trips in RFC 7643 spelling") {
  const auto in = scim::json::parse(R"({
    "resourceType": "User",
    "created": "2010-01-23T04:56:22Z",
    "lastModified": "2011-05-13T04:42:34Z",
    "version": "W\/\"3694e05e9dff590\"",
    "location": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646"})");
  auto m = scim::decode<scim::meta>(in);
  REQUIRE(m);
  CHECK(m->resource_type == "User");
  REQUIRE(m->created);
  CHECK(m->created->at()->seconds == 1264222582);
  REQUIRE(m->last_modified);
  CHECK(*m->created->at() < *m->last_modified->at());
  CHECK(m->version == "W/\"3694e05e9dff590\"");
  CHECK(m->location == "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646");
  CHECK(scim::encode(*m) == in);
}

TEST_CASE("meta keeps the dateTime spelling it was given") {
  auto m = scim::decode<scim::meta>(scim::json::parse(R"({"CREATED":"2010-01-23T05:56:22+01:00"})"));
  REQUIRE(m);
  CHECK(m->created == scim::date_time(std::string("2010-01-23T04:56:22Z")));  // same instant
  CHECK(scim::encode(*m)["created"] == "2010-01-23T05:56:22+01:00");
}

TEST_CASE("an empty meta encodes as an empty object and invalid values are rejected") {
  CHECK(scim::encode(scim::meta{}) == scim::json::object());
  auto bad = scim::decode<scim::meta>(scim::json::parse(R"({"lastModified":"2011-13-01T00:00:00Z"})"));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == scim::error_code::invalid_value);
  CHECK(bad.error().detail.find("'lastModified'") != std::string::npos);
}

TEST_CASE("meta is described to the filter evaluator") {
  const auto& t = scim::field_table_of<scim::meta>();
  CHECK(t.size == 5);
  REQUIRE(t.find("lastmodified") != nullptr);
  CHECK(t.find("lastmodified")->kind == scim::value_kind::date_time);
  CHECK(t.find("resourceType")->kind == scim::value_kind::string);
  CHECK(t.find("version")->shape == scim::field_shape::optional);
}
