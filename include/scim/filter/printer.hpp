// scimpp: prints a filter in canonical form.
//
// Canonical form: operators and keywords in lower case, single spaces between
// tokens, strings JSON-escaped in double quotes (non-ASCII kept as UTF-8),
// decimals from their lexeme, `not (...)` with a space, and parentheses only
// where the tree needs them: an or-node inside an and-node, and an and/or
// node directly inside a node of the same operator (the parser flattens
// unparenthesised chains, so only a parenthesised group produces that shape).
// For every filter the grammar can express, parse(to_string(f)) == f.
// Printing is iterative, so even a very deep built tree cannot overflow the
// call stack.
#pragma once

#include "scim/config.hpp"
#include "scim/filter/ast.hpp"
#include "scim/filter/parser.hpp"
#include "scim/path.hpp"

#include <charconv>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

SCIM_BEGIN_NAMESPACE
namespace filter {
namespace detail {

/// Appends `s` as a JSON string literal.
inline void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out.push_back(hex[c >> 4]);
        out.push_back(hex[c & 15]);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

inline void append_literal(std::string& out, const filter& f, const node& n) {
  switch (n.type) {
    case value_kind::string:
      append_json_string(out, f.string_value(n));
      break;
    case value_kind::decimal:
      out.append(f.string_value(n));
      break;
    case value_kind::integer: {
      char buf[24];
      const auto r = std::to_chars(buf, buf + sizeof buf, n.integer);
      out.append(buf, static_cast<std::size_t>(r.ptr - buf));
      break;
    }
    case value_kind::boolean:
      out += n.boolean ? "true" : "false";
      break;
    case value_kind::null:
      out += "null";
      break;
  }
}

constexpr bool is_logical(node_kind k) noexcept {
  return k == node_kind::logical_and || k == node_kind::logical_or;
}

/// Does `child` need parentheses as an operand of and/or node `parent`?
constexpr bool needs_parens(node_kind parent, node_kind child) noexcept {
  return is_logical(child) && (parent == node_kind::logical_and || child == parent);
}

}  // namespace detail

/// Appends the canonical form of the subtree rooted at `id`.
inline void print(const filter& f, node_id id, std::string& out) {
  if (id == no_node) return;
  // Work items: a node to print, or a fixed piece of text.
  struct item {
    node_id id;
    std::string_view text;
  };
  std::vector<item> stack;
  std::vector<node_id> kids;
  stack.push_back({id, {}});
  while (!stack.empty()) {
    const item it = stack.back();
    stack.pop_back();
    if (it.id == no_node) {
      out.append(it.text);
      continue;
    }
    const node& n = f[it.id];
    switch (n.kind) {
      case node_kind::compare:
        out.append(f.path_text(n));
        out.push_back(' ');
        out.append(to_string(n.op));
        out.push_back(' ');
        detail::append_literal(out, f, n);
        break;
      case node_kind::present:
        out.append(f.path_text(n));
        out += " pr";
        break;
      case node_kind::logical_not:
        out += "not (";
        stack.push_back({no_node, ")"});
        stack.push_back({n.first_child, {}});
        break;
      case node_kind::value_filter:
        out.append(f.path_text(n));
        out.push_back('[');
        stack.push_back({no_node, "]"});
        stack.push_back({n.first_child, {}});
        break;
      case node_kind::logical_and:
      case node_kind::logical_or: {
        kids.clear();
        for (const node_id c : f.children(n)) kids.push_back(c);
        const std::string_view sep = n.kind == node_kind::logical_and ? " and " : " or ";
        for (std::size_t i = kids.size(); i-- > 0;) {
          const bool parens = detail::needs_parens(n.kind, f[kids[i]].kind);
          if (parens) stack.push_back({no_node, ")"});
          stack.push_back({kids[i], {}});
          if (parens) stack.push_back({no_node, "("});
          if (i > 0) stack.push_back({no_node, sep});
        }
        break;
      }
    }
  }
}

/// The canonical form of a filter ("" for an empty filter).
inline std::string to_string(const filter& f) {
  std::string out;
  out.reserve(f.source().size() + 16);
  print(f, f.root(), out);
  return out;
}

/// The canonical form of one subtree.
inline std::string to_string(const filter& f, node_id id) {
  std::string out;
  print(f, id, out);
  return out;
}

inline std::ostream& operator<<(std::ostream& os, const filter& f) {
  return os << to_string(f);
}

}  // namespace filter

/// The canonical form of a PATCH path: `attr`, `attr[filter]`, `attr[filter].sub`.
inline std::string to_string(const patch_path& p) {
  std::string out;
  append_to(out, p.attribute.view());
  if (p.value_filter) {
    out.push_back('[');
    filter::print(*p.value_filter, p.value_filter->root(), out);
    out.push_back(']');
    if (!p.sub_attribute.empty()) {
      out.push_back('.');
      out += p.sub_attribute;
    }
  }
  return out;
}

SCIM_END_NAMESPACE
