// scimpp: the application's hooks into the service provider
// (scim/service/service.hpp): authentication, events, and the policy that
// decides what a write means (the 1Password rules plug in here).
//
// Authentication. service_options::authenticate receives the Authorization
// header (nullopt when absent) and returns the caller's principal, or nullopt
// to refuse: the service answers 401 with a SCIM Error body and
// `WWW-Authenticate: Bearer`. Without an authenticator every request is
// served (tests, or a transport that authenticates itself). Endpoints listed
// in service_options::public_endpoints ("ServiceProviderConfig", ...) are
// served without asking.
//
// Events. service_options::events receives one scim::service::event per
// change the service attempted: resources created, updated, deactivated
// (`active` went from true to false), reactivated, deleted, and one event per
// member added to or removed from a group (from the PATCH change set, or the
// difference between old and new member lists of a PUT). Failed writes are
// reported too, with the error. The sink is called after the store's write
// returned, outside any store lock, on the request's thread.
//
// Policy. A scim::service::policy is consulted around every write; the
// default implementation changes nothing (plain RFC 7643/7644 behaviour).
// Each call receives a write_context whose `notes` object is the policy's
// scratchpad for that one request (hooks of one request see the same notes;
// a policy object itself is shared between threads and must be stateless or
// synchronised). The calls, in order:
//   POST   prepare_create(ctx, resource)             before the store's create
//   PUT    prepare_replace(ctx, current, replacement) before the store's replace
//   PATCH  before_patch(ctx, current)                 inside the store's write, before the engine
//          after_patch(ctx, patched, changed)         inside the engine's atomic apply, after the
//                                                     request's operations: sees the patched
//                                                     resource and the names of the changed
//                                                     top-level attributes; may veto (an error
//                                                     rolls the whole request back) or return
//                                                     more operations, applied atomically with
//                                                     the request (derived attributes such as a
//                                                     displayName computed from name)
//   DELETE prepare_remove(ctx, current)               before the store's remove
//   then   after_write(ctx, result)                   after a successful create/replace/patch:
//                                                     follow_up::remove deletes the resource
//                                                     (e.g. deactivating a user who never joined)
// An error from any hook aborts the request with that error and, for the
// hooks inside the store's write, leaves the resource unchanged (the store
// discards the write). `current` is the stored resource as the store
// returns it (for Groups without members when the request does not need
// them; see load_hint()).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scim/config.hpp"
#include "scim/error.hpp"
#include "scim/expected.hpp"
#include "scim/json.hpp"
#include "scim/patch/change_set.hpp"
#include "scim/patch/document.hpp"
#include "scim/patch/operation.hpp"
#include "scim/query/projection.hpp"
#include "scim/schema/resource_type.hpp"

SCIM_BEGIN_NAMESPACE
namespace service {

struct request;

/// Who is calling, as the authenticator established it.
struct principal {
  /// A stable name of the caller (token id, client name).
  std::string subject;
};

/// Verifies the Authorization header (nullopt when absent); nullopt refuses.
using authenticator = std::function<std::optional<principal>(std::optional<std::string_view> authorization)>;

/// Resolves /Me to the id of a User (RFC 7644 section 3.11).
using me_resolver = std::function<expected<std::string>(const principal& who)>;

/// What happened.
enum class event_kind {
  created,
  updated,
  deactivated,
  reactivated,
  deleted,
  member_added,
  member_removed,
};

constexpr std::string_view to_string(event_kind k) noexcept {
  switch (k) {
    case event_kind::created: return "created";
    case event_kind::updated: return "updated";
    case event_kind::deactivated: return "deactivated";
    case event_kind::reactivated: return "reactivated";
    case event_kind::deleted: return "deleted";
    case event_kind::member_added: return "member_added";
    case event_kind::member_removed: return "member_removed";
  }
  return "";
}

/// One change the service made or attempted.
struct event {
  event_kind kind = event_kind::updated;
  /// The resource type's name ("User", "Group").
  std::string resource_type;
  /// The resource's id (empty for a failed create).
  std::string id;
  /// member_added / member_removed: the member's id (members.value).
  std::string member_id{};
  /// Set when the attempt failed.
  std::optional<error> failure{};
  /// The authenticated caller, when there is one.
  std::string subject{};

  bool ok() const noexcept { return !failure.has_value(); }
};

/// Receives events (see the top of this header).
using event_sink = std::function<void(const event&)>;

/// The write a policy is asked about.
enum class write_kind { create, replace, patch, remove };

/// What the policy sees of a request (see the top of this header).
struct write_context {
  const resource_type& type;
  write_kind kind;
  /// The resource's id (empty before a create).
  std::string id;
  /// The request being served (nullptr inside Bulk's internal dispatch is
  /// never the case: Bulk passes the operation as a request).
  const request* req = nullptr;
  /// The caller.
  const principal* who = nullptr;
  /// Scratchpad shared by the hooks of one request.
  json notes = json::object();
};

/// What to do after a successful write.
enum class follow_up { none, remove };

/// The policy extension point (see the top of this header). Every hook's
/// default changes nothing.
class policy {
 public:
  virtual ~policy() = default;

  virtual expected<void> prepare_create(write_context& /*ctx*/, json& /*resource*/) { return {}; }
  virtual expected<void> prepare_replace(write_context& /*ctx*/, const json& /*current*/, json& /*replacement*/) {
    return {};
  }
  virtual expected<void> before_patch(write_context& /*ctx*/, const json& /*current*/) { return {}; }
  virtual expected<std::vector<patch::operation>> after_patch(write_context& /*ctx*/, const json& /*patched*/,
                                                              const std::vector<std::string>& /*changed*/) {
    return std::vector<patch::operation>{};
  }
  virtual expected<void> prepare_remove(write_context& /*ctx*/, const json& /*current*/) { return {}; }
  virtual follow_up after_write(write_context& /*ctx*/, const json& /*result*/) { return follow_up::none; }

  /// A filter (SCIM filter syntax) that every resource of `rt` clients may
  /// see satisfies; empty: everything is visible. The service ANDs it into
  /// every list and search and answers 404 for a resource outside it (reads
  /// and writes alike), so hidden resources are absent from lists and
  /// filters and cannot be changed or deleted.
  virtual std::string visibility_filter(const resource_type& /*rt*/) const { return {}; }

  /// What of the current resource prepare_replace / prepare_remove need; by
  /// default everything but `members` (a group's member list can be huge).
  virtual query::load_hint load_hint(const resource_type& /*rt*/) const {
    query::load_hint h;
    h.omit.push_back("members");
    return h;
  }
};

}  // namespace service
SCIM_END_NAMESPACE
