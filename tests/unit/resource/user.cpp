#include "scim/resource/user.hpp"

#include <doctest/doctest.h>

#include <cstdint>
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

// An application-defined extension used alongside the enterprise one.
namespace app {
struct app_ext {
  std::optional<std::string> badge;
  std::optional<std::int64_t> level;
  std::optional<bool> on_call;
  friend bool operator==(const app_ext&, const app_ext&) = default;
};
}  // namespace app

template <>
struct scim::resource_traits<app::app_ext> {
  static constexpr std::string_view schema_urn = "urn:example:scim:schemas:extension:app:1.0:User";
  static constexpr auto fields =
      std::make_tuple(scim::field("badge", &app::app_ext::badge), scim::field("level", &app::app_ext::level),
                      scim::field("onCall", &app::app_ext::on_call));
};

TEST_CASE("RFC 7643 8.1: the minimal user round-trips") {
  const auto in = load(SCIMPP_TEST_DATA_DIR "/rfc7643/minimal_user.json");
  auto u = scim::decode<scim::user>(in);
  REQUIRE(u);
  CHECK(u->id == "2819c223-7f76-453a-919d-413861904646");
  CHECK(u->user_name == "bjensen@example.com");
  CHECK(u->schemas == std::vector<std::string>{"urn:ietf:params:scim:schemas:core:2.0:User"});
  REQUIRE(u->meta);
  CHECK(u->meta->resource_type == "User");
  CHECK(u->meta->version == "W/\"3694e05e9dff590\"");
  CHECK_FALSE(u->name.has_value());
  CHECK_FALSE(u->active.has_value());
  CHECK(u->extension<scim::enterprise_user>() == nullptr);
  CHECK(u->extra.is_null());
  CHECK(scim::encode(*u) == in);
}

TEST_CASE("RFC 7643 8.2: the full user round-trips") {
  const auto in = load(SCIMPP_TEST_DATA_DIR "/rfc7643/full_user.json");
  auto u = scim::decode<scim::user>(in);
  REQUIRE(u);
  CHECK(u->external_id == "701984");
  REQUIRE(u->name);
  CHECK(u->name->formatted == "Ms. Barbara J Jensen, III");
  CHECK(u->name->family_name == "Jensen");
  CHECK(u->name->given_name == "Barbara");
  CHECK(u->name->middle_name == "Jane");
  CHECK(u->name->honorific_prefix == "Ms.");
  CHECK(u->name->honorific_suffix == "III");
  CHECK(u->display_name == "Babs Jensen");
  CHECK(u->nick_name == "Babs");
  CHECK(u->profile_url == "https://login.example.com/bjensen");
  REQUIRE(u->emails.size() == 2);
  CHECK(u->emails[0].primary == true);
  CHECK_FALSE(u->emails[1].primary.has_value());
  REQUIRE(u->addresses.size() == 2);
  CHECK(u->addresses[0].street_address == "100 Universal City Plaza");
  CHECK(u->phone_numbers.size() == 2);
  CHECK(u->ims.size() == 1);
  CHECK(u->photos.size() == 2);
  CHECK(u->user_type == "Employee");
  CHECK(u->title == "Tour Guide");
  CHECK(u->preferred_language == "en-US");
  CHECK(u->locale == "en-US");
  CHECK(u->timezone == "America/Los_Angeles");
  CHECK(u->active == true);
  CHECK(u->password == "t1meMa$heen");
  REQUIRE(u->groups.size() == 3);
  CHECK(u->groups[2].display == "US Employees");
  CHECK(u->groups[0].ref == "https://example.com/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a");
  REQUIRE(u->x509_certificates.size() == 1);
  CHECK(u->x509_certificates[0].value->size() > 1000);
  CHECK(u->extra.is_null());
  CHECK(scim::encode(*u) == in);

  // The core-only type reads it the same way.
  auto core = scim::decode<scim::core_user>(in);
  REQUIRE(core);
  CHECK(scim::encode(*core) == in);
}

TEST_CASE("RFC 7643 8.3: the enterprise user round-trips with typed extension access") {
  const auto in = load(SCIMPP_TEST_DATA_DIR "/rfc7643/enterprise_user.json");
  auto u = scim::decode<scim::user>(in);
  REQUIRE(u);
  const scim::enterprise_user* e = u->extension<scim::enterprise_user>();
  REQUIRE(e != nullptr);
  CHECK(e->employee_number == "701984");
  CHECK(e->cost_center == "4130");
  CHECK(e->organization == "Universal Studios");
  CHECK(e->division == "Theme Park");
  CHECK(e->department == "Tour Operations");
  REQUIRE(e->manager);
  CHECK(e->manager->display_name == "John Smith");
  CHECK(u->extra.is_null());
  CHECK(scim::encode(*u) == in);

  // Without the enterprise type the extension object is kept verbatim.
  auto core = scim::decode<scim::core_user>(in);
  REQUIRE(core);
  CHECK(core->extra.contains("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"));
  CHECK(scim::encode(*core) == in);
}

TEST_CASE("nlohmann conversions: json j = u; j.get<scim::user>()") {
  const auto in = load(SCIMPP_TEST_DATA_DIR "/rfc7643/enterprise_user.json");
  const auto u = in.get<scim::user>();
  scim::json j = u;
  CHECK(j == in);
  CHECK(j.get<scim::user>() == u);
  CHECK_THROWS_AS(scim::json::parse(R"({"userName":5})").get<scim::user>(), scim::conversion_error);
}

TEST_CASE("attribute names are case-insensitive on input and canonical on output") {
  auto u = scim::decode<scim::user>(std::string_view(R"({
    "SCHEMAS": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "UserName": "bjensen", "EMAILS": [{"VALUE": "b@example.com", "Primary": true}],
    "name": {"GIVENNAME": "Barbara"}, "Active": false,
    "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER": {"EmployeeNumber": "42"}})"));
  REQUIRE(u);
  CHECK(u->user_name == "bjensen");
  REQUIRE(u->emails.size() == 1);
  CHECK(u->emails[0].value == "b@example.com");
  CHECK(u->emails[0].primary == true);
  CHECK(u->name->given_name == "Barbara");
  CHECK(u->active == false);
  REQUIRE(u->extension<scim::enterprise_user>());
  CHECK(u->extension<scim::enterprise_user>()->employee_number == "42");
  CHECK(u->extra.is_null());
  CHECK(scim::encode(*u) == scim::json::parse(R"({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
    "userName": "bjensen", "emails": [{"value": "b@example.com", "primary": true}],
    "name": {"givenName": "Barbara"}, "active": false,
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "42"}})"));
}

TEST_CASE("unknown attributes and unknown extension objects survive via extra") {
  const auto in = scim::json::parse(R"({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:example:scim:schemas:extension:other:1.0:User"],
    "userName": "bjensen",
    "favouriteColour": "green",
    "urn:example:scim:schemas:extension:other:1.0:User": {"shoeSize": 9, "tags": ["a"]}})");
  auto u = scim::decode<scim::user>(in);
  REQUIRE(u);
  CHECK(u->extra["favouriteColour"] == "green");
  CHECK(u->extra["urn:example:scim:schemas:extension:other:1.0:User"]["shoeSize"] == 9);
  CHECK(scim::encode(*u) == in);

  // An unknown extension object added by the application is listed in schemas.
  scim::user fresh;
  fresh.user_name = "x";
  fresh.extra["urn:example:ext:1.0:User"] = {{"k", "v"}};
  CHECK(scim::encode(fresh)["schemas"] ==
        scim::json::array({"urn:ietf:params:scim:schemas:core:2.0:User", "urn:example:ext:1.0:User"}));
}

TEST_CASE("null is unassigned; an empty string is a value") {
  auto u = scim::decode<scim::user>(scim::json::parse(
      R"({"userName":"a","title":"","nickName":null,"emails":null,"name":null,"active":null,"groups":[{"value":"g","$ref":null}]})"));
  REQUIRE(u);
  REQUIRE(u->title.has_value());
  CHECK(u->title->empty());
  CHECK_FALSE(u->nick_name.has_value());
  CHECK(u->emails.empty());
  CHECK_FALSE(u->name.has_value());
  CHECK_FALSE(u->active.has_value());
  REQUIRE(u->groups.size() == 1);
  CHECK_FALSE(u->groups[0].ref.has_value());
  CHECK(
      scim::encode(*u) ==
      scim::json::parse(
          R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","title":"","groups":[{"value":"g"}]})"));
}

TEST_CASE("wrong types are invalidValue naming the attribute path") {
  struct bad_case {
    const char* body;
    const char* path;
  };
  for (auto c :
       {bad_case{R"({"emails":[{"value":"a"},{"value":"b","primary":"yes"}]})", "'emails[1].primary'"},
        bad_case{R"({"userName":["a"]})", "'userName'"}, bad_case{R"({"active":"true"})", "'active'"},
        bad_case{R"({"name":"Babs"})", "'name'"}, bad_case{R"({"name":{"givenName":1}})", "'name.givenName'"},
        bad_case{R"({"meta":{"created":"yesterday"}})", "'meta.created'"},
        bad_case{R"({"addresses":[{"postalCode":91608}]})", "'addresses[0].postalCode'"},
        bad_case{R"({"schemas":"urn:x","groups":[{"value":"g","$ref":1}]})", "'groups[0].$ref'"},
        bad_case{R"({"schemas":[1]})", "'schemas[0]'"},
        bad_case{R"({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":[]})",
                 "'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'"},
        bad_case{R"({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":1}}})",
                 "'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value'"}}) {
    auto r = scim::decode<scim::user>(scim::json::parse(c.body));
    REQUIRE_MESSAGE(!r, c.body);
    CHECK(r.error().code == scim::error_code::invalid_value);
    CHECK(r.error().status == 400);
    CHECK_MESSAGE(r.error().detail.find(c.path) != std::string::npos, r.error().detail);
  }
}

TEST_CASE("typed extension access: extension, ensure_extension, remove_extension") {
  scim::user u;
  u.user_name = "bjensen";
  CHECK(u.extension<scim::enterprise_user>() == nullptr);
  scim::enterprise_user& e = u.ensure_extension<scim::enterprise_user>();
  e.department = "Tour Operations";
  e.manager = scim::manager{.value = "m1", .ref = std::nullopt, .display_name = std::nullopt};
  REQUIRE(u.extension<scim::enterprise_user>() == &e);
  const scim::user& cu = u;
  CHECK(cu.extension<scim::enterprise_user>()->department == "Tour Operations");
  CHECK(&u.ensure_extension<scim::enterprise_user>() == &e);  // already engaged: same object

  scim::json j = scim::encode(u);
  CHECK(j == scim::json::parse(R"({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
    "userName": "bjensen",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
      "department": "Tour Operations", "manager": {"value": "m1"}}})"));

  // Removing the extension also drops it from a received schemas list.
  auto back = scim::decode<scim::user>(j);
  REQUIRE(back);
  CHECK(back->schemas.size() == 2);
  back->remove_extension<scim::enterprise_user>();
  CHECK(back->extension<scim::enterprise_user>() == nullptr);
  CHECK(scim::encode(*back)["schemas"] == scim::json::array({"urn:ietf:params:scim:schemas:core:2.0:User"}));
}

TEST_CASE("a user type with the enterprise and an application extension") {
  using app_user = scim::basic_user<scim::enterprise_user, app::app_ext>;
  const auto in = scim::json::parse(R"({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                "urn:example:scim:schemas:extension:app:1.0:User"],
    "userName": "bjensen",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "701984"},
    "urn:example:scim:schemas:extension:app:1.0:User": {"badge": "B-7", "level": 3, "onCall": true}})");
  auto u = scim::decode<app_user>(in);
  REQUIRE(u);
  REQUIRE(u->extension<app::app_ext>());
  CHECK(u->extension<app::app_ext>()->badge == "B-7");
  CHECK(u->extension<app::app_ext>()->level == 3);
  CHECK(u->extension<app::app_ext>()->on_call == true);
  CHECK(u->extension<scim::enterprise_user>()->employee_number == "701984");
  CHECK(scim::encode(*u) == in);

  u->ensure_extension<app::app_ext>().level = 4;
  u->remove_extension<scim::enterprise_user>();
  const scim::json out = *u;
  CHECK(out["urn:example:scim:schemas:extension:app:1.0:User"]["level"] == 4);
  CHECK_FALSE(out.contains("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"));
  CHECK(out["schemas"] == scim::json::array({"urn:ietf:params:scim:schemas:core:2.0:User",
                                             "urn:example:scim:schemas:extension:app:1.0:User"}));

  auto bad = scim::decode<app_user>(
      scim::json::parse(R"({"urn:example:scim:schemas:extension:app:1.0:User":{"level":"3"}})"));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().detail.find("'urn:example:scim:schemas:extension:app:1.0:User:level'") !=
        std::string::npos);
}

TEST_CASE("the user's field table covers the core attributes and its extensions") {
  const auto& t = scim::field_table_of<scim::user>();
  CHECK(t.schema_urn == scim::urn::user);
  CHECK(t.size == 26);
  CHECK(t.find("SCHEMAS")->shape == scim::field_shape::vector);  // 24 core attributes + the enterprise extension
  for (const char* n : {"id",
                        "externalId",
                        "meta",
                        "userName",
                        "name",
                        "displayName",
                        "nickName",
                        "profileUrl",
                        "title",
                        "userType",
                        "preferredLanguage",
                        "locale",
                        "timezone",
                        "active",
                        "password",
                        "emails",
                        "phoneNumbers",
                        "ims",
                        "photos",
                        "addresses",
                        "groups",
                        "entitlements",
                        "roles",
                        "x509Certificates"})
    CHECK_MESSAGE(t.find(n) != nullptr, n);
  CHECK(scim::field_table_of<scim::core_user>().size == 25);

  const scim::field_info* ext = t.find(scim::urn::enterprise_user);
  REQUIRE(ext != nullptr);
  CHECK(ext->kind == scim::value_kind::complex);
  CHECK(ext->shape == scim::field_shape::optional);
  REQUIRE(ext->sub != nullptr);
  CHECK(ext->sub->schema_urn == scim::urn::enterprise_user);

  scim::user u;
  u.user_name = "bjensen";
  u.emails = {{.value = "a@example.com", .type = "work"}, {.value = "b@example.com", .primary = true}};
  const scim::field_info* user_name = t.find("USERNAME");
  CHECK(*static_cast<const std::string*>(user_name->element(user_name->get(&u), 0)) == "bjensen");
  const scim::field_info* emails = t.find("emails");
  CHECK(emails->count(emails->get(&u)) == 2);
  CHECK(ext->count(ext->get(&u)) == 0);
  u.ensure_extension<scim::enterprise_user>().cost_center = "4130";
  REQUIRE(ext->count(ext->get(&u)) == 1);
  const void* e = ext->element(ext->get(&u), 0);
  const scim::field_info* cost_center = ext->sub->find("costCenter");
  CHECK(*static_cast<const std::string*>(cost_center->element(cost_center->get(e), 0)) == "4130");
}
