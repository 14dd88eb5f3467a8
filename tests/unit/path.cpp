#include "scim/path.hpp"

#include <doctest/doctest.h>

#include "scim/filter/parser.hpp"
#include "scim/filter/printer.hpp"

#include <sstream>
#include <string>
#include <string_view>

namespace {

constexpr std::string_view enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

scim::attribute_path path_of(std::string_view text) {
  auto p = scim::parse_attribute_path(text);
  REQUIRE(p);
  return *p;
}

}  // namespace

TEST_SUITE("attribute paths") {
  TEST_CASE("plain names and sub-attributes") {
    auto p = path_of("userName");
    CHECK(p.urn.empty());
    CHECK(p.name == "userName");
    CHECK(p.sub_attribute.empty());
    CHECK_FALSE(p.has_urn());
    CHECK_FALSE(p.has_sub_attribute());

    p = path_of("name.givenName");
    CHECK(p.name == "name");
    CHECK(p.sub_attribute == "givenName");
    CHECK(p.has_sub_attribute());

    p = path_of("x-y_z9.a-1_b");
    CHECK(p.name == "x-y_z9");
    CHECK(p.sub_attribute == "a-1_b");
  }

  TEST_CASE("the URN is everything before the last ':'") {
    auto p = path_of("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value");
    CHECK(p.urn == enterprise);
    CHECK(p.name == "manager");
    CHECK(p.sub_attribute == "value");

    p = path_of("urn:ietf:params:scim:schemas:core:2.0:User:name.familyName");
    CHECK(p.urn == "urn:ietf:params:scim:schemas:core:2.0:User");
    CHECK(p.name == "name");
    CHECK(p.sub_attribute == "familyName");

    p = path_of("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber");
    CHECK(p.urn == enterprise);
    CHECK(p.name == "employeeNumber");

    // A bare schema URN splits like any other path; the caller decides
    // whether "User" is an attribute or the end of a schema URN.
    p = path_of(enterprise);
    CHECK(p.urn == "urn:ietf:params:scim:schemas:extension:enterprise:2.0");
    CHECK(p.name == "User");
  }

  TEST_CASE("$ref is an attribute name (errata 8924)") {
    auto p = path_of("members.$ref");
    CHECK(p.name == "members");
    CHECK(p.sub_attribute == "$ref");
    CHECK(path_of("$ref").name == "$ref");
    CHECK(path_of("groups.$Ref").sub_attribute == "$Ref");
    CHECK(scim::is_valid_attribute_name("$ref"));
    CHECK(scim::is_valid_attribute_name("userName"));
    CHECK(scim::is_valid_attribute_name("a"));
    CHECK_FALSE(scim::is_valid_attribute_name("$refs"));
    CHECK_FALSE(scim::is_valid_attribute_name("$other"));
    CHECK_FALSE(scim::is_valid_attribute_name(""));
    CHECK_FALSE(scim::is_valid_attribute_name("1a"));
    CHECK_FALSE(scim::is_valid_attribute_name("a.b"));
    CHECK_FALSE(scim::is_valid_attribute_name("-a"));
  }

  TEST_CASE("names keep their spelling and compare case-insensitively") {
    const auto a = path_of("URN:IETF:params:scim:schemas:core:2.0:User:Name.GivenName");
    const auto b = path_of("urn:ietf:params:scim:schemas:core:2.0:user:name.givenname");
    CHECK(a.name == "Name");
    CHECK(a == b);
    CHECK(a.view() == b.view());
    CHECK(a == b.view());
    CHECK_FALSE(path_of("name.givenName") == path_of("name.familyName"));
    CHECK_FALSE(path_of("name") == path_of("name.givenName"));
    CHECK_FALSE(path_of("userName") == path_of("urn:x:y:userName"));
    scim::attribute_path built{.name = "userName"};
    CHECK(built == path_of("USERNAME"));
  }

  TEST_CASE("printing gives the path back as written") {
    for (const std::string_view text :
         {"userName", "name.givenName", "members.$ref",
          "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"}) {
      CHECK(to_string(path_of(text)) == text);
      std::ostringstream os;
      os << path_of(text);
      CHECK(os.str() == text);
    }
    CHECK(scim::to_string(scim::attribute_path{"urn:a:b", "c", "d"}) == "urn:a:b:c.d");
  }

  TEST_CASE("views point into the parsed text") {
    const std::string text = "urn:a:b:name.givenName";
    auto v = scim::parse_attribute_path_view(text);
    REQUIRE(v);
    CHECK(v->urn == "urn:a:b");
    CHECK(v->name.data() == text.data() + 8);
    CHECK(v->sub_attribute == "givenName");
    CHECK(scim::attribute_path::from(*v) == path_of(text));
  }

  TEST_CASE("invalid paths are invalidPath with the offset of the problem") {
    struct c {
      std::string_view text;
      std::size_t pos;
      const char* detail;
    };
    const c cases[] = {
        {"", 0, "empty attribute path"},
        {"1abc", 0, "must start with a letter"},
        {"_a", 0, "must start with a letter"},
        {"a.", 2, "expected a sub-attribute name"},
        {"a.1", 2, "must start with a letter"},
        {"a.b.c", 3, "at most one sub-attribute"},
        {"a b", 1, "invalid character ' '"},
        {"a[x]", 1, "invalid character '['"},
        {"na\xC3\xA9me", 2, "non-ASCII"},
        {"foo:bar", 0, "invalid schema URI 'foo'"},
        {":name", 0, "invalid schema URI"},
        {"urn:x:", 6, "expected an attribute name after the schema URI"},
        {"urn:x y:name", 5, "invalid schema URI"},
        {"urn::name", 3, "invalid schema URI"},
        {"$refx", 0, "must start with a letter"},
        {"a.$refx", 2, "must start with a letter"},
        {"a.$ref.b", 6, "at most one sub-attribute"},
        {std::string_view("a\0b", 3), 1, "U+0000"},
    };
    for (const auto& k : cases) {
      CAPTURE(k.text);
      auto p = scim::parse_attribute_path(k.text);
      REQUIRE_FALSE(p);
      CHECK(p.error().code == scim::error_code::invalid_path);
      CHECK(p.error().status == 400);
      CHECK(p.error().position == k.pos);
      CHECK(p.error().detail.find(k.detail) != std::string::npos);
      CHECK_FALSE(scim::parse_attribute_path_view(k.text));
    }
  }
}

TEST_SUITE("PATCH paths") {
  TEST_CASE("plain attribute paths") {
    auto p = scim::parse_patch_path("name.familyName");
    REQUIRE(p);
    CHECK(p->attribute == path_of("name.familyName"));
    CHECK_FALSE(p->has_value_filter());
    CHECK(p->sub_attribute.empty());

    p = scim::parse_patch_path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value");
    REQUIRE(p);
    CHECK(p->attribute.urn == enterprise);
    CHECK(p->attribute.name == "manager");
    CHECK(p->attribute.sub_attribute == "value");
    CHECK_FALSE(p->has_value_filter());
  }

  TEST_CASE("value paths select elements of a multi-valued attribute") {
    auto p = scim::parse_patch_path("members[value eq \"2819c223-7f76-453a-919d-413861904646\"]");
    REQUIRE(p);
    CHECK(p->attribute.name == "members");
    CHECK(p->attribute.sub_attribute.empty());
    REQUIRE(p->has_value_filter());
    const auto& f = *p->value_filter;
    const auto& n = f.root_node();
    CHECK(n.kind == scim::filter::node_kind::compare);
    CHECK(n.op == scim::filter::compare_op::eq);
    CHECK(f.path(n).name == "value");
    CHECK(f.string_value(n) == "2819c223-7f76-453a-919d-413861904646");
    CHECK(p->sub_attribute.empty());
    CHECK(to_string(f) == "value eq \"2819c223-7f76-453a-919d-413861904646\"");
  }

  TEST_CASE("value paths with a trailing sub-attribute") {
    auto p = scim::parse_patch_path("emails[type eq \"work\"].value");
    REQUIRE(p);
    CHECK(p->attribute.name == "emails");
    REQUIRE(p->has_value_filter());
    CHECK(to_string(*p->value_filter) == "type eq \"work\"");
    CHECK(p->sub_attribute == "value");

    p = scim::parse_patch_path("addresses[type eq \"work\"].streetAddress");
    REQUIRE(p);
    CHECK(p->attribute.name == "addresses");
    CHECK(p->sub_attribute == "streetAddress");

    p = scim::parse_patch_path("members[value eq \"2819c223\"].displayName");
    REQUIRE(p);
    CHECK(p->sub_attribute == "displayName");

    p = scim::parse_patch_path("emails[type eq \"work\" and value ew \"example.com\"]");
    REQUIRE(p);
    CHECK(p->value_filter->root_node().kind == scim::filter::node_kind::logical_and);

    p = scim::parse_patch_path("urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq \"work\"].value");
    REQUIRE(p);
    CHECK(p->attribute.urn == "urn:ietf:params:scim:schemas:core:2.0:User");
    CHECK(p->attribute.name == "emails");
    CHECK(p->sub_attribute == "value");

    p = scim::parse_patch_path("members[not (value eq \"1\") and (display pr or value sw \"x\")].$ref");
    REQUIRE(p);
    CHECK(p->sub_attribute == "$ref");
  }

  TEST_CASE("PATCH paths print back canonically") {
    for (const std::string_view text :
         {"members", "name.givenName", "members[value eq \"2819c223\"]", "emails[type eq \"work\"].value",
          "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
          "emails[type eq \"work\" and not (primary eq true)].display"}) {
      auto p = scim::parse_patch_path(text);
      REQUIRE(p);
      CHECK(to_string(*p) == text);
    }
    auto p = scim::parse_patch_path("emails[TYPE EQ \"work\"   and  primary eq TRUE].value");
    REQUIRE(p);
    CHECK(to_string(*p) == "emails[TYPE eq \"work\" and primary eq true].value");
  }

  TEST_CASE("parse options apply inside the brackets") {
    CHECK_FALSE(scim::parse_patch_path("members[value eq 2819c223]"));
    scim::filter::parse_options o;
    o.allow_unquoted_values = true;
    auto p = scim::parse_patch_path("members[value eq 2819c223]", o);
    REQUIRE(p);
    CHECK(to_string(*p) == "members[value eq \"2819c223\"]");
    o = {};
    o.max_length = 8;
    auto longer = scim::parse_patch_path("members[value pr]", o);
    REQUIRE_FALSE(longer);
    CHECK(longer.error().code == scim::error_code::invalid_path);
    CHECK(longer.error().position == 8);
  }

  TEST_CASE("malformed PATCH paths are invalidPath, filter errors included") {
    struct c {
      std::string_view text;
      std::size_t pos;
      const char* detail;
    };
    const c cases[] = {
        {"", 0, "empty path"},
        {"[value eq 1]", 0, "expected an attribute name before '['"},
        {"1members[value eq 1]", 0, "must start with a letter"},
        {"name.givenName[value eq 1]", 14, "cannot follow a sub-attribute"},
        {"members[", 8, "expected an expression after '['"},
        {"members[]", 8, "found ']'"},
        {"members[value eq \"x\"", 7, "unbalanced '['"},
        {"members[value eq \"x]", 17, "unterminated string literal"},
        {"members[value eq]", 16, "expected a value after 'eq'"},
        {"members[value xx 1]", 14, "expected a comparison operator"},
        {"members[value eq 1))", 18, "unbalanced ')'"},
        {"members[value eq 1]x", 19, "expected '.' and a sub-attribute"},
        {"members[value eq 1] ", 19, "expected '.' and a sub-attribute"},
        {"members[value eq 1].", 20, "expected a sub-attribute name"},
        {"members[value eq 1].1x", 20, "must start with a letter"},
        {"members[value eq 1].a.b", 21, "at most one sub-attribute"},
        {"members[value eq 1].a b", 21, "invalid character ' '"},
        {"members[value eq 1][type pr]", 19, "expected '.'"},
        {"members[emails[type pr]]", 14, "cannot be nested"},
        {"members value", 7, "invalid character ' '"},
        {"members.", 8, "expected a sub-attribute name"},
    };
    for (const auto& k : cases) {
      CAPTURE(k.text);
      auto p = scim::parse_patch_path(k.text);
      REQUIRE_FALSE(p);
      CAPTURE(p.error().detail);
      CHECK(p.error().code == scim::error_code::invalid_path);
      CHECK(p.error().status == 400);
      CHECK(p.error().position == k.pos);
      CHECK(p.error().detail.find(k.detail) != std::string::npos);
    }
  }
}
