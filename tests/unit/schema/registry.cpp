#include "scim/schema/registry.hpp"

#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

using namespace scim;

namespace {

const resource_type& user_type() {
  const resource_type* rt = default_registry().find_resource_type("User");
  REQUIRE(rt != nullptr);
  return *rt;
}
const resource_type& group_type() {
  const resource_type* rt = default_registry().find_resource_type("Group");
  REQUIRE(rt != nullptr);
  return *rt;
}

resolved_attribute ok(const resource_type& rt, std::string_view path) {
  auto r = default_registry().resolve(rt, path);
  REQUIRE_MESSAGE(r.has_value(), "path " << std::string(path) << ": " << (r ? std::string() : r.error().detail));
  return *r;
}

error bad(const schema_registry& reg, const resource_type& rt, std::string_view path) {
  auto r = reg.resolve(rt, path);
  REQUIRE_MESSAGE(!r.has_value(), "path " << std::string(path) << " unexpectedly resolved");
  return r.error();
}
error bad(const resource_type& rt, std::string_view path) { return bad(default_registry(), rt, path); }

schema custom_extension(std::string id, std::string attr_name) {
  schema s;
  s.id = std::move(id);
  s.name = "Custom";
  attribute a;
  a.name = std::move(attr_name);
  a.type = attribute_type::complex;
  attribute n;
  n.name = "number";
  a.sub_attributes.push_back(n);
  s.attributes.push_back(a);
  attribute plain;
  plain.name = "level";
  plain.type = attribute_type::integer;
  s.attributes.push_back(plain);
  return s;
}

}  // namespace

TEST_CASE("default registry: schemas and resource types") {
  const auto& reg = default_registry();
  CHECK(&reg == &default_registry());
  auto all = reg.schemas();
  REQUIRE(all.size() == 6);
  CHECK(all[0]->id == urn::user);
  CHECK(all[1]->id == urn::group);
  CHECK(all[2]->id == urn::enterprise_user);
  CHECK(all[3]->id == urn::schema);
  CHECK(all[4]->id == urn::resource_type);
  CHECK(all[5]->id == urn::service_provider_config);
  CHECK(*all[0] == user_schema());

  auto types = reg.resource_types();
  REQUIRE(types.size() == 2);
  CHECK(types[0]->name == "User");
  CHECK(types[0]->id == "User");
  CHECK(types[0]->endpoint == "/Users");
  CHECK(types[0]->schema == urn::user);
  REQUIRE(types[0]->schema_extensions.size() == 1);
  CHECK(types[0]->schema_extensions[0].schema == urn::enterprise_user);
  CHECK_FALSE(types[0]->schema_extensions[0].required);
  CHECK(types[1]->name == "Group");
  CHECK(types[1]->endpoint == "/Groups");
  CHECK(types[1]->schema == urn::group);
  CHECK(types[1]->schema_extensions.empty());
}

TEST_CASE("registry lookups are case-insensitive") {
  const auto& reg = default_registry();
  CHECK(reg.find_schema("URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER") == reg.find_schema(urn::user));
  CHECK(reg.find_schema("urn:ietf:params:scim:schemas:core:2.0:Nope") == nullptr);
  CHECK(reg.find_resource_type("user") == &user_type());
  CHECK(reg.find_resource_type("GROUP") == &group_type());
  CHECK(reg.find_resource_type("Device") == nullptr);
  CHECK(reg.find_resource_type_by_endpoint("/Users") == &user_type());
  CHECK(reg.find_resource_type_by_endpoint("/users") == &user_type());
  CHECK(reg.find_resource_type_by_endpoint("Groups") == &group_type());
  CHECK(reg.find_resource_type_by_endpoint("/Groups/") == &group_type());
  CHECK(reg.find_resource_type_by_endpoint("/") == nullptr);
  CHECK(reg.find_resource_type_by_endpoint("/Devices") == nullptr);
  CHECK(reg.find_resource_type_by_schema("urn:ietf:params:scim:schemas:core:2.0:group") == &group_type());
  CHECK(reg.find_resource_type_by_schema(urn::enterprise_user) == nullptr);
  CHECK(reg.find_core_schema(user_type()) == reg.find_schema(urn::user));
  CHECK(reg.find_extension_schema(user_type(), "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user") ==
        reg.find_schema(urn::enterprise_user));
  CHECK(reg.find_extension_schema(group_type(), urn::enterprise_user) == nullptr);
}

TEST_CASE("resolve: bare names and sub-attributes") {
  auto r = ok(user_type(), "userName");
  CHECK(r.owner->id == urn::user);
  CHECK(r.attr->name == "userName");
  CHECK(r.sub == nullptr);
  CHECK_FALSE(r.is_extension);
  CHECK_FALSE(r.is_common);
  CHECK(&r.target() == r.attr);

  r = ok(user_type(), "name.givenName");
  CHECK(r.attr->name == "name");
  REQUIRE(r.sub != nullptr);
  CHECK(r.sub->name == "givenName");
  CHECK(&r.target() == r.sub);

  r = ok(user_type(), "NAME.GIVENNAME");
  CHECK(r.attr->name == "name");
  CHECK(r.sub->name == "givenName");

  r = ok(user_type(), "emails.value");
  CHECK(r.attr->name == "emails");
  CHECK(r.target().name == "value");
  CHECK_FALSE(r.target().case_exact);

  r = ok(user_type(), "emails");
  CHECK(r.attr->multi_valued);

  r = ok(group_type(), "members.value");
  CHECK(r.owner->id == urn::group);
  CHECK(r.target().mutability == attribute_mutability::immutable);

  r = ok(user_type(), "groups.$ref");
  CHECK(r.target().type == attribute_type::reference);
}

TEST_CASE("resolve: common attributes") {
  auto r = ok(user_type(), "id");
  CHECK(r.is_common);
  CHECK_FALSE(r.is_extension);
  CHECK(r.owner->id == urn::user);
  CHECK(r.attr->name == "id");
  CHECK(r.target().returned == attribute_returned::always);

  r = ok(user_type(), "meta.created");
  CHECK(r.is_common);
  CHECK(r.attr->name == "meta");
  CHECK(r.target().type == attribute_type::date_time);

  r = ok(group_type(), "Meta.LastModified");
  CHECK(r.is_common);
  CHECK(r.owner->id == urn::group);
  CHECK(r.target().name == "lastModified");

  r = ok(user_type(), "externalId");
  CHECK(r.is_common);
  r = ok(user_type(), "schemas");
  CHECK(r.is_common);

  // Under the core URN, common attributes resolve too.
  r = ok(user_type(), "urn:ietf:params:scim:schemas:core:2.0:User:meta.lastModified");
  CHECK(r.is_common);
  CHECK(r.target().name == "lastModified");
}

TEST_CASE("resolve: core URN prefix means the same as no prefix") {
  auto bare = ok(user_type(), "name.givenName");
  auto full = ok(user_type(), "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName");
  CHECK(full.owner == bare.owner);
  CHECK(full.attr == bare.attr);
  CHECK(full.sub == bare.sub);
  CHECK_FALSE(full.is_extension);

  auto upper = ok(user_type(), "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:USERNAME");
  CHECK(upper.attr->name == "userName");

  auto grp = ok(group_type(), "urn:ietf:params:scim:schemas:core:2.0:Group:displayName");
  CHECK(grp.attr->name == "displayName");
}

TEST_CASE("resolve: extension attributes") {
  auto r = ok(user_type(), "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value");
  CHECK(r.is_extension);
  CHECK_FALSE(r.is_common);
  CHECK(r.owner->id == urn::enterprise_user);
  CHECK(r.attr->name == "manager");
  CHECK(r.sub->name == "value");

  r = ok(user_type(), "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber");
  CHECK(r.is_extension);
  CHECK(r.attr->name == "employeeNumber");
  CHECK(r.sub == nullptr);

  r = ok(user_type(), "Urn:Ietf:Params:Scim:Schemas:Extension:Enterprise:2.0:user:MANAGER.displayname");
  CHECK(r.is_extension);
  CHECK(r.target().name == "displayName");
  CHECK(r.target().mutability == attribute_mutability::read_only);
}

TEST_CASE("resolve: errors are 400 invalidPath naming the path") {
  struct bad_case {
    const char* path;
    const char* expect_in_detail;
  };
  const std::vector<bad_case> cases{
      {"nickname.first", "not complex"},
      {"nope", "nope"},
      {"name.nope", "nope"},
      {"emails.value.x", "emails.value.x"},
      {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "extension schema"},
      {"urn:ietf:params:scim:schemas:core:2.0:User", "core schema"},
      {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:", "no attribute name"},
      {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:nope", "nope"},
      {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.nope", "nope"},
      {"urn:example:unknown:1.0:Thing:attr", "urn:example:unknown:1.0:Thing:attr"},
      {"urn:ietf:params:scim:schemas:core:2.0:Group:displayName", "not a schema of resource type"},
      {"urn:ietf:params:scim:schemas:core:2.0:User:name:givenName", "name:givenName"},
      // Extension attributes need their URN.
      {"employeeNumber", "employeeNumber"},
      {"manager.value", "manager"},
      {"emails[type eq \"work\"].value", "without filters"},
      {"name.", "empty"},
      {".givenName", "empty"},
      {"", "empty"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.path);
    const error e = bad(user_type(), c.path);
    CHECK(e.status == 400);
    CHECK(e.code == error_code::invalid_path);
    CHECK(e.detail.find(c.expect_in_detail) != std::string::npos);
  }
  // Group has no enterprise extension.
  const error e = bad(group_type(), "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber");
  CHECK(e.code == error_code::invalid_path);
  CHECK(e.status == 400);
  // The Group core schema has no userName.
  CHECK(bad(group_type(), "userName").code == error_code::invalid_path);
}

TEST_CASE("resolve: unregistered core schema is an internal error") {
  schema_registry reg;
  resource_type rt;
  rt.name = "Device";
  rt.endpoint = "/Devices";
  rt.schema = "urn:example:Device";
  reg.add_resource_type(rt);
  const error e = bad(reg, *reg.find_resource_type("Device"), "serial");
  CHECK(e.status == 500);
}

TEST_CASE("resolve: URNs with dots and digits, longest prefix wins") {
  schema_registry reg = default_registry();
  reg.add_schema(custom_extension("urn:example:params:scim:schemas:extension:acme:2.0.1:User", "badge"));
  reg.add_schema(custom_extension("urn:example:acme:ext", "short"));
  reg.add_schema(custom_extension("urn:example:acme:ext:v2", "long"));
  resource_type rt = *reg.find_resource_type("User");
  rt.schema_extensions.push_back({"urn:example:params:scim:schemas:extension:acme:2.0.1:User", true});
  rt.schema_extensions.push_back({"urn:example:acme:ext", false});
  rt.schema_extensions.push_back({"urn:example:acme:ext:v2", false});
  reg.add_resource_type(rt);
  const resource_type& user = *reg.find_resource_type("User");
  CHECK(user.schema_extensions.size() == 4);

  auto r = reg.resolve(user, "urn:example:params:scim:schemas:extension:acme:2.0.1:User:badge.number");
  REQUIRE(r.has_value());
  CHECK(r->is_extension);
  CHECK(r->owner->id == "urn:example:params:scim:schemas:extension:acme:2.0.1:User");
  CHECK(r->attr->name == "badge");
  CHECK(r->sub->name == "number");

  r = reg.resolve(user, "URN:EXAMPLE:PARAMS:SCIM:SCHEMAS:EXTENSION:ACME:2.0.1:USER:Level");
  REQUIRE(r.has_value());
  CHECK(r->target().type == attribute_type::integer);

  r = reg.resolve(user, "urn:example:acme:ext:v2:long.number");
  REQUIRE(r.has_value());
  CHECK(r->owner->id == "urn:example:acme:ext:v2");

  r = reg.resolve(user, "urn:example:acme:ext:short");
  REQUIRE(r.has_value());
  CHECK(r->owner->id == "urn:example:acme:ext");

  // "long" lives in the longer schema only.
  const error e = bad(reg, user, "urn:example:acme:ext:long");
  CHECK(e.code == error_code::invalid_path);

  // The enterprise extension still works in the copy.
  r = reg.resolve(user, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value");
  REQUIRE(r.has_value());
  CHECK(r->owner == reg.find_schema(urn::enterprise_user));
}

TEST_CASE("registry: replacement by id / name and pointer stability") {
  schema_registry reg;
  reg.add_schema(custom_extension("urn:example:a", "one"));
  const schema* first = reg.find_schema("urn:example:a");
  REQUIRE(first != nullptr);
  const attribute* first_attr = first->find("one");
  // Adding many more schemas does not move earlier ones.
  for (int i = 0; i < 200; ++i) reg.add_schema(custom_extension("urn:example:n" + std::to_string(i), "x"));
  CHECK(reg.find_schema("urn:example:a") == first);
  CHECK(first->find("one") == first_attr);
  CHECK(first_attr->name == "one");

  // Replacing keeps the place in the order and leaves the old object alive.
  reg.add_schema(custom_extension("URN:EXAMPLE:A", "two"));
  const schema* replaced = reg.find_schema("urn:example:a");
  REQUIRE(replaced != nullptr);
  CHECK(replaced != first);
  CHECK(replaced->find("two") != nullptr);
  CHECK(replaced->find("one") == nullptr);
  CHECK(first_attr->name == "one");  // still readable
  CHECK(reg.schemas().size() == 201);
  CHECK(reg.schemas().front() == replaced);

  resource_type rt;
  rt.name = "Device";
  rt.endpoint = "/Devices";
  rt.schema = "urn:example:a";
  reg.add_resource_type(rt);
  rt.name = "device";
  rt.endpoint = "/Gadgets";
  reg.add_resource_type(rt);
  CHECK(reg.resource_types().size() == 1);
  CHECK(reg.find_resource_type("DEVICE")->endpoint == "/Gadgets");
  CHECK(reg.find_resource_type_by_endpoint("/Devices") == nullptr);
}

TEST_CASE("registry: copies are independent, moves keep pointers") {
  schema_registry copy = default_registry();
  CHECK(copy.schemas().size() == 6);
  CHECK(copy.find_schema(urn::user) != default_registry().find_schema(urn::user));
  CHECK(*copy.find_schema(urn::user) == *default_registry().find_schema(urn::user));
  copy.add_schema(custom_extension("urn:example:x", "y"));
  CHECK(copy.schemas().size() == 7);
  CHECK(default_registry().schemas().size() == 6);
  CHECK(default_registry().find_schema("urn:example:x") == nullptr);

  const schema* before = copy.find_schema("urn:example:x");
  schema_registry moved = std::move(copy);
  CHECK(moved.find_schema("urn:example:x") == before);

  schema_registry assigned;
  assigned = moved;
  CHECK(assigned.schemas().size() == 7);
  CHECK(assigned.find_schema("urn:example:x") != before);
}

TEST_CASE("registry: concurrent const use") {
  const auto& reg = default_registry();
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (std::size_t t = 0; t < failures.size(); ++t) {
    threads.emplace_back([&reg, &failures, t] {
      const resource_type* user = reg.find_resource_type("User");
      for (int i = 0; i < 500; ++i) {
        auto r = reg.resolve(*user, i % 2 ? "name.givenName"
                                          : "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager");
        if (!r) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int f : failures) CHECK(f == 0);
}
