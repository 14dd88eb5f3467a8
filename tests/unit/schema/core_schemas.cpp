#include "scim/schema/core_schemas.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

using namespace scim;

namespace {

const attribute& attr(const schema& s, std::string_view name) {
  const attribute* a = s.find(name);
  REQUIRE_MESSAGE(a != nullptr, "missing attribute " << std::string(name) << " in " << s.id);
  return *a;
}

const attribute& sub(const schema& s, std::string_view name, std::string_view sub_name) {
  const attribute* a = attr(s, name).find_sub_attribute(sub_name);
  REQUIRE_MESSAGE(a != nullptr, "missing sub-attribute " << std::string(name) << "." << std::string(sub_name));
  return *a;
}

std::vector<std::string> names(const std::vector<attribute>& attrs) {
  std::vector<std::string> out;
  for (const auto& a : attrs) out.push_back(a.name);
  return out;
}

void for_each_attribute(const std::vector<attribute>& attrs, const std::function<void(const attribute&)>& f) {
  for (const auto& a : attrs) {
    f(a);
    for_each_attribute(a.sub_attributes, f);
  }
}

const std::vector<const schema*>& all_core_schemas() {
  static const std::vector<const schema*> all{&user_schema(),   &group_schema(),         &enterprise_user_schema(),
                                              &schema_schema(), &resource_type_schema(), &service_provider_config_schema()};
  return all;
}

}  // namespace

TEST_CASE("core schemas: ids, names and descriptions") {
  CHECK(user_schema().id == urn::user);
  CHECK(user_schema().name == "User");
  CHECK(user_schema().description == "An account of a person at the service provider.");
  CHECK(group_schema().id == urn::group);
  CHECK(group_schema().name == "Group");
  CHECK(group_schema().description == "A named collection of members (users or other groups).");
  CHECK(enterprise_user_schema().id == urn::enterprise_user);
  CHECK(enterprise_user_schema().name == "EnterpriseUser");
  CHECK(enterprise_user_schema().description == "Enterprise attributes added to a User.");
  CHECK(schema_schema().id == urn::schema);
  CHECK(schema_schema().name == "Schema");
  CHECK(resource_type_schema().id == urn::resource_type);
  CHECK(resource_type_schema().name == "ResourceType");
  CHECK(service_provider_config_schema().id == urn::service_provider_config);
  CHECK(service_provider_config_schema().name == "Service Provider Configuration");
}

TEST_CASE("core schemas: functions return the same object every time") {
  CHECK(&user_schema() == &user_schema());
  CHECK(&group_schema() == &group_schema());
  CHECK(&common_attributes() == &common_attributes());
}

TEST_CASE("User: attribute list in RFC 7643 section 8.7.1 order") {
  CHECK(names(user_schema().attributes) ==
        std::vector<std::string>{"userName", "name", "displayName", "nickName", "profileUrl", "title",
                                 "userType", "preferredLanguage", "locale", "timezone", "active", "password",
                                 "emails", "phoneNumbers", "ims", "photos", "addresses", "groups",
                                 "entitlements", "roles", "x509Certificates"});
  CHECK(names(attr(user_schema(), "name").sub_attributes) ==
        std::vector<std::string>{"formatted", "familyName", "givenName", "middleName", "honorificPrefix",
                                 "honorificSuffix"});
  CHECK(names(attr(user_schema(), "addresses").sub_attributes) ==
        std::vector<std::string>{"formatted", "streetAddress", "locality", "region", "postalCode", "country",
                                 "type", "primary"});
  CHECK(sub(user_schema(), "addresses", "primary").type == scim::attribute_type::boolean);
  CHECK(names(attr(user_schema(), "groups").sub_attributes) ==
        std::vector<std::string>{"value", "$ref", "display", "type"});
  for (auto n : {"emails", "phoneNumbers", "ims", "photos", "entitlements", "roles", "x509Certificates"}) {
    CAPTURE(n);
    CHECK(names(attr(user_schema(), n).sub_attributes) ==
          std::vector<std::string>{"value", "display", "type", "primary"});
  }
}

TEST_CASE("User: userName") {
  const auto& a = attr(user_schema(), "userName");
  CHECK(a.type == attribute_type::string);
  CHECK_FALSE(a.multi_valued);
  CHECK(a.required);
  CHECK_FALSE(a.case_exact);
  CHECK(a.mutability == attribute_mutability::read_write);
  CHECK(a.returned == attribute_returned::default_);
  CHECK(a.uniqueness == attribute_uniqueness::server);
  CHECK(a.description.find("Required") != std::string::npos);
}

TEST_CASE("User: password is writeOnly and never returned") {
  const auto& a = attr(user_schema(), "password");
  CHECK(a.type == attribute_type::string);
  CHECK(a.mutability == attribute_mutability::write_only);
  CHECK(a.returned == attribute_returned::never);
  CHECK_FALSE(a.required);
  CHECK(a.uniqueness == attribute_uniqueness::none);
}

TEST_CASE("User: simple attributes") {
  CHECK(attr(user_schema(), "active").type == attribute_type::boolean);
  CHECK(attr(user_schema(), "displayName").type == attribute_type::string);
  CHECK_FALSE(attr(user_schema(), "displayName").required);
  const auto& profile = attr(user_schema(), "profileUrl");
  CHECK(profile.type == attribute_type::reference);
  CHECK(profile.reference_types == std::vector<std::string>{"external"});
  CHECK(profile.case_exact);  // errata: references are case-exact
  CHECK(attr(user_schema(), "name").type == attribute_type::complex);
  CHECK_FALSE(attr(user_schema(), "name").multi_valued);
  CHECK(sub(user_schema(), "name", "givenName").type == attribute_type::string);
  CHECK_FALSE(sub(user_schema(), "name", "givenName").case_exact);
}

TEST_CASE("User: emails") {
  const auto& emails = attr(user_schema(), "emails");
  CHECK(emails.type == attribute_type::complex);
  CHECK(emails.multi_valued);
  CHECK_FALSE(emails.required);
  const auto& value = sub(user_schema(), "emails", "value");
  CHECK(value.type == attribute_type::string);
  CHECK_FALSE(value.case_exact);
  CHECK(value.mutability == attribute_mutability::read_write);
  const auto& type = sub(user_schema(), "emails", "type");
  CHECK(type.canonical_values == std::vector<std::string>{"work", "home", "other"});
  CHECK_FALSE(type.enforce_canonical_values);
  CHECK(sub(user_schema(), "emails", "primary").type == attribute_type::boolean);
  // The RFC says "READ-ONLY" in the prose but lists display as readWrite.
  CHECK(sub(user_schema(), "emails", "display").mutability == attribute_mutability::read_write);
}

TEST_CASE("User: canonical values of the other multi-valued attributes") {
  CHECK(sub(user_schema(), "phoneNumbers", "type").canonical_values ==
        std::vector<std::string>{"work", "home", "mobile", "fax", "pager", "other"});
  CHECK(sub(user_schema(), "ims", "type").canonical_values ==
        std::vector<std::string>{"aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"});
  CHECK(sub(user_schema(), "photos", "type").canonical_values == std::vector<std::string>{"photo", "thumbnail"});
  CHECK(sub(user_schema(), "addresses", "type").canonical_values ==
        std::vector<std::string>{"work", "home", "other"});
  CHECK(sub(user_schema(), "groups", "type").canonical_values == std::vector<std::string>{"direct", "indirect"});
  CHECK(sub(user_schema(), "entitlements", "type").canonical_values.empty());
  CHECK(sub(user_schema(), "roles", "type").canonical_values.empty());
  const auto& photo = sub(user_schema(), "photos", "value");
  CHECK(photo.type == attribute_type::reference);
  CHECK(photo.reference_types == std::vector<std::string>{"external"});
}

TEST_CASE("User: groups is read-only throughout") {
  const auto& groups = attr(user_schema(), "groups");
  CHECK(groups.multi_valued);
  CHECK(groups.mutability == attribute_mutability::read_only);
  for (const auto& s : groups.sub_attributes) {
    CAPTURE(s.name);
    CHECK(s.mutability == attribute_mutability::read_only);
  }
  const auto& ref = sub(user_schema(), "groups", "$ref");
  CHECK(ref.type == attribute_type::reference);
  CHECK(ref.reference_types == std::vector<std::string>{"User", "Group"});
  CHECK(ref.case_exact);
}

TEST_CASE("User: x509Certificates.value is binary") {
  const auto& certs = attr(user_schema(), "x509Certificates");
  CHECK(certs.multi_valued);
  const auto& value = sub(user_schema(), "x509Certificates", "value");
  CHECK(value.type == attribute_type::binary);
  CHECK(value.mutability == attribute_mutability::read_write);
}

TEST_CASE("Group: displayName (erratum 5368) and members") {
  CHECK(names(group_schema().attributes) == std::vector<std::string>{"displayName", "members"});
  const auto& dn = attr(group_schema(), "displayName");
  CHECK(dn.required);
  CHECK_FALSE(dn.case_exact);
  CHECK(dn.uniqueness == attribute_uniqueness::none);
  const auto& members = attr(group_schema(), "members");
  CHECK(members.type == attribute_type::complex);
  CHECK(members.multi_valued);
  CHECK(members.mutability == attribute_mutability::read_write);
  CHECK(names(members.sub_attributes) == std::vector<std::string>{"value", "$ref", "display", "type"});
  for (const auto& s : members.sub_attributes) {
    CAPTURE(s.name);
    CHECK(s.mutability == attribute_mutability::immutable);
  }
  CHECK(sub(group_schema(), "members", "value").type == attribute_type::string);
  CHECK(sub(group_schema(), "members", "display").type == attribute_type::string);
  const auto& ref = sub(group_schema(), "members", "$ref");
  CHECK(ref.reference_types == std::vector<std::string>{"User", "Group"});
  CHECK(ref.case_exact);
  CHECK(sub(group_schema(), "members", "type").canonical_values == std::vector<std::string>{"User", "Group"});
}

TEST_CASE("EnterpriseUser") {
  CHECK(names(enterprise_user_schema().attributes) ==
        std::vector<std::string>{"employeeNumber", "costCenter", "organization", "division", "department",
                                 "manager"});
  const auto& emp = attr(enterprise_user_schema(), "employeeNumber");
  CHECK(emp.type == attribute_type::string);
  CHECK_FALSE(emp.case_exact);
  CHECK_FALSE(emp.required);
  CHECK(emp.uniqueness == attribute_uniqueness::none);
  const auto& manager = attr(enterprise_user_schema(), "manager");
  CHECK(manager.type == attribute_type::complex);
  CHECK_FALSE(manager.multi_valued);
  CHECK(names(manager.sub_attributes) == std::vector<std::string>{"value", "$ref", "displayName"});
  const auto& value = sub(enterprise_user_schema(), "manager", "value");
  CHECK(value.type == attribute_type::string);
  CHECK_FALSE(value.required);
  CHECK(value.mutability == attribute_mutability::read_write);
  const auto& ref = sub(enterprise_user_schema(), "manager", "$ref");
  CHECK(ref.type == attribute_type::reference);
  CHECK(ref.reference_types == std::vector<std::string>{"User"});
  CHECK(sub(enterprise_user_schema(), "manager", "displayName").mutability == attribute_mutability::read_only);
}

TEST_CASE("common attributes") {
  CHECK(names(common_attributes()) == std::vector<std::string>{"id", "externalId", "meta", "schemas"});
  const auto& id = *find_common_attribute("ID");
  CHECK(id.type == attribute_type::string);
  CHECK(id.case_exact);
  CHECK(id.mutability == attribute_mutability::read_only);
  CHECK(id.returned == attribute_returned::always);
  CHECK(id.uniqueness == attribute_uniqueness::server);

  const auto& ext = *find_common_attribute("externalId");
  CHECK(ext.case_exact);
  CHECK(ext.mutability == attribute_mutability::read_write);
  CHECK(ext.returned == attribute_returned::default_);

  const auto& meta = *find_common_attribute("meta");
  CHECK(meta.type == attribute_type::complex);
  CHECK(meta.mutability == attribute_mutability::read_only);
  CHECK(names(meta.sub_attributes) ==
        std::vector<std::string>{"resourceType", "created", "lastModified", "location", "version"});
  for (const auto& s : meta.sub_attributes) {
    CAPTURE(s.name);
    CHECK(s.mutability == attribute_mutability::read_only);
  }
  CHECK(meta.find_sub_attribute("created")->type == attribute_type::date_time);
  CHECK(meta.find_sub_attribute("lastModified")->type == attribute_type::date_time);
  CHECK(meta.find_sub_attribute("location")->type == attribute_type::reference);
  CHECK(meta.find_sub_attribute("location")->reference_types == std::vector<std::string>{"uri"});
  CHECK(meta.find_sub_attribute("resourceType")->case_exact);
  CHECK(meta.find_sub_attribute("location")->case_exact);
  CHECK(meta.find_sub_attribute("version")->case_exact);

  const auto& schemas = *find_common_attribute("schemas");
  CHECK(schemas.type == attribute_type::reference);
  CHECK(schemas.multi_valued);
  CHECK(schemas.case_exact);
  CHECK(schemas.returned == attribute_returned::always);

  CHECK(find_common_attribute("userName") == nullptr);
}

TEST_CASE("Schema schema (section 7 / 8.7.2)") {
  const auto& s = schema_schema();
  CHECK(names(s.attributes) == std::vector<std::string>{"id", "name", "description", "attributes"});
  const auto& attrs = attr(s, "attributes");
  CHECK(attrs.multi_valued);
  CHECK(attrs.required);
  const attribute* type = attrs.find_sub_attribute("type");
  REQUIRE(type != nullptr);
  CHECK(type->required);
  CHECK(type->canonical_values == std::vector<std::string>{"string", "complex", "boolean", "decimal", "integer",
                                                           "dateTime", "reference", "binary"});
  CHECK(attrs.find_sub_attribute("mutability")->canonical_values ==
        std::vector<std::string>{"readOnly", "readWrite", "immutable", "writeOnly"});
  CHECK(attrs.find_sub_attribute("returned")->canonical_values ==
        std::vector<std::string>{"always", "never", "default", "request"});
  CHECK(attrs.find_sub_attribute("uniqueness")->canonical_values ==
        std::vector<std::string>{"none", "server", "global"});
  CHECK(attrs.find_sub_attribute("referenceTypes")->multi_valued);
  const attribute* subs = attrs.find_sub_attribute("subAttributes");
  REQUIRE(subs != nullptr);
  CHECK(subs->multi_valued);
  CHECK(subs->find_sub_attribute("subAttributes") == nullptr);
  CHECK(subs->find_sub_attribute("referenceTypes")->multi_valued);
  CHECK(subs->sub_attributes.size() + 1 == attrs.sub_attributes.size());
  for_each_attribute(s.attributes, [](const attribute& a) {
    CAPTURE(a.name);
    CHECK(a.mutability == attribute_mutability::read_only);
  });
}

TEST_CASE("ResourceType schema (section 6 / 8.7.2)") {
  const auto& s = resource_type_schema();
  CHECK(names(s.attributes) ==
        std::vector<std::string>{"id", "name", "description", "endpoint", "schema", "schemaExtensions"});
  CHECK(attr(s, "name").required);
  CHECK(attr(s, "endpoint").type == attribute_type::reference);
  CHECK(attr(s, "endpoint").reference_types == std::vector<std::string>{"uri"});
  CHECK(attr(s, "schema").case_exact);
  const auto& ext = attr(s, "schemaExtensions");
  CHECK(ext.multi_valued);
  CHECK_FALSE(ext.required);
  CHECK(sub(s, "schemaExtensions", "schema").required);
  CHECK(sub(s, "schemaExtensions", "required").type == attribute_type::boolean);
}

TEST_CASE("ServiceProviderConfig schema (section 5 / 8.7.2)") {
  const auto& s = service_provider_config_schema();
  CHECK(names(s.attributes) == std::vector<std::string>{"documentationUri", "patch", "bulk", "filter",
                                                        "changePassword", "sort", "etag", "authenticationSchemes"});
  for (auto n : {"patch", "bulk", "filter", "changePassword", "sort", "etag"}) {
    CAPTURE(n);
    CHECK(attr(s, n).required);
    CHECK(sub(s, n, "supported").type == attribute_type::boolean);
    CHECK(sub(s, n, "supported").required);
  }
  CHECK(sub(s, "bulk", "maxOperations").type == attribute_type::integer);
  CHECK(sub(s, "bulk", "maxPayloadSize").type == attribute_type::integer);
  CHECK(sub(s, "filter", "maxResults").type == attribute_type::integer);
  const auto& auth = attr(s, "authenticationSchemes");
  CHECK(auth.multi_valued);
  CHECK(sub(s, "authenticationSchemes", "type").canonical_values ==
        std::vector<std::string>{"oauth", "oauth2", "oauthbearertoken", "httpbasic", "httpdigest"});
  CHECK(sub(s, "authenticationSchemes", "name").required);
  CHECK(sub(s, "authenticationSchemes", "specUri").type == attribute_type::reference);
  for_each_attribute(s.attributes, [](const attribute& a) {
    CAPTURE(a.name);
    CHECK(a.mutability == attribute_mutability::read_only);
  });
}

TEST_CASE("core schemas: structural invariants") {
  for (const schema* s : all_core_schemas()) {
    CAPTURE(s->id);
    CHECK_FALSE(s->description.empty());
    for_each_attribute(s->attributes, [](const attribute& a) {
      CAPTURE(a.name);
      CHECK_FALSE(a.name.empty());
      CHECK_FALSE(a.description.empty());
      // Complex attributes and only they have sub-attributes.
      CHECK(a.is_complex() == !a.sub_attributes.empty());
      // Errata 6001 / 8472: every reference is case-exact and names its targets.
      if (a.type == attribute_type::reference) {
        CHECK(a.case_exact);
        CHECK_FALSE(a.reference_types.empty());
      } else {
        CHECK(a.reference_types.empty());
      }
      // canonicalValues stay advisory.
      CHECK_FALSE(a.enforce_canonical_values);
      // Names are unique (case-insensitively) among siblings.
      for (std::size_t i = 0; i < a.sub_attributes.size(); ++i)
        for (std::size_t k = i + 1; k < a.sub_attributes.size(); ++k)
          CHECK_FALSE(detail::iequals(a.sub_attributes[i].name, a.sub_attributes[k].name));
    });
    for (std::size_t i = 0; i < s->attributes.size(); ++i)
      for (std::size_t k = i + 1; k < s->attributes.size(); ++k)
        CHECK_FALSE(detail::iequals(s->attributes[i].name, s->attributes[k].name));
  }
}

TEST_CASE("core schemas: lookups are case-insensitive") {
  CHECK(user_schema().find("USERNAME") == user_schema().find("userName"));
  CHECK(user_schema().find("emails")->find_sub_attribute("VALUE") != nullptr);
  CHECK(group_schema().find("Members") != nullptr);
  CHECK(user_schema().find("nope") == nullptr);
}
