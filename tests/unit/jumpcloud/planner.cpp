#include "scim/jumpcloud/planner.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scim/jumpcloud/events.hpp"
#include "scim/json.hpp"
#include "scim/schema/registry.hpp"
#include "scim/service/service.hpp"
#include "scim/store/memory_store.hpp"

namespace {

namespace jc = scim::jumpcloud;
namespace sv = scim::service;
using scim::json;
using std::chrono::seconds;

json parse(const std::string& text) {
  auto j = scim::parse_json(text);
  REQUIRE_MESSAGE(j.has_value(), text);
  return *j;
}

std::string error_body(int status, std::string_view detail) {
  json j = json::object();
  j["schemas"] = json::array({"urn:ietf:params:scim:api:messages:2.0:Error"});
  j["status"] = std::to_string(status);
  j["detail"] = std::string(detail);
  return scim::dump_json(j);
}

// The service provider: the generic service over an in-memory store.
struct provider {
  scim::store::memory_store store{scim::default_registry()};
  sv::service<scim::store::memory_store> svc;

  explicit provider(sv::service_options o = {}) : svc(store, scim::default_registry(), std::move(o)) {}

  sv::response handle(const sv::request& r) const { return svc.handle(r); }
  sv::response operator()(const sv::request& r) const { return svc.handle(r); }

  sv::response send(std::string method, std::string path, std::string body = {}) const {
    sv::request r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.body = std::move(body);
    r.headers.emplace_back("Authorization", "Bearer " + admin_token);
    if (!r.body.empty()) r.headers.emplace_back("Content-Type", "application/scim+json");
    return svc.handle(r);
  }
  json get(std::string path) const {
    auto r = send("GET", std::move(path));
    REQUIRE_MESSAGE(r.status == 200, r.body);
    return parse(r.body);
  }
  int status_of(std::string path) const { return send("GET", std::move(path)).status; }
  std::vector<json> list(std::string_view endpoint) const {
    json l = get(std::string(endpoint) + "?count=1000");
    std::vector<json> out;
    if (l.contains("Resources"))
      for (const auto& r : l["Resources"]) out.push_back(r);
    return out;
  }
  std::optional<json> user(std::string_view user_name) const {
    for (auto& u : list("/Users"))
      if (scim::detail::iequals(u.value("userName", ""), user_name)) return u;
    return std::nullopt;
  }
  std::optional<json> group(std::string_view name) const {
    for (auto& g : list("/Groups"))
      if (g.value("displayName", "") == name) return g;
    return std::nullopt;
  }
  std::string create(std::string endpoint, const json& body) const {
    auto r = send("POST", std::move(endpoint), scim::dump_json(body));
    REQUIRE_MESSAGE(r.status == 201, r.body);
    return parse(r.body)["id"].get<std::string>();
  }
  std::string create_user(std::string_view email, bool active = true) const {
    json u = json::object();
    u["schemas"] = json::array({"urn:ietf:params:scim:schemas:core:2.0:User"});
    u["userName"] = std::string(email);
    u["active"] = active;
    return create("/Users", u);
  }
  std::string admin_token = "admin";
};

std::vector<std::string> member_ids(const json& group) {
  std::vector<std::string> ids;
  if (group.contains("members"))
    for (const auto& m : group["members"]) ids.push_back(m["value"].get<std::string>());
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// What a run sent.
struct transcript {
  std::vector<sv::request> requests;
  std::vector<seconds> delays;

  std::size_t count(std::string_view method, std::string_view path_contains = "") const {
    return static_cast<std::size_t>(std::count_if(requests.begin(), requests.end(), [&](const sv::request& r) {
      return r.method == method && (r.path + "?" + r.query).find(path_contains) != std::string::npos;
    }));
  }
  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    for (const auto& r : requests) out.push_back(r.method + " " + r.path);
    return out;
  }
};

template <class Handler>
transcript drive(jc::planner& p, Handler&& handler) {
  transcript t;
  while (auto s = p.next()) {
    t.requests.push_back(s->request);
    t.delays.push_back(s->delay);
    p.feed(handler(s->request));
    REQUIRE(t.requests.size() < 5000);
  }
  CHECK(p.idle());
  return t;
}

std::size_t count_events(const std::vector<jc::event>& evs, jc::event_type t, std::optional<bool> success = {}) {
  return static_cast<std::size_t>(std::count_if(evs.begin(), evs.end(), [&](const jc::event& e) {
    return e.type == t && (!success || e.success == *success);
  }));
}

std::vector<std::string> event_names(const std::vector<jc::event>& evs) {
  std::vector<std::string> out;
  for (const auto& e : evs) out.emplace_back(jc::to_string(e.type));
  return out;
}

std::vector<std::string> op_paths(const sv::request& patch) {
  std::vector<std::string> out;
  const json body = parse(patch.body);
  for (const auto& op : body["Operations"]) out.push_back(op.value("path", ""));
  return out;
}

jc::system_user person(std::string id, std::string email, std::string first, std::string last) {
  jc::system_user u;
  u.id = std::move(id);
  u.username = u.id;
  u.email = std::move(email);
  u.firstname = std::move(first);
  u.lastname = std::move(last);
  return u;
}

jc::user_group team(std::string id, std::string name, std::vector<std::string> members) {
  jc::user_group g;
  g.id = std::move(id);
  g.name = std::move(name);
  g.member_ids = std::move(members);
  return g;
}

jc::user_group* find_group(jc::snapshot& s, std::string_view id) {
  for (auto& g : s.groups)
    if (g.id == id) return &g;
  return nullptr;
}
jc::system_user* find_user(jc::snapshot& s, std::string_view id) {
  for (auto& u : s.users)
    if (u.id == id) return &u;
  return nullptr;
}

// alice and bob bound directly; carol through Engineering (with alice);
// dave in the unbound Sales group; Empty bound with no members.
jc::snapshot company() {
  jc::snapshot s;
  s.users = {person("u1", "alice@example.com", "Alice", "Smith"), person("u2", "bob@example.com", "Bob", "Jones"),
             person("u3", "carol@example.com", "Carol", "White"), person("u4", "dave@example.com", "Dave", "Brown")};
  s.groups = {team("g1", "Engineering", {"u1", "u3"}), team("g2", "Empty", {}), team("g3", "Sales", {"u4"})};
  s.bound_user_ids = {"u1", "u2"};
  s.bound_group_ids = {"g1", "g2"};
  return s;
}

// A wrapper that answers some requests itself (429, 503, 409, 404, ...),
// optionally after letting the service apply them (an ambiguous failure).
struct fault {
  std::string method;
  std::string path_contains;
  int status = 503;
  std::string retry_after{};
  bool apply = false;
  int times = 1;
};

struct flaky {
  const provider& sp;
  std::vector<fault> faults;
  int injected = 0;

  sv::response operator()(const sv::request& r) {
    for (auto& f : faults) {
      if (f.times <= 0 || r.method != f.method || (r.path + "?" + r.query).find(f.path_contains) == std::string::npos)
        continue;
      --f.times;
      ++injected;
      if (f.apply) (void)sp.handle(r);
      sv::response res;
      res.status = f.status;
      res.body = error_body(f.status, "injected " + std::to_string(f.status));
      res.set_header("Content-Type", "application/scim+json");
      if (!f.retry_after.empty()) res.set_header("Retry-After", f.retry_after);
      return res;
    }
    return sp.handle(r);
  }
};

}  // namespace

TEST_CASE("jumpcloud planner: first sync creates bound users and non-empty bound groups") {
  provider sp;
  jc::planner p({.base_path = "/scim/v2", .token = "admin"});
  p.sync(company());
  auto t = drive(p, sp);

  // Every create is preceded by a lookup; Empty, Sales and dave are not touched.
  CHECK(t.lines() == std::vector<std::string>{"GET /scim/v2/Users", "POST /scim/v2/Users", "GET /scim/v2/Users",
                                              "POST /scim/v2/Users", "GET /scim/v2/Users", "POST /scim/v2/Users",
                                              "GET /scim/v2/Groups", "POST /scim/v2/Groups"});
  CHECK(t.requests[0].query == "filter=userName%20eq%20%22alice%40example.com%22");
  CHECK(t.requests[6].query == "filter=displayName%20eq%20%22Engineering%22");
  CHECK(t.requests[1].header_value("Authorization") == std::optional<std::string_view>("Bearer admin"));
  CHECK(t.requests[1].header_value("Content-Type") == std::optional<std::string_view>("application/scim+json"));

  // The SCIM User the planner sends.
  json posted = parse(t.requests[1].body);
  CHECK(posted["userName"] == "alice@example.com");
  CHECK(posted["emails"] == parse(R"([{"value":"alice@example.com","type":"work","primary":true}])"));
  CHECK(posted["name"]["givenName"] == "Alice");
  CHECK(posted["name"]["familyName"] == "Smith");
  CHECK(posted["name"]["formatted"] == "Alice Smith");
  CHECK(posted["displayName"] == "Alice Smith");
  CHECK(posted["active"] == true);

  // Service-provider state.
  CHECK(sp.list("/Users").size() == 3);
  auto alice = sp.user("alice@example.com");
  auto carol = sp.user("carol@example.com");
  REQUIRE(alice);
  REQUIRE(carol);
  CHECK((*alice)["displayName"] == "Alice Smith");
  CHECK((*alice)["active"] == true);
  CHECK_FALSE(sp.user("dave@example.com"));
  auto eng = sp.group("Engineering");
  REQUIRE(eng);
  CHECK(member_ids(*eng) == sorted({(*alice)["id"].get<std::string>(), (*carol)["id"].get<std::string>()}));
  CHECK_FALSE(sp.group("Empty"));
  CHECK_FALSE(sp.group("Sales"));

  // Events: one per attempt; successful lookups are not logged.
  auto evs = p.take_events();
  CHECK(event_names(evs) == std::vector<std::string>{"user_create_provision", "user_create_provision",
                                                     "user_create_provision", "group_create_provision"});
  for (const auto& e : evs) CHECK(e.success);
  CHECK(evs[0].jumpcloud_id == "u1");
  CHECK(evs[0].scim_id == (*alice)["id"]);
  CHECK(evs[0].name == "alice@example.com");
  CHECK(evs[3].jumpcloud_id == "g1");
  CHECK(evs[3].scim_id == (*eng)["id"]);

  // Saved state, and a JSON round trip of it.
  const jc::planner_state& st = p.state();
  CHECK(st.users.size() == 3);
  CHECK(st.users.at("u1").scim_id == (*alice)["id"]);
  CHECK(st.users.at("u1").active);
  CHECK(st.groups.size() == 1);
  CHECK(st.groups.at("g1").name == "Engineering");
  auto back = jc::state_from_json(json(st));
  REQUIRE(back);
  CHECK(*back == st);

  // Nothing changed: nothing is sent.
  jc::planner again({.base_path = "/scim/v2", .token = "admin"}, *back);
  again.sync(company());
  CHECK(drive(again, sp).requests.empty());
  CHECK(again.events().empty());
}

TEST_CASE("jumpcloud planner: attribute updates send only the changed attributes") {
  provider sp;
  jc::planner p;
  p.sync(company());
  drive(p, sp);
  (void)p.take_events();

  SUBCASE("last name") {
    jc::snapshot s = company();
    find_user(s, "u1")->lastname = "Smith-Jones";
    p.sync(s);
    auto t = drive(p, sp);
    REQUIRE(t.lines().size() == 2);
    CHECK(t.requests[0].method == "GET");
    CHECK(t.requests[1].method == "PATCH");
    CHECK(op_paths(t.requests[1]) == std::vector<std::string>{"name.familyName", "displayName", "name.formatted"});
    const json body = parse(t.requests[1].body);
    for (const auto& op : body["Operations"]) CHECK(op["op"] == "replace");
    auto alice = sp.user("alice@example.com");
    REQUIRE(alice);
    CHECK((*alice)["name"]["familyName"] == "Smith-Jones");
    CHECK((*alice)["displayName"] == "Alice Smith-Jones");
    auto evs = p.take_events();
    REQUIRE(evs.size() == 1);
    CHECK(evs[0].type == jc::event_type::user_update_provision);
    CHECK(evs[0].success);
    CHECK(evs[0].changed == std::vector<std::string>{"name.familyName", "displayName", "name.formatted"});
    CHECK(p.state().users.at("u1").family_name == "Smith-Jones");
  }
  SUBCASE("first name emptied: the name is the last name alone") {
    jc::snapshot s = company();
    find_user(s, "u2")->firstname = "";
    p.sync(s);
    auto t = drive(p, sp);
    REQUIRE(t.requests.size() == 2);
    auto ops = parse(t.requests[1].body)["Operations"];
    CHECK(ops[0] == parse(R"({"op":"remove","path":"name.givenName"})"));
    CHECK(ops[1] == parse(R"({"op":"replace","path":"displayName","value":"Jones"})"));
    CHECK(ops[2] == parse(R"({"op":"replace","path":"name.formatted","value":"Jones"})"));
    CHECK((*sp.user("bob@example.com"))["displayName"] == "Jones");
  }
  SUBCASE("email changed: found by its saved id, updated, not duplicated") {
    jc::snapshot s = company();
    find_user(s, "u2")->email = "robert@example.com";
    const std::string bob_id = p.state().users.at("u2").scim_id;
    p.sync(s);
    auto t = drive(p, sp);
    CHECK(t.lines() == std::vector<std::string>{"GET /Users", "GET /Users/" + bob_id, "PATCH /Users/" + bob_id});
    CHECK(op_paths(t.requests[2]) == std::vector<std::string>{"userName", R"(emails[type eq "work"].value)"});
    CHECK(sp.list("/Users").size() == 3);
    auto robert = sp.user("robert@example.com");
    REQUIRE(robert);
    CHECK((*robert)["id"] == bob_id);
    CHECK((*robert)["emails"][0]["value"] == "robert@example.com");
    CHECK(count_events(p.events(), jc::event_type::user_update_provision, true) == 1);
    CHECK(count_events(p.events(), jc::event_type::user_create_provision) == 0);
  }
  SUBCASE("changed in the service provider behind JumpCloud's back: full_resync repairs it") {
    const std::string alice_id = p.state().users.at("u1").scim_id;
    auto r = sp.send("PATCH", "/Users/" + alice_id,
                     R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],)"
                     R"("Operations":[{"op":"replace","path":"name.givenName","value":"Ally"}]})");
    REQUIRE(r.status == 200);
    p.sync(company());
    CHECK(drive(p, sp).requests.empty());  // no change event in JumpCloud
    jc::planner full({.full_resync = true}, p.state());
    full.sync(company());
    auto t = drive(full, sp);
    CHECK(t.count("GET", "/Users") == 3);
    REQUIRE(t.count("PATCH") == 1);
    CHECK(t.requests[1].method == "PATCH");
    CHECK(op_paths(t.requests[1]) == std::vector<std::string>{"name.givenName"});
    CHECK((*sp.user("alice@example.com"))["name"]["givenName"] == "Alice");
  }
}

TEST_CASE("jumpcloud planner: unbound and suspended users are deactivated, then reactivated") {
  provider sp;
  jc::planner p;
  p.sync(company());
  drive(p, sp);
  (void)p.take_events();
  const std::string bob_id = p.state().users.at("u2").scim_id;
  const std::string carol_id = p.state().users.at("u3").scim_id;
  const std::string eng_id = p.state().groups.at("g1").scim_id;

  jc::snapshot s = company();
  s.bound_user_ids = {"u1"};           // bob unbound
  find_user(s, "u3")->suspended = true;  // carol suspended in JumpCloud
  p.sync(s);
  auto t = drive(p, sp);
  // Carol leaves the managed group before she is deactivated; no user is deleted.
  CHECK(t.lines() == std::vector<std::string>{"PATCH /Groups/" + eng_id, "PATCH /Users/" + bob_id,
                                              "PATCH /Users/" + carol_id});
  CHECK(parse(t.requests[0].body)["Operations"] ==
        parse(R"([{"op":"remove","path":"members","value":[{"value":")" + carol_id + R"("}]}])"));
  CHECK(parse(t.requests[1].body)["Operations"] == parse(R"([{"op":"replace","path":"active","value":false}])"));
  CHECK(t.count("DELETE") == 0);
  CHECK((*sp.user("bob@example.com"))["active"] == false);
  CHECK((*sp.user("carol@example.com"))["active"] == false);
  CHECK((*sp.user("alice@example.com"))["active"] == true);
  CHECK(member_ids(sp.get("/Groups/" + eng_id)) == std::vector<std::string>{p.state().users.at("u1").scim_id});
  auto evs = p.take_events();
  CHECK(event_names(evs) == std::vector<std::string>{"group_update_provision", "user_deprovision", "user_deprovision"});
  CHECK(evs[1].jumpcloud_id == "u2");
  CHECK(evs[1].scim_id == bob_id);
  CHECK_FALSE(p.state().users.at("u2").active);

  // Unchanged: the deactivated users are not deactivated again.
  p.sync(s);
  CHECK(drive(p, sp).requests.empty());

  // Bound again and unsuspended: looked up and reactivated (active true),
  // carol back in the group.
  p.sync(company());
  t = drive(p, sp);
  CHECK(t.lines() == std::vector<std::string>{"GET /Users", "PATCH /Users/" + bob_id, "GET /Users",
                                              "PATCH /Users/" + carol_id, "PATCH /Groups/" + eng_id});
  CHECK(op_paths(t.requests[1]) == std::vector<std::string>{"active"});
  CHECK(parse(t.requests[1].body)["Operations"][0]["value"] == true);
  CHECK((*sp.user("bob@example.com"))["active"] == true);
  CHECK((*sp.user("carol@example.com"))["active"] == true);
  CHECK(member_ids(sp.get("/Groups/" + eng_id)).size() == 2);
  evs = p.take_events();
  CHECK(event_names(evs) ==
        std::vector<std::string>{"user_update_provision", "user_update_provision", "group_update_provision"});
  CHECK(sp.list("/Users").size() == 3);
}

TEST_CASE("jumpcloud planner: a user losing its last bound group is deactivated") {
  provider sp;
  jc::planner p;
  p.sync(company());
  drive(p, sp);
  (void)p.take_events();
  jc::snapshot s = company();
  find_group(s, "g1")->member_ids = {"u1"};  // carol leaves Engineering, her only binding
  p.sync(s);
  auto t = drive(p, sp);
  CHECK(t.count("PATCH", "/Groups/") == 1);
  CHECK(t.count("PATCH", "/Users/") == 1);
  CHECK((*sp.user("carol@example.com"))["active"] == false);
  CHECK(count_events(p.events(), jc::event_type::user_deprovision, true) == 1);
  CHECK(p.events().back().jumpcloud_id == "u3");

  // A user deleted in JumpCloud is deactivated too (never deleted) and forgotten.
  jc::snapshot s2 = s;
  s2.users.erase(s2.users.begin() + 1);  // bob
  s2.bound_user_ids = {"u1"};
  p.sync(s2);
  t = drive(p, sp);
  CHECK(t.lines().size() == 1);
  CHECK(t.requests[0].method == "PATCH");
  CHECK((*sp.user("bob@example.com"))["active"] == false);
  CHECK(p.state().users.count("u2") == 0);
}

TEST_CASE("jumpcloud planner: an existing group with the same name is taken over, never duplicated") {
  provider sp;
  const std::string zed = sp.create_user("zed@example.com");
  json g = json::object();
  g["schemas"] = json::array({"urn:ietf:params:scim:schemas:core:2.0:Group"});
  g["displayName"] = "Engineering";
  g["members"] = parse(R"([{"value":")" + zed + R"("}])");
  const std::string existing = sp.create("/Groups", g);

  jc::planner p;
  p.sync(company());
  auto t = drive(p, sp);
  CHECK(t.count("POST", "/Groups") == 0);
  CHECK(t.count("GET", "/Groups?filter=displayName%20eq%20%22Engineering%22") == 1);
  REQUIRE(t.count("PATCH", "/Groups/" + existing) == 1);
  const auto& patch = t.requests.back();
  CHECK(op_paths(patch) == std::vector<std::string>{"members", "members"});
  CHECK(parse(patch.body)["Operations"][0]["op"] == "add");
  CHECK(parse(patch.body)["Operations"][1] ==
        parse(R"({"op":"remove","path":"members","value":[{"value":")" + zed + R"("}]})"));

  std::size_t named = 0;
  for (const auto& grp : sp.list("/Groups")) named += grp["displayName"] == "Engineering" ? 1u : 0u;
  CHECK(named == 1);
  CHECK(member_ids(sp.get("/Groups/" + existing)) ==
        sorted({p.state().users.at("u1").scim_id, p.state().users.at("u3").scim_id}));
  CHECK(p.state().groups.at("g1").scim_id == existing);
  CHECK((*sp.user("zed@example.com"))["active"] == true);  // not JumpCloud's: untouched
  CHECK(count_events(p.events(), jc::event_type::group_create_provision) == 0);
  CHECK(count_events(p.events(), jc::event_type::group_update_provision, true) == 1);
}

TEST_CASE("jumpcloud planner: empty groups are not created until they have a provisioned member") {
  provider sp;
  jc::snapshot s = company();
  s.groups.push_back(team("g4", "Leave", {"u5"}));
  s.users.push_back(person("u5", "erin@example.com", "Erin", "Gray"));
  s.users.back().suspended = true;  // her group has no provisionable member
  s.bound_group_ids.push_back("g4");
  jc::planner p;
  p.sync(s);
  auto t = drive(p, sp);
  CHECK(t.count("GET", "displayName%20eq%20%22Empty%22") == 0);
  CHECK(t.count("GET", "displayName%20eq%20%22Leave%22") == 0);
  CHECK_FALSE(sp.group("Empty"));
  CHECK_FALSE(sp.group("Leave"));
  CHECK_FALSE(sp.user("erin@example.com"));

  find_group(s, "g2")->member_ids = {"u2"};  // bob joins Empty
  p.sync(s);
  t = drive(p, sp);
  CHECK(t.lines() == std::vector<std::string>{"GET /Groups", "POST /Groups"});
  auto empty = sp.group("Empty");
  REQUIRE(empty);
  CHECK(member_ids(*empty) == std::vector<std::string>{p.state().users.at("u2").scim_id});
}

TEST_CASE("jumpcloud planner: a group rename propagates") {
  provider sp;
  jc::planner p;
  p.sync(company());
  drive(p, sp);
  (void)p.take_events();
  const std::string eng_id = p.state().groups.at("g1").scim_id;
  jc::snapshot s = company();
  find_group(s, "g1")->name = "Platform";
  p.sync(s);
  auto t = drive(p, sp);
  REQUIRE(t.lines() == std::vector<std::string>{"PATCH /Groups/" + eng_id});
  CHECK(parse(t.requests[0].body)["Operations"] ==
        parse(R"([{"op":"replace","path":"displayName","value":"Platform"}])"));
  CHECK(sp.get("/Groups/" + eng_id)["displayName"] == "Platform");
  CHECK(member_ids(sp.get("/Groups/" + eng_id)).size() == 2);
  auto evs = p.take_events();
  REQUIRE(evs.size() == 1);
  CHECK(evs[0].type == jc::event_type::group_update_provision);
  CHECK(evs[0].changed == std::vector<std::string>{"displayName"});
  CHECK(p.state().groups.at("g1").name == "Platform");
}

namespace {
// Two managed groups: A = {alice, carol}, B = {alice, bob}; nobody bound directly.
jc::snapshot two_groups() {
  jc::snapshot s;
  s.users = {person("u1", "alice@example.com", "Alice", "Smith"), person("u2", "bob@example.com", "Bob", "Jones"),
             person("u3", "carol@example.com", "Carol", "White")};
  s.groups = {team("gA", "Alpha", {"u1", "u3"}), team("gB", "Beta", {"u1", "u2"})};
  s.bound_group_ids = {"gA", "gB"};
  return s;
}
}  // namespace

TEST_CASE("jumpcloud planner: a disassociated group stops syncing, stays, and its members are deactivated "
          "unless in another managed group") {
  provider sp;
  jc::planner p;
  p.sync(two_groups());
  drive(p, sp);
  (void)p.take_events();
  const std::string alpha = p.state().groups.at("gA").scim_id;
  const auto alpha_members = member_ids(sp.get("/Groups/" + alpha));
  REQUIRE(alpha_members.size() == 2);

  jc::snapshot s = two_groups();
  s.bound_group_ids = {"gB"};
  p.sync(s);
  auto t = drive(p, sp);
  const std::string carol = p.state().users.at("u3").scim_id;
  CHECK(t.lines() == std::vector<std::string>{"PATCH /Users/" + carol});
  CHECK((*sp.user("carol@example.com"))["active"] == false);
  CHECK((*sp.user("alice@example.com"))["active"] == true);  // still in Beta
  CHECK((*sp.user("bob@example.com"))["active"] == true);
  CHECK(sp.get("/Groups/" + alpha)["displayName"] == "Alpha");  // left as it is
  CHECK(member_ids(sp.get("/Groups/" + alpha)) == alpha_members);
  CHECK(p.state().groups.count("gA") == 0);
  auto evs = p.take_events();
  CHECK(event_names(evs) == std::vector<std::string>{"user_deprovision"});
  CHECK(evs[0].jumpcloud_id == "u3");

  // Alpha changes in JumpCloud: nothing is sent for it any more.
  find_group(s, "gA")->name = "Alpha 2";
  find_group(s, "gA")->member_ids = {"u1"};
  p.sync(s);
  CHECK(drive(p, sp).requests.empty());

  // Associated again: taken over by name, membership made JumpCloud's.
  s.bound_group_ids = {"gA", "gB"};
  find_group(s, "gA")->name = "Alpha";
  p.sync(s);
  t = drive(p, sp);
  CHECK(t.count("POST", "/Groups") == 0);
  CHECK(p.state().groups.at("gA").scim_id == alpha);
  CHECK(member_ids(sp.get("/Groups/" + alpha)) == std::vector<std::string>{p.state().users.at("u1").scim_id});
}

TEST_CASE("jumpcloud planner: a group deleted in JumpCloud is deleted, its members deactivated unless in another "
          "managed group") {
  provider sp;
  jc::planner p;
  p.sync(two_groups());
  drive(p, sp);
  (void)p.take_events();
  const std::string beta = p.state().groups.at("gB").scim_id;
  const std::string bob = p.state().users.at("u2").scim_id;

  jc::snapshot s = two_groups();
  s.groups.pop_back();
  s.bound_group_ids = {"gA", "gB"};  // a stale association is ignored
  p.sync(s);
  auto t = drive(p, sp);
  CHECK(t.lines() == std::vector<std::string>{"DELETE /Groups/" + beta, "PATCH /Users/" + bob});
  CHECK(sp.status_of("/Groups/" + beta) == 404);
  CHECK((*sp.user("bob@example.com"))["active"] == false);
  CHECK((*sp.user("alice@example.com"))["active"] == true);  // still in Alpha
  CHECK((*sp.user("carol@example.com"))["active"] == true);
  CHECK(p.state().groups.count("gB") == 0);
  auto evs = p.take_events();
  CHECK(event_names(evs) == std::vector<std::string>{"group_delete_provision", "user_deprovision"});
  CHECK(evs[0].success);
  CHECK(evs[0].jumpcloud_id == "gB");
  CHECK(evs[0].scim_id == beta);
}

TEST_CASE("jumpcloud planner: disabling group management stops group updates but keeps user management") {
  provider sp;
  jc::planner p;
  p.sync(company());
  drive(p, sp);
  (void)p.take_events();
  const jc::planner_state before = p.state();
  const std::string eng_id = before.groups.at("g1").scim_id;
  const auto eng_members = member_ids(sp.get("/Groups/" + eng_id));

  jc::snapshot s = company();
  s.group_management = false;
  find_group(s, "g1")->name = "Platform";
  find_group(s, "g1")->member_ids = {"u1", "u4"};  // dave in, carol out
  find_user(s, "u1")->firstname = "Alicia";
  p.sync(s);
  auto t = drive(p, sp);
  CHECK(t.count("GET", "/Groups") == 0);
  CHECK(t.count("PATCH", "/Groups") == 0);
  CHECK(t.count("POST", "/Groups") == 0);
  CHECK(sp.get("/Groups/" + eng_id)["displayName"] == "Engineering");
  CHECK(member_ids(sp.get("/Groups/" + eng_id)) == eng_members);
  // Users: alice updated, dave (bound through the group) created, carol deactivated.
  CHECK((*sp.user("alice@example.com"))["name"]["givenName"] == "Alicia");
  REQUIRE(sp.user("dave@example.com"));
  CHECK((*sp.user("dave@example.com"))["active"] == true);
  CHECK((*sp.user("carol@example.com"))["active"] == false);
  CHECK(p.state().groups == before.groups);
  auto evs = p.take_events();
  CHECK(count_events(evs, jc::event_type::group_update_provision) == 0);
  CHECK(count_events(evs, jc::event_type::user_update_provision, true) == 1);
  CHECK(count_events(evs, jc::event_type::user_create_provision, true) == 1);
  CHECK(count_events(evs, jc::event_type::user_deprovision, true) == 1);

  // Enabled again: the group catches up (rename, dave in, carol out).
  s.group_management = true;
  p.sync(s);
  t = drive(p, sp);
  CHECK(t.lines() == std::vector<std::string>{"PATCH /Groups/" + eng_id});
  CHECK(sp.get("/Groups/" + eng_id)["displayName"] == "Platform");
  CHECK(member_ids(sp.get("/Groups/" + eng_id)) ==
        sorted({p.state().users.at("u1").scim_id, p.state().users.at("u4").scim_id}));
}

TEST_CASE("jumpcloud planner: re-authentication with a new token") {
  std::string accepted = "t1";
  sv::service_options o;
  o.authenticate = [&accepted](std::optional<std::string_view> h) -> std::optional<sv::principal> {
    if (h && *h == "Bearer " + accepted) return sv::principal{"jumpcloud"};
    if (h && *h == "Bearer admin") return sv::principal{"admin"};
    return std::nullopt;
  };
  provider sp(o);
  jc::planner p({.token = "t1"});
  p.sync(company());
  drive(p, sp);
  REQUIRE(sp.list("/Users").size() == 3);
  (void)p.take_events();

  accepted = "t2";  // the bridge's credentials were regenerated
  jc::snapshot s = company();
  find_user(s, "u1")->lastname = "Smith-Jones";
  find_user(s, "u2")->lastname = "Jones-Smith";
  p.sync(s);
  auto t = drive(p, sp);
  CHECK(t.lines() == std::vector<std::string>{"GET /Users", "GET /Users"});
  auto evs = p.take_events();
  REQUIRE(evs.size() == 2);
  for (const auto& e : evs) {
    CHECK(e.type == jc::event_type::user_lookup_provision);
    CHECK_FALSE(e.success);
    CHECK(e.status == 401);
    CHECK(e.detail == "authentication required: send a valid bearer token");
  }
  CHECK(evs[0].jumpcloud_id == "u1");

  // A wrong new token is refused and the old one kept.
  p.reauthenticate("wrong");
  drive(p, sp);
  evs = p.take_events();
  REQUIRE(evs.size() == 1);
  CHECK(evs[0].type == jc::event_type::idm_integration_reauth);
  CHECK_FALSE(evs[0].success);
  CHECK(evs[0].status == 401);
  CHECK(p.token() == "t1");

  p.reauthenticate("t2");
  t = drive(p, sp);
  REQUIRE(t.requests.size() == 1);
  CHECK(t.requests[0].header_value("Authorization") == std::optional<std::string_view>("Bearer t2"));
  evs = p.take_events();
  REQUIRE(evs.size() == 1);
  CHECK(evs[0].type == jc::event_type::idm_integration_reauth);
  CHECK(evs[0].success);
  CHECK(p.token() == "t2");

  // The failed updates are retried, with the new token.
  p.sync(s);
  t = drive(p, sp);
  CHECK(t.count("PATCH") == 2);
  for (const auto& r : t.requests)
    CHECK(r.header_value("Authorization") == std::optional<std::string_view>("Bearer t2"));
  CHECK((*sp.user("bob@example.com"))["name"]["familyName"] == "Jones-Smith");
  CHECK(count_events(p.events(), jc::event_type::user_update_provision, true) == 2);
}

TEST_CASE("jumpcloud planner: connection lifecycle (activate, update, deactivate)") {
  provider sp;
  jc::planner_state fresh;
  fresh.integration_active = false;
  jc::planner p({.base_path = "/scim/v2"}, fresh);

  // Not active yet: a sync sends nothing.
  p.sync(company());
  CHECK(drive(p, sp).requests.empty());

  p.activate({"idm-test@example.com"});
  auto t = drive(p, sp);
  REQUIRE(t.requests.size() == 7);
  CHECK(t.requests[0].method == "GET");
  CHECK(t.requests[0].query == "startIndex=1&count=1");
  CHECK(t.requests[1].query == "filter=userName%20eq%20%22idm-test%40example.com%22");
  CHECK(t.requests[2].method + " " + t.requests[2].path == "POST /scim/v2/Users");
  CHECK(t.requests[3].method + " " + t.requests[3].path == "POST /scim/v2/Groups");
  CHECK(t.requests[4].method == "PATCH");
  CHECK(t.requests[5].method == "DELETE");
  CHECK(t.requests[5].path.rfind("/scim/v2/Groups/", 0) == 0);
  CHECK(t.requests[6].method == "DELETE");
  CHECK(t.requests[6].path.rfind("/scim/v2/Users/", 0) == 0);
  const json test_group = parse(t.requests[3].body);
  CHECK(test_group["members"].size() == 1);
  auto evs = p.take_events();
  CHECK(event_names(evs) == std::vector<std::string>{"user_create_provision", "group_create_provision",
                                                     "user_update_provision", "group_delete_provision",
                                                     "user_delete_provision", "idm_integration_activate"});
  for (const auto& e : evs) CHECK(e.success);
  CHECK(sp.list("/Users").empty());
  CHECK(sp.list("/Groups").empty());
  CHECK(p.state().integration_active);

  p.sync(company());
  drive(p, sp);
  CHECK(sp.list("/Users").size() == 3);
  (void)p.take_events();

  p.update_integration({"idm-test@example.com", false});
  t = drive(p, sp);
  CHECK(t.count("POST", "/Groups") == 0);
  evs = p.take_events();
  CHECK(evs.back().type == jc::event_type::idm_integration_update);
  CHECK(evs.back().success);
  CHECK(sp.list("/Users").size() == 3);

  // Deactivated: no request at all, users left as they are.
  p.deactivate();
  jc::snapshot s = company();
  s.bound_user_ids.clear();
  s.bound_group_ids.clear();
  p.sync(s);
  p.import_users(s);
  CHECK(drive(p, sp).requests.empty());
  evs = p.take_events();
  CHECK(event_names(evs) == std::vector<std::string>{"idm_integration_delete"});
  CHECK(evs[0].success);
  CHECK_FALSE(p.state().integration_active);
  CHECK(p.last_import().error.has_value());
  for (const auto& u : sp.list("/Users")) CHECK(u["active"] == true);

  p.update_integration({"idm-test@example.com"});
  CHECK(drive(p, sp).requests.empty());
  evs = p.take_events();
  REQUIRE(evs.size() == 1);
  CHECK_FALSE(evs[0].success);
}

TEST_CASE("jumpcloud planner: activation failures and a service provider without user DELETE") {
  SUBCASE("bad token: activation fails, nothing is created") {
    sv::service_options o;
    o.authenticate = [](std::optional<std::string_view> h) -> std::optional<sv::principal> {
      if (h && (*h == "Bearer good" || *h == "Bearer admin")) return sv::principal{"x"};
      return std::nullopt;
    };
    provider sp(o);
    jc::planner p({.token = "bad"}, jc::planner_state{false, {}, {}});
    p.activate({"idm-test@example.com"});
    auto t = drive(p, sp);
    CHECK(t.requests.size() == 1);
    auto evs = p.take_events();
    REQUIRE(evs.size() == 1);
    CHECK(evs[0].type == jc::event_type::idm_integration_activate);
    CHECK_FALSE(evs[0].success);
    CHECK(evs[0].status == 401);
    CHECK(evs[0].detail.find("authentication required") != std::string::npos);
    CHECK_FALSE(p.state().integration_active);
    p.sync(company());
    CHECK(drive(p, sp).requests.empty());
  }
  SUBCASE("user DELETE unsupported: the test user is deactivated instead") {
    provider sp;
    flaky net{sp, {{"DELETE", "/Users/", 405, {}, false, 1}}};
    jc::planner p;
    p.activate({"idm-test@example.com"});
    drive(p, net);
    auto evs = p.take_events();
    CHECK(event_names(evs) == std::vector<std::string>{"user_create_provision", "group_create_provision",
                                                       "user_update_provision", "group_delete_provision",
                                                       "user_delete_provision", "user_deprovision",
                                                       "idm_integration_activate"});
    CHECK_FALSE(evs[4].success);
    CHECK(evs[4].status == 405);
    CHECK(evs[5].success);
    CHECK(evs.back().success);
    auto test_user = sp.user("idm-test@example.com");
    REQUIRE(test_user);
    CHECK((*test_user)["active"] == false);
    CHECK(sp.list("/Groups").empty());
  }
  SUBCASE("a failing step still cleans up what was created") {
    provider sp;
    flaky net{sp, {{"PATCH", "/Users/", 400, {}, false, 1}}};
    jc::planner p;
    p.activate({"idm-test@example.com"});
    auto t = drive(p, net);
    CHECK(t.count("DELETE") == 2);
    auto evs = p.take_events();
    CHECK(evs.back().type == jc::event_type::idm_integration_activate);
    CHECK_FALSE(evs.back().success);
    CHECK(evs.back().status == 400);
    CHECK(evs.back().detail == "updating the test user: injected 400");
    CHECK(sp.list("/Users").empty());
    CHECK(sp.list("/Groups").empty());
  }
}

TEST_CASE("jumpcloud planner: manual import of 250 users, New and Imported") {
  provider sp;
  jc::snapshot s;
  for (int i = 0; i < 250; ++i) {
    const std::string email = "user" + std::to_string(i) + "@example.com";
    (void)sp.create_user(email);
    if (i % 2 == 0) {  // 125 known to JumpCloud, spelled in upper case there
      std::string upper = email;
      for (auto& c : upper)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      s.users.push_back(person("jc" + std::to_string(i), upper, "U", std::to_string(i)));
    }
  }
  s.users.push_back(person("jcx", "only-in-jumpcloud@example.com", "O", "J"));
  jc::planner p;
  p.import_users(s);
  auto t = drive(p, sp);
  REQUIRE(t.requests.size() == 3);
  CHECK(t.requests[0].query == "startIndex=1&count=100");
  CHECK(t.requests[1].query == "startIndex=101&count=100");
  CHECK(t.requests[2].query == "startIndex=201&count=100");
  const jc::import_report& r = p.last_import();
  CHECK(r.complete);
  CHECK_FALSE(r.error);
  CHECK(r.total_results == 250);
  CHECK(r.pages == 3);
  REQUIRE(r.users.size() == 250);
  CHECK(r.count(jc::import_status::imported) == 125);
  CHECK(r.count(jc::import_status::new_user) == 125);
  for (const auto& e : r.users) {
    CHECK_FALSE(e.scim_id.empty());
    if (e.user_name == "user4@example.com") {
      CHECK(e.status == jc::import_status::imported);
      CHECK(e.jumpcloud_id == "jc4");
    }
    if (e.user_name == "user5@example.com") CHECK(e.status == jc::import_status::new_user);
  }
  CHECK(jc::to_string(jc::import_status::new_user) == "New");
  CHECK(jc::to_string(jc::import_status::imported) == "Imported");
  CHECK(p.events().empty());
  CHECK(sp.list("/Users").size() == 250);  // read only

  // A failing page stops the import with the service provider's detail.
  flaky net{sp, {{"GET", "startIndex=101", 500, {}, false, 5}}};
  jc::planner q({.max_attempts = 2});
  q.import_users(s);
  t = drive(q, net);
  CHECK(t.requests.size() == 3);  // page 1, page 2, page 2 retried
  CHECK_FALSE(q.last_import().complete);
  REQUIRE(q.last_import().error);
  CHECK(q.last_import().error->find("injected 500") != std::string::npos);
  CHECK(q.last_import().users.size() == 100);
}

TEST_CASE("jumpcloud planner: 429 with Retry-After is retried after the delay") {
  provider sp;
  jc::snapshot s = company();
  s.bound_group_ids.clear();
  s.bound_user_ids = {"u1"};

  SUBCASE("on a create") {
    flaky net{sp, {{"POST", "/Users", 429, "7", false, 1}}};
    jc::planner p;
    p.sync(s);
    auto t = drive(p, net);
    CHECK(t.lines() == std::vector<std::string>{"GET /Users", "POST /Users", "POST /Users"});
    CHECK(t.delays == std::vector<seconds>{seconds(0), seconds(0), seconds(7)});
    CHECK(sp.list("/Users").size() == 1);
    auto evs = p.take_events();
    REQUIRE(evs.size() == 2);
    CHECK_FALSE(evs[0].success);
    CHECK(evs[0].status == 429);
    CHECK(evs[0].will_retry);
    CHECK(evs[0].detail == "injected 429");
    CHECK(evs[1].success);
    CHECK(evs[1].attempt == 2);
  }
  SUBCASE("bounded: a lookup refused every time is given up") {
    flaky net{sp, {{"GET", "/Users", 429, "100000", false, 10}}};
    jc::planner p({.max_attempts = 3, .max_retry_after = seconds(60)});
    p.sync(s);
    auto t = drive(p, net);
    CHECK(t.requests.size() == 3);
    CHECK(t.delays == std::vector<seconds>{seconds(0), seconds(60), seconds(60)});
    auto evs = p.take_events();
    REQUIRE(evs.size() == 3);
    for (const auto& e : evs) CHECK(e.type == jc::event_type::user_lookup_provision);
    CHECK(evs[0].will_retry);
    CHECK(evs[1].will_retry);
    CHECK_FALSE(evs[2].will_retry);
    CHECK(evs[2].attempt == 3);
    CHECK(sp.list("/Users").empty());
    CHECK(p.state().users.empty());
  }
}

TEST_CASE("jumpcloud planner: a retried create never produces a duplicate") {
  provider sp;
  jc::snapshot s = company();
  s.bound_user_ids = {"u1"};
  s.bound_group_ids.clear();

  SUBCASE("503 after the service provider created the user: looked up and adopted") {
    flaky net{sp, {{"POST", "/Users", 503, {}, true, 1}}};
    jc::planner p;
    p.sync(s);
    auto t = drive(p, net);
    CHECK(t.lines() == std::vector<std::string>{"GET /Users", "POST /Users", "GET /Users"});
    CHECK(t.delays.back() == seconds(1));
    REQUIRE(sp.list("/Users").size() == 1);
    CHECK(p.state().users.at("u1").scim_id == (*sp.user("alice@example.com"))["id"]);
    CHECK(p.state().users.at("u1").active);
    auto evs = p.take_events();
    REQUIRE(evs.size() == 1);
    CHECK(evs[0].type == jc::event_type::user_create_provision);
    CHECK_FALSE(evs[0].success);
    CHECK(evs[0].status == 503);
  }
  SUBCASE("503 before anything was created: looked up, then POSTed again") {
    flaky net{sp, {{"POST", "/Users", 503, "2", false, 1}}};
    jc::planner p;
    p.sync(s);
    auto t = drive(p, net);
    CHECK(t.lines() == std::vector<std::string>{"GET /Users", "POST /Users", "GET /Users", "POST /Users"});
    CHECK(t.delays[2] == seconds(2));
    CHECK(sp.list("/Users").size() == 1);
    auto evs = p.take_events();
    CHECK(count_events(evs, jc::event_type::user_create_provision, false) == 1);
    CHECK(count_events(evs, jc::event_type::user_create_provision, true) == 1);
  }
  SUBCASE("503 on every create: at most max_attempts POSTs") {
    flaky net{sp, {{"POST", "/Users", 503, {}, false, 10}}};
    jc::planner p({.max_attempts = 2});
    p.sync(s);
    auto t = drive(p, net);
    CHECK(t.count("POST") == 2);
    CHECK(t.count("GET") == 2);
    CHECK(count_events(p.events(), jc::event_type::user_create_provision, false) == 2);
    CHECK(p.state().users.empty());
  }
  SUBCASE("409 on create, user present: adopted and updated") {
    flaky net{sp, {{"POST", "/Users", 409, {}, false, 1}}};
    // The lookup misses (as an SP with a case-sensitive filter would); the
    // user is created by someone else in between.
    jc::planner p;
    p.sync(s);
    bool created = false;
    auto t = drive(p, [&](const sv::request& r) {
      if (r.method == "POST" && !created) {
        created = true;
        (void)sp.create_user("alice@example.com");
      }
      return net(r);
    });
    CHECK(t.lines() == std::vector<std::string>{"GET /Users", "POST /Users", "GET /Users", "PATCH /Users/" +
                                                                                        p.state().users.at("u1").scim_id});
    CHECK(sp.list("/Users").size() == 1);
    CHECK((*sp.user("alice@example.com"))["displayName"] == "Alice Smith");
    auto evs = p.take_events();
    CHECK(event_names(evs) == std::vector<std::string>{"user_create_provision", "user_update_provision"});
    CHECK_FALSE(evs[0].success);
    CHECK(evs[0].status == 409);
    CHECK(evs[1].success);
  }
  SUBCASE("409 on create, user absent: surfaced, not retried") {
    flaky net{sp, {{"POST", "/Users", 409, {}, false, 5}}};
    jc::planner p;
    p.sync(s);
    auto t = drive(p, net);
    CHECK(t.lines() == std::vector<std::string>{"GET /Users", "POST /Users", "GET /Users"});
    auto evs = p.take_events();
    CHECK(event_names(evs) == std::vector<std::string>{"user_create_provision", "user_lookup_provision"});
    CHECK_FALSE(evs[1].success);
    CHECK(sp.list("/Users").empty());
    CHECK(p.state().users.empty());
  }
  SUBCASE("500 on a group create after the group was created: taken over") {
    s.bound_group_ids = {"g1"};
    flaky net{sp, {{"POST", "/Groups", 500, {}, true, 1}}};
    jc::planner p;
    p.sync(s);
    auto t = drive(p, net);
    CHECK(t.count("POST", "/Groups") == 1);
    CHECK(t.count("GET", "/Groups") == 2);
    CHECK(sp.list("/Groups").size() == 1);
    CHECK(p.state().groups.at("g1").scim_id == (*sp.group("Engineering"))["id"]);
    CHECK(count_events(p.events(), jc::event_type::group_create_provision, false) == 1);
  }
}

TEST_CASE("jumpcloud planner: 5xx on updates is retried with back-off, 404 forgets the mapping") {
  provider sp;
  jc::planner p;
  p.sync(company());
  drive(p, sp);
  (void)p.take_events();

  SUBCASE("persistent 503 on a PATCH") {
    jc::snapshot s = company();
    find_user(s, "u1")->lastname = "Smith-Jones";
    flaky net{sp, {{"PATCH", "/Users/", 503, {}, false, 10}}};
    p.sync(s);
    auto t = drive(p, net);
    CHECK(t.count("PATCH") == 3);
    CHECK(t.delays == std::vector<seconds>{seconds(0), seconds(0), seconds(1), seconds(2)});
    auto evs = p.take_events();
    REQUIRE(evs.size() == 3);
    for (const auto& e : evs) {
      CHECK(e.type == jc::event_type::user_update_provision);
      CHECK_FALSE(e.success);
      CHECK(e.status == 503);
    }
    CHECK_FALSE(evs[2].will_retry);
    CHECK(p.state().users.at("u1").family_name == "Smith");  // tried again next run
    p.sync(s);
    drive(p, sp);
    CHECK((*sp.user("alice@example.com"))["name"]["familyName"] == "Smith-Jones");
  }
  SUBCASE("404 on a deprovision: surfaced and forgotten") {
    const std::string bob = p.state().users.at("u2").scim_id;
    REQUIRE(sp.send("DELETE", "/Users/" + bob).status == 204);
    jc::snapshot s = company();
    s.bound_user_ids = {"u1"};
    p.sync(s);
    drive(p, sp);
    auto evs = p.take_events();
    REQUIRE(evs.size() == 1);
    CHECK(evs[0].type == jc::event_type::user_deprovision);
    CHECK_FALSE(evs[0].success);
    CHECK(evs[0].status == 404);
    CHECK_FALSE(evs[0].detail.empty());
    CHECK(p.state().users.count("u2") == 0);
    // Bound again: looked up, not found, created anew.
    p.sync(company());
    auto t = drive(p, sp);
    CHECK(t.lines() == std::vector<std::string>{"GET /Users", "POST /Users"});
  }
  SUBCASE("404 on a group update: surfaced, recreated next run") {
    const std::string eng = p.state().groups.at("g1").scim_id;
    REQUIRE(sp.send("DELETE", "/Groups/" + eng).status == 204);
    jc::snapshot s = company();
    find_group(s, "g1")->name = "Platform";
    p.sync(s);
    drive(p, sp);
    CHECK(count_events(p.events(), jc::event_type::group_update_provision, false) == 1);
    CHECK(p.state().groups.count("g1") == 0);
    p.sync(s);
    auto t = drive(p, sp);
    CHECK(t.lines() == std::vector<std::string>{"GET /Groups", "POST /Groups"});
    REQUIRE(sp.group("Platform"));
    CHECK(member_ids(*sp.group("Platform")).size() == 2);
  }
}

TEST_CASE("jumpcloud planner: lookups are URL-encoded filters the service provider understands") {
  provider sp;
  jc::snapshot s;
  s.users = {person("u1", "o'neil+\"x\"@example.com", "Tom", "O'Neil")};
  s.bound_user_ids = {"u1"};
  jc::planner p;
  p.sync(s);
  auto t = drive(p, sp);
  REQUIRE(t.requests.size() == 2);
  CHECK(t.requests[0].query == "filter=userName%20eq%20%22o%27neil%2B%5C%22x%5C%22%40example.com%22");
  // Changed: found by the lookup (not created twice).
  s.users[0].firstname = "Thomas";
  p.sync(s);
  t = drive(p, sp);
  CHECK(t.lines() == std::vector<std::string>{"GET /Users", "PATCH /Users/" + p.state().users.at("u1").scim_id});
  CHECK(sp.list("/Users").size() == 1);
}

TEST_CASE("jumpcloud planner: successful lookups are logged on request") {
  provider sp;
  jc::snapshot s = company();
  s.bound_group_ids.clear();
  jc::planner p({.log_successful_lookups = true});
  p.sync(s);
  drive(p, sp);
  auto evs = p.take_events();
  CHECK(event_names(evs) == std::vector<std::string>{"user_lookup_provision", "user_create_provision",
                                                     "user_lookup_provision", "user_create_provision"});
  CHECK(evs[0].success);
}

TEST_CASE("jumpcloud planner: state and events as JSON") {
  jc::planner_state st;
  st.users["u1"] = jc::user_record{"s1", "a@example.com", "A", "B", true};
  st.groups["g1"] = jc::group_record{"sg1", "Team", {"s1", "s2"}};
  json j = st;
  CHECK(j["version"] == 1);
  CHECK(j["users"]["u1"]["scimId"] == "s1");
  CHECK(j["groups"]["g1"]["members"] == json::array({"s1", "s2"}));
  auto back = jc::state_from_json(j);
  REQUIRE(back);
  CHECK(*back == st);

  CHECK_FALSE(jc::state_from_json(json::array()));
  CHECK_FALSE(jc::state_from_json(parse(R"({"users":{"u1":{"scimId":5}}})")));
  CHECK_FALSE(jc::state_from_json(parse(R"({"groups":{"g1":{"members":"x"}}})")));
  CHECK_FALSE(jc::state_from_json(parse(R"({"version":2})")));
  auto err = jc::state_from_json(parse(R"({"integrationActive":"yes"})"));
  REQUIRE_FALSE(err);
  CHECK(err.error().status == 400);

  jc::event e;
  e.type = jc::event_type::user_deprovision;
  e.success = false;
  e.jumpcloud_id = "u1";
  e.status = 404;
  e.detail = "no such user";
  json ej = e;
  CHECK(ej["event"] == "user_deprovision");
  CHECK(ej["success"] == false);
  CHECK(ej["status"] == 404);
  CHECK_FALSE(ej.contains("scimId"));
  for (int i = 0; i <= static_cast<int>(jc::event_type::group_delete_provision); ++i) {
    const auto t = static_cast<jc::event_type>(i);
    CHECK(jc::event_type_from_string(jc::to_string(t)) == t);
  }
  CHECK_FALSE(jc::event_type_from_string("user_created"));
}
