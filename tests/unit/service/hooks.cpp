#include "scim/service/hooks.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "fixture.hpp"

using namespace svc_test;

namespace {

sv::service_options with_token(std::string token) {
  sv::service_options o;
  o.authenticate = [token](std::optional<std::string_view> h) -> std::optional<sv::principal> {
    if (h && *h == "Bearer " + token) return sv::principal{"client-1"};
    return std::nullopt;
  };
  return o;
}

struct recorder {
  std::mutex m;
  std::vector<sv::event> events;
  sv::event_sink sink() {
    return [this](const sv::event& e) {
      std::lock_guard lock(m);
      events.push_back(e);
    };
  }
  std::vector<std::string> kinds() {
    std::vector<std::string> out;
    for (const auto& e : events)
      out.push_back(std::string(sv::to_string(e.kind)) + (e.ok() ? "" : "!") + ":" + e.resource_type +
                    (e.member_id.empty() ? "" : ":" + e.member_id));
    return out;
  }
};

}  // namespace

TEST_CASE("hooks: authentication failure is 401 with WWW-Authenticate: Bearer; public endpoints stay open") {
  auto o = with_token("t0ken");
  o.public_endpoints = {"ServiceProviderConfig"};
  fixture f(o);
  auto r = f.get("/Users");
  check_error(r, 401);
  CHECK(r.header("WWW-Authenticate").rfind("Bearer", 0) == 0);
  check_error(f.get("/Users", {{"Authorization", "Bearer wrong"}}), 401);
  check_error(f.get("/Schemas"), 401);
  check_error(f.post("/Users", user_body("a")), 401);
  CHECK(f.get("/Users", {{"Authorization", "Bearer t0ken"}}).status() == 200);
  CHECK(f.get("/ServiceProviderConfig").status() == 200);
  CHECK(f.get("/scim/v2/serviceproviderconfig").status() == 200);
  // Nothing was written by the refused POST.
  CHECK(f.store.size(*reg().find_resource_type("User")) == 0);
}

TEST_CASE("hooks: /Me is 501 without a resolver, the resolved user with one") {
  fixture f;
  check_error(f.get("/Me"), 501);
  auto o = with_token("tk");
  std::string me_id;
  o.me = [&me_id](const sv::principal& p) -> scim::expected<std::string> {
    CHECK(p.subject == "client-1");
    return me_id;
  };
  fixture g(o);
  const std::vector<sv::header> auth{{"Authorization", "Bearer tk"}};
  auto made = g.post("/Users", user_body("me"), auth);
  me_id = made.body["id"];
  auto r = g.get("/scim/v2/Me", auth);
  CHECK(r.status() == 200);
  CHECK(r.body["userName"] == "me");
  auto p = g.patch("/Me", patch_body(R"([{"op":"add","path":"title","value":"x"}])"), auth);
  CHECK(p.status() == 200);
  CHECK(p.body["title"] == "x");
  check_error(g.post("/Me", user_body("x"), auth), 501);
}

TEST_CASE("hooks: events for every change, with ids, including failures and membership") {
  recorder rec;
  sv::service_options o;
  o.events = rec.sink();
  fixture f(o);
  const std::string u = f.make_user("a");
  const std::string v = f.make_user("b");
  CHECK(f.post("/Users", user_body("A")).status() == 409);
  const std::string g = f.make_group("G", R"([{"value":")" + u + R"("}])");
  f.patch("/Groups/" + g, patch_body(R"([{"op":"add","path":"members","value":[{"value":")" + v +
                                     R"("}]},{"op":"remove","path":"members[value eq \")" + u + R"(\"]"}])"));
  f.patch("/Users/" + u, patch_body(R"([{"op":"replace","path":"active","value":false}])"));
  f.patch("/Users/" + u, patch_body(R"([{"op":"replace","value":{"active":true}}])"));
  f.patch("/Users/" + u, patch_body(R"([{"op":"add","path":"title","value":"t"}])"));
  f.put("/Groups/" + g, group_body("G", R"([{"value":")" + u + R"("}])"));
  f.del("/Users/" + v);
  f.del("/Users/" + v);
  CHECK(rec.kinds() == std::vector<std::string>{
                           "created:User", "created:User", "created!:User", "created:Group",
                           "member_added:Group:" + u, "member_removed:Group:" + u, "member_added:Group:" + v,
                           "deactivated:User", "reactivated:User", "updated:User", "updated:Group",
                           "member_removed:Group:" + v, "member_added:Group:" + u, "deleted:User", "deleted!:User"});
  CHECK(rec.events[0].id == u);
  CHECK(rec.events[2].failure->code == scim::error_code::uniqueness);
  CHECK(rec.events.back().id == v);
}

namespace {

// A policy exercising every hook: rejects userNames without '@', derives
// displayName from name on create and after PATCH, refuses to delete or
// rename the group "Owners", and removes users deactivated while "invited".
struct test_policy : sv::policy {
  scim::expected<void> prepare_create(sv::write_context& ctx, json& r) override {
    CHECK(ctx.kind == sv::write_kind::create);
    if (ctx.type.name == "User") {
      if (r.value("userName", std::string()).find('@') == std::string::npos)
        return scim::fail(scim::error_code::invalid_value, "userName: must be an email address");
      if (!r.contains("displayName") && r.contains("name"))
        r["displayName"] = r["name"].value("givenName", std::string()) + " " + r["name"].value("familyName", std::string());
      r["title"] = "invited";
    }
    if (ctx.type.name == "Group" && r.value("displayName", std::string()) == "Owners")
      return scim::fail(scim::error::forbidden("Owners is built in"));
    return {};
  }
  scim::expected<void> prepare_remove(sv::write_context& ctx, const json& current) override {
    CHECK(ctx.kind == sv::write_kind::remove);
    if (current.value("displayName", std::string()) == "Protected")
      return scim::fail(scim::error(400, scim::error_code::mutability, "the group is protected"));
    return {};
  }
  scim::expected<std::vector<scim::patch::operation>> after_patch(sv::write_context&, const json& patched,
                                                                  const std::vector<std::string>& changed) override {
    std::vector<scim::patch::operation> more;
    for (const auto& a : changed) {
      if (a == "userName" && patched.value("userName", std::string()).find('@') == std::string::npos)
        return scim::fail(scim::error_code::invalid_value, "userName: must be an email address");
      if (a == "name") {
        scim::patch::operation op;
        op.op = scim::patch::op_type::replace;
        op.path = scim::parse_patch_path("displayName").value();
        op.path_text = "displayName";
        op.value = patched["name"].value("givenName", std::string()) + " " +
                   patched["name"].value("familyName", std::string());
        op.has_value = true;
        more.push_back(std::move(op));
      }
    }
    return more;
  }
  sv::follow_up after_write(sv::write_context& ctx, const json& result) override {
    if (ctx.type.name == "User" && result.contains("active") && result["active"] == false &&
        ctx.notes.value("was_invited", true))
      return sv::follow_up::remove;
    return sv::follow_up::none;
  }
};

}  // namespace

TEST_CASE("hooks: the policy shapes and vetoes writes") {
  recorder rec;
  sv::service_options o;
  o.rules = std::make_shared<test_policy>();
  o.events = rec.sink();
  fixture f(o);
  check_error(f.post("/Users", user_body("nomail")), 400, "invalidValue");
  auto made = f.post("/Users", user_body("a@x.org", R"("name":{"givenName":"Ann","familyName":"Lee"})"));
  REQUIRE(made.status() == 201);
  CHECK(made.body["displayName"] == "Ann Lee");
  CHECK(made.body["title"] == "invited");
  const std::string id = made.body["id"];

  // A PATCH changing name recomputes displayName in the same atomic write.
  auto p = f.patch("/Users/" + id, patch_body(R"([{"op":"replace","path":"name.givenName","value":"Anna"},
                                                 {"op":"replace","path":"displayName","value":"ignored"}])"));
  REQUIRE_MESSAGE(p.status() == 200, p.raw.body);
  CHECK(p.body["displayName"] == "Anna Lee");
  // A veto after the engine ran leaves the resource as it was.
  auto before = f.get("/Users/" + id).body;
  check_error(f.patch("/Users/" + id, patch_body(R"([{"op":"replace","path":"title","value":"changed"},
                                                    {"op":"replace","path":"userName","value":"bad"}])")),
              400, "invalidValue");
  auto after = f.get("/Users/" + id).body;
  CHECK(after == before);
  // ... also in the stored document, not only in what GET shows.
  auto next = f.patch("/Users/" + id, patch_body(R"([{"op":"replace","path":"nickName","value":"nn"}])"));
  CHECK(next.body.value("title", std::string()) == "invited");
  CHECK(next.body["userName"] == "a@x.org");

  check_error(f.post("/Groups", group_body("Owners")), 403);
  const std::string prot = f.make_group("Protected");
  check_error(f.del("/Groups/" + prot), 400, "mutability");
  CHECK(f.get("/Groups/" + prot).status() == 200);

  // Deactivation follow-up: the user is removed.
  auto d = f.patch("/Users/" + id, patch_body(R"([{"op":"replace","path":"active","value":false}])"));
  CHECK(d.status() == 200);
  check_error(f.get("/Users/" + id), 404);
  CHECK(rec.kinds().back() == "deleted:User");
}
