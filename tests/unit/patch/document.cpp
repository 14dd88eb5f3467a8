#include "scim/patch/document.hpp"

#include <doctest/doctest.h>

#include "scim/patch/apply.hpp"
#include "scim/patch/operation.hpp"
#include "scim/schema/registry.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

using scim::error_code;
using scim::json;
using scim::patch::document;

namespace {

const scim::schema_registry& reg() { return scim::default_registry(); }
const scim::resource_type& group_rt() { return *reg().find_resource_type("Group"); }

json group() {
  return json::parse(R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],
                         "id":"0f0e0d0c-0b0a-4908-8706-050403020100","displayName":"Grow"})");
}

std::string member_id(std::size_t i) { return "user-" + std::to_string(i); }

scim::patch::request request_of(json ops) {
  json b{{"schemas", json::array({"urn:ietf:params:scim:api:messages:2.0:PatchOp"})}, {"Operations", std::move(ops)}};
  auto r = scim::patch::parse_patch_request(std::move(b));
  REQUIRE(r.has_value());
  return std::move(*r);
}

scim::expected<scim::patch::change_set> run(document& doc, json ops) {
  return scim::patch::apply(doc, request_of(std::move(ops)), group_rt(), reg());
}

json add_member(std::size_t i) {
  return json::array({json{{"op", "add"}, {"path", "members"},
                           {"value", json::array({json{{"value", member_id(i)}, {"display", "User " + std::to_string(i)}}})}}});
}
json remove_member(std::size_t i) {
  return json::array({json{{"op", "remove"}, {"path", "members[value eq \"" + member_id(i) + "\"]"}}});
}

// Work per PATCH request for growing a group to n members, then removing every
// other member (the benchmark's group growth), including the final compaction.
double work_per_operation(std::size_t n) {
  document doc(group());
  doc.reset_counters();
  for (std::size_t i = 0; i < n; ++i) REQUIRE(run(doc, add_member(i)).has_value());
  std::size_t removes = 0;
  for (std::size_t i = 0; i < n; i += 2, ++removes) REQUIRE(run(doc, remove_member(i)).has_value());
  const json& v = doc.value();
  REQUIRE(v["members"].size() == n - removes);
  CHECK(v["members"][0]["value"] == member_id(1));
  CHECK(v["members"][n / 2 - 1]["value"] == member_id(n - 1));
  return static_cast<double>(doc.counters().work) / static_cast<double>(n + removes);
}

}  // namespace

TEST_CASE("document: value() and release() hand out the resource") {
  document doc(group());
  CHECK(doc.value()["displayName"] == "Grow");
  json r = std::move(doc).release();
  CHECK(r["id"] == "0f0e0d0c-0b0a-4908-8706-050403020100");
  document empty;
  CHECK(empty.value() == json::object());
}

TEST_CASE("document: membership changes cost the same per operation on 1,000 and 10,000 members") {
  const double small = work_per_operation(1000);
  const double large = work_per_operation(10000);
  MESSAGE("work per operation: 1,000 members ", small, ", 10,000 members ", large);
  CHECK(large <= 1.5 * small);
  CHECK(large < 10.0);  // a handful of index operations and element visits, not a scan
}

TEST_CASE("document: removals leave holes, compacted in order past half of the array") {
  document doc(group());
  json ops = json::array();
  json members = json::array();
  for (std::size_t i = 0; i < 10; ++i) members.push_back(json{{"value", member_id(i)}});
  REQUIRE(run(doc, json::array({json{{"op", "add"}, {"path", "members"}, {"value", members}}})).has_value());
  for (std::size_t i : {0u, 3u, 6u}) REQUIRE(run(doc, remove_member(i)).has_value());
  CHECK(doc.pending_holes() == 3);  // no memmove per removal
  // value() compacts and keeps the order of the remaining members.
  const json& v = doc.value();
  CHECK(doc.pending_holes() == 0);
  std::vector<std::string> ids;
  for (const auto& m : v["members"]) ids.push_back(m["value"].get<std::string>());
  CHECK(ids == std::vector<std::string>{"user-1", "user-2", "user-4", "user-5", "user-7", "user-8", "user-9"});
  // Removing more than half in one request compacts at its end.
  json many = json::array();
  for (std::size_t i : {1u, 2u, 4u, 5u, 7u}) many.push_back(remove_member(i)[0]);
  REQUIRE(run(doc, many).has_value());
  CHECK(doc.pending_holes() == 0);
  CHECK(doc.value()["members"] == json::parse(R"([{"value":"user-8"},{"value":"user-9"}])"));
  CHECK(doc.counters().compactions >= 2);
}

TEST_CASE("document: the index follows adds, removes, value changes and whole replacements") {
  document doc(group());
  REQUIRE(run(doc, json::parse(R"([{"op":"add","path":"members","value":[{"value":"a"},{"value":"b"},{"value":"c"}]}])"))
              .has_value());
  // Enough lookups to build the index.
  for (int k = 0; k < 3; ++k)
    REQUIRE(run(doc, json::parse(R"([{"op":"add","path":"members","value":[{"value":"b"}]}])")).has_value());
  CHECK(doc.counters().index_builds == 1);
  REQUIRE(run(doc, json::parse(R"([{"op":"remove","path":"members[value eq \"b\"]"}])")).has_value());
  auto again = run(doc, json::parse(R"([{"op":"remove","path":"members[value eq \"b\"]"}])"));
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().code == error_code::no_target);
  // Member ids are not caseExact: the index folds case.
  REQUIRE(run(doc, json::parse(R"([{"op":"remove","path":"members[value eq \"C\"]"}])")).has_value());
  CHECK(doc.value()["members"] == json::parse(R"([{"value":"a"}])"));
  REQUIRE(run(doc, json::parse(R"([{"op":"replace","path":"members","value":[{"value":"x"},{"value":"y"}]}])"))
              .has_value());
  REQUIRE(run(doc, json::parse(R"([{"op":"remove","path":"members[value eq \"y\"]"}])")).has_value());
  auto gone = run(doc, json::parse(R"([{"op":"remove","path":"members[value eq \"a\"]"}])"));
  REQUIRE_FALSE(gone.has_value());
  CHECK(doc.value()["members"] == json::parse(R"([{"value":"x"}])"));
}

TEST_CASE("document: a failed request restores holes and index state") {
  document doc(group());
  json members = json::array();
  for (std::size_t i = 0; i < 20; ++i) members.push_back(json{{"value", member_id(i)}});
  REQUIRE(run(doc, json::array({json{{"op", "add"}, {"path", "members"}, {"value", members}}})).has_value());
  for (std::size_t i = 0; i < 4; ++i) REQUIRE(run(doc, remove_member(i)).has_value());
  REQUIRE(doc.pending_holes() == 4);
  const std::string before = document(doc).value().dump();
  json ops = json::array({remove_member(10)[0], add_member(99)[0],
                          json{{"op", "replace"}, {"path", "displayName"}, {"value", 7}}});
  auto r = run(doc, ops);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == error_code::invalid_value);
  CHECK(doc.value().dump() == before);
  // The document keeps working after the rollback.
  REQUIRE(run(doc, remove_member(10)).has_value());
  REQUIRE(run(doc, add_member(99)).has_value());
  CHECK(doc.value()["members"].size() == 16);
  CHECK(doc.value()["members"].back()["value"] == member_id(99));
}

TEST_CASE("document: a request with several lookups on one attribute builds the index at once") {
  json g = group();
  json members = json::array();
  for (std::size_t i = 0; i < 1000; ++i) members.push_back(json{{"value", member_id(i)}});
  g["members"] = members;
  document doc(std::move(g));
  doc.reset_counters();
  json ops = json::array();
  for (std::size_t i = 0; i < 10; ++i) ops.push_back(remove_member(i * 7)[0]);
  REQUIRE(run(doc, ops).has_value());
  CHECK(doc.counters().index_builds == 1);
  // one pass to build, a few visits per removal; ten scans would be 10,000 visits
  CHECK(doc.counters().element_visits < 1100);
  CHECK(doc.value()["members"].size() == 990);
  // a single lookup on a fresh document scans instead of building
  document once(doc.value());
  once.reset_counters();
  REQUIRE(run(once, remove_member(500)).has_value());
  CHECK(once.counters().index_builds == 0);
}

TEST_CASE("document: copies are independent") {
  document a(group());
  REQUIRE(run(a, add_member(1)).has_value());
  document b = a;
  REQUIRE(run(b, add_member(2)).has_value());
  CHECK(a.value()["members"].size() == 1);
  CHECK(b.value()["members"].size() == 2);
  a = b;
  CHECK(a.value()["members"].size() == 2);
}

TEST_CASE("document: random membership traffic matches a plain model") {
  document doc(group());
  std::vector<std::string> model;
  std::uint64_t seed = 12345;
  auto next = [&seed](std::uint64_t n) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::size_t>((seed >> 33) % n);
  };
  for (int step = 0; step < 3000; ++step) {
    const std::size_t id = next(200);
    const std::size_t what = next(10);
    auto present = std::find(model.begin(), model.end(), member_id(id)) != model.end();
    if (what < 5) {
      REQUIRE(run(doc, add_member(id)).has_value());
      if (!present) model.push_back(member_id(id));
    } else if (what < 9) {
      auto r = run(doc, remove_member(id));
      CHECK(r.has_value() == present);
      if (present) model.erase(std::find(model.begin(), model.end(), member_id(id)));
    } else {
      // remove with a value list (Entra ID), including an absent value
      json ops = json::array({json{{"op", "remove"}, {"path", "members"},
                                   {"value", json::array({json{{"value", member_id(id)}},
                                                          json{{"value", "nobody"}}})}}});
      REQUIRE(run(doc, ops).has_value());
      if (present) model.erase(std::find(model.begin(), model.end(), member_id(id)));
    }
    if (step % 97 == 0 || step == 2999) {
      std::vector<std::string> got;
      const json& v = doc.value();
      if (v.contains("members"))
        for (const auto& m : v["members"]) got.push_back(m["value"].get<std::string>());
      REQUIRE(got == model);
    }
  }
}

TEST_CASE("peek() reads the resource without compacting its holes") {
  const auto& reg = scim::default_registry();
  const auto& rt = *reg.find_resource_type("Group");
  scim::json g = {{"schemas", {"urn:ietf:params:scim:schemas:core:2.0:Group"}}, {"id", "g1"}, {"displayName", "G"}};
  g["members"] = scim::json::array();
  for (int i = 0; i < 10; ++i) g["members"].push_back({{"value", "m" + std::to_string(i)}});
  scim::patch::document doc(g);
  auto req = scim::patch::parse_patch_request(scim::json::parse(
      R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"m3\"]"}]})"));
  REQUIRE(req);
  REQUIRE(scim::patch::apply(doc, *req, rt, reg));
  REQUIRE(doc.pending_holes() > 0);
  const std::size_t holes = doc.pending_holes();
  CHECK(doc.peek()["members"].size() == 10);  // the hole is still there
  CHECK(doc.pending_holes() == holes);
  CHECK(doc.value()["members"].size() == 9);  // value() compacts
  CHECK(doc.pending_holes() == 0);
}
