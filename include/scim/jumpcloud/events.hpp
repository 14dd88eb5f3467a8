// scimpp: JumpCloud Directory Insights (DI) events of a provisioning run.
//
// The JumpCloud ⇄ 1Password document lists the DI events JumpCloud logs for a
// SCIM Identity Management integration; the planner (scim/jumpcloud/planner.hpp)
// emits one scim::jumpcloud::event per attempt with exactly those names:
//
//   integration  idm_integration_activate  idm_integration_update
//                idm_integration_reauth    idm_integration_delete
//   users        user_create_provision     user_update_provision
//                user_deprovision          user_delete_provision
//                user_lookup_provision
//   groups       group_create_provision    group_update_provision
//                group_delete_provision
//
// An event says whether the attempt succeeded, which JumpCloud object and
// which SCIM resource it concerned, the request that was sent and, on
// failure, the HTTP status and the service provider's error detail and
// scimType (from its SCIM Error body). A request answered with 429 or a
// retryable 5xx is one failed event with `will_retry` set; its retry is
// another event. `to_json` renders an event the way a log line wants it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scim/config.hpp"
#include "scim/json.hpp"

SCIM_BEGIN_NAMESPACE
namespace jumpcloud {

/// The Directory Insights event names of the document, one enumerator each.
enum class event_type : std::uint8_t {
  idm_integration_activate,
  idm_integration_update,
  idm_integration_reauth,
  idm_integration_delete,
  user_create_provision,
  user_update_provision,
  user_deprovision,
  user_delete_provision,
  user_lookup_provision,
  group_create_provision,
  group_update_provision,
  group_delete_provision,
};

/// The event's exact DI name ("user_create_provision", ...).
constexpr std::string_view to_string(event_type t) noexcept {
  switch (t) {
    case event_type::idm_integration_activate: return "idm_integration_activate";
    case event_type::idm_integration_update: return "idm_integration_update";
    case event_type::idm_integration_reauth: return "idm_integration_reauth";
    case event_type::idm_integration_delete: return "idm_integration_delete";
    case event_type::user_create_provision: return "user_create_provision";
    case event_type::user_update_provision: return "user_update_provision";
    case event_type::user_deprovision: return "user_deprovision";
    case event_type::user_delete_provision: return "user_delete_provision";
    case event_type::user_lookup_provision: return "user_lookup_provision";
    case event_type::group_create_provision: return "group_create_provision";
    case event_type::group_update_provision: return "group_update_provision";
    case event_type::group_delete_provision: return "group_delete_provision";
  }
  return "";
}

/// Parses a DI event name (exact spelling); nullopt when unknown.
constexpr std::optional<event_type> event_type_from_string(std::string_view s) noexcept {
  for (int i = 0; i <= static_cast<int>(event_type::group_delete_provision); ++i) {
    const auto t = static_cast<event_type>(i);
    if (to_string(t) == s) return t;
  }
  return std::nullopt;
}

/// One attempt, as Directory Insights records it.
struct event {
  event_type type = event_type::user_update_provision;
  bool success = true;
  /// The JumpCloud system user or user group id (empty for integration
  /// events and for the connection test's user and group).
  std::string jumpcloud_id{};
  /// The SCIM resource id, when known (a successful create reports the new id).
  std::string scim_id{};
  /// The user's userName (email) or the group's displayName.
  std::string name{};
  /// The request attempted ("POST", "/scim/v2/Users"); empty when the event
  /// sums up several requests (integration events) or none was sent.
  std::string method{};
  std::string path{};
  /// The response status (0 when there was none).
  int status = 0;
  /// Failure: the service provider's `detail` (or the planner's own reason).
  std::string detail{};
  /// Failure: the service provider's `scimType`, when it sent one.
  std::string scim_type{};
  /// 1 for the first attempt of a request, 2 for its first retry, ...
  unsigned attempt = 1;
  /// The request is sent again after a delay (429, retryable 5xx).
  bool will_retry = false;
  /// Updates: the attribute paths sent ("name.familyName", "members", ...).
  std::vector<std::string> changed{};
};

/// {"event": "user_create_provision", "success": true, "jumpcloudId": ..., ...};
/// empty fields are left out.
inline void to_json(json& j, const event& e) {
  j = json::object();
  j["event"] = std::string(to_string(e.type));
  j["success"] = e.success;
  if (!e.jumpcloud_id.empty()) j["jumpcloudId"] = e.jumpcloud_id;
  if (!e.scim_id.empty()) j["scimId"] = e.scim_id;
  if (!e.name.empty()) j["name"] = e.name;
  if (!e.method.empty()) j["method"] = e.method;
  if (!e.path.empty()) j["path"] = e.path;
  if (e.status != 0) j["status"] = e.status;
  if (!e.detail.empty()) j["detail"] = e.detail;
  if (!e.scim_type.empty()) j["scimType"] = e.scim_type;
  if (e.attempt != 1) j["attempt"] = e.attempt;
  if (e.will_retry) j["willRetry"] = true;
  if (!e.changed.empty()) j["changed"] = e.changed;
}

}  // namespace jumpcloud
SCIM_END_NAMESPACE
