#include "scim/patch/change_set.hpp"

#include <doctest/doctest.h>

using scim::json;
using scim::patch::change_set;
using scim::patch::value_delta;

TEST_CASE("change_set: empty, changed and delta") {
  change_set cs;
  CHECK(cs.empty());
  CHECK_FALSE(cs.changed("members"));
  CHECK(cs.delta("members") == nullptr);

  cs.attributes = {"displayName", "members"};
  cs.values.push_back(value_delta{"members", {json{{"value", "a"}}}, {json{{"value", "b"}}}});
  CHECK_FALSE(cs.empty());
  CHECK(cs.changed("members"));
  CHECK(cs.changed("MEMBERS"));  // names compare case-insensitively
  CHECK(cs.changed("displayName"));
  CHECK_FALSE(cs.changed("title"));
  const value_delta* d = cs.delta("Members");
  REQUIRE(d != nullptr);
  CHECK(d->added.size() == 1);
  CHECK(d->removed.at(0)["value"] == "b");
  CHECK_FALSE(d->empty());
  CHECK(value_delta{}.empty());
}

TEST_CASE("change_set: JSON form") {
  change_set cs;
  cs.attributes = {"members"};
  cs.values.push_back(value_delta{"members", {json{{"value", "a"}}}, {}});
  const json j = cs;
  CHECK(j == json::parse(R"({"attributes":["members"],
                              "values":[{"attribute":"members","added":[{"value":"a"}],"removed":[]}]})"));
  CHECK(json(change_set{}) == json::parse(R"({"attributes":[],"values":[]})"));
}
