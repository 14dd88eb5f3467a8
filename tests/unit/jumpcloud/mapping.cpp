#include "scim/jumpcloud/mapping.hpp"

#include "scim/patch/apply.hpp"
#include "scim/patch/operation.hpp"
#include "scim/schema/registry.hpp"
#include "scim/schema/validate.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using scim::json;
using scim::jumpcloud::system_user;
using scim::jumpcloud::user_group;
namespace mapping = scim::mapping;

namespace {

system_user barbara() {
  system_user u;
  u.id = "5f1b2c3d4e5f6a7b8c9d0e1f";
  u.username = "bjensen";
  u.email = "bjensen@example.com";
  u.firstname = "Barbara";
  u.lastname = "Jensen";
  return u;
}

const scim::resource_type& type(const char* name) { return *scim::default_registry().find_resource_type(name); }

json op(const char* o, const char* path, json value) { return json{{"op", o}, {"path", path}, {"value", std::move(value)}}; }

}  // namespace

TEST_CASE("jumpcloud: mapping: the shipped mappings validate against the core schemas") {
  const auto& reg = scim::default_registry();
  auto u = mapping::validate_mapping<system_user>(type("User"), reg);
  CHECK_MESSAGE(u, scim::format_error(u.error()));
  auto g = mapping::validate_mapping<user_group>(type("Group"), reg);
  CHECK_MESSAGE(g, scim::format_error(g.error()));
}

TEST_CASE("jumpcloud: mapping: a system user becomes the User 1Password expects") {
  const json j = mapping::to_scim(barbara());
  CHECK(j == json::parse(R"({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName": "bjensen@example.com",
    "emails": [{"type": "work", "value": "bjensen@example.com", "primary": true}],
    "name": {"givenName": "Barbara", "familyName": "Jensen", "formatted": "Barbara Jensen"},
    "displayName": "Barbara Jensen",
    "active": true})"));
  auto v = scim::validate(j, type("User"), scim::default_registry(), scim::validation_context::create_request);
  REQUIRE_MESSAGE(v, scim::format_error(v.error()));
  CHECK(*v == j);
}

TEST_CASE("jumpcloud: mapping: display name with one name part; suspended users are inactive") {
  system_user u = barbara();
  u.firstname = "  ";
  u.lastname = "Jensen ";
  u.suspended = true;
  const json j = mapping::to_scim(u);
  CHECK(j["displayName"] == "Jensen");
  CHECK(j["name"]["formatted"] == "Jensen");
  CHECK(j["active"] == false);

  u.lastname.clear();
  u.firstname.clear();
  const json nameless = mapping::to_scim(u);
  CHECK_FALSE(nameless.contains("displayName"));
  CHECK_FALSE(nameless.contains("name"));
}

TEST_CASE("jumpcloud: mapping: import reads a User back; id and username are not mapped") {
  system_user u = barbara();
  u.suspended = true;
  auto back = mapping::from_scim<system_user>(mapping::to_scim(u));
  REQUIRE(back);
  system_user expected = u;
  expected.id.clear();
  expected.username.clear();
  CHECK(*back == expected);

  // A service provider's user (manual import): the work email when userName is absent.
  auto imported = mapping::from_scim<system_user>(json::parse(R"({
    "id": "2819c223", "displayName": "Someone Else",
    "emails": [{"type": "home", "value": "home@example.com"}, {"type": "work", "value": "work@example.com"}],
    "name": {"givenName": "Ada", "familyName": "Lovelace"}})"));
  REQUIRE(imported);
  CHECK(imported->email == "work@example.com");
  CHECK(imported->firstname == "Ada");
  CHECK(imported->lastname == "Lovelace");
  CHECK_FALSE(imported->suspended);  // active absent

  auto bad = mapping::from_scim<system_user>(json::parse(R"({"active": "false"})"));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().detail == "attribute 'active': expected a boolean, got a string");
}

TEST_CASE("jumpcloud: mapping: a name change updates name, displayName and name.formatted only") {
  const system_user before = barbara();
  system_user after = before;
  after.lastname = "Jensen-Smith";
  const auto ops = mapping::diff(before, after);
  CHECK(ops == std::vector<json>{op("replace", "name.familyName", "Jensen-Smith"),
                                 op("replace", "displayName", "Barbara Jensen-Smith"),
                                 op("replace", "name.formatted", "Barbara Jensen-Smith")});

  after = before;
  after.suspended = true;
  CHECK(mapping::diff(before, after) == std::vector<json>{op("replace", "active", false)});

  after = before;
  after.email = "barbara@example.com";
  after.username = "another-jumpcloud-username";  // not mapped: no operation
  CHECK(mapping::diff(before, after) ==
        std::vector<json>{op("replace", "userName", "barbara@example.com"),
                          op("replace", R"(emails[type eq "work"].value)", "barbara@example.com")});
}

TEST_CASE("jumpcloud: mapping: diff against the bridge's copy, applied with PATCH") {
  const json stored = json::parse(R"({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "id": "2819c223",
    "userName": "bjensen@example.com",
    "name": {"givenName": "Barbara", "familyName": "Jensen", "formatted": "Barbara Jensen"},
    "displayName": "Barbara Jensen",
    "emails": [{"type": "work", "value": "bjensen@example.com", "primary": true}],
    "active": true})");
  system_user after = barbara();
  after.firstname = "Barb";
  auto ops = mapping::diff(stored, after);
  REQUIRE(ops);
  CHECK(*ops == std::vector<json>{op("replace", "name.givenName", "Barb"), op("replace", "displayName", "Barb Jensen"),
                                  op("replace", "name.formatted", "Barb Jensen")});
  auto req = scim::patch::parse_patch_request(mapping::patch_request(*ops));
  REQUIRE(req);
  json patched = stored;
  REQUIRE(scim::patch::apply(patched, *req, type("User"), scim::default_registry()));
  CHECK(patched["displayName"] == "Barb Jensen");
  auto back = mapping::from_scim<system_user>(patched);
  REQUIRE(back);
  CHECK(back->firstname == "Barb");
}

TEST_CASE("jumpcloud: mapping: a user group becomes a Group named by displayName") {
  user_group g{"g1", "Engineering", {"u1", "u2"}};
  const json j = mapping::to_scim(g);
  CHECK(j == json::parse(R"({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Engineering"})"));
  auto v = scim::validate(j, type("Group"), scim::default_registry(), scim::validation_context::create_request);
  CHECK_MESSAGE(v, scim::format_error(v.error()));

  user_group renamed = g;
  renamed.name = "Platform Engineering";
  renamed.member_ids.push_back("u3");  // membership is the planner's business
  CHECK(mapping::diff(g, renamed) == std::vector<json>{op("replace", "displayName", "Platform Engineering")});

  auto back = mapping::from_scim<user_group>(json::parse(R"({"id": "x", "displayName": "Team", "members": [{"value": "1"}]})"));
  REQUIRE(back);
  CHECK(back->name == "Team");
  CHECK(back->member_ids.empty());
}
