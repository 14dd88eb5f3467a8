// scimpp: the JumpCloud side of a provisioning run, as plain data.
//
// A snapshot of what JumpCloud knows (system users with their properties and
// state, user groups with their members, which users and groups are bound to
// the application, whether group management is enabled). The planner
// (scim/jumpcloud/planner.hpp) turns a snapshot plus the state saved by the
// previous run into SCIM requests; the mapping (scim/jumpcloud/mapping.hpp)
// says how a system user and a user group become SCIM resources.
#pragma once

#include <string>
#include <vector>

#include "scim/config.hpp"

SCIM_BEGIN_NAMESPACE
namespace jumpcloud {

/// A JumpCloud system user (the properties the 1Password connector uses).
struct system_user {
  /// JumpCloud's object id.
  std::string id;
  /// JumpCloud `username`.
  std::string username;
  /// Company email (`email`): becomes SCIM `userName` and the work email.
  std::string email;
  std::string firstname;
  std::string lastname;
  /// JumpCloud `suspended`: a suspended user is deprovisioned (active=false).
  bool suspended = false;

  friend bool operator==(const system_user&, const system_user&) = default;
};

/// A JumpCloud user group.
struct user_group {
  std::string id;
  /// `name`: becomes SCIM `displayName`.
  std::string name;
  /// Ids of the system users in the group.
  std::vector<std::string> member_ids;

  friend bool operator==(const user_group&, const user_group&) = default;
};

/// What JumpCloud knows at the start of a run.
struct snapshot {
  std::vector<system_user> users;
  std::vector<user_group> groups;
  /// Users bound to the application directly.
  std::vector<std::string> bound_user_ids;
  /// User groups associated with (bound to) the application.
  std::vector<std::string> bound_group_ids;
  /// "Enable management of User Groups and Group Membership in this application".
  bool group_management = true;
};

}  // namespace jumpcloud
SCIM_END_NAMESPACE
