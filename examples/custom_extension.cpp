// An application-defined SCIM schema extension, used next to the enterprise
// extension in a typed User:
//
//   1. declare the extension as a plain struct,
//   2. tie it to its schema URN and attribute names with scim::resource_traits,
//   3. use scim::basic_user<scim::enterprise_user, acme_extension>.
//
// The program decodes a user, changes it through typed access, encodes it
// back and checks the result; it exits non-zero if anything is off.
#include <scim/resource/user.hpp>

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace acme {

// 1. The extension: one member per attribute, optional when it may be absent.
struct acme_extension {
  std::optional<std::string> badge_number{};
  std::optional<std::int64_t> clearance_level{};
  std::optional<bool> on_call{};
};

}  // namespace acme

// 2. Its schema: the URN that keys it in a resource, and the attribute names.
template <>
struct scim::resource_traits<acme::acme_extension> {
  static constexpr std::string_view schema_urn = "urn:example:scim:schemas:extension:acme:2.0:User";
  static constexpr auto fields =
      std::make_tuple(scim::field("badgeNumber", &acme::acme_extension::badge_number),
                      scim::field("clearanceLevel", &acme::acme_extension::clearance_level),
                      scim::field("onCall", &acme::acme_extension::on_call));
};

// 3. The User type of this application.
using acme_user = scim::basic_user<scim::enterprise_user, acme::acme_extension>;

int main() {
  constexpr std::string_view request = R"({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                "urn:example:scim:schemas:extension:acme:2.0:User"],
    "userName": "bjensen@example.com",
    "name": {"givenName": "Barbara", "familyName": "Jensen"},
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Tour Operations"},
    "urn:example:scim:schemas:extension:acme:2.0:User": {"badgeNumber": "B-1042", "clearanceLevel": 2}
  })";

  // Decoding never throws: errors come back as a scim::error.
  auto decoded = scim::decode<acme_user>(request);
  if (!decoded) {
    std::fprintf(stderr, "decode failed: %s\n", scim::format_error(decoded.error()).c_str());
    return 1;
  }
  acme_user& user = *decoded;

  // Typed access to the extensions.
  acme::acme_extension* acme_ext = user.extension<acme::acme_extension>();
  if (acme_ext == nullptr || acme_ext->clearance_level != 2) return 1;
  acme_ext->clearance_level = 3;
  acme_ext->on_call = true;
  user.ensure_extension<scim::enterprise_user>().cost_center = "4130";
  user.active = true;

  const scim::json encoded = scim::encode(user);
  std::printf("%s\n", scim::dump_json(encoded, 2).c_str());

  const scim::json expected = scim::json::parse(R"({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                "urn:example:scim:schemas:extension:acme:2.0:User"],
    "userName": "bjensen@example.com",
    "name": {"givenName": "Barbara", "familyName": "Jensen"},
    "active": true,
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Tour Operations",
                                                                    "costCenter": "4130"},
    "urn:example:scim:schemas:extension:acme:2.0:User": {"badgeNumber": "B-1042", "clearanceLevel": 3,
                                                         "onCall": true}
  })");
  if (encoded != expected) {
    std::fprintf(stderr, "unexpected encoding\n");
    return 1;
  }

  // And the encoded form decodes to the same typed value.
  auto again = scim::decode<acme_user>(encoded);
  if (!again || scim::encode(*again) != expected) {
    std::fprintf(stderr, "round trip failed\n");
    return 1;
  }
  return 0;
}
