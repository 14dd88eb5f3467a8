#include "scim/filter/parser.hpp"

#include <doctest/doctest.h>

#include "scim/filter/printer.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace {

using scim::filter::compare_op;
using scim::filter::node;
using scim::filter::node_id;
using scim::filter::node_kind;
using scim::filter::parse;
using scim::filter::parse_options;
using scim::filter::value_kind;

// The tree as an s-expression: (eq path value), (pr path), (and ...),
// (or ...), (not x), ([] path x). Paths as written, values canonical.
void sexpr(const scim::filter::filter& f, node_id id, std::string& out) {
  const node& n = f[id];
  switch (n.kind) {
    case node_kind::compare:
      out += "(";
      out += to_string(n.op);
      out += " ";
      out += f.path_text(n);
      out += " ";
      scim::filter::detail::append_literal(out, f, n);
      out += ")";
      return;
    case node_kind::present:
      out += "(pr ";
      out += f.path_text(n);
      out += ")";
      return;
    case node_kind::value_filter:
      out += "([] ";
      out += f.path_text(n);
      out += " ";
      sexpr(f, n.first_child, out);
      out += ")";
      return;
    case node_kind::logical_not:
      out += "(not ";
      sexpr(f, n.first_child, out);
      out += ")";
      return;
    case node_kind::logical_and:
    case node_kind::logical_or:
      out += n.kind == node_kind::logical_and ? "(and" : "(or";
      for (const node_id c : f.children(n)) {
        out += " ";
        sexpr(f, c, out);
      }
      out += ")";
      return;
  }
}

std::string sexpr(const scim::filter::filter& f) {
  std::string out;
  if (!f.empty()) sexpr(f, f.root(), out);
  return out;
}

std::string tree(std::string_view text, const parse_options& o = {}) {
  auto r = parse(text, o);
  if (!r) return "error: " + scim::format_error(r.error());
  return sexpr(*r);
}

parse_options options_from(const nlohmann::json& j) {
  parse_options o;
  if (!j.is_object()) return o;
  if (auto it = j.find("allow_unquoted_values"); it != j.end() && it->is_boolean())
    o.allow_unquoted_values = it->get<bool>();
  if (auto it = j.find("allow_value_path_sub_attribute"); it != j.end() && it->is_boolean())
    o.allow_value_path_sub_attribute = it->get<bool>();
  return o;
}

nlohmann::json load_corpus() {
  std::ifstream in(SCIMPP_TEST_DATA_DIR "/filter/parse_cases.json", std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str(), nullptr, false);
}

std::string str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const node& root_of(const scim::expected<scim::filter::filter>& r) {
  return r->root_node();
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TEST_SUITE("filter parser") {
  TEST_CASE("corpus: valid filters parse, print canonically and round-trip") {
    const auto corpus = load_corpus();
    REQUIRE_FALSE(corpus.is_discarded());
    REQUIRE(corpus.contains("valid"));
    int checked = 0;
    for (const auto& c : corpus["valid"]) {
      const std::string text = str(c, "filter");
      const parse_options o = options_from(c.contains("options") ? c["options"] : nlohmann::json());
      CAPTURE(text);
      auto r = parse(text, o);
      if (!r) FAIL_CHECK(scim::format_error(r.error()));
      REQUIRE(r);
      const std::string printed = to_string(*r);
      CHECK(printed == str(c, "canonical"));
      if (c.contains("tree")) CHECK(sexpr(*r) == str(c, "tree"));
      // parse(print(ast)) == ast, with and without the tolerances.
      auto again = parse(printed);
      REQUIRE(again);
      CHECK(*again == *r);
      CHECK(to_string(*again) == printed);
      CHECK(r->source() == text);
      ++checked;
    }
    CHECK(checked > 100);
  }

  TEST_CASE("corpus: invalid filters fail with invalidFilter at the expected offset") {
    const auto corpus = load_corpus();
    REQUIRE_FALSE(corpus.is_discarded());
    int checked = 0;
    for (const auto& c : corpus["invalid"]) {
      const std::string text = str(c, "filter");
      const parse_options o = options_from(c.contains("options") ? c["options"] : nlohmann::json());
      CAPTURE(text);
      auto r = parse(text, o);
      REQUIRE_FALSE(r);
      const scim::error& e = r.error();
      CAPTURE(e.detail);
      CHECK(e.code == scim::error_code::invalid_filter);
      CHECK(e.status == 400);
      REQUIRE(e.position.has_value());
      CHECK(*e.position == c["position"].get<std::size_t>());
      CHECK(e.detail.find(str(c, "detail")) != std::string::npos);
      CHECK(e.input == text);
      ++checked;
    }
    CHECK(checked > 60);
  }

  TEST_CASE("a comparison node carries its operator, path and literal") {
    auto r = parse("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value ne \"x\"");
    REQUIRE(r);
    REQUIRE(r->size() == 1);
    const node& n = root_of(r);
    CHECK(n.kind == node_kind::compare);
    CHECK(n.op == compare_op::ne);
    CHECK(n.type == value_kind::string);
    CHECK(r->string_value(n) == "x");
    const auto p = r->path(n);
    CHECK(p.urn == "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User");
    CHECK(p.name == "manager");
    CHECK(p.sub_attribute == "value");
    CHECK(n.source_offset == 0);
    CHECK(n.first_child == scim::filter::no_node);
  }

  TEST_CASE("every comparison operator, in any case") {
    const std::pair<const char*, compare_op> ops[] = {
        {"eq", compare_op::eq}, {"ne", compare_op::ne}, {"co", compare_op::co},
        {"sw", compare_op::sw}, {"ew", compare_op::ew}, {"gt", compare_op::gt},
        {"lt", compare_op::lt}, {"ge", compare_op::ge}, {"le", compare_op::le}};
    for (const auto& [word, op] : ops) {
      for (const std::string& spelled : {std::string(word), scim::detail::to_lower(word),
                                         std::string{static_cast<char>(word[0] - 32), word[1]},
                                         std::string{word[0], static_cast<char>(word[1] - 32)}}) {
        auto r = parse("title " + spelled + " \"x\"");
        REQUIRE(r);
        CHECK(root_of(r).kind == node_kind::compare);
        CHECK(root_of(r).op == op);
      }
    }
    for (const char* pr : {"pr", "PR", "Pr", "pR"}) {
      auto r = parse(std::string("title ") + pr);
      REQUIRE(r);
      CHECK(root_of(r).kind == node_kind::present);
    }
  }

  TEST_CASE("literals: integers, decimals with their lexeme, booleans, null") {
    auto lit = [](std::string_view value, const parse_options& o = {}) {
      auto r = parse("a eq " + std::string(value), o);
      REQUIRE(r);
      return std::pair<scim::filter::filter, node>(*r, r->root_node());
    };
    {
      auto [f, n] = lit("42");
      CHECK(n.type == value_kind::integer);
      CHECK(n.integer == 42);
    }
    {
      auto [f, n] = lit("-9223372036854775808");
      CHECK(n.type == value_kind::integer);
      CHECK(n.integer == INT64_MIN);
    }
    {
      auto [f, n] = lit("9223372036854775807");
      CHECK(n.type == value_kind::integer);
      CHECK(n.integer == INT64_MAX);
    }
    {
      // Too large for int64: a decimal that keeps its digits.
      auto [f, n] = lit("9223372036854775808");
      CHECK(n.type == value_kind::decimal);
      CHECK(n.decimal == doctest::Approx(9.223372036854775808e18));
      CHECK(f.string_value(n) == "9223372036854775808");
    }
    {
      auto [f, n] = lit("1.50");
      CHECK(n.type == value_kind::decimal);
      CHECK(n.decimal == 1.5);
      CHECK(f.string_value(n) == "1.50");
    }
    {
      auto [f, n] = lit("-2.5E-3");
      CHECK(n.type == value_kind::decimal);
      CHECK(n.decimal == doctest::Approx(-0.0025));
      CHECK(f.string_value(n) == "-2.5E-3");
    }
    {
      auto [f, n] = lit("1e2");
      CHECK(n.type == value_kind::decimal);
      CHECK(n.decimal == 100.0);
    }
    for (const char* t : {"true", "TRUE", "True", "tRuE"}) {
      auto [f, n] = lit(t);
      CHECK(n.type == value_kind::boolean);
      CHECK(n.boolean);
    }
    for (const char* t : {"false", "FALSE", "False"}) {
      auto [f, n] = lit(t);
      CHECK(n.type == value_kind::boolean);
      CHECK_FALSE(n.boolean);
    }
    for (const char* t : {"null", "NULL", "Null"}) {
      auto [f, n] = lit(t);
      CHECK(n.type == value_kind::null);
    }
    {
      // Quoted keywords and numbers stay strings.
      auto [f, n] = lit("\"true\"");
      CHECK(n.type == value_kind::string);
      CHECK(f.string_value(n) == "true");
    }
  }

  TEST_CASE("string escapes are decoded to UTF-8") {
    auto value = [](std::string_view lit) {
      auto r = parse("a eq " + std::string(lit));
      REQUIRE(r);
      REQUIRE(r->root_node().type == value_kind::string);
      return std::string(r->string_value(r->root_node()));
    };
    CHECK(value(R"("plain")") == "plain");
    CHECK(value(R"("")").empty());
    CHECK(value(R"("\"\\\/\b\f\n\r\t")") == "\"\\/\b\f\n\r\t");
    CHECK(value(R"("\u0041\u00e9\u20AC")") == "A\xC3\xA9\xE2\x82\xAC");
    CHECK(value(R"("\ud83d\ude00")") == "\xF0\x9F\x98\x80");
    CHECK(value(R"("\uDBFF\uDFFF")") == "\xF4\x8F\xBF\xBF");
    CHECK(value(R"("x\u0000y")") == std::string("x\0y", 3));
    CHECK(value("\"caf\xC3\xA9 \xF0\x9F\x98\x80\"") == "caf\xC3\xA9 \xF0\x9F\x98\x80");
    // Long strings cross the 8-byte fast path in every alignment.
    for (std::size_t len = 0; len < 40; ++len) {
      for (const char special : {'"', '\\', '\n', '\x7f'}) {
        std::string body(len, 'x');
        std::string lit = "\"" + body;
        if (special == '"') {
          lit += "\\\"";
          body += '"';
        } else if (special == '\\') {
          lit += "\\\\";
          body += '\\';
        } else if (special == '\n') {
          lit += "\\n";
          body += '\n';
        } else {
          lit += special;
          body += special;
        }
        lit += "tail\"";
        body += "tail";
        CHECK(value(lit) == body);
      }
    }
    // Escapes in several strings of one filter.
    auto r = parse(R"(a eq "\u0041" and b eq "plain" or c eq "\n\t")");
    REQUIRE(r);
    CHECK(to_string(*r) == R"(a eq "A" and b eq "plain" or c eq "\n\t")");
  }

  TEST_CASE("surrogates and invalid escapes are errors at the backslash") {
    struct c {
      const char* text;
      std::size_t pos;
      const char* detail;
    };
    const c cases[] = {
        {R"(a eq "\ud800")", 6, "lone high surrogate"},
        {R"(a eq "\udbff x")", 6, "lone high surrogate"},
        {R"(a eq "\ud800\ud800")", 6, "lone high surrogate"},
        {R"(a eq "\ud800\n")", 6, "lone high surrogate"},
        {R"(a eq "ab\udfff")", 8, "lone low surrogate"},
        {R"(a eq "\u00g0")", 6, "4 hex digits"},
        {R"(a eq "\u")", 6, "4 hex digits"},
        {R"(a eq "\a")", 6, "invalid escape sequence '\\a'"},
        {R"(a eq "\')", 6, "invalid escape"},
        {R"(a eq "\)", 5, "unterminated"},
    };
    for (const auto& k : cases) {
      CAPTURE(k.text);
      auto r = parse(k.text);
      REQUIRE_FALSE(r);
      CHECK(r.error().position == k.pos);
      CHECK(r.error().detail.find(k.detail) != std::string::npos);
    }
  }

  TEST_CASE("invalid UTF-8 anywhere is invalidFilter") {
    struct c {
      std::string text;
      std::size_t pos;
    };
    const c cases[] = {
        {"a eq \"\x80\"", 6},              // lone continuation byte
        {"a eq \"ok\xC0\xAF\"", 8},        // overlong
        {"a eq \"\xE0\x80\x80\"", 6},      // overlong 3-byte
        {"a eq \"\xED\xA0\x80\"", 6},      // encoded surrogate
        {"a eq \"\xF4\x90\x80\x80\"", 6},  // above U+10FFFF
        {"a eq \"\xF5\x80\x80\x80\"", 6},  // invalid lead
        {"a eq \"\xE2\x82\"", 6},          // truncated
        {"a eq \"\xFF\"", 6},              // never valid
        {"na\xFFme eq 1", 2},              // in an attribute name
        {"name eq \"x\" and \xC3", 16},    // where an attribute is expected
    };
    for (const auto& k : cases) {
      CAPTURE(k.text);
      auto r = parse(k.text);
      REQUIRE_FALSE(r);
      CHECK(r.error().code == scim::error_code::invalid_filter);
      CHECK(r.error().position == k.pos);
      CHECK(r.error().detail.find("UTF-8") != std::string::npos);
    }
    // Valid non-ASCII is not an attribute name either.
    auto r = parse("caf\xC3\xA9 eq 1");
    REQUIRE_FALSE(r);
    CHECK(r.error().position == 3);
    CHECK(r.error().detail.find("non-ASCII") != std::string::npos);
    // Unquoted values are checked too.
    parse_options o;
    o.allow_unquoted_values = true;
    auto u = parse("a eq b\xC3(", o);
    REQUIRE_FALSE(u);
    CHECK(u.error().position == 6);
    CHECK(parse("a eq J\xC3\xBCrgen", o));
  }

  TEST_CASE("control characters and NUL bytes") {
    const std::string nul_in_name("a\0b eq 1", 8);
    auto r = parse(nul_in_name);
    REQUIRE_FALSE(r);
    CHECK(r.error().position == 1);
    CHECK(r.error().detail.find("U+0000") != std::string::npos);
    auto s = parse(std::string("a eq \"x\0\"", 9));
    REQUIRE_FALSE(s);
    CHECK(s.error().position == 7);
    CHECK(s.error().detail.find("control character U+0000") != std::string::npos);
    // DEL is not a control character in JSON.
    CHECK(parse("a eq \"\x7f\""));
  }

  TEST_CASE("precedence: not > and > or") {
    CHECK(tree("a eq 1 or b eq 2 and c eq 3") == "(or (eq a 1) (and (eq b 2) (eq c 3)))");
    CHECK(tree("a eq 1 and b eq 2 or c eq 3") == "(or (and (eq a 1) (eq b 2)) (eq c 3))");
    CHECK(tree("a pr or b pr and c pr or d pr") == "(or (pr a) (and (pr b) (pr c)) (pr d))");
    CHECK(tree("a pr and b pr or c pr and d pr") == "(or (and (pr a) (pr b)) (and (pr c) (pr d)))");
    CHECK(tree("not (a pr) and b pr") == "(and (not (pr a)) (pr b))");
    CHECK(tree("not (a pr) or b pr and not (c pr)") == "(or (not (pr a)) (and (pr b) (not (pr c))))");
    CHECK(tree("(a pr or b pr) and c pr") == "(and (or (pr a) (pr b)) (pr c))");
    CHECK(tree("emails[type eq \"w\" or primary eq true and value pr] and x pr") ==
          "(and ([] emails (or (eq type \"w\") (and (eq primary true) (pr value)))) (pr x))");
  }

  TEST_CASE("n-ary nodes link their children in source order") {
    auto r = parse("a pr and b pr and c pr and d pr");
    REQUIRE(r);
    const node& root = r->root_node();
    CHECK(root.kind == node_kind::logical_and);
    CHECK(root.child_count == 4);
    std::string names;
    for (const node_id c : r->children(root)) names += r->path((*r)[c]).name;
    CHECK(names == "abcd");
    // Children precede their parent in the node array.
    for (node_id i = 0; i < r->size(); ++i)
      for (const node_id c : r->children(i)) CHECK(c < i);
  }

  TEST_CASE("source offsets point at each node's start") {
    auto r = parse("a pr and not (b eq 1) or emails[type eq \"x\"]");
    REQUIRE(r);
    const node& root = r->root_node();
    REQUIRE(root.kind == node_kind::logical_or);
    CHECK(root.source_offset == 0);
    std::vector<std::uint32_t> offsets;
    for (const node_id c : r->children(root)) offsets.push_back((*r)[c].source_offset);
    REQUIRE(offsets.size() == 2);
    CHECK(offsets[0] == 0);   // the and-node starts with `a pr`
    CHECK(offsets[1] == 25);  // emails[...]
    const node& and_node = (*r)[root.first_child];
    const node& not_node = (*r)[(*r)[and_node.first_child].next_sibling];
    CHECK(not_node.kind == node_kind::logical_not);
    CHECK(not_node.source_offset == 9);
    CHECK((*r)[not_node.first_child].source_offset == 14);
  }

  TEST_CASE("value filter paths are relative; a URN may precede the attribute") {
    auto r = parse("urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq \"work\"]");
    REQUIRE(r);
    const node& vf = r->root_node();
    CHECK(vf.kind == node_kind::value_filter);
    CHECK(r->path(vf).urn == "urn:ietf:params:scim:schemas:core:2.0:User");
    CHECK(r->path(vf).name == "emails");
    const node& inner = (*r)[vf.first_child];
    CHECK(r->path(inner).name == "type");
    CHECK(r->path(inner).urn.empty());
  }

  TEST_CASE("`not` needs a parenthesised group; `not` alone is an attribute name") {
    CHECK(tree("not (a pr)") == "(not (pr a))");
    CHECK(tree("NOT(a pr)") == "(not (pr a))");
    CHECK(tree("not\t\t(a pr)") == "(not (pr a))");
    CHECK(tree("not pr") == "(pr not)");
    CHECK(tree("not eq \"x\"") == "(eq not \"x\")");
    CHECK(tree("not[value pr]") == "([] not (pr value))");
    auto r = parse("not title pr");
    REQUIRE_FALSE(r);
    CHECK(r.error().detail.find("'not' must be followed by '('") != std::string::npos);
    CHECK(r.error().position == 4);
  }

  TEST_CASE("a sub-attribute after a value filter: PATCH only, unless tolerated") {
    auto strict = parse("emails[type eq \"work\"].value eq \"x\"");
    REQUIRE_FALSE(strict);
    CHECK(strict.error().position == 22);
    parse_options o;
    o.allow_value_path_sub_attribute = true;
    auto r = parse("emails[type eq \"work\"].value eq \"x\"", o);
    REQUIRE(r);
    CHECK(sexpr(*r) == "([] emails (and (eq type \"work\") (eq value \"x\")))");
    // The printed form is plain RFC syntax and reads back without the option.
    auto back = parse(to_string(*r));
    REQUIRE(back);
    CHECK(*back == *r);
  }

  TEST_CASE("unquoted values only with allow_unquoted_values") {
    auto strict = parse("externalId eq jyoung");
    REQUIRE_FALSE(strict);
    CHECK(strict.error().position == 14);
    CHECK(strict.error().detail.find("double quotes") != std::string::npos);
    parse_options o;
    o.allow_unquoted_values = true;
    auto r = parse("externalId eq jyoung and userType eq Employee", o);
    REQUIRE(r);
    CHECK(sexpr(*r) == "(and (eq externalId \"jyoung\") (eq userType \"Employee\"))");
    // Keywords and numbers keep their meaning.
    CHECK(tree("a eq true", o) == "(eq a true)");
    CHECK(tree("a eq NULL", o) == "(eq a null)");
    CHECK(tree("a eq 12", o) == "(eq a 12)");
    CHECK(tree("a eq -1.5", o) == "(eq a -1.5)");
    CHECK(tree("a eq 0012", o) == "(eq a \"0012\")");
    CHECK(tree("a eq 5a0f-11", o) == "(eq a \"5a0f-11\")");
    CHECK(tree("a eq \"quoted\"", o) == "(eq a \"quoted\")");
  }

  TEST_CASE("limits: nesting depth counts '(', '[' and `not (` as two") {
    parse_options o;
    o.max_depth = 4;
    CHECK(parse("((((a pr))))", o));
    auto deep = parse("(((((a pr)))))", o);
    REQUIRE_FALSE(deep);
    CHECK(deep.error().position == 4);
    CHECK(deep.error().detail.find("maximum depth of 4") != std::string::npos);
    CHECK(parse("not (not (a pr))", o));
    auto nots = parse("not (not (not (a pr)))", o);
    REQUIRE_FALSE(nots);
    CHECK(nots.error().position == 10);
    CHECK_FALSE(parse("((emails[not (a pr)]))", o));
    CHECK(parse("(emails[not (a pr)])", o));
    // The default is 64.
    CHECK(parse(std::string(64, '(') + "a pr" + std::string(64, ')')));
    auto d65 = parse(std::string(65, '(') + "a pr" + std::string(65, ')'));
    REQUIRE_FALSE(d65);
    CHECK(d65.error().position == 64);
  }

  TEST_CASE("limits: node count and length") {
    parse_options o;
    o.max_nodes = 3;
    CHECK(parse("a pr or b pr", o));  // 3 nodes
    // Three leaves fit; the or-node over them is the fourth node.
    auto four = parse("a pr or b pr or c pr", o);
    REQUIRE_FALSE(four);
    CHECK(four.error().position == 0);
    auto five = parse("a pr or b pr or c pr or d pr", o);
    REQUIRE_FALSE(five);
    CHECK(five.error().position == 24);
    CHECK(five.error().detail.find("maximum of 3") != std::string::npos);
    o = {};
    o.max_length = 10;
    CHECK_FALSE(parse("userName pr", o));
    CHECK(parse("title pr", o));
    CHECK(parse("0123456789", o).error().detail.find("must start with a letter") != std::string::npos);
    auto longer = parse("01234567890", o);
    REQUIRE_FALSE(longer);
    CHECK(longer.error().position == 10);
    CHECK(longer.error().detail.find("longer than the maximum of 10 bytes") != std::string::npos);
  }

  TEST_CASE("adversarial inputs fail fast and never recurse") {
    {
      const std::string parens(100000, '(');
      const auto t0 = std::chrono::steady_clock::now();
      auto r = parse(parens);  // longer than 64 KiB
      CHECK(seconds_since(t0) < 0.5);
      REQUIRE_FALSE(r);
      CHECK(r.error().position == 65536);
      parse_options o;
      o.max_length = 1u << 30;
      auto d = parse(parens, o);  // too deep
      REQUIRE_FALSE(d);
      CHECK(d.error().position == 64);
      // Even with the depth limit lifted the parser uses no recursion.
      o.max_depth = 1000000;
      o.max_nodes = 1000000;
      const std::string balanced = std::string(100000, '(') + "a pr" + std::string(100000, ')');
      const auto t1 = std::chrono::steady_clock::now();
      auto b = parse(balanced, o);
      CHECK(seconds_since(t1) < 0.5);
      REQUIRE(b);
      CHECK(to_string(*b) == "a pr");
      const std::string nots = [] {
        std::string s;
        for (int i = 0; i < 50000; ++i) s += "not (";
        s += "a pr";
        s += std::string(50000, ')');
        return s;
      }();
      auto n = parse(nots, o);
      REQUIRE(n);
      CHECK(n->size() == 50001);
      const std::string printed = to_string(*n);  // iterative printer
      CHECK(printed.size() == nots.size());
      auto again = parse(printed, o);
      REQUIRE(again);
      CHECK(*again == *n);  // iterative equality
    }
    {
      const std::string big(10u * 1024u * 1024u, 'a');
      const auto t0 = std::chrono::steady_clock::now();
      auto r = parse(big);
      CHECK(seconds_since(t0) < 0.5);
      REQUIRE_FALSE(r);
      CHECK(r.error().position == 64u * 1024u);
    }
    {
      std::string many;
      many.reserve(9000000);
      many += "a pr";
      for (int i = 1; i < 1000000; ++i) many += " or a pr";
      const auto t0 = std::chrono::steady_clock::now();
      auto r = parse(many);  // too long
      CHECK(seconds_since(t0) < 0.5);
      REQUIRE_FALSE(r);
      parse_options o;
      o.max_length = many.size();
      const auto t1 = std::chrono::steady_clock::now();
      auto n = parse(many, o);  // too many nodes
      CHECK(seconds_since(t1) < 0.5);
      REQUIRE_FALSE(n);
      CHECK(n.error().detail.find("maximum of 1000") != std::string::npos);
      CHECK(n.error().position == 8000);
      o.max_nodes = 2000000;
      auto all = parse(many, o);  // everything allowed: one flat or-node
      REQUIRE(all);
      CHECK(all->size() == 1000001);
      CHECK(all->root_node().child_count == 1000000);
    }
  }

  TEST_CASE("errors render with a caret") {
    auto r = parse("userName eq \"x\" and");
    REQUIRE_FALSE(r);
    const std::string shown = scim::format_error(r.error());
    CHECK(shown.find("invalidFilter: unexpected end of filter") == 0);
    CHECK(shown.find("\n  userName eq \"x\" and\n                     ^") != std::string::npos);
    nlohmann::json body = r.error();
    CHECK(body["scimType"] == "invalidFilter");
    CHECK(body["status"] == "400");
  }

  TEST_CASE("a filter is a value: copies and moves keep their content") {
    auto r = parse("userName eq \"bjensen\" and emails[type eq \"work\"]");
    REQUIRE(r);
    scim::filter::filter copy = *r;
    scim::filter::filter moved = std::move(*r);
    CHECK(copy == moved);
    CHECK(to_string(copy) == "userName eq \"bjensen\" and emails[type eq \"work\"]");
    CHECK(copy.source() == moved.source());
  }
}
