// scimpp: the complex (mostly multi-valued) sub-attribute types of the core
// User and Group schemas (RFC 7643 sections 2.4, 4.1.2, 4.2 and 8.7.1).
#pragma once

#include "scim/config.hpp"
#include "scim/resource/traits.hpp"

#include <optional>
#include <string>
#include <tuple>

SCIM_BEGIN_NAMESPACE

// The generic multi-valued attributes share the sub-attributes value,
// display, type and primary (RFC 7643 section 2.4).

/// An entry of User `emails`.
struct email {
  std::optional<std::string> value{};
  std::optional<std::string> display{};
  std::optional<std::string> type{};  ///< "work", "home", "other"
  std::optional<bool> primary{};
  friend bool operator==(const email&, const email&) = default;
};

/// An entry of User `phoneNumbers`.
struct phone_number {
  std::optional<std::string> value{};
  std::optional<std::string> display{};
  std::optional<std::string> type{};  ///< "work", "home", "mobile", "fax", "pager", "other"
  std::optional<bool> primary{};
  friend bool operator==(const phone_number&, const phone_number&) = default;
};

/// An entry of User `ims` (instant messaging addresses).
struct im {
  std::optional<std::string> value{};
  std::optional<std::string> display{};
  std::optional<std::string> type{};  ///< "aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"
  std::optional<bool> primary{};
  friend bool operator==(const im&, const im&) = default;
};

/// An entry of User `photos`; `value` is a URL.
struct photo {
  std::optional<std::string> value{};
  std::optional<std::string> display{};
  std::optional<std::string> type{};  ///< "photo", "thumbnail"
  std::optional<bool> primary{};
  friend bool operator==(const photo&, const photo&) = default;
};

/// An entry of User `addresses`.
struct address {
  std::optional<std::string> formatted{};
  std::optional<std::string> street_address{};  ///< streetAddress
  std::optional<std::string> locality{};
  std::optional<std::string> region{};
  std::optional<std::string> postal_code{};  ///< postalCode
  std::optional<std::string> country{};      ///< ISO 3166-1 alpha-2
  std::optional<std::string> type{};         ///< "work", "home", "other"
  std::optional<bool> primary{};
  friend bool operator==(const address&, const address&) = default;
};

/// An entry of User `groups` (read-only: the groups the user belongs to).
struct group_ref {
  std::string value{};               ///< the group's id
  std::optional<std::string> ref{};  ///< $ref: the group's URI
  std::optional<std::string> display{};
  std::optional<std::string> type{};  ///< "direct", "indirect"
  friend bool operator==(const group_ref&, const group_ref&) = default;
};

/// An entry of User `entitlements`.
struct entitlement {
  std::optional<std::string> value{};
  std::optional<std::string> display{};
  std::optional<std::string> type{};
  std::optional<bool> primary{};
  friend bool operator==(const entitlement&, const entitlement&) = default;
};

/// An entry of User `roles`.
struct role {
  std::optional<std::string> value{};
  std::optional<std::string> display{};
  std::optional<std::string> type{};
  std::optional<bool> primary{};
  friend bool operator==(const role&, const role&) = default;
};

/// An entry of User `x509Certificates`; `value` is the base64 DER certificate.
struct x509_certificate {
  std::optional<std::string> value{};
  std::optional<std::string> display{};
  std::optional<std::string> type{};
  std::optional<bool> primary{};
  friend bool operator==(const x509_certificate&, const x509_certificate&) = default;
};

/// An entry of Group `members`.
struct member {
  std::string value{};               ///< the member's id
  std::optional<std::string> ref{};  ///< $ref: the member's URI
  std::optional<std::string> display{};
  std::optional<std::string> type{};  ///< "User", "Group"
  friend bool operator==(const member&, const member&) = default;
};

namespace detail {
template <class T>
constexpr auto generic_multi_valued_fields() {
  return std::make_tuple(field("value", &T::value), field("display", &T::display), field("type", &T::type),
                         field("primary", &T::primary));
}
template <class T>
constexpr auto reference_fields() {
  return std::make_tuple(field("value", &T::value), field("$ref", &T::ref), field("display", &T::display),
                         field("type", &T::type));
}
}  // namespace detail

template <>
struct resource_traits<email> {
  static constexpr auto fields = detail::generic_multi_valued_fields<email>();
};
template <>
struct resource_traits<phone_number> {
  static constexpr auto fields = detail::generic_multi_valued_fields<phone_number>();
};
template <>
struct resource_traits<im> {
  static constexpr auto fields = detail::generic_multi_valued_fields<im>();
};
template <>
struct resource_traits<photo> {
  static constexpr auto fields = detail::generic_multi_valued_fields<photo>();
};
template <>
struct resource_traits<entitlement> {
  static constexpr auto fields = detail::generic_multi_valued_fields<entitlement>();
};
template <>
struct resource_traits<role> {
  static constexpr auto fields = detail::generic_multi_valued_fields<role>();
};
template <>
struct resource_traits<x509_certificate> {
  static constexpr auto fields = detail::generic_multi_valued_fields<x509_certificate>();
};
template <>
struct resource_traits<address> {
  static constexpr auto fields = std::make_tuple(
      field("formatted", &address::formatted), field("streetAddress", &address::street_address),
      field("locality", &address::locality), field("region", &address::region),
      field("postalCode", &address::postal_code), field("country", &address::country),
      field("type", &address::type), field("primary", &address::primary));
};
template <>
struct resource_traits<group_ref> {
  static constexpr auto fields = detail::reference_fields<group_ref>();
};
template <>
struct resource_traits<member> {
  static constexpr auto fields = detail::reference_fields<member>();
};

SCIM_END_NAMESPACE
