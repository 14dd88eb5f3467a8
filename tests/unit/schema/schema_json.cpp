#include "scim/schema/schema_json.hpp"

#include <doctest/doctest.h>

#include "scim/schema/core_schemas.hpp"
#include "scim/schema/registry.hpp"

#include <string>
#include <vector>

using namespace scim;

namespace {

const json* find_attr(const json& list, std::string_view name) {
  for (const auto& a : list)
    if (a.is_object() && a.contains("name") && a["name"] == std::string(name)) return &a;
  return nullptr;
}

json parse(std::string_view text) {
  auto j = parse_json(text);
  REQUIRE(j.has_value());
  return *j;
}

error schema_error(std::string_view text) {
  auto s = schema_from_json(parse(text));
  REQUIRE_MESSAGE(!s.has_value(), "parsed unexpectedly: " << std::string(text));
  return s.error();
}

}  // namespace

TEST_CASE("/Schemas JSON: User representation") {
  const json j = to_json_representation(user_schema(), "https://example.com/v2");
  CHECK(j["schemas"] == json::array({"urn:ietf:params:scim:schemas:core:2.0:Schema"}));
  CHECK(j["id"] == "urn:ietf:params:scim:schemas:core:2.0:User");
  CHECK(j["name"] == "User");
  CHECK(j["description"] == "An account of a person at the service provider.");
  CHECK(j["meta"]["resourceType"] == "Schema");
  CHECK(j["meta"]["location"] == "https://example.com/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User");
  REQUIRE(j["attributes"].is_array());
  CHECK(j["attributes"].size() == user_schema().attributes.size());

  const json* user_name = find_attr(j["attributes"], "userName");
  REQUIRE(user_name != nullptr);
  CHECK((*user_name)["type"] == "string");
  CHECK((*user_name)["multiValued"] == false);
  CHECK((*user_name)["required"] == true);
  CHECK((*user_name)["caseExact"] == false);
  CHECK((*user_name)["mutability"] == "readWrite");
  CHECK((*user_name)["returned"] == "default");
  CHECK((*user_name)["uniqueness"] == "server");
  CHECK_FALSE(user_name->contains("canonicalValues"));
  CHECK_FALSE(user_name->contains("referenceTypes"));
  CHECK_FALSE(user_name->contains("subAttributes"));
  CHECK((*user_name)["description"].is_string());

  const json* password = find_attr(j["attributes"], "password");
  REQUIRE(password != nullptr);
  CHECK((*password)["mutability"] == "writeOnly");
  CHECK((*password)["returned"] == "never");

  const json* emails = find_attr(j["attributes"], "emails");
  REQUIRE(emails != nullptr);
  CHECK((*emails)["type"] == "complex");
  CHECK((*emails)["multiValued"] == true);
  REQUIRE((*emails)["subAttributes"].is_array());
  const json* type = find_attr((*emails)["subAttributes"], "type");
  REQUIRE(type != nullptr);
  CHECK((*type)["canonicalValues"] == json::array({"work", "home", "other"}));

  const json* profile = find_attr(j["attributes"], "profileUrl");
  REQUIRE(profile != nullptr);
  CHECK((*profile)["type"] == "reference");
  CHECK((*profile)["referenceTypes"] == json::array({"external"}));
  CHECK((*profile)["caseExact"] == true);

  const json* certs = find_attr(j["attributes"], "x509Certificates");
  REQUIRE(certs != nullptr);
  CHECK((*find_attr((*certs)["subAttributes"], "value"))["type"] == "binary");
}

TEST_CASE("/Schemas JSON: meta only with a base, trailing slash tolerated") {
  CHECK_FALSE(to_json_representation(group_schema()).contains("meta"));
  const json j = to_json_representation(group_schema(), "https://example.com/scim/v2/");
  CHECK(j["meta"]["location"] == "https://example.com/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group");
  const json* members = find_attr(j["attributes"], "members");
  REQUIRE(members != nullptr);
  const json* value = find_attr((*members)["subAttributes"], "value");
  REQUIRE(value != nullptr);
  CHECK((*value)["mutability"] == "immutable");
  const json* ref = find_attr((*members)["subAttributes"], "$ref");
  REQUIRE(ref != nullptr);
  CHECK((*ref)["referenceTypes"] == json::array({"User", "Group"}));
  CHECK((*find_attr(j["attributes"], "displayName"))["required"] == true);
}

TEST_CASE("/Schemas JSON: enterprise extension and dateTime spelling") {
  const json j = to_json_representation(enterprise_user_schema());
  CHECK(j["name"] == "EnterpriseUser");
  const json* manager = find_attr(j["attributes"], "manager");
  REQUIRE(manager != nullptr);
  CHECK((*find_attr((*manager)["subAttributes"], "displayName"))["mutability"] == "readOnly");

  const json meta = to_json_representation(*find_common_attribute("meta"));
  CHECK((*find_attr(meta["subAttributes"], "created"))["type"] == "dateTime");
  CHECK((*find_attr(meta["subAttributes"], "location"))["referenceTypes"] == json::array({"uri"}));
}

TEST_CASE("/Schemas JSON: ADL to_json") {
  json j = user_schema();
  CHECK(j["id"] == urn::user);
  CHECK_FALSE(j.contains("meta"));
  json a = *user_schema().find("userName");
  CHECK(a["uniqueness"] == "server");
}

TEST_CASE("/Schemas JSON: round trip of every core schema") {
  for (const schema* s : {&user_schema(), &group_schema(), &enterprise_user_schema(), &schema_schema(),
                          &resource_type_schema(), &service_provider_config_schema()}) {
    CAPTURE(s->id);
    auto back = schema_from_json(to_json_representation(*s, "https://example.com/v2"));
    REQUIRE(back.has_value());
    CHECK(*back == *s);
    // Through text as well.
    auto reparsed = parse_json(dump_json(to_json_representation(*s)));
    REQUIRE(reparsed.has_value());
    auto again = schema_from_json(*reparsed);
    REQUIRE(again.has_value());
    CHECK(*again == *s);
  }
  for (const auto& a : common_attributes()) {
    CAPTURE(a.name);
    auto back = attribute_from_json(to_json_representation(a));
    REQUIRE(back.has_value());
    CHECK(*back == a);
  }
}

TEST_CASE("schema_from_json: defaults and lenient spelling") {
  auto s = schema_from_json(parse(R"({
    "id": "urn:example:params:scim:schemas:extension:acme:1.0:User",
    "attributes": [
      {"name": "badge"},
      {"NAME": "level", "TYPE": "Integer", "MultiValued": true, "description": null},
      {"name": "seen", "type": "DATETIME", "mutability": "READONLY", "returned": "Request", "uniqueness": "Global"},
      {"name": "office", "type": "complex", "subAttributes": [
        {"name": "building", "canonicalValues": ["A", "B"], "caseExact": true},
        {"name": "home", "type": "reference", "referenceTypes": ["external"]}
      ]}
    ]
  })"));
  REQUIRE(s.has_value());
  CHECK(s->name.empty());
  CHECK(s->description.empty());
  REQUIRE(s->attributes.size() == 4);
  const attribute& badge = s->attributes[0];
  CHECK(badge.type == attribute_type::string);
  CHECK_FALSE(badge.multi_valued);
  CHECK_FALSE(badge.required);
  CHECK_FALSE(badge.case_exact);
  CHECK(badge.mutability == attribute_mutability::read_write);
  CHECK(badge.returned == attribute_returned::default_);
  CHECK(badge.uniqueness == attribute_uniqueness::none);
  CHECK(s->attributes[1].type == attribute_type::integer);
  CHECK(s->attributes[1].multi_valued);
  CHECK(s->attributes[2].type == attribute_type::date_time);
  CHECK(s->attributes[2].mutability == attribute_mutability::read_only);
  CHECK(s->attributes[2].returned == attribute_returned::request);
  CHECK(s->attributes[2].uniqueness == attribute_uniqueness::global);
  const attribute& office = s->attributes[3];
  REQUIRE(office.sub_attributes.size() == 2);
  CHECK(office.sub_attributes[0].canonical_values == std::vector<std::string>{"A", "B"});
  CHECK(office.sub_attributes[0].case_exact);
  CHECK(office.sub_attributes[1].reference_types == std::vector<std::string>{"external"});
}

TEST_CASE("schema_from_json: a parsed extension registers and resolves") {
  auto s = schema_from_json(parse(R"({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
    "id": "urn:example:params:scim:schemas:extension:acme:1.0:User",
    "name": "AcmeUser",
    "attributes": [{"name": "badge", "type": "complex", "subAttributes": [{"name": "number"}]}],
    "meta": {"resourceType": "Schema"}
  })"));
  REQUIRE(s.has_value());
  schema_registry reg = default_registry();
  reg.add_schema(*s);
  resource_type rt = *reg.find_resource_type("User");
  rt.schema_extensions.push_back({s->id, false});
  reg.add_resource_type(rt);
  auto r = reg.resolve(*reg.find_resource_type("User"),
                       "urn:example:params:scim:schemas:extension:acme:1.0:User:badge.number");
  REQUIRE(r.has_value());
  CHECK(r->is_extension);
  CHECK(r->target().name == "number");
}

TEST_CASE("schema_from_json: errors") {
  struct bad_case {
    const char* text;
    error_code code;
    const char* expect_in_detail;
  };
  const std::vector<bad_case> cases{
      {R"([1, 2])", error_code::invalid_syntax, "object"},
      {R"("urn:x")", error_code::invalid_syntax, "object"},
      {R"({"attributes": []})", error_code::invalid_value, "id: required"},
      {R"({"id": ""})", error_code::invalid_value, "id: must not be empty"},
      {R"({"id": 5})", error_code::invalid_value, "id: expected a string"},
      {R"({"id": "urn:x", "name": ["User"]})", error_code::invalid_value, "name: expected a string"},
      {R"({"id": "urn:x", "description": 1})", error_code::invalid_value, "description: expected a string"},
      {R"({"id": "urn:x", "attributes": {}})", error_code::invalid_value, "attributes: expected an array"},
      {R"({"id": "urn:x", "attributes": ["userName"]})", error_code::invalid_value, "attributes[0]"},
      {R"({"id": "urn:x", "attributes": [{"type": "string"}]})", error_code::invalid_value,
       "attributes[0].name: required but missing"},
      {R"({"id": "urn:x", "attributes": [{"name": 7}]})", error_code::invalid_value,
       "attributes[0].name: expected a string"},
      {R"({"id": "urn:x", "attributes": [{"name": "a", "type": "text"}]})", error_code::invalid_value,
       "attributes[0].type: unknown attribute type 'text'"},
      {R"({"id": "urn:x", "attributes": [{"name": "a", "type": 1}]})", error_code::invalid_value,
       "attributes[0].type: expected a string"},
      {R"({"id": "urn:x", "attributes": [{"name": "a", "multiValued": "true"}]})", error_code::invalid_value,
       "attributes[0].multiValued: expected a boolean"},
      {R"({"id": "urn:x", "attributes": [{"name": "a", "required": 1}]})", error_code::invalid_value,
       "attributes[0].required: expected a boolean"},
      {R"({"id": "urn:x", "attributes": [{"name": "a", "caseExact": "no"}]})", error_code::invalid_value,
       "attributes[0].caseExact: expected a boolean"},
      {R"({"id": "urn:x", "attributes": [{"name": "a", "mutability": "sometimes"}]})", error_code::invalid_value,
       "unknown mutability 'sometimes'"},
      {R"({"id": "urn:x", "attributes": [{"name": "a", "returned": "maybe"}]})", error_code::invalid_value,
       "attributes[0].returned"},
      {R"({"id": "urn:x", "attributes": [{"name": "a", "uniqueness": "local"}]})", error_code::invalid_value,
       "attributes[0].uniqueness"},
      {R"({"id": "urn:x", "attributes": [{"name": "a", "canonicalValues": "work"}]})", error_code::invalid_value,
       "canonicalValues: expected an array of strings"},
      {R"({"id": "urn:x", "attributes": [{"name": "a", "canonicalValues": ["work", 2]}]})",
       error_code::invalid_value, "attributes[0].canonicalValues[1]: expected a string"},
      {R"({"id": "urn:x", "attributes": [{"name": "a", "type": "reference", "referenceTypes": [null]}]})",
       error_code::invalid_value, "referenceTypes[0]"},
      {R"({"id": "urn:x", "attributes": [{"name": "a", "type": "complex", "subAttributes": {}}]})",
       error_code::invalid_value, "attributes[0].subAttributes: expected an array"},
      {R"({"id": "urn:x", "attributes": [{"name": "a", "subAttributes": [{"name": "b"}]}]})",
       error_code::invalid_value, "only complex attributes"},
      {R"({"id": "urn:x", "attributes": [{"name": "a", "type": "complex", "subAttributes": [{"name": ""}]}]})",
       error_code::invalid_value, "attributes[0].subAttributes[0].name: must not be empty"},
      {R"({"id": "urn:x", "attributes": [{"name": "a"}, {"name": "A"}]})", error_code::invalid_value,
       "duplicate attribute 'A'"},
      {R"({"id": "urn:x", "attributes": [{"name": "a", "type": "complex", "subAttributes": [
          {"name": "b", "type": "complex", "subAttributes": [
            {"name": "c", "type": "complex", "subAttributes": [{"name": "d"}]}]}]}]})",
       error_code::invalid_value, "nested deeper"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    const error e = schema_error(c.text);
    CHECK(e.code == c.code);
    CHECK(e.status == 400);
    CHECK_MESSAGE(e.detail.find(c.expect_in_detail) != std::string::npos, e.detail);
  }
}

TEST_CASE("schema_from_json: never throws on hostile shapes") {
  for (const char* text : {"null", "true", "1.5", "{}", R"({"id": null})", R"({"id": "u", "attributes": null})",
                           R"({"id": "u", "attributes": [null, 1, "x", [], {}]})",
                           R"({"id": "u", "attributes": [{"name": "a", "subAttributes": null}]})"}) {
    CAPTURE(text);
    auto j = parse_json(text);
    REQUIRE(j.has_value());
    auto s = schema_from_json(*j);  // must not throw
    (void)s;
  }
  // null members are treated as absent.
  auto ok = schema_from_json(parse(R"({"id": "u", "attributes": null, "name": null})"));
  REQUIRE(ok.has_value());
  CHECK(ok->attributes.empty());
}

TEST_CASE("/ResourceTypes JSON") {
  const auto& reg = default_registry();
  const json user = to_json_representation(*reg.find_resource_type("User"), "https://example.com/v2");
  CHECK(user["schemas"] == json::array({"urn:ietf:params:scim:schemas:core:2.0:ResourceType"}));
  CHECK(user["id"] == "User");
  CHECK(user["name"] == "User");
  CHECK(user["endpoint"] == "/Users");
  CHECK(user["description"] == "User Account");
  CHECK(user["schema"] == "urn:ietf:params:scim:schemas:core:2.0:User");
  CHECK(user["schemaExtensions"] ==
        json::array({json{{"schema", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
                          {"required", false}}}));
  CHECK(user["meta"]["resourceType"] == "ResourceType");
  CHECK(user["meta"]["location"] == "https://example.com/v2/ResourceTypes/User");

  const json group = to_json_representation(*reg.find_resource_type("Group"));
  CHECK(group["endpoint"] == "/Groups");
  CHECK_FALSE(group.contains("schemaExtensions"));
  CHECK_FALSE(group.contains("meta"));

  resource_type anon;
  anon.name = "Device";
  anon.endpoint = "/Devices";
  anon.schema = "urn:example:Device";
  CHECK(to_json_representation(anon, "https://x")["id"] == "Device");
  CHECK(to_json_representation(anon, "https://x")["meta"]["location"] == "https://x/ResourceTypes/Device");
}

TEST_CASE("resource_type_from_json: round trip and errors") {
  for (const resource_type* rt : default_registry().resource_types()) {
    CAPTURE(rt->name);
    auto back = resource_type_from_json(to_json_representation(*rt, "https://example.com"));
    REQUIRE(back.has_value());
    CHECK(back->id == rt->id);
    CHECK(back->name == rt->name);
    CHECK(back->endpoint == rt->endpoint);
    CHECK(back->description == rt->description);
    CHECK(back->schema == rt->schema);
    REQUIRE(back->schema_extensions.size() == rt->schema_extensions.size());
    for (std::size_t i = 0; i < rt->schema_extensions.size(); ++i) {
      CHECK(back->schema_extensions[i].schema == rt->schema_extensions[i].schema);
      CHECK(back->schema_extensions[i].required == rt->schema_extensions[i].required);
    }
  }
  struct bad_case {
    const char* text;
    const char* expect_in_detail;
  };
  for (const bad_case& c : std::vector<bad_case>{
           {R"([])", "object"},
           {R"({"endpoint": "/Users", "schema": "urn:x"})", "name: required"},
           {R"({"name": "User", "schema": "urn:x"})", "endpoint: required"},
           {R"({"name": "User", "endpoint": "/Users"})", "schema: required"},
           {R"({"name": "User", "endpoint": 1, "schema": "urn:x"})", "endpoint: expected a string"},
           {R"({"name": "User", "endpoint": "/Users", "schema": "urn:x", "schemaExtensions": {}})",
            "schemaExtensions: expected an array"},
           {R"({"name": "User", "endpoint": "/Users", "schema": "urn:x", "schemaExtensions": [{"required": true}]})",
            "schemaExtensions[0].schema: required"},
           {R"({"name": "User", "endpoint": "/Users", "schema": "urn:x",
                "schemaExtensions": [{"schema": "urn:y", "required": "yes"}]})",
            "schemaExtensions[0].required: expected a boolean"},
       }) {
    CAPTURE(c.text);
    auto r = resource_type_from_json(parse(c.text));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().status == 400);
    CHECK_MESSAGE(r.error().detail.find(c.expect_in_detail) != std::string::npos, r.error().detail);
  }
}

TEST_CASE("keyword parsers") {
  CHECK(attribute_type_from_string("dateTime") == attribute_type::date_time);
  CHECK(attribute_type_from_string("BINARY") == attribute_type::binary);
  CHECK_FALSE(attribute_type_from_string("date").has_value());
  CHECK(attribute_mutability_from_string("writeOnly") == attribute_mutability::write_only);
  CHECK(attribute_returned_from_string("default") == attribute_returned::default_);
  CHECK(attribute_uniqueness_from_string("server") == attribute_uniqueness::server);
  CHECK_FALSE(attribute_uniqueness_from_string("").has_value());
}
