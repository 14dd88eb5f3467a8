#include "scim/query/projection.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "scim/schema/registry.hpp"

using scim::json;
namespace q = scim::query;

namespace {

const scim::schema_registry& reg() {
  return scim::default_registry();
}
const scim::resource_type& user_type() {
  return *reg().find_resource_type("User");
}
const scim::resource_type& group_type() {
  return *reg().find_resource_type("Group");
}

constexpr const char* enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
constexpr const char* widget_urn = "urn:example:params:scim:schemas:Widget";

// A resource type with every `returned` characteristic.
const scim::schema_registry& widget_registry() {
  static const scim::schema_registry r = [] {
    auto out = scim::default_registry();
    scim::schema s;
    s.id = widget_urn;
    s.name = "Widget";
    auto add = [&](std::string name, scim::attribute_returned ret) {
      scim::attribute a;
      a.name = std::move(name);
      a.returned = ret;
      s.attributes.push_back(a);
    };
    add("label", scim::attribute_returned::default_);
    add("serial", scim::attribute_returned::always);
    add("token", scim::attribute_returned::request);
    add("secret", scim::attribute_returned::never);
    scim::attribute stash;
    stash.name = "stash";
    stash.mutability = scim::attribute_mutability::write_only;
    s.attributes.push_back(stash);
    out.add_schema(s);
    scim::resource_type rt;
    rt.id = rt.name = "Widget";
    rt.endpoint = "/Widgets";
    rt.schema = widget_urn;
    out.add_resource_type(rt);
    return out;
  }();
  return r;
}
const scim::resource_type& widget_type() {
  return *widget_registry().find_resource_type("Widget");
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

q::load_hint plan(const scim::resource_type& rt, std::vector<std::string> attrs,
                  std::vector<std::string> excl, const scim::schema_registry& r = reg()) {
  return q::plan_load(rt, r, attrs, excl);
}

json widget() {
  return json::parse(R"({"schemas":["urn:example:params:scim:schemas:Widget"],"id":"w1",
    "label":"L","serial":"S","token":"T","secret":"X","stash":"Y","meta":{"resourceType":"Widget"}})");
}

}  // namespace

TEST_CASE("plan_load: by default everything but never-returned attributes") {
  auto u = plan(user_type(), {}, {});
  CHECK(u.omit == std::vector<std::string>{"password"});
  CHECK(u.needs("emails"));
  CHECK(u.needs("META"));
  CHECK(u.needs(enterprise));
  CHECK_FALSE(u.needs("Password"));
  auto g = plan(group_type(), {}, {});
  CHECK(g.loads_everything());
  CHECK(g.needs("members"));
}

TEST_CASE("plan_load: excludedAttributes=members never loads members") {
  for (const char* path : {"members", "MEMBERS", "urn:ietf:params:scim:schemas:core:2.0:Group:members"}) {
    CAPTURE(path);
    auto h = plan(group_type(), {}, {path});
    CHECK_FALSE(h.needs("members"));
    CHECK(h.needs("displayName"));
    CHECK(h.needs("id"));
  }
  // Excluding a sub-attribute keeps the attribute.
  CHECK(plan(group_type(), {}, {"members.display"}).needs("members"));
  // Excluding the whole core schema keeps only what is always returned.
  auto all = plan(group_type(), {}, {"urn:ietf:params:scim:schemas:core:2.0:Group"});
  CHECK_FALSE(all.needs("members"));
  CHECK_FALSE(all.needs("displayName"));
  CHECK(all.needs("id"));
  CHECK(all.needs("schemas"));
}

TEST_CASE("plan_load: an attributes list without members never loads members") {
  auto h = plan(group_type(), {"displayName"}, {});
  CHECK_FALSE(h.needs("members"));
  CHECK_FALSE(h.needs("externalId"));
  CHECK_FALSE(h.needs("meta"));
  CHECK(h.needs("displayName"));
  CHECK(h.needs("id"));
  CHECK(h.needs("schemas"));
  CHECK(plan(group_type(), {"members.value"}, {}).needs("members"));
  CHECK(plan(group_type(), {"Members"}, {}).needs("members"));
  CHECK(plan(group_type(), {"urn:ietf:params:scim:schemas:core:2.0:Group"}, {}).needs("members"));
  CHECK(plan(group_type(), {"urn:ietf:params:scim:schemas:core:2.0:Group:members"}, {}).needs("members"));
  // Unknown paths are ignored, as in the projection.
  auto unknown = plan(group_type(), {"nope"}, {"alsoNope"});
  CHECK_FALSE(unknown.needs("members"));
  CHECK(unknown.needs("id"));
}

TEST_CASE("plan_load: extension objects") {
  auto only_user_name = plan(user_type(), {"userName"}, {});
  CHECK_FALSE(only_user_name.needs(enterprise));
  CHECK_FALSE(only_user_name.needs("emails"));
  CHECK(plan(user_type(), {enterprise}, {}).needs(enterprise));
  CHECK(plan(user_type(), {std::string(enterprise) + ":manager.value"}, {}).needs(enterprise));
  CHECK_FALSE(plan(user_type(), {}, {enterprise}).needs(enterprise));
  CHECK(plan(user_type(), {}, {std::string(enterprise) + ":department"}).needs(enterprise));
  auto hint = plan(user_type(), {"userName"}, {});
  CHECK(std::find(hint.omit.begin(), hint.omit.end(), enterprise) != hint.omit.end());
}

TEST_CASE("plan_load: returned always / never / request") {
  const auto& r = widget_registry();
  auto def = plan(widget_type(), {}, {}, r);
  CHECK(sorted(def.omit) == std::vector<std::string>{"secret", "stash", "token"});
  auto asked = plan(widget_type(), {"token"}, {}, r);
  CHECK(asked.needs("token"));
  CHECK(asked.needs("serial"));  // always
  CHECK_FALSE(asked.needs("label"));
  CHECK_FALSE(asked.needs("secret"));
  auto excl = plan(widget_type(), {}, {"serial", "label", "secret"}, r);
  CHECK(excl.needs("serial"));  // always survives excludedAttributes
  CHECK_FALSE(excl.needs("label"));
  CHECK_FALSE(plan(widget_type(), {"secret", "stash"}, {}, r).needs("secret"));
}

TEST_CASE("project: never, always and request attributes") {
  const auto& r = widget_registry();
  auto def = q::project(widget(), widget_type(), r, std::vector<std::string>{}, std::vector<std::string>{});
  REQUIRE(def);
  CHECK(def->contains("label"));
  CHECK(def->contains("serial"));
  CHECK_FALSE(def->contains("token"));
  CHECK_FALSE(def->contains("secret"));
  CHECK_FALSE(def->contains("stash"));

  auto l = q::parse_list_query_string("attributes=token");
  REQUIRE(l);
  auto asked = q::project(widget(), widget_type(), r, *l);
  REQUIRE(asked);
  CHECK(*asked == json::parse(R"({"schemas":["urn:example:params:scim:schemas:Widget"],"id":"w1",
                                 "serial":"S","token":"T"})"));

  auto x = q::parse_list_query_string("excludedAttributes=serial,label,id,secret");
  REQUIRE(x);
  auto excl = q::project(widget(), widget_type(), r, *x);
  REQUIRE(excl);
  CHECK(excl->contains("serial"));
  CHECK(excl->contains("id"));
  CHECK_FALSE(excl->contains("label"));
  CHECK(excl->contains("meta"));
  CHECK_FALSE(excl->contains("secret"));
}

TEST_CASE("project: a user with password and excludedAttributes") {
  const json u = json::parse(R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
    "id":"u1","userName":"bjensen","password":"hunter2","emails":[{"value":"b@x","primary":true}],
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Ops"}})");
  auto l = q::parse_list_query_string(
      "excludedAttributes=emails,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department");
  REQUIRE(l);
  auto p = q::project(u, user_type(), reg(), *l);
  REQUIRE(p);
  CHECK(p->contains("userName"));
  CHECK_FALSE(p->contains("password"));
  CHECK_FALSE(p->contains("emails"));
  CHECK_FALSE(p->contains(enterprise));
  // The plan agrees: emails and password need not be loaded.
  auto h = q::plan_load(user_type(), reg(), *l);
  CHECK_FALSE(h.needs("emails"));
  CHECK_FALSE(h.needs("password"));
  CHECK(h.needs(enterprise));  // other enterprise attributes may still be returned
}
