// scimpp: the Enterprise User schema extension (RFC 7643 section 4.3).
#pragma once

#include "scim/config.hpp"
#include "scim/resource/traits.hpp"
#include "scim/schema/urns.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <tuple>

SCIM_BEGIN_NAMESPACE

/// The user's manager: a reference to another User.
struct manager {
  std::optional<std::string> value{};         ///< the manager's id
  std::optional<std::string> ref{};           ///< $ref: the manager's URI
  std::optional<std::string> display_name{};  ///< displayName (read-only)
  friend bool operator==(const manager&, const manager&) = default;
};

/// urn:ietf:params:scim:schemas:extension:enterprise:2.0:User
struct enterprise_user {
  std::optional<std::string> employee_number{};  ///< employeeNumber
  std::optional<std::string> cost_center{};      ///< costCenter
  std::optional<std::string> organization{};
  std::optional<std::string> division{};
  std::optional<std::string> department{};
  std::optional<scim::manager> manager{};
  friend bool operator==(const enterprise_user&, const enterprise_user&) = default;
};

template <>
struct resource_traits<manager> {
  static constexpr auto fields =
      std::make_tuple(field("value", &manager::value), field("$ref", &manager::ref),
                      field("displayName", &manager::display_name));
};

template <>
struct resource_traits<enterprise_user> {
  static constexpr std::string_view schema_urn = urn::enterprise_user;
  static constexpr auto fields = std::make_tuple(
      field("employeeNumber", &enterprise_user::employee_number),
      field("costCenter", &enterprise_user::cost_center),
      field("organization", &enterprise_user::organization), field("division", &enterprise_user::division),
      field("department", &enterprise_user::department), field("manager", &enterprise_user::manager));
};

SCIM_END_NAMESPACE
