#include "scim/resource/group.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

namespace {

scim::json load(const char* path) {
  std::ifstream f(path, std::ios::binary);
  REQUIRE_MESSAGE(f.good(), path);
  const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto j = scim::parse_json(text);
  REQUIRE_MESSAGE(j.has_value(), path);
  return *j;
}

}  // namespace

namespace app {
struct team_ext {
  std::optional<std::string> cost_code;
  friend bool operator==(const team_ext&, const team_ext&) = default;
};
}  // namespace app

template <>
struct scim::resource_traits<app::team_ext> {
  static constexpr std::string_view schema_urn = "urn:example:scim:schemas:extension:team:1.0:Group";
  static constexpr auto fields = std::make_tuple(scim::field("costCode", &app::team_ext::cost_code));
};

TEST_CASE("RFC 7643 8.4: the group round-trips") {
  const auto in = load(SCIMPP_TEST_DATA_DIR "/rfc7643/group.json");
  auto g = scim::decode<scim::group>(in);
  REQUIRE(g);
  CHECK(g->id == "e9e30dba-f08f-4109-8486-d5c6a331660a");
  CHECK(g->display_name == "Tour Guides");
  REQUIRE(g->members.size() == 2);
  CHECK(g->members[0].value == "2819c223-7f76-453a-919d-413861904646");
  CHECK(g->members[1].display == "Mandy Pepperidge");
  CHECK(g->members[1].ref == "https://example.com/v2/Users/902c246b-6245-4190-8e05-00816be7344a");
  REQUIRE(g->meta);
  CHECK(g->meta->resource_type == "Group");
  CHECK(scim::encode(*g) == in);

  scim::json j = *g;
  CHECK(j == in);
  CHECK(j.get<scim::group>() == *g);
}

TEST_CASE("members with a null $ref, case-insensitive names and unknown attributes") {
  const auto in = scim::json::parse(R"({
    "DisplayName": "Admins",
    "MEMBERS": [{"Value": "u1", "$ref": null, "type": "User"}, {"value": "g2", "type": "Group"}],
    "owner": "ops"})");
  auto g = scim::decode<scim::group>(in);
  REQUIRE(g);
  CHECK(g->display_name == "Admins");
  REQUIRE(g->members.size() == 2);
  CHECK(g->members[0].value == "u1");
  CHECK_FALSE(g->members[0].ref.has_value());
  CHECK(g->members[1].type == "Group");
  CHECK(g->extra["owner"] == "ops");
  CHECK(scim::encode(*g) == scim::json::parse(R"({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    "displayName": "Admins",
    "members": [{"value": "u1", "type": "User"}, {"value": "g2", "type": "Group"}],
    "owner": "ops"})"));

  auto bad = scim::decode<scim::group>(scim::json::parse(R"({"members":[{"value":"u1"},{"value":2}]})"));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == scim::error_code::invalid_value);
  CHECK(bad.error().detail.find("'members[1].value'") != std::string::npos);
}

TEST_CASE("a group type with an application extension") {
  using team = scim::basic_group<app::team_ext>;
  auto g = scim::decode<team>(scim::json::parse(R"({
    "displayName": "Ops",
    "urn:example:scim:schemas:extension:team:1.0:Group": {"costCode": "CC-1"}})"));
  REQUIRE(g);
  REQUIRE(g->extension<app::team_ext>() != nullptr);
  CHECK(g->extension<app::team_ext>()->cost_code == "CC-1");
  g->ensure_extension<app::team_ext>().cost_code = "CC-2";
  const scim::json out = scim::encode(*g);
  CHECK(out["urn:example:scim:schemas:extension:team:1.0:Group"]["costCode"] == "CC-2");
  CHECK(out["schemas"] == scim::json::array({"urn:ietf:params:scim:schemas:core:2.0:Group",
                                             "urn:example:scim:schemas:extension:team:1.0:Group"}));
  g->remove_extension<app::team_ext>();
  CHECK_FALSE(scim::encode(*g).contains("urn:example:scim:schemas:extension:team:1.0:Group"));
  CHECK(scim::field_table_of<team>().size == 7);  // schemas, id, externalId, meta, displayName, members, extension
}

TEST_CASE("the group's field table") {
  const auto& t = scim::field_table_of<scim::group>();
  CHECK(t.schema_urn == scim::urn::group);
  CHECK(t.size == 6);
  CHECK(t.find("schemas") != nullptr);
  const scim::field_info* members = t.find("members");
  REQUIRE(members != nullptr);
  CHECK(members->shape == scim::field_shape::vector);
  CHECK(members->sub->find("$ref") != nullptr);

  scim::group g;
  g.display_name = "Tour Guides";
  g.members.push_back({.value = "u1", .type = "User"});
  CHECK(members->count(members->get(&g)) == 1);
}
