// Concurrency and large-group cost through the service (no timing: counts).
#include "scim/service/service.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fixture.hpp"

using namespace svc_test;

TEST_CASE("service concurrency: 8 threads x 50 member adds to one group keep all 400 members") {
  fixture f;
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
  std::set<std::string> seen;
  for (const auto& m : r.body["members"]) seen.insert(m["value"].get<std::string>());
  CHECK(seen.size() == 400);
  CHECK(r.body["meta"]["version"] == "W/\"401\"");
}

TEST_CASE("service concurrency: 8 parallel POSTs of one userName give one 201 and seven 409") {
  for (int round = 0; round < 5; ++round) {
    fixture f;
    std::vector<int> statuses(8, 0);
    std::vector<std::string> types(8);
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        while (!go.load()) std::this_thread::yield();
        auto r = wrap(f.svc.handle({"POST", "/Users", "", {{"Content-Type", "application/scim+json"}},
                                    user_body(t % 2 ? "Same.User@example.com" : "same.user@example.com")}));
        statuses[static_cast<std::size_t>(t)] = r.status();
        types[static_cast<std::size_t>(t)] = r.scim_type();
      });
    }
    go = true;
    for (auto& t : threads) t.join();
    int created = 0, conflicts = 0;
    for (int i = 0; i < 8; ++i) {
      if (statuses[static_cast<std::size_t>(i)] == 201) ++created;
      if (statuses[static_cast<std::size_t>(i)] == 409 && types[static_cast<std::size_t>(i)] == "uniqueness")
        ++conflicts;
    }
    CHECK(created == 1);
    CHECK(conflicts == 7);
    CHECK(f.get("/Users").body["totalResults"] == 1);
  }
}

TEST_CASE("service: adding a member to a 100,000-member group neither copies nor scans the member list") {
  sv::service_options o;
  o.patch_returns = sv::patch_response::no_content;
  fixture f(o);
  const std::string g = f.make_group("Everyone");
  // Grow the group in batches of 1,000 values per PATCH.
  for (int b = 0; b < 100; ++b) {
    std::string values = "[";
    for (int i = 0; i < 1000; ++i)
      values += std::string(i ? "," : "") + R"({"value":"u-)" + std::to_string(b * 1000 + i) + "\"}";
    values += "]";
    auto r = f.patch("/Groups/" + g, patch_body(R"([{"op":"add","path":"members","value":)" + values + "}]"));
    REQUIRE(r.status() == 204);
  }
  const auto reads_before = f.store.counters().document_reads;
  const auto refresh_before = f.store.counters().head_refreshes;
  for (int i = 0; i < 20; ++i) {
    auto r = f.patch("/Groups/" + g,
                     patch_body(R"([{"op":"add","path":"members","value":[{"value":"new-)" + std::to_string(i) + R"("}]}])"));
    REQUIRE(r.status() == 204);
    auto rm = f.patch("/Groups/" + g, patch_body(R"([{"op":"remove","path":"members[value eq \"u-)" +
                                                  std::to_string(i * 37) + R"(\"]"}])"));
    REQUIRE(rm.status() == 204);
  }
  // No PATCH read the whole document (that would copy or compact the list).
  CHECK(f.store.counters().document_reads == reads_before);
  CHECK(f.store.counters().head_refreshes == refresh_before);
  // The same holds when the client asks for the group without its members.
  sv::service_options o2;
  fixture h(o2);
  const std::string g2 = h.make_group("G");
  const auto before2 = h.store.counters().document_reads;
  auto r = h.patch("/Groups/" + g2 + "?excludedAttributes=members",
                   patch_body(R"([{"op":"add","path":"members","value":[{"value":"x"}]}])"));
  CHECK(r.status() == 200);
  CHECK_FALSE(r.body.contains("members"));
  CHECK(h.store.counters().document_reads == before2);
  // And the group really has 100,020 - 20 members.
  auto cnt = f.get("/Groups/" + g);
  CHECK(cnt.body["members"].size() == 100000);
}
