#include "scim/query/list_params.hpp"

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "scim/filter/printer.hpp"

using scim::error_code;
using scim::json;
namespace q = scim::query;

namespace {

q::list_query must_parse(std::string_view raw, const q::list_options& opts = {}) {
  auto r = q::parse_list_query_string(raw, opts);
  if (!r) FAIL_CHECK(scim::format_error(r.error()));
  REQUIRE(r);
  return std::move(*r);
}

scim::error must_fail(std::string_view raw, const q::list_options& opts = {}) {
  auto r = q::parse_list_query_string(raw, opts);
  REQUIRE_FALSE(r);
  return r.error();
}

}  // namespace

TEST_CASE("query strings decode '+' as a space and %XX as a byte") {
  auto p = q::parse_query_string("?filter=userName+eq+%22bjensen%40example.com%22&a%2Bb=c%2bd");
  REQUIRE(p);
  REQUIRE(p->size() == 2);
  CHECK(p->find("filter")->second == R"(userName eq "bjensen@example.com")");
  CHECK(p->find("a+b")->second == "c+d");
}

TEST_CASE("query strings: keys without '=', empty segments and repeated keys") {
  auto p = q::parse_query_string("cursor&&count=2&attributes=a&attributes=b&=ignored&");
  REQUIRE(p);
  CHECK(p->count("cursor") == 1);
  CHECK(p->find("cursor")->second.empty());
  auto range = p->equal_range("attributes");
  std::vector<std::string> values;
  for (auto it = range.first; it != range.second; ++it) values.push_back(it->second);
  CHECK(values == std::vector<std::string>{"a", "b"});
  CHECK(p->count("") == 0);
  CHECK(q::parse_query_string("")->empty());
  CHECK(q::parse_query_string("?")->empty());
}

TEST_CASE("malformed percent-encoding is invalidSyntax with the offset") {
  for (const auto& c : std::vector<std::pair<std::string, std::size_t>>{
           {"filter=%2", 7}, {"filter=%zz", 7}, {"count=1&filter=abc%", 18}, {"%G1=x", 0}, {"a=%0", 2}}) {
    const std::string& raw = c.first;
    const std::size_t offset = c.second;
    CAPTURE(raw);
    auto p = q::parse_query_string(raw);
    REQUIRE_FALSE(p);
    CHECK(p.error().status == 400);
    CHECK(p.error().code == error_code::invalid_syntax);
    REQUIRE(p.error().position);
    CHECK(*p.error().position == offset);
  }
  auto nul = q::parse_query_string("filter=a%00b");
  REQUIRE_FALSE(nul);
  CHECK(nul.error().code == error_code::invalid_syntax);
}

TEST_CASE("query string limits") {
  q::query_string_limits lim;
  lim.max_bytes = 10;
  CHECK_FALSE(q::parse_query_string("filter=abcdef", lim));
  lim.max_bytes = 1000;
  lim.max_parameters = 2;
  CHECK(q::parse_query_string("a=1&b=2", lim));
  auto r = q::parse_query_string("a=1&b=2&c=3", lim);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::invalid_syntax);
}

TEST_CASE("defaults when no parameter is given") {
  auto l = must_parse("");
  CHECK_FALSE(l.filter_text);
  CHECK_FALSE(l.filter);
  CHECK_FALSE(l.sort_by);
  CHECK(l.order == q::sort_order::ascending);
  CHECK(l.start_index == 1);
  CHECK_FALSE(l.start_index_given);
  CHECK_FALSE(l.count);
  CHECK(l.attributes.empty());
  CHECK(l.excluded_attributes.empty());
  CHECK_FALSE(l.uses_cursor());
  q::list_options opts;
  CHECK(q::effective_count(l, opts) == 1000);
  opts.default_count = 100;
  CHECK(q::effective_count(l, opts) == 100);
  opts.default_count = 5000;
  CHECK(q::effective_count(l, opts) == 1000);
}

TEST_CASE("startIndex below 1 is read as 1") {
  for (const char* raw :
       {"startIndex=0", "startIndex=-5", "startIndex=1", "startIndex=-99999999999999999999999"}) {
    CAPTURE(raw);
    auto l = must_parse(raw);
    CHECK(l.start_index == 1);
    CHECK(l.start_index_given);
  }
  CHECK(must_parse("startIndex=42").start_index == 42);
  CHECK(must_parse("startIndex=99999999999999999999999").start_index == INT64_MAX);
}

TEST_CASE("count: 0 stays 0, negative becomes 0, above the maximum is capped") {
  CHECK(must_parse("count=0").count == 0);
  CHECK(must_parse("count=-3").count == 0);
  CHECK(must_parse("count=10").count == 10);
  CHECK(must_parse("count=1000").count == 1000);
  CHECK(must_parse("count=1001").count == 1000);
  CHECK(must_parse("count=99999999999999999999999").count == 1000);
  q::list_options opts;
  opts.max_count = 50;
  auto l = must_parse("count=200", opts);
  CHECK(l.count == 50);
  CHECK(q::effective_count(l, opts) == 50);
  CHECK(q::effective_count(must_parse("count=0"), opts) == 0);
}

TEST_CASE("count and startIndex that are not integers are invalidValue") {
  for (const char* raw : {"count=abc", "count=1.5", "count=", "count=+5", "count=%201", "count=1e3",
                          "startIndex=x", "startIndex=", "startIndex=--1", "count=-"}) {
    CAPTURE(raw);
    auto e = must_fail(raw);
    CHECK(e.status == 400);
    CHECK(e.code == error_code::invalid_value);
  }
  CHECK(must_fail("count=abc").detail == "count: expected an integer, got 'abc'");
  CHECK(must_fail("startIndex=x").detail == "startIndex: expected an integer, got 'x'");
}

TEST_CASE("sortOrder is case-insensitive; anything else is invalidValue") {
  CHECK(must_parse("sortBy=userName&sortOrder=DESCENDING").order == q::sort_order::descending);
  CHECK(must_parse("sortBy=userName&sortOrder=Ascending").order == q::sort_order::ascending);
  CHECK(must_parse("sortBy=userName&sortOrder=descending").order == q::sort_order::descending);
  auto e = must_fail("sortBy=userName&sortOrder=up");
  CHECK(e.code == error_code::invalid_value);
  CHECK(e.detail == "sortOrder: expected 'ascending' or 'descending', got 'up'");
  CHECK(must_fail("sortOrder=").code == error_code::invalid_value);
  CHECK(q::to_string(q::sort_order::descending) == "descending");
}

TEST_CASE("sortBy must be an attribute path") {
  CHECK(must_parse("sortBy=name.familyName").sort_by == "name.familyName");
  CHECK(must_parse("sortBy=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department").sort_by ==
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department");
  for (const char* raw : {"sortBy=user+name", "sortBy=emails[type+eq+%22work%22].value", "sortBy=a.b.c",
                          "sortBy=", "sortBy=1abc"}) {
    CAPTURE(raw);
    auto e = must_fail(raw);
    CHECK(e.code == error_code::invalid_value);
    CHECK(e.detail.rfind("sortBy: ", 0) == 0);
  }
  q::list_options no_sort;
  no_sort.allow_sort = false;
  auto e = must_fail("sortBy=userName", no_sort);
  CHECK(e.code == error_code::invalid_value);
  CHECK(e.detail == "sortBy: sorting is not supported by this service provider");
}

TEST_CASE("filter is parsed; errors are invalidFilter with the position") {
  auto l = must_parse("filter=userName+eq+%22bjensen%22");
  REQUIRE(l.filter_text);
  CHECK(*l.filter_text == R"(userName eq "bjensen")");
  REQUIRE(l.filter);
  CHECK(scim::filter::to_string(*l.filter) == R"(userName eq "bjensen")");
  auto e = must_fail("filter=userName+eq");
  CHECK(e.status == 400);
  CHECK(e.code == error_code::invalid_filter);
  CHECK(e.position);
  // Blank filters mean none.
  CHECK_FALSE(must_parse("filter=").filter);
  CHECK_FALSE(must_parse("filter=+++").filter_text);
}

TEST_CASE("filter limits come from the options") {
  q::list_options opts;
  opts.filter_options.max_length = 8;
  auto e = must_fail("filter=userName+pr", opts);
  CHECK(e.code == error_code::invalid_filter);
}

TEST_CASE("attributes and excludedAttributes are comma-separated paths") {
  auto l = must_parse(
      "attributes=userName,+name.givenName,,urn:ietf:params:scim:schemas:core:2.0:User:emails.value&"
      "excludedAttributes=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User,members");
  CHECK(l.attributes == std::vector<std::string>{"userName", "name.givenName",
                                                 "urn:ietf:params:scim:schemas:core:2.0:User:emails.value"});
  CHECK(l.excluded_attributes ==
        std::vector<std::string>{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "members"});
  // Repeated parameters append.
  CHECK(must_parse("attributes=a&attributes=b,c").attributes == std::vector<std::string>{"a", "b", "c"});
  auto e = must_fail("attributes=userName,na+me");
  CHECK(e.code == error_code::invalid_value);
  CHECK(e.detail.rfind("attributes: 'na me': ", 0) == 0);
  CHECK(must_fail("excludedAttributes=emails[type]").code == error_code::invalid_value);
  q::list_options opts;
  opts.max_attribute_paths = 2;
  CHECK(must_fail("attributes=a,b&excludedAttributes=c", opts).code == error_code::invalid_value);
}

TEST_CASE("a repeated single-valued parameter is invalidValue") {
  for (const char* raw :
       {"filter=a+pr&filter=b+pr", "count=1&count=2", "startIndex=1&StartIndex=2", "sortBy=a&sortby=b",
        "cursor=&cursor=x", "sortOrder=ascending&sortOrder=ascending"}) {
    CAPTURE(raw);
    auto e = must_fail(raw);
    CHECK(e.code == error_code::invalid_value);
    CHECK(e.detail.find("more than once") != std::string::npos);
  }
}

TEST_CASE("parameter names are case-insensitive and unknown ones are ignored") {
  auto l = must_parse(
      "Filter=userName+pr&STARTINDEX=3&Count=4&SORTBY=userName&sortorder=descending&"
      "ATTRIBUTES=userName&excludedattributes=emails&foo=bar");
  CHECK(l.filter);
  CHECK(l.start_index == 3);
  CHECK(l.count == 4);
  CHECK(l.sort_by == "userName");
  CHECK(l.order == q::sort_order::descending);
  CHECK(l.attributes == std::vector<std::string>{"userName"});
  CHECK(l.excluded_attributes == std::vector<std::string>{"emails"});
  CHECK(must_parse("CURSOR&COUNT=1").cursor == "");
}

TEST_CASE("cursor: empty asks for the first page; it cannot be combined with startIndex") {
  auto first = must_parse("cursor=&count=10");
  REQUIRE(first.cursor);
  CHECK(first.cursor->empty());
  CHECK(first.uses_cursor());
  CHECK(must_parse("cursor").cursor == "");
  CHECK(must_parse("cursor=abc.def").cursor == "abc.def");
  auto e = must_fail("cursor=&startIndex=1");
  CHECK(e.code == error_code::invalid_value);
  q::list_options opts;
  opts.allow_cursor = false;
  CHECK(must_fail("cursor=", opts).code == error_code::invalid_value);
  opts.allow_cursor = true;
  opts.max_cursor_length = 4;
  auto long_cursor = must_fail("cursor=abcdef", opts);
  CHECK(long_cursor.code == error_code::invalid_cursor);
  CHECK(long_cursor.status == 400);
}

TEST_CASE("parse_list_query accepts other maps of parameters") {
  std::vector<std::pair<std::string, std::string>> v{{"count", "5"}, {"filter", "title pr"}};
  auto a = q::parse_list_query(v);
  REQUIRE(a);
  CHECK(a->count == 5);
  std::map<std::string, std::string> m{{"startIndex", "7"}};
  auto b = q::parse_list_query(m);
  REQUIRE(b);
  CHECK(b->start_index == 7);
}

// ---- POST .search ----------------------------------------------------------------

namespace {

json search(std::string_view extra) {
  std::string text = R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]})";
  if (!extra.empty()) text = text.substr(0, text.size() - 1) + "," + std::string(extra) + "}";
  return json::parse(text);
}

}  // namespace

TEST_CASE("a search request body") {
  auto r = q::parse_search_request(search(R"(
    "attributes": ["displayName", "userName"], "excludedAttributes": ["emails"],
    "filter": "displayName sw \"smith\"", "startIndex": 1, "count": 10,
    "sortBy": "userName", "sortOrder": "Descending")"));
  REQUIRE(r);
  CHECK(r->attributes == std::vector<std::string>{"displayName", "userName"});
  CHECK(r->excluded_attributes == std::vector<std::string>{"emails"});
  CHECK(r->filter_text == R"(displayName sw "smith")");
  CHECK(r->filter);
  CHECK(r->start_index == 1);
  CHECK(r->start_index_given);
  CHECK(r->count == 10);
  CHECK(r->sort_by == "userName");
  CHECK(r->order == q::sort_order::descending);
}

TEST_CASE("search bodies: names are case-insensitive, null is absent, a string list is accepted") {
  auto r = q::parse_search_request(search(R"("Filter": "userName pr", "COUNT": -1, "StartIndex": 0,
    "attributes": "userName, name.givenName", "excludedAttributes": null, "cursor": null, "other": 1)"));
  REQUIRE(r);
  CHECK(r->filter);
  CHECK(r->count == 0);
  CHECK(r->start_index == 1);
  CHECK(r->attributes == std::vector<std::string>{"userName", "name.givenName"});
  CHECK(r->excluded_attributes.empty());
  CHECK_FALSE(r->cursor);
  CHECK(q::parse_search_request(search(R"("count": 5000)"))->count == 1000);
  CHECK(q::parse_search_request(search(R"("cursor": "")"))->cursor == "");
}

TEST_CASE("search bodies: errors") {
  auto code_of = [](const json& body, const q::list_options& opts = {}) {
    auto r = q::parse_search_request(body, opts);
    REQUIRE_FALSE(r);
    CHECK(r.error().status == 400);
    return r.error().code;
  };
  CHECK(code_of(json::array()) == error_code::invalid_syntax);
  CHECK(code_of(json::parse(R"({"filter": "userName pr"})")) == error_code::invalid_syntax);
  CHECK(code_of(json::parse(R"({"schemas": ["urn:x"], "filter": "userName pr"})")) ==
        error_code::invalid_syntax);
  CHECK(code_of(search(R"("count": "10")")) == error_code::invalid_value);
  CHECK(code_of(search(R"("count": 10.5)")) == error_code::invalid_value);
  CHECK(code_of(search(R"("startIndex": true)")) == error_code::invalid_value);
  CHECK(code_of(search(R"("filter": 3)")) == error_code::invalid_value);
  CHECK(code_of(search(R"("filter": "userName eq")")) == error_code::invalid_filter);
  CHECK(code_of(search(R"("attributes": [1])")) == error_code::invalid_value);
  CHECK(code_of(search(R"("attributes": {"a": 1})")) == error_code::invalid_value);
  CHECK(code_of(search(R"("attributes": ["bad path"])")) == error_code::invalid_value);
  CHECK(code_of(search(R"("sortOrder": "sideways")")) == error_code::invalid_value);
  CHECK(code_of(search(R"("filter": "a pr", "FILTER": "b pr")")) == error_code::invalid_syntax);
  CHECK(code_of(search(R"("cursor": "", "startIndex": 2)")) == error_code::invalid_value);
  auto detail = q::parse_search_request(search(R"("count": "10")")).error().detail;
  CHECK(detail == "count: expected an integer, got a string");
  q::list_options lenient;
  lenient.require_search_schema = false;
  CHECK(q::parse_search_request(json::parse(R"({"count": 3})"), lenient)->count == 3);
}

TEST_CASE("search bodies from text") {
  auto r = q::parse_search_request_text(
      R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"count":2})");
  REQUIRE(r);
  CHECK(r->count == 2);
  auto bad = q::parse_search_request_text("{");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == error_code::invalid_syntax);
}
