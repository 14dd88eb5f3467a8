// scimpp fuzz target: filter parse -> print -> re-parse, and evaluation on
// typed and JSON resources.
//
// Invariants (a violation aborts):
//   * a filter that parses prints (to_string) to text that parses again, to
//     an AST equal (==) to the first, and that prints to the identical text;
//   * the same holds for the Entra ID tolerant parse options: their canonical
//     output is standard syntax that the default options parse back; they
//     accept every standard filter, and parse it to the same AST;
//   * compiled for the User resource type, under both unknown-attribute
//     policies, the predicate gives the same answer on each fixture user in
//     its typed form and in its JSON form; compiling for JSON only gives the
//     same answers too;
//   * when the `error` policy compiles, `no_match` compiles to the same answers;
//   * for_each_match / count_matches over a vector of typed users select
//     exactly the users that matches() accepts one at a time.
#include "scim/filter/evaluator.hpp"
#include "scim/filter/parser.hpp"
#include "scim/filter/printer.hpp"
#include "scim/json.hpp"
#include "scim/resource/user.hpp"
#include "scim/schema/registry.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"

namespace {

using scimpp_fuzz::check;

// RFC 7643-shaped users covering the attribute kinds the evaluator handles:
// several emails, names, the enterprise extension, meta dates with offsets
// and fractions, empty strings, attributes the typed form keeps in `extra`.
constexpr std::string_view fixture_json = R"json([
{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
  "id": "2819c223-7f76-453a-919d-413861904646",
  "externalId": "bjensen-ext",
  "userName": "BJensen@Example.com",
  "name": {"formatted": "Ms. Barbara J Jensen, III", "familyName": "Jensen", "givenName": "Barbara",
           "middleName": "Jane", "honorificPrefix": "Ms.", "honorificSuffix": "III"},
  "displayName": "Babs Jensen",
  "nickName": "Babs",
  "profileUrl": "https://login.example.com/bjensen",
  "title": "Tour Guide",
  "userType": "Employee",
  "preferredLanguage": "en-US",
  "locale": "en-US",
  "timezone": "America/Los_Angeles",
  "active": true,
  "emails": [
    {"value": "bjensen@example.com", "type": "work", "primary": true},
    {"value": "babs@jensen.org", "type": "home"},
    {"value": "BABS.J@Example.ORG", "type": "other", "display": "Babs at Example"}
  ],
  "phoneNumbers": [{"value": "555-555-5555", "type": "work"}, {"value": "555-555-4444", "type": "mobile"}],
  "ims": [{"value": "someaimhandle", "type": "aim"}],
  "photos": [{"value": "https://photos.example.com/profilephoto/72930000000Ccne/F", "type": "photo"}],
  "addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood",
                 "region": "CA", "postalCode": "91608", "country": "USA", "primary": true}],
  "groups": [{"value": "e9e30dba-f08f-4109-8486-d5c6a331660a", "display": "Tour Guides",
              "$ref": "https://example.com/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a"}],
  "entitlements": [{"value": "admin", "primary": true}],
  "roles": [{"value": "guide", "type": "job"}],
  "x509Certificates": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAw"}],
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
    "employeeNumber": "701984", "costCenter": "4130", "organization": "Universal Studios",
    "division": "Theme Park", "department": "Tour Operations",
    "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith",
                "$ref": "../Users/26118915-6090-4610-87e4-49d8ca9f808d"}
  },
  "urn:example:custom:2.0:User": {"level": 3, "tags": ["a", "b"]},
  "customAttribute": "kept in extra",
  "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z",
           "lastModified": "2011-05-13T04:42:34.5Z", "version": "W/\"3694e05e9dff591\"",
           "location": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646"}
},
{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
  "id": "c3a26dd3-27a0-4dec-a2ac-ce211e105f97",
  "userName": "ÜMLAUT.user@example.de",
  "name": {"familyName": "Ünïcödé", "givenName": "Zoë"},
  "displayName": "Zoë \"Q\" Ünïcödé \\ backslash",
  "title": "",
  "userType": "Contractor",
  "active": false,
  "emails": [
    {"value": "zoe@EXAMPLE.de", "type": "WORK"},
    {"value": "", "type": "home", "primary": false}
  ],
  "phoneNumbers": [{"value": "+49 30 1234567", "type": "mobile", "primary": true}],
  "meta": {"resourceType": "User", "created": "2022-01-01T00:00:00+02:00",
           "lastModified": "2023-12-31T23:59:59.999-05:30"}
},
{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
  "id": "1",
  "userName": "minimal"
},
{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
  "id": "00uVdAdleWoQAiQ5FPaJ",
  "externalId": "00uVdAdleWoQAiQ5FPaJ",
  "userName": "jessica.ivanova53376@example.org",
  "name": {"familyName": "O'Malley", "givenName": "Jessica"},
  "userType": "Intern",
  "active": true,
  "emails": [{"primary": true}, {"value": "jessica@example.org", "type": "work"}],
  "ims": [{"value": "jess@foo.com", "type": "xmpp"}],
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
    "employeeNumber": "00042", "department": "Engineering",
    "manager": {"value": "1e8df8ad-838b-47ad-bc2e-2b592c7dd667"}
  },
  "meta": {"lastModified": "1970-01-01T00:00:00Z"}
},
{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
  "id": "32a5b485-3e04-4388-9895-9902b4f65684",
  "userName": "william.patel65496@example.com",
  "name": {"formatted": "William Patel", "familyName": "Patel", "givenName": "William"},
  "displayName": "William Patel",
  "title": "Senior Software Engineer",
  "userType": "Employee",
  "emails": [
    {"value": "william.patel65496@example.com", "type": "work", "primary": true},
    {"value": "wp@example.org", "type": "home"},
    {"value": "w.patel@example.net", "type": "other"}
  ],
  "roles": [{"value": "admin"}, {"value": "dev", "primary": true}],
  "meta": {"resourceType": "User", "created": "2016-05-13T04:42:34.123456789Z",
           "lastModified": "2024-01-02T19:30:33Z"}
}
])json";

struct fixture {
  std::vector<scim::json> json_users;
  std::vector<scim::user> typed_users;
  std::vector<scim::user> batch;  // typed_users repeated past one 64-item block
  const scim::resource_type* user_type = nullptr;
};

const fixture& get_fixture() {
  static const fixture fx = [] {
    fixture f;
    auto parsed = scim::parse_json(fixture_json);
    check(parsed.has_value() && parsed->is_array(), "fixture JSON parses");
    for (const auto& u : *parsed) {
      auto typed = scim::decode<scim::user>(u);
      check(typed.has_value(), "fixture user decodes");
      f.json_users.push_back(u);
      f.typed_users.push_back(std::move(*typed));
    }
    for (std::size_t i = 0; i < 67; ++i) f.batch.push_back(f.typed_users[i % f.typed_users.size()]);
    f.user_type = scim::default_registry().find_resource_type("User");
    check(f.user_type != nullptr, "User resource type registered");
    return f;
  }();
  return fx;
}

// Parse -> print -> parse -> print: equal ASTs, identical texts. The printed
// form is always parsed with the default (strict) options.
void check_roundtrip(const scim::filter::filter& first, std::string_view input) {
  const std::string printed = scim::filter::to_string(first);
  auto again = scim::filter::parse(printed);
  if (!again) {
    scimpp_fuzz::fail("printed filter does not parse again", input,
                      printed + "  // " + scim::format_error(again.error()));
  }
  check(*again == first, "re-parsed filter differs from the first", input, printed);
  const std::string printed_again = scim::filter::to_string(*again);
  check(printed_again == printed, "printing is not stable", printed, printed_again);
}

// The answers of one compiled predicate on every fixture user.
struct answers {
  bool compiled = false;
  std::vector<bool> on_json;
};

answers evaluate(const scim::filter::filter& f, const scim::filter::compile_options& opts) {
  const fixture& fx = get_fixture();
  const auto& reg = scim::default_registry();
  answers out;
  auto typed = scim::filter::compile_for<scim::user>(f, *fx.user_type, reg, opts);
  auto json_only = scim::filter::compile(f, *fx.user_type, reg, opts);
  check(typed.has_value() == json_only.has_value(), "compile_for and compile disagree on success");
  if (!typed) return out;
  out.compiled = true;
  std::vector<std::size_t> expected;
  for (std::size_t i = 0; i < fx.json_users.size(); ++i) {
    const bool on_json = typed->matches(fx.json_users[i]);
    const bool on_typed = typed->matches(fx.typed_users[i]);
    const bool on_json_only = json_only->matches(fx.json_users[i]);
    if (on_json != on_typed) {
      scimpp_fuzz::fail(on_json ? "typed evaluation misses a match the JSON evaluation finds"
                                : "typed evaluation finds a match the JSON evaluation misses",
                        scim::filter::to_string(f), fx.json_users[i].value("id", ""));
    }
    check(on_json == on_json_only, "compile() and compile_for() evaluate JSON differently",
          scim::filter::to_string(f), fx.json_users[i].value("id", ""));
    out.on_json.push_back(on_json);
  }
  for (std::size_t i = 0; i < fx.batch.size(); ++i)
    if (out.on_json[i % fx.typed_users.size()]) expected.push_back(i);
  const std::span<const scim::user> items(fx.batch);
  std::vector<std::size_t> selected;
  typed->for_each_match(items, [&](std::size_t i) { selected.push_back(i); });
  check(selected == expected, "for_each_match selects other users than matches()", scim::filter::to_string(f));
  check(typed->count_matches(items) == expected.size(), "count_matches differs from matches()",
        scim::filter::to_string(f));
  return out;
}

void check_evaluation(const scim::filter::filter& f) {
  using scim::filter::compile_options;
  using scim::filter::unknown_attribute_policy;
  compile_options strict;
  strict.unknown_attributes = unknown_attribute_policy::error;
  compile_options lenient;
  lenient.unknown_attributes = unknown_attribute_policy::no_match;
  const answers a = evaluate(f, strict);
  const answers b = evaluate(f, lenient);
  if (a.compiled) {
    check(b.compiled, "compiles under unknown_attributes=error but not under no_match", scim::filter::to_string(f));
    check(a.on_json == b.on_json, "the unknown-attribute policy changes the answers of a known-only filter",
          scim::filter::to_string(f));
  }
  compile_options entra = lenient;
  entra.allow_string_booleans = true;
  (void)evaluate(f, entra);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)get_fixture();

  auto f = scim::filter::parse(input);
  if (f) {
    check_roundtrip(*f, input);
    check_evaluation(*f);
  } else {
    // An error always carries a renderable message.
    (void)scim::format_error(f.error());
  }

  scim::filter::parse_options tolerant;
  tolerant.allow_unquoted_values = true;
  tolerant.allow_value_path_sub_attribute = true;
  auto g = scim::filter::parse(input, tolerant);
  if (f) {
    check(g.has_value(), "the tolerant options reject a filter the strict options accept", input);
    check(*g == *f, "the tolerant options parse a standard filter differently", input);
  }
  if (g) {
    check_roundtrip(*g, input);
    if (!f) check_evaluation(*g);
  }
  return 0;
}
