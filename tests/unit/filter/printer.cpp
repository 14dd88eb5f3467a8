#include "scim/filter/printer.hpp"

#include <doctest/doctest.h>

#include "scim/filter/parser.hpp"

#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using scim::attribute_path_view;
using scim::filter::compare_op;
using scim::filter::filter;
using scim::filter::node_id;
using scim::filter::node_kind;

attribute_path_view name(std::string_view n) {
  return {{}, n, {}};
}

std::string canonical(std::string_view text) {
  auto r = scim::filter::parse(text);
  if (!r) return "error: " + r.error().detail;
  return to_string(*r);
}

// ---- a deterministic random AST generator -----------------------------------
// std::mt19937_64's sequence is fixed by the standard; the distributions are
// not, so draws are done by hand.
class generator {
 public:
  explicit generator(std::uint64_t seed) : rng_(seed) {}

  filter make() {
    filter f;
    f.set_root(expr(f, 5, false));
    return f;
  }

 private:
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(rng_() % n); }
  bool chance(int percent) { return below(100) < static_cast<std::size_t>(percent); }

  template <std::size_t N>
  std::string_view pick(const std::string_view (&items)[N]) {
    return items[below(N)];
  }

  attribute_path_view path(bool allow_sub) {
    static constexpr std::string_view names[] = {
        "userName", "name", "emails", "a",    "B",       "x1",        "not", "and", "or",    "pr",
        "eq",       "true", "null",   "$ref", "Members", "members_2", "a-b", "NOT", "value", "type"};
    static constexpr std::string_view urns[] = {"urn:ietf:params:scim:schemas:core:2.0:User",
                                                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                                                "urn:x:y", "URN:Example:1.0"};
    attribute_path_view p;
    if (chance(15)) p.urn = pick(urns);
    p.name = pick(names);
    if (allow_sub && chance(30)) p.sub_attribute = pick(names);
    return p;
  }

  std::string random_string() {
    static constexpr std::string_view pieces[] = {"a",
                                                  "Z",
                                                  " ",
                                                  "\"",
                                                  "\\",
                                                  "/",
                                                  "\n",
                                                  "\t",
                                                  "\r",
                                                  "\b",
                                                  "\f",
                                                  std::string_view("\0", 1),
                                                  "\x01",
                                                  "\x1f",
                                                  "\x7f",
                                                  "\xC3\xA9",
                                                  "\xE2\x82\xAC",
                                                  "\xF0\x9F\x98\x80",
                                                  "]",
                                                  ")",
                                                  "(",
                                                  "[",
                                                  "and",
                                                  "or",
                                                  "not ",
                                                  "'",
                                                  "\\u0041",
                                                  "0123456789abcdef"};
    std::string s;
    const std::size_t n = below(12);
    for (std::size_t i = 0; i < n; ++i) s += pick(pieces);
    return s;
  }

  node_id leaf(filter& f) {
    const auto p = path(true);
    if (chance(15)) return f.add_present(p);
    const auto op = static_cast<compare_op>(below(9));
    switch (below(6)) {
      case 0: {
        const std::string s = random_string();
        return f.add_compare(p, op, scim::filter::string_literal(s));
      }
      case 1: {
        std::int64_t v = static_cast<std::int64_t>(rng_());
        if (chance(50)) v %= 1000;
        if (chance(5)) v = INT64_MIN;
        if (chance(5)) v = INT64_MAX;
        return f.add_compare(p, op, scim::filter::integer_literal(v));
      }
      case 2: {
        double d = static_cast<double>(static_cast<std::int64_t>(rng_() % 2000001) - 1000000) / 1000.0;
        if (chance(30)) d *= 1e200;
        if (chance(30)) d /= 1e200;
        return f.add_compare(p, op, scim::filter::decimal_literal(d));
      }
      case 3: {
        static constexpr std::string_view lexemes[] = {"1.50", "-0.0",  "2E+3",
                                                       "1e-7", "0.000", "12345678901234567890"};
        const std::string_view lx = pick(lexemes);
        return f.add_compare(p, op, scim::filter::decimal_literal(1.0, lx));
      }
      case 4:
        return f.add_compare(p, op, scim::filter::boolean_literal(chance(50)));
      default:
        return f.add_compare(p, op, scim::filter::null_literal());
    }
  }

  node_id expr(filter& f, int depth, bool in_bracket) {
    if (depth == 0 || chance(30)) return leaf(f);
    switch (below(in_bracket ? 3 : 4)) {
      case 0:
      case 1: {
        std::vector<node_id> kids;
        const std::size_t n = 2 + below(3);
        for (std::size_t i = 0; i < n; ++i) kids.push_back(expr(f, depth - 1, in_bracket));
        return f.add_logical(chance(50) ? node_kind::logical_and : node_kind::logical_or, kids);
      }
      case 2:
        return f.add_not(expr(f, depth - 1, in_bracket));
      default:
        return f.add_value_filter(path(false), expr(f, depth - 1, true));
    }
  }

  std::mt19937_64 rng_;
};

}  // namespace

TEST_SUITE("filter printer") {
  TEST_CASE("canonical form: lower-case keywords, single spaces") {
    CHECK(canonical("userName EQ \"bjensen\"") == "userName eq \"bjensen\"");
    CHECK(canonical("  title   PR  ") == "title pr");
    CHECK(canonical("a pr AND b pr OR c pr") == "a pr and b pr or c pr");
    CHECK(canonical("NOT(a pr)") == "not (a pr)");
    CHECK(canonical("a eq TRUE or b eq False or c eq NULL") == "a eq true or b eq false or c eq null");
    CHECK(canonical("emails[ type eq \"work\" ]") == "emails[type eq \"work\"]");
  }

  TEST_CASE("minimal but correct parentheses") {
    CHECK(canonical("(a pr)") == "a pr");
    CHECK(canonical("a pr or (b pr and c pr)") == "a pr or b pr and c pr");
    CHECK(canonical("(a pr or b pr) and c pr") == "(a pr or b pr) and c pr");
    CHECK(canonical("a pr and (b pr or c pr)") == "a pr and (b pr or c pr)");
    CHECK(canonical("(a pr and b pr) and c pr") == "(a pr and b pr) and c pr");
    CHECK(canonical("a pr or (b pr or c pr)") == "a pr or (b pr or c pr)");
    CHECK(canonical("(a pr and b pr) or c pr") == "a pr and b pr or c pr");
    CHECK(canonical("not ((a pr or b pr))") == "not (a pr or b pr)");
    CHECK(canonical("(not (a pr)) and b pr") == "not (a pr) and b pr");
    CHECK(canonical("emails[(type eq \"w\" or primary eq true)]") ==
          "emails[type eq \"w\" or primary eq true]");
    CHECK(canonical("(emails[a pr]) or (ims[b pr])") == "emails[a pr] or ims[b pr]");
  }

  TEST_CASE("built trees print with the parentheses they need") {
    filter f;
    const node_id a = f.add_present(name("a"));
    const node_id b = f.add_present(name("b"));
    const node_id c = f.add_present(name("c"));
    const node_id d = f.add_present(name("d"));
    const node_id o = f.add_or(a, b);
    const node_id n = f.add_and(c, d);
    f.set_root(f.add_and(o, f.add_not(n)));
    CHECK(to_string(f) == "(a pr or b pr) and not (c pr and d pr)");
    CHECK(to_string(f, o) == "a pr or b pr");
    CHECK(to_string(f, n) == "c pr and d pr");
    std::ostringstream os;
    os << f;
    CHECK(os.str() == to_string(f));
  }

  TEST_CASE("strings are JSON-escaped, non-ASCII kept as UTF-8") {
    filter f;
    const std::string raw = std::string("q\"b\\s/\b\f\n\r\t\x01\x1f\x7f\0z", 16) + "\xC3\xA9\xF0\x9F\x98\x80";
    f.set_root(f.add_compare(name("a"), compare_op::eq, scim::filter::string_literal(raw)));
    CHECK(to_string(f) ==
          "a eq \"q\\\"b\\\\s/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\\u0000z\xC3\xA9\xF0\x9F\x98\x80\"");
    auto back = scim::filter::parse(to_string(f));
    REQUIRE(back);
    CHECK(back->string_value(back->root_node()) == raw);
  }

  TEST_CASE("numbers print from their value or lexeme") {
    CHECK(canonical("a eq -0") == "a eq 0");
    CHECK(canonical("a eq 007") == "error: a number cannot have leading zeros");
    CHECK(canonical("a eq 1.500") == "a eq 1.500");
    CHECK(canonical("a eq 1E5") == "a eq 1E5");
    CHECK(canonical("a eq -9223372036854775808") == "a eq -9223372036854775808");
  }

  TEST_CASE("PATCH paths print canonically") {
    auto p = scim::parse_patch_path("members[VALUE EQ \"x\" AND (display pr)].$ref");
    REQUIRE(p);
    CHECK(to_string(*p) == "members[VALUE eq \"x\" and display pr].$ref");
  }

  TEST_CASE("round trip parse(print(ast)) == ast for random ASTs") {
    generator gen(20240611);
    scim::filter::parse_options roomy;  // random trees can be large
    roomy.max_nodes = 100000;
    roomy.max_length = 1u << 24;
    int checked = 0;
    for (int i = 0; i < 3000; ++i) {
      const filter f = gen.make();
      const std::string printed = to_string(f);
      CAPTURE(printed);
      auto back = scim::filter::parse(printed, roomy);
      if (!back) FAIL_CHECK(scim::format_error(back.error()));
      REQUIRE(back);
      CHECK(*back == f);
      CHECK(to_string(*back) == printed);  // printing is idempotent
      ++checked;
    }
    CHECK(checked == 3000);
  }

  TEST_CASE("mutated filters never crash, and what parses round-trips") {
    const std::string seeds[] = {
        "userName eq \"bjensen\"",
        "userType ne \"Employee\" and not (emails co \"example.com\" or emails.value co \"example.org\")",
        "emails[type eq \"work\" and value co \"@example.com\"] or ims[type eq \"xmpp\" and value co "
        "\"@foo.com\"]",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq 1.5e3",
        "a eq \"\\ud83d\\ude00\\n\" and b eq -12 or c eq true and d eq null"};
    static constexpr char alphabet[] = "()[]\" \\.:$aZ09-+eEnotrpq\t\x80\xC3\xFF";
    std::mt19937_64 rng(7);
    scim::filter::parse_options tolerant;
    tolerant.allow_unquoted_values = true;
    tolerant.allow_value_path_sub_attribute = true;
    int parsed = 0;
    for (int i = 0; i < 20000; ++i) {
      std::string s = seeds[rng() % 5];
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits; ++e) {
        const std::size_t at = static_cast<std::size_t>(rng() % (s.size() + 1));
        const char c = alphabet[rng() % (sizeof alphabet - 1)];
        switch (rng() % 3) {
          case 0:
            s.insert(s.begin() + static_cast<std::ptrdiff_t>(at), c);
            break;
          case 1:
            if (at < s.size()) s.erase(at, 1);
            break;
          default:
            if (at < s.size()) s[at] = c;
        }
      }
      for (const auto& o : {scim::filter::parse_options{}, tolerant}) {
        auto r = scim::filter::parse(s, o);
        if (!r) {
          CHECK(r.error().position.value_or(s.size() + 1) <= s.size());
          continue;
        }
        ++parsed;
        auto back = scim::filter::parse(to_string(*r));
        REQUIRE(back);
        CHECK(*back == *r);
      }
    }
    CHECK(parsed > 1000);
  }
}
