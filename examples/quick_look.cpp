// The README's quick look: decode, filter, extend and encode a user.
#include <scim/scim.hpp>

#include <iostream>

int main() {
  auto user = scim::decode<scim::user>(std::string_view(R"({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "UserName": "BJensen@example.com",
    "name": {"givenName": "Barbara", "familyName": "Jensen"},
    "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}]})"));
  if (!user) return std::cerr << scim::format_error(user.error()) << '\n', 1;

  const auto& registry = scim::default_registry();
  auto filter = scim::filter::parse(R"(userName eq "bjensen@EXAMPLE.com" and emails[type eq "work"])");
  auto match = scim::filter::compile_for<scim::user>(*filter, *registry.find_resource_type("User"), registry);
  std::cout << "matches: " << std::boolalpha << match->matches(*user) << '\n';  // caseExact=false: true

  user->ensure_extension<scim::enterprise_user>().department = "Tour Operations";
  std::cout << scim::dump_json(scim::encode(*user)) << '\n';

  auto bad = scim::filter::parse(R"(userName eq "bjensen" and)");
  std::cout << scim::dump_json(bad.error()) << '\n' << scim::format_error(bad.error()) << '\n';
  return match->matches(*user) && !bad ? 0 : 1;
}
