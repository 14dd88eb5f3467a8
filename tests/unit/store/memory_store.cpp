#include "scim/store/memory_store.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "scim/filter/evaluator.hpp"
#include "scim/filter/parser.hpp"
#include "scim/patch/apply.hpp"
#include "scim/patch/operation.hpp"
#include "scim/query/cursor.hpp"
#include "scim/query/list_params.hpp"
#include "scim/query/projection.hpp"
#include "scim/query/sort.hpp"

using scim::error_code;
using scim::json;
namespace st = scim::store;
namespace q = scim::query;

namespace {

const scim::schema_registry& reg() {
  return scim::default_registry();
}
const scim::resource_type& users() {
  return *reg().find_resource_type("User");
}
const scim::resource_type& groups() {
  return *reg().find_resource_type("Group");
}

// A clock that ticks one second per call.
st::memory_store_options ticking(std::int64_t start = 1700000000) {
  st::memory_store_options o;
  auto t = std::make_shared<std::atomic<std::int64_t>>(start);
  o.clock = [t] { return scim::instant{t->fetch_add(1), 0}; };
  return o;
}

json user(std::string_view user_name, std::string_view external_id = "") {
  json j = {{"schemas", {"urn:ietf:params:scim:schemas:core:2.0:User"}}, {"userName", user_name}};
  if (!external_id.empty()) j["externalId"] = external_id;
  return j;
}

json group(std::string_view name, std::size_t members = 0) {
  json j = {{"schemas", {"urn:ietf:params:scim:schemas:core:2.0:Group"}}, {"displayName", name}};
  if (members > 0) {
    json m = json::array();
    for (std::size_t i = 0; i < members; ++i) m.push_back({{"value", "m" + std::to_string(i)}});
    j["members"] = std::move(m);
  }
  return j;
}

// The real PATCH engine bound to one request body.
st::patch_function patcher(const json& body, const scim::resource_type& rt) {
  auto req = scim::patch::parse_patch_request(body);
  if (!req) FAIL(scim::format_error(req.error()));
  return [r = std::move(*req), &rt](scim::patch::document& d) { return scim::patch::apply(d, r, rt, reg()); };
}

json patch_body(std::string_view ops) {
  return json::parse(R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":)" +
                     std::string(ops) + "}");
}

st::patch_function add_member(std::string_view id) {
  return patcher(
      patch_body(R"([{"op":"add","path":"members","value":[{"value":")" + std::string(id) + R"("}]}])"),
      groups());
}

std::string id_of(const scim::expected<st::stored_resource>& r) {
  REQUIRE(r);
  return r->id;
}

q::load_hint hint_for(const scim::resource_type& rt, std::string_view query_string) {
  auto l = q::parse_list_query_string(query_string);
  REQUIRE(l);
  return q::plan_load(rt, reg(), *l);
}

std::vector<std::string> user_names(const st::query_result& r) {
  std::vector<std::string> out;
  for (const auto& u : r.resources) out.push_back(u.value("userName", std::string()));
  return out;
}

}  // namespace

TEST_CASE("create assigns id and meta; get returns the resource") {
  st::memory_store s(reg(), ticking());
  auto made = s.create(users(), user("bjensen", "ext-1"));
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

  auto got = s.get(users(), made->id);
  REQUIRE(got);
  CHECK(got->resource == r);
  CHECK(got->version == "W/\"1\"");
  CHECK(s.size(users()) == 1);
  CHECK(s.size(groups()) == 0);
}

TEST_CASE("create ignores a client id and meta; the store owns them") {
  st::memory_store s(reg(), ticking());
  json u = user("x");
  u["id"] = "client-chosen";
  u["META"] = {{"version", "W/\"99\""}};
  auto made = s.create(users(), u);
  REQUIRE(made);
  CHECK(made->id != "client-chosen");
  CHECK_FALSE(made->resource.contains("META"));
  CHECK(made->resource["meta"]["version"] == "W/\"1\"");
  CHECK_FALSE(s.get(users(), "client-chosen"));
  CHECK(s.create(users(), json::array()).error().code == error_code::invalid_syntax);
}

TEST_CASE("write_options::now and a custom id generator") {
  st::memory_store_options o;
  int n = 0;
  o.id_generator = [&n] { return "id-" + std::to_string(++n); };
  st::memory_store s(reg(), o);
  st::write_options w;
  w.now = scim::instant{0, 500000000};
  auto made = s.create(users(), user("a"), w);
  REQUIRE(made);
  CHECK(made->id == "id-1");
  CHECK(made->resource["meta"]["created"] == "1970-01-01T00:00:00.500Z");
  // Ids are per resource type.
  CHECK(id_of(s.create(groups(), group("g"))) == "id-2");
  CHECK_FALSE(s.get(groups(), "id-1"));
}

TEST_CASE("an id generator that repeats itself is a 500, not a silent overwrite") {
  st::memory_store_options o;
  o.id_generator = [] { return std::string("same"); };
  st::memory_store s(reg(), o);
  REQUIRE(s.create(users(), user("a")));
  auto r = s.create(users(), user("b"));
  REQUIRE_FALSE(r);
  CHECK(r.error().status == 500);
  CHECK(s.get(users(), "same")->resource["userName"] == "a");
  CHECK(s.size(users()) == 1);
}

TEST_CASE("unknown ids are 404") {
  st::memory_store s(reg());
  auto g = s.get(users(), "nope");
  REQUIRE_FALSE(g);
  CHECK(g.error().status == 404);
  CHECK(g.error().detail == "User 'nope' not found");
  CHECK(s.replace(users(), "nope", user("x")).error().status == 404);
  CHECK(s.remove(users(), "nope").error().status == 404);
  CHECK(s.patch(users(), "nope",
                patcher(patch_body(R"([{"op":"replace","path":"title","value":"x"}])"), users()))
            .error()
            .status == 404);
}

TEST_CASE("replace keeps id and created, bumps version and lastModified") {
  st::memory_store s(reg(), ticking());
  const std::string id = id_of(s.create(users(), user("bjensen")));
  json next = user("bjensen");
  next["title"] = "Boss";
  next["id"] = "other";
  auto r = s.replace(users(), id, next);
  REQUIRE(r);
  CHECK(r->id == id);
  CHECK(r->version == "W/\"2\"");
  CHECK(r->resource["id"] == id);
  CHECK(r->resource["title"] == "Boss");
  CHECK(r->resource["meta"]["created"] == "2023-11-14T22:13:20Z");
  CHECK(r->resource["meta"]["lastModified"] == "2023-11-14T22:13:21Z");
  CHECK(s.get(users(), id)->resource["title"] == "Boss");
}

TEST_CASE("remove deletes and frees the unique keys") {
  st::memory_store s(reg());
  const std::string id = id_of(s.create(users(), user("bjensen", "e1")));
  REQUIRE(s.remove(users(), id));
  CHECK(s.get(users(), id).error().status == 404);
  CHECK(s.size(users()) == 0);
  CHECK(s.find_by_external_id(users(), "e1")->empty());
  CHECK(s.create(users(), user("BJensen")));
}

TEST_CASE("userName is unique case-insensitively: 409 uniqueness") {
  st::memory_store s(reg());
  const std::string a = id_of(s.create(users(), user("bjensen")));
  auto dup = s.create(users(), user("BJENSEN"));
  REQUIRE_FALSE(dup);
  CHECK(dup.error().status == 409);
  CHECK(dup.error().code == error_code::uniqueness);
  CHECK(dup.error().detail.rfind("userName: ", 0) == 0);
  const std::string b = id_of(s.create(users(), user("other")));
  // Replace into a taken name conflicts; keeping one's own name does not.
  auto r = s.replace(users(), b, user("BJensen"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::uniqueness);
  CHECK(s.replace(users(), a, user("BJENSEN")));
  CHECK(s.get(users(), b)->resource["userName"] == "other");
  // Renaming frees the old name.
  CHECK(s.replace(users(), a, user("renamed")));
  CHECK(s.create(users(), user("bjensen")));
}

TEST_CASE("group displayName is unique case-insensitively by default, configurable") {
  st::memory_store s(reg());
  REQUIRE(s.create(groups(), group("Admins")));
  auto dup = s.create(groups(), group("admins"));
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == error_code::uniqueness);
  CHECK(dup.error().detail.rfind("displayName: ", 0) == 0);
  // userName of a User and displayName of a Group do not collide.
  CHECK(s.create(users(), user("Admins")));

  st::memory_store_options o;
  o.unique_attributes.clear();
  st::memory_store lax(reg(), o);
  CHECK(lax.create(groups(), group("Admins")));
  CHECK(lax.create(groups(), group("admins")));
}

TEST_CASE("externalId lookups; uniqueness only when configured") {
  st::memory_store s(reg());
  const std::string a = id_of(s.create(users(), user("a", "ext")));
  const std::string b = id_of(s.create(users(), user("b", "ext")));
  id_of(s.create(users(), user("c", "EXT")));
  auto found = s.find_by_external_id(users(), "ext");
  REQUIRE(found);
  CHECK(*found == std::vector<std::string>{a, b});  // case-exact, creation order
  CHECK(s.find_by_external_id(groups(), "ext")->empty());

  st::memory_store_options o;
  o.unique_external_id = true;
  st::memory_store strict(reg(), o);
  REQUIRE(strict.create(users(), user("a", "ext")));
  auto dup = strict.create(users(), user("b", "ext"));
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == error_code::uniqueness);
  CHECK(strict.create(users(), user("c", "EXT")));
}

TEST_CASE("If-Match is checked inside the write: 412 on mismatch, '*' matches") {
  st::memory_store s(reg());
  const std::string id = id_of(s.create(users(), user("bjensen")));
  st::write_options stale;
  stale.if_match = "W/\"7\"";
  auto r = s.replace(users(), id, user("x"), stale);
  REQUIRE_FALSE(r);
  CHECK(r.error().status == 412);
  CHECK(s.get(users(), id)->resource["userName"] == "bjensen");
  bool called = false;
  auto p = s.patch(
      users(), id,
      [&](scim::patch::document&) -> scim::expected<scim::patch::change_set> {
        called = true;
        return scim::patch::change_set{};
      },
      stale);
  CHECK(p.error().status == 412);
  CHECK_FALSE(called);
  CHECK(s.remove(users(), id, stale).error().status == 412);

  st::write_options any;
  any.if_match = "*";
  CHECK(s.replace(users(), id, user("star"), any)->version == "W/\"2\"");
  st::write_options exact;
  exact.if_match = "W/\"1\", W/\"2\"";
  CHECK(s.replace(users(), id, user("exact"), exact)->version == "W/\"3\"");
  exact.if_match = "\"3\"";
  CHECK(s.remove(users(), id, exact));
}

TEST_CASE("versions increase with every change") {
  st::memory_store s(reg(), ticking());
  const std::string id = id_of(s.create(groups(), group("g")));
  std::vector<std::string> seen{s.get(groups(), id)->version};
  seen.push_back(s.replace(groups(), id, group("g2"))->version);
  seen.push_back(s.patch(groups(), id, add_member("u1"))->stored.version);
  seen.push_back(s.patch(groups(), id, add_member("u2"))->stored.version);
  CHECK(seen == std::vector<std::string>{"W/\"1\"", "W/\"2\"", "W/\"3\"", "W/\"4\""});
  // A PATCH that changes nothing keeps the version (re-adding a member).
  auto same = s.patch(groups(), id, add_member("u2"));
  REQUIRE(same);
  CHECK(same->changes.empty());
  CHECK(same->stored.version == "W/\"4\"");
  CHECK(s.get(groups(), id)->resource["meta"]["version"] == "W/\"4\"");
  const auto meta = s.get(groups(), id)->resource["meta"];
  CHECK(meta["lastModified"] > meta["created"]);
}

TEST_CASE("PATCH through the real engine: members, returning nothing, errors") {
  st::memory_store s(reg());
  const std::string id = id_of(s.create(groups(), group("Ops", 3)));
  st::write_options quiet;
  quiet.returning = std::nullopt;
  auto r = s.patch(groups(), id, add_member("u9"), quiet);
  REQUIRE(r);
  CHECK(r->stored.resource.is_null());
  CHECK(r->stored.version == "W/\"2\"");
  CHECK(r->changes.changed("members"));
  REQUIRE(r->changes.delta("members"));
  CHECK(r->changes.delta("members")->added.size() == 1);
  CHECK(s.get(groups(), id)->resource["members"].size() == 4);

  auto removed = s.patch(
      groups(), id, patcher(patch_body(R"([{"op":"remove","path":"members[value eq \"m1\"]"}])"), groups()));
  REQUIRE(removed);
  CHECK(removed->stored.resource["members"].size() == 3);

  // An error from the engine passes through and changes nothing.
  auto bad = s.patch(groups(), id,
                     patcher(patch_body(R"([{"op":"add","path":"members","value":[{"value":"u10"}]},
                                           {"op":"remove","path":"members[value eq \"zzz\"]"}])"),
                             groups()));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == error_code::no_target);
  auto after = s.get(groups(), id);
  CHECK(after->version == "W/\"3\"");
  CHECK(after->resource["members"].size() == 3);

  // Renaming through PATCH updates the head and the index.
  auto renamed =
      s.patch(groups(), id,
              patcher(patch_body(R"([{"op":"replace","path":"displayName","value":"Ops2"}])"), groups()));
  REQUIRE(renamed);
  CHECK(renamed->stored.resource["displayName"] == "Ops2");
  CHECK(s.create(groups(), group("ops")));
  CHECK(s.create(groups(), group("OPS2")).error().code == error_code::uniqueness);
}

TEST_CASE("a PATCH that breaks uniqueness is rolled back completely") {
  st::memory_store s(reg());
  REQUIRE(s.create(groups(), group("Admins")));
  const std::string id = id_of(s.create(groups(), group("Ops", 2)));
  const json before = s.get(groups(), id)->resource;
  auto r = s.patch(groups(), id,
                   patcher(patch_body(R"([{"op":"add","path":"members","value":[{"value":"new"}]},
                                         {"op":"remove","path":"members[value eq \"m0\"]"},
                                         {"op":"replace","path":"displayName","value":"ADMINS"},
                                         {"op":"add","path":"externalId","value":"x1"}])"),
                           groups()));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::uniqueness);
  const json after = s.get(groups(), id)->resource;
  CHECK(after["displayName"] == "Ops");
  CHECK_FALSE(after.contains("externalId"));
  CHECK(after["meta"] == before["meta"]);
  std::set<std::string> members;
  for (const auto& m : after["members"]) members.insert(m["value"].get<std::string>());
  CHECK(members == std::set<std::string>{"m0", "m1"});
  CHECK(s.find_by_external_id(groups(), "x1")->empty());
  // The document still works after a rollback.
  auto ok = s.patch(groups(), id, add_member("later"));
  REQUIRE(ok);
  CHECK(ok->stored.resource["members"].size() == 3);
  CHECK(ok->stored.version == "W/\"2\"");
}

TEST_CASE("a user PATCH that takes a userName is rolled back, emails included") {
  st::memory_store s(reg());
  REQUIRE(s.create(users(), user("taken")));
  json u = user("mine");
  u["emails"] = json::parse(R"([{"value":"a@x","primary":true}])");
  const std::string id = id_of(s.create(users(), u));
  auto r =
      s.patch(users(), id,
              patcher(patch_body(R"([{"op":"add","path":"emails","value":[{"value":"b@x","primary":true}]},
                                         {"op":"replace","path":"userName","value":"TAKEN"}])"),
                      users()));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::uniqueness);
  const json after = s.get(users(), id)->resource;
  CHECK(after["userName"] == "mine");
  REQUIRE(after["emails"].size() == 1);
  CHECK(after["emails"][0] == json::parse(R"({"value":"a@x","primary":true})"));
}

TEST_CASE("reads and PATCHes without members never touch the member list") {
  st::memory_store s(reg());
  const std::string id = id_of(s.create(groups(), group("Big", 100000)));
  const auto start = s.counters();
  st::write_options quiet;
  quiet.returning = std::nullopt;
  // Okta re-sends the unchanged displayName with each membership change.
  for (int i = 0; i < 20; ++i) {
    auto r = s.patch(
        groups(), id,
        patcher(patch_body(R"([{"op":"replace","value":{"id":")" + id +
                           R"(","displayName":"Big"}},{"op":"add","path":"members","value":[{"value":"n)" +
                           std::to_string(i) + R"("}]}])"),
                groups()),
        quiet);
    REQUIRE(r);
    CHECK(r->changes.attributes == std::vector<std::string>{"members"});
  }
  // Entra ID's lookup: excludedAttributes=members&filter=displayName eq "Big".
  auto f = scim::filter::parse(R"(displayName eq "Big")");
  REQUIRE(f);
  st::query_request qr;
  qr.filter = &*f;
  qr.load = hint_for(groups(), "excludedAttributes=members");
  auto page = s.query(groups(), qr);
  REQUIRE(page);
  REQUIRE(page->resources.size() == 1);
  CHECK_FALSE(page->resources[0].contains("members"));
  st::read_options ro;
  ro.load = qr.load;
  auto got = s.get(groups(), id, ro);
  REQUIRE(got);
  CHECK_FALSE(got->resource.contains("members"));
  CHECK(got->resource["meta"]["version"] == "W/\"21\"");
  const auto end = s.counters();
  CHECK(end.document_reads == start.document_reads);
  CHECK(end.head_refreshes == start.head_refreshes);
  // Asking for members does read the document.
  CHECK(s.get(groups(), id)->resource["members"].size() == 100020);
  CHECK(s.counters().document_reads == end.document_reads + 1);
}

TEST_CASE("query: filter, index lookups, default order") {
  st::memory_store s(reg());
  for (const char* n : {"carol", "Alice", "bob", "dave"})
    REQUIRE(s.create(users(), user(n, std::string("e-") + n)));
  st::query_request all;
  auto r = s.query(users(), all);
  REQUIRE(r);
  CHECK(r->total_results == 4);
  CHECK(user_names(*r) == std::vector<std::string>{"carol", "Alice", "bob", "dave"});  // creation order

  for (const char* text : {R"(userName eq "ALICE")", R"(externalId eq "e-Alice")", R"(userName sw "a")",
                           R"(userName eq "alice" and externalId eq "e-Alice")"}) {
    CAPTURE(text);
    auto f = scim::filter::parse(text);
    REQUIRE(f);
    st::query_request qr;
    qr.filter = &*f;
    auto page = s.query(users(), qr);
    REQUIRE(page);
    CHECK(page->total_results == 1);
    CHECK(user_names(*page) == std::vector<std::string>{"Alice"});
  }
  // externalId is caseExact.
  auto f = scim::filter::parse(R"(externalId eq "E-ALICE")");
  st::query_request qr;
  qr.filter = &*f;
  CHECK(s.query(users(), qr)->total_results == 0);
  // A compiled predicate without the AST works too.
  auto p = scim::filter::compile(*scim::filter::parse(R"(userName co "o")"), users(), reg());
  REQUIRE(p);
  st::query_request by_pred;
  by_pred.predicate = &*p;
  CHECK(user_names(*s.query(users(), by_pred)) == std::vector<std::string>{"carol", "bob"});
  // A filter on an unknown attribute is invalidFilter.
  auto unknown = scim::filter::parse(R"(nope eq "x")");
  st::query_request bad;
  bad.filter = &*unknown;
  CHECK(s.query(users(), bad).error().code == error_code::invalid_filter);
  // An empty store or unknown type answers with no results.
  CHECK(s.query(groups(), all)->total_results == 0);
}

TEST_CASE("query: filters on members and on meta") {
  st::memory_store s(reg(), ticking());
  const std::string a = id_of(s.create(groups(), group("A", 3)));
  id_of(s.create(groups(), group("B")));
  auto by_member = scim::filter::parse(R"(members[value eq "m2"])");
  st::query_request qr;
  qr.filter = &*by_member;
  auto r = s.query(groups(), qr);
  REQUIRE(r);
  REQUIRE(r->total_results == 1);
  CHECK(r->resources[0]["id"] == a);
  auto by_meta = scim::filter::parse(R"(meta.created gt "2023-11-14T22:13:20Z")");
  qr.filter = &*by_meta;
  CHECK(s.query(groups(), qr)->resources[0]["displayName"] == "B");
  auto both = scim::filter::parse(R"(members pr and meta.version eq "W/\"1\"")");
  qr.filter = &*both;
  CHECK(s.query(groups(), qr)->resources[0]["displayName"] == "A");
}

TEST_CASE("query: sort and index paging edges") {
  st::memory_store s(reg());
  for (const char* n : {"carol", "Alice", "bob", "dave", "Eve"}) REQUIRE(s.create(users(), user(n)));
  REQUIRE(s.create(users(), json{{"schemas", {"urn:ietf:params:scim:schemas:core:2.0:User"}},
                                 {"userName", "zed"},
                                 {"title", "x"}}));
  auto sort = q::compile_sort("userName", q::sort_order::ascending, users(), reg());
  REQUIRE(sort);
  st::query_request qr;
  qr.sort = &*sort;
  CHECK(user_names(*s.query(users(), qr)) ==
        std::vector<std::string>{"Alice", "bob", "carol", "dave", "Eve", "zed"});
  qr.start_index = 2;
  qr.count = 2;
  auto page = s.query(users(), qr);
  CHECK(page->total_results == 6);
  CHECK(user_names(*page) == std::vector<std::string>{"bob", "carol"});
  qr.count = 0;  // only totalResults
  page = s.query(users(), qr);
  CHECK(page->total_results == 6);
  CHECK(page->resources.empty());
  qr.start_index = 7;  // past the end
  qr.count = 10;
  page = s.query(users(), qr);
  CHECK(page->total_results == 6);
  CHECK(page->resources.empty());
  qr.start_index = 0;  // read as 1
  qr.count = -4;       // read as 0
  page = s.query(users(), qr);
  CHECK(page->resources.empty());
  // Missing values sort first descending, last ascending.
  auto by_title = q::compile_sort("title", q::sort_order::descending, users(), reg());
  st::query_request t;
  t.sort = &*by_title;
  auto desc = user_names(*s.query(users(), t));
  REQUIRE(desc.size() == 6);
  CHECK(desc.back() == "zed");
  by_title->order = q::sort_order::ascending;
  CHECK(user_names(*s.query(users(), t)).front() == "zed");
}

TEST_CASE("query: cursor pagination with and without sort") {
  st::memory_store s(reg());
  std::vector<std::string> names;
  for (int i = 0; i < 7; ++i) {
    names.push_back("user" + std::to_string(6 - i));
    REQUIRE(s.create(users(), user(names.back())));
  }
  auto walk = [&](const q::sort_spec* sort) {
    st::query_request qr;
    qr.sort = sort;
    qr.count = 3;
    qr.cursor_position = "";
    std::vector<std::string> seen;
    for (int pages = 0; pages < 10; ++pages) {
      auto r = s.query(users(), qr);
      REQUIRE(r);
      CHECK(r->total_results == 7);
      for (const auto& n : user_names(*r)) seen.push_back(n);
      if (!r->next_position) break;
      qr.cursor_position = *r->next_position;
    }
    return seen;
  };
  CHECK(walk(nullptr) == names);
  auto sort = q::compile_sort("userName", q::sort_order::ascending, users(), reg());
  auto sorted_names = names;
  std::sort(sorted_names.begin(), sorted_names.end());
  CHECK(walk(&*sort) == sorted_names);
  sort->order = q::sort_order::descending;
  std::reverse(sorted_names.begin(), sorted_names.end());
  CHECK(walk(&*sort) == sorted_names);
}

TEST_CASE("query: a cursor resumes after its last resource when others change") {
  st::memory_store s(reg());
  std::vector<std::string> ids;
  for (const char* n : {"a", "b", "c", "d", "e"}) ids.push_back(id_of(s.create(users(), user(n))));
  auto sort = q::compile_sort("userName", q::sort_order::ascending, users(), reg());
  st::query_request qr;
  qr.sort = &*sort;
  qr.count = 2;
  qr.cursor_position = "";
  auto first = s.query(users(), qr);
  REQUIRE(first);
  CHECK(user_names(*first) == std::vector<std::string>{"a", "b"});
  REQUIRE(first->next_position);
  REQUIRE(s.remove(users(), ids[0]));      // "a" leaves
  REQUIRE(s.create(users(), user("aa")));  // sorts before the cursor: not seen
  qr.cursor_position = *first->next_position;
  auto second = s.query(users(), qr);
  REQUIRE(second);
  CHECK(user_names(*second) == std::vector<std::string>{"c", "d"});
  CHECK(second->total_results == 5);
}

TEST_CASE("query: unreadable cursor positions are invalidCursor") {
  st::memory_store s(reg());
  REQUIRE(s.create(users(), user("a")));
  auto sort = q::compile_sort("userName", q::sort_order::ascending, users(), reg());
  for (const char* pos :
       {"x", "[]", "{}", R"({"after":-1})", R"({"after":"1"})", R"({"key":[9],"id":"x"})"}) {
    CAPTURE(pos);
    st::query_request qr;
    qr.cursor_position = pos;
    qr.sort = std::string_view(pos).find("key") != std::string_view::npos ? &*sort : nullptr;
    auto r = s.query(users(), qr);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == error_code::invalid_cursor);
  }
  // A sorted position presented without a sort (and the reverse).
  st::query_request qr;
  qr.cursor_position = R"({"key":[3,"a"],"id":"x"})";
  CHECK(s.query(users(), qr).error().code == error_code::invalid_cursor);
  qr.sort = &*sort;
  qr.cursor_position = R"({"after":1})";
  CHECK(s.query(users(), qr).error().code == error_code::invalid_cursor);
}

TEST_CASE("the service flow: list parameters, cursor codec, store, projection") {
  st::memory_store s(reg());
  for (int i = 0; i < 5; ++i) {
    json u = user("u" + std::to_string(i));
    u["password"] = "secret";
    REQUIRE(s.create(users(), u));
  }
  q::cursor_codec codec;
  const scim::instant now{1700000000, 0};
  std::string cursor;
  std::vector<std::string> seen;
  for (int pages = 0; pages < 5; ++pages) {
    auto l = q::parse_list_query_string(
        "filter=userName+sw+%22u%22&sortBy=userName&count=2&attributes=userName&cursor=" + cursor);
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
    auto page = s.query(users(), qr);
    REQUIRE(page);
    for (const auto& r : page->resources) {
      CHECK_FALSE(r.contains("password"));
      auto projected = q::project(r, users(), reg(), *l);
      REQUIRE(projected);
      CHECK_FALSE(projected->contains("meta"));
      seen.push_back((*projected)["userName"].get<std::string>());
    }
    if (!page->next_position) break;
    cursor = codec.issue(*page->next_position, q::query_fingerprint(*l), now);
  }
  CHECK(seen == std::vector<std::string>{"u0", "u1", "u2", "u3", "u4"});
}

TEST_CASE("concurrency: 8 threads creating the same userName, exactly one wins") {
  st::memory_store s(reg());
  std::atomic<int> ok{0}, conflict{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      auto r = s.create(users(), user(t % 2 == 0 ? "racer" : "RACER"));
      if (r)
        ++ok;
      else if (r.error().status == 409 && r.error().code == error_code::uniqueness)
        ++conflict;
      else
        ++other;
    });
  }
  for (auto& th : threads) th.join();
  CHECK(ok == 1);
  CHECK(conflict == 7);
  CHECK(other == 0);
  CHECK(s.size(users()) == 1);
}

TEST_CASE("concurrency: 8 threads x 50 member adds to one group, none lost") {
  st::memory_store s(reg());
  const std::string id = id_of(s.create(groups(), group("Crowd")));
  std::atomic<int> failures{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      st::write_options quiet;
      quiet.returning = std::nullopt;
      for (int i = 0; i < 50; ++i)
        if (!s.patch(groups(), id, add_member("t" + std::to_string(t) + "-" + std::to_string(i)), quiet))
          ++failures;
    });
  }
  // Readers running alongside the writers.
  std::thread reader([&] {
    auto f = scim::filter::parse(R"(members[value eq "t0-0"] or displayName eq "Crowd")");
    st::query_request qr;
    qr.filter = &*f;
    while (!done.load()) {
      auto g = s.get(groups(), id);
      if (!g || !g->resource.is_object()) ++failures;
      auto r = s.query(groups(), qr);
      if (!r || r->total_results != 1) ++failures;
    }
  });
  for (auto& th : threads) th.join();
  done = true;
  reader.join();
  CHECK(failures == 0);
  auto g = s.get(groups(), id);
  REQUIRE(g);
  CHECK(g->version == "W/\"401\"");
  std::set<std::string> members;
  for (const auto& m : g->resource["members"]) members.insert(m["value"].get<std::string>());
  CHECK(members.size() == 400);
  CHECK(members.count("t7-49") == 1);
}

TEST_CASE("concurrency: If-Match retries serialise read-modify-write replaces") {
  st::memory_store s(reg());
  const std::string id = id_of(s.create(groups(), group("RMW")));
  std::atomic<int> conflicts{0}, failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        for (;;) {
          auto cur = s.get(groups(), id);
          if (!cur) {
            ++failures;
            return;
          }
          json next = cur->resource;
          if (!next.contains("members")) next["members"] = json::array();
          next["members"].push_back({{"value", "r" + std::to_string(t) + "-" + std::to_string(i)}});
          st::write_options w;
          w.if_match = cur->version;
          auto r = s.replace(groups(), id, std::move(next), w);
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
  auto g = s.get(groups(), id);
  CHECK(g->resource["members"].size() == 40);
  CHECK(g->version == "W/\"41\"");
}
