// Listing, .search and cursor pagination through the service.
#include "scim/service/service.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "fixture.hpp"

using namespace svc_test;

namespace {

std::vector<std::string> user_names(const json& list) {
  std::vector<std::string> out;
  for (const auto& r : list["Resources"]) out.push_back(r["userName"]);
  return out;
}

}  // namespace

TEST_CASE("service list: ListResponse shape, startIndex, count and paging edges") {
  sv::service_options o;
  o.list.max_count = 3;
  fixture f(o);
  auto empty = f.get("/Users?filter=userName+eq+%22nobody%22");
  REQUIRE(empty.status() == 200);
  CHECK(empty.body["schemas"] == json::array({"urn:ietf:params:scim:api:messages:2.0:ListResponse"}));
  CHECK(empty.body["totalResults"] == 0);
  CHECK(empty.body["Resources"] == json::array());
  CHECK(empty.body["itemsPerPage"] == 0);
  CHECK(empty.body["startIndex"] == 1);

  for (const char* n : {"a", "b", "c", "d", "e"}) f.make_user(n);
  auto all = f.get("/Users");  // capped at max_count
  CHECK(all.body["totalResults"] == 5);
  CHECK(all.body["itemsPerPage"] == 3);
  CHECK(user_names(all.body) == std::vector<std::string>{"a", "b", "c"});
  auto p2 = f.get("/Users?startIndex=4&count=2");
  CHECK(user_names(p2.body) == std::vector<std::string>{"d", "e"});
  CHECK(p2.body["startIndex"] == 4);
  auto low = f.get("/Users?startIndex=-3&count=1");
  CHECK(low.body["startIndex"] == 1);
  CHECK(user_names(low.body) == std::vector<std::string>{"a"});
  for (const char* q : {"/Users?count=0", "/Users?count=-5"}) {
    auto z = f.get(q);
    CHECK(z.body["totalResults"] == 5);
    CHECK(z.body["itemsPerPage"] == 0);
    CHECK(z.body["Resources"] == json::array());
  }
  auto past = f.get("/Users?startIndex=50");
  CHECK(past.status() == 200);
  CHECK(past.body["totalResults"] == 5);
  CHECK(past.body["Resources"] == json::array());
  CHECK(f.get("/Users?count=100").body["itemsPerPage"] == 3);
  check_error(f.get("/Users?count=ten"), 400, "invalidValue");
  check_error(f.get("/Users?startIndex=1.5"), 400, "invalidValue");
}

TEST_CASE("service list: sorting honours caseExact and is stable; bad sortBy is 400") {
  fixture f;
  for (const char* n : {"bob", "Alice", "carol", "alan"}) f.make_user(n);
  auto r = f.get("/Users?sortBy=userName");
  CHECK(user_names(r.body) == std::vector<std::string>{"alan", "Alice", "bob", "carol"});
  auto d = f.get("/Users?sortBy=userName&sortOrder=descending");
  CHECK(user_names(d.body) == std::vector<std::string>{"carol", "bob", "Alice", "alan"});
  check_error(f.get("/Users?sortBy=nosuch"), 400, "invalidValue");
  check_error(f.get("/Users?sortBy=userName&sortOrder=sideways"), 400, "invalidValue");
  // Without sortBy: creation order, the same on every call.
  CHECK(user_names(f.get("/Users").body) == std::vector<std::string>{"bob", "Alice", "carol", "alan"});
}

TEST_CASE("service list: filters; invalid filters are 400 invalidFilter, never everything") {
  fixture f;
  f.make_user("bjensen", R"("title":"Tour Guide","emails":[{"value":"b@example.com","type":"work"}])");
  f.make_user("jsmith", R"("title":"Boss")");
  auto r = f.get("/Users?filter=title+co+%22guide%22");  // '+' is a space
  CHECK(r.body["totalResults"] == 1);
  CHECK(f.get("/Users?filter=emails%5Btype+eq+%22work%22%5D").body["totalResults"] == 1);
  CHECK(f.get("/Users?filter=userName%20sw%20%22J%22").body["totalResults"] == 1);
  check_error(f.get("/Users?filter=userName+eq"), 400, "invalidFilter");
  check_error(f.get("/Users?filter=nosuch+eq+%22x%22"), 400, "invalidFilter");
  check_error(f.get("/Users?filter=active+gt+true"), 400, "invalidFilter");
  check_error(f.get("/Users?filter=" + std::string(70000, 'a')), 400, "invalidFilter");
  check_error(f.get("/Users?filter=" + std::string(1000, '(') + "userName+pr" + std::string(1000, ')')), 400,
              "invalidFilter");
}

TEST_CASE("service list: Entra's unquoted filter values follow the dialect") {
  fixture f;
  f.make_user("a", R"("externalId":"0a1b")");
  auto entra = f.get("/Users?filter=externalId+eq+0a1b", {{"User-Agent", "Azure AD SCIM Client"}});
  CHECK(entra.status() == 200);
  CHECK(entra.body["totalResults"] == 1);
  sv::service_options o;
  o.dialect = scim::patch::dialect::strict;
  fixture g(o);
  check_error(g.get("/Users?filter=externalId+eq+0a1b"), 400, "invalidFilter");
}

TEST_CASE("service list: .search with a SearchRequest body, per type and at the root") {
  fixture f;
  f.make_user("bjensen", R"("displayName":"Babs")");
  f.make_user("jsmith");
  f.make_group("Babs fans");
  auto r = f.post("/Users/.search", R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
      "filter":"userName eq \"BJENSEN\"","attributes":["userName"],"count":10})");
  REQUIRE_MESSAGE(r.status() == 200, r.raw.body);
  CHECK(r.body["totalResults"] == 1);
  CHECK(r.body["Resources"][0]["userName"] == "bjensen");
  CHECK_FALSE(r.body["Resources"][0].contains("displayName"));
  check_error(f.post("/Users/.search", R"({"filter":"userName pr"})"), 400, "invalidSyntax");
  check_error(f.post("/Users/.search",
                     R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"count":"10"})"),
              400, "invalidValue");
  auto root = f.post("/.search", R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
      "filter":"displayName sw \"babs\""})");
  REQUIRE_MESSAGE(root.status() == 200, root.raw.body);
  CHECK(root.body["totalResults"] == 2);
  std::set<std::string> types;
  for (const auto& x : root.body["Resources"]) types.insert(x["meta"]["resourceType"].get<std::string>());
  CHECK(types == std::set<std::string>{"User", "Group"});
  auto byname = f.post("/.search", R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
      "filter":"userName eq \"jsmith\""})");
  CHECK(byname.body["totalResults"] == 1);
  check_error(f.post("/.search", R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
      "filter":"userName eq"})"),
              400, "invalidFilter");
}

TEST_CASE("service list: cursor pagination with nextCursor and previousCursor; forged and expired cursors") {
  sv::service_options o;
  std::int64_t clock = 1700000000;
  o.clock = [&clock] { return scim::instant{clock, 0}; };
  o.cursor_ttl = std::chrono::seconds(60);
  fixture f(o);
  for (int i = 0; i < 7; ++i) f.make_user("user" + std::to_string(i));
  auto p1 = f.get("/Users?cursor&count=3");
  REQUIRE_MESSAGE(p1.status() == 200, p1.raw.body);
  CHECK(p1.body["totalResults"] == 7);
  CHECK_FALSE(p1.body.contains("startIndex"));
  CHECK_FALSE(p1.body.contains("previousCursor"));
  CHECK(user_names(p1.body) == std::vector<std::string>{"user0", "user1", "user2"});
  const std::string c2 = p1.body["nextCursor"];
  auto p2 = f.get("/Users?count=3&cursor=" + c2);
  CHECK(user_names(p2.body) == std::vector<std::string>{"user3", "user4", "user5"});
  REQUIRE(p2.body.contains("previousCursor"));
  auto back = f.get("/Users?count=3&cursor=" + p2.body["previousCursor"].get<std::string>());
  CHECK(user_names(back.body) == std::vector<std::string>{"user0", "user1", "user2"});
  auto p3 = f.get("/Users?count=3&cursor=" + p2.body["nextCursor"].get<std::string>());
  CHECK(user_names(p3.body) == std::vector<std::string>{"user6"});
  CHECK_FALSE(p3.body.contains("nextCursor"));
  auto back3 = f.get("/Users?count=3&cursor=" + p3.body["previousCursor"].get<std::string>());
  CHECK(user_names(back3.body) == std::vector<std::string>{"user3", "user4", "user5"});

  // Sorted cursors page in sort order.
  auto s1 = f.get("/Users?cursor=&count=4&sortBy=userName&sortOrder=descending");
  CHECK(user_names(s1.body) == std::vector<std::string>{"user6", "user5", "user4", "user3"});
  auto s2 = f.get("/Users?count=4&sortBy=userName&sortOrder=descending&cursor=" + s1.body["nextCursor"].get<std::string>());
  CHECK(user_names(s2.body) == std::vector<std::string>{"user2", "user1", "user0"});
  // A cursor belongs to its filter and sort.
  check_error(f.get("/Users?count=4&cursor=" + s1.body["nextCursor"].get<std::string>()), 400, "invalidCursor");

  std::string forged = c2;
  forged[2] = forged[2] == 'A' ? 'B' : 'A';
  check_error(f.get("/Users?count=3&cursor=" + forged), 400, "invalidCursor");
  check_error(f.get("/Users?count=3&cursor=garbage"), 400, "invalidCursor");
  check_error(f.get("/Users?cursor=&startIndex=2"), 400, "invalidValue");
  clock += 61;
  check_error(f.get("/Users?count=3&cursor=" + c2), 400, "expiredCursor");
}

TEST_CASE("service list: excludedAttributes=members never loads members") {
  fixture f;
  std::string members = "[";
  for (int i = 0; i < 50; ++i) members += std::string(i ? "," : "") + R"({"value":"m)" + std::to_string(i) + "\"}";
  members += "]";
  f.make_group("Big", members);
  f.make_group("Small");
  const auto before = f.store.counters().document_reads;
  auto r = f.get("/Groups?excludedAttributes=members&filter=displayName+eq+%22Big%22");
  REQUIRE(r.status() == 200);
  CHECK(r.body["totalResults"] == 1);
  CHECK_FALSE(r.body["Resources"][0].contains("members"));
  CHECK(f.store.counters().document_reads == before);
  auto with = f.get("/Groups?filter=displayName+eq+%22Big%22");
  CHECK(with.body["Resources"][0]["members"].size() == 50);
  CHECK(f.store.counters().document_reads > before);
}
