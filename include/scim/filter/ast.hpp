// scimpp: the filter AST (RFC 7644 section 3.4.2.2), a flat array of nodes.
//
// A scim::filter::filter owns one buffer holding
//   * a text arena: a copy of the parsed source followed by the unescaped
//     values of string literals that contained escapes. Attribute paths and
//     string values are (offset, length) references into it, so a filter can
//     be copied and moved freely;
//   * the nodes of the expression, 48 bytes each; nodes refer to each other
//     by index (node_id), children before parents, the root usually last.
// The buffer lives inside the filter object while it fits (typical IdP
// filters do), so parsing them allocates nothing.
//
// Node kinds:
//   compare       path op literal              `userName eq "bjensen"`
//   present       path pr                      `title pr`
//   logical_and   n-ary (child_count >= 2)     `a and b and c`
//   logical_or    n-ary (child_count >= 2)     `a or b or c`
//   logical_not   one child                    `not (a)`
//   value_filter  path [ one child ]           `emails[type eq "work"]`
// Children of and/or/not/value_filter form a singly linked list:
// first_child, then each child's next_sibling, until no_node.
//
// Chains of the same operator at one parenthesis level are one n-ary node;
// a parenthesised group stays its own node, so `(a and b) and c` is
// and(and(a, b), c) and prints back with its parentheses. Inside a
// value_filter the paths are relative to the filtered attribute.
#pragma once

#include "scim/config.hpp"
#include "scim/detail/ascii.hpp"
#include "scim/path.hpp"

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

SCIM_BEGIN_NAMESPACE
namespace filter {

namespace detail {
class filter_parser;
}  // namespace detail

/// Index of a node in filter::nodes().
using node_id = std::uint32_t;
/// "No node": the end of a child list, the root of an empty filter.
inline constexpr node_id no_node = 0xffffffffu;

enum class node_kind : std::uint8_t { compare, present, logical_and, logical_or, logical_not, value_filter };

/// The comparison operators (`pr` is node_kind::present).
enum class compare_op : std::uint8_t { eq, ne, co, sw, ew, gt, lt, ge, le };

/// The type of a comparison literal.
enum class value_kind : std::uint8_t { string, integer, decimal, boolean, null };

constexpr std::string_view to_string(compare_op op) noexcept {
  switch (op) {
    case compare_op::eq:
      return "eq";
    case compare_op::ne:
      return "ne";
    case compare_op::co:
      return "co";
    case compare_op::sw:
      return "sw";
    case compare_op::ew:
      return "ew";
    case compare_op::gt:
      return "gt";
    case compare_op::lt:
      return "lt";
    case compare_op::ge:
      return "ge";
    case compare_op::le:
      return "le";
  }
  return "eq";
}

constexpr std::string_view to_string(node_kind k) noexcept {
  switch (k) {
    case node_kind::compare:
      return "compare";
    case node_kind::present:
      return "present";
    case node_kind::logical_and:
      return "and";
    case node_kind::logical_or:
      return "or";
    case node_kind::logical_not:
      return "not";
    case node_kind::value_filter:
      return "value_filter";
  }
  return "compare";
}

constexpr std::string_view to_string(value_kind k) noexcept {
  switch (k) {
    case value_kind::string:
      return "string";
    case value_kind::integer:
      return "integer";
    case value_kind::decimal:
      return "decimal";
    case value_kind::boolean:
      return "boolean";
    case value_kind::null:
      return "null";
  }
  return "null";
}

/// A span of the filter's text arena.
struct text_span {
  std::uint32_t offset = 0;
  std::uint32_t length = 0;
};

/// An attribute path in the arena, stored as written: `urn:name.sub` starting
/// at `offset` (the ':' and '.' separators sit between the parts). Each part
/// is at most 65535 bytes.
struct path_ref {
  std::uint32_t offset = 0;
  std::uint16_t urn_length = 0;
  std::uint16_t name_length = 0;
  std::uint16_t sub_length = 0;

  /// Bytes of the whole path text.
  constexpr std::uint32_t length() const noexcept {
    return std::uint32_t{urn_length} + (urn_length != 0 ? 1u : 0u) + name_length +
           (sub_length != 0 ? 1u + sub_length : 0u);
  }
};

/// One node. Fields not used by a node's kind are zero / no_node.
struct node {
  node_kind kind = node_kind::present;
  compare_op op = compare_op::eq;      ///< compare
  value_kind type = value_kind::null;  ///< compare: the literal's type
  bool boolean = false;                ///< compare, type boolean
  std::uint32_t child_count = 0;       ///< and/or: >= 2; not/value_filter: 1
  node_id first_child = no_node;       ///< and/or/not/value_filter
  node_id next_sibling = no_node;      ///< next child of this node's parent
  std::uint32_t source_offset = 0;     ///< byte offset in the source where the node starts
  path_ref path;                       ///< compare, present, value_filter
  text_span text;                      ///< compare: string value, or decimal lexeme
  union {
    std::int64_t integer = 0;  ///< compare, type integer
    double decimal;            ///< compare, type decimal
  };
};
static_assert(sizeof(node) == 48);
static_assert(std::is_trivially_copyable_v<node> && std::is_trivially_destructible_v<node>);

/// A comparison value handed to the builder (views; copied into the arena).
struct literal {
  value_kind type = value_kind::null;
  bool boolean = false;
  std::int64_t integer = 0;
  double decimal = 0.0;
  std::string_view text;  ///< string value, or decimal lexeme (empty: derive from `decimal`)
};

constexpr literal string_literal(std::string_view s) noexcept {
  return {value_kind::string, false, 0, 0.0, s};
}
constexpr literal integer_literal(std::int64_t v) noexcept {
  return {value_kind::integer, false, v, 0.0, {}};
}
/// A decimal printed in the shortest form that reads back to `v` (always with
/// a '.' or an exponent). `v` must be finite; a non-finite value becomes null.
constexpr literal decimal_literal(double v) noexcept {
  return {value_kind::decimal, false, 0, v, {}};
}
/// A decimal with its lexeme; the lexeme must be a JSON number with a fraction
/// or exponent (or too large for int64) whose value is `v`.
constexpr literal decimal_literal(double v, std::string_view lexeme) noexcept {
  return {value_kind::decimal, false, 0, v, lexeme};
}
constexpr literal boolean_literal(bool v) noexcept {
  return {value_kind::boolean, v, 0, 0.0, {}};
}
constexpr literal null_literal() noexcept {
  return {};
}

/// Iterates the children of a node (node ids).
class child_range {
 public:
  class iterator {
   public:
    using value_type = node_id;
    using difference_type = std::ptrdiff_t;
    using iterator_category = std::forward_iterator_tag;
    using reference = node_id;
    using pointer = void;
    constexpr iterator() noexcept = default;
    constexpr iterator(const node* nodes, node_id id) noexcept : nodes_(nodes), id_(id) {}
    constexpr node_id operator*() const noexcept { return id_; }
    constexpr iterator& operator++() noexcept {
      id_ = nodes_[id_].next_sibling;
      return *this;
    }
    constexpr iterator operator++(int) noexcept {
      iterator t = *this;
      ++*this;
      return t;
    }
    friend constexpr bool operator==(const iterator& a, const iterator& b) noexcept { return a.id_ == b.id_; }

   private:
    const node* nodes_ = nullptr;
    node_id id_ = no_node;
  };
  constexpr child_range(const node* nodes, node_id first) noexcept : nodes_(nodes), first_(first) {}
  constexpr iterator begin() const noexcept { return {nodes_, first_}; }
  constexpr iterator end() const noexcept { return {nodes_, no_node}; }

 private:
  const node* nodes_;
  node_id first_;
};

/// A parsed (or built) SCIM filter expression.
class filter {
 public:
  // User-provided so that value-initialisation does not zero the inline buffer.
  filter() noexcept {}  // NOLINT(modernize-use-equals-default)
  filter(const filter& other) { copy_from(other); }
  filter(filter&& other) noexcept { move_from(other); }
  filter& operator=(const filter& other) {
    if (this != &other) {
      release();
      copy_from(other);
    }
    return *this;
  }
  filter& operator=(filter&& other) noexcept {
    if (this != &other) {
      release();
      move_from(other);
    }
    return *this;
  }
  ~filter() { release(); }

  // ---- reading --------------------------------------------------------------
  /// The root node, or no_node for an empty filter.
  node_id root() const noexcept { return root_; }
  bool empty() const noexcept { return root_ == no_node; }
  /// Number of nodes.
  std::size_t size() const noexcept { return node_count_; }
  std::span<const node> nodes() const noexcept { return {node_data(), node_count_}; }
  const node& operator[](node_id id) const noexcept { return node_data()[id]; }
  const node& root_node() const noexcept { return node_data()[root_]; }

  /// The text a span refers to.
  std::string_view text(text_span s) const noexcept {
    return {reinterpret_cast<const char*>(buf_) + s.offset, s.length};
  }
  /// The attribute path of a compare, present or value_filter node.
  attribute_path_view path(const node& n) const noexcept { return path(n.path); }
  attribute_path_view path(const path_ref& p) const noexcept {
    const char* t = reinterpret_cast<const char*>(buf_) + p.offset;
    attribute_path_view v;
    if (p.urn_length != 0) {
      v.urn = {t, p.urn_length};
      t += p.urn_length + 1;
    }
    v.name = {t, p.name_length};
    if (p.sub_length != 0) v.sub_attribute = {t + p.name_length + 1, p.sub_length};
    return v;
  }
  /// The path of a node as written (`urn:name.sub`).
  std::string_view path_text(const node& n) const noexcept { return text({n.path.offset, n.path.length()}); }
  /// The value of a string literal (unescaped), or the lexeme of a decimal.
  std::string_view string_value(const node& n) const noexcept { return text(n.text); }
  /// The children of a node, in source order.
  child_range children(const node& n) const noexcept { return {node_data(), n.first_child}; }
  child_range children(node_id id) const noexcept { return children(node_data()[id]); }
  /// The text the filter was parsed from (empty for a built filter).
  std::string_view source() const noexcept { return {reinterpret_cast<const char*>(buf_), source_size_}; }

  // ---- building -------------------------------------------------------------
  // Each add_* returns the new node's id. A node can be the child of only one
  // parent; set_root() chooses the root. The round trip parse(print(f)) == f
  // holds for every filter the grammar can express: names that are valid
  // ATTRNAMEs, valid UTF-8 strings, and no value_filter inside a value_filter.
  // Path parts longer than 65535 bytes are truncated.

  node_id add_present(const attribute_path_view& p) {
    node n;
    n.kind = node_kind::present;
    n.path = store_path(p);
    n.source_offset = n.path.offset;
    return push(n);
  }

  node_id add_compare(const attribute_path_view& p, compare_op op, const literal& v) {
    node n;
    n.kind = node_kind::compare;
    n.op = op;
    n.path = store_path(p);
    n.source_offset = n.path.offset;
    n.type = v.type;
    switch (v.type) {
      case value_kind::string:
        n.text = store(v.text);
        break;
      case value_kind::integer:
        n.integer = v.integer;
        break;
      case value_kind::boolean:
        n.boolean = v.boolean;
        break;
      case value_kind::null:
        break;
      case value_kind::decimal:
        if (!std::isfinite(v.decimal)) {
          n.type = value_kind::null;
          break;
        }
        n.decimal = v.decimal;
        n.text = v.text.empty() ? store_decimal(v.decimal) : store(v.text);
        break;
    }
    return push(n);
  }

  /// An n-ary and/or node; `kind` is logical_and or logical_or and there must
  /// be at least two children.
  node_id add_logical(node_kind kind, std::span<const node_id> children) {
    node n;
    n.kind = kind;
    link_children(n, children);
    return push(n);
  }
  node_id add_logical(node_kind kind, std::initializer_list<node_id> children) {
    return add_logical(kind, std::span<const node_id>(children.begin(), children.size()));
  }
  node_id add_and(node_id a, node_id b) { return add_logical(node_kind::logical_and, {a, b}); }
  node_id add_or(node_id a, node_id b) { return add_logical(node_kind::logical_or, {a, b}); }

  node_id add_not(node_id child) {
    node n;
    n.kind = node_kind::logical_not;
    const node_id c[1] = {child};
    link_children(n, c);
    return push(n);
  }

  /// `path[inner]`; the paths inside `inner` are relative to `path`.
  node_id add_value_filter(const attribute_path_view& p, node_id inner) {
    node n;
    n.kind = node_kind::value_filter;
    n.path = store_path(p);
    n.source_offset = n.path.offset;
    const node_id c[1] = {inner};
    link_children(n, c);
    return push(n);
  }

  void set_root(node_id id) noexcept { root_ = id; }

  /// Structural equality from the roots: same shapes, operators and literals;
  /// attribute paths compare case-insensitively, string literals exactly,
  /// decimals by lexeme. Source offsets and node numbering are ignored.
  friend bool operator==(const filter& a, const filter& b) { return subtree_equal(a, a.root_, b, b.root_); }

  /// Structural equality of two subtrees (possibly of different filters).
  static bool subtree_equal(const filter& a, node_id ra, const filter& b, node_id rb) {
    if (ra == no_node || rb == no_node) return ra == rb;
    std::vector<std::pair<node_id, node_id>> stack;
    stack.emplace_back(ra, rb);
    while (!stack.empty()) {
      const auto [ia, ib] = stack.back();
      stack.pop_back();
      const node& x = a[ia];
      const node& y = b[ib];
      if (x.kind != y.kind || x.child_count != y.child_count) return false;
      switch (x.kind) {
        case node_kind::compare:
          if (x.op != y.op || x.type != y.type || !(a.path(x) == b.path(y))) return false;
          switch (x.type) {
            case value_kind::string:
            case value_kind::decimal:
              if (a.text(x.text) != b.text(y.text)) return false;
              break;
            case value_kind::integer:
              if (x.integer != y.integer) return false;
              break;
            case value_kind::boolean:
              if (x.boolean != y.boolean) return false;
              break;
            case value_kind::null:
              break;
          }
          break;
        case node_kind::present:
          if (!(a.path(x) == b.path(y))) return false;
          break;
        case node_kind::value_filter:
          if (!(a.path(x) == b.path(y))) return false;
          [[fallthrough]];
        case node_kind::logical_and:
        case node_kind::logical_or:
        case node_kind::logical_not: {
          node_id ca = x.first_child;
          node_id cb = y.first_child;
          while (ca != no_node && cb != no_node) {
            stack.emplace_back(ca, cb);
            ca = a[ca].next_sibling;
            cb = b[cb].next_sibling;
          }
          if (ca != cb) return false;
          break;
        }
      }
    }
    return true;
  }

 private:
  friend class detail::filter_parser;

  // One buffer: [text: text_cap_ bytes][padding to 8][nodes: the rest]. It is
  // inline_ while it fits, else a heap block.
  static constexpr std::uint32_t inline_bytes = 576;

  static constexpr std::uint32_t align8(std::uint32_t v) noexcept { return (v + 7u) & ~7u; }
  std::uint32_t nodes_offset() const noexcept { return align8(text_cap_); }
  std::uint32_t node_capacity() const noexcept { return node_cap_; }
  /// Recomputes node_cap_ after buf_size_ or text_cap_ changed.
  void update_node_capacity() noexcept {
    const std::size_t off = nodes_offset();
    const std::size_t cap = off >= buf_size_ ? 0 : (buf_size_ - off) / sizeof(node);
    node_cap_ = cap > 0xfffffff0u ? 0xfffffff0u : static_cast<std::uint32_t>(cap);
  }
  node* node_data() noexcept { return std::launder(reinterpret_cast<node*>(buf_ + nodes_offset())); }
  const node* node_data() const noexcept {
    return std::launder(reinterpret_cast<const node*>(buf_ + nodes_offset()));
  }
  char* text_data() noexcept { return reinterpret_cast<char*>(buf_); }
  bool on_heap() const noexcept { return buf_ != inline_; }

  /// Makes room for `text_cap` bytes of text and `node_cap` nodes, keeping
  /// the contents.
  void reserve(std::uint32_t text_cap, std::uint32_t node_cap) {
    if (text_cap <= text_cap_ && node_cap <= node_capacity()) return;
    if (text_cap < text_cap_) text_cap = text_cap_;
    const std::uint64_t need = std::uint64_t{align8(text_cap)} + std::uint64_t{node_cap} * sizeof(node);
    unsigned char* nb = inline_;
    std::size_t size = inline_bytes;
    if (need > inline_bytes || on_heap()) {
      size = static_cast<std::size_t>(need);
      nb = new unsigned char[size];
    }
    if (nb != buf_) {
      std::memcpy(nb, buf_, text_size_);
      if (node_count_ != 0)
        std::memcpy(nb + align8(text_cap), buf_ + nodes_offset(), std::size_t{node_count_} * sizeof(node));
    } else if (node_count_ != 0 && align8(text_cap) != nodes_offset()) {
      std::memmove(nb + align8(text_cap), buf_ + nodes_offset(), std::size_t{node_count_} * sizeof(node));
    }
    if (on_heap() && nb != buf_) delete[] buf_;
    buf_ = nb;
    buf_size_ = size;
    text_cap_ = text_cap;
    update_node_capacity();
  }

  node_id push(const node& n) {
    if (node_count_ == node_capacity()) grow_nodes(node_count_ + 1);
    ::new (static_cast<void*>(buf_ + nodes_offset() + std::size_t{node_count_} * sizeof(node))) node(n);
    return node_count_++;
  }
  /// Appends a default node and returns it, to be filled in place (valid
  /// until the next node is added).
  node& emplace_node() {
    if (node_count_ == node_capacity()) grow_nodes(node_count_ + 1);
    node* n =
        ::new (static_cast<void*>(buf_ + nodes_offset() + std::size_t{node_count_} * sizeof(node))) node();
    ++node_count_;
    return *n;
  }
  void grow_nodes(std::uint32_t min) {
    std::uint32_t cap = node_capacity() * 2;
    if (cap < 4) cap = 4;
    if (cap < min) cap = min;
    reserve(text_cap_, cap);
  }
  node& mutable_node(node_id id) noexcept { return node_data()[id]; }

  text_span store(std::string_view s) {
    const auto len = static_cast<std::uint32_t>(s.size());
    if (text_size_ + len > text_cap_) {
      std::uint32_t cap = text_cap_ * 2;
      if (cap < text_size_ + len) cap = text_size_ + len;
      if (cap < 32) cap = 32;
      reserve(cap, node_capacity());
    }
    const text_span sp{text_size_, len};
    if (len != 0) std::memcpy(text_data() + text_size_, s.data(), len);
    text_size_ += len;
    return sp;
  }

  path_ref store_path(const attribute_path_view& p) {
    constexpr std::size_t max = 0xffff;
    const std::string_view urn = p.urn.substr(0, max);
    const std::string_view name = p.name.substr(0, max);
    const std::string_view sub = p.sub_attribute.substr(0, max);
    path_ref r;
    r.urn_length = static_cast<std::uint16_t>(urn.size());
    r.name_length = static_cast<std::uint16_t>(name.size());
    r.sub_length = static_cast<std::uint16_t>(sub.size());
    // Consecutive stores are contiguous: the path reads back as `urn:name.sub`.
    r.offset = text_size_;
    if (!urn.empty()) {
      store(urn);
      store(":");
    }
    store(name);
    if (!sub.empty()) {
      store(".");
      store(sub);
    }
    return r;
  }

  text_span store_decimal(double v) {
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf - 2, v);
    std::size_t len = static_cast<std::size_t>(res.ptr - buf);
    bool has_point_or_exp = false;
    for (std::size_t i = 0; i < len; ++i)
      if (buf[i] == '.' || buf[i] == 'e' || buf[i] == 'E') has_point_or_exp = true;
    if (!has_point_or_exp) {
      buf[len++] = '.';
      buf[len++] = '0';
    }
    return store(std::string_view(buf, len));
  }

  void link_children(node& parent, std::span<const node_id> children) noexcept {
    parent.child_count = static_cast<std::uint32_t>(children.size());
    parent.first_child = children.empty() ? no_node : children[0];
    if (!children.empty()) parent.source_offset = (*this)[children[0]].source_offset;
    for (std::size_t i = 0; i + 1 < children.size(); ++i)
      mutable_node(children[i]).next_sibling = children[i + 1];
    if (!children.empty()) mutable_node(children.back()).next_sibling = no_node;
  }

  void release() noexcept {
    if (on_heap()) delete[] buf_;
    buf_ = inline_;
    buf_size_ = inline_bytes;
    text_cap_ = text_size_ = node_count_ = source_size_ = 0;
    root_ = no_node;
    update_node_capacity();
  }

  void copy_from(const filter& o) {
    text_cap_ = o.text_cap_;
    text_size_ = o.text_size_;
    node_count_ = o.node_count_;
    source_size_ = o.source_size_;
    root_ = o.root_;
    // Copy compactly: text, then exactly the nodes in use.
    const std::uint64_t need = std::uint64_t{align8(text_cap_)} + std::uint64_t{node_count_} * sizeof(node);
    if (need > inline_bytes) {
      buf_size_ = static_cast<std::size_t>(need);
      buf_ = new unsigned char[buf_size_];
    } else {
      buf_ = inline_;
      buf_size_ = inline_bytes;
    }
    update_node_capacity();
    if (text_size_ != 0) std::memcpy(buf_, o.buf_, text_size_);
    if (node_count_ != 0)
      std::memcpy(buf_ + nodes_offset(), o.buf_ + o.nodes_offset(), std::size_t{node_count_} * sizeof(node));
  }

  void move_from(filter& o) noexcept {
    if (o.on_heap()) {
      buf_ = o.buf_;
      buf_size_ = o.buf_size_;
      text_cap_ = o.text_cap_;
      text_size_ = o.text_size_;
      node_count_ = o.node_count_;
      source_size_ = o.source_size_;
      root_ = o.root_;
      node_cap_ = o.node_cap_;
      o.buf_ = o.inline_;
      o.release();
      return;
    }
    buf_ = inline_;
    buf_size_ = inline_bytes;
    text_cap_ = o.text_cap_;
    text_size_ = o.text_size_;
    node_count_ = o.node_count_;
    source_size_ = o.source_size_;
    root_ = o.root_;
    node_cap_ = o.node_cap_;
    if (text_size_ != 0) std::memcpy(buf_, o.buf_, text_size_);
    if (node_count_ != 0)
      std::memcpy(buf_ + nodes_offset(), o.buf_ + o.nodes_offset(), std::size_t{node_count_} * sizeof(node));
    o.release();
  }

  alignas(node) unsigned char inline_[inline_bytes];
  unsigned char* buf_ = inline_;
  std::size_t buf_size_ = inline_bytes;
  std::uint32_t text_cap_ = 0;
  std::uint32_t text_size_ = 0;
  std::uint32_t node_count_ = 0;
  std::uint32_t source_size_ = 0;
  node_id root_ = no_node;
  std::uint32_t node_cap_ = inline_bytes / static_cast<std::uint32_t>(sizeof(node));
};

}  // namespace filter
SCIM_END_NAMESPACE
