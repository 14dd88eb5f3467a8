#include "scim/schema/validate.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using scim::error_code;
using scim::json;
using scim::validation_context;
using scim::validation_options;

namespace {

constexpr std::string_view widget_urn = "urn:example:scimpp:2.0:Widget";
constexpr std::string_view widget_ext_urn = "urn:example:scimpp:2.0:WidgetExtension";
constexpr std::string_view optional_ext_urn = "urn:example:scimpp:2.0:OptionalExtension";

scim::attribute attr(std::string name, scim::attribute_type type) {
  scim::attribute a;
  a.name = std::move(name);
  a.type = type;
  return a;
}

// A registry with the RFC defaults plus a "Widget" resource type whose schema
// exercises every type and characteristic the core schemas leave out.
const scim::schema_registry& test_registry() {
  static const scim::schema_registry reg = [] {
    using T = scim::attribute_type;
    using M = scim::attribute_mutability;
    using R = scim::attribute_returned;
    scim::schema_registry r = scim::default_registry();

    scim::schema w;
    w.id = std::string(widget_urn);
    w.name = "Widget";
    auto label = attr("label", T::string);
    label.required = true;
    w.attributes.push_back(label);
    w.attributes.push_back(attr("enabled", T::boolean));
    w.attributes.push_back(attr("count", T::integer));
    w.attributes.push_back(attr("ratio", T::decimal));
    w.attributes.push_back(attr("since", T::date_time));
    w.attributes.push_back(attr("blob", T::binary));
    w.attributes.push_back(attr("link", T::reference));
    auto serial = attr("serial", T::string);
    serial.mutability = M::immutable;
    w.attributes.push_back(serial);
    auto secret = attr("secret", T::string);
    secret.mutability = M::write_only;
    w.attributes.push_back(secret);  // writeOnly, returned default: still never leaves
    auto note = attr("note", T::string);
    note.returned = R::request;
    w.attributes.push_back(note);
    auto code = attr("code", T::string);
    code.returned = R::always;
    w.attributes.push_back(code);
    auto color = attr("color", T::string);
    color.canonical_values = {"red", "green"};
    color.enforce_canonical_values = true;
    w.attributes.push_back(color);
    auto shade = attr("shade", T::string);
    shade.canonical_values = {"Dark", "Light"};
    shade.enforce_canonical_values = true;
    shade.case_exact = true;
    w.attributes.push_back(shade);
    auto flavor = attr("flavor", T::string);
    flavor.canonical_values = {"sweet", "sour"};  // advisory only
    w.attributes.push_back(flavor);
    auto parts = attr("parts", T::complex);
    parts.multi_valued = true;
    auto part_name = attr("name", T::string);
    part_name.required = true;
    auto part_secret = attr("pin", T::string);
    part_secret.returned = R::never;
    auto part_id = attr("partId", T::string);
    part_id.returned = R::always;
    parts.sub_attributes = {part_name, attr("primary", T::boolean), attr("kind", T::string), part_secret, part_id};
    w.attributes.push_back(parts);
    auto spec = attr("spec", T::complex);
    auto size = attr("size", T::string);
    size.required = true;
    auto origin = attr("origin", T::string);
    origin.mutability = M::immutable;
    spec.sub_attributes = {size, attr("unit", T::string), origin};
    w.attributes.push_back(spec);
    auto tags = attr("tags", T::string);
    tags.multi_valued = true;
    w.attributes.push_back(tags);
    auto owner = attr("owner", T::string);
    owner.mutability = M::read_only;
    owner.required = true;  // required but readOnly: the server sets it, clients never have to
    w.attributes.push_back(owner);
    r.add_schema(w);

    scim::schema ext;
    ext.id = std::string(widget_ext_urn);
    ext.name = "WidgetExtension";
    auto site = attr("site", T::string);
    site.required = true;
    ext.attributes.push_back(site);
    auto rank = attr("rank", T::integer);
    rank.mutability = M::immutable;
    ext.attributes.push_back(rank);
    r.add_schema(ext);

    scim::schema opt;
    opt.id = std::string(optional_ext_urn);
    opt.name = "OptionalExtension";
    opt.attributes.push_back(attr("memo", T::string));
    r.add_schema(opt);

    scim::resource_type rt;
    rt.id = rt.name = "Widget";
    rt.endpoint = "/Widgets";
    rt.schema = std::string(widget_urn);
    rt.schema_extensions = {{std::string(widget_ext_urn), true}, {std::string(optional_ext_urn), false}};
    r.add_resource_type(rt);
    return r;
  }();
  return reg;
}

const scim::resource_type& user_rt() { return *test_registry().find_resource_type("User"); }
const scim::resource_type& group_rt() { return *test_registry().find_resource_type("Group"); }
const scim::resource_type& widget_rt() { return *test_registry().find_resource_type("Widget"); }

json parse(std::string_view text) {
  auto r = scim::parse_json(text);
  REQUIRE_MESSAGE(r, text);
  return *r;
}

json load(const std::string& name) {
  std::ifstream in(std::string(SCIMPP_TEST_DATA_DIR "/rfc7643/") + name);
  REQUIRE_MESSAGE(in.good(), name);
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str());
}

scim::expected<json> create(const scim::resource_type& rt, const json& body, const validation_options& o = {}) {
  return scim::validate(body, rt, test_registry(), validation_context::create_request, o);
}
scim::expected<json> replace(const scim::resource_type& rt, const json& body, const json& existing,
                             validation_options o = {}) {
  o.existing = &existing;
  return scim::validate(body, rt, test_registry(), validation_context::replace_request, o);
}
scim::expected<json> respond(const scim::resource_type& rt, const json& stored, std::vector<std::string> attributes = {},
                             std::vector<std::string> excluded = {}) {
  validation_options o;
  o.attributes = std::move(attributes);
  o.excluded_attributes = std::move(excluded);
  return scim::validate(stored, rt, test_registry(), validation_context::response, o);
}

// A minimal valid Widget body (the required extension included) plus `extra` members.
json widget(std::string_view extra = "") {
  std::string text = R"({"schemas":["urn:example:scimpp:2.0:Widget","urn:example:scimpp:2.0:WidgetExtension"],)"
                     R"("label":"w1","urn:example:scimpp:2.0:WidgetExtension":{"site":"s1"})";
  if (!extra.empty()) {
    text += ",";
    text += extra;
  }
  text += "}";
  return parse(text);
}

json user(std::string_view extra = "") {
  std::string text = R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen")";
  if (!extra.empty()) {
    text += ",";
    text += extra;
  }
  text += "}";
  return parse(text);
}

void check_error(const scim::expected<json>& r, error_code code, std::string_view detail_start) {
  REQUIRE_FALSE(r);
  CHECK(r.error().status == 400);
  CHECK(r.error().code == code);
  CHECK_MESSAGE(r.error().detail.rfind(detail_start, 0) == 0, r.error().detail);
}

// Every member of `expected` appears in `actual` with the same value, and vice versa.
void check_same(const json& actual, const json& expected) { CHECK_MESSAGE(actual == expected, actual.dump(1)); }

}  // namespace

TEST_CASE("a non-object body is invalidSyntax") {
  for (const char* body : {"[]", "\"x\"", "1", "null", "true"}) {
    for (auto ctx : {validation_context::create_request, validation_context::replace_request,
                     validation_context::response}) {
      auto r = scim::validate(parse(body), user_rt(), test_registry(), ctx);
      check_error(r, error_code::invalid_syntax, "");
    }
  }
  CHECK(create(user_rt(), user()));
}

TEST_CASE("attribute names are canonicalised at every level") {
  auto body = parse(R"({
    "Schemas": ["URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER",
                "urn:ietf:params:scim:schemas:extension:ENTERPRISE:2.0:user"],
    "UserName": "bjensen", "Active": true,
    "NAME": {"givenname": "Barbara", "FAMILYNAME": "Jensen"},
    "Emails": [{"VALUE": "b@example.com", "Primary": true, "TYPE": "work"}],
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:USER": {"Department": "Tours",
                                                                   "MANAGER": {"Value": "42"}}
  })");
  auto r = create(user_rt(), body);
  REQUIRE_MESSAGE(r, r.error().detail);
  check_same(*r, parse(R"({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
    "userName": "bjensen", "active": true,
    "name": {"givenName": "Barbara", "familyName": "Jensen"},
    "emails": [{"value": "b@example.com", "primary": true, "type": "work"}],
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Tours",
                                                                   "manager": {"value": "42"}}
  })"));

  // The same holds for replace and for responses.
  json existing = *r;
  auto p = replace(user_rt(), body, existing);
  REQUIRE(p);
  check_same(*p, *r);
  auto out = respond(user_rt(), body);
  REQUIRE(out);
  check_same(*out, *r);
}

TEST_CASE("keys that differ only in case are invalidSyntax when both carry a value") {
  check_error(create(user_rt(), user(R"("UserName":"other")")), error_code::invalid_syntax, "userName:");
  check_error(create(user_rt(), user(R"("name":{"givenName":"a","GivenName":"b"})")), error_code::invalid_syntax,
              "name.givenName:");
  // A null twin is just an unassigned value.
  auto r = create(user_rt(), user(R"("UserName":null)"));
  REQUIRE(r);
  CHECK((*r)["userName"] == "bjensen");
}

TEST_CASE("type checks: string and reference") {
  CHECK(create(widget_rt(), widget(R"("link":"https://example.com/x")")));
  check_error(create(widget_rt(), widget(R"("label":5)")), error_code::invalid_value, "label: expected a string");
  check_error(create(widget_rt(), widget(R"("link":true)")), error_code::invalid_value, "link: expected a reference");
  check_error(create(user_rt(), user(R"("name":{"givenName":["a"]})")), error_code::invalid_value,
              "name.givenName: expected a single value");
}

TEST_CASE("type checks: boolean must be a JSON boolean") {
  auto ok = create(user_rt(), user(R"("active":false)"));
  REQUIRE(ok);
  CHECK((*ok)["active"] == false);
  check_error(create(user_rt(), user(R"("active":"True")")), error_code::invalid_value, "active: expected a boolean");
  check_error(create(user_rt(), user(R"("active":1)")), error_code::invalid_value, "active: expected a boolean");
  check_error(create(user_rt(), user(R"("emails":[{"value":"a@x"},{"value":"b@x","primary":"true"}])")),
              error_code::invalid_value, "emails[1].primary: expected a boolean");
}

TEST_CASE("type checks: integer and decimal") {
  CHECK(create(widget_rt(), widget(R"("count":-3)")));
  CHECK(create(widget_rt(), widget(R"("count":18446744073709551615)")));
  check_error(create(widget_rt(), widget(R"("count":1.5)")), error_code::invalid_value, "count: expected an integer");
  check_error(create(widget_rt(), widget(R"("count":3.0)")), error_code::invalid_value, "count: expected an integer");
  check_error(create(widget_rt(), widget(R"("count":"3")")), error_code::invalid_value, "count: expected an integer");
  CHECK(create(widget_rt(), widget(R"("ratio":0.25)")));
  CHECK(create(widget_rt(), widget(R"("ratio":2)")));
  check_error(create(widget_rt(), widget(R"("ratio":"0.25")")), error_code::invalid_value,
              "ratio: expected a decimal");
}

TEST_CASE("type checks: dateTime") {
  CHECK(create(widget_rt(), widget(R"("since":"2010-01-23T04:56:22Z")")));
  CHECK(create(widget_rt(), widget(R"("since":"2011-05-13T04:42:34.123+02:00")")));
  for (const char* bad : {R"("since":"2010-02-30T00:00:00Z")", R"("since":"yesterday")", R"("since":1264222582)",
                          R"("since":"2010-01-23")"})
    check_error(create(widget_rt(), widget(bad)), error_code::invalid_value, "since: expected a dateTime");
}

TEST_CASE("type checks: binary is padded base64") {
  for (const char* good : {R"("blob":"")", R"("blob":"TWFu")", R"("blob":"TWE=")", R"("blob":"TQ==")",
                           R"("blob":"a+/Z")"})
    CHECK_MESSAGE(create(widget_rt(), widget(good)), good);
  for (const char* bad : {R"("blob":"TWE")", R"("blob":"T===")", R"("blob":"TQ=a")", R"("blob":"T-_a")",
                          R"("blob":"TW E")", R"("blob":42)"})
    check_error(create(widget_rt(), widget(bad)), error_code::invalid_value, "blob: expected binary");
  check_error(create(user_rt(), user(R"("x509Certificates":[{"value":"not base64!"}])")), error_code::invalid_value,
              "x509Certificates[0].value: expected binary");
}

TEST_CASE("type checks: complex must be an object") {
  CHECK(create(user_rt(), user(R"("name":{"givenName":"B"})")));
  check_error(create(user_rt(), user(R"("name":"Barbara Jensen")")), error_code::invalid_value,
              "name: expected a complex value");
  check_error(create(user_rt(), user(R"("emails":["b@example.com"])")), error_code::invalid_value,
              "emails[0]: expected a complex value");
}

TEST_CASE("multi-valued attributes must be arrays, single-valued must not") {
  CHECK(create(user_rt(), user(R"("emails":[{"value":"b@example.com"}])")));
  check_error(create(user_rt(), user(R"("emails":{"value":"b@example.com"})")), error_code::invalid_value,
              "emails: expected an array");
  check_error(create(widget_rt(), widget(R"("tags":"a")")), error_code::invalid_value, "tags: expected an array");
  check_error(create(widget_rt(), widget(R"("tags":[["a"]])")), error_code::invalid_value,
              "tags[0]: expected a single value");
  check_error(create(user_rt(), user(R"("displayName":["a","b"])")), error_code::invalid_value,
              "displayName: expected a single value, not an array");
  auto r = create(widget_rt(), widget(R"("tags":["a","b"])"));
  REQUIRE(r);
  CHECK((*r)["tags"] == json::array({"a", "b"}));
}

TEST_CASE("null, [] and {} are unassigned and dropped") {
  auto r = create(user_rt(), user(R"("displayName":null,"emails":[],"name":{},"roles":[null],)"
                                  R"("phoneNumbers":[null,{"value":"555"}],"addresses":[{"type":null}],)"
                                  R"("x509Certificates":null)"));
  REQUIRE(r);
  check_same(*r, user(R"("phoneNumbers":[{"value":"555"}])"));
  // Entra ID sends "$ref": null for members.
  auto g = create(group_rt(), parse(R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],)"
                                    R"("displayName":"g","members":[{"$ref":null,"value":"u1"}]})"));
  REQUIRE(g);
  CHECK((*g)["members"] == parse(R"([{"value":"u1"}])"));
}

TEST_CASE("required attributes on create and replace") {
  check_error(create(user_rt(), parse(R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]})")),
              error_code::invalid_value, "userName: required attribute is missing");
  check_error(create(user_rt(), user(R"("UserName":null,"userName":null)")), error_code::invalid_value,
              "userName: required");
  const json existing = *create(user_rt(), user());
  check_error(replace(user_rt(), parse(R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]})"), existing),
              error_code::invalid_value, "userName: required attribute is missing");
  check_error(create(group_rt(), parse(R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"]})")),
              error_code::invalid_value, "displayName: required");
  CHECK(create(group_rt(), parse(R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"g"})")));
  // readOnly + required (id, Widget.owner) is the server's business.
  CHECK(create(widget_rt(), widget()));
}

TEST_CASE("required sub-attributes inside present complex values") {
  CHECK(create(widget_rt(), widget(R"("parts":[{"name":"p1"}],"spec":{"size":"L"})")));
  check_error(create(widget_rt(), widget(R"("parts":[{"name":"p1"},{"kind":"k"}])")), error_code::invalid_value,
              "parts[1].name: required attribute is missing");
  check_error(create(widget_rt(), widget(R"("spec":{"unit":"cm"})")), error_code::invalid_value,
              "spec.size: required attribute is missing");
  // An absent complex value needs none of its sub-attributes.
  CHECK(create(widget_rt(), widget(R"("spec":{"size":null})")));
}

TEST_CASE("required sub-attributes inside extensions") {
  check_error(create(widget_rt(), parse(R"({"schemas":["urn:example:scimpp:2.0:Widget",)"
                                        R"("urn:example:scimpp:2.0:WidgetExtension"],"label":"w",)"
                                        R"("urn:example:scimpp:2.0:WidgetExtension":{"rank":1}})")),
              error_code::invalid_value, "urn:example:scimpp:2.0:WidgetExtension:site: required attribute is missing");
}

TEST_CASE("required schema extensions must be present") {
  CHECK(create(widget_rt(), widget()));
  check_error(create(widget_rt(), parse(R"({"schemas":["urn:example:scimpp:2.0:Widget"],"label":"w"})")),
              error_code::invalid_value, "urn:example:scimpp:2.0:WidgetExtension: required schema extension");
  check_error(create(widget_rt(), parse(R"({"schemas":["urn:example:scimpp:2.0:Widget",)"
                                        R"("urn:example:scimpp:2.0:WidgetExtension"],"label":"w",)"
                                        R"("urn:example:scimpp:2.0:WidgetExtension":{}})")),
              error_code::invalid_value, "urn:example:scimpp:2.0:WidgetExtension: required schema extension");
  const json existing = *create(widget_rt(), widget());
  check_error(replace(widget_rt(), parse(R"({"schemas":["urn:example:scimpp:2.0:Widget"],"label":"w"})"), existing),
              error_code::invalid_value, "urn:example:scimpp:2.0:WidgetExtension: required schema extension");
}

TEST_CASE("readOnly attributes are ignored on input") {
  auto r = create(user_rt(), user(R"("id":"client-chosen","meta":{"resourceType":"User"},)"
                                  R"("groups":[{"value":"g1"}],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":)"
                                  R"({"manager":{"value":"m1","displayName":"Boss"}}, "ID": 5, "Meta": "junk")"));
  // Needs the enterprise URN in schemas; add it and retry.
  check_error(r, error_code::invalid_value, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User: schema extension present");
  auto body = *scim::parse_json(R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"], "userName":"b",
      "id":"client-chosen","meta":{"resourceType":"User"},"groups":"not even an array",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"m1","displayName":"Boss"}}})");
  auto ok = create(user_rt(), body);
  REQUIRE_MESSAGE(ok, ok.error().detail);
  check_same(*ok, parse(R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"], "userName":"b",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"m1"}}})"));
  // A readOnly attribute with a wrong type would be an error if it were not ignored.
  check_error(create(widget_rt(), widget(R"("label":{"x":1})")), error_code::invalid_value, "label:");
  CHECK(create(widget_rt(), widget(R"("owner":{"x":1})")));
}

TEST_CASE("writeOnly attributes are accepted on input and never returned") {
  auto r = create(user_rt(), user(R"("password":"t1meMa$heen")"));
  REQUIRE(r);
  CHECK((*r)["password"] == "t1meMa$heen");
  check_error(create(user_rt(), user(R"("password":12345)")), error_code::invalid_value, "password: expected a string");
  auto out = respond(user_rt(), *r);
  REQUIRE(out);
  CHECK_FALSE(out->contains("password"));
  out = respond(user_rt(), *r, {"password", "userName"});
  REQUIRE(out);
  CHECK_FALSE(out->contains("password"));
  CHECK(out->contains("userName"));
  auto w = create(widget_rt(), widget(R"("secret":"s")"));
  REQUIRE(w);
  CHECK((*w)["secret"] == "s");
  out = respond(widget_rt(), *w, {"secret"});
  REQUIRE(out);
  CHECK_FALSE(out->contains("secret"));
}

TEST_CASE("immutable attributes on replace") {
  const json unset = *create(widget_rt(), widget());
  const json set = *create(widget_rt(), widget(R"("serial":"SN-1","spec":{"size":"L","origin":"NL"})"));
  // Currently unset: may be set.
  auto r = replace(widget_rt(), widget(R"("serial":"SN-1")"), unset);
  REQUIRE(r);
  CHECK((*r)["serial"] == "SN-1");
  // The same value again (caseExact=false compares case-insensitively).
  CHECK(replace(widget_rt(), widget(R"("serial":"sn-1","spec":{"size":"M","origin":"NL"})"), set));
  // A different value.
  check_error(replace(widget_rt(), widget(R"("serial":"SN-2")"), set), error_code::mutability, "serial: immutable");
  check_error(replace(widget_rt(), widget(R"("spec":{"size":"L","origin":"BE"})"), set), error_code::mutability,
              "spec.origin: immutable");
  // Omitted: carried over, it cannot be cleared.
  r = replace(widget_rt(), widget(R"("spec":{"size":"S"})"), set);
  REQUIRE(r);
  CHECK((*r)["serial"] == "SN-1");
  CHECK((*r)["spec"] == parse(R"({"size":"S","origin":"NL"})"));
  r = replace(widget_rt(), widget(R"("serial":null)"), set);
  REQUIRE(r);
  CHECK((*r)["serial"] == "SN-1");
  // Create never checks immutability, and replace without `existing` cannot.
  CHECK(create(widget_rt(), widget(R"("serial":"SN-2")")));
  CHECK(scim::validate(widget(R"("serial":"SN-2")"), widget_rt(), test_registry(),
                       validation_context::replace_request));
}

TEST_CASE("immutable attributes inside extensions") {
  const json set = *create(widget_rt(), parse(R"({"schemas":["urn:example:scimpp:2.0:Widget",
      "urn:example:scimpp:2.0:WidgetExtension"],"label":"w",
      "urn:example:scimpp:2.0:WidgetExtension":{"site":"s","rank":3}})"));
  CHECK(replace(widget_rt(), parse(R"({"schemas":["urn:example:scimpp:2.0:Widget",
      "urn:example:scimpp:2.0:WidgetExtension"],"label":"w",
      "urn:example:scimpp:2.0:WidgetExtension":{"site":"t","rank":3}})"), set));
  check_error(replace(widget_rt(), parse(R"({"schemas":["urn:example:scimpp:2.0:Widget",
      "urn:example:scimpp:2.0:WidgetExtension"],"label":"w",
      "urn:example:scimpp:2.0:WidgetExtension":{"site":"t","rank":4}})"), set),
              error_code::mutability, "urn:example:scimpp:2.0:WidgetExtension:rank: immutable");
}

TEST_CASE("replacing Group members is not an immutability violation") {
  const json group = load("group.json");
  auto existing = create(group_rt(), group);
  REQUIRE(existing);
  auto body = parse(R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Tour Guides",
                        "members":[{"value":"someone-else"}]})");
  auto r = replace(group_rt(), body, *existing);
  REQUIRE_MESSAGE(r, r.error().detail);
  CHECK((*r)["members"] == parse(R"([{"value":"someone-else"}])"));
}

TEST_CASE("at most one primary value per multi-valued attribute") {
  CHECK(create(user_rt(), user(R"("emails":[{"value":"a@x","primary":true},{"value":"b@x","primary":false}])")));
  CHECK(create(user_rt(), user(R"("emails":[{"value":"a@x","primary":false},{"value":"b@x","primary":false}])")));
  check_error(create(user_rt(), user(R"("emails":[{"value":"a@x","primary":true},{"value":"b@x","Primary":true}])")),
              error_code::invalid_value, "emails: more than one value has primary set to true");
  check_error(create(widget_rt(), widget(R"("parts":[{"name":"a","primary":true},{"name":"b","primary":true}])")),
              error_code::invalid_value, "parts: more than one");
}

TEST_CASE("canonicalValues are enforced only where the schema says so") {
  auto r = create(widget_rt(), widget(R"("color":"RED")"));
  REQUIRE(r);
  CHECK((*r)["color"] == "red");  // rewritten to the canonical spelling
  check_error(create(widget_rt(), widget(R"("color":"blue")")), error_code::invalid_value,
              "color: value is not one of the canonical values (red, green)");
  CHECK(create(widget_rt(), widget(R"("shade":"Dark")")));
  check_error(create(widget_rt(), widget(R"("shade":"dark")")), error_code::invalid_value, "shade:");
  // Advisory lists (all of the RFC core schemas) accept anything.
  CHECK(create(widget_rt(), widget(R"("flavor":"umami")")));
  CHECK(create(user_rt(), user(R"("emails":[{"value":"a@x","type":"custom"}])")));
}

TEST_CASE("schemas must be present and list the core schema") {
  check_error(create(user_rt(), parse(R"({"userName":"b"})")), error_code::invalid_value,
              "schemas: required attribute is missing");
  check_error(create(user_rt(), parse(R"({"schemas":null,"userName":"b"})")), error_code::invalid_value,
              "schemas: required");
  check_error(create(user_rt(), parse(R"({"schemas":"urn:ietf:params:scim:schemas:core:2.0:User","userName":"b"})")),
              error_code::invalid_value, "schemas: expected an array");
  check_error(create(user_rt(), parse(R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",7],"userName":"b"})")),
              error_code::invalid_value, "schemas[1]: expected a string");
  check_error(create(user_rt(), parse(R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"userName":"b"})")),
              error_code::invalid_value, "schemas: must list the core schema");
  check_error(create(user_rt(), parse(R"({"schemas":[],"userName":"b"})")), error_code::invalid_value,
              "schemas: must list");
  CHECK(create(user_rt(), user()));
}

TEST_CASE("extension objects must be listed in schemas and registered for the resource type") {
  const std::string ent = R"("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"d"})";
  check_error(create(user_rt(), user(ent)), error_code::invalid_value,
              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User: schema extension present in the body but not "
              "listed in schemas");
  check_error(create(user_rt(), parse(R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"userName":"b",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":"Tours"})")),
              error_code::invalid_value, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User: expected a JSON object");
  // Listed but absent: fine, and dropped from the canonical schemas.
  auto r = create(user_rt(), parse(R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"userName":"b"})"));
  REQUIRE(r);
  CHECK((*r)["schemas"] == json::array({"urn:ietf:params:scim:schemas:core:2.0:User"}));
  // The enterprise extension is not an extension of Group: an unknown object.
  const json group_body = parse(R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"displayName":"g",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"d"}})");
  validation_options reject;
  reject.unknown_attributes = scim::unknown_attribute_policy::reject;
  check_error(create(group_rt(), group_body, reject), error_code::invalid_syntax,
              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User: attribute is not defined");
  validation_options drop;
  drop.unknown_attributes = scim::unknown_attribute_policy::drop;
  auto g = create(group_rt(), group_body, drop);
  REQUIRE(g);
  check_same(*g, parse(R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"g"})"));
}

TEST_CASE("unknown URNs listed only in schemas are ignored (Entra ID)") {
  auto body = parse(R"({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User"],
    "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
    "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
    "active": true,
    "emails": [{"primary": true, "type": "work", "value": "Test_User_fd0ea19b@testuser.com"}],
    "meta": {"resourceType": "User"},
    "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
    "roles": [],
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "nsd", "department": "NN"}
  })");
  validation_options reject;
  reject.unknown_attributes = scim::unknown_attribute_policy::reject;
  auto r = create(user_rt(), body, reject);
  REQUIRE_MESSAGE(r, r.error().detail);
  CHECK((*r)["schemas"] == json::array({"urn:ietf:params:scim:schemas:core:2.0:User",
                                        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}));
  CHECK_FALSE(r->contains("meta"));
  CHECK_FALSE(r->contains("roles"));
  CHECK((*r)["externalId"] == "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef");
}

TEST_CASE("unknown attributes: keep, drop or reject") {
  const json body = user(R"("nickname2":"x","name":{"givenName":"B","petName":"Babs"},)"
                         R"("urn:example:other:1.0:Thing":{"a":1})");
  auto kept = create(user_rt(), body);
  REQUIRE(kept);
  CHECK((*kept)["nickname2"] == "x");
  CHECK((*kept)["name"]["petName"] == "Babs");
  CHECK((*kept)["urn:example:other:1.0:Thing"] == parse(R"({"a":1})"));
  CHECK((*kept)["schemas"] == json::array({"urn:ietf:params:scim:schemas:core:2.0:User"}));  // not listed by the client

  validation_options drop;
  drop.unknown_attributes = scim::unknown_attribute_policy::drop;
  auto dropped = create(user_rt(), body, drop);
  REQUIRE(dropped);
  check_same(*dropped, user(R"("name":{"givenName":"B"})"));

  validation_options reject;
  reject.unknown_attributes = scim::unknown_attribute_policy::reject;
  check_error(create(user_rt(), user(R"("nickname2":"x")"), reject), error_code::invalid_syntax,
              "nickname2: attribute is not defined");
  check_error(create(user_rt(), user(R"("name":{"petName":"Babs"})"), reject), error_code::invalid_syntax,
              "name.petName: attribute is not defined");
  check_error(create(user_rt(), user(R"("emails":[{"value":"a@x","label":"l"}])"), reject),
              error_code::invalid_syntax, "emails[0].label: attribute is not defined");
  CHECK(create(user_rt(), user(R"("nickname2":null)"), reject));  // null is unassigned, nothing to reject

  // A kept unknown URN object that the client listed stays listed.
  auto listed = create(user_rt(), parse(R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",
      "urn:example:other:1.0:Thing"],"userName":"b","urn:example:other:1.0:Thing":{"a":1}})"));
  REQUIRE(listed);
  CHECK((*listed)["schemas"] == json::array({"urn:ietf:params:scim:schemas:core:2.0:User", "urn:example:other:1.0:Thing"}));

  // Responses: keep returns them by default, drop/reject remove them.
  auto out = respond(user_rt(), *kept);
  REQUIRE(out);
  CHECK((*out)["nickname2"] == "x");
  validation_options o;
  o.unknown_attributes = scim::unknown_attribute_policy::reject;
  out = scim::validate(*kept, user_rt(), test_registry(), validation_context::response, o);
  REQUIRE(out);
  CHECK_FALSE(out->contains("nickname2"));
  CHECK_FALSE((*out)["name"].contains("petName"));
}

TEST_CASE("response: returned never, always, request and default") {
  const json stored = parse(R"({"schemas":["urn:example:scimpp:2.0:Widget","urn:example:scimpp:2.0:WidgetExtension"],
      "id":"w-1","label":"w","code":"C","note":"N","secret":"S","owner":"o",
      "parts":[{"name":"p","pin":"1234","partId":"P1"}],
      "urn:example:scimpp:2.0:WidgetExtension":{"site":"s"}})");
  auto out = respond(widget_rt(), stored);
  REQUIRE(out);
  check_same(*out, parse(R"({"schemas":["urn:example:scimpp:2.0:Widget","urn:example:scimpp:2.0:WidgetExtension"],
      "id":"w-1","label":"w","code":"C","owner":"o","parts":[{"name":"p","partId":"P1"}],
      "urn:example:scimpp:2.0:WidgetExtension":{"site":"s"}})"));
  // request: only when named.
  out = respond(widget_rt(), stored, {"note"});
  REQUIRE(out);
  check_same(*out, parse(R"({"schemas":["urn:example:scimpp:2.0:Widget","urn:example:scimpp:2.0:WidgetExtension"],
      "id":"w-1","code":"C","note":"N","parts":[{"partId":"P1"}]})"));
  // always survives exclusion, never survives selection.
  out = respond(widget_rt(), stored, {}, {"id", "code", "schemas", "label", "parts"});
  REQUIRE(out);
  CHECK(out->contains("id"));
  CHECK(out->contains("code"));
  CHECK(out->contains("schemas"));
  CHECK_FALSE(out->contains("label"));
  CHECK_FALSE(out->contains("parts"));
  out = respond(widget_rt(), stored, {"parts.pin", "secret", "parts.name"});
  REQUIRE(out);
  CHECK((*out)["parts"] == parse(R"([{"name":"p","partId":"P1"}])"));
  CHECK_FALSE(out->contains("secret"));
}

TEST_CASE("response: attributes selects, excludedAttributes removes") {
  const json stored = load("enterprise_user.json");
  auto out = respond(user_rt(), stored, {"userName", "name.givenName", "emails.value"});
  REQUIRE(out);
  check_same(*out, parse(R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
      "id":"2819c223-7f76-453a-919d-413861904646","userName":"bjensen@example.com",
      "name":{"givenName":"Barbara"},"emails":[{"value":"bjensen@example.com"},{"value":"babs@jensen.org"}]})"));

  // Case-insensitive and URN-qualified paths.
  out = respond(user_rt(), stored, {"USERNAME", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:DEPARTMENT",
                                    "urn:ietf:params:scim:schemas:core:2.0:User:Name.FamilyName", "meta.created"});
  REQUIRE(out);
  check_same(*out, parse(R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
      "id":"2819c223-7f76-453a-919d-413861904646","userName":"bjensen@example.com","name":{"familyName":"Jensen"},
      "meta":{"created":"2010-01-23T04:56:22Z"},
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Tour Operations"}})"));

  // A bare extension URN selects or excludes the whole extension.
  out = respond(user_rt(), stored, {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:user"});
  REQUIRE(out);
  CHECK((*out)["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] ==
        stored["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]);
  CHECK_FALSE(out->contains("userName"));
  out = respond(user_rt(), stored, {}, {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"});
  REQUIRE(out);
  CHECK_FALSE(out->contains("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"));
  CHECK(out->contains("userName"));

  // excludedAttributes: whole attributes and sub-attributes.
  out = respond(user_rt(), stored, {}, {"emails.type", "NAME", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"});
  REQUIRE(out);
  CHECK_FALSE(out->contains("name"));
  CHECK((*out)["emails"] == parse(R"([{"value":"bjensen@example.com","primary":true},{"value":"babs@jensen.org"}])"));
  CHECK_FALSE((*out)["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].contains("manager"));
  CHECK((*out)["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"] == "Tour Operations");
  CHECK(out->contains("meta"));

  // Both together: the exclusion applies to the selection.
  out = respond(user_rt(), stored, {"name", "emails"}, {"name.middleName"});
  REQUIRE(out);
  CHECK_FALSE((*out)["name"].contains("middleName"));
  CHECK((*out)["name"].contains("givenName"));
  CHECK(out->contains("emails"));
  CHECK_FALSE(out->contains("userName"));
}

TEST_CASE("response: unknown paths are ignored") {
  const json stored = load("full_user.json");
  auto out = respond(user_rt(), stored, {}, {"noSuchAttribute", "name.nope", "urn:example:nope:attr", "emails[type eq \"work\"]"});
  REQUIRE(out);
  auto full = respond(user_rt(), stored);
  REQUIRE(full);
  check_same(*out, *full);
  // Selection by unknown paths only: just the always-returned attributes.
  out = respond(user_rt(), stored, {"noSuchAttribute"});
  REQUIRE(out);
  check_same(*out, parse(R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
                             "id":"2819c223-7f76-453a-919d-413861904646"})"));
}

TEST_CASE("response: nulls and empty values are dropped, names canonicalised") {
  const json stored = parse(R"({"Schemas":["urn:example:scimpp:2.0:widget"],"id":"w","LABEL":"l","tags":[null,"a"],
      "count":null,"parts":[null,{"name":null}],"spec":{},"urn:example:scimpp:2.0:widgetextension":{"Site":"s"}})");
  auto out = respond(widget_rt(), stored);
  REQUIRE(out);
  check_same(*out, parse(R"({"schemas":["urn:example:scimpp:2.0:Widget"],"id":"w","label":"l","tags":["a"],
      "urn:example:scimpp:2.0:WidgetExtension":{"site":"s"}})"));
}

TEST_CASE("response: naming a complex parent includes its request sub-attributes") {
  scim::schema_registry reg = test_registry();
  scim::schema s = *reg.find_schema(widget_urn);
  for (auto& a : s.attributes)
    if (a.name == "spec") a.sub_attributes[1].returned = scim::attribute_returned::request;  // spec.unit
  reg.add_schema(s);
  const json stored = widget(R"("spec":{"size":"L","unit":"cm"})");
  const auto& rt = *reg.find_resource_type("Widget");
  validation_options o;
  auto out = scim::validate(stored, rt, reg, validation_context::response, o);
  REQUIRE(out);
  CHECK((*out)["spec"] == parse(R"({"size":"L"})"));
  o.attributes = {"spec"};
  out = scim::validate(stored, rt, reg, validation_context::response, o);
  REQUIRE(out);
  CHECK((*out)["spec"] == parse(R"({"size":"L","unit":"cm"})"));
  o.attributes = {"spec.size"};
  out = scim::validate(stored, rt, reg, validation_context::response, o);
  REQUIRE(out);
  CHECK((*out)["spec"] == parse(R"({"size":"L"})"));
}

TEST_CASE("Group: excludedAttributes=members (Entra ID lookup)") {
  auto out = respond(group_rt(), load("group.json"), {}, {"members"});
  REQUIRE(out);
  CHECK_FALSE(out->contains("members"));
  CHECK((*out)["displayName"] == "Tour Guides");
  CHECK((*out)["id"] == "e9e30dba-f08f-4109-8486-d5c6a331660a");
}

TEST_CASE("RFC 7643 section 8 examples validate in every context") {
  for (const char* file : {"minimal_user.json", "full_user.json", "enterprise_user.json", "group.json"}) {
    CAPTURE(file);
    const json doc = load(file);
    const bool is_group = std::string_view(file) == "group.json";
    const auto& rt = is_group ? group_rt() : user_rt();

    json expected_input = doc;
    expected_input.erase("id");
    expected_input.erase("meta");
    expected_input.erase("groups");
    const std::string ent(scim::urn::enterprise_user);
    if (expected_input.contains(ent)) expected_input[ent]["manager"].erase("displayName");

    auto c = create(rt, doc);
    REQUIRE_MESSAGE(c, c.error().detail);
    check_same(*c, expected_input);

    auto p = replace(rt, doc, doc);
    REQUIRE_MESSAGE(p, p.error().detail);
    check_same(*p, expected_input);

    json expected_output = doc;
    expected_output.erase("password");
    auto out = respond(rt, doc);
    REQUIRE_MESSAGE(out, out.error().detail);
    check_same(*out, expected_output);
  }
}

TEST_CASE("a resource type whose schemas are not registered is a 500") {
  scim::resource_type rt;
  rt.name = "Ghost";
  rt.schema = "urn:example:ghost";
  auto r = scim::validate(parse(R"({"schemas":["urn:example:ghost"]})"), rt, test_registry(),
                          validation_context::create_request);
  REQUIRE_FALSE(r);
  CHECK(r.error().status == 500);
  rt.schema = std::string(scim::urn::user);
  rt.schema_extensions = {{"urn:example:ghost-ext", false}};
  r = scim::validate(user(), rt, test_registry(), validation_context::response);
  REQUIRE_FALSE(r);
  CHECK(r.error().status == 500);
}

TEST_CASE("errors render as SCIM error bodies with status 400") {
  auto r = create(user_rt(), user(R"("active":"True")"));
  REQUIRE_FALSE(r);
  json body = r.error();
  CHECK(body["status"] == "400");
  CHECK(body["scimType"] == "invalidValue");
  CHECK(body["detail"] == "active: expected a boolean");
}
