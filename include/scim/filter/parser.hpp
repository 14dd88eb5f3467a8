// scimpp: the filter parser (RFC 7644 section 3.4.2.2 with errata) and PATCH
// path parser (section 3.5.2).
//
// Grammar accepted by scim::filter::parse (keywords and operators are
// case-insensitive; SP may be any run of spaces, tabs, CR or LF):
//
//   FILTER    = orExp
//   orExp     = andExp *(SP "or" SP andExp)
//   andExp    = term *(SP "and" SP term)
//   term      = "not" *SP "(" FILTER ")"          ; errata 7319: space optional
//             / "(" FILTER ")"
//             / attrPath "[" valFilter "]"        ; valuePath
//             / attrPath SP "pr"
//             / attrPath SP compareOp SP compValue
//   valFilter = FILTER without valuePath          ; value filters do not nest
//   compareOp = "eq" / "ne" / "co" / "sw" / "ew" / "gt" / "lt" / "ge" / "le"
//   compValue = false / null / true / number / string   ; JSON (RFC 8259)
//   attrPath  = see scim/path.hpp ("$ref" allowed, errata 8924)
//
// Precedence: not > and > or. Decisions where the RFC is silent or loose:
//   * `not` only negates a parenthesised group, as in the ABNF; a bare
//     `not userName eq "x"` is invalidFilter ("'not' must be followed by
//     '('"). A word `not` not followed by '(' is an attribute name, so
//     attributes called not/and/or/pr still work.
//   * `emails[type eq "work"].value eq "x"` is not FILTER syntax: in the ABNF
//     a valuePath in a filter has no trailing subAttr (only the PATCH PATH
//     rule has `valuePath [subAttr]`). It is invalidFilter unless
//     parse_options::allow_value_path_sub_attribute is set (Entra ID sends it
//     when matching on emails[type eq "work"].value); then it is read as the
//     equivalent `emails[type eq "work" and value eq "x"]`.
//   * A sub-attribute may not precede '[' (`name.x[...]`): RFC 7643 forbids
//     complex sub-attributes, so such a path can never select anything.
//   * Numbers follow the JSON grammar (no '+', no leading zeros, digits on
//     both sides of '.'); an integral number that fits int64 is an integer,
//     anything else a decimal that keeps its lexeme. Non-finite -> error.
//   * Strings are JSON strings: every escape, \u surrogate pairs (a lone
//     surrogate is an error), no raw control characters, valid UTF-8 only.
//   * Tokens are separated by whitespace or by the punctuation ( ) [ ] ";
//     `(a pr)and(b pr)` is accepted, `userNameeq "x"` is not.
//
// Limits (parse_options): input length, nesting depth (each '(' and '[' counts
// one, `not (` counts two) and node count are checked as the parser goes; the
// parser is iterative (explicit stacks), so hostile input cannot exhaust the
// call stack. Every error is invalidFilter (400) with the byte offset.
#pragma once

#include "scim/config.hpp"
#include "scim/detail/ascii.hpp"
#include "scim/error.hpp"
#include "scim/expected.hpp"
#include "scim/filter/ast.hpp"
#include "scim/filter/detail/lexer.hpp"
#include "scim/path.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

SCIM_BEGIN_NAMESPACE
namespace filter {

/// Limits and tolerances of the filter parser.
struct parse_options {
  /// Maximum filter length in bytes.
  std::size_t max_length = 64 * 1024;
  /// Maximum nesting: each '(' and '[' counts one, `not (` two.
  std::size_t max_depth = 64;
  /// Maximum number of AST nodes (comparisons, presence tests, and/or/not,
  /// value filters).
  std::size_t max_nodes = 1000;
  /// Entra ID: a bare word after a comparison operator that is not true,
  /// false, null or a JSON number is a string (`externalId eq jyoung`).
  bool allow_unquoted_values = false;
  /// Entra ID: `emails[type eq "work"].value eq "x"` in a filter, read as
  /// `emails[type eq "work" and value eq "x"]`.
  bool allow_value_path_sub_attribute = false;
};

namespace detail {

/// A stack with inline storage for the common case; trivially copyable T.
template <class T, std::size_t N>
class small_stack {
 public:
  small_stack() noexcept = default;
  small_stack(const small_stack&) = delete;
  small_stack& operator=(const small_stack&) = delete;

  void push_back(const T& v) {
    if (size_ == cap_) grow();
    data_[size_++] = v;
  }
  static_assert(std::is_trivially_copyable_v<T>);
  void pop_back() noexcept { --size_; }
  T& back() noexcept { return data_[size_ - 1]; }
  const T& back() const noexcept { return data_[size_ - 1]; }
  T& operator[](std::size_t i) noexcept { return data_[i]; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  void shrink_to(std::size_t n) noexcept { size_ = n; }
  const T* data() const noexcept { return data_; }

 private:
  void grow() {
    const std::size_t cap = cap_ * 2;
    std::unique_ptr<T[]> bigger(new T[cap]);
    std::memcpy(static_cast<void*>(bigger.get()), data_, size_ * sizeof(T));
    heap_ = std::move(bigger);
    data_ = heap_.get();
    cap_ = cap;
  }
  T* inline_data() noexcept { return reinterpret_cast<T*>(inline_); }

  // Raw storage: elements are written before they are read, so nothing needs
  // initialising up front.
  alignas(T) unsigned char inline_[N * sizeof(T)];
  std::unique_ptr<T[]> heap_;
  T* data_ = inline_data();
  std::size_t size_ = 0;
  std::size_t cap_ = N;
};

enum class frame_kind : std::uint8_t { root, paren, not_paren, bracket, bracket_root };

struct frame {
  frame_kind kind = frame_kind::root;
  std::uint8_t cost = 0;
  std::uint32_t open_pos = 0;   // offset of '(' / 'not' / '['
  std::uint32_t or_begin = 0;   // first pending operand of this group
  std::uint32_t and_begin = 0;  // first pending operand of the current and-chain
  path_ref path;                // bracket: the filtered attribute
};

/// Shortens a word for an error message.
inline std::string quote_word(std::string_view w) {
  constexpr std::size_t max = 40;
  std::string s = "'";
  if (w.size() > max) {
    s.append(w.substr(0, max));
    s += "...";
  } else {
    s.append(w);
  }
  s += "'";
  return s;
}

/// The iterative filter parser. Builds into a filter whose arena starts with
/// a copy of the input, so spans of the input are spans of the arena.
class filter_parser {
 public:
  filter_parser(std::string_view in, const parse_options& opt, error_code code, filter& out)
      : in_(in), opt_(opt), code_(code), out_(out) {
    // Text: the source (room for unescaped string values is made when the
    // first escape shows up). Nodes: a guess; the buffer grows if needed.
    // Stay in the filter's inline buffer when the text leaves room for a few
    // nodes (it grows to the heap only if more are needed); otherwise size the
    // heap block for about one node per 12 bytes.
    const auto n = static_cast<std::uint32_t>(in.size());
    std::size_t guess = filter::align8(n) + 2 * sizeof(node) <= filter::inline_bytes ? 2 : n / 12 + 2;
    if (guess > opt.max_nodes) guess = opt.max_nodes;
    out_.reserve(n, static_cast<std::uint32_t>(guess));
    if (n != 0) std::memcpy(out_.text_data(), in.data(), n);
    out_.text_size_ = n;
    out_.source_size_ = n;
  }

  /// Parses the whole input as a FILTER.
  bool parse_all() {
    frames_.push_back(frame{frame_kind::root, 0, 0, 0, 0, {}});
    return run();
  }

  /// Parses a valFilter whose '[' is at `open`, up to and including the
  /// matching ']'; afterwards position() is just past the ']'. The root of the
  /// built filter is the bracket's content.
  bool parse_bracket_body(std::size_t open) {
    frame f;
    f.kind = frame_kind::bracket_root;
    f.cost = 1;
    f.open_pos = static_cast<std::uint32_t>(open);
    if (!enter(f)) return false;
    in_bracket_ = true;
    pos_ = open + 1;
    after_ = "'['";
    return run();
  }

  std::size_t position() const noexcept { return pos_; }
  error take_error() { return err_ ? std::move(*err_) : error(code_, "invalid filter"); }

 private:
  enum class step { error, opened, operand };

  // ---- main loop ------------------------------------------------------------
  bool run() {
    bool want_operand = true;
    for (;;) {
      skip_ws();
      if (want_operand) {
        const step s = operand();
        if (s == step::error) return false;
        want_operand = (s == step::opened);
        continue;
      }
      if (pos_ >= in_.size()) return finish();
      const char c = in_[pos_];
      if (c == ')') {
        if (!close_paren()) return false;
        continue;
      }
      if (c == ']') {
        const bool base = frames_.back().kind == frame_kind::bracket_root;
        if (!close_bracket()) return false;
        if (base) return true;
        if (pos_ < in_.size() && in_[pos_] == '.' && !sub_attribute_after_value_filter()) return false;
        continue;
      }
      if (is_delimiter(c))
        return fail_at(pos_, [&] {
          return std::string("expected 'and', 'or'" + std::string(closer()) + ", found " +
                             scim::detail::quote_char(c));
        });
      const std::size_t start = pos_;
      const std::string_view w = munch();
      if (is_keyword(w, "and")) {
        after_ = "'and'";
        want_operand = true;
        continue;
      }
      if (is_keyword(w, "or")) {
        if (!collapse_and()) return false;
        after_ = "'or'";
        want_operand = true;
        continue;
      }
      return fail_at(start, [&] {
        return std::string("expected 'and', 'or'" + std::string(closer()) + ", found " + quote_word(w));
      });
    }
  }

  /// What may also follow an operand here, for messages.
  std::string_view closer() const noexcept {
    switch (frames_.back().kind) {
      case frame_kind::root:
        return " or the end of the filter";
      case frame_kind::paren:
      case frame_kind::not_paren:
        return " or ')'";
      case frame_kind::bracket:
      case frame_kind::bracket_root:
        return " or ']'";
    }
    return "";
  }

  // ---- operands ---------------------------------------------------------------
  step operand() {
    if (pos_ >= in_.size()) {
      if (out_.node_count_ == 0 && frames_.size() == 1 && frames_.back().kind == frame_kind::root)
        return fail_step(pos_, "empty filter");
      return fail_step(pos_, [&] {
        return std::string("unexpected end of filter: expected an expression after " + std::string(after_));
      });
    }
    const char c = in_[pos_];
    if (c == '(') {
      frame f;
      f.kind = frame_kind::paren;
      f.cost = 1;
      f.open_pos = static_cast<std::uint32_t>(pos_);
      if (!enter(f)) return step::error;
      ++pos_;
      after_ = "'('";
      return step::opened;
    }
    if (c == ')') return fail_step(pos_, "expected an expression before ')'");
    if (is_delimiter(c))
      return fail_step(pos_, [&] {
        return std::string("expected an attribute path, 'not' or '(', found " + scim::detail::quote_char(c));
      });
    const std::size_t start = pos_;
    path_ref ps;
    std::string_view word;
    const bool simple = simple_path(word, ps) || uri_path(word, ps);
    if (!simple) word = munch();
    const bool is_not = is_keyword(word, "not");
    if (is_not) {
      std::size_t p = pos_;
      while (p < in_.size() && is_ws(in_[p])) ++p;
      if (p < in_.size() && in_[p] == '(') {
        frame f;
        f.kind = frame_kind::not_paren;
        f.cost = 2;
        f.open_pos = static_cast<std::uint32_t>(start);
        if (!enter(f)) return step::error;
        pos_ = p + 1;
        after_ = "'not ('";
        return step::opened;
      }
    }
    if (!simple && !read_path(word, start, ps)) return step::error;
    if (pos_ < in_.size() && in_[pos_] == '[') {
      if (in_bracket_) return fail_step(pos_, "value filters cannot be nested: '[' inside '[...]'");
      if (ps.sub_length != 0) return fail_step(pos_, "a value filter '[...]' cannot follow a sub-attribute");
      frame f;
      f.kind = frame_kind::bracket;
      f.cost = 1;
      f.open_pos = static_cast<std::uint32_t>(pos_);
      f.path = ps;
      if (!enter(f)) return step::error;
      in_bracket_ = true;
      ++pos_;
      after_ = "'['";
      return step::opened;
    }
    const node_id id = comparison(ps, word, start, is_not);
    if (id == no_node) return step::error;
    pending_.push_back(id);
    return step::operand;
  }

  /// Validates an attribute path word at `start` and turns it into spans.
  bool read_path(std::string_view word, std::size_t start, path_ref& ps) {
    attribute_path_view v;
    const auto r = scim::detail::split_attribute_path(word, v);
    if (r.issue != scim::detail::path_issue::none) {
      const std::size_t bad = find_invalid_utf8(word);
      if (bad != std::string_view::npos) return fail_at(start + bad, "invalid UTF-8 in filter");
      return fail_at(start + r.offset, [&] { return std::string(scim::detail::describe(r, word)); });
    }
    if (v.urn.size() > 0xffff || v.name.size() > 0xffff || v.sub_attribute.size() > 0xffff)
      return fail_at(start, "attribute path too long (each part is limited to 65535 bytes)");
    ps.offset = static_cast<std::uint32_t>(start);
    ps.urn_length = static_cast<std::uint16_t>(v.urn.size());
    ps.name_length = static_cast<std::uint16_t>(v.name.size());
    ps.sub_length = static_cast<std::uint16_t>(v.sub_attribute.size());
    return true;
  }

  /// Parses `pr` or `op value` after the attribute path `attr` (at `start`);
  /// returns the new node or no_node on error.
  [[gnu::always_inline]] node_id comparison(const path_ref& ps, std::string_view attr, std::size_t start,
                                            bool attr_is_not) {
    skip_ws();
    if (pos_ >= in_.size()) {
      expected_operator(attr, attr_is_not, {});
      return no_node;
    }
    if (is_delimiter(in_[pos_])) {
      expected_operator(attr, attr_is_not, {});
      return no_node;
    }
    const std::size_t op_start = pos_;
    std::string_view opw;
    if (pos_ + 2 <= in_.size() && (pos_ + 2 == in_.size() || is_delimiter(in_[pos_ + 2]))) {
      opw = in_.substr(pos_, 2);  // every operator has two letters
      pos_ += 2;
    } else {
      opw = munch();
    }
    node_kind kind = node_kind::compare;
    compare_op op = compare_op::eq;
    if (!classify_operator(opw, kind, op)) {
      pos_ = op_start;
      expected_operator(attr, attr_is_not, opw);
      return no_node;
    }
    node_id id = no_node;
    node* n = new_node(kind, start, id);
    if (n == nullptr) return no_node;
    n->op = op;
    n->path = ps;
    if (kind == node_kind::compare) {
      // The common value, a string without escapes, goes straight into the
      // node (n is still valid: nothing has grown the buffer). Through
      // value_out, its span would be stored as two halves and copied as one
      // load, which waits for both stores to retire (about 6% of parse time).
      skip_ws();
      if (pos_ < in_.size() && in_[pos_] == '"') {
        if (const std::size_t close = plain_string_end(in_, pos_ + 1); close != std::string_view::npos) {
          n->type = value_kind::string;
          n->text = text_span{static_cast<std::uint32_t>(pos_ + 1), static_cast<std::uint32_t>(close - pos_ - 1)};
          pos_ = close + 1;
          return id;
        }
      }
      value_out v;
      if (!value(v, opw)) return no_node;
      node& m = out_.mutable_node(id);
      m.type = v.type;
      m.boolean = v.boolean;
      m.text = v.text;
      if (v.type == value_kind::decimal)
        m.decimal = v.decimal;
      else
        m.integer = v.integer;
    }
    return id;
  }

  static bool classify_operator(std::string_view w, node_kind& kind, compare_op& op) noexcept {
    if (w.size() != 2) return false;
    const char a = scim::detail::ascii_lower(w[0]);
    const char b = scim::detail::ascii_lower(w[1]);
    kind = node_kind::compare;
    switch (a) {
      case 'e':
        if (b == 'q') return op = compare_op::eq, true;
        if (b == 'w') return op = compare_op::ew, true;
        return false;
      case 'n':
        if (b == 'e') return op = compare_op::ne, true;
        return false;
      case 'c':
        if (b == 'o') return op = compare_op::co, true;
        return false;
      case 's':
        if (b == 'w') return op = compare_op::sw, true;
        return false;
      case 'g':
        if (b == 't') return op = compare_op::gt, true;
        if (b == 'e') return op = compare_op::ge, true;
        return false;
      case 'l':
        if (b == 't') return op = compare_op::lt, true;
        if (b == 'e') return op = compare_op::le, true;
        return false;
      case 'p':
        if (b == 'r') return kind = node_kind::present, true;
        return false;
      default:
        return false;
    }
  }

  /// A parsed comparison value (copied into its node afterwards: reading a
  /// string may move the filter's buffer).
  struct value_out {
    value_kind type = value_kind::null;
    bool boolean = false;
    text_span text;
    std::int64_t integer = 0;
    double decimal = 0.0;
  };

  /// Parses the comparison value after operator word `opw`.
  bool value(value_out& n, std::string_view opw) {
    skip_ws();
    const auto after_op = [opw] { return "after " + quote_word(opw); };
    if (pos_ >= in_.size())
      return fail_at(pos_, [&] { return std::string("expected a value " + after_op()); });
    const char c = in_[pos_];
    if (c == '"') return string_value(n);
    if (is_delimiter(c))
      return fail_at(pos_, [&] {
        return std::string("expected a value " + after_op() + ", found " + scim::detail::quote_char(c));
      });
    const std::size_t start = pos_;
    const std::string_view w = munch();
    if (is_keyword(w, "true") || is_keyword(w, "false")) {
      n.type = value_kind::boolean;
      n.boolean = w.size() == 4;
      return true;
    }
    if (is_keyword(w, "null")) {
      n.type = value_kind::null;
      return true;
    }
    const number_scan num = scan_number(w);
    if (num.issue == number_issue::none) {
      if (num.is_integer) {
        n.type = value_kind::integer;
        n.integer = num.integer;
      } else {
        n.type = value_kind::decimal;
        n.decimal = num.decimal;
        n.text = span_of(w);
      }
      return true;
    }
    if (num.issue == number_issue::out_of_range)
      return fail_at(start, [&] { return std::string("number " + quote_word(w) + " is out of range"); });
    return bare_value(n, w, start, num, opw);
  }

  bool bare_value(value_out& n, std::string_view w, std::size_t start, const number_scan& num,
                  std::string_view opw) {
    if (opt_.allow_unquoted_values) {
      const std::size_t bad = find_invalid_utf8(w);
      if (bad != std::string_view::npos) return fail_at(start + bad, "invalid UTF-8 in filter");
      n.type = value_kind::string;
      n.text = span_of(w);
      return true;
    }
    if (w[0] == '.')
      return fail_at(start,
                     [&] { return "invalid number " + quote_word(w) + ": expected a digit before '.'"; });
    switch (num.issue) {
      case number_issue::plus_sign:
        return fail_at(start, "a number cannot start with '+'");
      case number_issue::leading_zero:
        return fail_at(start + num.offset, "a number cannot have leading zeros");
      case number_issue::missing_digits:
        return fail_at(start + num.offset,
                       [&] { return std::string("invalid number " + quote_word(w) + ": expected a digit"); });
      case number_issue::trailing:
        return fail_at(start + num.offset, [&] { return std::string("invalid number " + quote_word(w)); });
      default:
        break;
    }
    const std::size_t bad = find_invalid_utf8(w);
    if (bad != std::string_view::npos) return fail_at(start + bad, "invalid UTF-8 in filter");
    return fail_at(start, [&] {
      return std::string(
          "expected a value (a string in double quotes, a number, true, false or null) after " +
          quote_word(opw) + ", found " + quote_word(w));
    });
  }

  bool string_value(value_out& n) {
    const std::size_t close = plain_string_end(in_, pos_ + 1);
    if (close != std::string_view::npos) {  // the common case: no escapes
      n.type = value_kind::string;
      n.text = text_span{static_cast<std::uint32_t>(pos_ + 1), static_cast<std::uint32_t>(close - pos_ - 1)};
      pos_ = close + 1;
      return true;
    }
    return string_value_slow(n);
  }

  [[gnu::noinline]] bool string_value_slow(value_out& n) {
    const std::size_t open = pos_;
    string_scan s = scan_string(in_, open, nullptr);
    if (s.issue == string_issue::needs_buffer) {
      // Unescaping never grows a string: room for the rest of the input is enough.
      const std::size_t need = std::size_t{out_.text_size_} + (in_.size() - open);
      if (need > out_.text_cap_) out_.reserve(static_cast<std::uint32_t>(need), out_.node_capacity());
      s = scan_string(in_, open, out_.text_data() + out_.text_size_);
    }
    switch (s.issue) {
      case string_issue::none:
        break;
      case string_issue::needs_buffer:
        return fail_at(s.offset, "internal error: no buffer for string escapes");
      case string_issue::unterminated:
        return fail_at(s.offset, "unterminated string literal");
      case string_issue::control_char:
        return fail_at(s.offset, [&] {
          return std::string("control character " + scim::detail::quote_char(in_[s.offset]) +
                             " must be escaped in a string literal");
        });
      case string_issue::bad_escape: {
        std::string esc = "\\";
        if (s.offset + 1 < in_.size()) esc.push_back(in_[s.offset + 1]);
        return fail_at(
            s.offset, [&] { return std::string("invalid escape sequence '" + esc + "' in string literal"); });
      }
      case string_issue::bad_unicode:
        return fail_at(s.offset, "invalid \\u escape in string literal: expected 4 hex digits");
      case string_issue::lone_high:
        return fail_at(s.offset,
                       "lone high surrogate in string literal: \\uD800-\\uDBFF must be followed by "
                       "a \\uDC00-\\uDFFF escape");
      case string_issue::lone_low:
        return fail_at(s.offset, "lone low surrogate (\\uDC00-\\uDFFF) in string literal");
      case string_issue::invalid_utf8:
        return fail_at(s.offset, "invalid UTF-8 in string literal");
    }
    n.type = value_kind::string;
    if (s.escaped) {
      n.text = text_span{out_.text_size_, static_cast<std::uint32_t>(s.value_length)};
      out_.text_size_ += static_cast<std::uint32_t>(s.value_length);
    } else {
      n.text =
          text_span{static_cast<std::uint32_t>(s.value_offset), static_cast<std::uint32_t>(s.value_length)};
    }
    pos_ = s.end;
    return true;
  }

  // ---- `attr[filter].sub` in a filter (Entra) ----------------------------------
  bool sub_attribute_after_value_filter() {
    if (!opt_.allow_value_path_sub_attribute)
      return fail_at(pos_,
                     "a sub-attribute cannot follow a value filter in a filter expression (only in PATCH "
                     "paths); write 'attr[... and sub op value]' instead");
    const std::size_t dot = pos_;
    ++pos_;
    const std::size_t start = pos_;
    const std::string_view w = munch();
    scim::detail::path_parse_result r;
    const std::size_t end = scim::detail::scan_attribute_name(w, 0, r);
    if (w.empty()) return fail_at(start, "expected a sub-attribute name after '.'");
    if (r.issue != scim::detail::path_issue::none || end != w.size()) {
      const std::size_t off = r.issue != scim::detail::path_issue::none ? r.offset : end;
      return fail_at(start + off, [&] {
        return std::string("invalid sub-attribute name " + quote_word(w) + " after ']'");
      });
    }
    if (w.size() > 0xffff)
      return fail_at(start, "attribute path too long (each part is limited to 65535 bytes)");
    path_ref ps;
    ps.offset = static_cast<std::uint32_t>(start);
    ps.name_length = static_cast<std::uint16_t>(w.size());
    const node_id cmp = comparison(ps, in_.substr(dot, pos_ - dot), start, false);
    if (cmp == no_node) return false;
    const node_id vf = pending_.back();
    const node_id inner = out_.mutable_node(vf).first_child;
    if (out_.mutable_node(inner).kind == node_kind::logical_and) {
      node_id last = out_.mutable_node(inner).first_child;
      while (out_.mutable_node(last).next_sibling != no_node) last = out_.mutable_node(last).next_sibling;
      out_.mutable_node(last).next_sibling = cmp;
      ++out_.mutable_node(inner).child_count;
      return true;
    }
    node_id and_id = no_node;
    node* a = new_node(node_kind::logical_and, out_.mutable_node(inner).source_offset, and_id);
    if (a == nullptr) return false;
    a->child_count = 2;
    a->first_child = inner;
    out_.mutable_node(inner).next_sibling = cmp;
    out_.mutable_node(vf).first_child = and_id;
    return true;
  }

  // ---- groups -------------------------------------------------------------------
  bool enter(frame f) {
    depth_ += f.cost;
    if (depth_ > opt_.max_depth)
      return fail_at(f.open_pos, [&] {
        return std::string("filter nesting exceeds the maximum depth of " + std::to_string(opt_.max_depth));
      });
    f.or_begin = f.and_begin = static_cast<std::uint32_t>(pending_.size());
    frames_.push_back(f);
    return true;
  }

  /// Folds the current and-chain of the innermost group into one node.
  bool collapse_and() {
    frame& f = frames_.back();
    const std::size_t count = pending_.size() - f.and_begin;
    if (count >= 2) {
      const node_id id = make_logical(node_kind::logical_and, f.and_begin);
      if (id == no_node) return false;
      pending_.shrink_to(f.and_begin);
      pending_.push_back(id);
    }
    frames_.back().and_begin = static_cast<std::uint32_t>(pending_.size());
    return true;
  }

  /// Folds the innermost group into one node and pops it.
  node_id close_frame() {
    if (!collapse_and()) return no_node;
    // Field by field (not a frame copy): avoids a store-forwarding stall
    // right after collapse_and() wrote and_begin.
    const std::uint32_t or_begin = frames_.back().or_begin;
    const std::size_t cost = frames_.back().cost;
    const std::size_t count = pending_.size() - or_begin;
    node_id r = pending_[or_begin];
    if (count >= 2) r = make_logical(node_kind::logical_or, or_begin);
    if (r == no_node) return no_node;
    pending_.shrink_to(or_begin);
    frames_.pop_back();
    depth_ -= cost;
    return r;
  }

  node_id make_logical(node_kind kind, std::size_t begin) {
    for (std::size_t i = begin; i + 1 < pending_.size(); ++i)
      out_.mutable_node(pending_[i]).next_sibling = pending_[i + 1];
    node_id id = no_node;
    node* n = new_node(kind, out_.mutable_node(pending_[begin]).source_offset, id);
    if (n == nullptr) return no_node;
    n->child_count = static_cast<std::uint32_t>(pending_.size() - begin);
    n->first_child = pending_[begin];
    return id;
  }

  bool close_paren() {
    const frame_kind k = frames_.back().kind;
    if (k == frame_kind::root) return fail_at(pos_, "unbalanced ')'");
    if (k == frame_kind::bracket || k == frame_kind::bracket_root)
      return fail_at(pos_, [&] {
        return std::string("unbalanced ')': expected ']' to close the '[' at offset " +
                           std::to_string(frames_.back().open_pos));
      });
    const std::uint32_t open = frames_.back().open_pos;
    node_id r = close_frame();
    if (r == no_node) return false;
    if (k == frame_kind::not_paren) {
      node_id id = no_node;
      node* n = new_node(node_kind::logical_not, open, id);
      if (n == nullptr) return false;
      n->child_count = 1;
      n->first_child = r;
      r = id;
    }
    pending_.push_back(r);
    ++pos_;
    return true;
  }

  bool close_bracket() {
    const frame& f = frames_.back();
    if (f.kind == frame_kind::root) return fail_at(pos_, "unbalanced ']'");
    if (f.kind == frame_kind::paren || f.kind == frame_kind::not_paren)
      return fail_at(pos_, [&] {
        return std::string("unbalanced ']': expected ')' to close the '(' at offset " +
                           std::to_string(f.open_pos));
      });
    const frame_kind k = f.kind;
    const path_ref ps = f.path;
    const node_id r = close_frame();
    if (r == no_node) return false;
    in_bracket_ = false;
    ++pos_;
    if (k == frame_kind::bracket_root) {
      out_.root_ = r;
      return true;
    }
    // The node starts where its attribute path starts.
    node_id id = no_node;
    node* n = new_node(node_kind::value_filter, ps.offset, id);
    if (n == nullptr) return false;
    n->path = ps;
    n->child_count = 1;
    n->first_child = r;
    pending_.push_back(id);
    return true;
  }

  /// End of input after an operand: every group must be closed.
  bool finish() {
    const frame& f = frames_.back();
    switch (f.kind) {
      case frame_kind::root:
        break;
      case frame_kind::paren:
        return fail_at(f.open_pos, "unbalanced '(': missing ')'");
      case frame_kind::not_paren:
        return fail_at(f.open_pos, "unbalanced 'not (': missing ')'");
      case frame_kind::bracket:
      case frame_kind::bracket_root:
        return fail_at(f.open_pos, "unbalanced '[': missing ']'");
    }
    const node_id r = close_frame();
    if (r == no_node) return false;
    out_.root_ = r;
    return true;
  }

  // ---- helpers ------------------------------------------------------------------
  /// Appends a node of `kind` starting at `at`, to be filled in place (no
  /// temporary to copy); nullptr once the node limit is reached.
  [[gnu::always_inline]] node* new_node(node_kind kind, std::size_t at, node_id& id) {
    if (!room_for_node(at)) return nullptr;
    id = static_cast<node_id>(out_.node_count_);
    node& n = out_.emplace_node();
    n.kind = kind;
    n.source_offset = static_cast<std::uint32_t>(at);
    return &n;
  }

  /// Checks the node limit before a node is added.
  bool room_for_node(std::size_t at) {
    if (out_.node_count_ < opt_.max_nodes) return true;
    return fail_at(at, [&] {
      return std::string("filter has more than the maximum of " + std::to_string(opt_.max_nodes) + " terms");
    });
  }

  void skip_ws() noexcept {
    const char* p = in_.data() + pos_;
    const char* const e = in_.data() + in_.size();
    while (p != e && is_ws(*p)) ++p;
    pos_ = static_cast<std::size_t>(p - in_.data());
  }

  /// Consumes the longest run of non-delimiters.
  std::string_view munch() noexcept {
    const char* const b = in_.data() + pos_;
    const char* const e = in_.data() + in_.size();
    const char* p = b;
    while (p != e && !is_delimiter(*p)) ++p;
    pos_ = static_cast<std::size_t>(p - in_.data());
    return {b, static_cast<std::size_t>(p - b)};
  }

  /// Fast path for the common attribute path `name` / `name.sub` (no URI, no
  /// $ref): consumes it and fills `ps` when the word is exactly that.
  bool simple_path(std::string_view& word, path_ref& ps) noexcept {
    const char* const base = in_.data();
    const char* const b = base + pos_;
    const char* const e = base + in_.size();
    if (!scim::detail::is_alpha(*b)) return false;
    const char* p = b + 1;
    while (p != e && scim::detail::is_name_char(*p)) ++p;
    const char* dot = nullptr;
    if (p != e && *p == '.') {
      dot = p;
      ++p;
      if (p == e || !scim::detail::is_alpha(*p)) return false;
      ++p;
      while (p != e && scim::detail::is_name_char(*p)) ++p;
    }
    if (p != e && !is_delimiter(*p)) return false;
    if (p - b > 0xffff) return false;  // the general path reports it
    word = {b, static_cast<std::size_t>(p - b)};
    ps.offset = static_cast<std::uint32_t>(pos_);
    if (dot != nullptr) {
      ps.name_length = static_cast<std::uint16_t>(dot - b);
      ps.sub_length = static_cast<std::uint16_t>(p - dot - 1);
    } else {
      ps.name_length = static_cast<std::uint16_t>(word.size());
    }
    pos_ = static_cast<std::size_t>(p - base);
    return true;
  }

  /// One-pass fast path for `urn:...:name[.sub]`: consumes the word and fills
  /// `ps` when it is a valid path with a schema URI; otherwise leaves pos_
  /// alone so the general path reports the problem.
  bool uri_path(std::string_view& word, path_ref& ps) noexcept {
    const char* const base = in_.data();
    const char* const b = base + pos_;
    const char* const e = base + in_.size();
    const char* p = b;
    const char* first_colon = nullptr;
    const char* last_colon = nullptr;
    bool uri_chars = true;
    for (; p != e && !is_delimiter(*p); ++p) {
      if (*p == ':') {
        if (first_colon == nullptr) first_colon = p;
        last_colon = p;
      } else if (!scim::detail::is_uri_char(*p)) {
        uri_chars = false;
      }
    }
    if (!uri_chars || last_colon == nullptr || first_colon == b || !scim::detail::is_alpha(*b)) return false;
    // scheme = ALPHA *(ALPHA / DIGIT / "+" / "-" / "."), then at least one
    // more character before the last ':'.
    for (const char* q = b + 1; q != first_colon; ++q)
      if (!scim::detail::is_alpha(*q) && !scim::detail::is_digit(*q) && *q != '+' && *q != '-' && *q != '.')
        return false;
    if (first_colon + 1 >= last_colon) return false;
    const std::string_view w(b, static_cast<std::size_t>(p - b));
    const std::size_t name_at = static_cast<std::size_t>(last_colon - b) + 1;
    scim::detail::path_parse_result r;
    const std::size_t name_end = scim::detail::scan_attribute_name(w, name_at, r);
    if (r.issue != scim::detail::path_issue::none) return false;
    std::size_t sub_len = 0;
    if (name_end != w.size()) {
      if (w[name_end] != '.') return false;
      const std::size_t sub_end = scim::detail::scan_attribute_name(w, name_end + 1, r);
      if (r.issue != scim::detail::path_issue::none || sub_end != w.size()) return false;
      sub_len = sub_end - name_end - 1;
    }
    const std::size_t urn_len = name_at - 1;
    const std::size_t name_len = name_end - name_at;
    if (urn_len > 0xffff || name_len > 0xffff || sub_len > 0xffff) return false;
    ps.offset = static_cast<std::uint32_t>(pos_);
    ps.urn_length = static_cast<std::uint16_t>(urn_len);
    ps.name_length = static_cast<std::uint16_t>(name_len);
    ps.sub_length = static_cast<std::uint16_t>(sub_len);
    word = w;
    pos_ = static_cast<std::size_t>(p - base);
    return true;
  }

  /// Case-insensitive match of a word against a lower-case ASCII keyword.
  static constexpr bool is_keyword(std::string_view w, std::string_view kw) noexcept {
    if (w.size() != kw.size()) return false;
    for (std::size_t i = 0; i < w.size(); ++i)
      if ((w[i] | 0x20) != kw[i]) return false;
    return true;
  }

  /// The span of a view into in_ (which the arena begins with).
  text_span span_of(std::string_view s) const noexcept {
    if (s.empty()) return {};
    return {static_cast<std::uint32_t>(s.data() - in_.data()), static_cast<std::uint32_t>(s.size())};
  }

  // Error reporting is kept out of line (cold, never inlined) so the hot
  // paths stay small: a message is built by a callable only on failure.
  [[gnu::cold, gnu::noinline]] bool fail_at(std::size_t pos, const char* detail) {
    err_.emplace(error(code_, detail).at(pos, in_));
    return false;
  }
  template <class Make>
  [[gnu::cold, gnu::noinline]] bool fail_at(std::size_t pos, const Make& make) {
    err_.emplace(error(code_, make()).at(pos, in_));
    return false;
  }
  template <class Detail>
  [[gnu::cold, gnu::noinline]] step fail_step(std::size_t pos, const Detail& detail) {
    fail_at(pos, detail);
    return step::error;
  }

  /// "expected a comparison operator after 'attr'" (found: what is there).
  /// `found` is the word found instead (empty: end of input, or the single
  /// delimiter character at pos_).
  [[gnu::cold, gnu::noinline]] bool expected_operator(std::string_view attr, bool attr_is_not,
                                                      std::string_view found) {
    if (attr_is_not) return fail_at(pos_, "'not' must be followed by '(': expected 'not (...)'");
    return fail_at(pos_, [&] {
      std::string msg = "expected a comparison operator (eq, ne, co, sw, ew, gt, lt, ge, le or pr) after " +
                        quote_word(attr);
      if (!found.empty())
        msg += ", found " + quote_word(found);
      else if (pos_ < in_.size())
        msg += ", found " + scim::detail::quote_char(in_[pos_]);
      return msg;
    });
  }

  std::string_view in_;
  const parse_options& opt_;
  error_code code_;
  filter& out_;
  std::size_t pos_ = 0;
  std::size_t depth_ = 0;
  bool in_bracket_ = false;
  std::string_view after_ = "'and'";
  small_stack<frame, 16> frames_;
  small_stack<node_id, 32> pending_;
  std::optional<error> err_;
};

/// Length limit shared by the filter and PATCH path parsers.
inline bool too_long(std::string_view text, const parse_options& opt) noexcept {
  return text.size() > opt.max_length || text.size() > 0x7fffffffu;
}

inline error length_error(std::string_view text, const parse_options& opt, error_code code,
                          std::string_view what) {
  const std::size_t limit = std::min<std::size_t>(opt.max_length, 0x7fffffffu);
  return error(code, std::string(what) + " is longer than the maximum of " + std::to_string(limit) + " bytes")
      .at(limit, text.substr(0, limit));
}

}  // namespace detail

/// Parses a SCIM filter. Errors are invalidFilter (400) with the byte offset
/// of the problem (scim::format_error renders a caret).
inline expected<filter> parse(std::string_view text, const parse_options& options = {}) {
  // One named result returned everywhere, so the filter is built in place.
  expected<filter> result;
  if (detail::too_long(text, options)) {
    result = fail(detail::length_error(text, options, error_code::invalid_filter, "filter"));
    return result;
  }
  detail::filter_parser p(text, options, error_code::invalid_filter, *result);
  if (!p.parse_all()) result = fail(p.take_error());
  return result;
}

}  // namespace filter

/// A PATCH operation path (RFC 7644 section 3.5.2):
///   PATH = attrPath / valuePath [subAttr]
/// e.g. `members`, `name.givenName`, `members[value eq "2819c223"]`,
/// `emails[type eq "work"].value`, `urn:...:enterprise:2.0:User:manager.value`.
/// (The `attrExp` form proposed by errata 7122 is not accepted.)
struct patch_path {
  /// The target attribute (for a valuePath, the attribute before '['; it
  /// never has a sub-attribute then).
  attribute_path attribute;
  /// The `[...]` filter; its paths are relative to `attribute`.
  std::optional<filter::filter> value_filter;
  /// The sub-attribute after `].` (empty if none).
  std::string sub_attribute;

  bool has_value_filter() const noexcept { return value_filter.has_value(); }
};

/// Parses a PATCH path. Every syntax error, including one inside the `[...]`
/// filter, is invalidPath (400): RFC 7644 section 3.5.2 reports malformed
/// paths with invalidPath. Positions are byte offsets into `text`.
inline expected<patch_path> parse_patch_path(std::string_view text,
                                             const filter::parse_options& options = {}) {
  if (filter::detail::too_long(text, options))
    return fail(filter::detail::length_error(text, options, error_code::invalid_path, "path"));
  if (text.empty()) return fail(error(error_code::invalid_path, "empty path").at(0, text));
  const std::size_t bracket = text.find('[');
  if (bracket == std::string_view::npos) {
    auto p = parse_attribute_path(text);
    if (!p) return fail(std::move(p.error()));
    return patch_path{std::move(*p), std::nullopt, {}};
  }
  const std::string_view prefix = text.substr(0, bracket);
  attribute_path_view v;
  const auto r = detail::split_attribute_path(prefix, v);
  if (r.issue != detail::path_issue::none) {
    std::string msg = r.issue == detail::path_issue::empty
                          ? std::string("expected an attribute name before '['")
                          : detail::describe(r, prefix);
    return fail(error(error_code::invalid_path, std::move(msg)).at(r.offset, text));
  }
  if (v.has_sub_attribute())
    return fail(error(error_code::invalid_path, "a value filter '[...]' cannot follow a sub-attribute")
                    .at(bracket, text));
  patch_path out;
  out.attribute = attribute_path::from(v);
  filter::filter f;
  filter::detail::filter_parser p(text, options, error_code::invalid_path, f);
  if (!p.parse_bracket_body(bracket)) return fail(p.take_error());
  const std::size_t end = p.position();
  out.value_filter = std::move(f);
  if (end == text.size()) return out;
  if (text[end] != '.')
    return fail(
        error(error_code::invalid_path, "expected '.' and a sub-attribute or the end of the path after ']'")
            .at(end, text));
  const std::string_view sub = text.substr(end + 1);
  detail::path_parse_result sr;
  const std::size_t sub_end = detail::scan_attribute_name(sub, 0, sr);
  if (sr.issue != detail::path_issue::none || sub_end != sub.size()) {
    if (sub.empty())
      return fail(
          error(error_code::invalid_path, "expected a sub-attribute name after '.'").at(end + 1, text));
    const std::size_t off = sr.issue != detail::path_issue::none ? sr.offset : sub_end;
    std::string msg =
        sr.issue != detail::path_issue::none
            ? detail::describe(sr, sub)
            : (sub[off] == '.' ? std::string("a PATCH path has at most one sub-attribute after ']'")
                               : detail::describe({detail::path_issue::name_char, off}, sub));
    return fail(error(error_code::invalid_path, std::move(msg)).at(end + 1 + off, text));
  }
  out.sub_attribute.assign(sub.data(), sub.size());
  return out;
}

SCIM_END_NAMESPACE
