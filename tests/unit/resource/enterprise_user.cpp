#include "scim/resource/enterprise_user.hpp"

#include <doctest/doctest.h>

#include <string>

TEST_CASE("the enterprise extension object round-trips") {
  const auto in = scim::json::parse(R"({
    "employeeNumber": "701984",
    "costCenter": "4130",
    "organization": "Universal Studios",
    "division": "Theme Park",
    "department": "Tour Operations",
    "manager": {
      "value": "26118915-6090-4610-87e4-49d8ca9f808d",
      "$ref": "../Users/26118915-6090-4610-87e4-49d8ca9f808d",
      "displayName": "John Smith"
    }})");
  auto e = scim::decode<scim::enterprise_user>(in);
  REQUIRE(e);
  CHECK(e->employee_number == "701984");
  CHECK(e->cost_center == "4130");
  CHECK(e->organization == "Universal Studios");
  CHECK(e->division == "Theme Park");
  CHECK(e->department == "Tour Operations");
  REQUIRE(e->manager);
  CHECK(e->manager->value == "26118915-6090-4610-87e4-49d8ca9f808d");
  CHECK(e->manager->ref == "../Users/26118915-6090-4610-87e4-49d8ca9f808d");
  CHECK(e->manager->display_name == "John Smith");
  CHECK(scim::encode(*e) == in);
  CHECK(scim::json(*e).get<scim::enterprise_user>() == *e);
}

TEST_CASE("a null manager clears it; a manager of the wrong shape is rejected") {
  auto cleared =
      scim::decode<scim::enterprise_user>(scim::json::parse(R"({"manager":null,"department":"x"})"));
  REQUIRE(cleared);
  CHECK_FALSE(cleared->manager.has_value());
  auto bad = scim::decode<scim::enterprise_user>(scim::json::parse(R"({"manager":{"value":12}})"));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().detail.find("'manager.value'") != std::string::npos);
}

TEST_CASE("the enterprise extension names its schema") {
  CHECK(scim::resource_traits<scim::enterprise_user>::schema_urn ==
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User");
  const auto& t = scim::field_table_of<scim::enterprise_user>();
  CHECK(t.schema_urn == scim::urn::enterprise_user);
  CHECK(t.size == 6);
  REQUIRE(t.find("manager") != nullptr);
  CHECK(t.find("manager")->sub->find("displayname")->name == "displayName");
}
