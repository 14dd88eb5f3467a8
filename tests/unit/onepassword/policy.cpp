#include "scim/onepassword/policy.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "../service/fixture.hpp"

using scim::json;
namespace op = scim::onepassword;
namespace sv = scim::service;
namespace st = scim::store;
using svc_test::check_error;
using svc_test::group_body;
using svc_test::patch_body;
using svc_test::user_body;

namespace {

const scim::schema_registry& op_reg() {
  static const scim::schema_registry reg = op::make_registry();
  return reg;
}

// A service with the 1Password policy over a memory store.
struct op_fixture {
  std::vector<json> invited;
  st::memory_store store{op_reg()};
  sv::service<st::memory_store> svc;

  explicit op_fixture(op::options o = {})
      : svc(store, op_reg(), [this, &o] {
          sv::service_options so;
          o.on_invited = [this](const json& u) { invited.push_back(u); };
          so.rules = std::make_shared<op::policy>(o);
          return so;
        }()) {}

  svc_test::reply send(std::string method, std::string path, std::string body = "",
                       std::vector<sv::header> headers = {}) {
    sv::request r{std::move(method), std::move(path), "", std::move(headers), std::move(body)};
    if (!r.body.empty()) r.headers.emplace_back("Content-Type", "application/scim+json");
    return svc_test::wrap(svc.handle(r));
  }
  std::string make_user(std::string_view email, std::string_view extra = "") {
    auto r = send("POST", "/Users", user_body(email, extra));
    REQUIRE_MESSAGE(r.status() == 201, r.raw.body);
    return r.body["id"];
  }
  std::string state(const std::string& id) {
    auto r = send("GET", "/Users/" + id);
    REQUIRE(r.status() == 200);
    return r.body[std::string(op::state_urn)]["state"];
  }
};

const std::string deactivate = patch_body(R"([{"op":"replace","path":"active","value":false}])");
const std::string reactivate = patch_body(R"([{"op":"replace","path":"active","value":true}])");

}  // namespace

TEST_CASE("onepassword: the state extension is documented in /Schemas and on the User resource type") {
  op_fixture f;
  auto s = f.send("GET", "/Schemas/" + std::string(op::state_urn));
  REQUIRE(s.status() == 200);
  CHECK(s.body["attributes"][0]["name"] == "state");
  CHECK(s.body["attributes"][0]["mutability"] == "readOnly");
  auto rt = f.send("GET", "/ResourceTypes/User");
  bool listed = false;
  for (const auto& e : rt.body["schemaExtensions"]) listed = listed || e["schema"] == std::string(op::state_urn);
  CHECK(listed);
  CHECK(op::make_registry(op_reg()).find_resource_type("User")->schema_extensions.size() ==
        op_reg().find_resource_type("User")->schema_extensions.size());
}

TEST_CASE("onepassword: new users start invited (the application is told), or active with auto_confirm") {
  op_fixture f;
  auto r = f.send("POST", "/Users", R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",
      "urn:scimpp:params:scim:schemas:extension:onepassword:1.0:User"],"userName":"Ann@Example.com","password":"hunter2",
      "urn:scimpp:params:scim:schemas:extension:onepassword:1.0:User":{"state":"active"}})");
  REQUIRE_MESSAGE(r.status() == 201, r.raw.body);
  CHECK(r.body["active"] == true);
  CHECK(r.body[std::string(op::state_urn)]["state"] == "invited");
  CHECK_FALSE(r.body.contains("password"));
  REQUIRE(f.invited.size() == 1);
  CHECK(f.invited[0]["userName"] == "Ann@Example.com");
  // The password was never stored.
  auto stored = f.store.get(*op_reg().find_resource_type("User"), r.body["id"].get<std::string>());
  REQUIRE(stored);
  CHECK_FALSE(stored->resource.contains("password"));
  check_error(f.send("POST", "/Users", user_body("ANN@example.com")), 409, "uniqueness");

  op::options o;
  o.auto_confirm = true;
  op_fixture g(o);
  const std::string id = g.make_user("b@example.com");
  CHECK(g.state(id) == "active");
  CHECK(g.invited.empty());
  CHECK(g.send("PATCH", "/Users/" + id, deactivate).status() == 200);
  CHECK(g.state(id) == "suspended");
  auto inactive = g.send("POST", "/Users", user_body("c@example.com", R"("active":false)"));
  CHECK(inactive.body[std::string(op::state_urn)]["state"] == "suspended");
}

TEST_CASE("onepassword: userName must be an email address, optionally in an allowed domain") {
  op_fixture f;
  for (const char* bad : {"bjensen", "a@b", "@example.com", "a@.com", "a b@example.com", "a@exa mple.com",
                          "a..b@example.com", "a@-x.com"}) {
    CAPTURE(bad);
    check_error(f.send("POST", "/Users", user_body(bad)), 400, "invalidValue");
  }
  for (const char* good : {"a@example.com", "first.last+tag@sub.example.co.uk", "o'neil@example.org"}) {
    CAPTURE(good);
    CHECK(f.send("POST", "/Users", user_body(good)).status() == 201);
  }
  const std::string id = f.make_user("x@example.com");
  check_error(f.send("PATCH", "/Users/" + id, patch_body(R"([{"op":"replace","path":"userName","value":"nope"}])")),
              400, "invalidValue");
  check_error(f.send("PUT", "/Users/" + id, user_body("nope")), 400, "invalidValue");
  CHECK(f.send("GET", "/Users/" + id).body["userName"] == "x@example.com");
  // Entra ID may send a different address in emails: both are kept.
  auto e = f.send("POST", "/Users", user_body("upn@corp.example.com", R"("emails":[{"value":"mail@example.com","type":"work"}])"));
  CHECK(e.body["emails"][0]["value"] == "mail@example.com");
  CHECK(e.body["userName"] == "upn@corp.example.com");

  op::options o;
  o.allowed_domains = {"example.com"};
  op_fixture g(o);
  CHECK(g.send("POST", "/Users", user_body("a@EXAMPLE.com")).status() == 201);
  auto r = g.send("POST", "/Users", user_body("a@gmail.com"));
  check_error(r, 400, "invalidValue");
  CHECK(r.body["detail"].get<std::string>().find("gmail.com") != std::string::npos);
}

TEST_CASE("onepassword: displayName and name.formatted are 'first last'") {
  op_fixture f;
  auto r = f.send("POST", "/Users", user_body("a@example.com", R"("name":{"givenName":"Ann","familyName":"Lee"})"));
  CHECK(r.body["displayName"] == "Ann Lee");
  CHECK(r.body["name"]["formatted"] == "Ann Lee");
  auto k = f.send("POST", "/Users", user_body("b@example.com", R"("displayName":"Boss","name":{"givenName":"B","familyName":"C","formatted":"Dr. B C"})"));
  CHECK(k.body["displayName"] == "Boss");
  CHECK(k.body["name"]["formatted"] == "Dr. B C");
  auto only = f.send("POST", "/Users", user_body("c@example.com", R"("name":{"familyName":"Solo"})"));
  CHECK(only.body["displayName"] == "Solo");
  const std::string id = r.body["id"];
  // A PATCH of name.* recomputes both, even when it also sets displayName.
  auto p = f.send("PATCH", "/Users/" + id, patch_body(R"([{"op":"replace","path":"name.givenName","value":"Anna"},
                                                        {"op":"replace","path":"displayName","value":"Other"}])"));
  REQUIRE_MESSAGE(p.status() == 200, p.raw.body);
  CHECK(p.body["displayName"] == "Anna Lee");
  CHECK(p.body["name"]["formatted"] == "Anna Lee");
  // Entra's dotted path-less replace and Okta's full name object work alike.
  auto e = f.send("PATCH", "/Users/" + id, patch_body(R"([{"op":"Replace","value":{"name.familyName":"Li"}}])"));
  CHECK(e.body["displayName"] == "Anna Li");
  // A PATCH of displayName alone keeps it.
  auto d = f.send("PATCH", "/Users/" + id, patch_body(R"([{"op":"replace","path":"displayName","value":"AL"}])"));
  CHECK(d.body["displayName"] == "AL");
  // PUT keeps an explicit displayName, derives a missing one.
  auto put = f.send("PUT", "/Users/" + id, user_body("a@example.com", R"("name":{"givenName":"Z","familyName":"Y"})"));
  CHECK(put.body["displayName"] == "Z Y");
}

TEST_CASE("onepassword: deactivating an invited user removes it; an active user is suspended, then restored") {
  const std::vector<std::string> shapes{
      deactivate,                                                                      // RFC / JumpCloud
      patch_body(R"([{"op":"Replace","path":"active","value":"False"}])"),             // Entra ID
      patch_body(R"([{"op":"replace","value":{"active":false}}])"),                    // Okta
  };
  for (const auto& shape : shapes) {
    CAPTURE(shape);
    op_fixture f;
    const std::string invited = f.make_user("inv@example.com");
    const std::string joined = f.make_user("joined@example.com");
    const std::string g = f.send("POST", "/Groups", group_body("Team", R"([{"value":")" + invited + R"("},{"value":")" +
                                                                     joined + R"("}])"))
                              .body["id"];
    auto c = op::confirm_user(f.store, op_reg(), joined);
    REQUIRE(c);
    CHECK(*c == op::user_state::active);
    CHECK(f.state(joined) == "active");

    CHECK(f.send("PATCH", "/Users/" + invited, shape).status() == 200);
    check_error(f.send("GET", "/Users/" + invited), 404);
    CHECK(f.send("GET", "/Users?filter=userName+eq+%22inv@example.com%22").body["totalResults"] == 0);
    auto group = f.send("GET", "/Groups/" + g);
    REQUIRE(group.body["members"].size() == 1);
    CHECK(group.body["members"][0]["value"] == joined);

    auto s = f.send("PATCH", "/Users/" + joined, shape);
    REQUIRE(s.status() == 200);
    CHECK(s.body["active"] == false);
    CHECK(s.body[std::string(op::state_urn)]["state"] == "suspended");
    CHECK(f.send("GET", "/Users/" + joined).body["active"] == false);
    auto back = f.send("PATCH", "/Users/" + joined, reactivate);
    CHECK(back.body["active"] == true);
    CHECK(back.body[std::string(op::state_urn)]["state"] == "active");
  }
}

TEST_CASE("onepassword: deactivation and reactivation by PUT; state cannot be set by clients") {
  op_fixture f;
  const std::string invited = f.make_user("inv@example.com");
  const std::string joined = f.make_user("joined@example.com");
  REQUIRE(op::confirm_user(f.store, op_reg(), joined));
  CHECK(f.send("PUT", "/Users/" + joined, user_body("joined@example.com", R"("active":false)")).status() == 200);
  CHECK(f.state(joined) == "suspended");
  CHECK(f.send("PUT", "/Users/" + joined, user_body("joined@example.com", R"("active":true)")).status() == 200);
  CHECK(f.state(joined) == "active");
  CHECK(f.send("PUT", "/Users/" + invited, user_body("inv@example.com", R"("active":false)")).status() == 200);
  check_error(f.send("GET", "/Users/" + invited), 404);
  // Reactivating an invited user keeps it invited; clients cannot change state.
  const std::string other = f.make_user("other@example.com");
  CHECK(f.send("PATCH", "/Users/" + other, reactivate).status() == 200);
  CHECK(f.state(other) == "invited");
  check_error(f.send("PATCH", "/Users/" + other,
                     patch_body(R"([{"op":"replace","path":"urn:scimpp:params:scim:schemas:extension:onepassword:1.0:User:state","value":"active"}])")),
              400, "mutability");
  CHECK(f.state(other) == "invited");
  // confirm_user: unknown ids are 404; confirming twice is harmless.
  CHECK(op::confirm_user(f.store, op_reg(), "nope").error().status == 404);
  CHECK(*op::confirm_user(f.store, op_reg(), other) == op::user_state::active);
  CHECK(*op::confirm_user(f.store, op_reg(), other) == op::user_state::active);
}

TEST_CASE("onepassword: a password in a PATCH is dropped") {
  op_fixture f;
  const std::string id = f.make_user("a@example.com");
  auto r = f.send("PATCH", "/Users/" + id, patch_body(R"([{"op":"replace","path":"password","value":"x"}])"));
  CHECK(r.status() == 200);
  auto stored = f.store.get(*op_reg().find_resource_type("User"), id);
  CHECK_FALSE(stored->resource.contains("password"));
}

TEST_CASE("onepassword: built-in groups are invisible and cannot be created, renamed to, changed or deleted") {
  op_fixture f;
  for (const char* name : {"Owners", "administrators", "Team Members", "Security", "Provision Managers"}) {
    CAPTURE(name);
    check_error(f.send("POST", "/Groups", group_body(name)), 400, "invalidValue");
  }
  // A built-in group present in the store (the account has it) stays hidden.
  const auto& groups = *op_reg().find_resource_type("Group");
  auto owners = f.store.create(groups, json::parse(R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Owners"})"));
  REQUIRE(owners);
  const std::string oid = owners->id;
  const std::string team = f.send("POST", "/Groups", group_body("Engineering")).body["id"];
  auto list = f.send("GET", "/Groups");
  CHECK(list.body["totalResults"] == 1);
  CHECK(f.send("GET", "/Groups?filter=displayName+eq+%22Owners%22").body["totalResults"] == 0);
  CHECK(f.send("POST", "/Groups/.search", R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"displayName pr"})")
            .body["totalResults"] == 1);
  check_error(f.send("GET", "/Groups/" + oid), 404);
  check_error(f.send("PATCH", "/Groups/" + oid, patch_body(R"([{"op":"replace","path":"displayName","value":"X"}])")), 404);
  check_error(f.send("PUT", "/Groups/" + oid, group_body("X")), 404);
  check_error(f.send("DELETE", "/Groups/" + oid), 404);
  CHECK(f.store.get(groups, oid)->resource["displayName"] == "Owners");
  // Renaming a group to a built-in name is refused and changes nothing.
  check_error(f.send("PATCH", "/Groups/" + team, patch_body(R"([{"op":"replace","path":"displayName","value":"Security"}])")),
              400, "invalidValue");
  check_error(f.send("PUT", "/Groups/" + team, group_body("Owners")), 400, "invalidValue");
  CHECK(f.send("GET", "/Groups/" + team).body["displayName"] == "Engineering");
  // Renames are fine; deleting a group leaves its members' accounts alone.
  const std::string u = f.make_user("m@example.com");
  CHECK(f.send("PATCH", "/Groups/" + team, patch_body(R"([{"op":"add","path":"members","value":[{"value":")" + u + R"("}]},
      {"op":"replace","path":"displayName","value":"Eng"}])")).status() == 200);
  CHECK(f.send("DELETE", "/Groups/" + team).status() == 204);
  auto user = f.send("GET", "/Users/" + u);
  CHECK(user.status() == 200);
  CHECK(user.body["active"] == true);
  CHECK(f.state(u) == "invited");
}

TEST_CASE("onepassword: email validation and built-in names as free functions") {
  CHECK(op::is_valid_email("a@b.co"));
  CHECK_FALSE(op::is_valid_email(std::string(65, 'a') + "@example.com"));
  CHECK_FALSE(op::is_valid_email("a@" + std::string(64, 'b') + ".com"));
  CHECK(op::is_builtin_group("TEAM MEMBERS"));
  CHECK_FALSE(op::is_builtin_group("Team"));
  CHECK(op::user_state_from_string("suspended") == op::user_state::suspended);
  CHECK_FALSE(op::user_state_from_string("gone"));
}
