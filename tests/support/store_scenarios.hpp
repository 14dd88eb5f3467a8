// Store scenarios shared by every implementation of scim::store::resource_store:
// each is a function template over the store type, so one test file can run it
// against the memory store (the reference) and against a SQL store and expect
// the same observable results.
//
//   template <> struct store_scenarios::factory<my_store> {
//     static std::unique_ptr<my_store> make(const scim::schema_registry&, const store_scenarios::config&);
//   };
//   TEST_CASE_TEMPLATE("my_store: create", S, my_store, scim::store::memory_store) {
//     store_scenarios::create_assigns_id_and_meta<S>();
//   }
//
// A store under test provides create/get/replace/patch/remove/query/
// find_by_external_id (the concept) plus size(resource_type).
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "scim/filter/evaluator.hpp"
#include "scim/filter/parser.hpp"
#include "scim/patch/apply.hpp"
#include "scim/patch/operation.hpp"
#include "scim/query/cursor.hpp"
#include "scim/query/list_params.hpp"
#include "scim/query/projection.hpp"
#include "scim/query/sort.hpp"
#include "scim/schema/registry.hpp"
#include "scim/store/concept.hpp"
#include "scim/store/memory_store.hpp"

namespace store_scenarios {

using scim::error_code;
using scim::json;
namespace st = scim::store;
namespace q = scim::query;

/// What a scenario asks of the store's configuration.
struct config {
  std::function<scim::instant()> clock{};                                         ///< empty: store default
  std::function<std::string()> id_generator{};                                    ///< empty: random ids
  std::optional<std::vector<std::pair<std::string, std::string>>> unique_attributes{};  ///< nullopt: default
  bool unique_external_id = false;
};

/// Makes a fresh, empty store; specialised per store type.
template <class Store>
struct factory;

template <>
struct factory<st::memory_store> {
  static std::unique_ptr<st::memory_store> make(const scim::schema_registry& reg, const config& c) {
    st::memory_store_options o;
    if (c.clock) o.clock = c.clock;
    o.id_generator = c.id_generator;
    if (c.unique_attributes) o.unique_attributes = *c.unique_attributes;
    o.unique_external_id = c.unique_external_id;
    return std::make_unique<st::memory_store>(reg, std::move(o));
  }
};

inline const scim::schema_registry& reg() { return scim::default_registry(); }
inline const scim::resource_type& users() { return *reg().find_resource_type("User"); }
inline const scim::resource_type& groups() { return *reg().find_resource_type("Group"); }

template <class Store>
std::unique_ptr<Store> make(const config& c = {}) {
  return factory<Store>::make(reg(), c);
}

/// A clock that ticks one second per call.
inline std::function<scim::instant()> ticking(std::int64_t start = 1700000000) {
  auto t = std::make_shared<std::atomic<std::int64_t>>(start);
  return [t] { return scim::instant{t->fetch_add(1), 0}; };
}

inline config ticking_config() {
  config c;
  c.clock = ticking();
  return c;
}

inline json user(std::string_view user_name, std::string_view external_id = "") {
  json j = {{"schemas", {"urn:ietf:params:scim:schemas:core:2.0:User"}}, {"userName", user_name}};
  if (!external_id.empty()) j["externalId"] = external_id;
  return j;
}

inline json group(std::string_view name, std::size_t members = 0) {
  json j = {{"schemas", {"urn:ietf:params:scim:schemas:core:2.0:Group"}}, {"displayName", name}};
  if (members > 0) {
    json m = json::array();
    for (std::size_t i = 0; i < members; ++i) m.push_back({{"value", "m" + std::to_string(i)}});
    j["members"] = std::move(m);
  }
  return j;
}

inline json patch_body(std::string_view ops) {
  return json::parse(R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":)" +
                     std::string(ops) + "}");
}

/// The real PATCH engine bound to one request body.
inline st::patch_function patcher(const json& body, const scim::resource_type& rt) {
  auto req = scim::patch::parse_patch_request(body);
  if (!req) FAIL(scim::format_error(req.error()));
  return [r = std::move(*req), &rt](scim::patch::document& d) { return scim::patch::apply(d, r, rt, reg()); };
}

inline st::patch_function add_member(std::string_view id) {
  return patcher(patch_body(R"([{"op":"add","path":"members","value":[{"value":")" + std::string(id) + R"("}]}])"),
                 groups());
}

inline st::patch_function remove_member(std::string_view id) {
  return patcher(patch_body(R"([{"op":"remove","path":"members[value eq \")" + std::string(id) + R"(\"]"}])"),
                 groups());
}

inline std::string id_of(const scim::expected<st::stored_resource>& r) {
  REQUIRE_MESSAGE(r, (r ? std::string() : scim::format_error(r.error())));
  return r->id;
}

inline q::load_hint hint_for(const scim::resource_type& rt, std::string_view query_string) {
  auto l = q::parse_list_query_string(query_string);
  REQUIRE(l);
  return q::plan_load(rt, reg(), *l);
}

inline std::vector<std::string> user_names(const st::query_result& r) {
  std::vector<std::string> out;
  for (const auto& u : r.resources) out.push_back(u.value("userName", std::string()));
  return out;
}

inline std::set<std::string> member_values(const json& resource) {
  std::set<std::string> out;
  if (resource.contains("members"))
    for (const auto& m : resource["members"]) out.insert(m["value"].get<std::string>());
  return out;
}

template <class Store>
st::query_result run(const Store& s, const scim::resource_type& rt, std::string_view filter_text,
                     const q::sort_spec* sort = nullptr) {
  std::optional<scim::filter::filter> f;
  if (!filter_text.empty()) {
    auto parsed = scim::filter::parse(filter_text);
    REQUIRE(parsed);
    f.emplace(std::move(*parsed));
  }
  st::query_request qr;
  qr.filter = f ? &*f : nullptr;
  qr.sort = sort;
  auto r = s.query(rt, qr);
  REQUIRE_MESSAGE(r, (r ? std::string() : scim::format_error(r.error())));
  return std::move(*r);
}

// ---- scenarios --------------------------------------------------------------------

template <class Store>
void create_assigns_id_and_meta() {
  auto s = make<Store>(ticking_config());
  auto made = s->create(users(), user("bjensen", "ext-1"));
  REQUIRE(made);
  CHECK(made->id.size() == 36);
  CHECK(made->id[14] == '4');
  CHECK(made->version == "W/\"1\"");
  const json& r = made->resource;
  CHECK(r["id"] == made->id);
  CHECK(r["userName"] == "bjensen");
  CHECK(r["meta"]["resourceType"] == "User");
  CHECK(r["meta"]["version"] == "W/\"1\"");
  CHECK(r["meta"]["created"] == "2023-11-14T22:13:20Z");
  CHECK(r["meta"]["lastModified"] == r["meta"]["created"]);
  CHECK_FALSE(r["meta"].contains("location"));

  auto got = s->get(users(), made->id);
  REQUIRE(got);
  CHECK(got->resource == r);
  CHECK(got->version == "W/\"1\"");
  CHECK(s->size(users()) == 1);
  CHECK(s->size(groups()) == 0);
}

template <class Store>
void client_id_and_meta_ignored() {
  auto s = make<Store>(ticking_config());
  json u = user("x");
  u["id"] = "client-chosen";
  u["META"] = {{"version", "W/\"99\""}};
  auto made = s->create(users(), u);
  REQUIRE(made);
  CHECK(made->id != "client-chosen");
  CHECK_FALSE(made->resource.contains("META"));
  CHECK(made->resource["meta"]["version"] == "W/\"1\"");
  CHECK_FALSE(s->get(users(), "client-chosen"));
  CHECK(s->create(users(), json::array()).error().code == error_code::invalid_syntax);
}

template <class Store>
void now_and_id_generator() {
  int n = 0;
  config c;
  c.id_generator = [&n] { return "id-" + std::to_string(++n); };
  auto s = make<Store>(c);
  st::write_options w;
  w.now = scim::instant{0, 500000000};
  auto made = s->create(users(), user("a"), w);
  REQUIRE(made);
  CHECK(made->id == "id-1");
  CHECK(made->resource["meta"]["created"] == "1970-01-01T00:00:00.500Z");
  CHECK(id_of(s->create(groups(), group("g"))) == "id-2");  // ids are per resource type
  CHECK_FALSE(s->get(groups(), "id-1"));
}

template <class Store>
void repeating_id_generator_is_500() {
  config c;
  c.id_generator = [] { return std::string("same"); };
  auto s = make<Store>(c);
  REQUIRE(s->create(users(), user("a")));
  auto r = s->create(users(), user("b"));
  REQUIRE_FALSE(r);
  CHECK(r.error().status == 500);
  CHECK(s->get(users(), "same")->resource["userName"] == "a");
  CHECK(s->size(users()) == 1);
}

template <class Store>
void unknown_ids_are_404() {
  auto s = make<Store>();
  auto g = s->get(users(), "nope");
  REQUIRE_FALSE(g);
  CHECK(g.error().status == 404);
  CHECK(g.error().detail == "User 'nope' not found");
  CHECK(s->replace(users(), "nope", user("x")).error().status == 404);
  CHECK(s->remove(users(), "nope").error().status == 404);
  CHECK(s->patch(users(), "nope", patcher(patch_body(R"([{"op":"replace","path":"title","value":"x"}])"), users()))
            .error()
            .status == 404);
}

template <class Store>
void replace_keeps_id_and_created() {
  auto s = make<Store>(ticking_config());
  const std::string id = id_of(s->create(users(), user("bjensen")));
  json next = user("bjensen");
  next["title"] = "Boss";
  next["id"] = "other";
  auto r = s->replace(users(), id, next);
  REQUIRE(r);
  CHECK(r->id == id);
  CHECK(r->version == "W/\"2\"");
  CHECK(r->resource["id"] == id);
  CHECK(r->resource["title"] == "Boss");
  CHECK(r->resource["meta"]["created"] == "2023-11-14T22:13:20Z");
  CHECK(r->resource["meta"]["lastModified"] == "2023-11-14T22:13:21Z");
  CHECK(s->get(users(), id)->resource == r->resource);
}

template <class Store>
void remove_frees_keys() {
  auto s = make<Store>();
  const std::string id = id_of(s->create(users(), user("bjensen", "e1")));
  REQUIRE(s->remove(users(), id));
  CHECK(s->get(users(), id).error().status == 404);
  CHECK(s->size(users()) == 0);
  CHECK(s->find_by_external_id(users(), "e1")->empty());
  CHECK(s->create(users(), user("BJensen")));
}

template <class Store>
void user_name_unique_case_insensitively() {
  auto s = make<Store>();
  const std::string a = id_of(s->create(users(), user("bjensen")));
  auto dup = s->create(users(), user("BJENSEN"));
  REQUIRE_FALSE(dup);
  CHECK(dup.error().status == 409);
  CHECK(dup.error().code == error_code::uniqueness);
  CHECK(dup.error().detail.rfind("userName: ", 0) == 0);
  CHECK(dup.error().detail == "userName: the value is already used by another User (compared case-insensitively)");
  const std::string b = id_of(s->create(users(), user("other")));
  auto r = s->replace(users(), b, user("BJensen"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::uniqueness);
  CHECK(s->replace(users(), a, user("BJENSEN")));
  CHECK(s->get(users(), b)->resource["userName"] == "other");
  CHECK(s->replace(users(), a, user("renamed")));
  CHECK(s->create(users(), user("bjensen")));
}

template <class Store>
void group_display_name_unique_configurable() {
  auto s = make<Store>();
  REQUIRE(s->create(groups(), group("Admins")));
  auto dup = s->create(groups(), group("admins"));
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == error_code::uniqueness);
  CHECK(dup.error().detail.rfind("displayName: ", 0) == 0);
  CHECK(s->create(users(), user("Admins")));  // other type: no collision
  // Users' displayName is not unique.
  json a = user("u1");
  a["displayName"] = "Same";
  json b = user("u2");
  b["displayName"] = "same";
  CHECK(s->create(users(), a));
  CHECK(s->create(users(), b));

  config c;
  c.unique_attributes = std::vector<std::pair<std::string, std::string>>{};
  auto lax = make<Store>(c);
  CHECK(lax->create(groups(), group("Admins")));
  CHECK(lax->create(groups(), group("admins")));
}

template <class Store>
void external_id_lookups() {
  auto s = make<Store>();
  const std::string a = id_of(s->create(users(), user("a", "ext")));
  const std::string b = id_of(s->create(users(), user("b", "ext")));
  id_of(s->create(users(), user("c", "EXT")));
  auto found = s->find_by_external_id(users(), "ext");
  REQUIRE(found);
  CHECK(*found == std::vector<std::string>{a, b});  // case-exact, creation order
  CHECK(s->find_by_external_id(groups(), "ext")->empty());

  config c;
  c.unique_external_id = true;
  auto strict = make<Store>(c);
  REQUIRE(strict->create(users(), user("a", "ext")));
  auto dup = strict->create(users(), user("b", "ext"));
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == error_code::uniqueness);
  CHECK(dup.error().detail == "externalId: the value is already used by another User");
  CHECK(strict->create(users(), user("c", "EXT")));
}

template <class Store>
void if_match_inside_the_write() {
  auto s = make<Store>();
  const std::string id = id_of(s->create(users(), user("bjensen")));
  st::write_options stale;
  stale.if_match = "W/\"7\"";
  auto r = s->replace(users(), id, user("x"), stale);
  REQUIRE_FALSE(r);
  CHECK(r.error().status == 412);
  CHECK(s->get(users(), id)->resource["userName"] == "bjensen");
  bool called = false;
  auto p = s->patch(
      users(), id,
      [&](scim::patch::document&) -> scim::expected<scim::patch::change_set> {
        called = true;
        return scim::patch::change_set{};
      },
      stale);
  CHECK(p.error().status == 412);
  CHECK_FALSE(called);
  CHECK(s->remove(users(), id, stale).error().status == 412);

  st::write_options any;
  any.if_match = "*";
  CHECK(s->replace(users(), id, user("star"), any)->version == "W/\"2\"");
  st::write_options exact;
  exact.if_match = "W/\"1\", W/\"2\"";
  CHECK(s->replace(users(), id, user("exact"), exact)->version == "W/\"3\"");
  exact.if_match = "\"3\"";
  CHECK(s->remove(users(), id, exact));
}

template <class Store>
void versions_increase() {
  auto s = make<Store>(ticking_config());
  const std::string id = id_of(s->create(groups(), group("g")));
  std::vector<std::string> seen{s->get(groups(), id)->version};
  seen.push_back(s->replace(groups(), id, group("g2"))->version);
  seen.push_back(s->patch(groups(), id, add_member("u1"))->stored.version);
  seen.push_back(s->patch(groups(), id, add_member("u2"))->stored.version);
  CHECK(seen == std::vector<std::string>{"W/\"1\"", "W/\"2\"", "W/\"3\"", "W/\"4\""});
  auto same = s->patch(groups(), id, add_member("u2"));
  REQUIRE(same);
  CHECK(same->changes.empty());
  CHECK(same->stored.version == "W/\"4\"");
  CHECK(s->get(groups(), id)->resource["meta"]["version"] == "W/\"4\"");
  const auto meta = s->get(groups(), id)->resource["meta"];
  CHECK(meta["lastModified"] > meta["created"]);
}

template <class Store>
void patch_members_and_errors() {
  auto s = make<Store>();
  const std::string id = id_of(s->create(groups(), group("Ops", 3)));
  st::write_options quiet;
  quiet.returning = std::nullopt;
  auto r = s->patch(groups(), id, add_member("u9"), quiet);
  REQUIRE(r);
  CHECK(r->stored.resource.is_null());
  CHECK(r->stored.version == "W/\"2\"");
  CHECK(r->changes.changed("members"));
  REQUIRE(r->changes.delta("members"));
  CHECK(r->changes.delta("members")->added.size() == 1);
  CHECK(s->get(groups(), id)->resource["members"].size() == 4);

  auto removed = s->patch(groups(), id, remove_member("m1"));
  REQUIRE(removed);
  CHECK(removed->stored.resource["members"].size() == 3);
  CHECK(member_values(s->get(groups(), id)->resource) == std::set<std::string>{"m0", "m2", "u9"});

  auto bad = s->patch(groups(), id,
                      patcher(patch_body(R"([{"op":"add","path":"members","value":[{"value":"u10"}]},
                                            {"op":"remove","path":"members[value eq \"zzz\"]"}])"),
                              groups()));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == error_code::no_target);
  auto after = s->get(groups(), id);
  CHECK(after->version == "W/\"3\"");
  CHECK(after->resource["members"].size() == 3);

  auto renamed = s->patch(groups(), id,
                          patcher(patch_body(R"([{"op":"replace","path":"displayName","value":"Ops2"}])"), groups()));
  REQUIRE(renamed);
  CHECK(renamed->stored.resource["displayName"] == "Ops2");
  CHECK(renamed->stored.resource["members"].size() == 3);
  CHECK(s->create(groups(), group("ops")));
  CHECK(s->create(groups(), group("OPS2")).error().code == error_code::uniqueness);
  // The same member set after everything, read back fresh.
  CHECK(member_values(s->get(groups(), id)->resource) == std::set<std::string>{"m0", "m2", "u9"});
  // Removing every member leaves no `members`.
  auto none = s->patch(groups(), id, patcher(patch_body(R"([{"op":"remove","path":"members"}])"), groups()));
  REQUIRE(none);
  CHECK_FALSE(s->get(groups(), id)->resource.contains("members"));
}

template <class Store>
void patch_breaking_uniqueness_rolls_back() {
  auto s = make<Store>();
  REQUIRE(s->create(groups(), group("Admins")));
  const std::string id = id_of(s->create(groups(), group("Ops", 2)));
  const json before = s->get(groups(), id)->resource;
  auto r = s->patch(groups(), id,
                    patcher(patch_body(R"([{"op":"add","path":"members","value":[{"value":"new"}]},
                                          {"op":"remove","path":"members[value eq \"m0\"]"},
                                          {"op":"replace","path":"displayName","value":"ADMINS"},
                                          {"op":"add","path":"externalId","value":"x1"}])"),
                            groups()));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::uniqueness);
  const json after = s->get(groups(), id)->resource;
  CHECK(after["displayName"] == "Ops");
  CHECK_FALSE(after.contains("externalId"));
  CHECK(after["meta"] == before["meta"]);
  CHECK(member_values(after) == std::set<std::string>{"m0", "m1"});
  CHECK(s->find_by_external_id(groups(), "x1")->empty());
  auto ok = s->patch(groups(), id, add_member("later"));
  REQUIRE(ok);
  CHECK(ok->stored.resource["members"].size() == 3);
  CHECK(ok->stored.version == "W/\"2\"");
}

template <class Store>
void user_patch_taking_user_name_rolls_back() {
  auto s = make<Store>();
  REQUIRE(s->create(users(), user("taken")));
  json u = user("mine");
  u["emails"] = json::parse(R"([{"value":"a@x","primary":true}])");
  const std::string id = id_of(s->create(users(), u));
  auto r = s->patch(users(), id,
                    patcher(patch_body(R"([{"op":"add","path":"emails","value":[{"value":"b@x","primary":true}]},
                                          {"op":"replace","path":"userName","value":"TAKEN"}])"),
                            users()));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::uniqueness);
  const json after = s->get(users(), id)->resource;
  CHECK(after["userName"] == "mine");
  REQUIRE(after["emails"].size() == 1);
  CHECK(after["emails"][0] == json::parse(R"({"value":"a@x","primary":true})"));
  // Filters see the old emails only.
  CHECK(run(*s, users(), R"(emails.value eq "b@x")").total_results == 0);
  CHECK(run(*s, users(), R"(emails[value eq "A@X" and primary eq true])").total_results == 1);
}

template <class Store>
void query_filters_and_default_order() {
  auto s = make<Store>();
  for (const char* n : {"carol", "Alice", "bob", "dave"}) REQUIRE(s->create(users(), user(n, std::string("e-") + n)));
  st::query_request all;
  auto r = s->query(users(), all);
  REQUIRE(r);
  CHECK(r->total_results == 4);
  CHECK(user_names(*r) == std::vector<std::string>{"carol", "Alice", "bob", "dave"});

  for (const char* text : {R"(userName eq "ALICE")", R"(externalId eq "e-Alice")", R"(userName sw "a")",
                           R"(userName eq "alice" and externalId eq "e-Alice")"}) {
    CAPTURE(text);
    auto page = run(*s, users(), text);
    CHECK(page.total_results == 1);
    CHECK(user_names(page) == std::vector<std::string>{"Alice"});
  }
  CHECK(run(*s, users(), R"(externalId eq "E-ALICE")").total_results == 0);
  auto p = scim::filter::compile(*scim::filter::parse(R"(userName co "o")"), users(), reg());
  REQUIRE(p);
  st::query_request by_pred;
  by_pred.predicate = &*p;
  CHECK(user_names(*s->query(users(), by_pred)) == std::vector<std::string>{"carol", "bob"});
  auto unknown = scim::filter::parse(R"(nope eq "x")");
  st::query_request bad;
  bad.filter = &*unknown;
  CHECK(s->query(users(), bad).error().code == error_code::invalid_filter);
  CHECK(s->query(groups(), all)->total_results == 0);
}

template <class Store>
void query_members_and_meta() {
  auto s = make<Store>(ticking_config());
  const std::string a = id_of(s->create(groups(), group("A", 3)));
  id_of(s->create(groups(), group("B")));
  auto r = run(*s, groups(), R"(members[value eq "m2"])");
  REQUIRE(r.total_results == 1);
  CHECK(r.resources[0]["id"] == a);
  CHECK(run(*s, groups(), R"(meta.created gt "2023-11-14T22:13:20Z")").resources[0]["displayName"] == "B");
  CHECK(run(*s, groups(), R"(members pr and meta.version eq "W/\"1\"")").resources[0]["displayName"] == "A");
  CHECK(run(*s, groups(), R"(members.value eq "M2")").total_results == 1);
  CHECK(run(*s, groups(), R"(not (members pr))").resources[0]["displayName"] == "B");
  CHECK(run(*s, groups(), R"(meta.resourceType eq "Group")").total_results == 2);
  CHECK(run(*s, groups(), R"(meta.lastModified ge "2023-11-14T22:13:21Z")").total_results == 1);
}

template <class Store>
void query_attributes_without_columns() {
  // Filters on attributes a SQL store keeps only in its JSON fall back to the
  // predicate, alone or mixed with attributes it can push down.
  auto s = make<Store>();
  json a = user("amy");
  a["name"] = {{"givenName", "Amy"}, {"familyName", "Pond"}};
  a["title"] = "Companion";
  a["emails"] = json::parse(R"([{"value":"amy@example.com","type":"work","primary":true},
                               {"value":"amy@home.example","type":"home"}])");
  a["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] = {{"department", "Time"}};
  a["active"] = true;
  json b = user("rory");
  b["name"] = {{"givenName", "Rory"}};
  b["title"] = "Nurse";
  b["active"] = false;
  b["emails"] = json::parse(R"([{"value":"rory@example.com","type":"home"}])");
  json c = user("clara");
  REQUIRE(s->create(users(), a));
  REQUIRE(s->create(users(), b));
  REQUIRE(s->create(users(), c));
  struct expect {
    const char* filter;
    std::vector<std::string> names;
  };
  const expect cases[] = {
      {R"(name.givenName eq "amy")", {"amy"}},
      {R"(name pr)", {"amy", "rory"}},
      {R"(not (name.familyName pr))", {"rory", "clara"}},
      {R"(title co "ur" and userName sw "r")", {"rory"}},
      {R"(userName sw "a" and title pr)", {"amy"}},
      {R"(userName sw "a" or title eq "Nurse")", {"amy", "rory"}},
      {R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "time")", {"amy"}},
      {R"(emails[type eq "work" and value co "@EXAMPLE"])", {"amy"}},
      {R"(emails.type eq "home")", {"amy", "rory"}},
      {R"(emails co "home.example")", {"amy"}},
      {R"(emails[primary eq true])", {"amy"}},
      {R"(not (emails pr))", {"clara"}},
      {R"(active eq false)", {"rory"}},
      {R"(active eq true or not (active pr))", {"amy", "clara"}},
      {R"(groups pr)", {}},
      {R"(userName gt "b" and name.givenName pr)", {"rory"}},
  };
  for (const auto& e : cases) {
    CAPTURE(e.filter);
    auto r = run(*s, users(), e.filter);
    CHECK(user_names(r) == e.names);
    CHECK(r.total_results == static_cast<std::int64_t>(e.names.size()));
  }
  // Entra's string booleans, read by a predicate compiled with that tolerance.
  auto f = scim::filter::parse(R"(active eq "True")");
  REQUIRE(f);
  scim::filter::compile_options lenient;
  lenient.allow_string_booleans = true;
  auto pred = scim::filter::compile(*f, users(), reg(), lenient);
  REQUIRE(pred);
  st::query_request qr;
  qr.filter = &*f;
  qr.predicate = &*pred;
  auto r = s->query(users(), qr);
  REQUIRE(r);
  CHECK(user_names(*r) == std::vector<std::string>{"amy"});
}

template <class Store>
void sort_and_index_paging() {
  auto s = make<Store>();
  for (const char* n : {"carol", "Alice", "bob", "dave", "Eve"}) REQUIRE(s->create(users(), user(n)));
  REQUIRE(s->create(users(), json{{"schemas", {"urn:ietf:params:scim:schemas:core:2.0:User"}},
                                  {"userName", "zed"},
                                  {"title", "x"}}));
  auto sort = q::compile_sort("userName", q::sort_order::ascending, users(), reg());
  REQUIRE(sort);
  st::query_request qr;
  qr.sort = &*sort;
  CHECK(user_names(*s->query(users(), qr)) == std::vector<std::string>{"Alice", "bob", "carol", "dave", "Eve", "zed"});
  qr.start_index = 2;
  qr.count = 2;
  auto page = s->query(users(), qr);
  CHECK(page->total_results == 6);
  CHECK(user_names(*page) == std::vector<std::string>{"bob", "carol"});
  qr.count = 0;
  page = s->query(users(), qr);
  CHECK(page->total_results == 6);
  CHECK(page->resources.empty());
  qr.start_index = 7;
  qr.count = 10;
  page = s->query(users(), qr);
  CHECK(page->total_results == 6);
  CHECK(page->resources.empty());
  qr.start_index = 0;
  qr.count = -4;
  page = s->query(users(), qr);
  CHECK(page->resources.empty());
  // Without sort: the same edges.
  st::query_request plain;
  plain.start_index = 2;
  plain.count = 3;
  CHECK(user_names(*s->query(users(), plain)) == std::vector<std::string>{"Alice", "bob", "dave"});
  plain.start_index = -1;
  plain.count = 1;
  CHECK(user_names(*s->query(users(), plain)) == std::vector<std::string>{"carol"});
  plain.start_index = 9;
  plain.count = std::nullopt;
  CHECK(s->query(users(), plain)->resources.empty());
  plain.start_index = 5;
  CHECK(user_names(*s->query(users(), plain)) == std::vector<std::string>{"Eve", "zed"});
  // Missing values sort first descending, last ascending.
  auto by_title = q::compile_sort("title", q::sort_order::descending, users(), reg());
  st::query_request t;
  t.sort = &*by_title;
  auto desc = user_names(*s->query(users(), t));
  REQUIRE(desc.size() == 6);
  CHECK(desc.back() == "zed");
  by_title->order = q::sort_order::ascending;
  CHECK(user_names(*s->query(users(), t)).front() == "zed");
  // Ties (all titles missing but one) are broken by id, in both orders the same way.
  auto asc_ids = s->query(users(), t);
  REQUIRE(asc_ids);
  std::vector<std::string> ids;
  for (std::size_t i = 1; i < asc_ids->resources.size(); ++i) ids.push_back(asc_ids->resources[i]["id"]);
  CHECK(std::is_sorted(ids.begin(), ids.end()));
  // Sorting by meta.created and by a filtered subset.
  auto by_created = q::compile_sort("meta.created", q::sort_order::descending, users(), reg());
  st::query_request mc;
  mc.sort = &*by_created;
  CHECK(s->query(users(), mc)->resources.size() == 6);
  auto f = scim::filter::parse(R"(userName co "e")");
  st::query_request filtered;
  filtered.filter = &*f;
  filtered.sort = &*sort;
  sort->order = q::sort_order::descending;
  CHECK(user_names(*s->query(users(), filtered)) == std::vector<std::string>{"zed", "Eve", "dave", "Alice"});
}

/// Walks every page forwards, then back from the last page with previous
/// positions; returns the names seen forwards and backwards (page order kept).
template <class Store>
std::pair<std::vector<std::string>, std::vector<std::string>> walk(const Store& s, const q::sort_spec* sort,
                                                                   const scim::filter::filter* f, std::int64_t count) {
  st::query_request qr;
  qr.sort = sort;
  qr.filter = f;
  qr.count = count;
  qr.cursor_position = "";
  std::vector<std::string> forwards;
  std::vector<std::vector<std::string>> pages;
  std::vector<std::optional<std::string>> previous;
  for (int guard = 0; guard < 50; ++guard) {
    auto r = s.query(users(), qr);
    REQUIRE(r);
    pages.push_back(user_names(*r));
    previous.push_back(r->previous_position);
    for (const auto& n : pages.back()) forwards.push_back(n);
    if (!r->next_position) break;
    qr.cursor_position = *r->next_position;
  }
  CHECK_FALSE(previous.front().has_value());
  std::vector<std::string> backwards;
  std::optional<std::string> prev = previous.back();
  for (std::size_t i = pages.size(); i-- > 1;) {
    REQUIRE(prev);
    qr.cursor_position = *prev;
    auto r = s.query(users(), qr);
    REQUIRE(r);
    CHECK(user_names(*r) == pages[i - 1]);
    CHECK(r->next_position.has_value());
    for (const auto& n : user_names(*r)) backwards.push_back(n);
    prev = r->previous_position;
  }
  CHECK_FALSE(prev.has_value());
  return {forwards, backwards};
}

template <class Store>
void cursor_pagination() {
  auto s = make<Store>();
  std::vector<std::string> names;
  for (int i = 0; i < 7; ++i) {
    names.push_back("user" + std::to_string(6 - i));
    REQUIRE(s->create(users(), user(names.back())));
  }
  CHECK(walk(*s, nullptr, nullptr, 3).first == names);
  CHECK(walk(*s, nullptr, nullptr, 7).first == names);
  CHECK(walk(*s, nullptr, nullptr, 1).first == names);
  auto sort = q::compile_sort("userName", q::sort_order::ascending, users(), reg());
  auto sorted_names = names;
  std::sort(sorted_names.begin(), sorted_names.end());
  CHECK(walk(*s, &*sort, nullptr, 3).first == sorted_names);
  sort->order = q::sort_order::descending;
  std::reverse(sorted_names.begin(), sorted_names.end());
  CHECK(walk(*s, &*sort, nullptr, 2).first == sorted_names);
  auto f = scim::filter::parse(R"(userName ne "user3")");
  auto filtered = walk(*s, nullptr, &*f, 2).first;
  CHECK(filtered == std::vector<std::string>{"user6", "user5", "user4", "user2", "user1", "user0"});
  // The last page's previous position with fewer results than count behind it.
  st::query_request qr;
  qr.count = 3;
  qr.cursor_position = "";
  auto p1 = s->query(users(), qr);
  REQUIRE(p1);
  REQUIRE(p1->next_position);
  qr.cursor_position = *p1->next_position;
  qr.count = 5;  // the client asks for a larger page backwards
  auto p2 = s->query(users(), qr);
  REQUIRE(p2);
  REQUIRE(p2->previous_position);
  qr.cursor_position = *p2->previous_position;
  auto back = s->query(users(), qr);
  REQUIRE(back);
  CHECK(user_names(*back) == std::vector<std::string>{"user6", "user5", "user4", "user3", "user2"});
  CHECK_FALSE(back->previous_position);
  // count 0: only totalResults, no next position.
  qr.cursor_position = "";
  qr.count = 0;
  auto zero = s->query(users(), qr);
  CHECK(zero->total_results == 7);
  CHECK(zero->resources.empty());
  CHECK_FALSE(zero->next_position);
  // No count: everything at once.
  qr.count = std::nullopt;
  auto all = s->query(users(), qr);
  CHECK(all->resources.size() == 7);
  CHECK_FALSE(all->next_position);
}

template <class Store>
void cursor_survives_changes() {
  auto s = make<Store>();
  std::vector<std::string> ids;
  for (const char* n : {"a", "b", "c", "d", "e"}) ids.push_back(id_of(s->create(users(), user(n))));
  auto sort = q::compile_sort("userName", q::sort_order::ascending, users(), reg());
  st::query_request qr;
  qr.sort = &*sort;
  qr.count = 2;
  qr.cursor_position = "";
  auto first = s->query(users(), qr);
  REQUIRE(first);
  CHECK(user_names(*first) == std::vector<std::string>{"a", "b"});
  REQUIRE(first->next_position);
  REQUIRE(s->remove(users(), ids[0]));
  REQUIRE(s->create(users(), user("aa")));
  qr.cursor_position = *first->next_position;
  auto second = s->query(users(), qr);
  REQUIRE(second);
  CHECK(user_names(*second) == std::vector<std::string>{"c", "d"});
  CHECK(second->total_results == 5);
  // Unsorted: resumes after the last seen resource even when it was deleted.
  st::query_request plain;
  plain.count = 2;
  plain.cursor_position = "";
  auto p1 = s->query(users(), plain);
  REQUIRE(p1);
  CHECK(user_names(*p1) == std::vector<std::string>{"b", "c"});
  REQUIRE(s->remove(users(), ids[2]));  // "c"
  plain.cursor_position = *p1->next_position;
  CHECK(user_names(*s->query(users(), plain)) == std::vector<std::string>{"d", "e"});
}

template <class Store>
void unreadable_cursor_positions() {
  auto s = make<Store>();
  REQUIRE(s->create(users(), user("a")));
  auto sort = q::compile_sort("userName", q::sort_order::ascending, users(), reg());
  for (const char* pos : {"x", "[]", "{}", R"({"after":-1})", R"({"after":"1"})", R"({"key":[9],"id":"x"})",
                          R"({"after":1,"before":false})"}) {
    CAPTURE(pos);
    st::query_request qr;
    qr.cursor_position = pos;
    qr.sort = std::string_view(pos).find("key") != std::string_view::npos ? &*sort : nullptr;
    auto r = s->query(users(), qr);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == error_code::invalid_cursor);
  }
  st::query_request qr;
  qr.cursor_position = R"({"key":[3,"a"],"id":"x"})";
  CHECK(s->query(users(), qr).error().code == error_code::invalid_cursor);
  qr.sort = &*sort;
  qr.cursor_position = R"({"after":1})";
  CHECK(s->query(users(), qr).error().code == error_code::invalid_cursor);
}

template <class Store>
void service_flow_with_codec_and_projection() {
  auto s = make<Store>();
  for (int i = 0; i < 5; ++i) {
    json u = user("u" + std::to_string(i));
    u["password"] = "secret";
    REQUIRE(s->create(users(), u));
  }
  q::cursor_codec codec;
  const scim::instant now{1700000000, 0};
  std::string cursor;
  std::vector<std::string> seen;
  for (int pages = 0; pages < 5; ++pages) {
    auto l = q::parse_list_query_string("filter=userName+sw+%22u%22&sortBy=userName&count=2&attributes=userName&cursor=" +
                                        cursor);
    REQUIRE(l);
    auto sort = q::compile_sort(*l, users(), reg());
    REQUIRE(sort);
    st::query_request qr;
    qr.filter = l->filter ? &*l->filter : nullptr;
    qr.sort = *sort ? &**sort : nullptr;
    qr.count = q::effective_count(*l);
    qr.load = q::plan_load(users(), reg(), *l);
    CHECK_FALSE(qr.load.needs("password"));
    if (!l->cursor->empty()) {
      auto opened = codec.open(*l->cursor, q::query_fingerprint(*l), now);
      REQUIRE(opened);
      qr.cursor_position = opened->position;
    } else {
      qr.cursor_position = "";
    }
    auto page = s->query(users(), qr);
    REQUIRE(page);
    for (const auto& r : page->resources) {
      CHECK_FALSE(r.contains("password"));
      auto projected = q::project(r, users(), reg(), *l);
      REQUIRE(projected);
      CHECK_FALSE(projected->contains("meta"));
      seen.push_back((*projected)["userName"].template get<std::string>());
    }
    if (!page->next_position) break;
    cursor = codec.issue(*page->next_position, q::query_fingerprint(*l), now);
  }
  CHECK(seen == std::vector<std::string>{"u0", "u1", "u2", "u3", "u4"});
}

template <class Store>
void load_hints_limit_representations() {
  auto s = make<Store>();
  const std::string gid = id_of(s->create(groups(), group("Big", 5)));
  st::read_options ro;
  ro.load = hint_for(groups(), "excludedAttributes=members");
  auto got = s->get(groups(), gid, ro);
  REQUIRE(got);
  CHECK_FALSE(got->resource.contains("members"));
  CHECK(got->resource["displayName"] == "Big");
  CHECK(got->resource.contains("meta"));
  auto full = s->get(groups(), gid);
  CHECK(full->resource["members"].size() == 5);
  st::write_options w;
  w.returning = ro.load;
  auto patched = s->patch(groups(), gid, add_member("x"), w);
  REQUIRE(patched);
  CHECK_FALSE(patched->stored.resource.contains("members"));
  CHECK(patched->stored.resource["meta"]["version"] == "W/\"2\"");
  st::query_request qr;
  qr.load = ro.load;
  auto list = s->query(groups(), qr);
  REQUIRE(list);
  CHECK_FALSE(list->resources[0].contains("members"));
}

template <class Store>
void delete_leaves_groups_and_users_carry_groups() {
  auto s = make<Store>(ticking_config());
  const std::string alice = id_of(s->create(users(), user("alice")));
  const std::string bob = id_of(s->create(users(), user("bob")));
  json g1 = group("Admins");
  g1["members"] = json::array({{{"value", alice}}, {{"value", bob}}});
  const std::string a = id_of(s->create(groups(), g1));
  const std::string b = id_of(s->create(groups(), group("Staff")));
  REQUIRE(s->patch(groups(), b, add_member(alice)));
  REQUIRE(s->patch(groups(), b, add_member(a)));  // a nested group

  auto got = s->get(users(), alice);
  REQUIRE(got);
  REQUIRE(got->resource.contains("groups"));
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& g : got->resource["groups"]) {
    CHECK(g["type"] == "direct");
    seen.emplace(g["value"].template get<std::string>(), g["display"].template get<std::string>());
  }
  CHECK(seen == std::set<std::pair<std::string, std::string>>{{a, "Admins"}, {b, "Staff"}});
  CHECK(s->get(users(), bob)->resource["groups"].size() == 1);
  // groups is computed: not when excluded, and not in list results when excluded.
  st::read_options ro;
  ro.load = hint_for(users(), "excludedAttributes=groups");
  CHECK_FALSE(s->get(users(), alice, ro)->resource.contains("groups"));
  // A renamed group shows its new name.
  REQUIRE(s->patch(groups(), a, patcher(patch_body(R"([{"op":"replace","path":"displayName","value":"Root"}])"), groups())));
  bool renamed = false;
  const json bob_now = s->get(users(), bob)->resource;
  for (const auto& g : bob_now["groups"]) renamed = renamed || g["display"] == "Root";
  CHECK(renamed);

  const std::string before_a = s->get(groups(), a)->version;
  const std::string before_b = s->get(groups(), b)->version;
  REQUIRE(s->remove(users(), alice));
  auto ga = s->get(groups(), a);
  auto gb = s->get(groups(), b);
  CHECK(member_values(ga->resource) == std::set<std::string>{bob});
  CHECK(member_values(gb->resource) == std::set<std::string>{a});
  CHECK(ga->version != before_a);
  CHECK(gb->version != before_b);
  CHECK(ga->resource["meta"]["lastModified"] != ga->resource["meta"]["created"]);
  // Deleting a group removes it from the groups holding it and from its members' groups.
  REQUIRE(s->remove(groups(), a));
  CHECK_FALSE(s->get(groups(), b)->resource.contains("members"));
  CHECK_FALSE(s->get(users(), bob)->resource.contains("groups"));
  CHECK(run(*s, groups(), R"(members pr)").total_results == 0);
  // A PATCH after the clean-up works on the new member list.
  REQUIRE(s->patch(groups(), b, add_member(bob)));
  CHECK(member_values(s->get(groups(), b)->resource) == std::set<std::string>{bob});
}

template <class Store>
void concurrent_creates_one_winner() {
  auto s = make<Store>();
  std::atomic<int> ok{0}, conflict{0}, other{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      auto r = s->create(users(), user(t % 2 == 0 ? "racer" : "RACER"));
      if (r)
        ++ok;
      else if (r.error().status == 409 && r.error().code == error_code::uniqueness)
        ++conflict;
      else
        ++other;
    });
  }
  go = true;
  for (auto& th : threads) th.join();
  CHECK(ok == 1);
  CHECK(conflict == 7);
  CHECK(other == 0);
  CHECK(s->size(users()) == 1);
}

template <class Store>
void concurrent_member_adds_none_lost() {
  auto s = make<Store>();
  const std::string id = id_of(s->create(groups(), group("Crowd")));
  std::atomic<int> failures{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      st::write_options quiet;
      quiet.returning = std::nullopt;
      for (int i = 0; i < 50; ++i)
        if (!s->patch(groups(), id, add_member("t" + std::to_string(t) + "-" + std::to_string(i)), quiet)) ++failures;
    });
  }
  std::thread reader([&] {
    auto f = scim::filter::parse(R"(members[value eq "t0-0"] or displayName eq "Crowd")");
    st::query_request qr;
    qr.filter = &*f;
    while (!done.load()) {
      auto g = s->get(groups(), id);
      if (!g || !g->resource.is_object()) ++failures;
      auto r = s->query(groups(), qr);
      if (!r || r->total_results != 1) ++failures;
    }
  });
  for (auto& th : threads) th.join();
  done = true;
  reader.join();
  CHECK(failures == 0);
  auto g = s->get(groups(), id);
  REQUIRE(g);
  CHECK(g->version == "W/\"401\"");
  const auto members = member_values(g->resource);
  CHECK(members.size() == 400);
  CHECK(members.count("t7-49") == 1);
}

template <class Store>
void if_match_retries_serialise_replaces() {
  auto s = make<Store>();
  const std::string id = id_of(s->create(groups(), group("RMW")));
  std::atomic<int> conflicts{0}, failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        for (;;) {
          auto cur = s->get(groups(), id);
          if (!cur) {
            ++failures;
            return;
          }
          json next = cur->resource;
          if (!next.contains("members")) next["members"] = json::array();
          next["members"].push_back({{"value", "r" + std::to_string(t) + "-" + std::to_string(i)}});
          st::write_options w;
          w.if_match = cur->version;
          auto r = s->replace(groups(), id, std::move(next), w);
          if (r) break;
          if (r.error().status != 412) {
            ++failures;
            return;
          }
          ++conflicts;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  auto g = s->get(groups(), id);
  CHECK(g->resource["members"].size() == 40);
  CHECK(g->version == "W/\"41\"");
}

}  // namespace store_scenarios
