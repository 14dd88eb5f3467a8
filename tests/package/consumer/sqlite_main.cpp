// A consumer of an installed scimpp's SQLite component: creates a User in an
// in-memory sqlite_store and reads it back.
#include <scim/store/sqlite_store.hpp>

#include <sqlite3.h>

#include <iostream>
#include <string>

int main() {
  const scim::schema_registry& reg = scim::default_registry();
  const scim::resource_type* users = reg.find_resource_type("User");
  if (users == nullptr) {
    std::cerr << "no User resource type\n";
    return 1;
  }
  auto store = scim::store::sqlite_store::open(reg, ":memory:");
  if (!store) {
    std::cerr << scim::format_error(store.error()) << '\n';
    return 1;
  }
  const scim::json body = scim::json::parse(R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName":"bjensen@example.com","name":{"givenName":"Barbara","familyName":"Jensen"},"active":true})");
  auto created = (*store)->create(*users, body);
  if (!created) {
    std::cerr << scim::format_error(created.error()) << '\n';
    return 1;
  }
  auto read = (*store)->get(*users, created->id);
  if (!read) {
    std::cerr << scim::format_error(read.error()) << '\n';
    return 1;
  }
  const scim::json& r = read->resource;
  const auto name = r.find("name");
  if (r.value("id", "") != created->id || r.value("userName", "") != "bjensen@example.com" ||
      name == r.end() || name->value("familyName", "") != "Jensen") {
    std::cerr << "read back something else: " << scim::dump_json(r) << '\n';
    return 1;
  }
  std::cout << "sqlite_store (SQLite " << sqlite3_libversion() << "): " << r.value("userName", "") << ' '
            << read->version << '\n';
  return 0;
}
