// scimpp: the typed User resource (RFC 7643 section 4.1), templated on the
// schema extensions it carries.
#pragma once

#include "scim/config.hpp"
#include "scim/json.hpp"
#include "scim/resource/enterprise_user.hpp"
#include "scim/resource/meta.hpp"
#include "scim/resource/multi_valued.hpp"
#include "scim/resource/traits.hpp"
#include "scim/schema/urns.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

SCIM_BEGIN_NAMESPACE

/// The components of a user's name (User `name`).
struct name {
  std::optional<std::string> formatted{};
  std::optional<std::string> family_name{};       ///< familyName
  std::optional<std::string> given_name{};        ///< givenName
  std::optional<std::string> middle_name{};       ///< middleName
  std::optional<std::string> honorific_prefix{};  ///< honorificPrefix
  std::optional<std::string> honorific_suffix{};  ///< honorificSuffix
  friend bool operator==(const name&, const name&) = default;
};

template <>
struct resource_traits<name> {
  static constexpr auto fields = std::make_tuple(
      field("formatted", &name::formatted), field("familyName", &name::family_name),
      field("givenName", &name::given_name), field("middleName", &name::middle_name),
      field("honorificPrefix", &name::honorific_prefix), field("honorificSuffix", &name::honorific_suffix));
};

/// A User with every core attribute of RFC 7643 section 4.1 and the schema
/// extensions `Extensions...` (each a described type with a schema_urn), held
/// as plain members for fast access. Attributes the type does not know, and
/// extension objects of other schemas, are kept in `extra`.
template <class... Extensions>
struct basic_user {
  /// The schema URNs the resource was received with; on output the core
  /// schema and every present extension are added.
  std::vector<std::string> schemas{};
  std::string id{};
  std::optional<std::string> external_id{};  ///< externalId
  std::optional<scim::meta> meta{};
  std::string user_name{};  ///< userName
  std::optional<scim::name> name{};
  std::optional<std::string> display_name{};  ///< displayName
  std::optional<std::string> nick_name{};     ///< nickName
  std::optional<std::string> profile_url{};   ///< profileUrl
  std::optional<std::string> title{};
  std::optional<std::string> user_type{};           ///< userType
  std::optional<std::string> preferred_language{};  ///< preferredLanguage
  std::optional<std::string> locale{};
  std::optional<std::string> timezone{};
  std::optional<bool> active{};
  std::optional<std::string> password{};  ///< write-only: never returned by a service provider
  std::vector<email> emails{};
  std::vector<phone_number> phone_numbers{};  ///< phoneNumbers
  std::vector<im> ims{};
  std::vector<photo> photos{};
  std::vector<address> addresses{};
  std::vector<group_ref> groups{};  ///< read-only: the groups the user belongs to
  std::vector<entitlement> entitlements{};
  std::vector<role> roles{};
  std::vector<x509_certificate> x509_certificates{};  ///< x509Certificates
  /// One slot per extension; engaged when the resource carries it.
  std::tuple<std::optional<Extensions>...> extensions{};
  /// Side-car JSON object for attributes the type does not know.
  json extra{};

  /// The extension E when present, else nullptr.
  template <class E>
  E* extension() noexcept {
    auto& slot = extension_slot_of<E>(extensions);
    return slot ? &*slot : nullptr;
  }
  template <class E>
  const E* extension() const noexcept {
    const auto& slot = extension_slot_of<E>(extensions);
    return slot ? &*slot : nullptr;
  }
  /// The extension E, engaged (empty) first when absent.
  template <class E>
  E& ensure_extension() {
    auto& slot = extension_slot_of<E>(extensions);
    if (!slot) slot.emplace();
    return *slot;
  }
  /// Removes the extension E (it is then neither encoded nor listed in schemas).
  template <class E>
  void remove_extension() noexcept {
    extension_slot_of<E>(extensions).reset();
  }

  friend bool operator==(const basic_user&, const basic_user&) = default;
};

template <class... Extensions>
struct resource_traits<basic_user<Extensions...>> {
 private:
  using resource = basic_user<Extensions...>;

 public:
  static constexpr std::string_view schema_urn = urn::user;
  static constexpr auto schemas = &resource::schemas;
  static constexpr auto extra = &resource::extra;
  static constexpr auto fields = std::tuple_cat(
      std::make_tuple(field("schemas", &resource::schemas), field("id", &resource::id),
                      field("externalId", &resource::external_id),
                      field("meta", &resource::meta), field("userName", &resource::user_name),
                      field("name", &resource::name), field("displayName", &resource::display_name),
                      field("nickName", &resource::nick_name), field("profileUrl", &resource::profile_url),
                      field("title", &resource::title), field("userType", &resource::user_type),
                      field("preferredLanguage", &resource::preferred_language),
                      field("locale", &resource::locale), field("timezone", &resource::timezone),
                      field("active", &resource::active), field("password", &resource::password),
                      field("emails", &resource::emails), field("phoneNumbers", &resource::phone_numbers),
                      field("ims", &resource::ims), field("photos", &resource::photos),
                      field("addresses", &resource::addresses), field("groups", &resource::groups),
                      field("entitlements", &resource::entitlements), field("roles", &resource::roles),
                      field("x509Certificates", &resource::x509_certificates)),
      extension_fields<Extensions...>());
};

/// A User with only the core schema.
using core_user = basic_user<>;
/// The User resource type as RFC 7643 defines it: core schema plus the
/// enterprise extension.
using user = basic_user<enterprise_user>;

SCIM_END_NAMESPACE
