#include "scim/resource/multi_valued.hpp"

#include <doctest/doctest.h>

#include <string>

TEST_CASE("generic multi-valued attributes carry value, display, type and primary") {
  const auto in =
      scim::json::parse(R"({"value":"bjensen@example.com","display":"Babs","type":"work","primary":true})");
  auto e = scim::decode<scim::email>(in);
  REQUIRE(e);
  CHECK(e->value == "bjensen@example.com");
  CHECK(e->display == "Babs");
  CHECK(e->type == "work");
  CHECK(e->primary == true);
  CHECK(scim::encode(*e) == in);

  CHECK(scim::encode(*scim::decode<scim::phone_number>(in)) == in);
  CHECK(scim::encode(*scim::decode<scim::im>(in)) == in);
  CHECK(scim::encode(*scim::decode<scim::photo>(in)) == in);
  CHECK(scim::encode(*scim::decode<scim::entitlement>(in)) == in);
  CHECK(scim::encode(*scim::decode<scim::role>(in)) == in);
  CHECK(scim::encode(*scim::decode<scim::x509_certificate>(in)) == in);
}

TEST_CASE("absent stays absent and an empty string stays an empty string") {
  auto e = scim::decode<scim::email>(scim::json::parse(R"({"value":"a@example.com","type":""})"));
  REQUIRE(e);
  CHECK_FALSE(e->primary.has_value());
  CHECK_FALSE(e->display.has_value());
  REQUIRE(e->type.has_value());
  CHECK(e->type->empty());
  CHECK(scim::encode(*e) == scim::json::parse(R"({"value":"a@example.com","type":""})"));
  scim::email off{.value = "b@example.com", .primary = false};
  CHECK(scim::encode(off) == scim::json::parse(R"({"value":"b@example.com","primary":false})"));
}

TEST_CASE("addresses have their own sub-attributes") {
  const auto in = scim::json::parse(R"({"type":"work","streetAddress":"100 Universal City Plaza",
      "locality":"Hollywood","region":"CA","postalCode":"91608","country":"USA",
      "formatted":"100 Universal City Plaza\nHollywood, CA 91608 USA","primary":true})");
  auto a = scim::decode<scim::address>(in);
  REQUIRE(a);
  CHECK(a->street_address == "100 Universal City Plaza");
  CHECK(a->postal_code == "91608");
  CHECK(a->formatted == "100 Universal City Plaza\nHollywood, CA 91608 USA");
  CHECK(scim::encode(*a) == in);
  CHECK(scim::field_table_of<scim::address>().find("value") == nullptr);
}

TEST_CASE("references are spelled $ref and null means unassigned") {
  const auto in = scim::json::parse(R"({"value":"2819c223","$ref":"https://example.com/v2/Users/2819c223",
      "display":"Babs Jensen","type":"User"})");
  auto m = scim::decode<scim::member>(in);
  REQUIRE(m);
  CHECK(m->value == "2819c223");
  CHECK(m->ref == "https://example.com/v2/Users/2819c223");
  CHECK(m->type == "User");
  CHECK(scim::encode(*m) == in);

  auto no_ref = scim::decode<scim::member>(scim::json::parse(R"({"value":"x","$ref":null,"display":null})"));
  REQUIRE(no_ref);
  CHECK_FALSE(no_ref->ref.has_value());
  CHECK_FALSE(no_ref->display.has_value());
  CHECK(scim::encode(*no_ref) == scim::json::parse(R"({"value":"x"})"));

  auto g = scim::decode<scim::group_ref>(
      scim::json::parse(R"({"value":"g1","$REF":"../Groups/g1","type":"direct"})"));
  REQUIRE(g);
  CHECK(g->ref == "../Groups/g1");
  CHECK(g->type == "direct");
}

TEST_CASE("wrong sub-attribute types are invalidValue") {
  auto r = scim::decode<scim::email>(scim::json::parse(R"({"value":"a","primary":"true"})"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == scim::error_code::invalid_value);
  CHECK(r.error().detail.find("'primary'") != std::string::npos);
  CHECK_FALSE(scim::decode<scim::member>(scim::json::parse(R"({"value":7})")));
}

TEST_CASE("field tables list the sub-attributes in schema spelling") {
  const auto& t = scim::field_table_of<scim::member>();
  REQUIRE(t.size == 4);
  CHECK(t.first[0].name == "value");
  CHECK(t.first[0].shape == scim::field_shape::plain);
  CHECK(t.first[1].name == "$ref");
  CHECK(scim::field_table_of<scim::email>().find("PRIMARY")->kind == scim::value_kind::boolean);
  CHECK(scim::field_table_of<scim::x509_certificate>().size == 4);
  CHECK(scim::field_table_of<scim::address>().size == 8);
}
