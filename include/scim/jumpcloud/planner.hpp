// scimpp: the JumpCloud provisioning planner, sans-IO.
//
// The identity-provider side of the JumpCloud ⇄ 1Password integration: given
// what JumpCloud knows (scim::jumpcloud::snapshot) and what the planner saved
// after its last run (planner_state), it produces the SCIM requests JumpCloud
// would send, one at a time, and decides each next request from the previous
// response. It never performs I/O: the caller sends each request (over HTTP,
// or straight into scim::service::service::handle in a test) and feeds the
// response back.
//
//   scim::jumpcloud::planner p({.base_path = "/scim/v2", .token = "secret"}, saved_state);
//   p.sync(snapshot);
//   while (auto step = p.next()) {
//     if (step->delay.count() > 0) std::this_thread::sleep_for(step->delay);  // 429 Retry-After
//     p.feed(send(step->request));
//   }
//   for (const auto& e : p.take_events()) log(e);          // Directory Insights events
//   save(scim::json(p.state()));                           // for the next run
//
// (`p.run(send, sleep)` is the same loop.) Commands queue up and run in
// order: sync, activate / update_integration (the connection test),
// reauthenticate, deactivate, import_users.
//
// Users (the document's user rules):
//   * A user is bound when bound to the application directly or through a
//     user group associated with the application (whether or not group
//     management is enabled). It should be active in the service provider
//     when bound and not suspended.
//   * A bound, unsuspended user whose JumpCloud attributes changed since the
//     last run (or who was never provisioned, or was deactivated) is looked
//     up first: `GET /Users?filter=userName eq "<email>"`. Absent: `POST
//     /Users`. Present: a PATCH with one `replace` per attribute that differs
//     from the lookup's answer (userName, emails, name.givenName,
//     name.familyName, name.formatted, displayName, and `active: true` to
//     reactivate), or nothing when all agree. A user whose email changed is
//     not found by the new email: the saved SCIM id is read (`GET
//     /Users/{id}`) and the user updated, not duplicated. With
//     planner_options::full_resync every bound user is looked up every run.
//   * A provisioned user who is unbound, lost its last bound group, is
//     suspended, or was deleted in JumpCloud is deprovisioned: PATCH
//     `replace active false` (user_deprovision). Users are never deleted,
//     except the connection test's user.
//
// Groups (only while snapshot::group_management is on; the document's group
// rules):
//   * A managed group is a user group associated with the application. Its
//     SCIM members are its members that are provisioned and active.
//   * A group the planner does not manage yet is looked up by `displayName
//     eq "<name>"`: an existing group is taken over (managed from now on, its
//     membership made equal to JumpCloud's), never created twice; otherwise
//     it is created with its members. A group with no provisioned member is
//     neither created nor taken over ("empty groups are not created").
//   * A managed group is updated with one PATCH when its name or membership
//     changed: `replace displayName`, `add members [{"value": id}]`,
//     `remove` path `members` with a value array (JumpCloud's shape).
//   * Disassociated from the application: it stops syncing and is left as it
//     is (no request); a deleted group is deleted (`DELETE /Groups/{id}`). In
//     both cases its members stop being bound through it, so they are
//     deactivated unless still bound otherwise (another managed group or a
//     direct binding).
//   * Group management disabled: no group request at all and the saved group
//     state is kept as it is; users are still managed.
//   Order of a sync: user lookups/creates/updates, then groups, then
//   deprovisioning (so a member leaves a group before it is deactivated).
//
// Connection lifecycle:
//   * activate(test): reads one user (`GET /Users?startIndex=1&count=1`),
//     looks the test user up by the test email, creates it (or uses the one
//     found), creates a test group holding it (connection_test::test_group),
//     updates the user (name.familyName etc.), deletes the group, deletes
//     the user (DELETE unsupported, 405/501: deactivated instead). Each
//     request emits its user_/group_ event; idm_integration_activate sums
//     up (with the first failure's detail). Success marks the integration
//     active; failure inactive. Whatever was created is cleaned up even when
//     a later step fails.
//   * update_integration(test): the same test, idm_integration_update.
//   * reauthenticate(token): one read with the new token; on success every
//     later request carries it (idm_integration_reauth), on failure the old
//     token stays.
//   * deactivate(): no request, idm_integration_delete; the integration is
//     inactive, sync and import send nothing, users stay as they are (also
//     the behaviour when the application is deleted). activate() again to
//     resume.
//   A default-constructed planner_state counts as active (an application
//   that verified the connection elsewhere can sync at once).
//
// Manual import (import_users): pages through `GET
// /Users?startIndex=..&count=page_size` until totalResults (or an empty
// page) and classifies each user as New or Imported: Imported when a
// JumpCloud user's email equals its userName or one of its emails,
// ASCII case-insensitively. last_import() has the result.
//
// Directory Insights (scim/jumpcloud/events.hpp): every attempt emits one
// event. user_lookup_provision is logged only when a lookup has an issue
// (failure status, unreadable answer, or a 409 on create the lookup cannot
// explain), as the document says; planner_options::log_successful_lookups
// logs successful lookups too. A failed group lookup is logged as
// group_create_provision (the lookup is the first step of creating).
//
// Failures:
//   * 429, and 5xx on anything but a create: the same request again after
//     Retry-After (delta-seconds; else default_retry_after doubling per
//     attempt; capped at max_retry_after), at most max_attempts times; each
//     attempt is an event, will_retry set on all but the last.
//   * 5xx on a create is ambiguous (the resource may exist): the planner
//     looks the user or group up again (after the delay) and adopts what it
//     finds, re-POSTing only when absent — at most max_attempts POSTs.
//   * 409 on a create: failure event, then a lookup; found → adopted
//     (updated as needed); not found → user_lookup_provision failure, given
//     up for this run.
//   * 404 on an update, deprovision or group update: failure event; the
//     saved mapping is dropped (the next run looks the object up again).
//     404 on a group delete: failure event, the group is forgotten.
//   * 401, 403, 400 and the rest: failure event with the SP's detail; the
//     run goes on with the next object, and the saved state keeps the object
//     out of date so a later run tries again.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "scim/config.hpp"
#include "scim/detail/ascii.hpp"
#include "scim/error.hpp"
#include "scim/expected.hpp"
#include "scim/json.hpp"
#include "scim/jumpcloud/events.hpp"
#include "scim/jumpcloud/mapping.hpp"
#include "scim/jumpcloud/model.hpp"
#include "scim/schema/urns.hpp"
#include "scim/service/http.hpp"

SCIM_BEGIN_NAMESPACE
namespace jumpcloud {

/// How the planner talks to the service provider.
struct planner_options {
  /// Prefix of every request path: "" (the bridge root, as the 1Password
  /// guides configure JumpCloud) or "/scim/v2". A trailing '/' is dropped.
  std::string base_path{};
  /// Sent as `Authorization: Bearer <token>` (no header when empty).
  std::string token{};
  /// The User-Agent header (it contains "JumpCloud", which service providers
  /// use to pick the JumpCloud PATCH dialect).
  std::string user_agent = "JumpCloud SCIM client (scimpp planner)";
  /// `count` of the manual import's pages.
  std::size_t page_size = 100;
  /// Attempts per request on 429 / retryable 5xx, and POSTs per create.
  unsigned max_attempts = 3;
  /// Delay before the first retry when the response has no usable
  /// Retry-After; doubled for each further attempt.
  std::chrono::seconds default_retry_after{1};
  /// Upper bound of any delay (Retry-After included).
  std::chrono::seconds max_retry_after{300};
  /// Also log successful lookups (user_lookup_provision, success).
  bool log_successful_lookups = false;
  /// Look up every bound user on every sync, not only changed ones.
  bool full_resync = false;
  /// Names of the connection test's user and group.
  std::string test_given_name = "JumpCloud";
  std::string test_family_name = "Test User";
  std::string test_group_name = "JumpCloud SCIM Test Group";
};

/// One request to send; `delay` > 0 asks the caller to wait that long first
/// (a retry after 429 Retry-After or a 5xx).
struct step {
  service::request request;
  std::chrono::seconds delay{0};
  /// 1 for a first attempt, 2 for the first retry, ...
  unsigned attempt = 1;
};

/// What the planner knows of a provisioned user: its SCIM id and the
/// attributes last pushed.
struct user_record {
  std::string scim_id;
  std::string user_name;
  std::string given_name;
  std::string family_name;
  /// Last known active in the service provider (deprovisioning candidates).
  bool active = false;

  friend bool operator==(const user_record&, const user_record&) = default;
};

/// A managed group: its SCIM id, the name and the member SCIM ids last synced.
struct group_record {
  std::string scim_id;
  std::string name;
  /// Sorted SCIM ids of the members as last synced.
  std::vector<std::string> members;

  friend bool operator==(const group_record&, const group_record&) = default;
};

/// The planner's memory between runs. JSON: see to_json below.
struct planner_state {
  /// The Identity Management integration is active (see the top of this header).
  bool integration_active = true;
  /// JumpCloud system user id → record.
  std::map<std::string, user_record> users;
  /// JumpCloud user group id → record; exactly the managed groups.
  std::map<std::string, group_record> groups;

  friend bool operator==(const planner_state&, const planner_state&) = default;
};

/// {"version":1,"integrationActive":true,
///  "users":{"<jc id>":{"scimId","userName","givenName","familyName","active"}},
///  "groups":{"<jc id>":{"scimId","name","members":[...]}}}
inline void to_json(json& j, const planner_state& s) {
  j = json::object();
  j["version"] = 1;
  j["integrationActive"] = s.integration_active;
  json users = json::object();
  for (const auto& [id, r] : s.users) {
    json u = json::object();
    u["scimId"] = r.scim_id;
    u["userName"] = r.user_name;
    u["givenName"] = r.given_name;
    u["familyName"] = r.family_name;
    u["active"] = r.active;
    users[id] = std::move(u);
  }
  j["users"] = std::move(users);
  json groups = json::object();
  for (const auto& [id, r] : s.groups) {
    json g = json::object();
    g["scimId"] = r.scim_id;
    g["name"] = r.name;
    g["members"] = r.members;
    groups[id] = std::move(g);
  }
  j["groups"] = std::move(groups);
}

/// Reads a saved state without throwing: 400 invalidValue on a wrong shape.
inline expected<planner_state> state_from_json(const json& j) {
  auto bad = [](std::string what) { return fail(error_code::invalid_value, "planner state: " + std::move(what)); };
  if (!j.is_object()) return bad("not a JSON object");
  planner_state s;
  auto str = [](const json& obj, const char* key, std::string& out) {
    auto it = obj.find(key);
    if (it == obj.end()) return true;
    if (!it->is_string()) return false;
    out = it->get<std::string>();
    return true;
  };
  if (auto it = j.find("version"); it != j.end() && !(it->is_number_integer() && it->get<std::int64_t>() == 1))
    return bad("unsupported version");
  if (auto it = j.find("integrationActive"); it != j.end()) {
    if (!it->is_boolean()) return bad("integrationActive must be a boolean");
    s.integration_active = it->get<bool>();
  }
  if (auto it = j.find("users"); it != j.end()) {
    if (!it->is_object()) return bad("users must be an object");
    for (auto u = it->begin(); u != it->end(); ++u) {
      if (!u->is_object()) return bad("user '" + u.key() + "' must be an object");
      user_record r;
      if (!str(*u, "scimId", r.scim_id) || !str(*u, "userName", r.user_name) ||
          !str(*u, "givenName", r.given_name) || !str(*u, "familyName", r.family_name))
        return bad("user '" + u.key() + "' has a non-string attribute");
      if (auto a = u->find("active"); a != u->end()) {
        if (!a->is_boolean()) return bad("user '" + u.key() + "': active must be a boolean");
        r.active = a->get<bool>();
      }
      s.users.emplace(u.key(), std::move(r));
    }
  }
  if (auto it = j.find("groups"); it != j.end()) {
    if (!it->is_object()) return bad("groups must be an object");
    for (auto g = it->begin(); g != it->end(); ++g) {
      if (!g->is_object()) return bad("group '" + g.key() + "' must be an object");
      group_record r;
      if (!str(*g, "scimId", r.scim_id) || !str(*g, "name", r.name))
        return bad("group '" + g.key() + "' has a non-string attribute");
      if (auto m = g->find("members"); m != g->end()) {
        if (!m->is_array()) return bad("group '" + g.key() + "': members must be an array");
        for (const auto& v : *m) {
          if (!v.is_string()) return bad("group '" + g.key() + "': members must be strings");
          r.members.push_back(v.get<std::string>());
        }
        std::sort(r.members.begin(), r.members.end());
        r.members.erase(std::unique(r.members.begin(), r.members.end()), r.members.end());
      }
      s.groups.emplace(g.key(), std::move(r));
    }
  }
  return s;
}

/// The connection test of activate() / update_integration().
struct connection_test {
  /// JumpCloud's "Test User Email".
  std::string test_email;
  /// Also create (and delete) a test group.
  bool test_group = true;
};

/// Import status of a service-provider user (manual import).
enum class import_status : std::uint8_t { new_user, imported };

/// "New" or "Imported", as JumpCloud's import list shows it.
constexpr std::string_view to_string(import_status s) noexcept {
  return s == import_status::imported ? "Imported" : "New";
}

/// One service-provider user of a manual import.
struct import_entry {
  std::string scim_id;
  std::string user_name;
  std::string email;
  std::string given_name;
  std::string family_name;
  bool active = true;
  import_status status = import_status::new_user;
  /// Imported: the matching JumpCloud user's id.
  std::string jumpcloud_id{};
};

/// The result of import_users().
struct import_report {
  std::vector<import_entry> users;
  /// totalResults of the last page.
  std::size_t total_results = 0;
  /// Pages requested.
  std::size_t pages = 0;
  /// Every page was read.
  bool complete = false;
  /// Why the import stopped early.
  std::optional<std::string> error{};

  std::size_t count(import_status s) const noexcept {
    return static_cast<std::size_t>(
        std::count_if(users.begin(), users.end(), [s](const import_entry& e) { return e.status == s; }));
  }
};

namespace detail {

/// Percent-encodes everything but RFC 3986 unreserved characters.
inline std::string percent_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || u == '-' || u == '.' ||
        u == '_' || u == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(hex[u >> 4]);
      out.push_back(hex[u & 0x0Fu]);
    }
  }
  return out;
}

/// `filter=<attr eq "value">`, the value a JSON string literal (quotes and
/// backslashes escaped), the whole percent-encoded.
inline std::string eq_filter_query(std::string_view attribute, std::string_view value) {
  std::string f(attribute);
  f += " eq ";
  f += dump_json(json(std::string(value)));
  return "filter=" + percent_encode(f);
}

/// Member `key` of an object, exact spelling first, then case-insensitively.
inline const json* find_ci(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  if (auto it = obj.find(std::string(key)); it != obj.end()) return &*it;
  for (auto it = obj.begin(); it != obj.end(); ++it)
    if (scim::detail::iequals(it.key(), key)) return &*it;
  return nullptr;
}

inline std::string string_at(const json& obj, std::string_view key) {
  const json* v = find_ci(obj, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

/// The SCIM User JSON of a system user: the document's attribute table
/// (scim/jumpcloud/mapping.hpp), active as given.
inline json user_resource(system_user u, bool active) {
  u.suspended = !active;
  return mapping::to_scim(u);
}

inline json member_values(const std::vector<std::string>& ids) {
  json arr = json::array();
  for (const auto& id : ids) {
    json m = json::object();
    m["value"] = id;
    arr.push_back(std::move(m));
  }
  return arr;
}

/// The SCIM Group JSON of a user group with its members' SCIM ids.
inline json group_resource(std::string_view name, const std::vector<std::string>& member_scim_ids) {
  json j = json::object();
  j["schemas"] = json::array({std::string(urn::group)});
  j["displayName"] = std::string(name);
  j["members"] = member_values(member_scim_ids);
  return j;
}

inline json patch_op(std::string_view op, std::string_view path, json value) {
  json o = json::object();
  o["op"] = std::string(op);
  o["path"] = std::string(path);
  if (!value.is_null()) o["value"] = std::move(value);
  return o;
}

inline json patch_body(std::vector<json> ops) {
  json j = json::object();
  j["schemas"] = json::array({std::string(urn::patch_op)});
  j["Operations"] = json(std::move(ops));
  return j;
}

/// The work email of a SCIM user: type "work", else the primary, else the first.
inline std::string work_email(const json& user) {
  const json* emails = find_ci(user, "emails");
  if (emails == nullptr || !emails->is_array() || emails->empty()) return {};
  for (const auto& e : *emails)
    if (scim::detail::iequals(string_at(e, "type"), "work")) return string_at(e, "value");
  for (const auto& e : *emails)
    if (const json* p = find_ci(e, "primary"); p != nullptr && p->is_boolean() && p->get<bool>())
      return string_at(e, "value");
  return string_at(emails->front(), "value");
}

/// One PATCH operation per mapped attribute of `current` (a SCIM User as the
/// service provider returned it) that differs from what `u` maps to
/// (scim::mapping::diff), plus `active: true` when it is inactive (the
/// planner updates only users that should be active). Empty: nothing to do.
inline std::vector<json> user_patch_operations(system_user u, const json& current) {
  u.suspended = false;
  auto ops = mapping::diff(current, u);
  if (!ops) return {};
  return std::move(*ops);
}

inline std::vector<std::string> op_paths(const std::vector<json>& ops) {
  std::vector<std::string> out;
  for (const auto& o : ops) out.push_back(string_at(o, "path"));
  return out;
}

inline bool is_success(int status) noexcept { return status >= 200 && status < 300; }

inline std::optional<json> body_json(const service::response& r) {
  if (r.body.empty()) return std::nullopt;
  auto parsed = parse_json(r.body);
  if (!parsed) return std::nullopt;
  return std::move(*parsed);
}

/// The service provider's error detail and scimType from a SCIM Error body;
/// a fallback detail when the body is not one.
inline std::pair<std::string, std::string> failure_of(const service::response& r) {
  std::string detail;
  std::string scim_type;
  if (auto body = body_json(r); body && body->is_object()) {
    error e;
    from_json(*body, e);
    detail = std::move(e.detail);
    scim_type = string_at(*body, "scimType");
  }
  if (detail.empty()) {
    detail = "HTTP " + std::to_string(r.status);
    if (!r.body.empty() && !body_json(r)) detail += ": " + r.body.substr(0, 200);
  }
  return {std::move(detail), std::move(scim_type)};
}

/// The Resources of a ListResponse; nullopt when the body is not one.
inline std::optional<json> list_resources(const service::response& r) {
  auto body = body_json(r);
  if (!body || !body->is_object()) return std::nullopt;
  const json* res = find_ci(*body, "Resources");
  if (res == nullptr) return json::array();  // an empty list may leave Resources out
  if (!res->is_array()) return std::nullopt;
  return *res;
}

}  // namespace detail

/// The provisioning planner (see the top of this header).
class planner {
 public:
  explicit planner(planner_options opts = {}, planner_state state = {})
      : opts_(std::move(opts)), state_(std::move(state)) {
    while (!opts_.base_path.empty() && opts_.base_path.back() == '/') opts_.base_path.pop_back();
    if (opts_.max_attempts == 0) opts_.max_attempts = 1;
    if (opts_.page_size == 0) opts_.page_size = 100;
  }

  // ---- commands (queued; run in order by next()/feed()) ------------------------

  /// Provisions the snapshot: users, groups, deprovisioning.
  void sync(snapshot snap) { push({command_kind::sync, std::move(snap), {}, {}}); }
  /// Activates the integration with JumpCloud's connection test.
  void activate(connection_test test) { push({command_kind::activate, {}, std::move(test), {}}); }
  /// Re-runs the connection test after a settings change.
  void update_integration(connection_test test) { push({command_kind::update, {}, std::move(test), {}}); }
  /// Switches to a new bearer token once one read with it succeeds.
  void reauthenticate(std::string new_token) { push({command_kind::reauth, {}, {}, std::move(new_token)}); }
  /// Deactivates the integration: no request, users left as they are.
  void deactivate() { push({command_kind::deactivate, {}, {}, {}}); }
  /// Manual import: lists the service provider's users against `snap`.
  void import_users(snapshot snap) { push({command_kind::import, std::move(snap), {}, {}}); }

  // ---- driving ------------------------------------------------------------------

  /// The next request to send (the same one again until it is fed), or
  /// nullopt when every queued command is done.
  std::optional<step> next() {
    for (;;) {
      if (pending_) return pending_->st;
      if (!job_) {
        if (jobs_.empty()) {
          if (commands_.empty()) return std::nullopt;
          begin_command();
          continue;
        }
        job_ = std::move(jobs_.front());
        jobs_.pop_front();
      }
      auto first = drive(*job_, nullptr, nullptr);
      if (first) pending_ = std::move(*first);
      else job_.reset();
    }
  }

  /// The response to the step next() returned.
  void feed(const service::response& res) {
    if (!pending_) return;
    outgoing& p = *pending_;
    const int status = res.status;
    const bool retryable = status == 429 || (status >= 500 && !p.is_create);
    if (retryable && p.st.attempt < opts_.max_attempts) {
      record(p, res, false, true);
      p.st.delay = retry_delay(res, p.st.attempt);
      ++p.st.attempt;
      return;
    }
    const bool ok = detail::is_success(status) || (p.not_found_ok && status == 404);
    if (!ok || !p.quiet_success) record(p, res, ok, false);
    outgoing sent = std::move(p);
    pending_.reset();
    if (!job_) return;
    auto following = drive(*job_, &sent, &res);
    if (following) pending_ = std::move(*following);
    else job_.reset();
  }

  /// Runs every queued command: `send(const service::request&) ->
  /// service::response`, `wait(std::chrono::seconds)` before delayed steps.
  template <class Send, class Wait>
  void run(Send&& send, Wait&& wait) {
    while (auto s = next()) {
      if (s->delay.count() > 0) wait(s->delay);
      feed(send(s->request));
    }
  }

  // ---- results ------------------------------------------------------------------

  /// Nothing queued and nothing in flight.
  bool idle() const noexcept { return !pending_ && !job_ && jobs_.empty() && commands_.empty(); }
  const planner_state& state() const noexcept { return state_; }
  const planner_options& options() const noexcept { return opts_; }
  /// The bearer token in use (changed by a successful reauthenticate()).
  const std::string& token() const noexcept { return opts_.token; }
  const std::vector<event>& events() const noexcept { return events_; }
  /// Returns the events emitted so far and forgets them.
  std::vector<event> take_events() {
    std::vector<event> out = std::move(events_);
    events_.clear();
    return out;
  }
  /// The result of the last import_users().
  const import_report& last_import() const noexcept { return import_; }

 private:
  enum class command_kind { sync, activate, update, reauth, deactivate, import };
  struct command {
    command_kind kind = command_kind::sync;
    snapshot snap{};
    connection_test test{};
    std::string token{};
  };

  enum class job_kind { user_upsert, user_deprovision, group_sync, group_delete, connection_test, reauth, import };
  struct job {
    job_kind kind = job_kind::user_upsert;
    std::string jc_id{};
    int stage = 0;
    unsigned creates = 0;        // POSTs sent
    bool after_conflict = false;  // a create was answered 409
    bool by_id_tried = false;     // GET /Users/{saved id} after an email change
    // connection test
    event_type summary = event_type::idm_integration_activate;
    std::string user_id{};
    std::string group_id{};
    std::string deleting_user_id{};
    bool failed = false;
    int fail_status = 0;
    std::string fail_detail{};
    json test_user_json{};
    // import
    std::size_t start_index = 1;
  };

  // A request in flight with what its event needs.
  struct outgoing {
    step st{};
    std::optional<event_type> ev{};
    bool quiet_success = false;
    bool not_found_ok = false;
    bool is_create = false;
    std::string jc_id{};
    std::string scim_id{};
    std::string name{};
    std::vector<std::string> changed{};
  };

  void push(command c) { commands_.push_back(std::move(c)); }

  // ---- requests -------------------------------------------------------------------

  service::request make_request(std::string method, const std::string& suffix, std::string query = {},
                                const json* body = nullptr, const std::string* token = nullptr) const {
    service::request r;
    r.method = std::move(method);
    r.path = opts_.base_path + suffix;
    r.query = std::move(query);
    const std::string& tok = token != nullptr ? *token : opts_.token;
    if (!tok.empty()) r.headers.emplace_back("Authorization", "Bearer " + tok);
    r.headers.emplace_back("Accept", std::string(service::scim_media_type));
    if (!opts_.user_agent.empty()) r.headers.emplace_back("User-Agent", opts_.user_agent);
    if (body != nullptr) {
      r.headers.emplace_back("Content-Type", std::string(service::scim_media_type));
      r.body = dump_json(*body);
    }
    return r;
  }

  static std::string id_path(std::string_view endpoint, std::string_view id) {
    std::string s(endpoint);
    s += '/';
    s += detail::percent_encode(id);
    return s;
  }

  outgoing out(service::request req, std::optional<event_type> ev, std::string jc_id, std::string scim_id,
               std::string name) const {
    outgoing o;
    o.st.request = std::move(req);
    o.ev = ev;
    o.jc_id = std::move(jc_id);
    o.scim_id = std::move(scim_id);
    o.name = std::move(name);
    return o;
  }

  outgoing user_lookup(const std::string& jc_id, const std::string& email) const {
    outgoing o = out(make_request("GET", "/Users", detail::eq_filter_query("userName", email)),
                     event_type::user_lookup_provision, jc_id, {}, email);
    o.quiet_success = !opts_.log_successful_lookups;
    return o;
  }

  outgoing group_lookup(const std::string& jc_id, const std::string& name) const {
    outgoing o = out(make_request("GET", "/Groups", detail::eq_filter_query("displayName", name)),
                     event_type::group_create_provision, jc_id, {}, name);
    o.quiet_success = true;
    return o;
  }

  std::string list_query(std::size_t start, std::size_t count) const {
    return "startIndex=" + std::to_string(start) + "&count=" + std::to_string(count);
  }

  std::chrono::seconds retry_delay(const service::response& r, unsigned attempt) const {
    if (auto h = r.header_value("Retry-After")) {
      std::string_view v = *h;
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
      if (!v.empty() && v.size() <= 9 &&
          std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        std::int64_t secs = 0;
        for (const char c : v) secs = secs * 10 + (c - '0');
        return std::min(std::chrono::seconds(secs), opts_.max_retry_after);
      }
      // An HTTP-date needs a clock; fall back to the back-off.
    }
    std::chrono::seconds d = opts_.default_retry_after;
    for (unsigned i = 1; i < attempt && d < opts_.max_retry_after; ++i) d *= 2;
    return std::min(d, opts_.max_retry_after);
  }

  // ---- events ---------------------------------------------------------------------

  void record(const outgoing& p, const service::response& res, bool success, bool will_retry) {
    if (!p.ev) return;
    event e;
    e.type = *p.ev;
    e.success = success;
    e.jumpcloud_id = p.jc_id;
    e.scim_id = p.scim_id;
    e.name = p.name;
    e.method = p.st.request.method;
    e.path = p.st.request.path;
    if (!p.st.request.query.empty()) e.path += "?" + p.st.request.query;
    e.status = res.status;
    e.attempt = p.st.attempt;
    e.will_retry = will_retry;
    e.changed = p.changed;
    if (!success) {
      auto [d, t] = detail::failure_of(res);
      e.detail = std::move(d);
      e.scim_type = std::move(t);
    } else if (e.scim_id.empty()) {
      if (auto body = detail::body_json(res); body && body->is_object()) e.scim_id = detail::string_at(*body, "id");
    }
    events_.push_back(std::move(e));
  }

  void emit(event_type t, bool success, std::string jc_id, std::string scim_id, std::string name, int status,
            std::string why) {
    event e;
    e.type = t;
    e.success = success;
    e.jumpcloud_id = std::move(jc_id);
    e.scim_id = std::move(scim_id);
    e.name = std::move(name);
    e.status = status;
    e.detail = std::move(why);
    events_.push_back(std::move(e));
  }

  /// Turns the event just recorded for `sent` into a failure (a 2xx whose
  /// body is unusable).
  void fail_recorded(const outgoing& sent, std::string why) {
    if (!sent.ev) return;
    if (!events_.empty() && events_.back().type == *sent.ev && events_.back().success &&
        events_.back().path.rfind(sent.st.request.path, 0) == 0) {
      events_.back().success = false;
      events_.back().detail = std::move(why);
      return;
    }
    emit(*sent.ev, false, sent.jc_id, sent.scim_id, sent.name, 0, std::move(why));
  }

  // ---- commands -------------------------------------------------------------------

  void begin_command() {
    cmd_ = std::move(commands_.front());
    commands_.pop_front();
    user_index_.clear();
    group_index_.clear();
    for (std::size_t i = 0; i < cmd_.snap.users.size(); ++i) user_index_.emplace(cmd_.snap.users[i].id, i);
    for (std::size_t i = 0; i < cmd_.snap.groups.size(); ++i) group_index_.emplace(cmd_.snap.groups[i].id, i);
    switch (cmd_.kind) {
      case command_kind::sync:
        plan_sync();
        break;
      case command_kind::activate:
      case command_kind::update: {
        const bool update = cmd_.kind == command_kind::update;
        if (update && !state_.integration_active) {
          emit(event_type::idm_integration_update, false, {}, {}, {}, 0,
               "the Identity Management integration is not active; activate it first");
          break;
        }
        job j;
        j.kind = job_kind::connection_test;
        j.summary = update ? event_type::idm_integration_update : event_type::idm_integration_activate;
        jobs_.push_back(std::move(j));
        break;
      }
      case command_kind::reauth: {
        job j;
        j.kind = job_kind::reauth;
        jobs_.push_back(std::move(j));
        break;
      }
      case command_kind::deactivate:
        state_.integration_active = false;
        emit(event_type::idm_integration_delete, true, {}, {}, {}, 0, {});
        break;
      case command_kind::import: {
        import_ = import_report{};
        if (!state_.integration_active) {
          import_.error = "the Identity Management integration is not active";
          break;
        }
        job j;
        j.kind = job_kind::import;
        jobs_.push_back(std::move(j));
        break;
      }
    }
  }

  const system_user* find_user(const std::string& id) const {
    auto it = user_index_.find(id);
    return it == user_index_.end() ? nullptr : &cmd_.snap.users[it->second];
  }
  const user_group* find_group(const std::string& id) const {
    auto it = group_index_.find(id);
    return it == group_index_.end() ? nullptr : &cmd_.snap.groups[it->second];
  }

  void plan_sync() {
    if (!state_.integration_active) return;
    const snapshot& s = cmd_.snap;
    bound_.clear();
    std::unordered_set<std::string> bound_groups;
    for (const auto& id : s.bound_user_ids)
      if (find_user(id) != nullptr) bound_.insert(id);
    for (const auto& gid : s.bound_group_ids) {
      const user_group* g = find_group(gid);
      if (g == nullptr) continue;
      bound_groups.insert(gid);
      for (const auto& m : g->member_ids)
        if (find_user(m) != nullptr) bound_.insert(m);
    }
    auto add_job = [this](job_kind k, const std::string& id) {
      job j;
      j.kind = k;
      j.jc_id = id;
      jobs_.push_back(std::move(j));
    };
    // 1. Users to create, update or reactivate.
    std::unordered_set<std::string> seen;
    for (const auto& u : s.users) {
      if (!seen.insert(u.id).second) continue;
      if (!bound_.count(u.id) || u.suspended) continue;
      auto rec = state_.users.find(u.id);
      const bool current = rec != state_.users.end() && rec->second.active && rec->second.user_name == u.email &&
                           rec->second.given_name == u.firstname && rec->second.family_name == u.lastname;
      if (opts_.full_resync || !current) add_job(job_kind::user_upsert, u.id);
    }
    // 2. Groups.
    if (s.group_management) {
      seen.clear();
      for (const auto& g : s.groups)
        if (bound_groups.count(g.id) && seen.insert(g.id).second) add_job(job_kind::group_sync, g.id);
      for (auto it = state_.groups.begin(); it != state_.groups.end();) {
        if (find_group(it->first) == nullptr) {
          add_job(job_kind::group_delete, it->first);  // deleted in JumpCloud
          ++it;
        } else if (!bound_groups.count(it->first)) {
          it = state_.groups.erase(it);  // disassociated: stop syncing, leave it as is
        } else {
          ++it;
        }
      }
    }
    // 3. Users to deprovision; forget inactive users deleted in JumpCloud.
    for (auto it = state_.users.begin(); it != state_.users.end();) {
      const system_user* u = find_user(it->first);
      if (!it->second.active) {
        if (u == nullptr) {
          it = state_.users.erase(it);
          continue;
        }
      } else if (u == nullptr || u->suspended || !bound_.count(it->first)) {
        add_job(job_kind::user_deprovision, it->first);
      }
      ++it;
    }
  }

  // ---- jobs -----------------------------------------------------------------------

  std::optional<outgoing> drive(job& j, const outgoing* sent, const service::response* r) {
    switch (j.kind) {
      case job_kind::user_upsert: return drive_user_upsert(j, sent, r);
      case job_kind::user_deprovision: return drive_user_deprovision(j, r);
      case job_kind::group_sync: return drive_group_sync(j, sent, r);
      case job_kind::group_delete: return drive_group_delete(j, r);
      case job_kind::connection_test: return drive_connection_test(j, sent, r);
      case job_kind::reauth: return drive_reauth(j, r);
      case job_kind::import: return drive_import(j, r);
    }
    return std::nullopt;
  }

  std::optional<outgoing> user_create(job& j, const system_user& u) {
    ++j.creates;
    j.stage = 3;
    const json body = detail::user_resource(u, true);
    outgoing o = out(make_request("POST", "/Users", {}, &body), event_type::user_create_provision, u.id, {}, u.email);
    o.is_create = true;
    return o;
  }

  void remember_user(const std::string& jc_id, const system_user& u, std::string scim_id, bool active) {
    user_record& rec = state_.users[jc_id];
    rec.scim_id = std::move(scim_id);
    rec.user_name = u.email;
    rec.given_name = u.firstname;
    rec.family_name = u.lastname;
    rec.active = active;
  }

  // A lookup found `found`: update what differs, or nothing.
  std::optional<outgoing> user_found(job& j, const system_user& u, const json& found, const outgoing& sent) {
    std::string id = detail::string_at(found, "id");
    if (id.empty()) {
      fail_recorded(sent, "the service provider returned a user without an id");
      return std::nullopt;
    }
    auto ops = detail::user_patch_operations(u, found);
    if (ops.empty()) {
      remember_user(u.id, u, std::move(id), true);
      return std::nullopt;
    }
    // Until the PATCH succeeds, the record only knows the id.
    user_record& rec = state_.users[u.id];
    if (rec.scim_id != id) {
      rec = user_record{};
      rec.scim_id = id;
    }
    std::vector<std::string> changed = detail::op_paths(ops);
    const json body = detail::patch_body(std::move(ops));
    j.stage = 4;
    outgoing o = out(make_request("PATCH", id_path("/Users", id), {}, &body), event_type::user_update_provision, u.id,
                     id, u.email);
    o.changed = std::move(changed);
    return o;
  }

  std::optional<outgoing> drive_user_upsert(job& j, const outgoing* sent, const service::response* r) {
    const system_user* u = find_user(j.jc_id);
    if (u == nullptr) return std::nullopt;
    switch (j.stage) {
      case 0:
        j.stage = 1;
        return user_lookup(u->id, u->email);
      case 1: {  // lookup answered
        if (!detail::is_success(r->status)) return std::nullopt;
        auto resources = detail::list_resources(*r);
        if (!resources) {
          emit(event_type::user_lookup_provision, false, u->id, {}, u->email, r->status,
               "the lookup's answer is not a SCIM ListResponse");
          return std::nullopt;
        }
        for (const auto& res : *resources)
          if (scim::detail::iequals(detail::string_at(res, "userName"), u->email)) return user_found(j, *u, res, *sent);
        if (j.after_conflict) {
          emit(event_type::user_lookup_provision, false, u->id, {}, u->email, r->status,
               "the service provider refused the create with 409 but the lookup does not find " + u->email);
          return std::nullopt;
        }
        auto rec = state_.users.find(u->id);
        if (!j.by_id_tried && rec != state_.users.end() && !rec->second.scim_id.empty() &&
            !scim::detail::iequals(rec->second.user_name, u->email)) {
          // The email changed: the user is found by its saved id, not duplicated.
          j.by_id_tried = true;
          j.stage = 2;
          outgoing o = out(make_request("GET", id_path("/Users", rec->second.scim_id)),
                           event_type::user_lookup_provision, u->id, rec->second.scim_id, u->email);
          o.quiet_success = !opts_.log_successful_lookups;
          o.not_found_ok = true;
          return o;
        }
        if (j.creates >= opts_.max_attempts) return std::nullopt;
        return user_create(j, *u);
      }
      case 2: {  // GET by saved id answered
        if (r->status == 404) {
          state_.users.erase(u->id);
          return user_create(j, *u);
        }
        if (!detail::is_success(r->status)) return std::nullopt;
        auto body = detail::body_json(*r);
        if (!body || !body->is_object()) {
          fail_recorded(*sent, "the answer is not a SCIM User");
          return std::nullopt;
        }
        return user_found(j, *u, *body, *sent);
      }
      case 3: {  // create answered
        if (detail::is_success(r->status)) {
          auto body = detail::body_json(*r);
          std::string id = body && body->is_object() ? detail::string_at(*body, "id") : std::string();
          if (id.empty()) {
            fail_recorded(*sent, "the service provider's answer to the create has no id");
            return std::nullopt;
          }
          remember_user(u->id, *u, std::move(id), true);
          return std::nullopt;
        }
        if (r->status == 409) {  // exists after all: look it up and adopt it
          j.after_conflict = true;
          j.stage = 1;
          return user_lookup(u->id, u->email);
        }
        if (r->status >= 500 && j.creates < opts_.max_attempts) {  // ambiguous: look before re-POSTing
          j.stage = 1;
          outgoing o = user_lookup(u->id, u->email);
          o.st.delay = retry_delay(*r, j.creates);
          return o;
        }
        return std::nullopt;
      }
      case 4: {  // update answered
        if (detail::is_success(r->status)) remember_user(u->id, *u, sent->scim_id, true);
        else if (r->status == 404) state_.users.erase(u->id);
        return std::nullopt;
      }
      default:
        return std::nullopt;
    }
  }

  std::optional<outgoing> drive_user_deprovision(job& j, const service::response* r) {
    auto rec = state_.users.find(j.jc_id);
    if (rec == state_.users.end()) return std::nullopt;
    if (j.stage == 0) {
      if (!rec->second.active || rec->second.scim_id.empty()) return std::nullopt;
      j.stage = 1;
      const json body = detail::patch_body({detail::patch_op("replace", "active", json(false))});
      outgoing o = out(make_request("PATCH", id_path("/Users", rec->second.scim_id), {}, &body),
                       event_type::user_deprovision, j.jc_id, rec->second.scim_id, rec->second.user_name);
      o.changed = {"active"};
      return o;
    }
    if (detail::is_success(r->status)) {
      if (find_user(j.jc_id) == nullptr) state_.users.erase(rec);  // deleted in JumpCloud
      else rec->second.active = false;
    } else if (r->status == 404) {
      state_.users.erase(rec);  // gone from the service provider
    }
    return std::nullopt;
  }

  std::vector<std::string> desired_members(const user_group& g) const {
    std::vector<std::string> ids;
    for (const auto& m : g.member_ids) {
      auto rec = state_.users.find(m);
      if (rec == state_.users.end() || !rec->second.active || rec->second.scim_id.empty()) continue;
      if (!bound_.count(m)) continue;
      if (const system_user* u = find_user(m); u == nullptr || u->suspended) continue;
      ids.push_back(rec->second.scim_id);
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
  }

  // PATCH of a managed group towards `g`, or nullopt when it is current.
  std::optional<outgoing> group_update(job& j, const user_group& g) {
    auto rec = state_.groups.find(g.id);
    if (rec == state_.groups.end()) return std::nullopt;
    const std::vector<std::string> want = desired_members(g);
    const std::vector<std::string>& have = rec->second.members;
    std::vector<std::string> add;
    std::vector<std::string> remove;
    std::set_difference(want.begin(), want.end(), have.begin(), have.end(), std::back_inserter(add));
    std::set_difference(have.begin(), have.end(), want.begin(), want.end(), std::back_inserter(remove));
    std::vector<json> ops;
    std::vector<std::string> changed;
    if (rec->second.name != g.name) {
      ops.push_back(detail::patch_op("replace", "displayName", json(g.name)));
      changed.emplace_back("displayName");
    }
    if (!add.empty()) ops.push_back(detail::patch_op("add", "members", detail::member_values(add)));
    if (!remove.empty()) ops.push_back(detail::patch_op("remove", "members", detail::member_values(remove)));
    if (!add.empty() || !remove.empty()) changed.emplace_back("members");
    if (ops.empty()) return std::nullopt;
    const json body = detail::patch_body(std::move(ops));
    j.stage = 5;
    outgoing o = out(make_request("PATCH", id_path("/Groups", rec->second.scim_id), {}, &body),
                     event_type::group_update_provision, g.id, rec->second.scim_id, g.name);
    o.changed = std::move(changed);
    return o;
  }

  std::optional<outgoing> group_create(job& j, const user_group& g) {
    ++j.creates;
    j.stage = 2;
    const json body = detail::group_resource(g.name, desired_members(g));
    outgoing o =
        out(make_request("POST", "/Groups", {}, &body), event_type::group_create_provision, g.id, {}, g.name);
    o.is_create = true;
    return o;
  }

  std::optional<outgoing> drive_group_sync(job& j, const outgoing* sent, const service::response* r) {
    const user_group* g = find_group(j.jc_id);
    if (g == nullptr) return std::nullopt;
    switch (j.stage) {
      case 0: {
        if (state_.groups.count(g->id)) return group_update(j, *g);
        if (desired_members(*g).empty()) return std::nullopt;  // empty groups are not created
        j.stage = 1;
        return group_lookup(g->id, g->name);
      }
      case 1: {  // lookup answered
        if (!detail::is_success(r->status)) return std::nullopt;
        auto resources = detail::list_resources(*r);
        if (!resources) {
          emit(event_type::group_create_provision, false, g->id, {}, g->name, r->status,
               "the group lookup's answer is not a SCIM ListResponse");
          return std::nullopt;
        }
        const json* found = nullptr;
        for (const auto& res : *resources)
          if (detail::string_at(res, "displayName") == g->name) found = &res;
        if (found == nullptr)
          for (const auto& res : *resources)
            if (scim::detail::iequals(detail::string_at(res, "displayName"), g->name)) found = &res;
        if (found != nullptr) {  // take it over
          std::string id = detail::string_at(*found, "id");
          if (id.empty()) {
            emit(event_type::group_create_provision, false, g->id, {}, g->name, r->status,
                 "the service provider returned a group without an id");
            return std::nullopt;
          }
          group_record rec;
          rec.scim_id = std::move(id);
          rec.name = detail::string_at(*found, "displayName");
          if (const json* ms = detail::find_ci(*found, "members"); ms != nullptr && ms->is_array())
            for (const auto& m : *ms)
              if (std::string v = detail::string_at(m, "value"); !v.empty()) rec.members.push_back(std::move(v));
          std::sort(rec.members.begin(), rec.members.end());
          rec.members.erase(std::unique(rec.members.begin(), rec.members.end()), rec.members.end());
          state_.groups[g->id] = std::move(rec);
          return group_update(j, *g);
        }
        if (j.after_conflict) {
          emit(event_type::group_create_provision, false, g->id, {}, g->name, r->status,
               "the service provider refused the create with 409 but the lookup does not find " + g->name);
          return std::nullopt;
        }
        if (j.creates >= opts_.max_attempts) return std::nullopt;
        return group_create(j, *g);
      }
      case 2: {  // create answered
        if (detail::is_success(r->status)) {
          auto body = detail::body_json(*r);
          std::string id = body && body->is_object() ? detail::string_at(*body, "id") : std::string();
          if (id.empty()) {
            fail_recorded(*sent, "the service provider's answer to the create has no id");
            return std::nullopt;
          }
          group_record rec;
          rec.scim_id = std::move(id);
          rec.name = g->name;
          rec.members = desired_members(*g);
          state_.groups[g->id] = std::move(rec);
          return std::nullopt;
        }
        if (r->status == 409) {
          j.after_conflict = true;
          j.stage = 1;
          return group_lookup(g->id, g->name);
        }
        if (r->status >= 500 && j.creates < opts_.max_attempts) {
          j.stage = 1;
          outgoing o = group_lookup(g->id, g->name);
          o.st.delay = retry_delay(*r, j.creates);
          return o;
        }
        return std::nullopt;
      }
      case 5: {  // update answered
        auto rec = state_.groups.find(g->id);
        if (rec == state_.groups.end()) return std::nullopt;
        if (detail::is_success(r->status)) {
          rec->second.name = g->name;
          rec->second.members = desired_members(*g);
        } else if (r->status == 404) {
          state_.groups.erase(rec);
        }
        return std::nullopt;
      }
      default:
        return std::nullopt;
    }
  }

  std::optional<outgoing> drive_group_delete(job& j, const service::response* r) {
    auto rec = state_.groups.find(j.jc_id);
    if (rec == state_.groups.end()) return std::nullopt;
    if (j.stage == 0) {
      j.stage = 1;
      return out(make_request("DELETE", id_path("/Groups", rec->second.scim_id)), event_type::group_delete_provision,
                 j.jc_id, rec->second.scim_id, rec->second.name);
    }
    if (detail::is_success(r->status) || r->status == 404) state_.groups.erase(rec);
    return std::nullopt;
  }

  // ---- connection test --------------------------------------------------------------

  void test_failed(job& j, const service::response& r, std::string_view step_name) {
    if (j.failed) return;
    j.failed = true;
    j.fail_status = r.status;
    j.fail_detail = std::string(step_name) + ": " + detail::failure_of(r).first;
  }
  void test_failed(job& j, std::string why) {
    if (j.failed) return;
    j.failed = true;
    j.fail_detail = std::move(why);
  }

  system_user test_user(bool updated) const {
    system_user u;
    u.email = cmd_.test.test_email;
    u.firstname = opts_.test_given_name;
    u.lastname = updated ? opts_.test_family_name + " Updated" : opts_.test_family_name;
    return u;
  }

  std::optional<outgoing> test_after_user(job& j) {
    if (cmd_.test.test_group) {
      j.stage = 4;
      const json body = detail::group_resource(opts_.test_group_name, {j.user_id});
      return out(make_request("POST", "/Groups", {}, &body), event_type::group_create_provision, {}, {},
                 opts_.test_group_name);
    }
    return test_update_user(j);
  }

  std::optional<outgoing> test_update_user(job& j) {
    auto ops = detail::user_patch_operations(test_user(true), j.test_user_json);
    if (ops.empty()) ops.push_back(detail::patch_op("replace", "name.familyName", json(test_user(true).lastname)));
    std::vector<std::string> changed = detail::op_paths(ops);
    const json body = detail::patch_body(std::move(ops));
    j.stage = 5;
    outgoing o = out(make_request("PATCH", id_path("/Users", j.user_id), {}, &body), event_type::user_update_provision,
                     {}, j.user_id, cmd_.test.test_email);
    o.changed = std::move(changed);
    return o;
  }

  std::optional<outgoing> test_cleanup(job& j) {
    if (!j.group_id.empty()) {
      std::string id = std::move(j.group_id);
      j.group_id.clear();
      j.stage = 6;
      return out(make_request("DELETE", id_path("/Groups", id)), event_type::group_delete_provision, {}, id,
                 opts_.test_group_name);
    }
    if (!j.user_id.empty()) {
      j.deleting_user_id = std::move(j.user_id);
      j.user_id.clear();
      j.stage = 7;
      return out(make_request("DELETE", id_path("/Users", j.deleting_user_id)), event_type::user_delete_provision, {},
                 j.deleting_user_id, cmd_.test.test_email);
    }
    event e;
    e.type = j.summary;
    e.success = !j.failed;
    e.status = j.fail_status;
    e.detail = j.fail_detail;
    e.name = cmd_.test.test_email;
    events_.push_back(std::move(e));
    if (j.summary == event_type::idm_integration_activate) state_.integration_active = !j.failed;
    return std::nullopt;
  }

  std::optional<outgoing> drive_connection_test(job& j, const outgoing* sent, const service::response* r) {
    switch (j.stage) {
      case 0:
        if (cmd_.test.test_email.empty()) {
          test_failed(j, "the connection test needs a test user email");
          return test_cleanup(j);
        }
        j.stage = 1;
        return out(make_request("GET", "/Users", list_query(1, 1)), std::nullopt, {}, {}, {});
      case 1:
        if (!detail::is_success(r->status) || !detail::list_resources(*r)) {
          if (detail::is_success(r->status)) test_failed(j, "listing users: the answer is not a SCIM ListResponse");
          else test_failed(j, *r, "listing users");
          return test_cleanup(j);
        }
        j.stage = 2;
        return user_lookup({}, cmd_.test.test_email);
      case 2: {
        auto resources = detail::is_success(r->status) ? detail::list_resources(*r) : std::nullopt;
        if (!resources) {
          if (detail::is_success(r->status)) test_failed(j, "looking up the test user: not a SCIM ListResponse");
          else test_failed(j, *r, "looking up the test user");
          return test_cleanup(j);
        }
        for (const auto& res : *resources) {
          if (!scim::detail::iequals(detail::string_at(res, "userName"), cmd_.test.test_email)) continue;
          j.user_id = detail::string_at(res, "id");
          j.test_user_json = res;
          if (j.user_id.empty()) {
            test_failed(j, "looking up the test user: a user without an id");
            return test_cleanup(j);
          }
          return test_after_user(j);
        }
        if (j.after_conflict) {
          test_failed(j, "creating the test user: 409, and the lookup does not find it");
          return test_cleanup(j);
        }
        j.stage = 3;
        const json body = detail::user_resource(test_user(false), true);
        return out(make_request("POST", "/Users", {}, &body), event_type::user_create_provision, {}, {},
                   cmd_.test.test_email);
      }
      case 3: {
        if (r->status == 409 && !j.after_conflict) {
          j.after_conflict = true;
          j.stage = 2;
          return user_lookup({}, cmd_.test.test_email);
        }
        auto body = detail::is_success(r->status) ? detail::body_json(*r) : std::nullopt;
        if (body && body->is_object()) j.user_id = detail::string_at(*body, "id");
        if (j.user_id.empty()) {
          if (detail::is_success(r->status)) {
            fail_recorded(*sent, "the answer to the create has no id");
            test_failed(j, "creating the test user: the answer has no id");
          } else {
            test_failed(j, *r, "creating the test user");
          }
          return test_cleanup(j);
        }
        j.test_user_json = std::move(*body);
        return test_after_user(j);
      }
      case 4: {
        auto body = detail::is_success(r->status) ? detail::body_json(*r) : std::nullopt;
        if (body && body->is_object()) j.group_id = detail::string_at(*body, "id");
        if (j.group_id.empty()) {
          test_failed(j, *r, "creating the test group");
          return test_cleanup(j);
        }
        return test_update_user(j);
      }
      case 5:
        if (!detail::is_success(r->status)) test_failed(j, *r, "updating the test user");
        return test_cleanup(j);
      case 6:
        if (!detail::is_success(r->status)) test_failed(j, *r, "deleting the test group");
        return test_cleanup(j);
      case 7: {
        if (r->status == 405 || r->status == 501) {  // DELETE unsupported: deactivate instead
          j.stage = 8;
          const json body = detail::patch_body({detail::patch_op("replace", "active", json(false))});
          outgoing o = out(make_request("PATCH", id_path("/Users", j.deleting_user_id), {}, &body),
                           event_type::user_deprovision, {}, j.deleting_user_id, cmd_.test.test_email);
          o.changed = {"active"};
          return o;
        }
        if (!detail::is_success(r->status)) test_failed(j, *r, "deleting the test user");
        return test_cleanup(j);
      }
      case 8:
        if (!detail::is_success(r->status)) test_failed(j, *r, "deactivating the test user");
        return test_cleanup(j);
      default:
        return std::nullopt;
    }
  }

  // ---- reauthentication -------------------------------------------------------------

  std::optional<outgoing> drive_reauth(job& j, const service::response* r) {
    if (j.stage == 0) {
      j.stage = 1;
      return out(make_request("GET", "/Users", list_query(1, 1), nullptr, &cmd_.token), std::nullopt, {}, {}, {});
    }
    if (detail::is_success(r->status) && detail::list_resources(*r)) {
      opts_.token = cmd_.token;
      emit(event_type::idm_integration_reauth, true, {}, {}, {}, r->status, {});
    } else {
      emit(event_type::idm_integration_reauth, false, {}, {}, {}, r->status,
           detail::is_success(r->status) ? std::string("the answer is not a SCIM ListResponse")
                                         : detail::failure_of(*r).first);
    }
    return std::nullopt;
  }

  // ---- manual import ------------------------------------------------------------------

  std::optional<outgoing> drive_import(job& j, const service::response* r) {
    if (j.stage == 0) {
      j.stage = 1;
      j.start_index = 1;
      emails_.clear();
      for (const auto& u : cmd_.snap.users)
        if (!u.email.empty()) emails_.emplace(scim::detail::to_lower(u.email), u.id);
      ++import_.pages;
      return out(make_request("GET", "/Users", list_query(1, opts_.page_size)), std::nullopt, {}, {}, {});
    }
    if (!detail::is_success(r->status)) {
      import_.error = "listing users (startIndex " + std::to_string(j.start_index) + "): " + detail::failure_of(*r).first;
      return std::nullopt;
    }
    auto body = detail::body_json(*r);
    const json* resources = body && body->is_object() ? detail::find_ci(*body, "Resources") : nullptr;
    const json* total = body && body->is_object() ? detail::find_ci(*body, "totalResults") : nullptr;
    if (total == nullptr || !total->is_number_integer() || total->get<std::int64_t>() < 0 ||
        (resources != nullptr && !resources->is_array())) {
      import_.error = "listing users (startIndex " + std::to_string(j.start_index) + "): not a SCIM ListResponse";
      return std::nullopt;
    }
    import_.total_results = static_cast<std::size_t>(total->get<std::int64_t>());
    const std::size_t n = resources != nullptr ? resources->size() : 0;
    if (resources != nullptr) {
      for (const auto& res : *resources) {
        import_entry e;
        e.scim_id = detail::string_at(res, "id");
        e.user_name = detail::string_at(res, "userName");
        e.email = detail::work_email(res);
        if (const json* name = detail::find_ci(res, "name"); name != nullptr) {
          e.given_name = detail::string_at(*name, "givenName");
          e.family_name = detail::string_at(*name, "familyName");
        }
        if (const json* a = detail::find_ci(res, "active"); a != nullptr && a->is_boolean()) e.active = a->get<bool>();
        auto match = emails_.find(scim::detail::to_lower(e.user_name));
        if (match == emails_.end()) {
          if (const json* emails = detail::find_ci(res, "emails"); emails != nullptr && emails->is_array())
            for (const auto& em : *emails) {
              match = emails_.find(scim::detail::to_lower(detail::string_at(em, "value")));
              if (match != emails_.end()) break;
            }
        }
        if (match != emails_.end()) {
          e.status = import_status::imported;
          e.jumpcloud_id = match->second;
        }
        import_.users.push_back(std::move(e));
      }
    }
    j.start_index += n;
    if (n == 0 || j.start_index > import_.total_results) {
      import_.complete = true;
      return std::nullopt;
    }
    ++import_.pages;
    return out(make_request("GET", "/Users", list_query(j.start_index, opts_.page_size)), std::nullopt, {}, {}, {});
  }

  planner_options opts_;
  planner_state state_;
  std::deque<command> commands_;
  command cmd_{};
  std::deque<job> jobs_;
  std::optional<job> job_;
  std::optional<outgoing> pending_;
  std::vector<event> events_;
  import_report import_;
  std::unordered_map<std::string, std::size_t> user_index_;
  std::unordered_map<std::string, std::size_t> group_index_;
  std::unordered_set<std::string> bound_;
  std::unordered_map<std::string, std::string> emails_;
};

}  // namespace jumpcloud
SCIM_END_NAMESPACE
