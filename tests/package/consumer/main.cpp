// A consumer of an installed scimpp: round-trips a scim::user.
#include <scim/scim.hpp>

#include <iostream>

int main() {
  const char* body = R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName":"bjensen@example.com","name":{"givenName":"Barbara","familyName":"Jensen"},
    "emails":[{"value":"bjensen@example.com","type":"work","primary":true}],"active":true})";
  auto user = scim::decode<scim::user>(std::string_view(body));
  if (!user) {
    std::cerr << scim::format_error(user.error()) << '\n';
    return 1;
  }
  const scim::json out = scim::encode(*user);
  auto again = scim::decode<scim::user>(out);
  if (!again || again->user_name != "bjensen@example.com" || out != scim::json::parse(body)) {
    std::cerr << "round trip changed the user: " << scim::dump_json(out) << '\n';
    return 1;
  }
  std::cout << "scimpp " << scim::version_string << ": " << again->user_name << '\n';
  return 0;
}
