#include "scim/service/bulk.hpp"

#include <doctest/doctest.h>

#include <string>

#include "fixture.hpp"

using namespace svc_test;

namespace {

std::string bulk_body(std::string_view ops, std::string_view extra = "") {
  std::string s = R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],)";
  if (!extra.empty()) s += std::string(extra) + ",";
  return s + R"("Operations":)" + std::string(ops) + "}";
}

}  // namespace

TEST_CASE("bulk parse: shape errors and per-operation problems") {
  CHECK(sv::parse_bulk_request(json::array()).error().code == scim::error_code::invalid_syntax);
  CHECK(sv::parse_bulk_request(json{{"Operations", json::array()}}).error().code == scim::error_code::invalid_syntax);
  auto big = sv::parse_bulk_request(json::parse(bulk_body("[{},{},{}]")), {2, 1024});
  REQUIRE_FALSE(big);
  CHECK(big.error().status == 413);
  CHECK(sv::parse_bulk_request(json::parse(bulk_body("[]", R"("failOnErrors":0)"))).error().code ==
        scim::error_code::invalid_value);
  auto r = sv::parse_bulk_request(json::parse(bulk_body(R"([
      {"method":"post","path":"/Users","data":{}},
      {"method":"GET","path":"/Users"},
      {"method":"POST","path":"Users","bulkId":"x","data":{}},
      {"method":"POST","path":"/Users","bulkId":"a","data":{"x":"bulkId:b"}},
      {"method":"PATCH","path":"/Groups/bulkId:a","data":{"Operations":[{"value":[{"value":"bulkId:b"}]}]}},
      {"method":"POST","path":"/Users","bulkId":"a","data":{}}])")));
  REQUIRE(r);
  const auto& ops = r->operations;
  CHECK(ops[0].method == "POST");
  CHECK(ops[0].problem->detail.find("bulkId") != std::string::npos);
  CHECK(ops[1].problem->detail.find("method") != std::string::npos);
  CHECK(ops[2].problem->code == scim::error_code::invalid_path);
  CHECK_FALSE(ops[3].problem);
  CHECK(ops[3].references == std::vector<std::string>{"b"});
  CHECK(ops[4].references == std::vector<std::string>{"a", "b"});
  CHECK(ops[5].problem->detail.find("already used") != std::string::npos);
}

TEST_CASE("bulk plan: dependencies first, cycles and unknown bulkIds rejected") {
  auto req = sv::parse_bulk_request(json::parse(bulk_body(R"([
      {"method":"POST","path":"/Groups","bulkId":"g","data":{"members":[{"value":"bulkId:u"}]}},
      {"method":"POST","path":"/Users","bulkId":"u","data":{}},
      {"method":"POST","path":"/Groups","bulkId":"c1","data":{"members":[{"value":"bulkId:c2"}]}},
      {"method":"POST","path":"/Groups","bulkId":"c2","data":{"members":[{"value":"bulkId:c1"}]}},
      {"method":"POST","path":"/Groups","bulkId":"d","data":{"members":[{"value":"bulkId:c1"}]}},
      {"method":"POST","path":"/Groups","bulkId":"s","data":{"members":[{"value":"bulkId:s"}]}},
      {"method":"POST","path":"/Groups","bulkId":"n","data":{"members":[{"value":"bulkId:nope"}]}}])")));
  REQUIRE(req);
  const auto plan = sv::plan_bulk(*req);
  REQUIRE(plan.order.size() == 7);
  CHECK(plan.order[0] == 1);  // the user before the group that refers to it
  CHECK(plan.order[1] == 0);
  std::map<std::size_t, scim::error> rejected(plan.rejected.begin(), plan.rejected.end());
  CHECK(rejected.size() == 5);
  CHECK(rejected.at(2).status == 409);
  CHECK(rejected.at(3).status == 409);
  CHECK(rejected.at(4).status == 400);
  CHECK(rejected.at(5).status == 409);
  CHECK(rejected.at(6).detail.find("nope") != std::string::npos);
}

TEST_CASE("bulk substitution in data and paths") {
  std::unordered_map<std::string, std::string> ids{{"a", "id-a"}};
  json data = json::parse(R"({"members":[{"value":"bulkId:a"},{"value":"bulkId:z"}],"x":"bulkId:"})");
  CHECK(sv::substitute_bulk_ids(data, ids) == std::optional<std::string>("z"));
  CHECK(data["members"][0]["value"] == "id-a");
  CHECK(data["x"] == "bulkId:");
  std::string path = "/Groups/bulkId:a";
  CHECK_FALSE(sv::substitute_bulk_ids(path, ids));
  CHECK(path == "/Groups/id-a");
}

TEST_CASE("bulk through the service: bulkId references, per-operation results, failOnErrors") {
  fixture f;
  auto r = f.post("/scim/v2/Bulk", bulk_body(R"([
      {"method":"POST","path":"/Groups","bulkId":"g1","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName":"Tour Guides","members":[{"type":"User","value":"bulkId:u1"}]}},
      {"method":"POST","path":"/Users","bulkId":"u1","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"alice"}},
      {"method":"PATCH","path":"/Users/bulkId:u1","data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations":[{"op":"add","path":"title","value":"Guide"}]}},
      {"method":"POST","path":"/Users","bulkId":"dup","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ALICE"}},
      {"method":"DELETE","path":"/Users/nope"}])"),
                  {{"Host", "h"}});
  REQUIRE_MESSAGE(r.status() == 200, r.raw.body);
  CHECK(r.body["schemas"] == json::array({"urn:ietf:params:scim:api:messages:2.0:BulkResponse"}));
  const json& ops = r.body["Operations"];
  REQUIRE(ops.size() == 5);
  CHECK(ops[0]["bulkId"] == "g1");
  CHECK(ops[0]["status"] == "201");
  CHECK(ops[0]["location"].get<std::string>().rfind("https://h/scim/v2/Groups/", 0) == 0);
  CHECK(ops[0]["version"] == "W/\"1\"");
  CHECK(ops[1]["status"] == "201");
  CHECK(ops[2]["status"] == "200");
  CHECK(ops[3]["status"] == "409");
  CHECK(ops[3]["response"]["scimType"] == "uniqueness");
  CHECK(ops[4]["status"] == "404");
  CHECK(ops[4]["response"]["status"] == "404");
  // The group's member is the user created in the same request.
  const std::string gloc = ops[0]["location"];
  const std::string uloc = ops[1]["location"];
  const std::string gid = gloc.substr(gloc.rfind('/') + 1);
  const std::string uid = uloc.substr(uloc.rfind('/') + 1);
  auto g = f.get("/Groups/" + gid);
  CHECK(g.body["members"][0]["value"] == uid);
  CHECK(f.get("/Users/" + uid).body["title"] == "Guide");

  // failOnErrors stops after that many errors.
  auto s = f.post("/Bulk", bulk_body(R"([
      {"method":"DELETE","path":"/Users/x1"},
      {"method":"DELETE","path":"/Users/x2"},
      {"method":"POST","path":"/Users","bulkId":"late","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"late"}}])",
                                     R"("failOnErrors":2)"));
  CHECK(s.body["Operations"].size() == 2);
  CHECK(f.get("/Users?filter=userName+eq+%22late%22").body["totalResults"] == 0);
}

TEST_CASE("bulk through the service: version is If-Match, cycles are 409, limits are 413") {
  sv::service_options o;
  o.limits.bulk.max_operations = 3;
  o.limits.bulk.max_payload_bytes = 4096;
  fixture f(o);
  const std::string id = f.make_user("a");
  auto r = f.post("/Bulk", bulk_body(R"([
      {"method":"PUT","path":"/Users/)" + id + R"(","version":"W/\"9\"","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"b"}},
      {"method":"DELETE","path":"/Users/)" + id + R"(","version":"W/\"1\""}])"));
  REQUIRE(r.status() == 200);
  CHECK(r.body["Operations"][0]["status"] == "412");
  CHECK(r.body["Operations"][1]["status"] == "204");
  auto cyc = f.post("/Bulk", bulk_body(R"([
      {"method":"POST","path":"/Groups","bulkId":"c1","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"1","members":[{"value":"bulkId:c2"}]}},
      {"method":"POST","path":"/Groups","bulkId":"c2","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"2","members":[{"value":"bulkId:c1"}]}}])"));
  CHECK(cyc.body["Operations"][0]["status"] == "409");
  CHECK(cyc.body["Operations"][1]["status"] == "409");
  CHECK(f.get("/Groups").body["totalResults"] == 0);
  check_error(f.post("/Bulk", bulk_body("[{},{},{},{}]")), 413);
  check_error(f.post("/Bulk", bulk_body("[]", "\"pad\":\"" + std::string(5000, 'x') + "\"")), 413);
  check_error(f.post("/Bulk", R"({"Operations":[]})"), 400, "invalidSyntax");
  auto bad = f.post("/Bulk", bulk_body(R"([{"method":"POST","path":"/Bulk","bulkId":"b","data":{}},
      {"method":"PATCH","path":"/Users","data":{}}])"));
  CHECK(bad.body["Operations"][0]["status"] == "400");
  CHECK(bad.body["Operations"][1]["response"]["scimType"] == "invalidPath");
}
