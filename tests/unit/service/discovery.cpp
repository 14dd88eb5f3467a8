#include "scim/service/discovery.hpp"

#include <doctest/doctest.h>

#include <string>

#include "fixture.hpp"

using namespace svc_test;

TEST_CASE("discovery: ServiceProviderConfig reports what is enabled") {
  fixture f;
  auto r = f.get("/scim/v2/ServiceProviderConfig", {{"Host", "h"}});
  REQUIRE(r.status() == 200);
  const json& c = r.body;
  CHECK(c["schemas"] == json::array({"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"}));
  CHECK(c["patch"]["supported"] == true);
  CHECK(c["filter"]["supported"] == true);
  CHECK(c["filter"]["maxResults"] == 1000);
  CHECK(c["sort"]["supported"] == true);
  CHECK(c["etag"]["supported"] == true);
  CHECK(c["changePassword"]["supported"] == false);
  CHECK(c["bulk"]["supported"] == true);
  CHECK(c["bulk"]["maxOperations"] == 1000);
  CHECK(c["bulk"]["maxPayloadSize"] == 1048576);
  CHECK(c["pagination"]["cursor"] == true);
  CHECK(c["pagination"]["index"] == true);
  CHECK(c["pagination"]["cursorTimeout"] == 600);
  CHECK(c["authenticationSchemes"] == json::array());
  CHECK(c["meta"]["location"] == "https://h/scim/v2/ServiceProviderConfig");

  sv::service_options o;
  o.bulk = false;
  o.list.allow_sort = false;
  o.list.allow_cursor = false;
  o.list.max_count = 50;
  o.limits.bulk.max_operations = 10;
  o.authenticate = [](std::optional<std::string_view>) { return std::optional<sv::principal>(sv::principal{"x"}); };
  fixture g(o);
  const json d = g.get("/ServiceProviderConfig").body;
  CHECK(d["bulk"]["supported"] == false);
  CHECK(d["sort"]["supported"] == false);
  CHECK(d["pagination"]["cursor"] == false);
  CHECK_FALSE(d["pagination"].contains("cursorTimeout"));
  CHECK(d["filter"]["maxResults"] == 50);
  CHECK(d["authenticationSchemes"][0]["type"] == "oauthbearertoken");
  check_error(g.post("/Bulk", R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[]})"),
              501);
  check_error(g.get("/Users?sortBy=userName"), 400, "invalidValue");
}

TEST_CASE("discovery: ResourceTypes and Schemas from the registry") {
  fixture f;
  auto rts = f.get("/ResourceTypes");
  REQUIRE(rts.status() == 200);
  CHECK(rts.body["totalResults"] == rts.body["Resources"].size());
  bool found_user = false;
  for (const auto& rt : rts.body["Resources"]) {
    if (rt["name"] != "User") continue;
    found_user = true;
    CHECK(rt["endpoint"] == "/Users");
    CHECK(rt["schemaExtensions"][0]["schema"] == "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User");
  }
  CHECK(found_user);
  auto user = f.get("/scim/v2/ResourceTypes/User");
  CHECK(user.status() == 200);
  CHECK(user.body["schema"] == "urn:ietf:params:scim:schemas:core:2.0:User");
  check_error(f.get("/ResourceTypes/Widget"), 404);

  auto schemas = f.get("/Schemas");
  REQUIRE(schemas.status() == 200);
  CHECK(schemas.body["totalResults"].get<std::size_t>() >= 3);
  auto s = f.get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User");
  REQUIRE(s.status() == 200);
  CHECK(s.body["id"] == "urn:ietf:params:scim:schemas:core:2.0:User");
  CHECK(s.body["attributes"].size() > 10);
  CHECK(f.get("/Schemas/urn%3Aietf%3Aparams%3Ascim%3Aschemas%3Aextension%3Aenterprise%3A2.0%3AUser").status() == 200);
  check_error(f.get("/Schemas/urn:nope"), 404);
  // RFC 7644 section 4: filtering discovery endpoints is 403.
  check_error(f.get("/Schemas?filter=id+pr"), 403);
}

TEST_CASE("discovery: the documents agree with the free functions") {
  sv::capabilities c;
  c.bulk = false;
  const json j = sv::service_provider_config(c);
  CHECK(j["bulk"]["maxOperations"] == 0);
  CHECK_FALSE(j["meta"].contains("location"));
  CHECK(sv::resource_types_list(reg())["totalResults"] == reg().resource_types().size());
  CHECK(sv::schemas_list(reg())["totalResults"] == reg().schemas().size());
}
