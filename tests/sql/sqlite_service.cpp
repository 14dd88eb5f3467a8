// The transport-agnostic service over the SQLite store: the main flows of
// tests/unit/service run against scim::service::service<sqlite_store>.
#include "scim/store/sqlite_store.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "../unit/service/fixture.hpp"
#include "scim/service/service.hpp"

using namespace svc_test;

namespace {

/// svc_test::fixture's shorthands over a service on a SQLite store.
struct sql_fixture {
  st::sqlite_store store;
  sv::service<st::sqlite_store> svc;

  explicit sql_fixture(sv::service_options o = {}, std::string path = ":memory:", st::sqlite_store_options so = {})
      : store(reg(), std::move(path), std::move(so)), svc(store, reg(), std::move(o)) {
    REQUIRE_FALSE(store.open_error());
  }

  reply send(std::string method, std::string path, std::string body = "", std::vector<sv::header> headers = {}) {
    sv::request r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.body = std::move(body);
    r.headers = std::move(headers);
    if (!r.body.empty() && !r.header_value("Content-Type")) r.headers.emplace_back("Content-Type", "application/scim+json");
    return wrap(svc.handle(r));
  }
  reply get(std::string path, std::vector<sv::header> h = {}) { return send("GET", std::move(path), "", std::move(h)); }
  reply post(std::string path, std::string body, std::vector<sv::header> h = {}) {
    return send("POST", std::move(path), std::move(body), std::move(h));
  }
  reply put(std::string path, std::string body, std::vector<sv::header> h = {}) {
    return send("PUT", std::move(path), std::move(body), std::move(h));
  }
  reply patch(std::string path, std::string body, std::vector<sv::header> h = {}) {
    return send("PATCH", std::move(path), std::move(body), std::move(h));
  }
  reply del(std::string path, std::vector<sv::header> h = {}) { return send("DELETE", std::move(path), "", std::move(h)); }

  std::string make_user(std::string_view name, std::string_view extra = "") {
    auto r = post("/Users", user_body(name, extra));
    REQUIRE_MESSAGE(r.status() == 201, r.raw.body);
    return r.body["id"].get<std::string>();
  }
  std::string make_group(std::string_view name, std::string_view members_json = "") {
    auto r = post("/Groups", group_body(name, members_json));
    REQUIRE_MESSAGE(r.status() == 201, r.raw.body);
    return r.body["id"].get<std::string>();
  }
};

std::vector<std::string> user_names(const json& list) {
  std::vector<std::string> out;
  for (const auto& r : list["Resources"]) out.push_back(r["userName"]);
  return out;
}

std::string temp_file(const char* name) {
  static std::atomic<int> n{0};
  const auto dir = std::filesystem::temp_directory_path() /
                   ("scimpp_sqlsvc_" + std::to_string(::getpid()) + "_" + std::to_string(n.fetch_add(1)));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

void remove_temp(const std::string& file) {
  std::error_code ec;
  std::filesystem::remove_all(std::filesystem::path(file).parent_path(), ec);
}

}  // namespace

TEST_CASE("sqlite_service: POST, GET, If-None-Match, PUT, PATCH, DELETE with ETags") {
  sql_fixture f;
  auto c = f.post("/scim/v2/Users", user_body("bjensen", R"("id":"client","password":"s3cret","name":{"givenName":"Barbara"})"),
                  {{"Host", "scim.example.com"}});
  REQUIRE_MESSAGE(c.status() == 201, c.raw.body);
  const std::string id = c.body["id"];
  CHECK(id != "client");
  CHECK_FALSE(c.body.contains("password"));
  CHECK(c.body["meta"]["version"] == "W/\"1\"");
  CHECK(c.body["meta"]["location"] == "https://scim.example.com/scim/v2/Users/" + id);
  CHECK(c.header("Location") == c.body["meta"]["location"]);
  CHECK(c.header("ETag") == "W/\"1\"");

  auto g = f.get("/Users/" + id);
  REQUIRE(g.status() == 200);
  CHECK(g.body["name"]["givenName"] == "Barbara");
  CHECK(f.get("/Users/" + id, {{"If-None-Match", "W/\"1\""}}).status() == 304);
  CHECK(f.get("/Users/" + id + "?attributes=password,userName").body.contains("password") == false);

  auto p = f.put("/Users/" + id, user_body("bjensen", R"("displayName":"Babs")"));
  REQUIRE_MESSAGE(p.status() == 200, p.raw.body);
  CHECK(p.body["displayName"] == "Babs");
  CHECK_FALSE(p.body.contains("name"));
  CHECK(p.header("ETag") == "W/\"2\"");
  check_error(f.put("/Users/" + id, user_body("x"), {{"If-Match", "W/\"1\""}}), 412);

  auto pa = f.patch("/Users/" + id, patch_body(R"([{"op":"replace","path":"title","value":"Boss"}])"));
  REQUIRE_MESSAGE(pa.status() == 200, pa.raw.body);
  CHECK(pa.body["title"] == "Boss");
  CHECK(pa.header("ETag") == "W/\"3\"");
  check_error(f.patch("/Users/" + id, patch_body(R"([{"op":"replace","path":"title","value":"x"}])"),
                      {{"If-Match", "W/\"2\""}}),
              412);
  CHECK(f.get("/Users/" + id).body["title"] == "Boss");
  CHECK(f.patch("/Users/" + id, patch_body(R"([{"op":"replace","path":"title","value":"y"}])"), {{"If-Match", "W/\"3\""}})
            .status() == 200);
  check_error(f.patch("/Users/" + id, patch_body(R"([{"op":"replace","path":"id","value":"x"}])")), 400, "mutability");
  // Entra's dialect: string booleans in PATCH values.
  auto entra = f.patch("/Users/" + id, patch_body(R"([{"op":"Replace","path":"active","value":"False"}])"),
                       {{"User-Agent", "Azure AD SCIM Client"}});
  CHECK(entra.status() == 200);
  CHECK(entra.body["active"] == false);

  check_error(f.del("/Users/" + id, {{"If-Match", "W/\"1\""}}), 412);
  CHECK(f.del("/Users/" + id).status() == 204);
  check_error(f.get("/Users/" + id), 404);
  check_error(f.del("/Users/" + id), 404);
}

TEST_CASE("sqlite_service: uniqueness is 409 uniqueness, also through PATCH and PUT") {
  sql_fixture f;
  f.make_user("BJensen");
  check_error(f.post("/Users", user_body("bjensen")), 409, "uniqueness");
  f.make_group("Engineering");
  check_error(f.post("/Groups", group_body("engineering")), 409, "uniqueness");
  const std::string other = f.make_user("other");
  check_error(f.patch("/Users/" + other, patch_body(R"([{"op":"replace","path":"userName","value":"BJENSEN"}])")), 409,
              "uniqueness");
  check_error(f.put("/Users/" + other, user_body("bjensen")), 409, "uniqueness");
  CHECK(f.get("/Users/" + other).body["userName"] == "other");
  CHECK(f.get("/Users/" + other).body["meta"]["version"] == "W/\"1\"");
}

TEST_CASE("sqlite_service: group members through PATCH and PUT; users carry groups; delete cleans up") {
  sql_fixture f;
  const std::string u1 = f.make_user("u1");
  const std::string u2 = f.make_user("u2");
  const std::string g1 = f.make_group("G1", R"([{"value":")" + u1 + R"("},{"value":")" + u2 + R"("}])");
  const std::string g2 = f.make_group("G2", R"([{"value":")" + u1 + R"("}])");
  auto u = f.get("/Users/" + u1);
  REQUIRE(u.body["groups"].size() == 2);
  CHECK(u.body["groups"][0]["value"] == g1);
  CHECK(u.body["groups"][0]["display"] == "G1");
  CHECK(u.body["groups"][0]["type"] == "direct");
  CHECK_FALSE(f.get("/Users/" + u1 + "?excludedAttributes=groups").body.contains("groups"));

  auto r = f.patch("/Groups/" + g2, patch_body(R"([{"op":"add","path":"members","value":[{"value":")" + u2 +
                                                R"("}]},{"op":"remove","path":"members[value eq \")" + u1 + R"(\"]"}])"));
  REQUIRE_MESSAGE(r.status() == 200, r.raw.body);
  REQUIRE(r.body["members"].size() == 1);
  CHECK(r.body["members"][0]["value"] == u2);
  CHECK(f.get("/Users/" + u1).body["groups"].size() == 1);
  CHECK(f.get("/Users/" + u2).body["groups"].size() == 2);
  f.put("/Groups/" + g2, group_body("G2", R"([{"value":")" + u1 + R"("}])"));
  CHECK(f.get("/Users/" + u2).body["groups"].size() == 1);
  CHECK(f.get("/Users/" + u1).body["groups"].size() == 2);
  // Okta's group rename repeating the group's own id.
  auto rn = f.patch("/Groups/" + g2, patch_body(R"([{"op":"replace","value":{"id":")" + g2 + R"(","displayName":"G2b"}}])"));
  CHECK(rn.status() == 200);
  CHECK(rn.body["displayName"] == "G2b");
  CHECK(rn.body["members"].size() == 1);
  bool shown = false;
  const json u1_groups = f.get("/Users/" + u1).body["groups"];
  for (const auto& g : u1_groups) shown = shown || g["display"] == "G2b";
  CHECK(shown);

  const std::string v1 = f.get("/Groups/" + g1).body["meta"]["version"];
  CHECK(f.del("/Users/" + u1).status() == 204);
  auto g = f.get("/Groups/" + g1);
  REQUIRE(g.body["members"].size() == 1);
  CHECK(g.body["members"][0]["value"] == u2);
  CHECK(g.body["meta"]["version"] != v1);
  CHECK_FALSE(f.get("/Groups/" + g2).body.contains("members"));
  CHECK(f.del("/Groups/" + g1).status() == 204);
  CHECK_FALSE(f.get("/Users/" + u2).body.contains("groups"));
  auto ex = f.get("/Groups?excludedAttributes=members");
  CHECK(ex.body["totalResults"] == 1);
}

TEST_CASE("sqlite_service: list with filter, sort, index paging, cursors and .search") {
  sv::service_options o;
  std::int64_t clock = 1700000000;
  o.clock = [&clock] { return scim::instant{clock, 0}; };
  sql_fixture f(o);
  for (const char* n : {"bob", "Alice", "carol", "alan", "Dave", "erin", "frank"})
    f.make_user(n, std::string(R"("title":")") + (n[0] == 'a' || n[0] == 'A' ? "A-team" : "other") + "\"");
  auto sorted = f.get("/Users?sortBy=userName");
  CHECK(user_names(sorted.body) == std::vector<std::string>{"alan", "Alice", "bob", "carol", "Dave", "erin", "frank"});
  auto desc = f.get("/Users?sortBy=userName&sortOrder=descending&startIndex=2&count=2");
  CHECK(user_names(desc.body) == std::vector<std::string>{"erin", "Dave"});
  CHECK(desc.body["totalResults"] == 7);
  CHECK(desc.body["itemsPerPage"] == 2);
  CHECK(desc.body["startIndex"] == 2);
  CHECK(user_names(f.get("/Users").body) ==
        std::vector<std::string>{"bob", "Alice", "carol", "alan", "Dave", "erin", "frank"});
  auto filtered = f.get("/Users?filter=userName+sw+%22A%22&sortBy=userName");
  CHECK(user_names(filtered.body) == std::vector<std::string>{"alan", "Alice"});
  CHECK(f.get("/Users?filter=title+eq+%22a-team%22").body["totalResults"] == 2);  // title: evaluated in memory
  CHECK(f.get("/Users?filter=userName+eq+%22ALICE%22").body["totalResults"] == 1);
  auto z = f.get("/Users?count=0");
  CHECK(z.body["totalResults"] == 7);
  CHECK(z.body["Resources"] == json::array());
  CHECK(f.get("/Users?startIndex=50").body["Resources"] == json::array());
  check_error(f.get("/Users?filter=nosuch+eq+%22x%22"), 400, "invalidFilter");
  check_error(f.get("/Users?filter=userName+eq"), 400, "invalidFilter");
  check_error(f.get("/Users?sortBy=nosuch"), 400, "invalidValue");
  // Entra's unquoted and string-boolean filter values.
  CHECK(f.get("/Users?filter=active+eq+%22True%22", {{"User-Agent", "Azure AD SCIM Client"}}).body["totalResults"] == 0);

  // Cursors: forwards, backwards, sorted; forged ones are 400.
  auto p1 = f.get("/Users?cursor&count=3");
  REQUIRE_MESSAGE(p1.status() == 200, p1.raw.body);
  CHECK(user_names(p1.body) == std::vector<std::string>{"bob", "Alice", "carol"});
  CHECK_FALSE(p1.body.contains("previousCursor"));
  auto p2 = f.get("/Users?count=3&cursor=" + p1.body["nextCursor"].get<std::string>());
  CHECK(user_names(p2.body) == std::vector<std::string>{"alan", "Dave", "erin"});
  auto back = f.get("/Users?count=3&cursor=" + p2.body["previousCursor"].get<std::string>());
  CHECK(user_names(back.body) == std::vector<std::string>{"bob", "Alice", "carol"});
  auto p3 = f.get("/Users?count=3&cursor=" + p2.body["nextCursor"].get<std::string>());
  CHECK(user_names(p3.body) == std::vector<std::string>{"frank"});
  CHECK_FALSE(p3.body.contains("nextCursor"));
  auto s1 = f.get("/Users?cursor=&count=4&sortBy=userName&sortOrder=descending");
  CHECK(user_names(s1.body) == std::vector<std::string>{"frank", "erin", "Dave", "carol"});
  auto s2 = f.get("/Users?count=4&sortBy=userName&sortOrder=descending&cursor=" + s1.body["nextCursor"].get<std::string>());
  CHECK(user_names(s2.body) == std::vector<std::string>{"bob", "Alice", "alan"});
  auto s0 = f.get("/Users?count=4&sortBy=userName&sortOrder=descending&cursor=" +
                  s2.body["previousCursor"].get<std::string>());
  CHECK(user_names(s0.body) == std::vector<std::string>{"frank", "erin", "Dave", "carol"});
  check_error(f.get("/Users?count=4&cursor=" + s1.body["nextCursor"].get<std::string>()), 400, "invalidCursor");
  check_error(f.get("/Users?count=3&cursor=garbage"), 400, "invalidCursor");

  f.make_group("Babs fans");
  auto root = f.post("/.search", R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
      "filter":"displayName sw \"babs\" or userName eq \"bob\""})");
  REQUIRE_MESSAGE(root.status() == 200, root.raw.body);
  CHECK(root.body["totalResults"] == 2);
  auto search = f.post("/Users/.search", R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
      "filter":"userName eq \"BOB\"","attributes":["userName"],"count":10})");
  REQUIRE(search.status() == 200);
  CHECK(search.body["Resources"][0]["userName"] == "bob");
  CHECK_FALSE(search.body["Resources"][0].contains("title"));
}

TEST_CASE("sqlite_service: 8 parallel POSTs of one userName give one 201 and seven 409, on a shared file store") {
  const std::string file = temp_file("bridge.db");
  for (int round = 0; round < 3; ++round) {
    sql_fixture f({}, file);
    std::vector<int> statuses(8, 0);
    std::vector<std::string> types(8);
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    const std::string name = "same.user" + std::to_string(round) + "@example.com";
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        while (!go.load()) std::this_thread::yield();
        std::string n = name;
        if (t % 2) n[0] = 'S';
        auto r = wrap(f.svc.handle({"POST", "/Users", "", {{"Content-Type", "application/scim+json"}}, user_body(n)}));
        statuses[static_cast<std::size_t>(t)] = r.status();
        types[static_cast<std::size_t>(t)] = r.scim_type();
      });
    }
    go = true;
    for (auto& t : threads) t.join();
    int created = 0, conflicts = 0;
    for (std::size_t i = 0; i < 8; ++i) {
      if (statuses[i] == 201) ++created;
      if (statuses[i] == 409 && types[i] == "uniqueness") ++conflicts;
    }
    CHECK(created == 1);
    CHECK(conflicts == 7);
    CHECK(f.get("/Users").body["totalResults"] == round + 1);
  }
  remove_temp(file);
}

TEST_CASE("sqlite_service: 8 services on their own stores over one file: POST races and member adds") {
  const std::string file = temp_file("many.db");
  std::vector<std::unique_ptr<sql_fixture>> nodes;
  for (int i = 0; i < 8; ++i) nodes.push_back(std::make_unique<sql_fixture>(sv::service_options{}, file));
  const std::string g = nodes[0]->make_group("Busy");
  std::vector<int> statuses(8, 0);
  std::atomic<int> failures{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      sql_fixture& f = *nodes[static_cast<std::size_t>(t)];
      while (!go.load()) std::this_thread::yield();
      statuses[static_cast<std::size_t>(t)] =
          f.svc.handle({"POST", "/Users", "", {{"Content-Type", "application/scim+json"}}, user_body("racer")}).status;
      for (int i = 0; i < 50; ++i) {
        const std::string member = "m-" + std::to_string(t) + "-" + std::to_string(i);
        sv::request r{"PATCH", "/Groups/" + g, "", {{"Content-Type", "application/scim+json"}},
                      patch_body(R"([{"op":"add","path":"members","value":[{"value":")" + member + R"("}]}])")};
        if (f.svc.handle(r).status != 200) ++failures;
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  CHECK(std::count(statuses.begin(), statuses.end(), 201) == 1);
  CHECK(std::count(statuses.begin(), statuses.end(), 409) == 7);
  CHECK(failures == 0);
  auto r = nodes[3]->get("/Groups/" + g);
  REQUIRE(r.body["members"].size() == 400);
  std::set<std::string> seen;
  for (const auto& m : r.body["members"]) seen.insert(m["value"].get<std::string>());
  CHECK(seen.size() == 400);
  CHECK(r.body["meta"]["version"] == "W/\"401\"");
  nodes.clear();
  remove_temp(file);
}

TEST_CASE("sqlite_service: 8 threads x 50 member adds through one service keep all 400 members") {
  const std::string file = temp_file("busy.db");
  {
    sql_fixture f({}, file);
    const std::string g = f.make_group("Busy");
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 50; ++i) {
          const std::string member = "m-" + std::to_string(t) + "-" + std::to_string(i);
          sv::request r{"PATCH", "/scim/v2/Groups/" + g, "", {{"Content-Type", "application/scim+json"}},
                        patch_body(R"([{"op":"add","path":"members","value":[{"value":")" + member + R"("}]}])")};
          if (f.svc.handle(r).status != 200) ++failures;
        }
      });
    }
    for (auto& t : threads) t.join();
    CHECK(failures == 0);
    auto r = f.get("/Groups/" + g);
    REQUIRE(r.body["members"].size() == 400);
    CHECK(r.body["meta"]["version"] == "W/\"401\"");
  }
  remove_temp(file);
}

TEST_CASE("sqlite_service: a member add on a 100,000-member group writes two rows and reads no member row") {
  sv::service_options o;
  o.patch_returns = sv::patch_response::no_content;
  sql_fixture f(o);
  const std::string g = f.make_group("Everyone");
  for (int b = 0; b < 100; ++b) {
    std::string values = "[";
    for (int i = 0; i < 1000; ++i) values += std::string(i ? "," : "") + R"({"value":"u-)" + std::to_string(b * 1000 + i) + "\"}";
    values += "]";
    auto r = f.patch("/Groups/" + g, patch_body(R"([{"op":"add","path":"members","value":)" + values + "}]"));
    REQUIRE(r.status() == 204);
  }
  const auto before = f.store.counters();
  CHECK(before.documents_loaded == 1);  // loaded by the first PATCH, reused since
  for (int i = 0; i < 20; ++i) {
    const auto rows = f.store.counters().rows_written;
    auto r = f.patch("/Groups/" + g, patch_body(R"([{"op":"add","path":"members","value":[{"value":"new-)" +
                                                std::to_string(i) + R"("}]}])"));
    REQUIRE(r.status() == 204);
    CHECK(f.store.counters().rows_written - rows == 2);
    const auto rows2 = f.store.counters().rows_written;
    auto rm = f.patch("/Groups/" + g, patch_body(R"([{"op":"remove","path":"members[value eq \"u-)" +
                                                 std::to_string(i * 37) + R"(\"]"}])"));
    REQUIRE(rm.status() == 204);
    CHECK(f.store.counters().rows_written - rows2 == 2);
  }
  const auto after = f.store.counters();
  CHECK(after.documents_loaded == before.documents_loaded);
  CHECK(after.member_rows_read == before.member_rows_read);
  // Entra's lookup without members reads no member row.
  auto look = f.get("/Groups?excludedAttributes=members&filter=displayName+eq+%22everyone%22");
  CHECK(look.body["totalResults"] == 1);
  CHECK_FALSE(look.body["Resources"][0].contains("members"));
  CHECK(f.store.counters().member_rows_read == after.member_rows_read);
  CHECK(f.get("/Groups/" + g).body["members"].size() == 100000);
}
