// End to end, in process: the JumpCloud planner provisioning into the service
// core with the 1Password policy and the in-memory store. Every scenario
// asserts both the service provider's state and the Directory Insights events.
#include "scim/jumpcloud/planner.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "scim/onepassword/policy.hpp"
#include "scim/service/service.hpp"
#include "scim/store/memory_store.hpp"

namespace {

namespace jc = scim::jumpcloud;
namespace op = scim::onepassword;
namespace sv = scim::service;
using scim::json;

const scim::schema_registry& op_reg() {
  static const scim::schema_registry reg = op::make_registry();
  return reg;
}

// 1Password's side (service + policy + store) and JumpCloud's side (planner + directory).
struct world {
  std::string sp_token = "token-1";
  scim::store::memory_store store{op_reg()};
  sv::service<scim::store::memory_store> svc;
  jc::snapshot dir;
  jc::planner planner;
  std::vector<jc::event> events;

  world()
      : svc(store, op_reg(), [this] {
          sv::service_options o;
          o.rules = std::make_shared<op::policy>();
          o.authenticate = [this](std::optional<std::string_view> h) -> std::optional<sv::principal> {
            if (h && *h == "Bearer " + sp_token) return sv::principal{"jumpcloud"};
            return std::nullopt;
          };
          return o;
        }()),
        planner(jc::planner_options{.base_path = "", .token = "token-1"}) {}

  void add_user(std::string id, std::string email, std::string first, std::string last) {
    dir.users.push_back({std::move(id), email.substr(0, email.find('@')), email, std::move(first), std::move(last), false});
  }
  jc::system_user& user(std::string_view id) {
    for (auto& u : dir.users)
      if (u.id == id) return u;
    FAIL("no user " << id);
    return dir.users.front();
  }
  jc::user_group& group(std::string_view id) {
    for (auto& g : dir.groups)
      if (g.id == id) return g;
    FAIL("no group " << id);
    return dir.groups.front();
  }

  /// One sync; returns this run's events.
  std::vector<jc::event> sync() {
    planner.sync(dir);
    return drain();
  }
  std::vector<jc::event> drain() {
    while (auto s = planner.next()) planner.feed(svc.handle(s->request));
    auto e = planner.take_events();
    events.insert(events.end(), e.begin(), e.end());
    return e;
  }

  // The service provider's view (as an administrator would read it).
  sv::response admin(std::string method, std::string path, std::string body = "") {
    sv::request r{std::move(method), std::move(path), "", {{"Authorization", "Bearer " + sp_token}}, std::move(body)};
    if (!r.body.empty()) r.headers.emplace_back("Content-Type", "application/scim+json");
    return svc.handle(r);
  }
  std::vector<json> list(std::string_view endpoint) {
    auto r = admin("GET", std::string(endpoint) + "?count=1000");
    REQUIRE(r.status == 200);
    auto j = scim::parse_json(r.body);
    REQUIRE(j);
    std::vector<json> out;
    for (const auto& x : (*j)["Resources"]) out.push_back(x);
    return out;
  }
  std::optional<json> sp_user(std::string_view email) {
    for (auto& u : list("/Users"))
      if (scim::detail::iequals(u.value("userName", ""), email)) return u;
    return std::nullopt;
  }
  std::optional<json> sp_group(std::string_view name) {
    for (auto& g : list("/Groups"))
      if (g.value("displayName", "") == name) return g;
    return std::nullopt;
  }
  std::vector<std::string> sp_members(std::string_view group_name) {
    std::vector<std::string> names;
    auto g = sp_group(group_name);
    if (!g || !g->contains("members")) return names;
    for (const auto& m : (*g)["members"]) {
      auto r = admin("GET", "/Users/" + m["value"].get<std::string>());
      if (r.status == 200) names.push_back(scim::parse_json(r.body)->value("userName", ""));
    }
    std::sort(names.begin(), names.end());
    return names;
  }
  std::string state_of(std::string_view email) {
    auto u = sp_user(email);
    if (!u) return "absent";
    return (*u)[std::string(op::state_urn)].value("state", "");
  }
  void confirm(std::string_view email) {
    auto u = sp_user(email);
    REQUIRE(u);
    REQUIRE(op::confirm_user(store, op_reg(), (*u)["id"].get<std::string>()));
  }
};

std::size_t count(const std::vector<jc::event>& es, jc::event_type t, bool success = true) {
  return static_cast<std::size_t>(
      std::count_if(es.begin(), es.end(), [&](const jc::event& e) { return e.type == t && e.success == success; }));
}

bool all_succeeded(const std::vector<jc::event>& es) {
  return std::all_of(es.begin(), es.end(), [](const jc::event& e) { return e.success; });
}

// Ada, Alan (Engineering), Grace (Engineering + Operations), Edsger (Operations),
// Barbara (Sales, not bound); Engineering and Operations bound; Empty bound but empty.
void seed(world& w) {
  w.add_user("u1", "ada@example.com", "Ada", "Lovelace");
  w.add_user("u2", "alan@example.com", "Alan", "Turing");
  w.add_user("u3", "grace@example.com", "Grace", "Hopper");
  w.add_user("u4", "edsger@example.com", "Edsger", "Dijkstra");
  w.add_user("u5", "barbara@example.com", "Barbara", "Liskov");
  w.dir.groups = {{"g-eng", "Engineering", {"u1", "u2", "u3"}},
                  {"g-ops", "Operations", {"u3", "u4"}},
                  {"g-empty", "Empty", {}},
                  {"g-sales", "Sales", {"u5"}}};
  w.dir.bound_group_ids = {"g-eng", "g-ops", "g-empty"};
}

}  // namespace

TEST_CASE("jumpcloud+1password: first sync, attribute updates and renames") {
  world w;
  seed(w);
  auto ev = w.sync();
  CHECK(all_succeeded(ev));
  CHECK(count(ev, jc::event_type::user_create_provision) == 4);
  CHECK(count(ev, jc::event_type::group_create_provision) == 2);
  CHECK(w.list("/Users").size() == 4);
  CHECK_FALSE(w.sp_user("barbara@example.com"));  // Sales is not bound
  CHECK_FALSE(w.sp_group("Empty"));               // empty groups are not created
  CHECK_FALSE(w.sp_group("Sales"));
  CHECK(w.sp_members("Engineering") == std::vector<std::string>{"ada@example.com", "alan@example.com", "grace@example.com"});
  CHECK(w.sp_members("Operations") == std::vector<std::string>{"edsger@example.com", "grace@example.com"});
  auto ada = *w.sp_user("ada@example.com");
  CHECK(ada["displayName"] == "Ada Lovelace");
  CHECK(ada["name"]["formatted"] == "Ada Lovelace");
  CHECK(ada["emails"][0]["value"] == "ada@example.com");
  CHECK(w.state_of("ada@example.com") == "invited");

  // Nothing changed: no writes.
  ev = w.sync();
  CHECK(count(ev, jc::event_type::user_update_provision) == 0);
  CHECK(count(ev, jc::event_type::group_update_provision) == 0);

  // Last name changes in JumpCloud: 1Password recomputes the display name.
  w.user("u1").lastname = "King";
  ev = w.sync();
  CHECK(count(ev, jc::event_type::user_update_provision) == 1);
  ada = *w.sp_user("ada@example.com");
  CHECK(ada["name"]["familyName"] == "King");
  CHECK(ada["displayName"] == "Ada King");
  CHECK(ada["name"]["formatted"] == "Ada King");

  // Group rename propagates; membership follows every change.
  w.group("g-eng").name = "R&D";
  w.group("g-eng").member_ids.push_back("u4");
  ev = w.sync();
  CHECK(count(ev, jc::event_type::group_update_provision) == 1);
  CHECK_FALSE(w.sp_group("Engineering"));
  CHECK(w.sp_members("R&D") == std::vector<std::string>{"ada@example.com", "alan@example.com", "edsger@example.com",
                                                        "grace@example.com"});
}

TEST_CASE("jumpcloud+1password: deactivation removes invited users, suspends active ones; reactivation") {
  world w;
  seed(w);
  w.sync();
  w.confirm("grace@example.com");  // Grace joined 1Password; the others are still invited
  CHECK(w.state_of("grace@example.com") == "active");

  // Alan is suspended in JumpCloud (invited in 1Password): removed.
  w.user("u2").suspended = true;
  // Grace leaves both groups (her last bound group): suspended.
  w.group("g-eng").member_ids = {"u1", "u2"};
  w.group("g-ops").member_ids = {"u4"};
  auto ev = w.sync();
  CHECK(count(ev, jc::event_type::user_deprovision) == 2);
  CHECK(all_succeeded(ev));
  CHECK(w.state_of("alan@example.com") == "absent");
  CHECK(w.admin("GET", "/Users?filter=userName+eq+%22alan@example.com%22").body.find("\"totalResults\":0") !=
        std::string::npos);
  CHECK(w.state_of("grace@example.com") == "suspended");
  CHECK((*w.sp_user("grace@example.com"))["active"] == false);
  CHECK(w.sp_members("Engineering") == std::vector<std::string>{"ada@example.com"});

  // Reactivation: Grace back in Operations is restored; Alan unsuspended is invited again.
  w.group("g-ops").member_ids = {"u3", "u4"};
  w.user("u2").suspended = false;
  ev = w.sync();
  w.sync();  // a second run settles anything the first could only learn (a removed user is re-created)
  CHECK(w.state_of("grace@example.com") == "active");
  CHECK((*w.sp_user("grace@example.com"))["active"] == true);
  CHECK(w.state_of("alan@example.com") == "invited");
  CHECK(w.sp_members("Operations") == std::vector<std::string>{"edsger@example.com", "grace@example.com"});
  CHECK(w.sp_members("Engineering") == std::vector<std::string>{"ada@example.com", "alan@example.com"});
}

TEST_CASE("jumpcloud+1password: group takeover by name; built-in groups are never touched") {
  world w;
  seed(w);
  // 1Password already has an "Operations" group with someone in it.
  auto made = w.admin("POST", "/Groups", R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Operations"})");
  REQUIRE(made.status == 201);
  // And a JumpCloud group named like a built-in 1Password group.
  w.dir.groups.push_back({"g-owners", "Owners", {"u1"}});
  w.dir.bound_group_ids.push_back("g-owners");
  auto ev = w.sync();
  std::size_t ops_groups = 0;
  for (const auto& g : w.list("/Groups")) ops_groups += g["displayName"] == "Operations" ? 1 : 0;
  CHECK(ops_groups == 1);  // taken over, not duplicated
  CHECK(w.sp_group("Operations").value()["id"] == scim::parse_json(made.body)->at("id"));
  CHECK(w.sp_members("Operations") == std::vector<std::string>{"edsger@example.com", "grace@example.com"});
  // "Owners" cannot be created: a failed group_create_provision with 1Password's reason.
  bool refused = false;
  for (const auto& e : ev)
    if (e.type == jc::event_type::group_create_provision && !e.success && e.name == "Owners") {
      refused = true;
      CHECK(e.status == 400);
      CHECK(e.detail.find("built-in") != std::string::npos);
    }
  CHECK(refused);
}

TEST_CASE("jumpcloud+1password: disassociation and deletion follow the 'another managed group' rule") {
  world w;
  seed(w);
  w.sync();
  w.confirm("ada@example.com");
  w.confirm("grace@example.com");
  // Engineering disassociated: it stays as it is; Ada (only there) is suspended,
  // Grace (also in Operations) stays active, Alan (invited) is removed.
  w.dir.bound_group_ids = {"g-ops", "g-empty"};
  auto ev = w.sync();
  CHECK(count(ev, jc::event_type::group_delete_provision) == 0);
  CHECK(w.sp_group("Engineering"));
  CHECK(w.state_of("ada@example.com") == "suspended");
  CHECK(w.state_of("grace@example.com") == "active");
  CHECK(w.state_of("alan@example.com") == "absent");
  // Operations deleted in JumpCloud: deleted in 1Password; Edsger (invited) removed,
  // Grace (active) suspended as she is in no other managed group.
  w.dir.groups.erase(std::remove_if(w.dir.groups.begin(), w.dir.groups.end(),
                                    [](const jc::user_group& g) { return g.id == "g-ops"; }),
                     w.dir.groups.end());
  w.dir.bound_group_ids = {"g-empty"};
  ev = w.sync();
  CHECK(count(ev, jc::event_type::group_delete_provision) == 1);
  CHECK_FALSE(w.sp_group("Operations"));
  CHECK(w.state_of("edsger@example.com") == "absent");
  CHECK(w.state_of("grace@example.com") == "suspended");
}

TEST_CASE("jumpcloud+1password: group management disabled keeps users managed") {
  world w;
  seed(w);
  w.sync();
  w.dir.group_management = false;
  w.group("g-eng").name = "Renamed";
  w.user("u1").firstname = "Augusta";
  auto ev = w.sync();
  CHECK(count(ev, jc::event_type::group_update_provision) == 0);
  CHECK(w.sp_group("Engineering"));
  CHECK((*w.sp_user("ada@example.com"))["displayName"] == "Augusta Lovelace");
}

TEST_CASE("jumpcloud+1password: token re-authentication and connection lifecycle") {
  world w;
  seed(w);
  w.planner.activate({"jc-test@example.com", true});
  auto ev = w.drain();
  CHECK(count(ev, jc::event_type::idm_integration_activate) == 1);
  CHECK_FALSE(w.sp_user("jc-test@example.com"));  // the test user and group were deleted again
  CHECK(w.list("/Groups").empty());

  w.sp_token = "token-2";  // the bridge's token was rotated
  ev = w.sync();
  CHECK_FALSE(all_succeeded(ev));
  CHECK(w.list("/Users").empty());
  w.planner.reauthenticate("token-2");
  ev = w.drain();
  CHECK(count(ev, jc::event_type::idm_integration_reauth) == 1);
  ev = w.sync();
  CHECK(all_succeeded(ev));
  CHECK(w.list("/Users").size() == 4);

  // Deactivating the integration leaves users as they are and stops updates.
  w.planner.deactivate();
  ev = w.drain();
  CHECK(count(ev, jc::event_type::idm_integration_delete) == 1);
  w.user("u1").suspended = true;
  w.sync();
  CHECK(w.state_of("ada@example.com") == "invited");
}

TEST_CASE("jumpcloud+1password: manual import of 250 users") {
  world w;
  for (int i = 0; i < 250; ++i) {
    const std::string email = "person" + std::to_string(i) + "@example.com";
    auto r = w.admin("POST", "/Users", R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":")" +
                                           email + "\"}");
    REQUIRE(r.status == 201);
  }
  for (int i = 0; i < 250; i += 5) w.add_user("jc" + std::to_string(i), "Person" + std::to_string(i) + "@example.com", "P", "");
  w.planner.import_users(w.dir);
  w.drain();
  const auto& report = w.planner.last_import();
  CHECK(report.users.size() == 250);
  CHECK(report.count(jc::import_status::imported) == 50);
  CHECK(report.count(jc::import_status::new_user) == 200);
}
