// scimpp: schema-aware filter evaluation over JSON resources and typed
// resources (RFC 7644 section 3.4.2.2).
//
// A filter is first compiled against a resource type: every attribute path is
// resolved through the schema registry, the filter is validated (ordering
// operators on boolean or binary attributes are 400 invalidFilter, whichever
// branch they sit in), and literals are prepared once (case folding, dateTime
// instants). The compiled predicate then evaluates on
//   * plain JSON resources (`matches(const json&)`), and
//   * typed resources described by scim::resource_traits
//     (`matches(const T&)`), walking their field tables,
// with the same results.
//
// Semantics (each is tested):
//   * attribute names are case-insensitive; string comparisons honour the
//     attribute's caseExact (ASCII case folding when false);
//   * dateTime attributes compare as instants (offsets, fractional seconds);
//     integer and decimal numerically; boolean with eq/ne;
//   * a multi-valued attribute matches when any of its values matches, for
//     every operator including `ne`; an attribute with no value matches no
//     comparison (so `title ne "x"` is false when title is unassigned);
//   * a bare multi-valued complex attribute compares its `value` sub-attribute
//     (`emails co "example.com"`);
//   * `pr` needs a non-empty value: not null, not "", not [], not {} (nor an
//     object whose members are all empty);
//   * `eq null` matches exactly when the attribute is unassigned (the negation
//     of `pr`), `ne null` when it is assigned; ordering against null and
//     `co`/`sw`/`ew` against null never match;
//   * comparing values of different types (a string literal with a number
//     attribute, a number with a dateTime, ...) is no match, not an error;
//   * `gt`/`ge`/`lt`/`le` on a boolean or binary attribute is invalidFilter;
//   * the core schema URN prefix addresses core attributes; an extension URN
//     addresses the extension object;
//   * unknown attributes are invalidFilter, or never match when
//     compile_options::unknown_attributes is no_match (documented choice for
//     inputs that mix resource types).
#pragma once

#include "scim/config.hpp"
#include "scim/date_time.hpp"
#include "scim/detail/ascii.hpp"
#include "scim/error.hpp"
#include "scim/expected.hpp"
#include "scim/filter/ast.hpp"
#include "scim/json.hpp"
#include "scim/path.hpp"
#include "scim/resource/traits.hpp"
#include "scim/schema/attribute.hpp"
#include "scim/schema/registry.hpp"
#include "scim/schema/resource_type.hpp"

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

SCIM_BEGIN_NAMESPACE
namespace filter {

/// What an attribute path the schemas do not define does.
enum class unknown_attribute_policy { error, no_match };

struct compile_options {
  unknown_attribute_policy unknown_attributes = unknown_attribute_policy::error;
  /// Entra ID tolerance: the strings "True"/"False" (any case) compared with a
  /// boolean attribute are read as booleans.
  bool allow_string_booleans = false;
};

namespace detail {

enum class leaf_kind : std::uint8_t { compare, present, never };

// How a literal is compared with the attribute's values.
enum class literal_class : std::uint8_t { string, number, boolean, instant, null, mismatch };

// One step from an object to a member: the JSON key and the typed field.
struct hop {
  std::string key;                      // canonical spelling from the schema
  const field_info* field = nullptr;    // typed access; nullptr when the type lacks the member
};

struct leaf {
  leaf_kind kind = leaf_kind::compare;
  compare_op op = compare_op::eq;
  attribute_type type = attribute_type::string;
  bool case_exact = false;
  literal_class lit = literal_class::null;
  bool lit_bool = false;
  double lit_number = 0.0;
  std::int64_t lit_integer = 0;
  bool lit_is_integer = false;
  instant lit_instant{};
  std::string lit_text;  // folded to lower case when !case_exact
  // Path from the evaluation object: up to three hops (extension, attribute, sub-attribute).
  hop hops[3];
  std::uint8_t hop_count = 0;
  // Whether every hop has a typed field (typed evaluation walks fields) or
  // the value lives in the type's JSON side-car.
  bool typed = false;
  // Typed fast path: compares the last hop's member, read at its offset in
  // the owning object, with a comparison specialised for the member's C++
  // type, the operator and caseExact. nullptr: use the generic walk.
  bool (*final_compare)(const leaf&, const void* owner) = nullptr;
  // Batch form of final_compare for one-hop leaves (see batch_fn).
  std::uint64_t (*batch)(const leaf&, const char* base, std::size_t stride, std::uint64_t active) = nullptr;
};

struct program_node {
  node_kind kind = node_kind::present;
  std::uint32_t first_child = no_node;
  std::uint32_t next_sibling = no_node;
  std::uint32_t leaf_index = 0;  // compare/present: leaves[]; value_filter: the attribute path leaf
};

// ---- scalar comparison ------------------------------------------------------

inline bool fold_equals(std::string_view value, std::string_view folded_lit) noexcept {
  if (value.size() != folded_lit.size()) return false;
  for (std::size_t i = 0; i < value.size(); ++i)
    if (scim::detail::ascii_lower(value[i]) != folded_lit[i]) return false;
  return true;
}

inline int fold_compare(std::string_view value, std::string_view folded_lit) noexcept {
  const std::size_t n = value.size() < folded_lit.size() ? value.size() : folded_lit.size();
  for (std::size_t i = 0; i < n; ++i) {
    const auto a = static_cast<unsigned char>(scim::detail::ascii_lower(value[i]));
    const auto b = static_cast<unsigned char>(folded_lit[i]);
    if (a != b) return a < b ? -1 : 1;
  }
  return value.size() == folded_lit.size() ? 0 : (value.size() < folded_lit.size() ? -1 : 1);
}

// Eight bytes folded to ASCII lower case at once (bytes >= 0x80 unchanged).
inline std::uint64_t swar_lower(std::uint64_t x) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101ULL;
  constexpr std::uint64_t high = 0x8080808080808080ULL;
  const std::uint64_t b = x & ~high;
  const std::uint64_t at_least_a = b + ones * (0x80 - 'A');
  const std::uint64_t above_z = b + ones * (0x80 - 'Z' - 1);
  const std::uint64_t upper = at_least_a & ~above_z & ~x & high;
  return x | (upper >> 2);
}

inline std::uint64_t load8(const char* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// Case-insensitive (ASCII) substring test against a needle already folded to
// lower case. Compares up to eight bytes per position without branching on
// each character.
inline bool fold_contains(std::string_view hay, std::string_view folded_needle) noexcept {
  const std::size_t n = folded_needle.size();
  if (n == 0) return true;
  if (n > hay.size()) return false;
  const std::size_t last = hay.size() - n;
  std::size_t i = 0;
  if (hay.size() >= 8) {
    const std::size_t head = n < 8 ? n : 8;
    char pad[8] = {};
    std::memcpy(pad, folded_needle.data(), head);
    const std::uint64_t needle8 = load8(pad);
    const std::uint64_t mask = head == 8 ? ~std::uint64_t{0} : ((std::uint64_t{1} << (8 * head)) - 1);
    const std::size_t swar_end = hay.size() - 8;  // positions whose 8-byte window fits
    for (; i <= last && i <= swar_end; ++i) {
      if (((swar_lower(load8(hay.data() + i)) ^ needle8) & mask) != 0) continue;
      if (n <= 8 || fold_equals(hay.substr(i + 8, n - 8), folded_needle.substr(8))) return true;
    }
  }
  for (; i <= last; ++i)
    if (fold_equals(hay.substr(i, n), folded_needle)) return true;
  return false;
}

inline int exact_compare(std::string_view a, std::string_view b) noexcept {
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

template <class T>
constexpr bool ordered(compare_op op, T a, T b) noexcept {
  switch (op) {
    case compare_op::eq: return a == b;
    case compare_op::ne: return a != b;
    case compare_op::gt: return a > b;
    case compare_op::ge: return a >= b;
    case compare_op::lt: return a < b;
    case compare_op::le: return a <= b;
    default: return false;
  }
}

inline bool compare_string(const leaf& l, std::string_view v) noexcept {
  if (l.lit != literal_class::string) return false;
  const std::string_view lit = l.lit_text;
  if (l.case_exact) {
    switch (l.op) {
      case compare_op::eq: return v == lit;
      case compare_op::ne: return v != lit;
      case compare_op::co: return v.find(lit) != std::string_view::npos;
      case compare_op::sw: return v.substr(0, lit.size()) == lit;
      case compare_op::ew: return v.size() >= lit.size() && v.substr(v.size() - lit.size()) == lit;
      default: return ordered(l.op, exact_compare(v, lit), 0);
    }
  }
  switch (l.op) {
    case compare_op::eq: return fold_equals(v, lit);
    case compare_op::ne: return !fold_equals(v, lit);
    case compare_op::co: return fold_contains(v, lit);
    case compare_op::sw: return v.size() >= lit.size() && fold_equals(v.substr(0, lit.size()), lit);
    case compare_op::ew: return v.size() >= lit.size() && fold_equals(v.substr(v.size() - lit.size()), lit);
    default: return ordered(l.op, fold_compare(v, lit), 0);
  }
}

inline bool compare_instant(const leaf& l, instant v) noexcept {
  if (l.lit != literal_class::instant) return false;
  return ordered(l.op, v, l.lit_instant);
}

inline bool compare_bool(const leaf& l, bool v) noexcept {
  if (l.lit != literal_class::boolean) return false;
  if (l.op == compare_op::eq) return v == l.lit_bool;
  if (l.op == compare_op::ne) return v != l.lit_bool;
  return false;
}

inline bool compare_integer(const leaf& l, std::int64_t v) noexcept {
  if (l.lit != literal_class::number) return false;
  if (l.lit_is_integer) return ordered(l.op, v, l.lit_integer);
  return ordered(l.op, static_cast<double>(v), l.lit_number);
}

inline bool compare_decimal(const leaf& l, double v) noexcept {
  if (l.lit != literal_class::number) return false;
  return ordered(l.op, v, l.lit_number);
}

// A string value of a dateTime attribute: compared as an instant when both
// sides are valid dateTimes; otherwise no match.
inline bool compare_date_text(const leaf& l, std::string_view v) noexcept {
  if (l.lit != literal_class::instant) return false;
  const auto at = parse_date_time(v);
  return at && compare_instant(l, *at);
}

// ---- JSON values --------------------------------------------------------------

inline const json* find_key(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  const auto& map = obj.get_ref<const json::object_t&>();
  if (auto it = map.find(std::string(key)); it != map.end()) return &it->second;
  for (const auto& [k, v] : map)
    if (scim::detail::iequals(k, key)) return &v;
  return nullptr;
}

inline bool json_non_empty(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
    case json::value_t::discarded: return false;
    case json::value_t::string: return !v.get_ref<const std::string&>().empty();
    case json::value_t::array:
      for (const auto& e : v)
        if (json_non_empty(e)) return true;
      return false;
    case json::value_t::object:
      for (const auto& [k, e] : v.items())
        if (json_non_empty(e)) return true;
      return false;
    default: return true;
  }
}

inline bool compare_json_scalar(const leaf& l, const json& v) {
  switch (v.type()) {
    case json::value_t::string: {
      const std::string& s = v.get_ref<const std::string&>();
      if (l.type == attribute_type::date_time && l.op != compare_op::co && l.op != compare_op::sw &&
          l.op != compare_op::ew)
        return compare_date_text(l, s);
      return compare_string(l, s);
    }
    case json::value_t::boolean: return compare_bool(l, v.get<bool>());
    case json::value_t::number_integer: return compare_integer(l, v.get<std::int64_t>());
    case json::value_t::number_unsigned: {
      const auto u = v.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(INT64_MAX)) return compare_decimal(l, static_cast<double>(u));
      return compare_integer(l, static_cast<std::int64_t>(u));
    }
    case json::value_t::number_float: return compare_decimal(l, v.get<double>());
    default: return false;
  }
}

// Visits every value at the leaf's path below `obj` (fanning out over arrays);
// stops and returns true as soon as `f` does.
template <class F>
bool visit_json(const json& obj, const hop* hops, std::size_t n, F&& f) {
  const json* v = find_key(obj, hops[0].key);
  if (v == nullptr || v->is_null()) return false;
  if (n == 1) {
    if (v->is_array()) {
      for (const auto& e : *v)
        if (!e.is_null() && f(e)) return true;
      return false;
    }
    return f(*v);
  }
  if (v->is_array()) {
    for (const auto& e : *v)
      if (visit_json(e, hops + 1, n - 1, f)) return true;
    return false;
  }
  return visit_json(*v, hops + 1, n - 1, f);
}

// ---- typed values ---------------------------------------------------------------

// The kinds of typed members (scim::value_kind; filter::value_kind is the literal type).
using field_kind = scim::value_kind;

inline bool typed_non_empty(const field_info& f, const void* value);

inline bool typed_object_non_empty(const field_table& t, const void* obj) {
  for (const auto& f : t) {
    const void* m = f.get(obj);
    const std::size_t n = f.count(m);
    for (std::size_t i = 0; i < n; ++i)
      if (typed_non_empty(f, f.element(m, i))) return true;
  }
  return false;
}

inline bool typed_non_empty(const field_info& f, const void* value) {
  switch (f.kind) {
    case field_kind::string: return !static_cast<const std::string*>(value)->empty();
    case field_kind::date_time: return !static_cast<const date_time*>(value)->text().empty();
    case field_kind::any: return json_non_empty(*static_cast<const json*>(value));
    case field_kind::complex: return typed_object_non_empty(*f.sub, value);
    default: return true;
  }
}

inline bool compare_typed_scalar(const leaf& l, const field_info& f, const void* value) {
  switch (f.kind) {
    case field_kind::string: {
      const std::string& s = *static_cast<const std::string*>(value);
      if (l.type == attribute_type::date_time && l.op != compare_op::co && l.op != compare_op::sw &&
          l.op != compare_op::ew)
        return compare_date_text(l, s);
      return compare_string(l, s);
    }
    case field_kind::boolean: return compare_bool(l, *static_cast<const bool*>(value));
    case field_kind::integer: return compare_integer(l, *static_cast<const std::int64_t*>(value));
    case field_kind::decimal: return compare_decimal(l, *static_cast<const double*>(value));
    case field_kind::date_time: {
      const auto& d = *static_cast<const date_time*>(value);
      if (l.op == compare_op::co || l.op == compare_op::sw || l.op == compare_op::ew)
        return compare_string(l, d.text());
      return d.at() && compare_instant(l, *d.at());
    }
    case field_kind::any: return compare_json_scalar(l, *static_cast<const json*>(value));
    case field_kind::complex: return false;
  }
  return false;
}

template <class F>
bool visit_typed(const void* obj, const hop* hops, std::size_t n, F&& f) {
  const field_info& fi = *hops[0].field;
  const void* m = fi.get(obj);
  const std::size_t count = fi.count(m);
  for (std::size_t i = 0; i < count; ++i) {
    const void* e = fi.element(m, i);
    if (n == 1) {
      if (f(fi, e)) return true;
    } else if (visit_typed(e, hops + 1, n - 1, f)) {
      return true;
    }
  }
  return false;
}

}  // namespace detail

namespace detail {

// ---- typed fast path ------------------------------------------------------------

template <compare_op Op, bool Exact>
inline bool string_matches(std::string_view v, std::string_view lit) noexcept {
  if constexpr (Exact) {
    if constexpr (Op == compare_op::eq) return v == lit;
    else if constexpr (Op == compare_op::ne) return v != lit;
    else if constexpr (Op == compare_op::co) return v.find(lit) != std::string_view::npos;
    else if constexpr (Op == compare_op::sw) return v.size() >= lit.size() && v.substr(0, lit.size()) == lit;
    else if constexpr (Op == compare_op::ew)
      return v.size() >= lit.size() && v.substr(v.size() - lit.size()) == lit;
    else return ordered(Op, exact_compare(v, lit), 0);
  } else {
    if constexpr (Op == compare_op::eq) return fold_equals(v, lit);
    else if constexpr (Op == compare_op::ne) return !fold_equals(v, lit);
    else if constexpr (Op == compare_op::co) return fold_contains(v, lit);
    else if constexpr (Op == compare_op::sw) return v.size() >= lit.size() && fold_equals(v.substr(0, lit.size()), lit);
    else if constexpr (Op == compare_op::ew)
      return v.size() >= lit.size() && fold_equals(v.substr(v.size() - lit.size()), lit);
    else return ordered(Op, fold_compare(v, lit), 0);
  }
}

// The member is read as its exact C++ type: the field's (kind, shape) names it.
template <class Member, compare_op Op, bool Exact>
bool final_string(const leaf& l, const void* owner) {
  const auto& m = *reinterpret_cast<const Member*>(static_cast<const char*>(owner) + l.hops[l.hop_count - 1].field->offset);
  const std::string_view lit = l.lit_text;
  if constexpr (std::is_same_v<Member, std::string>) {
    return string_matches<Op, Exact>(m, lit);
  } else if constexpr (std::is_same_v<Member, std::optional<std::string>>) {
    return m.has_value() && string_matches<Op, Exact>(*m, lit);
  } else {
    for (const auto& v : m)
      if (string_matches<Op, Exact>(v, lit)) return true;
    return false;
  }
}

template <class Member, bool Exact>
constexpr auto string_compare_for(compare_op op) noexcept -> bool (*)(const leaf&, const void*) {
  switch (op) {
    case compare_op::eq: return &final_string<Member, compare_op::eq, Exact>;
    case compare_op::ne: return &final_string<Member, compare_op::ne, Exact>;
    case compare_op::co: return &final_string<Member, compare_op::co, Exact>;
    case compare_op::sw: return &final_string<Member, compare_op::sw, Exact>;
    case compare_op::ew: return &final_string<Member, compare_op::ew, Exact>;
    case compare_op::gt: return &final_string<Member, compare_op::gt, Exact>;
    case compare_op::ge: return &final_string<Member, compare_op::ge, Exact>;
    case compare_op::lt: return &final_string<Member, compare_op::lt, Exact>;
    case compare_op::le: return &final_string<Member, compare_op::le, Exact>;
  }
  return nullptr;
}

template <class Member>
bool final_bool(const leaf& l, const void* owner) {
  const auto& m = *reinterpret_cast<const Member*>(static_cast<const char*>(owner) + l.hops[l.hop_count - 1].field->offset);
  if constexpr (std::is_same_v<Member, bool>) {
    return compare_bool(l, m);
  } else {
    return m.has_value() && compare_bool(l, *m);
  }
}

template <class Member>
bool final_date_time(const leaf& l, const void* owner) {
  const auto& m = *reinterpret_cast<const Member*>(static_cast<const char*>(owner) + l.hops[l.hop_count - 1].field->offset);
  if constexpr (std::is_same_v<Member, date_time>) {
    return m.at() && compare_instant(l, *m.at());
  } else {
    return m.has_value() && m->at() && compare_instant(l, *m->at());
  }
}

// Batch form: evaluates the leaf on up to 64 objects laid out `stride` bytes
// apart (a contiguous array of the resource type) and returns the mask of
// those among `active` that match. A tight loop per leaf keeps many memory
// loads in flight, which is what makes scanning large collections fast.
using batch_fn = std::uint64_t (*)(const leaf&, const char* base, std::size_t stride, std::uint64_t active);

template <class Member, compare_op Op, bool Exact>
std::uint64_t batch_string(const leaf& l, const char* base, std::size_t stride, std::uint64_t active) {
  const std::ptrdiff_t off = l.hops[0].field->offset;
  const std::string_view lit = l.lit_text;
  std::uint64_t out = 0;
  while (active != 0) {
    const int i = std::countr_zero(active);
    active &= active - 1;
    const auto& m = *reinterpret_cast<const Member*>(base + static_cast<std::size_t>(i) * stride + off);
    bool hit;
    if constexpr (std::is_same_v<Member, std::string>) {
      hit = string_matches<Op, Exact>(m, lit);
    } else if constexpr (std::is_same_v<Member, std::optional<std::string>>) {
      hit = m.has_value() && string_matches<Op, Exact>(*m, lit);
    } else {
      hit = false;
      for (const auto& v : m)
        if (string_matches<Op, Exact>(v, lit)) {
          hit = true;
          break;
        }
    }
    out |= static_cast<std::uint64_t>(hit) << i;
  }
  return out;
}

template <class Member, bool Exact>
constexpr batch_fn string_batch_for(compare_op op) noexcept {
  switch (op) {
    case compare_op::eq: return &batch_string<Member, compare_op::eq, Exact>;
    case compare_op::ne: return &batch_string<Member, compare_op::ne, Exact>;
    case compare_op::co: return &batch_string<Member, compare_op::co, Exact>;
    case compare_op::sw: return &batch_string<Member, compare_op::sw, Exact>;
    case compare_op::ew: return &batch_string<Member, compare_op::ew, Exact>;
    case compare_op::gt: return &batch_string<Member, compare_op::gt, Exact>;
    case compare_op::ge: return &batch_string<Member, compare_op::ge, Exact>;
    case compare_op::lt: return &batch_string<Member, compare_op::lt, Exact>;
    case compare_op::le: return &batch_string<Member, compare_op::le, Exact>;
  }
  return nullptr;
}

// Generic batch: the per-object comparison in a loop.
inline std::uint64_t batch_final(const leaf& l, const char* base, std::size_t stride, std::uint64_t active) {
  std::uint64_t out = 0;
  while (active != 0) {
    const int i = std::countr_zero(active);
    active &= active - 1;
    out |= static_cast<std::uint64_t>(l.final_compare(l, base + static_cast<std::size_t>(i) * stride)) << i;
  }
  return out;
}

// The batch form of a one-hop leaf with a specialised comparison.
inline batch_fn select_batch(const leaf& l) {
  if (l.final_compare == nullptr || l.hop_count != 1) return nullptr;
  const field_info& f = *l.hops[0].field;
  if (l.lit == literal_class::string && f.kind == field_kind::string) {
    switch (f.shape) {
      case field_shape::plain:
        return l.case_exact ? string_batch_for<std::string, true>(l.op) : string_batch_for<std::string, false>(l.op);
      case field_shape::optional:
        return l.case_exact ? string_batch_for<std::optional<std::string>, true>(l.op)
                            : string_batch_for<std::optional<std::string>, false>(l.op);
      case field_shape::vector:
        return l.case_exact ? string_batch_for<std::vector<std::string>, true>(l.op)
                            : string_batch_for<std::vector<std::string>, false>(l.op);
    }
  }
  return &batch_final;
}

// Chooses the specialised comparison for a leaf whose last hop is typed.
inline bool (*select_final_compare(const leaf& l))(const leaf&, const void*) {
  if (l.kind != leaf_kind::compare || !l.typed || l.hop_count == 0) return nullptr;
  const field_info& f = *l.hops[l.hop_count - 1].field;
  if (f.offset < 0) return nullptr;
  switch (l.lit) {
    case literal_class::string:
      if (f.kind != field_kind::string || l.type == attribute_type::date_time) return nullptr;
      switch (f.shape) {
        case field_shape::plain:
          return l.case_exact ? string_compare_for<std::string, true>(l.op) : string_compare_for<std::string, false>(l.op);
        case field_shape::optional:
          return l.case_exact ? string_compare_for<std::optional<std::string>, true>(l.op)
                              : string_compare_for<std::optional<std::string>, false>(l.op);
        case field_shape::vector:
          return l.case_exact ? string_compare_for<std::vector<std::string>, true>(l.op)
                              : string_compare_for<std::vector<std::string>, false>(l.op);
      }
      return nullptr;
    case literal_class::boolean:
      if (f.kind != field_kind::boolean) return nullptr;
      if (f.shape == field_shape::plain) return &final_bool<bool>;
      if (f.shape == field_shape::optional) return &final_bool<std::optional<bool>>;
      return nullptr;
    case literal_class::instant:
      if (f.kind != field_kind::date_time || l.op == compare_op::co || l.op == compare_op::sw ||
          l.op == compare_op::ew)
        return nullptr;
      if (f.shape == field_shape::plain) return &final_date_time<date_time>;
      if (f.shape == field_shape::optional) return &final_date_time<std::optional<date_time>>;
      return nullptr;
    default: return nullptr;
  }
}

// Address of a typed member: at its offset when known, else through `get`.
inline const void* member_of(const field_info& fi, const void* obj) noexcept {
  return fi.offset >= 0 ? static_cast<const void*>(static_cast<const char*>(obj) + fi.offset) : fi.get(obj);
}

// Calls `f` with every object that owns the leaf's last hop (walking the
// intermediate complex hops); stops when `f` returns true.
template <class F>
bool visit_owners(const void* obj, const hop* hops, std::size_t n, F&& f) {
  if (n == 0) return f(obj);
  const field_info& fi = *hops[0].field;
  const void* m = member_of(fi, obj);
  const std::size_t count = fi.count(m);
  if (count == 0) return false;
  const char* e = static_cast<const char*>(fi.data(m));
  for (std::size_t i = 0; i < count; ++i, e += fi.element_size)
    if (visit_owners(e, hops + 1, n - 1, f)) return true;
  return false;
}

}  // namespace detail

/// A filter compiled against a resource type; evaluates JSON and typed resources.
class predicate {
 public:
  predicate() = default;

  /// True when the resource (a JSON object) matches.
  bool matches(const json& resource) const {
    if (nodes_.empty()) return true;
    return eval_json(root_, resource);
  }

  /// True when the typed resource matches. T must be described by
  /// scim::resource_traits; attributes the type does not model are read from
  /// its JSON side-car (`extra`), so results equal those on JSON.
  template <described_type T>
  bool matches(const T& resource) const {
    if (nodes_.empty()) return true;
    const field_table& table = field_table_of<T>();
    // Compiled for another type (or for JSON only): evaluate its JSON form.
    if (&table != typed_table_) return eval_json(root_, encode(resource));
    const json* extra = nullptr;
    if constexpr (scim::detail::has_extra<T>) extra = &std::invoke(resource_traits<T>::extra, const_cast<T&>(resource));
    return eval_typed(root_, &resource, table, extra);
  }

  /// Calls `f(i)` for the index of every matching resource of `items`, in
  /// order. Same results as matches() on each item, evaluated 64 resources at
  /// a time, one filter node at a time (fast on large collections).
  template <described_type T, class F>
  void for_each_match(std::span<const T> items, F&& f) const {
    const std::size_t n = items.size();
    if (nodes_.empty() || &field_table_of<T>() != typed_table_) {
      for (std::size_t i = 0; i < n; ++i)
        if (matches(items[i])) f(i);
      return;
    }
    for (std::size_t start = 0; start < n; start += 64) {
      const std::size_t len = n - start < 64 ? n - start : 64;
      const std::uint64_t all = len == 64 ? ~std::uint64_t{0} : ((std::uint64_t{1} << len) - 1);
      std::uint64_t hits = eval_batch<T>(root_, items.data() + start, all);
      while (hits != 0) {
        const int i = std::countr_zero(hits);
        hits &= hits - 1;
        f(start + static_cast<std::size_t>(i));
      }
    }
  }

  /// The number of matching resources among `items`.
  template <described_type T>
  std::size_t count_matches(std::span<const T> items) const {
    std::size_t c = 0;
    for_each_match(items, [&](std::size_t) { ++c; });
    return c;
  }

  /// Whether the compiled filter is empty (matches everything).
  bool empty() const noexcept { return nodes_.empty(); }

 private:
  friend expected<predicate> compile(const filter&, const resource_type&, const schema_registry&,
                                     const compile_options&, const field_table*);

  template <class T>
  static const json* extra_of(const T& obj) {
    if constexpr (scim::detail::has_extra<T>) return &std::invoke(resource_traits<T>::extra, const_cast<T&>(obj));
    else return nullptr;
  }

  // Evaluates node `id` on the objects base[i] for the bits i of `active`.
  template <class T>
  std::uint64_t eval_batch(std::uint32_t id, const T* base, std::uint64_t active) const {
    const detail::program_node& n = nodes_[id];
    switch (n.kind) {
      case node_kind::logical_and:
        for (auto c = n.first_child; c != no_node && active != 0; c = nodes_[c].next_sibling)
          active &= eval_batch(c, base, active);
        return active;
      case node_kind::logical_or: {
        std::uint64_t out = 0;
        for (auto c = n.first_child; c != no_node && active != 0; c = nodes_[c].next_sibling) {
          const std::uint64_t r = eval_batch(c, base, active);
          out |= r;
          active &= ~r;
        }
        return out;
      }
      case node_kind::logical_not: return active & ~eval_batch(n.first_child, base, active);
      case node_kind::present:
      case node_kind::compare: {
        const detail::leaf& l = leaves_[n.leaf_index];
        if (l.batch != nullptr)
          return l.batch(l, reinterpret_cast<const char*>(base), sizeof(T), active);
        break;
      }
      case node_kind::value_filter: break;
    }
    std::uint64_t out = 0;
    const field_table& table = *typed_table_;
    while (active != 0) {
      const int i = std::countr_zero(active);
      active &= active - 1;
      const T& obj = base[i];
      out |= static_cast<std::uint64_t>(eval_typed(id, &obj, table, extra_of(obj))) << i;
    }
    return out;
  }

  bool eval_json(std::uint32_t id, const json& obj) const {
    const detail::program_node& n = nodes_[id];
    switch (n.kind) {
      case node_kind::logical_and:
        for (auto c = n.first_child; c != no_node; c = nodes_[c].next_sibling)
          if (!eval_json(c, obj)) return false;
        return true;
      case node_kind::logical_or:
        for (auto c = n.first_child; c != no_node; c = nodes_[c].next_sibling)
          if (eval_json(c, obj)) return true;
        return false;
      case node_kind::logical_not: return !eval_json(n.first_child, obj);
      case node_kind::value_filter: {
        const detail::leaf& l = leaves_[n.leaf_index];
        if (l.kind == detail::leaf_kind::never) return false;
        return detail::visit_json(obj, l.hops, l.hop_count,
                                  [&](const json& e) { return e.is_object() && eval_json(n.first_child, e); });
      }
      case node_kind::present:
      case node_kind::compare: return eval_leaf_json(leaves_[n.leaf_index], obj);
    }
    return false;
  }

  static bool eval_leaf_json(const detail::leaf& l, const json& obj) {
    switch (l.kind) {
      case detail::leaf_kind::never: return false;
      case detail::leaf_kind::present:
        return detail::visit_json(obj, l.hops, l.hop_count, [](const json& v) { return detail::json_non_empty(v); });
      case detail::leaf_kind::compare:
        if (l.lit == detail::literal_class::null) {
          const bool present =
              detail::visit_json(obj, l.hops, l.hop_count, [](const json& v) { return detail::json_non_empty(v); });
          return l.op == compare_op::eq ? !present : (l.op == compare_op::ne && present);
        }
        return detail::visit_json(obj, l.hops, l.hop_count,
                                  [&](const json& v) { return detail::compare_json_scalar(l, v); });
    }
    return false;
  }

  bool eval_typed(std::uint32_t id, const void* obj, const field_table& table, const json* extra) const {
    const detail::program_node& n = nodes_[id];
    switch (n.kind) {
      case node_kind::logical_and:
        for (auto c = n.first_child; c != no_node; c = nodes_[c].next_sibling)
          if (!eval_typed(c, obj, table, extra)) return false;
        return true;
      case node_kind::logical_or:
        for (auto c = n.first_child; c != no_node; c = nodes_[c].next_sibling)
          if (eval_typed(c, obj, table, extra)) return true;
        return false;
      case node_kind::logical_not: return !eval_typed(n.first_child, obj, table, extra);
      case node_kind::value_filter: {
        const detail::leaf& l = leaves_[n.leaf_index];
        if (l.kind == detail::leaf_kind::never) return false;
        if (!l.typed) {
          return extra != nullptr &&
                 detail::visit_json(*extra, l.hops, l.hop_count,
                                    [&](const json& e) { return e.is_object() && eval_json(n.first_child, e); });
        }
        // Walk to the owner of the filtered attribute, then test each element.
        return detail::visit_owners(obj, l.hops, l.hop_count - 1u, [&](const void* owner) {
          const field_info& fi = *l.hops[l.hop_count - 1].field;
          if (fi.kind != scim::value_kind::complex) return false;
          const void* m = detail::member_of(fi, owner);
          const std::size_t count = fi.count(m);
          if (count == 0) return false;
          const char* e = static_cast<const char*>(fi.data(m));
          for (std::size_t i = 0; i < count; ++i, e += fi.element_size)
            if (eval_typed(n.first_child, e, *fi.sub, nullptr)) return true;
          return false;
        });
      }
      case node_kind::present:
      case node_kind::compare: {
        const detail::leaf& l = leaves_[n.leaf_index];
        if (!l.typed) return extra != nullptr && eval_leaf_json(l, *extra);
        return eval_leaf_typed(l, obj);
      }
    }
    (void)table;
    return false;
  }

  static bool eval_leaf_typed(const detail::leaf& l, const void* obj) {
    auto present = [&] {
      return detail::visit_typed(obj, l.hops, l.hop_count,
                                 [](const field_info& f, const void* v) { return detail::typed_non_empty(f, v); });
    };
    switch (l.kind) {
      case detail::leaf_kind::never: return false;
      case detail::leaf_kind::present: return present();
      case detail::leaf_kind::compare:
        if (l.lit == detail::literal_class::null) {
          const bool p = present();
          return l.op == compare_op::eq ? !p : (l.op == compare_op::ne && p);
        }
        if (l.final_compare != nullptr) {
          if (l.hop_count == 1) return l.final_compare(l, obj);
          return detail::visit_owners(obj, l.hops, l.hop_count - 1u,
                                      [&](const void* owner) { return l.final_compare(l, owner); });
        }
        return detail::visit_typed(obj, l.hops, l.hop_count, [&](const field_info& f, const void* v) {
          return detail::compare_typed_scalar(l, f, v);
        });
    }
    return false;
  }

  std::vector<detail::program_node> nodes_;
  std::vector<detail::leaf> leaves_;
  std::uint32_t root_ = 0;
  const field_table* typed_table_ = nullptr;
};

namespace detail {

inline error filter_error(const filter& f, const node& n, std::string detail) {
  return error(error_code::invalid_filter, std::move(detail)).at(n.source_offset, f.source());
}

// Prepares the literal of a compare node for an attribute of type `type`.
inline void prepare_literal(leaf& l, const filter& f, const node& n, const compile_options& opts) {
  switch (n.type) {
    case value_kind::null: l.lit = literal_class::null; return;
    case value_kind::boolean:
      l.lit = literal_class::boolean;
      l.lit_bool = n.boolean;
      return;
    case value_kind::integer:
      l.lit = literal_class::number;
      l.lit_is_integer = true;
      l.lit_integer = n.integer;
      l.lit_number = static_cast<double>(n.integer);
      return;
    case value_kind::decimal:
      l.lit = literal_class::number;
      l.lit_number = n.decimal;
      return;
    case value_kind::string: break;
  }
  const std::string_view s = f.string_value(n);
  if (l.type == attribute_type::boolean && opts.allow_string_booleans) {
    if (scim::detail::iequals(s, "true") || scim::detail::iequals(s, "false")) {
      l.lit = literal_class::boolean;
      l.lit_bool = scim::detail::iequals(s, "true");
      return;
    }
  }
  l.lit = literal_class::string;
  l.lit_text.assign(s.data(), s.size());
  if (l.type == attribute_type::date_time && n.op != compare_op::co && n.op != compare_op::sw &&
      n.op != compare_op::ew) {
    if (auto at = parse_date_time(s)) {
      l.lit = literal_class::instant;
      l.lit_instant = *at;
    } else {
      l.lit = literal_class::mismatch;  // not a dateTime: compares with nothing
    }
    return;
  }
  if (!l.case_exact)
    for (char& c : l.lit_text) c = scim::detail::ascii_lower(c);
}

struct compiler {
  const filter& f;
  const resource_type& rt;
  const schema_registry& reg;
  const compile_options& opts;
  const field_table* root_table = nullptr;  // typed evaluation: the resource type's field table
  predicate& out;
  std::vector<program_node>& nodes;
  std::vector<leaf>& leaves;

  // Resolves `path` (relative to `context` when inside a value filter) and
  // fills the leaf's type, caseExact and hops. Returns false with `err` set,
  // or true with l.kind == never for an unknown attribute under no_match.
  bool resolve(const node& n, const attribute* context, const field_table* table, leaf& l, bool implicit_value,
               error& err) {
    const attribute_path_view p = f.path(n);
    const attribute* target = nullptr;
    const attribute* top = nullptr;
    const schema* owner = nullptr;
    bool is_extension = false;
    if (context != nullptr) {
      if (p.has_urn() || p.has_sub_attribute()) {
        err = filter_error(f, n, "inside '" + context->name + "[...]' only sub-attributes of '" + context->name +
                                     "' can be named, not '" + to_string(p) + "'");
        return false;
      }
      target = context->find_sub_attribute(p.name);
      if (target == nullptr) return unknown(n, l, "'" + context->name + "' has no sub-attribute '" +
                                                      std::string(p.name) + "'", err);
      l.hops[0].key = target->name;
      l.hop_count = 1;
    } else {
      std::string text;
      append_to(text, p);
      auto r = reg.resolve(rt, text);
      if (!r) {
        if (r.error().status != 400) {
          err = r.error();
          return false;
        }
        return unknown(n, l, r.error().detail, err);
      }
      owner = r->owner;
      top = r->attr;
      is_extension = r->is_extension;
      target = r->sub ? r->sub : r->attr;
      std::uint8_t h = 0;
      if (is_extension) l.hops[h++].key = owner->id;
      l.hops[h++].key = top->name;
      if (r->sub) l.hops[h++].key = r->sub->name;
      l.hop_count = h;
    }
    if (implicit_value && target->is_complex() && target->multi_valued && context == nullptr &&
        !p.has_sub_attribute()) {
      if (const attribute* v = target->find_sub_attribute("value")) {
        l.hops[l.hop_count++].key = v->name;
        target = v;
      }
    }
    l.type = target->type;
    l.case_exact = target->case_exact;
    // Typed access: follow the hops through the field tables.
    l.typed = table != nullptr;
    for (std::uint8_t i = 0; i < l.hop_count && l.typed; ++i) {
      const field_info* fi = table ? table->find(l.hops[i].key) : nullptr;
      l.hops[i].field = fi;
      if (fi == nullptr) l.typed = false;
      else table = fi->sub;
    }
    return true;
  }

  bool unknown(const node& n, leaf& l, std::string detail, error& err) {
    if (opts.unknown_attributes == unknown_attribute_policy::no_match) {
      l.kind = leaf_kind::never;
      return true;
    }
    err = filter_error(f, n, "unknown attribute: " + detail);
    return false;
  }

  expected<std::uint32_t> compile_node(node_id id, const attribute* context, const field_table* table) {
    // Depth is bounded by the parser's nesting limit; recursion is safe.
    const node& n = f[id];
    program_node pn;
    pn.kind = n.kind;
    switch (n.kind) {
      case node_kind::logical_and:
      case node_kind::logical_or:
      case node_kind::logical_not: {
        std::uint32_t prev = no_node;
        const auto self = static_cast<std::uint32_t>(nodes.size());
        nodes.push_back(pn);
        for (node_id c : f.children(n)) {
          auto child = compile_node(c, context, table);
          if (!child) return fail(std::move(child.error()));
          if (prev == no_node) nodes[self].first_child = *child;
          else nodes[prev].next_sibling = *child;
          prev = *child;
        }
        return self;
      }
      case node_kind::value_filter: {
        if (context != nullptr) return fail(filter_error(f, n, "a value filter cannot be nested in another"));
        leaf l;
        error err;
        if (!resolve(n, nullptr, table, l, false, err)) return fail(std::move(err));
        const attribute* attr = nullptr;
        if (l.kind != leaf_kind::never) {
          std::string text;
          append_to(text, f.path(n));
          auto r = reg.resolve(rt, text);
          attr = r ? &r->target() : nullptr;
          if (attr == nullptr || !attr->is_complex()) {
            return fail(filter_error(f, n, "'" + text + "[...]' needs a complex attribute"));
          }
        }
        pn.leaf_index = static_cast<std::uint32_t>(leaves.size());
        leaves.push_back(std::move(l));
        const auto self = static_cast<std::uint32_t>(nodes.size());
        nodes.push_back(pn);
        if (attr == nullptr) {
          // Unknown attribute under no_match: the inner filter is never evaluated.
          nodes[self].first_child = no_node;
          return self;
        }
        const field_table* inner_table =
            l.typed && l.hops[l.hop_count - 1].field != nullptr ? l.hops[l.hop_count - 1].field->sub : nullptr;
        auto inner = compile_node(n.first_child, attr, inner_table);
        if (!inner) return fail(std::move(inner.error()));
        nodes[self].first_child = *inner;
        return self;
      }
      case node_kind::present:
      case node_kind::compare: {
        leaf l;
        l.kind = n.kind == node_kind::present ? leaf_kind::present : leaf_kind::compare;
        l.op = n.op;
        error err;
        if (!resolve(n, context, table, l, n.kind == node_kind::compare, err)) return fail(std::move(err));
        if (l.kind == leaf_kind::compare) {
          const bool ordering = n.op == compare_op::gt || n.op == compare_op::ge || n.op == compare_op::lt ||
                                n.op == compare_op::le;
          if (ordering && (l.type == attribute_type::boolean || l.type == attribute_type::binary)) {
            return fail(filter_error(f, n,
                                     std::string("'") + std::string(to_string(n.op)) + "' cannot compare the " +
                                         std::string(scim::to_string(l.type)) + " attribute '" + to_string(f.path(n)) +
                                         "' (RFC 7644: ordering is undefined for boolean and binary)"));
          }
          prepare_literal(l, f, n, opts);
          l.final_compare = select_final_compare(l);
          l.batch = select_batch(l);
        }
        pn.leaf_index = static_cast<std::uint32_t>(leaves.size());
        leaves.push_back(std::move(l));
        const auto self = static_cast<std::uint32_t>(nodes.size());
        nodes.push_back(pn);
        return self;
      }
    }
    return fail(filter_error(f, n, "unsupported filter node"));
  }
};

}  // namespace detail

/// Compiles a parsed filter for resources of type `rt`: resolves and checks
/// every attribute path against `reg`. Errors are 400 invalidFilter with the
/// position of the offending term. `typed` is the field table of the typed
/// resource the predicate will also evaluate (see compile_for).
inline expected<predicate> compile(const filter& f, const resource_type& rt, const schema_registry& reg,
                                   const compile_options& opts = {}, const field_table* typed = nullptr) {
  predicate p;
  p.typed_table_ = typed;
  if (f.empty()) return p;
  detail::compiler c{f, rt, reg, opts, typed, p, p.nodes_, p.leaves_};
  auto root = c.compile_node(f.root(), nullptr, typed);
  if (!root) return fail(std::move(root.error()));
  p.root_ = *root;
  return p;
}

/// compile() for evaluating typed resources of type T (and JSON).
template <described_type T>
expected<predicate> compile_for(const filter& f, const resource_type& rt, const schema_registry& reg,
                                const compile_options& opts = {}) {
  return compile(f, rt, reg, opts, &field_table_of<T>());
}

}  // namespace filter
SCIM_END_NAMESPACE
