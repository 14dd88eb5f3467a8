// scimpp: the schemas RFC 7643 defines, as attribute definitions.
//
// User, Group and EnterpriseUser follow the RFC 7643 section 8.7.1 listing
// characteristic by characteristic; Schema, ResourceType and
// ServiceProviderConfig follow section 8.7.2 together with the prose of
// sections 5, 6 and 7. Where the listing contradicts the prose or an erratum
// fixes an obvious mistake, the corrected value is used and a comment names
// the change. Descriptions are the RFC's own.
//
// canonicalValues policy: every canonicalValues list here is advisory
// (attribute::enforce_canonical_values == false). RFC 7643 section 7 lets a
// service provider accept other values, and the one place where the set is
// closed -- the type / mutability / returned / uniqueness keywords of an
// attribute definition inside a Schema resource -- is enforced structurally by
// schema_from_json() (scim/schema/schema_json.hpp). Schema resources are
// read-only discovery documents, so no generic validation path ever needs the
// flag for them, and leaving it false keeps the /Schemas JSON round trip
// lossless.
#pragma once

#include "scim/config.hpp"
#include "scim/schema/attribute.hpp"
#include "scim/schema/urns.hpp"

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

SCIM_BEGIN_NAMESPACE
namespace detail {

/// Fluent builder used to spell out the core schemas compactly. Reference
/// attributes default to caseExact = true: RFC 7643 errata 6001 and 8472
/// make reference values case-exact (URIs compare case-sensitively), which
/// the section 8.7.1/8.7.2 listings (caseExact false) got wrong.
class attr_def {
 public:
  attr_def(std::string_view attr_name, attribute_type t, std::string_view desc) {
    a_.name.assign(attr_name.data(), attr_name.size());
    a_.type = t;
    a_.description.assign(desc.data(), desc.size());
    if (t == attribute_type::reference) a_.case_exact = true;  // errata 6001 / 8472
  }
  attr_def& multi(bool v = true) { a_.multi_valued = v; return *this; }
  attr_def& required(bool v = true) { a_.required = v; return *this; }
  attr_def& case_exact(bool v = true) { a_.case_exact = v; return *this; }
  attr_def& mutability(attribute_mutability m) { a_.mutability = m; return *this; }
  attr_def& returned(attribute_returned r) { a_.returned = r; return *this; }
  attr_def& uniqueness(attribute_uniqueness u) { a_.uniqueness = u; return *this; }
  attr_def& read_only() { return mutability(attribute_mutability::read_only); }
  attr_def& immutable() { return mutability(attribute_mutability::immutable); }
  attr_def& canonical(std::initializer_list<std::string_view> values) {
    for (auto v : values) a_.canonical_values.emplace_back(v);
    return *this;
  }
  attr_def& refs(std::initializer_list<std::string_view> types) {
    for (auto v : types) a_.reference_types.emplace_back(v);
    return *this;
  }
  attr_def& subs(std::vector<attribute> sub_attributes) {
    a_.sub_attributes = std::move(sub_attributes);
    return *this;
  }
  /// Applies a mutability to the attribute and every sub-attribute.
  attr_def& all_mutability(attribute_mutability m) {
    a_.mutability = m;
    for (auto& s : a_.sub_attributes) s.mutability = m;
    return *this;
  }
  operator attribute() const { return a_; }  // NOLINT(google-explicit-constructor)

 private:
  attribute a_;
};

inline schema make_schema(std::string_view id, std::string_view name, std::string_view description,
                          std::vector<attribute> attributes) {
  schema s;
  s.id.assign(id.data(), id.size());
  s.name.assign(name.data(), name.size());
  s.description.assign(description.data(), description.size());
  s.attributes = std::move(attributes);
  return s;
}

// The display / type / primary triple shared by most multi-valued User
// attributes (section 8.7.1 spells it out for each one).
inline attribute mv_display() {
  return attr_def("display", attribute_type::string,
                  "A human-readable name, primarily used for display purposes.  READ-ONLY.");
}
inline attribute mv_primary(std::string_view description) {
  return attr_def("primary", attribute_type::boolean, description);
}

inline constexpr std::string_view primary_once =
    "A Boolean value indicating the 'primary' or preferred attribute value for this attribute.  "
    "The primary attribute value 'true' MUST appear no more than once.";

inline schema build_user_schema() {
  using T = attribute_type;
  std::vector<attribute> attrs;
  attrs.push_back(
      attr_def("userName", T::string,
               "Unique identifier for the User, typically used by the user to directly authenticate to "
               "the service provider.  Each User MUST include a non-empty userName value.  This "
               "identifier MUST be unique across the service provider's entire set of Users.  REQUIRED.")
          .required()
          .uniqueness(attribute_uniqueness::server));
  attrs.push_back(
      attr_def("name", T::complex,
               "The components of the user's real name.  Providers MAY return just the full name as a "
               "single string in the formatted sub-attribute, or they MAY return just the individual "
               "component attributes using the other sub-attributes, or they MAY return both.  If both "
               "variants are returned, they SHOULD be describing the same name, with the formatted name "
               "indicating how the component attributes should be combined.")
          .subs({
              attr_def("formatted", T::string,
                       "The full name, including all middle names, titles, and suffixes as appropriate, "
                       "formatted for display (e.g., 'Ms. Barbara J Jensen, III')."),
              attr_def("familyName", T::string,
                       "The family name of the User, or last name in most Western languages (e.g., "
                       "'Jensen' given the full name 'Ms. Barbara J Jensen, III')."),
              attr_def("givenName", T::string,
                       "The given name of the User, or first name in most Western languages (e.g., "
                       "'Barbara' given the full name 'Ms. Barbara J Jensen, III')."),
              attr_def("middleName", T::string,
                       "The middle name(s) of the User (e.g., 'Jane' given the full name 'Ms. Barbara J "
                       "Jensen, III')."),
              attr_def("honorificPrefix", T::string,
                       "The honorific prefix(es) of the User, or title in most Western languages (e.g., "
                       "'Ms.' given the full name 'Ms. Barbara J Jensen, III')."),
              attr_def("honorificSuffix", T::string,
                       "The honorific suffix(es) of the User, or suffix in most Western languages (e.g., "
                       "'III' given the full name 'Ms. Barbara J Jensen, III')."),
          }));
  attrs.push_back(attr_def("displayName", T::string,
                           "The name of the User, suitable for display to end-users.  The name SHOULD be "
                           "the full name of the User being described, if known."));
  attrs.push_back(attr_def("nickName", T::string,
                           "The casual way to address the user in real life, e.g., 'Bob' or 'Bobby' "
                           "instead of 'Robert'.  This attribute SHOULD NOT be used to represent a User's "
                           "username (e.g., 'bjensen' or 'mpepperidge')."));
  attrs.push_back(attr_def("profileUrl", T::reference,
                           "A fully qualified URL pointing to a page representing the User's online "
                           "profile.")
                      .refs({"external"}));
  attrs.push_back(attr_def("title", T::string, "The user's title, such as \"Vice President.\""));
  attrs.push_back(attr_def("userType", T::string,
                           "Used to identify the relationship between the organization and the user.  "
                           "Typical values used might be 'Contractor', 'Employee', 'Intern', 'Temp', "
                           "'External', and 'Unknown', but any value may be used."));
  attrs.push_back(attr_def("preferredLanguage", T::string,
                           "Indicates the User's preferred written or spoken language.  Generally used for "
                           "selecting a localized user interface; e.g., 'en_US' specifies the language "
                           "English and country US."));
  attrs.push_back(attr_def("locale", T::string,
                           "Used to indicate the User's default location for purposes of localizing items "
                           "such as currency, date time format, or numerical representations."));
  attrs.push_back(attr_def("timezone", T::string,
                           "The User's time zone in the 'Olson' time zone database format, e.g., "
                           "'America/Los_Angeles'."));
  attrs.push_back(
      attr_def("active", T::boolean, "A Boolean value indicating the User's administrative status."));
  attrs.push_back(attr_def("password", T::string,
                           "The User's cleartext password.  This attribute is intended to be used as a "
                           "means to specify an initial password when creating a new User or to reset an "
                           "existing User's password.")
                      .mutability(attribute_mutability::write_only)
                      .returned(attribute_returned::never));
  attrs.push_back(
      attr_def("emails", T::complex,
               "Email addresses for the user.  The value SHOULD be canonicalized by the service provider, "
               "e.g., 'bjensen@example.com' instead of 'bjensen@EXAMPLE.COM'.  Canonical type values of "
               "'work', 'home', and 'other'.")
          .multi()
          .subs({
              attr_def("value", T::string,
                       "Email addresses for the user.  The value SHOULD be canonicalized by the service "
                       "provider, e.g., 'bjensen@example.com' instead of 'bjensen@EXAMPLE.COM'.  "
                       "Canonical type values of 'work', 'home', and 'other'."),
              mv_display(),
              attr_def("type", T::string,
                       "A label indicating the attribute's function, e.g., 'work' or 'home'.")
                  .canonical({"work", "home", "other"}),
              mv_primary("A Boolean value indicating the 'primary' or preferred attribute value for "
                         "this attribute, e.g., the preferred mailing address or primary email "
                         "address.  The primary attribute value 'true' MUST appear no more than once."),
          }));
  attrs.push_back(
      attr_def("phoneNumbers", T::complex,
               "Phone numbers for the User.  The value SHOULD be canonicalized by the service provider "
               "according to the format specified in RFC 3966, e.g., 'tel:+1-201-555-0123'.  Canonical "
               "type values of 'work', 'home', 'mobile', 'fax', 'pager', and 'other'.")
          .multi()
          .subs({
              attr_def("value", T::string, "Phone number of the User."),
              mv_display(),
              attr_def("type", T::string,
                       "A label indicating the attribute's function, e.g., 'work', 'home', 'mobile'.")
                  .canonical({"work", "home", "mobile", "fax", "pager", "other"}),
              mv_primary("A Boolean value indicating the 'primary' or preferred attribute value for "
                         "this attribute, e.g., the preferred phone number or primary phone number.  "
                         "The primary attribute value 'true' MUST appear no more than once."),
          }));
  attrs.push_back(
      attr_def("ims", T::complex, "Instant messaging addresses for the User.")
          .multi()
          .subs({
              attr_def("value", T::string, "Instant messaging address for the User."),
              mv_display(),
              attr_def("type", T::string,
                       "A label indicating the attribute's function, e.g., 'aim', 'gtalk', 'xmpp'.")
                  .canonical({"aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"}),
              mv_primary("A Boolean value indicating the 'primary' or preferred attribute value for "
                         "this attribute, e.g., the preferred messenger or primary messenger.  The "
                         "primary attribute value 'true' MUST appear no more than once."),
          }));
  attrs.push_back(
      attr_def("photos", T::complex, "URLs of photos of the User.")
          .multi()
          .subs({
              attr_def("value", T::reference, "URL of a photo of the User.").refs({"external"}),
              mv_display(),
              attr_def("type", T::string,
                       "A label indicating the attribute's function, i.e., 'photo' or 'thumbnail'.")
                  .canonical({"photo", "thumbnail"}),
              mv_primary("A Boolean value indicating the 'primary' or preferred attribute value for "
                         "this attribute, e.g., the preferred photo or thumbnail.  The primary "
                         "attribute value 'true' MUST appear no more than once."),
          }));
  // Section 8.7.1 lists no "primary" (nor "display") sub-attribute for
  // addresses, although section 4.1.2 and the section 8.2 example use
  // "primary" (and Okta sends it). "primary" is added, as the typed
  // scim::address carries it; "display" stays out as published.
  attrs.push_back(
      attr_def("addresses", T::complex,
               "A physical mailing address for this User.  Canonical type values of 'work', 'home', and "
               "'other'.  This attribute is a complex type with the following sub-attributes.")
          .multi()
          .subs({
              attr_def("formatted", T::string,
                       "The full mailing address, formatted for display or use with a mailing label.  "
                       "This attribute MAY contain newlines."),
              attr_def("streetAddress", T::string,
                       "The full street address component, which may include house number, street "
                       "name, P.O. box, and multi-line extended street address information.  This "
                       "attribute MAY contain newlines."),
              attr_def("locality", T::string, "The city or locality component."),
              attr_def("region", T::string, "The state or region component."),
              attr_def("postalCode", T::string, "The zip code or postal code component."),
              attr_def("country", T::string, "The country name component."),
              attr_def("type", T::string,
                       "A label indicating the attribute's function, e.g., 'work' or 'home'.")
                  .canonical({"work", "home", "other"}),
              mv_primary(primary_once),
          }));
  attrs.push_back(
      attr_def("groups", T::complex,
               "A list of groups to which the user belongs, either through direct membership, through "
               "nested groups, or dynamically calculated.")
          .multi()
          .subs({
              attr_def("value", T::string, "The identifier of the User's group."),
              attr_def("$ref", T::reference,
                       "The URI of the corresponding 'Group' resource to which the user belongs.")
                  .refs({"User", "Group"}),
              attr_def("display", T::string,
                       "A human-readable name, primarily used for display purposes.  READ-ONLY."),
              attr_def("type", T::string,
                       "A label indicating the attribute's function, e.g., 'direct' or 'indirect'.")
                  .canonical({"direct", "indirect"}),
          })
          .all_mutability(attribute_mutability::read_only));
  attrs.push_back(
      attr_def("entitlements", T::complex,
               "A list of entitlements for the User that represent a thing the User has.")
          .multi()
          .subs({
              attr_def("value", T::string, "The value of an entitlement."),
              mv_display(),
              attr_def("type", T::string, "A label indicating the attribute's function."),
              mv_primary(primary_once),
          }));
  attrs.push_back(
      attr_def("roles", T::complex,
               "A list of roles for the User that collectively represent who the User is, e.g., "
               "'Student', 'Faculty'.")
          .multi()
          .subs({
              attr_def("value", T::string, "The value of a role."),
              mv_display(),
              attr_def("type", T::string, "A label indicating the attribute's function."),
              mv_primary(primary_once),
          }));
  attrs.push_back(
      attr_def("x509Certificates", T::complex, "A list of certificates issued to the User.")
          .multi()
          .subs({
              attr_def("value", T::binary, "The value of an X.509 certificate."),
              mv_display(),
              attr_def("type", T::string, "A label indicating the attribute's function."),
              mv_primary(primary_once),
          }));
  return make_schema(urn::user, "User", "User Account", std::move(attrs));
}

inline schema build_group_schema() {
  using T = attribute_type;
  std::vector<attribute> attrs;
  // Erratum 5368: section 4.2 calls displayName REQUIRED, but the 8.7.1
  // listing says "required": false. The erratum (and every major IdP, which
  // looks groups up by displayName) makes it required.
  attrs.push_back(
      attr_def("displayName", T::string, "A human-readable name for the Group.  REQUIRED.").required());
  attrs.push_back(
      attr_def("members", T::complex, "A list of members of the Group.")
          .multi()
          .subs({
              attr_def("value", T::string, "Identifier of the member of this Group.").immutable(),
              attr_def("$ref", T::reference,
                       "The URI corresponding to a SCIM resource that is a member of this Group.")
                  .refs({"User", "Group"})
                  .immutable(),
              // Not in the 8.7.1 listing; section 4.2 says the sub-attributes of
              // members are immutable and its examples carry "display".
              attr_def("display", T::string,
                       "A human-readable name, primarily used for display purposes.  READ-ONLY.")
                  .immutable(),
              attr_def("type", T::string, "A label indicating the type of resource, e.g., 'User' or 'Group'.")
                  .canonical({"User", "Group"})
                  .immutable(),
          }));
  return make_schema(urn::group, "Group", "Group", std::move(attrs));
}

inline schema build_enterprise_user_schema() {
  using T = attribute_type;
  std::vector<attribute> attrs;
  attrs.push_back(attr_def("employeeNumber", T::string,
                           "Numeric or alphanumeric identifier assigned to a person, typically based on "
                           "order of hire or association with an organization."));
  attrs.push_back(attr_def("costCenter", T::string, "Identifies the name of a cost center."));
  attrs.push_back(attr_def("organization", T::string, "Identifies the name of an organization."));
  attrs.push_back(attr_def("division", T::string, "Identifies the name of a division."));
  attrs.push_back(attr_def("department", T::string, "Identifies the name of a department."));
  // manager.value and manager.$ref say "REQUIRED." in their descriptions but
  // "required": false in the listing; the listing is kept (section 4.3 only
  // recommends them, and IdPs clear a manager by sending an empty value).
  attrs.push_back(
      attr_def("manager", T::complex,
               "The User's manager.  A complex type that optionally allows service providers to "
               "represent organizational hierarchy by referencing the 'id' attribute of another User.")
          .subs({
              attr_def("value", T::string,
                       "The id of the SCIM resource representing the User's manager.  REQUIRED."),
              attr_def("$ref", T::reference,
                       "The URI of the SCIM resource representing the User's manager.  REQUIRED.")
                  .refs({"User"}),
              attr_def("displayName", T::string,
                       "The displayName of the User's manager.  OPTIONAL and READ-ONLY.")
                  .read_only(),
          }));
  return make_schema(urn::enterprise_user, "EnterpriseUser", "Enterprise User", std::move(attrs));
}

// The sub-attributes describing one attribute definition (section 7), used at
// two levels of the Schema schema.
inline std::vector<attribute> attribute_definition_subs(bool with_sub_attributes) {
  using T = attribute_type;
  std::vector<attribute> subs{
      attr_def("name", T::string, "The attribute's name.").required().case_exact(),
      // "binary" is missing from the published list although section 2.3.6
      // defines it and User.x509Certificates.value uses it; it is added.
      attr_def("type", T::string,
               "The attribute's data type.  Valid values include 'string', 'complex', 'boolean', "
               "'decimal', 'integer', 'dateTime', 'reference', 'binary'.")
          .required()
          .canonical({"string", "complex", "boolean", "decimal", "integer", "dateTime", "reference",
                      "binary"}),
      attr_def("multiValued", T::boolean, "A Boolean value indicating an attribute's plurality.")
          .required(),
      attr_def("description", T::string, "A human-readable description of the attribute.").case_exact(),
      attr_def("required", T::boolean,
               "A boolean value indicating whether or not the attribute is required."),
      attr_def("canonicalValues", T::string,
               "A collection of canonical values.  When applicable, service providers MUST specify the "
               "canonical types, e.g., 'work', 'home'.")
          .multi()
          .case_exact(),
      attr_def("caseExact", T::boolean,
               "A Boolean value indicating whether or not a string attribute is case sensitive."),
      attr_def("mutability", T::string, "Indicates whether or not an attribute is modifiable.")
          .case_exact()
          .canonical({"readOnly", "readWrite", "immutable", "writeOnly"}),
      attr_def("returned", T::string, "Indicates when an attribute is returned in a response (e.g., to a query).")
          .case_exact()
          .canonical({"always", "never", "default", "request"}),
      attr_def("uniqueness", T::string, "Indicates how unique a value must be.")
          .case_exact()
          .canonical({"none", "server", "global"}),
      // The published listing makes the nested referenceTypes single-valued
      // but the top-level one multi-valued; it is a list at both levels.
      attr_def("referenceTypes", T::string,
               "Used only with an attribute of type 'reference'.  Specifies a SCIM resourceType that a "
               "reference attribute MAY refer to, e.g., 'User'.")
          .multi()
          .case_exact(),
  };
  if (with_sub_attributes) {
    subs.push_back(attr_def("subAttributes", T::complex,
                            "Used to define the sub-attributes of a complex attribute.")
                       .multi()
                       .subs(attribute_definition_subs(false)));
  }
  for (auto& s : subs) s.mutability = attribute_mutability::read_only;
  return subs;
}

inline schema build_schema_schema() {
  using T = attribute_type;
  std::vector<attribute> attrs{
      attr_def("id", T::string,
               "The unique URI of the schema.  When applicable, service providers MUST specify the URI.")
          .required()
          .read_only(),
      attr_def("name", T::string,
               "The schema's human-readable name.  When applicable, service providers MUST specify the "
               "name, e.g., 'User'.")
          .required()
          .read_only(),
      // The published description repeats the one of "name"; section 7 text used.
      attr_def("description", T::string,
               "The schema's human-readable description.  When applicable, service providers MUST "
               "specify the description.")
          .read_only(),
      attr_def("attributes", T::complex, "A complex attribute that includes the attributes of a schema.")
          .multi()
          .required()
          .read_only()
          .subs(attribute_definition_subs(true)),
  };
  return make_schema(urn::schema, "Schema", "Specifies the schema that describes a SCIM schema",
                     std::move(attrs));
}

inline schema build_resource_type_schema() {
  using T = attribute_type;
  std::vector<attribute> attrs{
      attr_def("id", T::string,
               "The resource type's server unique id.  May be the same as the 'name' attribute.")
          .read_only(),
      attr_def("name", T::string,
               "The resource type name.  When applicable, service providers MUST specify the name, "
               "e.g., 'User'.")
          .required()
          .read_only(),
      attr_def("description", T::string,
               "The resource type's human-readable description.  When applicable, service providers "
               "MUST specify the description.")
          .read_only(),
      attr_def("endpoint", T::reference,
               "The resource type's HTTP-addressable endpoint relative to the Base URL, e.g., '/Users'.")
          .refs({"uri"})
          .required()
          .read_only(),
      attr_def("schema", T::reference, "The resource type's primary/base schema URI.")
          .refs({"uri"})
          .required()
          .read_only(),
      // Published as single-valued and required; section 6 describes "a list
      // of URIs" that is OPTIONAL (the Group resource type has none), so it is
      // multi-valued and optional here.
      attr_def("schemaExtensions", T::complex, "A list of URIs of the resource type's schema extensions.")
          .multi()
          .subs({
              attr_def("schema", T::reference, "The URI of a schema extension.").refs({"uri"}).required(),
              attr_def("required", T::boolean,
                       "A Boolean value that specifies whether or not the schema extension is required "
                       "for the resource type.  If true, a resource of this type MUST include this "
                       "schema extension and also include any attributes declared as required in this "
                       "schema extension.  If false, a resource of this type MAY omit this schema "
                       "extension.")
                  .required(),
          })
          .all_mutability(attribute_mutability::read_only),
  };
  return make_schema(urn::resource_type, "ResourceType",
                     "Specifies the schema that describes a SCIM resource type", std::move(attrs));
}

inline attribute supported_flag() {
  return attr_def("supported", attribute_type::boolean,
                  "A Boolean value specifying whether or not the operation is supported.")
      .required();
}

inline schema build_service_provider_config_schema() {
  using T = attribute_type;
  std::vector<attribute> attrs{
      attr_def("documentationUri", T::reference,
               "An HTTP-addressable URL pointing to the service provider's human-consumable help "
               "documentation.")
          .refs({"external"}),
      attr_def("patch", T::complex, "A complex type that specifies PATCH configuration options.")
          .required()
          .subs({supported_flag()}),
      attr_def("bulk", T::complex, "A complex type that specifies bulk configuration options.")
          .required()
          .subs({
              supported_flag(),
              attr_def("maxOperations", T::integer,
                       "An integer value specifying the maximum number of operations.")
                  .required(),
              attr_def("maxPayloadSize", T::integer,
                       "An integer value specifying the maximum payload size in bytes.")
                  .required(),
          }),
      attr_def("filter", T::complex, "A complex type that specifies FILTER options.")
          .required()
          .subs({
              supported_flag(),
              attr_def("maxResults", T::integer,
                       "An integer value specifying the maximum number of resources returned in a "
                       "response.")
                  .required(),
          }),
      attr_def("changePassword", T::complex,
               "A complex type that specifies configuration options related to changing a password.")
          .required()
          .subs({supported_flag()}),
      attr_def("sort", T::complex, "A complex type that specifies sort result options.")
          .required()
          .subs({supported_flag()}),
      // "etag" is defined (REQUIRED) by section 5 but missing from the 8.7.2
      // listing; it is added.
      attr_def("etag", T::complex, "A complex type that specifies ETag configuration options.")
          .required()
          .subs({supported_flag()}),
      attr_def("authenticationSchemes", T::complex,
               "A complex type that specifies supported authentication scheme properties.")
          .multi()
          .required()
          .subs({
              // "type" is defined (REQUIRED) by section 5 but missing from the
              // 8.7.2 listing; it is added, as is the "primary" flag that the
              // section 8.5 example uses.
              attr_def("type", T::string,
                       "The authentication scheme.  This specification defines the values 'oauth', "
                       "'oauth2', 'oauthbearertoken', 'httpbasic', and 'httpdigest'.")
                  .required()
                  .canonical({"oauth", "oauth2", "oauthbearertoken", "httpbasic", "httpdigest"}),
              attr_def("name", T::string, "The common authentication scheme name, e.g., HTTP Basic.")
                  .required(),
              attr_def("description", T::string, "A description of the authentication scheme.").required(),
              attr_def("specUri", T::reference,
                       "An HTTP-addressable URL pointing to the authentication scheme's specification.")
                  .refs({"external"}),
              attr_def("documentationUri", T::reference,
                       "An HTTP-addressable URL pointing to the authentication scheme's usage "
                       "documentation.")
                  .refs({"external"}),
              mv_primary(primary_once),
          }),
  };
  // Every attribute of the configuration is read-only (section 8.7.2).
  for (auto& a : attrs) {
    a.mutability = attribute_mutability::read_only;
    for (auto& s : a.sub_attributes) s.mutability = attribute_mutability::read_only;
  }
  return make_schema(urn::service_provider_config, "Service Provider Configuration",
                     "Schema for representing the service provider's configuration", std::move(attrs));
}

inline std::vector<attribute> build_common_attributes() {
  using T = attribute_type;
  std::vector<attribute> attrs;
  // id: REQUIRED in every representation (section 3.1), but readOnly, so it
  // is a response-side requirement: clients never send it (RFC 7643 section 7
  // says readOnly values in requests are ignored).
  attrs.push_back(attr_def("id", T::string,
                           "A unique identifier for a SCIM resource as defined by the service provider.  "
                           "REQUIRED.")
                      .required()
                      .case_exact()
                      .read_only()
                      .returned(attribute_returned::always)
                      .uniqueness(attribute_uniqueness::server));
  attrs.push_back(attr_def("externalId", T::string,
                           "A String that is an identifier for the resource as defined by the "
                           "provisioning client.  OPTIONAL.")
                      .case_exact());
  attrs.push_back(
      attr_def("meta", T::complex, "A complex attribute containing resource metadata.  READ-ONLY.")
          .subs({
              attr_def("resourceType", T::string, "The name of the resource type of the resource.")
                  .case_exact(),
              attr_def("created", T::date_time, "The DateTime that the resource was added to the service provider."),
              attr_def("lastModified", T::date_time,
                       "The most recent DateTime that the details of this resource were updated at the "
                       "service provider."),
              attr_def("location", T::reference, "The URI of the resource being returned.").refs({"uri"}),
              attr_def("version", T::string, "The version of the resource being returned.").case_exact(),
          })
          .all_mutability(attribute_mutability::read_only));
  // schemas: section 3 requires a non-empty array of schema URIs in every
  // representation; URIs compare case-exactly.
  attrs.push_back(attr_def("schemas", T::reference,
                           "The schema URIs used to indicate the namespaces of the SCIM schemas that "
                           "define the attributes present in the current JSON structure.  REQUIRED.")
                      .refs({"uri"})
                      .multi()
                      .required()
                      .returned(attribute_returned::always));
  return attrs;
}

}  // namespace detail

/// urn:ietf:params:scim:schemas:core:2.0:User (RFC 7643 sections 4.1, 8.7.1).
inline const schema& user_schema() {
  static const schema s = detail::build_user_schema();
  return s;
}

/// urn:ietf:params:scim:schemas:core:2.0:Group (RFC 7643 sections 4.2, 8.7.1;
/// displayName required per erratum 5368; members.display added).
inline const schema& group_schema() {
  static const schema s = detail::build_group_schema();
  return s;
}

/// urn:ietf:params:scim:schemas:extension:enterprise:2.0:User (RFC 7643
/// sections 4.3, 8.7.1).
inline const schema& enterprise_user_schema() {
  static const schema s = detail::build_enterprise_user_schema();
  return s;
}

/// urn:ietf:params:scim:schemas:core:2.0:Schema (RFC 7643 sections 7, 8.7.2).
inline const schema& schema_schema() {
  static const schema s = detail::build_schema_schema();
  return s;
}

/// urn:ietf:params:scim:schemas:core:2.0:ResourceType (RFC 7643 sections 6, 8.7.2).
inline const schema& resource_type_schema() {
  static const schema s = detail::build_resource_type_schema();
  return s;
}

/// urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig (RFC 7643
/// sections 5, 8.7.2).
inline const schema& service_provider_config_schema() {
  static const schema s = detail::build_service_provider_config_schema();
  return s;
}

/// The common attributes of every resource (RFC 7643 sections 3 and 3.1):
/// id, externalId, meta and schemas. They belong to no schema's attribute
/// list; the registry resolves them against the resource type's core schema.
inline const std::vector<attribute>& common_attributes() {
  static const std::vector<attribute> attrs = detail::build_common_attributes();
  return attrs;
}

/// Case-insensitive lookup of a common attribute; nullptr when `name` is not one.
inline const attribute* find_common_attribute(std::string_view name) noexcept {
  for (const auto& a : common_attributes())
    if (detail::iequals(a.name, name)) return &a;
  return nullptr;
}

SCIM_END_NAMESPACE
