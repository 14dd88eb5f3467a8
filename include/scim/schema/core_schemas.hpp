// scimpp: the schemas RFC 7643 defines, as attribute definitions.
//
// User, Group and EnterpriseUser follow the RFC 7643 section 8.7.1 listing
// characteristic by characteristic; Schema, ResourceType and
// ServiceProviderConfig follow section 8.7.2 together with the prose of
// sections 5, 6 and 7. Where the listing contradicts the prose or an erratum
// fixes an obvious mistake, the corrected value is used and a comment names
// the change. Descriptions are written in the project's own words.
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
                  "Human-readable text for showing the value to people; read-only.");
}
inline attribute mv_primary(std::string_view description) {
  return attr_def("primary", attribute_type::boolean, description);
}

inline constexpr std::string_view primary_once =
    "Marks this value as the preferred one; at most one value may have primary set to true.";

inline schema build_user_schema() {
  using T = attribute_type;
  std::vector<attribute> attrs;
  attrs.push_back(
      attr_def("userName", T::string,
               "The name the user normally signs in with at the service provider.  Required and "
               "non-empty; no two Users of the same service provider may share it.")
          .required()
          .uniqueness(attribute_uniqueness::server));
  attrs.push_back(
      attr_def("name", T::complex,
               "The parts of the user's real name.  A provider may send the whole name in 'formatted', "
               "the separate parts in the other sub-attributes, or both; when both are sent they should "
               "describe the same name, 'formatted' showing how the parts fit together.")
          .subs({
              attr_def("formatted", T::string,
                       "The complete name ready for display, with any middle names, titles and "
                       "suffixes, e.g., 'Ms. Barbara J Jensen, III'."),
              attr_def("familyName", T::string,
                       "The user's surname (the last name in most Western cultures), e.g., 'Jensen' "
                       "in 'Ms. Barbara J Jensen, III'."),
              attr_def("givenName", T::string,
                       "The user's given name (the first name in most Western cultures), e.g., "
                       "'Barbara' in 'Ms. Barbara J Jensen, III'."),
              attr_def("middleName", T::string,
                       "The user's middle name or names, e.g., 'Jane' for the 'J' in 'Ms. Barbara J "
                       "Jensen, III'."),
              attr_def("honorificPrefix", T::string,
                       "Any title or titles written before the user's name, e.g., 'Ms.' in 'Ms. "
                       "Barbara J Jensen, III'."),
              attr_def("honorificSuffix", T::string,
                       "Any suffix or suffixes written after the user's name, e.g., 'III' in 'Ms. "
                       "Barbara J Jensen, III'."),
          }));
  attrs.push_back(attr_def("displayName", T::string,
                           "The user's name as shown to end users; ideally the full name, when it is "
                           "known."));
  attrs.push_back(attr_def("nickName", T::string,
                           "An informal name for the user, e.g., 'Bob' for 'Robert'.  It should not be "
                           "used to hold the user's login name (such as 'bjensen')."));
  attrs.push_back(attr_def("profileUrl", T::reference,
                           "Absolute URL of a web page showing the user's online profile.")
                      .refs({"external"}));
  attrs.push_back(attr_def("title", T::string, "The user's job title, e.g., 'Vice President'."));
  attrs.push_back(attr_def("userType", T::string,
                           "How the user is related to the organization.  Common values include "
                           "'Contractor', 'Employee', 'Intern', 'Temp', 'External' and 'Unknown'; any "
                           "value is allowed."));
  attrs.push_back(attr_def("preferredLanguage", T::string,
                           "The language the user prefers to read or speak, mostly used to pick a "
                           "localized user interface; e.g., 'en_US' means English as used in the US."));
  attrs.push_back(attr_def("locale", T::string,
                           "The user's default location, used to localize things such as currency, date "
                           "and time formats and number formatting."));
  attrs.push_back(attr_def("timezone", T::string,
                           "The user's time zone as an Olson (tz database) name, e.g., "
                           "'America/Los_Angeles'."));
  attrs.push_back(
      attr_def("active", T::boolean, "Whether the user's account is administratively active."));
  attrs.push_back(attr_def("password", T::string,
                           "The user's password in clear text, for setting an initial password when a "
                           "User is created or for resetting an existing one.")
                      .mutability(attribute_mutability::write_only)
                      .returned(attribute_returned::never));
  attrs.push_back(
      attr_def("emails", T::complex,
               "The user's email addresses, which the service provider should keep in canonical form "
               "(e.g., 'bjensen@example.com', not 'bjensen@EXAMPLE.COM').  Canonical types: 'work', "
               "'home' and 'other'.")
          .multi()
          .subs({
              attr_def("value", T::string,
                       "One email address of the user, preferably in canonical form (e.g., "
                       "'bjensen@example.com', not 'bjensen@EXAMPLE.COM')."),
              mv_display(),
              attr_def("type", T::string,
                       "What the address is used for, e.g., 'work' or 'home'.")
                  .canonical({"work", "home", "other"}),
              mv_primary("Marks the user's preferred email address; at most one value may have "
                         "primary set to true."),
          }));
  attrs.push_back(
      attr_def("phoneNumbers", T::complex,
               "The user's phone numbers, which the service provider should keep in canonical RFC 3966 "
               "form, e.g., 'tel:+1-201-555-0123'.  Canonical types: 'work', 'home', 'mobile', 'fax', "
               "'pager' and 'other'.")
          .multi()
          .subs({
              attr_def("value", T::string, "One phone number of the user."),
              mv_display(),
              attr_def("type", T::string,
                       "What the number is used for, e.g., 'work', 'home' or 'mobile'.")
                  .canonical({"work", "home", "mobile", "fax", "pager", "other"}),
              mv_primary("Marks the user's preferred phone number; at most one value may have "
                         "primary set to true."),
          }));
  attrs.push_back(
      attr_def("ims", T::complex, "The user's instant messaging addresses.")
          .multi()
          .subs({
              attr_def("value", T::string, "One instant messaging address of the user."),
              mv_display(),
              attr_def("type", T::string,
                       "The messaging service the address belongs to, e.g., 'aim', 'gtalk' or 'xmpp'.")
                  .canonical({"aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"}),
              mv_primary("Marks the user's preferred messaging address; at most one value may have "
                         "primary set to true."),
          }));
  attrs.push_back(
      attr_def("photos", T::complex, "URLs of pictures of the user.")
          .multi()
          .subs({
              attr_def("value", T::reference, "URL of one picture of the user.").refs({"external"}),
              mv_display(),
              attr_def("type", T::string,
                       "The kind of picture: 'photo' or 'thumbnail'.")
                  .canonical({"photo", "thumbnail"}),
              mv_primary("Marks the user's preferred picture; at most one value may have primary set "
                         "to true."),
          }));
  // Section 8.7.1 lists no "primary" (nor "display") sub-attribute for
  // addresses, although section 4.1.2 and the section 8.2 example use
  // "primary" (and Okta sends it). "primary" is added, as the typed
  // scim::address carries it; "display" stays out as published.
  attrs.push_back(
      attr_def("addresses", T::complex,
               "The user's physical mailing addresses, each split into the sub-attributes below.  "
               "Canonical types: 'work', 'home' and 'other'.")
          .multi()
          .subs({
              attr_def("formatted", T::string,
                       "The whole address laid out for display or for a mailing label; line breaks "
                       "are allowed."),
              attr_def("streetAddress", T::string,
                       "The street part of the address: house number, street name, P.O. box and any "
                       "further street lines; line breaks are allowed."),
              attr_def("locality", T::string, "The city or locality."),
              attr_def("region", T::string, "The state or region."),
              attr_def("postalCode", T::string, "The ZIP or postal code."),
              attr_def("country", T::string, "The country."),
              attr_def("type", T::string,
                       "What the address is used for, e.g., 'work' or 'home'.")
                  .canonical({"work", "home", "other"}),
              mv_primary(primary_once),
          }));
  attrs.push_back(
      attr_def("groups", T::complex,
               "The groups the user is a member of, whether directly, through nested groups, or by "
               "dynamic calculation.")
          .multi()
          .subs({
              attr_def("value", T::string, "The id of a group the user belongs to."),
              attr_def("$ref", T::reference,
                       "URI of the Group resource the user belongs to.")
                  .refs({"User", "Group"}),
              attr_def("display", T::string,
                       "Human-readable name of the group, for showing to people; read-only."),
              attr_def("type", T::string,
                       "How the user belongs to the group, e.g., 'direct' or 'indirect'.")
                  .canonical({"direct", "indirect"}),
          })
          .all_mutability(attribute_mutability::read_only));
  attrs.push_back(
      attr_def("entitlements", T::complex,
               "The user's entitlements, each standing for something the user has.")
          .multi()
          .subs({
              attr_def("value", T::string, "The entitlement."),
              mv_display(),
              attr_def("type", T::string, "A label saying what this value is used for."),
              mv_primary(primary_once),
          }));
  attrs.push_back(
      attr_def("roles", T::complex,
               "The user's roles, which together describe who the user is, e.g., 'Student' or "
               "'Faculty'.")
          .multi()
          .subs({
              attr_def("value", T::string, "The role."),
              mv_display(),
              attr_def("type", T::string, "A label saying what this value is used for."),
              mv_primary(primary_once),
          }));
  attrs.push_back(
      attr_def("x509Certificates", T::complex, "Certificates issued to the user.")
          .multi()
          .subs({
              attr_def("value", T::binary, "One X.509 certificate."),
              mv_display(),
              attr_def("type", T::string, "A label saying what this value is used for."),
              mv_primary(primary_once),
          }));
  return make_schema(urn::user, "User", "An account of a person at the service provider.", std::move(attrs));
}

inline schema build_group_schema() {
  using T = attribute_type;
  std::vector<attribute> attrs;
  // Erratum 5368: section 4.2 calls displayName REQUIRED, but the 8.7.1
  // listing says "required": false. The erratum (and every major IdP, which
  // looks groups up by displayName) makes it required.
  attrs.push_back(
      attr_def("displayName", T::string, "Human-readable name of the group.  Required.").required());
  attrs.push_back(
      attr_def("members", T::complex, "The group's members.")
          .multi()
          .subs({
              attr_def("value", T::string, "The id of one member of the group.").immutable(),
              attr_def("$ref", T::reference,
                       "URI of the SCIM resource that is the member.")
                  .refs({"User", "Group"})
                  .immutable(),
              // Not in the 8.7.1 listing; section 4.2 says the sub-attributes of
              // members are immutable and its examples carry "display".
              attr_def("display", T::string,
                       "Human-readable name of the member, for showing to people; read-only.")
                  .immutable(),
              attr_def("type", T::string, "The member's resource type, e.g., 'User' or 'Group'.")
                  .canonical({"User", "Group"})
                  .immutable(),
          }));
  return make_schema(urn::group, "Group", "A named collection of members (users or other groups).",
                     std::move(attrs));
}

inline schema build_enterprise_user_schema() {
  using T = attribute_type;
  std::vector<attribute> attrs;
  attrs.push_back(attr_def("employeeNumber", T::string,
                           "A numeric or alphanumeric identifier the organization gives the person, "
                           "usually reflecting hiring order or affiliation."));
  attrs.push_back(attr_def("costCenter", T::string, "Name of the cost center."));
  attrs.push_back(attr_def("organization", T::string, "Name of the organization."));
  attrs.push_back(attr_def("division", T::string, "Name of the division."));
  attrs.push_back(attr_def("department", T::string, "Name of the department."));
  // manager.value and manager.$ref say "REQUIRED." in their descriptions but
  // "required": false in the listing; the listing is kept (section 4.3 only
  // recommends them, and IdPs clear a manager by sending an empty value).
  attrs.push_back(
      attr_def("manager", T::complex,
               "The user's manager.  Lets a service provider model the reporting hierarchy by pointing "
               "at the 'id' of another User; optional.")
          .subs({
              attr_def("value", T::string,
                       "The id of the SCIM resource for the user's manager.  Required."),
              attr_def("$ref", T::reference,
                       "URI of the SCIM resource for the user's manager.  Required.")
                  .refs({"User"}),
              attr_def("displayName", T::string,
                       "The manager's displayName.  Optional and read-only.")
                  .read_only(),
          }));
  return make_schema(urn::enterprise_user, "EnterpriseUser", "Enterprise attributes added to a User.",
                     std::move(attrs));
}

// The sub-attributes describing one attribute definition (section 7), used at
// two levels of the Schema schema.
inline std::vector<attribute> attribute_definition_subs(bool with_sub_attributes) {
  using T = attribute_type;
  std::vector<attribute> subs{
      attr_def("name", T::string, "Name of the attribute.").required().case_exact(),
      // "binary" is missing from the published list although section 2.3.6
      // defines it and User.x509Certificates.value uses it; it is added.
      attr_def("type", T::string,
               "Data type of the attribute: 'string', 'complex', 'boolean', 'decimal', 'integer', "
               "'dateTime', 'reference' or 'binary'.")
          .required()
          .canonical({"string", "complex", "boolean", "decimal", "integer", "dateTime", "reference",
                      "binary"}),
      attr_def("multiValued", T::boolean, "Whether the attribute can hold more than one value.")
          .required(),
      attr_def("description", T::string, "Human-readable explanation of the attribute.").case_exact(),
      attr_def("required", T::boolean,
               "Whether the attribute must be present."),
      attr_def("canonicalValues", T::string,
               "The standard values suggested for the attribute, e.g., 'work' and 'home'; service "
               "providers must list them where they apply.")
          .multi()
          .case_exact(),
      attr_def("caseExact", T::boolean,
               "Whether comparisons of a string attribute are case-sensitive."),
      attr_def("mutability", T::string, "Whether, and when, the attribute may be changed.")
          .case_exact()
          .canonical({"readOnly", "readWrite", "immutable", "writeOnly"}),
      attr_def("returned", T::string, "When the attribute is included in a response, e.g., to a query.")
          .case_exact()
          .canonical({"always", "never", "default", "request"}),
      attr_def("uniqueness", T::string, "The scope within which a value must be unique.")
          .case_exact()
          .canonical({"none", "server", "global"}),
      // The published listing makes the nested referenceTypes single-valued
      // but the top-level one multi-valued; it is a list at both levels.
      attr_def("referenceTypes", T::string,
               "For attributes of type 'reference' only: the SCIM resource types the reference may "
               "point to, e.g., 'User'.")
          .multi()
          .case_exact(),
  };
  if (with_sub_attributes) {
    subs.push_back(attr_def("subAttributes", T::complex,
                            "Definitions of the sub-attributes of a complex attribute.")
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
               "The URI that uniquely identifies the schema; service providers must supply it where "
               "applicable.")
          .required()
          .read_only(),
      attr_def("name", T::string,
               "Human-readable name of the schema, e.g., 'User'; service providers must supply it "
               "where applicable.")
          .required()
          .read_only(),
      // The published description repeats the one of "name"; section 7 text used.
      attr_def("description", T::string,
               "Human-readable description of the schema; service providers must supply it where "
               "applicable.")
          .read_only(),
      attr_def("attributes", T::complex, "Definitions of the attributes that make up the schema.")
          .multi()
          .required()
          .read_only()
          .subs(attribute_definition_subs(true)),
  };
  return make_schema(urn::schema, "Schema", "Describes the structure of a SCIM schema definition.",
                     std::move(attrs));
}

inline schema build_resource_type_schema() {
  using T = attribute_type;
  std::vector<attribute> attrs{
      attr_def("id", T::string,
               "Identifier of the resource type, unique on the server; it may equal 'name'.")
          .read_only(),
      attr_def("name", T::string,
               "Name of the resource type, e.g., 'User'; service providers must supply it where "
               "applicable.")
          .required()
          .read_only(),
      attr_def("description", T::string,
               "Human-readable description of the resource type; service providers must supply it "
               "where applicable.")
          .read_only(),
      attr_def("endpoint", T::reference,
               "Path of the resource type's HTTP endpoint, relative to the base URL, e.g., '/Users'.")
          .refs({"uri"})
          .required()
          .read_only(),
      attr_def("schema", T::reference, "URI of the resource type's main (base) schema.")
          .refs({"uri"})
          .required()
          .read_only(),
      // Published as single-valued and required; section 6 describes "a list
      // of URIs" that is OPTIONAL (the Group resource type has none), so it is
      // multi-valued and optional here.
      attr_def("schemaExtensions", T::complex, "The schema extensions used by the resource type.")
          .multi()
          .subs({
              attr_def("schema", T::reference, "URI of one schema extension.").refs({"uri"}).required(),
              attr_def("required", T::boolean,
                       "Whether resources of this type must carry the extension.  When true, each "
                       "resource needs the extension and all of its required attributes; when false, "
                       "the extension may be left out.")
                  .required(),
          })
          .all_mutability(attribute_mutability::read_only),
  };
  return make_schema(urn::resource_type, "ResourceType",
                     "Describes the structure of a SCIM resource type definition.", std::move(attrs));
}

inline attribute supported_flag() {
  return attr_def("supported", attribute_type::boolean,
                  "Whether the service provider supports the feature.")
      .required();
}

inline schema build_service_provider_config_schema() {
  using T = attribute_type;
  std::vector<attribute> attrs{
      attr_def("documentationUri", T::reference,
               "URL of the service provider's help documentation for people.")
          .refs({"external"}),
      attr_def("patch", T::complex, "Settings for the PATCH operation.")
          .required()
          .subs({supported_flag()}),
      attr_def("bulk", T::complex, "Settings for bulk operations.")
          .required()
          .subs({
              supported_flag(),
              attr_def("maxOperations", T::integer,
                       "Largest number of operations allowed in one bulk request.")
                  .required(),
              attr_def("maxPayloadSize", T::integer,
                       "Largest bulk request payload allowed, in bytes.")
                  .required(),
          }),
      attr_def("filter", T::complex, "Settings for filtering.")
          .required()
          .subs({
              supported_flag(),
              attr_def("maxResults", T::integer,
                       "Largest number of resources returned in one response.")
                  .required(),
          }),
      attr_def("changePassword", T::complex,
               "Settings for changing passwords.")
          .required()
          .subs({supported_flag()}),
      attr_def("sort", T::complex, "Settings for sorting results.")
          .required()
          .subs({supported_flag()}),
      // "etag" is defined (REQUIRED) by section 5 but missing from the 8.7.2
      // listing; it is added.
      attr_def("etag", T::complex, "Settings for ETag support.")
          .required()
          .subs({supported_flag()}),
      attr_def("authenticationSchemes", T::complex,
               "The authentication schemes the service provider supports, with their details.")
          .multi()
          .required()
          .subs({
              // "type" is defined (REQUIRED) by section 5 but missing from the
              // 8.7.2 listing; it is added, as is the "primary" flag that the
              // section 8.5 example uses.
              attr_def("type", T::string,
                       "Kind of authentication scheme; RFC 7643 defines 'oauth', 'oauth2', "
                       "'oauthbearertoken', 'httpbasic' and 'httpdigest'.")
                  .required()
                  .canonical({"oauth", "oauth2", "oauthbearertoken", "httpbasic", "httpdigest"}),
              attr_def("name", T::string, "Common name of the scheme, e.g., 'HTTP Basic'.")
                  .required(),
              attr_def("description", T::string, "Description of the scheme.").required(),
              attr_def("specUri", T::reference,
                       "URL of the scheme's specification.")
                  .refs({"external"}),
              attr_def("documentationUri", T::reference,
                       "URL of documentation on using the scheme.")
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
                     "Describes a service provider's configuration and supported features.",
                     std::move(attrs));
}

inline std::vector<attribute> build_common_attributes() {
  using T = attribute_type;
  std::vector<attribute> attrs;
  // id: REQUIRED in every representation (section 3.1), but readOnly, so it
  // is a response-side requirement: clients never send it (RFC 7643 section 7
  // says readOnly values in requests are ignored).
  attrs.push_back(attr_def("id", T::string,
                           "Identifier of the resource, assigned by the service provider.  Required.")
                      .required()
                      .case_exact()
                      .read_only()
                      .returned(attribute_returned::always)
                      .uniqueness(attribute_uniqueness::server));
  attrs.push_back(attr_def("externalId", T::string,
                           "Identifier of the resource, assigned by the provisioning client.  Optional.")
                      .case_exact());
  attrs.push_back(
      attr_def("meta", T::complex, "Metadata about the resource.  Read-only.")
          .subs({
              attr_def("resourceType", T::string, "Name of the resource's resource type.")
                  .case_exact(),
              attr_def("created", T::date_time, "When the resource was added to the service provider."),
              attr_def("lastModified", T::date_time,
                       "When the resource was last changed at the service provider."),
              attr_def("location", T::reference, "URI of the resource.").refs({"uri"}),
              attr_def("version", T::string, "Version of the resource.").case_exact(),
          })
          .all_mutability(attribute_mutability::read_only));
  // schemas: section 3 requires a non-empty array of schema URIs in every
  // representation; URIs compare case-exactly.
  attrs.push_back(attr_def("schemas", T::reference,
                           "URIs of the SCIM schemas that define the attributes in this JSON object.  "
                           "Required.")
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
