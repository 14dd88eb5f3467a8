#include "scim/service/service.hpp"

#include <doctest/doctest.h>

#include <string>

#include "fixture.hpp"

using namespace svc_test;

TEST_CASE("service: routes under the base path and at the root; trailing and doubled slashes") {
  fixture f;
  const std::string id = f.make_user("bjensen");
  for (const std::string& path : {"/scim/v2/Users/" + id, "/Users/" + id, "/Users/" + id + "/", "//scim/v2//Users//" + id,
                                 "/SCIM/V2/users/" + id, "/scim/v2/Users/" + id + "?attributes=userName"}) {
    CAPTURE(path);
    auto r = f.get(path);
    CHECK(r.status() == 200);
    CHECK(r.body["id"] == id);
  }
  auto list = f.get("/scim/v2/Users/");
  CHECK(list.status() == 200);
  CHECK(list.body["totalResults"] == 1);
  // Percent-encoded segments are decoded.
  CHECK(f.get("/scim/v2/%55sers/" + id).status() == 200);
  check_error(f.get("/scim/v2/Users/%zz"), 400, "invalidPath");
}

TEST_CASE("service: unknown routes are 404, wrong methods 405 with Allow, all with SCIM Error bodies") {
  fixture f;
  check_error(f.get("/scim/v2/Widgets"), 404);
  check_error(f.get("/"), 404);
  check_error(f.get("/scim/v2/Users/a/b"), 404);
  auto r = f.send("DELETE", "/scim/v2/Users");
  check_error(r, 405);
  CHECK(r.header("Allow") == "GET, POST");
  r = f.send("POST", "/scim/v2/Users/123", user_body("x"));
  check_error(r, 405);
  CHECK(r.header("Allow") == "GET, PUT, PATCH, DELETE");
  check_error(f.send("PUT", "/ServiceProviderConfig", "{}"), 405);
  check_error(f.get("/scim/v2/Users/.search"), 405);
  check_error(f.get("/.search"), 405);
  check_error(f.get("/Bulk"), 405);
}

TEST_CASE("service: POST creates with a server-assigned id, meta, Location and ETag") {
  fixture f;
  auto r = f.post("/scim/v2/Users",
                  user_body("bjensen", R"("id":"client-chosen","password":"s3cret","meta":{"version":"W/\"99\""},)"
                                       R"("name":{"givenName":"Barbara","familyName":"Jensen"})"),
                  {{"Host", "scim.example.com"}});
  REQUIRE(r.status() == 201);
  CHECK(r.header("Content-Type") == "application/scim+json");
  const std::string id = r.body["id"];
  CHECK(id != "client-chosen");
  CHECK_FALSE(id.empty());
  CHECK_FALSE(r.body.contains("password"));
  const json& meta = r.body["meta"];
  CHECK(meta["resourceType"] == "User");
  CHECK(meta["version"] == "W/\"1\"");
  CHECK(meta.contains("created"));
  CHECK(meta["created"] == meta["lastModified"]);
  CHECK(meta["location"] == "https://scim.example.com/scim/v2/Users/" + id);
  CHECK(r.header("Location") == meta["location"]);
  CHECK(r.header("ETag") == meta["version"]);
  CHECK(r.body["name"]["givenName"] == "Barbara");
  // The password was accepted and is never returned, not even when asked for.
  auto g = f.get("/Users/" + id + "?attributes=password,userName");
  CHECK_FALSE(g.body.contains("password"));
  CHECK(g.body["userName"] == "bjensen");
}

TEST_CASE("service: public_url and X-Forwarded-Proto shape meta.location") {
  sv::service_options o;
  o.public_url = "https://bridge.example.org/scim/v2/";
  fixture f(o);
  auto r = f.post("/Users", user_body("a"));
  CHECK(r.body["meta"]["location"] == "https://bridge.example.org/scim/v2/Users/" + r.body["id"].get<std::string>());
  fixture g;
  auto s = g.post("/Users", user_body("a"), {{"Host", "h:8080"}, {"X-Forwarded-Proto", "http"}});
  CHECK(s.body["meta"]["location"] == "http://h:8080/scim/v2/Users/" + s.body["id"].get<std::string>());
}

TEST_CASE("service: schemas must list the core schema; unknown extension URNs are ignored (Entra ID)") {
  fixture f;
  check_error(f.post("/Users", R"({"schemas":["urn:x"],"userName":"a"})"), 400, "invalidValue");
  check_error(f.post("/Users", R"({"userName":"a"})"), 400, "invalidValue");
  auto r = f.post("/Users", R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",
      "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User"],
      "userName":"entra@example.com",
      "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User":{"CustomAttribute":"x"}})");
  CHECK(r.status() == 201);
  CHECK(r.body["userName"] == "entra@example.com");
  check_error(f.post("/Users", user_body("b", R"("active":"yes")")), 400, "invalidValue");
  check_error(f.post("/Users", R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]})"), 400, "invalidValue");
}

TEST_CASE("service: userName is unique case-insensitively; group displayName is unique") {
  fixture f;
  f.make_user("BJensen");
  check_error(f.post("/Users", user_body("bjensen")), 409, "uniqueness");
  f.make_group("Engineering");
  check_error(f.post("/Groups", group_body("engineering")), 409, "uniqueness");
  const std::string other = f.make_user("other");
  check_error(f.patch("/Users/" + other, patch_body(R"([{"op":"replace","path":"userName","value":"BJENSEN"}])")), 409,
              "uniqueness");
  CHECK(f.get("/Users/" + other).body["userName"] == "other");
}

TEST_CASE("service: externalId lookups") {
  fixture f;
  const std::string id = f.make_user("a", R"("externalId":"ext-1")");
  f.make_user("b", R"("externalId":"EXT-1")");
  auto r = f.get("/Users?filter=externalId+eq+%22ext-1%22");
  REQUIRE(r.status() == 200);
  CHECK(r.body["totalResults"] == 1);
  CHECK(r.body["Resources"][0]["id"] == id);
}

TEST_CASE("service: media types") {
  fixture f;
  auto ok = f.post("/Users", user_body("a"), {{"Content-Type", "application/json; charset=utf-8"}});
  CHECK(ok.status() == 201);
  CHECK(ok.header("Content-Type") == "application/scim+json");
  CHECK(f.post("/Users", user_body("b"), {{"Content-Type", "Application/SCIM+JSON;charset=UTF-8"}}).status() == 201);
  check_error(f.post("/Users", user_body("c"), {{"Content-Type", "text/plain"}}), 415);
  check_error(f.post("/Users", user_body("c"), {{"Content-Type", "application/xml"}}), 415);
  // A missing Content-Type is accepted.
  sv::request r{"POST", "/Users", "", {}, user_body("d")};
  CHECK(f.svc.handle(r).status == 201);
}

TEST_CASE("service: malformed, oversized and too-deep bodies") {
  sv::service_options o;
  o.limits.max_body_bytes = 2048;
  fixture f(o);
  check_error(f.post("/Users", "{\"schemas\":"), 400, "invalidSyntax");
  check_error(f.post("/Users", "[]"), 400, "invalidSyntax");
  check_error(f.post("/Users", user_body("a", "\"title\":\"" + std::string(4000, 'x') + "\"")), 413);
  std::string deep = std::string(200, '[') + std::string(200, ']');
  check_error(f.post("/Users", deep), 400, "invalidSyntax");
  check_error(f.post("/Users", std::string("{\"a\":\"\0\"}", 9)), 400, "invalidSyntax");
}

TEST_CASE("service: GET, If-None-Match and projection") {
  fixture f;
  const std::string id = f.make_user("a", R"("name":{"givenName":"A","familyName":"B"},"title":"T")");
  auto r = f.get("/Users/" + id);
  REQUIRE(r.status() == 200);
  const std::string etag = r.header("ETag");
  CHECK(etag == "W/\"1\"");
  CHECK(etag == r.body["meta"]["version"]);
  auto nm = f.get("/Users/" + id, {{"If-None-Match", etag}});
  CHECK(nm.status() == 304);
  CHECK(nm.raw.body.empty());
  CHECK(nm.header("ETag") == etag);
  CHECK(f.get("/Users/" + id, {{"If-None-Match", "W/\"7\""}}).status() == 200);
  auto p = f.get("/Users/" + id + "?attributes=name.givenName");
  CHECK(p.body["name"] == json{{"givenName", "A"}});
  CHECK(p.body.contains("id"));
  CHECK_FALSE(p.body.contains("title"));
  auto e = f.get("/Users/" + id + "?excludedAttributes=title,name");
  CHECK_FALSE(e.body.contains("title"));
  CHECK_FALSE(e.body.contains("name"));
  CHECK(e.body["userName"] == "a");
  check_error(f.get("/Users/nope"), 404);
}

TEST_CASE("service: PUT replaces; readOnly ignored; If-Match") {
  fixture f;
  const std::string id = f.make_user("a", R"("title":"T","nickName":"n")");
  auto r = f.put("/Users/" + id, user_body("a2", R"("id":"other","meta":{"created":"1999-01-01T00:00:00Z"},"password":"p","displayName":"D")"));
  REQUIRE_MESSAGE(r.status() == 200, r.raw.body);
  CHECK(r.body["id"] == id);
  CHECK(r.body["userName"] == "a2");
  CHECK(r.body["displayName"] == "D");
  CHECK_FALSE(r.body.contains("title"));
  CHECK_FALSE(r.body.contains("password"));
  CHECK(r.body["meta"]["version"] == "W/\"2\"");
  CHECK(r.body["meta"]["created"] != "1999-01-01T00:00:00Z");
  CHECK(r.header("ETag") == "W/\"2\"");
  check_error(f.put("/Users/" + id, user_body("a3"), {{"If-Match", "W/\"1\""}}), 412);
  CHECK(f.put("/Users/" + id, user_body("a3"), {{"If-Match", "W/\"2\""}}).status() == 200);
  CHECK(f.put("/Users/" + id, user_body("a4"), {{"If-Match", "*"}}).status() == 200);
  check_error(f.put("/Users/missing", user_body("x")), 404);
  check_error(f.put("/Users/" + id, R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]})"), 400,
              "invalidValue");
}

TEST_CASE("service: PATCH returns the resource, or 204 when configured; If-Match is checked in the write") {
  fixture f;
  const std::string id = f.make_user("a");
  auto r = f.patch("/Users/" + id, patch_body(R"([{"op":"replace","path":"title","value":"Boss"}])"));
  REQUIRE_MESSAGE(r.status() == 200, r.raw.body);
  CHECK(r.body["title"] == "Boss");
  CHECK(r.header("ETag") == "W/\"2\"");
  check_error(f.patch("/Users/" + id, patch_body(R"([{"op":"replace","path":"title","value":"x"}])"),
                      {{"If-Match", "W/\"1\""}}),
              412);
  CHECK(f.get("/Users/" + id).body["title"] == "Boss");
  CHECK(f.patch("/Users/" + id, patch_body(R"([{"op":"replace","path":"title","value":"y"}])"),
                {{"If-Match", "W/\"2\""}})
            .status() == 200);
  check_error(f.patch("/Users/" + id, R"({"Operations":[]})"), 400, "invalidSyntax");
  check_error(f.patch("/Users/" + id, patch_body(R"([{"op":"replace","path":"bad[","value":1}])")), 400,
              "invalidPath");
  check_error(f.patch("/Users/" + id, patch_body(R"([{"op":"replace","path":"id","value":"x"}])")), 400,
              "mutability");
  check_error(f.patch("/Users/nope", patch_body(R"([{"op":"replace","path":"title","value":"x"}])")), 404);

  sv::service_options o;
  o.patch_returns = sv::patch_response::no_content;
  fixture g(o);
  const std::string gid = g.make_user("b");
  auto n = g.patch("/Users/" + gid, patch_body(R"([{"op":"add","path":"title","value":"x"}])"));
  CHECK(n.status() == 204);
  CHECK(n.raw.body.empty());
  CHECK(n.header("ETag") == "W/\"2\"");
  CHECK(g.get("/Users/" + gid).body["title"] == "x");
}

TEST_CASE("service: PATCH dialect comes from the request headers (lenient by default), or is forced") {
  const std::string entra = patch_body(R"([{"op":"Replace","path":"active","value":"False"}])");
  {
    fixture f;
    const std::string id = f.make_user("a");
    auto r = f.patch("/Users/" + id, entra);  // unidentified client: lenient
    CHECK_MESSAGE(r.status() == 200, r.raw.body);
    CHECK(r.body["active"] == false);
    auto e = f.patch("/Users/" + id, patch_body(R"([{"op":"Replace","path":"active","value":"True"}])"),
                     {{"User-Agent", "Azure AD SCIM Client"}});
    CHECK(e.status() == 200);
    CHECK(e.body["active"] == true);
  }
  {
    sv::service_options o;
    o.dialect = scim::patch::dialect::strict;
    fixture f(o);
    const std::string id = f.make_user("a");
    auto r = f.patch("/Users/" + id, entra);
    CHECK(r.status() == 400);
    CHECK(f.get("/Users/" + id).body.value("active", true) == true);
  }
}

TEST_CASE("service: DELETE is 204, then 404") {
  fixture f;
  const std::string id = f.make_user("a");
  check_error(f.del("/Users/" + id, {{"If-Match", "W/\"5\""}}), 412);
  auto r = f.del("/Users/" + id);
  CHECK(r.status() == 204);
  CHECK(r.raw.body.empty());
  check_error(f.get("/Users/" + id), 404);
  check_error(f.del("/Users/" + id), 404);
}

TEST_CASE("service: groups with members") {
  fixture f;
  const std::string u1 = f.make_user("u1");
  const std::string u2 = f.make_user("u2");
  const std::string g = f.make_group("G", R"([{"value":")" + u1 + R"("}])");
  auto r = f.patch("/Groups/" + g, patch_body(R"([{"op":"add","path":"members","value":[{"value":")" + u2 +
                                               R"("}]},{"op":"remove","path":"members[value eq \")" + u1 +
                                               R"(\"]"}])"));
  REQUIRE_MESSAGE(r.status() == 200, r.raw.body);
  REQUIRE(r.body["members"].size() == 1);
  CHECK(r.body["members"][0]["value"] == u2);
  auto ex = f.get("/Groups/" + g + "?excludedAttributes=members");
  CHECK_FALSE(ex.body.contains("members"));
  CHECK(ex.body["displayName"] == "G");
  // Okta's group rename: path-less replace repeating the group's own id.
  auto rn = f.patch("/Groups/" + g, patch_body(R"([{"op":"replace","value":{"id":")" + g +
                                                R"(","displayName":"G2"}}])"));
  CHECK(rn.status() == 200);
  CHECK(rn.body["displayName"] == "G2");
}

TEST_CASE("service: deleting a user removes it from its groups; users show their groups") {
  fixture f;
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
  // Membership changes by PATCH and PUT keep the index right.
  f.patch("/Groups/" + g2, patch_body(R"([{"op":"remove","path":"members[value eq \")" + u1 + R"(\"]"}])"));
  CHECK(f.get("/Users/" + u1).body["groups"].size() == 1);
  f.put("/Groups/" + g2, group_body("G2", R"([{"value":")" + u2 + R"("}])"));
  CHECK(f.get("/Users/" + u2).body["groups"].size() == 2);
  CHECK(f.del("/Users/" + u1).status() == 204);
  auto g = f.get("/Groups/" + g1);
  REQUIRE(g.body["members"].size() == 1);
  CHECK(g.body["members"][0]["value"] == u2);
  CHECK(g.body["meta"]["version"] == "W/\"2\"");
  CHECK(f.del("/Groups/" + g2).status() == 204);
  CHECK(f.get("/Users/" + u2).body["groups"].size() == 1);
}

TEST_CASE("service: configurable limits on PATCH operations and JSON depth") {
  sv::service_options o;
  o.limits.max_patch_operations = 2;
  o.limits.max_json_depth = 4;
  fixture f(o);
  const std::string id = f.make_user("a");
  const std::string op = R"({"op":"add","path":"title","value":"t"})";
  check_error(f.patch("/Users/" + id, patch_body("[" + op + "," + op + "," + op + "]")), 413);
  CHECK(f.patch("/Users/" + id, patch_body("[" + op + "," + op + "]")).status() == 200);
  check_error(f.post("/Users", user_body("b", R"("name":{"givenName":{"x":{"y":[1]}}})")), 400, "invalidSyntax");
  CHECK(f.get("/Users").body["totalResults"] == 1);
}
