#include "scim/mapping/mapping.hpp"

#include "scim/mapping/diff.hpp"
#include "scim/mapping/value_traits.hpp"
#include "scim/patch/apply.hpp"
#include "scim/patch/operation.hpp"
#include "scim/schema/registry.hpp"
#include "scim/schema/urns.hpp"
#include "scim/schema/validate.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

using scim::json;
namespace mapping = scim::mapping;

// ---- an application's own types ----------------------------------------------

namespace app {

enum class kind { staff, contractor, intern };

struct employee {
  std::string scim_id;  // the service provider's id, read on import only
  std::string login;    // company email
  std::string first;
  std::string last;
  std::optional<std::string> title;
  kind type = kind::staff;
  bool suspended = false;
  std::string department;
  std::string manager_id;
  std::string desk_phone;  // digits only; SCIM has "tel:<digits>"

  friend bool operator==(const employee&, const employee&) = default;
};

inline constexpr std::string_view enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

struct tel_converter {
  static constexpr scim::attribute_type type = scim::attribute_type::string;
  json to_scim(const std::string& digits) const { return digits.empty() ? json() : json("tel:" + digits); }
  scim::expected<std::string> from_scim(const json& j) const {
    if (!j.is_string()) return scim::fail(scim::error_code::invalid_value, "expected a tel: URI");
    const auto& s = j.get_ref<const std::string&>();
    if (s.rfind("tel:", 0) != 0) return scim::fail(scim::error_code::invalid_value, "'" + s + "' is not a tel: URI");
    return s.substr(4);
  }
};

}  // namespace app

template <>
struct scim::mapping::enum_traits<app::kind> {
  static constexpr std::array<std::pair<app::kind, std::string_view>, 3> names{
      {{app::kind::staff, "Employee"}, {app::kind::contractor, "Contractor"}, {app::kind::intern, "Intern"}}};
};

template <>
struct scim::mapping::mapping_traits<app::employee> {
  static constexpr std::string_view schema_urn = scim::urn::user;
  static constexpr auto fields = std::make_tuple(
      field("id", &app::employee::scim_id).import_only(),
      field({"userName", R"(emails[type eq "work"].value)"}, &app::employee::login).primary(),
      field("name.givenName", &app::employee::first),
      field("name.familyName", &app::employee::last),
      field("title", &app::employee::title),
      field("userType", &app::employee::type),
      field("active", &app::employee::suspended, negate),
      field("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", &app::employee::department),
      field("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value", &app::employee::manager_id),
      field(R"(phoneNumbers[type eq "work"].value)", &app::employee::desk_phone, app::tel_converter{}));
};

namespace {

app::employee barbara() {
  app::employee e;
  e.login = "bjensen@example.com";
  e.first = "Barbara";
  e.last = "Jensen";
  e.title = "Tour Guide";
  e.type = app::kind::contractor;
  e.department = "Tour Operations";
  e.manager_id = "26118915-6090-4610-87e4-49d8ca9f808d";
  e.desk_phone = "5551234";
  return e;
}

const scim::resource_type& user_type() { return *scim::default_registry().find_resource_type("User"); }

}  // namespace

// ---- to_scim / from_scim ------------------------------------------------------

TEST_CASE("mapping: to_scim writes every mapped path, schemas from the resource type") {
  const json j = mapping::to_scim(barbara());
  CHECK(j["schemas"] == json::array({std::string(scim::urn::user), std::string(app::enterprise)}));
  CHECK(j["userName"] == "bjensen@example.com");
  CHECK(j["emails"] == json::parse(R"([{"type": "work", "value": "bjensen@example.com", "primary": true}])"));
  CHECK(j["name"] == json::parse(R"({"givenName": "Barbara", "familyName": "Jensen"})"));
  CHECK(j["title"] == "Tour Guide");
  CHECK(j["userType"] == "Contractor");
  CHECK(j["active"] == true);
  CHECK(j[std::string(app::enterprise)] ==
        json::parse(R"({"department": "Tour Operations", "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}})"));
  CHECK(j["phoneNumbers"] == json::parse(R"([{"type": "work", "value": "tel:5551234"}])"));
  CHECK_FALSE(j.contains("id"));  // import_only
}

TEST_CASE("mapping: unassigned values are not written; no extension URN without extension values") {
  app::employee e;
  e.login = "x@example.com";
  const json j = mapping::to_scim(e);
  CHECK(j == json::parse(R"({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName": "x@example.com",
    "emails": [{"type": "work", "value": "x@example.com", "primary": true}],
    "userType": "Employee",
    "active": true})"));
}

TEST_CASE("mapping: to_scim then from_scim gives back the same object") {
  app::employee e = barbara();
  auto back = mapping::from_scim<app::employee>(mapping::to_scim(e));
  REQUIRE(back);
  CHECK(*back == e);

  e.suspended = true;
  e.title.reset();
  e.type = app::kind::intern;
  e.department.clear();
  back = mapping::from_scim<app::employee>(mapping::to_scim(e));
  REQUIRE(back);
  CHECK(*back == e);

  const app::employee empty;
  back = mapping::from_scim<app::employee>(mapping::to_scim(empty));
  REQUIRE(back);
  CHECK(*back == empty);
}

TEST_CASE("mapping: the produced JSON passes scim::validate as a create request") {
  const auto& reg = scim::default_registry();
  auto v = scim::validate(mapping::to_scim(barbara()), user_type(), reg, scim::validation_context::create_request);
  REQUIRE_MESSAGE(v, scim::format_error(v.error()));
  CHECK((*v)["userName"] == "bjensen@example.com");
  CHECK((*v)[std::string(app::enterprise)]["department"] == "Tour Operations");
  CHECK(mapping::validate_mapping<app::employee>(user_type(), reg));
  CHECK(mapping::validate_mapping<app::employee>());
}

TEST_CASE("mapping: from_scim reads names case-insensitively; absent attributes keep the default") {
  auto e = mapping::from_scim<app::employee>(json::parse(R"({
    "ID": "2819c223",
    "USERNAME": "bjensen@example.com",
    "Name": {"GivenName": "Barbara"},
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": {"Department": "Ops"},
    "userType": "intern",
    "active": null})"));
  REQUIRE(e);
  CHECK(e->scim_id == "2819c223");
  CHECK(e->login == "bjensen@example.com");
  CHECK(e->first == "Barbara");
  CHECK(e->last.empty());
  CHECK(e->department == "Ops");
  CHECK(e->type == app::kind::intern);  // enum names match case-insensitively
  CHECK_FALSE(e->suspended);            // null active: unassigned
  CHECK_FALSE(e->title.has_value());
}

TEST_CASE("mapping: from_scim into an existing object only touches present attributes") {
  app::employee e = barbara();
  REQUIRE(mapping::from_scim(json::parse(R"({"name": {"familyName": "Jensen-Smith"}, "active": false})"), e));
  CHECK(e.last == "Jensen-Smith");
  CHECK(e.first == "Barbara");
  CHECK(e.suspended);
  CHECK(e.title == "Tour Guide");
}

TEST_CASE("mapping: one member with two paths: written to both, read from the first present") {
  app::employee e;
  e.login = "a@example.com";
  const json j = mapping::to_scim(e);
  CHECK(j["userName"] == "a@example.com");
  CHECK(j["emails"][0]["value"] == "a@example.com");

  auto r = mapping::from_scim<app::employee>(
      json::parse(R"({"userName": "upn@example.com", "emails": [{"type": "work", "value": "mail@example.com"}]})"));
  REQUIRE(r);
  CHECK(r->login == "upn@example.com");
  r = mapping::from_scim<app::employee>(json::parse(R"({"emails": [{"type": "work", "value": "mail@example.com"}]})"));
  REQUIRE(r);
  CHECK(r->login == "mail@example.com");
}

// ---- value paths --------------------------------------------------------------------

TEST_CASE("mapping: a value path reads the matching element, preferring primary") {
  auto r = mapping::from_scim<app::employee>(json::parse(R"({"emails": [
      {"type": "home", "value": "home@example.com", "primary": true},
      {"type": "work", "value": "first-work@example.com"},
      {"type": "Work", "value": "primary-work@example.com", "primary": true},
      {"type": "work", "value": "other-work@example.com"}]})"));
  REQUIRE(r);
  CHECK(r->login == "primary-work@example.com");

  r = mapping::from_scim<app::employee>(json::parse(R"({"emails": [
      {"type": "home", "value": "home@example.com", "primary": true},
      {"type": "work", "value": "first-work@example.com"},
      {"type": "work", "value": "second-work@example.com"}]})"));
  REQUIRE(r);
  CHECK(r->login == "first-work@example.com");

  // No matching element, or one without the sub-attribute: the member keeps its default.
  r = mapping::from_scim<app::employee>(json::parse(R"({"emails": [{"type": "home", "value": "h@example.com"}, "junk", null]})"));
  REQUIRE(r);
  CHECK(r->login.empty());
  r = mapping::from_scim<app::employee>(json::parse(R"({"emails": [{"type": "work"}]})"));
  REQUIRE(r);
  CHECK(r->login.empty());

  // A single complex value where a list is expected.
  r = mapping::from_scim<app::employee>(json::parse(R"({"emails": {"type": "work", "value": "w@example.com"}})"));
  REQUIRE(r);
  CHECK(r->login == "w@example.com");
}

TEST_CASE("mapping: update_scim writes a value path into an existing list") {
  json resource = json::parse(R"({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "id": "2819c223",
    "userName": "old@example.com",
    "nickName": "Babs",
    "emails": [
      {"type": "home", "value": "home@example.com", "primary": true},
      {"type": "work", "value": "old@example.com", "display": "Old"}]})");
  app::employee e;
  e.login = "new@example.com";
  mapping::update_scim(resource, e);
  CHECK(resource["id"] == "2819c223");      // unmapped attributes stay
  CHECK(resource["nickName"] == "Babs");
  CHECK(resource["userName"] == "new@example.com");
  CHECK(resource["emails"] == json::parse(R"([
      {"type": "home", "value": "home@example.com", "primary": false},
      {"type": "work", "value": "new@example.com", "display": "Old", "primary": true}])"));

  // An unassigned value removes the sub-attribute; an element left with its
  // identity only is removed, and an emptied list too.
  e.login.clear();
  mapping::update_scim(resource, e);
  CHECK_FALSE(resource.contains("userName"));
  CHECK(resource["emails"].size() == 2);  // "display" keeps the work element
  CHECK_FALSE(resource["emails"][1].contains("value"));
  json plain = json::parse(R"({"emails": [{"type": "work", "value": "x@example.com", "primary": true}]})");
  mapping::update_scim(plain, e);
  CHECK_FALSE(plain.contains("emails"));
  CHECK(plain["schemas"] == json::array({std::string(scim::urn::user)}));
}

TEST_CASE("mapping: update_scim keeps the schemas list consistent with the extension object") {
  json resource = json::parse(R"({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:example:other"],
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Old"}})");
  app::employee e;
  mapping::update_scim(resource, e);
  CHECK_FALSE(resource.contains(std::string(app::enterprise)));
  CHECK(resource["schemas"] == json::parse(R"(["urn:ietf:params:scim:schemas:core:2.0:User", "urn:example:other"])"));
  e.department = "New";
  mapping::update_scim(resource, e);
  CHECK(resource[std::string(app::enterprise)]["department"] == "New");
  CHECK(resource["schemas"].back() == std::string(app::enterprise));
}

// ---- conversions ---------------------------------------------------------------------

TEST_CASE("mapping: value_traits conversions") {
  using mapping::value_traits;
  CHECK(value_traits<std::string>::to_scim("").is_null());
  CHECK(value_traits<bool>::to_scim(false) == false);
  CHECK(value_traits<int>::to_scim(-3) == -3);
  CHECK(value_traits<std::uint16_t>::from_scim(json(65535)).value() == 65535);
  auto too_big = value_traits<std::uint16_t>::from_scim(json(65536));
  REQUIRE_FALSE(too_big);
  CHECK(too_big.error().code == scim::error_code::invalid_value);
  CHECK_FALSE(value_traits<int>::from_scim(json(-1.5)));
  CHECK_FALSE(value_traits<unsigned>::from_scim(json(-1)));
  CHECK(value_traits<double>::from_scim(json(2)).value() == 2.0);
  CHECK(value_traits<std::optional<int>>::to_scim(std::nullopt).is_null());
  CHECK(value_traits<std::optional<int>>::from_scim(json(4)).value() == 4);
  CHECK(value_traits<std::vector<std::string>>::to_scim({}).is_null());
  CHECK(value_traits<std::vector<std::string>>::to_scim({"a", "", "b"}) == json::array({"a", "b"}));
  CHECK(value_traits<std::vector<std::string>>::from_scim(json("solo")).value() == std::vector<std::string>{"solo"});
  auto bad_element = value_traits<std::vector<std::string>>::from_scim(json::parse(R"(["a", 2])"));
  REQUIRE_FALSE(bad_element);
  CHECK(bad_element.error().detail == "element 1: expected a string, got an integer");
  CHECK(value_traits<scim::date_time>::from_scim(json("2011-08-01T18:29:49.793Z")).has_value());
  CHECK_FALSE(value_traits<scim::date_time>::from_scim(json("yesterday")));
  CHECK(value_traits<app::kind>::to_scim(app::kind::intern) == "Intern");
  CHECK(value_traits<app::kind>::to_scim(static_cast<app::kind>(42)).is_null());
  CHECK(mapping::negate.to_scim(true) == false);
  CHECK(mapping::negate.from_scim(json(false)).value() == true);
  CHECK_FALSE(mapping::negate.from_scim(json("False")));

  const auto upper = mapping::convert([](const std::string& s) { return s.empty() ? std::optional<std::string>() : std::optional<std::string>(s + "!"); },
                                      [](const json& j) { return j.get<std::string>(); });
  CHECK(upper.to_scim(std::string("hi")) == "hi!");
  CHECK(upper.to_scim(std::string()).is_null());
  CHECK(upper.from_scim(json("x")).value() == "x");
}

TEST_CASE("mapping: a user-supplied converter runs in both directions") {
  auto r = mapping::from_scim<app::employee>(
      json::parse(R"({"phoneNumbers": [{"type": "mobile", "value": "tel:1"}, {"type": "work", "value": "tel:555"}]})"));
  REQUIRE(r);
  CHECK(r->desk_phone == "555");
  r = mapping::from_scim<app::employee>(json::parse(R"({"phoneNumbers": [{"type": "work", "value": "555"}]})"));
  REQUIRE_FALSE(r);
  CHECK(r.error().status == 400);
  CHECK(r.error().code == scim::error_code::invalid_value);
  CHECK(r.error().detail == R"(attribute 'phoneNumbers[type eq "work"].value': '555' is not a tel: URI)");
}

// ---- errors -------------------------------------------------------------------------------

TEST_CASE("mapping: a value of the wrong type is 400 invalidValue naming the path") {
  struct bad_case {
    const char* body;
    const char* detail;
  };
  const bad_case cases[] = {
      {R"({"name": {"givenName": 5}})", "attribute 'name.givenName': expected a string, got an integer"},
      {R"({"name": "Barbara"})", "attribute 'name.givenName': expected 'name' to be a complex value (object), got a string"},
      {R"({"active": "False"})", "attribute 'active': expected a boolean, got a string"},
      {R"({"userType": "boss"})", "attribute 'userType': \"boss\" is not one of Employee, Contractor, Intern"},
      {R"({"userName": ["a@example.com"]})", "attribute 'userName': expected a string, got an array"},
      {R"({"emails": "a@example.com"})",
       R"(attribute 'emails[type eq "work"].value': expected 'emails' to be an array of complex values, got a string)"},
      {R"({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": "Ops"})",
       "attribute 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department': expected "
       "'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User' to be a schema extension object, got a string"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.body);
    auto r = mapping::from_scim<app::employee>(json::parse(c.body));
    REQUIRE_FALSE(r);
    CHECK(r.error().status == 400);
    CHECK(r.error().code == scim::error_code::invalid_value);
    CHECK(r.error().detail == c.detail);
  }
  auto not_object = mapping::from_scim<app::employee>(json::array());
  REQUIRE_FALSE(not_object);
  CHECK(not_object.error().code == scim::error_code::invalid_syntax);
}

namespace bad {
struct holder {
  std::string s;
  bool b = false;
  std::vector<std::string> list;
};
struct syntax : holder {};
struct unknown_attr : holder {};
struct no_filter : holder {};
struct ne_filter : holder {};
struct no_sub : holder {};
struct read_only : holder {};
struct type_mismatch : holder {};
struct twice : holder {};
struct list_to_single : holder {};
struct not_multi : holder {};
struct good_id : holder {};
struct group_type : holder {};
}  // namespace bad

#define SCIMPP_TEST_MAPPING(T, SCHEMA, ...)                                  \
  template <>                                                                \
  struct scim::mapping::mapping_traits<T> {                                  \
    static constexpr std::string_view schema_urn = SCHEMA;                   \
    static constexpr auto fields = std::make_tuple(__VA_ARGS__);             \
  }

SCIMPP_TEST_MAPPING(bad::syntax, scim::urn::user, field("name..givenName", &bad::syntax::s));
SCIMPP_TEST_MAPPING(bad::unknown_attr, scim::urn::user, field("name.nickname", &bad::unknown_attr::s));
SCIMPP_TEST_MAPPING(bad::no_filter, scim::urn::user, field("emails.value", &bad::no_filter::s));
SCIMPP_TEST_MAPPING(bad::ne_filter, scim::urn::user, field(R"(emails[type ne "work"].value)", &bad::ne_filter::s));
SCIMPP_TEST_MAPPING(bad::no_sub, scim::urn::user, field(R"(emails[type eq "work"])", &bad::no_sub::s));
SCIMPP_TEST_MAPPING(bad::read_only, scim::urn::user, field("meta.created", &bad::read_only::s));
SCIMPP_TEST_MAPPING(bad::type_mismatch, scim::urn::user, field("userName", &bad::type_mismatch::b));
SCIMPP_TEST_MAPPING(bad::twice, scim::urn::user, field("userName", &bad::twice::s),
                    field({"displayName", "USERNAME"}, &bad::twice::s));
SCIMPP_TEST_MAPPING(bad::list_to_single, scim::urn::user, field("title", &bad::list_to_single::list));
SCIMPP_TEST_MAPPING(bad::not_multi, scim::urn::user, field(R"(name[givenName eq "x"].familyName)", &bad::not_multi::s));
SCIMPP_TEST_MAPPING(bad::good_id, scim::urn::user, field("id", &bad::good_id::s).import_only(),
                    field("urn:ietf:params:scim:schemas:core:2.0:User:userName", &bad::good_id::s).export_only());
SCIMPP_TEST_MAPPING(bad::group_type, scim::urn::group, field("displayName", &bad::group_type::s));

TEST_CASE("mapping: validate_mapping reports a path that does not resolve, naming the field and path") {
  const auto& reg = scim::default_registry();
  auto expect_error = [&](scim::expected<void> r, const std::string& detail) {
    REQUIRE_FALSE(r);
    CHECK(r.error().status == 500);
    CHECK(r.error().detail == detail);
  };
  expect_error(mapping::validate_mapping<bad::syntax>(user_type(), reg),
               "invalid attribute mapping: mapping field 0 ('name..givenName'): an attribute name must start with a letter, found '.'");
  expect_error(mapping::validate_mapping<bad::unknown_attr>(user_type(), reg),
               "invalid attribute mapping: mapping field 0 ('name.nickname'): attribute 'name' has no sub-attribute "
               "'nickname' (path 'name.nickname')");
  expect_error(mapping::validate_mapping<bad::no_filter>(user_type(), reg),
               "invalid attribute mapping: mapping field 0 ('emails.value'): 'emails' is multi-valued: select one "
               "element with a value filter, e.g. emails[type eq \"work\"].value");
  expect_error(mapping::validate_mapping<bad::ne_filter>(user_type(), reg),
               "invalid attribute mapping: mapping field 0 ('emails[type ne \"work\"].value'): the value filter must "
               "be `subAttribute eq value` terms joined by `and`");
  expect_error(mapping::validate_mapping<bad::no_sub>(user_type(), reg),
               "invalid attribute mapping: mapping field 0 ('emails[type eq \"work\"]'): a value path must name the "
               "sub-attribute it maps, e.g. emails[type eq \"work\"].value");
  expect_error(mapping::validate_mapping<bad::read_only>(user_type(), reg),
               "invalid attribute mapping: mapping field 0 ('meta.created'): the attribute is readOnly: map it with "
               ".import_only()");
  expect_error(mapping::validate_mapping<bad::type_mismatch>(user_type(), reg),
               "invalid attribute mapping: mapping field 0 ('userName'): the field converts to a SCIM boolean but the "
               "attribute is of type string");
  expect_error(mapping::validate_mapping<bad::twice>(user_type(), reg),
               "invalid attribute mapping: mapping field 1 ('USERNAME'): the path is also written by mapping field 0");
  expect_error(mapping::validate_mapping<bad::list_to_single>(user_type(), reg),
               "invalid attribute mapping: mapping field 0 ('title'): the field holds a list but the attribute is "
               "single-valued");
  expect_error(mapping::validate_mapping<bad::not_multi>(user_type(), reg),
               "invalid attribute mapping: mapping field 0 ('name[givenName eq \"x\"].familyName'): a value filter "
               "needs a multi-valued complex attribute, and 'name' is not one");
  expect_error(mapping::validate_mapping<bad::group_type>(user_type(), reg),
               "invalid attribute mapping: it maps to schema urn:ietf:params:scim:schemas:core:2.0:Group but resource "
               "type User has core schema urn:ietf:params:scim:schemas:core:2.0:User");
  CHECK(mapping::validate_mapping<bad::good_id>(user_type(), reg));
  CHECK(mapping::validate_mapping<bad::group_type>());

  // The check the first use of a mapping asserts on in debug builds.
  CHECK_FALSE(mapping::detail::check_with_own_registry<bad::read_only>(mapping::detail::compiled_for<bad::read_only>()));
  CHECK(mapping::detail::check_with_own_registry<app::employee>(mapping::detail::compiled_for<app::employee>()));
}

TEST_CASE("mapping: import_only and export_only entries; a core-URN path is the plain attribute") {
  bad::good_id v;
  v.s = "someone@example.com";
  const json j = mapping::to_scim(v);
  CHECK(j == json::parse(R"({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "someone@example.com"})"));
  auto back = mapping::from_scim<bad::good_id>(json::parse(R"({"id": "42", "userName": "ignored"})"));
  REQUIRE(back);
  CHECK(back->s == "42");
}

// ---- diff ----------------------------------------------------------------------------------------

namespace {

json op(const char* o, const char* path) { return json{{"op", o}, {"path", path}}; }
json op(const char* o, const char* path, json value) { return json{{"op", o}, {"path", path}, {"value", std::move(value)}}; }

// Applies the operations with the library's PATCH applier (strict RFC form).
json patched(json resource, const std::vector<json>& ops) {
  auto req = scim::patch::parse_patch_request(mapping::patch_request(ops));
  REQUIRE_MESSAGE(req, scim::format_error(req.error()));
  scim::patch::apply_options strict;
  strict.add_unmatched_filter_appends = false;
  strict.dotted_keys = false;
  auto r = scim::patch::apply(resource, *req, user_type(), scim::default_registry(), strict);
  REQUIRE_MESSAGE(r, scim::format_error(r.error()));
  return resource;
}

}  // namespace

TEST_CASE("mapping: diff of two equal objects is empty") {
  CHECK(mapping::diff(barbara(), barbara()).empty());
  auto from_json = mapping::diff(mapping::to_scim(barbara()), barbara());
  REQUIRE(from_json);
  CHECK(from_json->empty());
}

TEST_CASE("mapping: diff gives one replace per changed mapped path") {
  const app::employee before = barbara();
  app::employee after = before;
  after.first = "Barb";
  after.suspended = true;
  after.department = "Sales";
  CHECK(mapping::diff(before, after) ==
        std::vector<json>{op("replace", "name.givenName", "Barb"), op("replace", "active", false),
                          op("replace", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "Sales")});

  after = before;
  after.login = "barbara.jensen@example.com";
  CHECK(mapping::diff(before, after) ==
        std::vector<json>{op("replace", "userName", "barbara.jensen@example.com"),
                          op("replace", R"(emails[type eq "work"].value)", "barbara.jensen@example.com")});
}

TEST_CASE("mapping: diff removes unassigned values and adds missing value-path elements") {
  app::employee before = barbara();
  before.desk_phone.clear();
  app::employee after = barbara();
  after.title.reset();
  after.manager_id.clear();
  CHECK(mapping::diff(before, after) ==
        std::vector<json>{op("remove", "title"),
                          op("remove", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"),
                          op("add", "phoneNumbers", json::parse(R"([{"type": "work", "value": "tel:5551234"}])"))});
  CHECK(mapping::diff(after, before) ==
        std::vector<json>{op("replace", "title", "Tour Guide"),
                          op("replace", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
                             "26118915-6090-4610-87e4-49d8ca9f808d"),
                          op("remove", R"(phoneNumbers[type eq "work"])")});

  app::employee no_mail = barbara();
  no_mail.login.clear();
  CHECK(mapping::diff(no_mail, barbara()) ==
        std::vector<json>{op("replace", "userName", "bjensen@example.com"),
                          op("add", "emails",
                             json::parse(R"([{"type": "work", "value": "bjensen@example.com", "primary": true}])"))});
}

TEST_CASE("mapping: diff against the service provider's JSON") {
  const json server = json::parse(R"({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "id": "2819c223", "meta": {"resourceType": "User"},
    "userName": "bjensen@example.com",
    "name": {"givenName": "Barbara", "familyName": "Jensen", "formatted": "Ms. Barbara J Jensen"},
    "emails": [{"type": "home", "value": "h@example.com", "primary": true},
               {"type": "work", "value": "bjensen@example.com"}],
    "phoneNumbers": [{"type": "work", "value": "tel:5551234", "display": "desk"}],
    "active": true})");
  app::employee after;
  after.scim_id = "2819c223";  // import_only: never part of a diff
  after.login = "bjensen@example.com";
  after.first = "Barbara";
  after.last = "Jensen";
  auto ops = mapping::diff(server, after);
  REQUIRE(ops);
  // The work email exists but is not primary; the phone element keeps its display.
  CHECK(*ops == std::vector<json>{op("replace", R"(emails[type eq "work"].primary)", true),
                                  op("replace", "userType", "Employee"),
                                  op("remove", R"(phoneNumbers[type eq "work"].value)")});
  const json result = patched(server, *ops);
  CHECK(result["emails"][1]["primary"] == true);
  CHECK(result["emails"][0]["primary"] == false);
  CHECK(result["phoneNumbers"] == json::parse(R"([{"type": "work", "display": "desk"}])"));
  CHECK(mapping::from_scim<app::employee>(result).value() == after);

  auto bad = mapping::diff(json::parse(R"({"name": 1})"), after);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == scim::error_code::invalid_value);
}

TEST_CASE("mapping: diff operations applied by the PATCH applier give the new state") {
  const std::vector<std::pair<app::employee, app::employee>> pairs = [] {
    std::vector<std::pair<app::employee, app::employee>> out;
    app::employee a = barbara();
    app::employee b = a;
    b.login = "new@example.com";
    b.first = "";
    b.title.reset();
    b.type = app::kind::staff;
    b.suspended = true;
    b.department.clear();
    b.manager_id.clear();
    b.desk_phone = "999";
    out.emplace_back(a, b);
    out.emplace_back(b, a);
    app::employee bare;
    bare.login = "bare@example.com";
    out.emplace_back(bare, a);
    out.emplace_back(a, bare);
    return out;
  }();
  for (const auto& [before, after] : pairs) {
    const json old_json = mapping::to_scim(before);
    const json from_objects = patched(old_json, mapping::diff(before, after));
    CHECK(mapping::from_scim<app::employee>(from_objects).value() == after);
    auto ops = mapping::diff(old_json, after);
    REQUIRE(ops);
    CHECK(*ops == mapping::diff(before, after));
    auto valid = scim::validate(from_objects, user_type(), scim::default_registry(),
                                scim::validation_context::replace_request);
    CHECK_MESSAGE(valid, scim::format_error(valid.error()));
  }
}

TEST_CASE("mapping: patch_request wraps the operations in a PatchOp message") {
  const json body = mapping::patch_request({op("replace", "active", false)});
  CHECK(body == json::parse(R"({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                               "Operations": [{"op": "replace", "path": "active", "value": false}]})"));
}

// ---- an application schema extension, checked against the application's registry ---------------------

namespace app {

inline constexpr std::string_view acme = "urn:example:params:scim:schemas:extension:acme:1.0:User";

struct badge_holder {
  std::string mail;
  std::int32_t level = 0;
  std::vector<std::string> badges;
  std::optional<double> score;

  friend bool operator==(const badge_holder&, const badge_holder&) = default;
};

inline const scim::schema_registry& acme_registry() {
  static const scim::schema_registry reg = [] {
    scim::schema_registry r = scim::default_registry();
    scim::schema s;
    s.id = std::string(acme);
    s.name = "AcmeUser";
    scim::attribute level;
    level.name = "level";
    level.type = scim::attribute_type::integer;
    scim::attribute badges;
    badges.name = "badges";
    badges.multi_valued = true;
    scim::attribute score;
    score.name = "score";
    score.type = scim::attribute_type::decimal;
    s.attributes = {level, badges, score};
    r.add_schema(std::move(s));
    scim::resource_type user = *r.find_resource_type("User");
    user.schema_extensions.push_back({std::string(acme), false});
    r.add_resource_type(std::move(user));
    return r;
  }();
  return reg;
}

}  // namespace app

template <>
struct scim::mapping::mapping_traits<app::badge_holder> {
  static constexpr std::string_view schema_urn = scim::urn::user;
  static const scim::schema_registry& registry() { return app::acme_registry(); }
  static constexpr auto fields = std::make_tuple(
      field("userName", &app::badge_holder::mail),
      field("urn:example:params:scim:schemas:extension:acme:1.0:User:level", &app::badge_holder::level),
      field("urn:example:params:scim:schemas:extension:acme:1.0:User:badges", &app::badge_holder::badges),
      field("urn:example:params:scim:schemas:extension:acme:1.0:User:score", &app::badge_holder::score));
};

TEST_CASE("mapping: an application extension with integer, list and optional decimal members") {
  const auto& reg = app::acme_registry();
  const auto& rt = *reg.find_resource_type("User");
  CHECK(mapping::validate_mapping<app::badge_holder>(rt, reg));
  CHECK(mapping::validate_mapping<app::badge_holder>());
  // The default registry does not know the extension.
  auto unknown = mapping::validate_mapping<app::badge_holder>(user_type(), scim::default_registry());
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().detail.find("level") != std::string::npos);

  app::badge_holder h{"h@example.com", 7, {"gold", "silver"}, 0.5};
  const json j = mapping::to_scim(h);
  CHECK(j["schemas"] == json::array({std::string(scim::urn::user), std::string(app::acme)}));
  CHECK(j[std::string(app::acme)] == json::parse(R"({"level": 7, "badges": ["gold", "silver"], "score": 0.5})"));
  auto v = scim::validate(j, rt, reg, scim::validation_context::create_request);
  REQUIRE_MESSAGE(v, scim::format_error(v.error()));
  CHECK(mapping::from_scim<app::badge_holder>(j).value() == h);

  auto too_big = mapping::from_scim<app::badge_holder>(
      json::parse(R"({"urn:example:params:scim:schemas:extension:acme:1.0:User": {"level": 4294967296}})"));
  REQUIRE_FALSE(too_big);
  CHECK(too_big.error().detail ==
        "attribute 'urn:example:params:scim:schemas:extension:acme:1.0:User:level': integer 4294967296 is out of range");

  app::badge_holder after = h;
  after.badges.push_back("bronze");
  after.score.reset();
  CHECK(mapping::diff(h, after) ==
        std::vector<json>{op("replace", "urn:example:params:scim:schemas:extension:acme:1.0:User:badges",
                             json::array({"gold", "silver", "bronze"})),
                          op("remove", "urn:example:params:scim:schemas:extension:acme:1.0:User:score")});
}
