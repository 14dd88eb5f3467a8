// scimpp: the attribute mappings JumpCloud uses with the 1Password SCIM
// bridge (the "Attribute Mappings" table of the integration document), as
// scim::mapping::mapping_traits for the snapshot types of
// scim/jumpcloud/model.hpp.
//
// System user -> SCIM User (urn:ietf:params:scim:schemas:core:2.0:User):
//   email                       -> userName and emails[type eq "work"].value
//                                  (the work email is the primary one)
//   firstname                   -> name.givenName
//   lastname                    -> name.familyName
//   suspended                   -> active (negated: a suspended user is inactive)
//   display_name(first, last)   -> displayName and name.formatted (written only:
//                                  1Password's "firstname lastname" rule,
//                                  scim/onepassword/naming.hpp)
// Reading a User back (manual import): userName gives the email, or the work
// email when userName is absent. JumpCloud's `id` and `username` are not
// mapped: the document sends the company email as userName.
//
// User group -> SCIM Group (urn:ietf:params:scim:schemas:core:2.0:Group):
//   name                        -> displayName
// Membership is not part of the mapping: group members are SCIM ids, which
// only the planner knows (it maps JumpCloud ids to service-provider ids).
//
//   scim::json body = scim::mapping::to_scim(user);                 // POST /Users
//   auto ops = scim::mapping::diff(before, after);                 // PATCH /Users/{id}
//   auto imported = scim::mapping::from_scim<scim::jumpcloud::system_user>(resource);
#pragma once

#include "scim/config.hpp"
#include "scim/json.hpp"
#include "scim/jumpcloud/model.hpp"
#include "scim/mapping/diff.hpp"
#include "scim/mapping/mapping.hpp"
#include "scim/mapping/value_traits.hpp"
#include "scim/onepassword/naming.hpp"
#include "scim/schema/urns.hpp"

#include <string>
#include <string_view>
#include <tuple>

SCIM_BEGIN_NAMESPACE
namespace jumpcloud {

/// The path of a system user's company email among the SCIM emails.
inline constexpr std::string_view work_email_path = R"(emails[type eq "work"].value)";

/// 1Password's display name of a system user: "firstname lastname".
struct display_name_of {
  std::string operator()(const system_user& u) const { return onepassword::display_name(u.firstname, u.lastname); }
};

}  // namespace jumpcloud

namespace mapping {

template <>
struct mapping_traits<jumpcloud::system_user> {
  static constexpr std::string_view schema_urn = urn::user;
  static constexpr auto fields = std::make_tuple(
      field({"userName", jumpcloud::work_email_path}, &jumpcloud::system_user::email).primary(),
      field("name.givenName", &jumpcloud::system_user::firstname),
      field("name.familyName", &jumpcloud::system_user::lastname),
      computed({"displayName", "name.formatted"}, jumpcloud::display_name_of{}),
      field("active", &jumpcloud::system_user::suspended, negate));
};

template <>
struct mapping_traits<jumpcloud::user_group> {
  static constexpr std::string_view schema_urn = urn::group;
  static constexpr auto fields = std::make_tuple(field("displayName", &jumpcloud::user_group::name));
};

}  // namespace mapping
SCIM_END_NAMESPACE
