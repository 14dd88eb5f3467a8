#include "scim/filter/ast.hpp"

#include <doctest/doctest.h>

#include "scim/filter/parser.hpp"
#include "scim/filter/printer.hpp"

#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace {

using scim::attribute_path_view;
using scim::filter::compare_op;
using scim::filter::filter;
using scim::filter::node;
using scim::filter::node_id;
using scim::filter::node_kind;
using scim::filter::value_kind;

attribute_path_view name(std::string_view n) {
  return {{}, n, {}};
}

// userName eq "bjensen" and (title pr or not (emails[type eq "work"]))
filter sample() {
  filter f;
  const node_id a = f.add_compare(name("userName"), compare_op::eq, scim::filter::string_literal("bjensen"));
  const node_id t = f.add_present(name("title"));
  const node_id inner = f.add_compare(name("type"), compare_op::eq, scim::filter::string_literal("work"));
  const node_id vf = f.add_value_filter(name("emails"), inner);
  const node_id n = f.add_not(vf);
  const node_id o = f.add_or(t, n);
  f.set_root(f.add_and(a, o));
  return f;
}

}  // namespace

TEST_SUITE("filter AST") {
  TEST_CASE("nodes are compact") {
    CHECK(sizeof(node) == 48);
    CHECK(std::is_trivially_copyable_v<node>);
  }

  TEST_CASE("an empty filter") {
    filter f;
    CHECK(f.empty());
    CHECK(f.size() == 0);
    CHECK(f.root() == scim::filter::no_node);
    CHECK(f.source().empty());
    CHECK(f == filter());
    CHECK(to_string(f).empty());
    CHECK_FALSE(f == sample());
  }

  TEST_CASE("building a tree") {
    const filter f = sample();
    CHECK_FALSE(f.empty());
    CHECK(f.size() == 7);
    const node& root = f.root_node();
    CHECK(root.kind == node_kind::logical_and);
    CHECK(root.child_count == 2);
    std::vector<node_kind> kinds;
    for (const node_id c : f.children(root)) kinds.push_back(f[c].kind);
    CHECK(kinds == std::vector<node_kind>{node_kind::compare, node_kind::logical_or});
    const node& cmp = f[root.first_child];
    CHECK(f.path(cmp).name == "userName");
    CHECK(f.path_text(cmp) == "userName");
    CHECK(f.string_value(cmp) == "bjensen");
    CHECK(cmp.op == compare_op::eq);
    CHECK(cmp.type == value_kind::string);
    CHECK(f.source().empty());  // built, not parsed
    CHECK(to_string(f) == "userName eq \"bjensen\" and (title pr or not (emails[type eq \"work\"]))");
  }

  TEST_CASE("paths with URN and sub-attribute are stored as written") {
    filter f;
    f.set_root(
        f.add_present({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "manager", "value"}));
    const auto p = f.path(f.root_node());
    CHECK(p.urn == "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User");
    CHECK(p.name == "manager");
    CHECK(p.sub_attribute == "value");
    CHECK(f.path_text(f.root_node()) ==
          "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value");
    filter g;
    g.set_root(g.add_present({{}, "name", "givenName"}));
    CHECK(g.path_text(g.root_node()) == "name.givenName");
  }

  TEST_CASE("literal builders") {
    filter f;
    const node_id i = f.add_compare(name("a"), compare_op::gt, scim::filter::integer_literal(-5));
    const node_id d = f.add_compare(name("b"), compare_op::lt, scim::filter::decimal_literal(1.0));
    const node_id e = f.add_compare(name("c"), compare_op::lt, scim::filter::decimal_literal(1e20));
    const node_id l = f.add_compare(name("d"), compare_op::le, scim::filter::decimal_literal(2.5, "2.50"));
    const node_id b = f.add_compare(name("e"), compare_op::eq, scim::filter::boolean_literal(true));
    const node_id z = f.add_compare(name("f"), compare_op::ne, scim::filter::null_literal());
    const node_id nan = f.add_compare(
        name("g"), compare_op::eq, scim::filter::decimal_literal(std::numeric_limits<double>::quiet_NaN()));
    CHECK(f[i].type == value_kind::integer);
    CHECK(f[i].integer == -5);
    CHECK(f[d].type == value_kind::decimal);
    CHECK(f[d].decimal == 1.0);
    CHECK(f.string_value(f[d]) == "1.0");  // always reads back as a decimal
    CHECK(f.string_value(f[e]) == "1e+20");
    CHECK(f.string_value(f[l]) == "2.50");
    CHECK(f[b].boolean);
    CHECK(f[z].type == value_kind::null);
    CHECK(f[nan].type == value_kind::null);  // non-finite decimals are not representable
    f.set_root(f.add_logical(node_kind::logical_and, {i, d, e, l, b, z, nan}));
    CHECK(to_string(f) ==
          "a gt -5 and b lt 1.0 and c lt 1e+20 and d le 2.50 and e eq true and f ne null and g eq null");
    auto back = scim::filter::parse(to_string(f));
    REQUIRE(back);
    CHECK(*back == f);
  }

  TEST_CASE("structural equality") {
    auto p = [](std::string_view text) {
      auto r = scim::filter::parse(text);
      REQUIRE(r);
      return *r;
    };
    // Attribute paths compare case-insensitively, keywords are not in the tree.
    CHECK(p("userName eq \"x\"") == p("USERNAME EQ \"x\""));
    CHECK(p("urn:ietf:params:scim:schemas:core:2.0:User:userName pr") ==
          p("URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:username pr"));
    CHECK(p("a pr and b pr") == p("(a pr) and ((b pr))"));
    CHECK(p("not (a pr)") == p("not(a pr)"));
    // String values compare exactly; decimals by lexeme.
    CHECK_FALSE(p("userName eq \"x\"") == p("userName eq \"X\""));
    CHECK(p("a eq \"A\"") == p("a eq \"\\u0041\""));
    CHECK_FALSE(p("a eq 1.0") == p("a eq 1.00"));
    CHECK_FALSE(p("a eq 1") == p("a eq 1.0"));
    CHECK_FALSE(p("a eq 1") == p("a eq \"1\""));
    CHECK_FALSE(p("a eq true") == p("a eq false"));
    CHECK_FALSE(p("a eq 1") == p("a ne 1"));
    CHECK_FALSE(p("a eq 1") == p("b eq 1"));
    CHECK_FALSE(p("a.b eq 1") == p("a eq 1"));
    CHECK_FALSE(p("x:y:a eq 1") == p("a eq 1"));
    CHECK_FALSE(p("a pr") == p("a eq null"));
    // Shape matters: order, arity, grouping.
    CHECK_FALSE(p("a pr and b pr") == p("b pr and a pr"));
    CHECK_FALSE(p("a pr and b pr") == p("a pr or b pr"));
    CHECK_FALSE(p("a pr and b pr and c pr") == p("(a pr and b pr) and c pr"));
    CHECK_FALSE(p("a pr and b pr") == p("a pr and b pr and c pr"));
    CHECK_FALSE(p("emails[a pr]") == p("emails[b pr]"));
    CHECK_FALSE(p("emails[a pr]") == p("ims[a pr]"));
    CHECK_FALSE(p("not (a pr)") == p("a pr"));
    // Subtrees of different filters.
    const filter x = p("a pr or (b eq 1 and c pr)");
    const filter y = p("b eq 1 and c pr");
    const node_id second = x[x.root_node().first_child].next_sibling;
    CHECK(filter::subtree_equal(x, second, y, y.root()));
    CHECK_FALSE(filter::subtree_equal(x, x.root_node().first_child, y, y.root()));
  }

  TEST_CASE("copies and moves, inline and on the heap") {
    // Small filters live inside the object; large ones on the heap.
    std::string big = "a eq \"" + std::string(2000, 'x') + "\"";
    for (int i = 0; i < 50; ++i) big += " or b" + std::to_string(i) + " pr";
    for (const std::string& text : {std::string("userName eq \"bjensen\""), big}) {
      auto r = scim::filter::parse(text);
      REQUIRE(r);
      const filter original = *r;
      filter copy(original);
      CHECK(copy == original);
      CHECK(copy.source() == text);
      CHECK(copy.source().data() != original.source().data());
      filter moved(std::move(copy));
      CHECK(moved == original);
      CHECK(copy.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
      filter assigned;
      assigned = original;
      CHECK(assigned == original);
      filter move_assigned = sample();
      move_assigned = std::move(assigned);
      CHECK(move_assigned == original);
      CHECK(to_string(move_assigned) == to_string(original));
      filter& self = move_assigned;
      move_assigned = self;  // self-assignment keeps the content
      CHECK(move_assigned == original);
      // A copy can keep growing.
      filter grown = original;
      const node_id extra = grown.add_present(name("extra"));
      grown.set_root(grown.add_or(grown.root(), extra));
      const bool was_or = original.root_node().kind == node_kind::logical_or;
      CHECK(to_string(grown) ==
            (was_or ? "(" + to_string(original) + ")" : to_string(original)) + " or extra pr");
      CHECK(original == *r);
    }
  }

  TEST_CASE("a built filter grows past the inline buffer") {
    filter f;
    std::vector<node_id> ids;
    for (int i = 0; i < 200; ++i) {
      const std::string attr = "attr" + std::to_string(i);
      const std::string value(static_cast<std::size_t>(i), 'v');
      ids.push_back(f.add_compare(name(attr), compare_op::co, scim::filter::string_literal(value)));
    }
    f.set_root(f.add_logical(node_kind::logical_or, ids));
    CHECK(f.size() == 201);
    CHECK(f.root_node().child_count == 200);
    int i = 0;
    for (const node_id c : f.children(f.root_node())) {
      CHECK(f.path(f[c]).name == "attr" + std::to_string(i));
      CHECK(f.string_value(f[c]).size() == static_cast<std::size_t>(i));
      ++i;
    }
    auto back =
        scim::filter::parse(to_string(f), {.max_length = 1u << 20, .max_depth = 64, .max_nodes = 1000});
    REQUIRE(back);
    CHECK(*back == f);
  }

  TEST_CASE("to_string of the enums") {
    CHECK(to_string(compare_op::ge) == "ge");
    CHECK(to_string(node_kind::value_filter) == "value_filter");
    CHECK(to_string(value_kind::decimal) == "decimal");
  }
}
