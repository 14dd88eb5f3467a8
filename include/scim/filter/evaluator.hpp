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

#include <algorithm>
#include <atomic>
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

#if defined(__SSE2__) && !defined(SCIM_FILTER_NO_SIMD)
#  include <emmintrin.h>
#  define SCIM_FILTER_SSE2 1
#else
#  define SCIM_FILTER_SSE2 0
#endif

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
  // With final_compare or batch: the last hop's offset in its owner (read
  // by every comparison: one load instead of three dependent ones).
  std::ptrdiff_t last_offset = 0;
  // Batch form of the last hop's test (see batch_fn): final_compare on up to
  // 64 objects, or, when `batch_presence`, whether the last hop has a
  // non-empty value (for `pr`, `eq null` and `ne null`). nullptr: the batch
  // evaluation falls back to the per-object one for this leaf.
  std::uint64_t (*batch)(const leaf&, const char* const* objs, std::uint64_t active) = nullptr;
  bool batch_presence = false;
  // With `batch`: reads what the test reads of the last hop's member first
  // (its size, its optional flag), given the member's address.
  unsigned (*touch)(const char* member) = nullptr;
  std::uint16_t member_size = 0;  // with `touch`: sizeof the last hop's member
  // With `batch`: the leading hops walk_batch follows (through the last
  // multi-valued one); `batch` itself follows the others (owner_of).
  std::uint8_t walk_hops = 0;
  // Batch evaluation over the elements of a multi-valued attribute (the
  // attribute of a value filter, or a multi-valued hop just before the last
  // one): the members of each element the tests read, touched for all the
  // elements of a batch before the tests run. count == 0: none known.
  struct element_member {
    std::ptrdiff_t offset = 0;
    unsigned (*touch)(const char* member) = nullptr;
  };
  element_member element_touch[4];
  std::uint8_t element_touch_count = 0;
  // A value filter's path leaf, when its inner filter is one comparison of a
  // member of the element (final_compare), or an `and` / `or` of up to four
  // of them: the indices of those leaves, which the per-resource evaluation
  // tests one after the other on each element instead of walking the inner
  // filter's nodes. count == 0: walk them.
  std::uint32_t element_tests[4] = {};
  std::uint8_t element_test_count = 0;
  bool element_tests_any = false;  // `or`: one of the tests; otherwise all of them
};

struct program_node {
  node_kind kind = node_kind::present;
  std::uint32_t first_child = no_node;
  std::uint32_t next_sibling = no_node;
  std::uint32_t leaf_index = 0;  // compare/present: leaves[]; value_filter: the attribute path leaf
};

// The per-resource evaluation of typed resources runs the filter as a
// decision graph rather than walking its tree: one step per test (a
// comparison, a presence test, a value filter), each naming the step to go
// to when it holds and when it does not. `and`, `or` and `not` are only the
// wiring between the steps (`not` swaps a step's two exits), so evaluating
// is a loop over the tests it needs, without a call per logical node.
struct step {
  static constexpr std::int32_t accept = -1;
  static constexpr std::int32_t reject = -2;
  std::uint32_t node = 0;  // the program node tested
  bool direct = false;     // a comparison of a member of the resource itself: leaf.final_compare
  std::int32_t on_true = accept;  // the next step, or accept / reject
  std::int32_t on_false = reject;
};

// Whether a leaf compares a member of the object it is evaluated on (a
// resource, or an element in a value filter) with its final_compare alone:
// the direct steps and value filters' element_tests.
inline bool compares_own_member(const leaf& l) noexcept {
  return l.kind == leaf_kind::compare && l.typed && l.hop_count == 1 && l.lit != literal_class::null &&
         l.final_compare != nullptr;
}

// ---- scalar comparison ------------------------------------------------------

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

// Four bytes, zero-extended.
inline std::uint64_t load4(const char* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// Case-insensitive (ASCII) equality with a literal already folded to lower
// case, eight (or four) bytes at a time; the last block overlaps the one
// before it rather than ending in a loop over single bytes.
inline bool fold_equals(std::string_view value, std::string_view folded_lit) noexcept {
  const std::size_t n = value.size();
  if (n != folded_lit.size()) return false;
  const char* a = value.data();
  const char* b = folded_lit.data();
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 < n; i += 8)
      if (swar_lower(load8(a + i)) != load8(b + i)) return false;
    return swar_lower(load8(a + n - 8)) == load8(b + n - 8);
  }
  if (n >= 4) return swar_lower(load4(a)) == load4(b) && swar_lower(load4(a + n - 4)) == load4(b + n - 4);
  for (std::size_t i = 0; i < n; ++i)
    if (scim::detail::ascii_lower(a[i]) != b[i]) return false;
  return true;
}

// The high bit of every byte of x that is zero (exact: no false positives).
inline std::uint64_t swar_zero_bytes(std::uint64_t x) noexcept {
  constexpr std::uint64_t low7 = 0x7f7f7f7f7f7f7f7fULL;
  return ~(((x & low7) + low7) | x | low7);
}

#if SCIM_FILTER_SSE2
// Sixteen bytes folded to ASCII lower case at once (bytes >= 0x80 unchanged:
// as signed bytes they are below 'A').
inline __m128i sse2_lower(__m128i x) noexcept {
  const __m128i upper = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('A' - 1)), _mm_cmplt_epi8(x, _mm_set1_epi8('Z' + 1)));
  return _mm_or_si128(x, _mm_and_si128(upper, _mm_set1_epi8(0x20)));
}
#endif

// Case-insensitive (ASCII) substring test against a needle already folded to
// lower case. Candidate positions are those where the needle's first two
// bytes occur (after folding), found sixteen (SSE2) or eight positions at a
// time; only those are compared.
inline bool fold_contains(std::string_view hay, std::string_view folded_needle) noexcept {
  const std::size_t n = folded_needle.size();
  if (n == 0) return true;
  if (n > hay.size()) return false;
  const std::size_t last = hay.size() - n;  // the last position the needle fits at
  std::size_t i = 0;
#if SCIM_FILTER_SSE2
  if (n >= 2) {
    // Sixteen positions at a time, reading bytes i..i+16.
    const __m128i first = _mm_set1_epi8(folded_needle[0]);
    const __m128i second = _mm_set1_epi8(folded_needle[1]);
    const std::string_view rest = folded_needle.substr(2);
    for (; i <= last && hay.size() - i >= 17; i += 16) {
      const __m128i a = sse2_lower(_mm_loadu_si128(reinterpret_cast<const __m128i*>(hay.data() + i)));
      const __m128i b = sse2_lower(_mm_loadu_si128(reinterpret_cast<const __m128i*>(hay.data() + i + 1)));
      auto m = static_cast<unsigned>(_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, second))));
      while (m != 0) {
        const std::size_t pos = i + static_cast<std::size_t>(std::countr_zero(m));
        if (pos > last) return false;
        if (fold_equals(std::string_view(hay.data() + pos + 2, n - 2), rest)) return true;
        m &= m - 1;
      }
    }
  }
#endif
  if constexpr (std::endian::native == std::endian::little) {
    if (n >= 2) {
      constexpr std::uint64_t ones = 0x0101010101010101ULL;
      const std::uint64_t first = ones * static_cast<unsigned char>(folded_needle[0]);
      const std::uint64_t second = ones * static_cast<unsigned char>(folded_needle[1]);
      const std::string_view rest = folded_needle.substr(2);
      // Positions i..i+7, reading bytes i..i+8.
      for (; i <= last && hay.size() - i >= 9; i += 8) {
        std::uint64_t m = swar_zero_bytes(swar_lower(load8(hay.data() + i)) ^ first) &
                          swar_zero_bytes(swar_lower(load8(hay.data() + i + 1)) ^ second);
        while (m != 0) {
          const std::size_t pos = i + static_cast<std::size_t>(std::countr_zero(m)) / 8;
          if (pos > last) return false;
          if (fold_equals(std::string_view(hay.data() + pos + 2, n - 2), rest)) return true;
          m &= m - 1;
        }
      }
    }
  }
  const std::string_view rest = folded_needle.substr(1);
  for (; i <= last; ++i)
    if (scim::detail::ascii_lower(hay[i]) == folded_needle[0] &&
        fold_equals(std::string_view(hay.data() + i + 1, n - 1), rest))
      return true;
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
  const auto& m = *reinterpret_cast<const Member*>(static_cast<const char*>(owner) + l.last_offset);
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

// Calls pick.template operator()<M>() with M the C++ type of a member whose
// values are E and whose shape is `shape`: E, std::optional<E> or
// std::vector<E>.
template <class E, class Pick>
constexpr auto by_shape(field_shape shape, Pick&& pick) {
  using result = decltype(pick.template operator()<E>());
  switch (shape) {
    case field_shape::plain: return pick.template operator()<E>();
    case field_shape::optional: return pick.template operator()<std::optional<E>>();
    case field_shape::vector: return pick.template operator()<std::vector<E>>();
  }
  if constexpr (!std::is_void_v<result>) return result{};
}

// Calls pick.template operator()<Member, Exact>() with the C++ type of a
// string member of shape `shape` (std::string, optional, vector) and the
// leaf's caseExact: the one dispatch behind the per-object and batch string
// tests.
template <class Pick>
constexpr auto by_string_member(field_shape shape, bool exact, Pick&& pick) {
  return by_shape<std::string>(shape, [exact, &pick]<class Member>() {
    return exact ? pick.template operator()<Member, true>() : pick.template operator()<Member, false>();
  });
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
  const auto& m = *reinterpret_cast<const Member*>(static_cast<const char*>(owner) + l.last_offset);
  if constexpr (std::is_same_v<Member, bool>) {
    return compare_bool(l, m);
  } else {
    return m.has_value() && compare_bool(l, *m);
  }
}

template <class Member>
bool final_date_time(const leaf& l, const void* owner) {
  const auto& m = *reinterpret_cast<const Member*>(static_cast<const char*>(owner) + l.last_offset);
  if constexpr (std::is_same_v<Member, date_time>) {
    return m.at() && compare_instant(l, *m.at());
  } else {
    return m.has_value() && m->at() && compare_instant(l, *m->at());
  }
}

// ---- batch evaluation ------------------------------------------------------------
//
// predicate::for_each_match evaluates a typed collection 64 objects at a time,
// one filter node at a time (filters on multi-valued attributes: see
// prefetch_plan below). Objects are passed by address (`objs[i]` for bit
// i of a mask), so the same leaf code runs on the resources themselves, on the
// owners of a multi-hop leaf (user -> meta -> created) and on the elements of
// multi-valued attributes (emails[...]), flattened over all the objects of a
// batch.
//
// Scanning a large collection is bound by memory latency: a resource, its
// vectors and their heap strings are separate cache lines, each a dependent
// miss. A test that reads values at unpredictable places with an
// unpredictable outcome (`co`, `ew`, the elements of multi-valued
// attributes) is therefore preceded by a "touch" pass that only loads what it
// will read, for every object of the batch, without branching on the loaded
// values: the loads of different objects are independent and many are in
// flight at once, and the test then finds them in cache. (Prefetches into
// the first-level cache issued that many at once are mostly dropped; loads
// wait.) The lines the tests read first are requested earlier still: while
// a batch runs, those of the next batch are prefetched into the
// second-level cache (prefetch_l2), which keeps many more misses in flight.

// Keeps loaded values alive (the touch passes load for the cache's sake only).
inline void keep_loaded(unsigned v) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  __asm__ __volatile__("" : : "r"(v));
#else
  static std::atomic<unsigned> sink{0};
  sink.store(v, std::memory_order_relaxed);
#endif
}

// A prefetch hint for the line at p; Locality as __builtin_prefetch's (3:
// every level, 2: from the second-level cache on). The empty asm statement
// keeps a loop that only prefetches: GCC's -O2 deletes such a loop as free
// of side effects (a prefetch has none it can see), which made filters on
// multi-valued attributes about 3x slower.
template <int Locality>
inline void prefetch_hint(const void* p) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch(p, 0, Locality);
  __asm__ __volatile__("" : : "r"(p));
#else
  (void)p;
#endif
}
inline void prefetch(const void* p) noexcept { prefetch_hint<3>(p); }
// A prefetch into the second-level cache (prefetcht1 on x86). The first
// level has few miss buffers: prefetches into it, issued many at once, are
// mostly dropped, and those in flight hold up the loads. The second level
// keeps many more misses in flight, and a load then finds the line one level
// away. Measured on a 100,000-user scan: one line per user 8.5 -> 5.5 ns,
// three lines per user 19 -> 8.5 ns (prefetched 32 to 64 users ahead).
inline void prefetch_l2(const void* p) noexcept { prefetch_hint<2>(p); }

inline unsigned touch_byte(const char* p) noexcept { return static_cast<unsigned char>(*p); }

template <class Member>
inline constexpr field_shape field_shape_of = scim::detail::member_classifier<Member>::shape;

template <class Member>
inline const Member& member_at(const char* owner, std::ptrdiff_t offset) noexcept {
  return *reinterpret_cast<const Member*>(owner + offset);
}

inline const void* member_of(const field_info& fi, const void* obj) noexcept;

// The object owning a leaf's last hop, reached from `obj` through the
// single-valued hops that follow the walked ones (user -> meta for
// meta.created); nullptr when one of them is unassigned.
inline const char* owner_of(const leaf& l, const char* obj) {
  for (std::uint8_t h = l.walk_hops; h + 1 < l.hop_count; ++h) {
    const field_info& fi = *l.hops[h].field;
    const void* m = member_of(fi, obj);
    if (fi.shape == field_shape::plain) {
      obj = static_cast<const char*>(m);
    } else {
      const void* v = fi.data(m);
      if (v == nullptr) return nullptr;
      obj = static_cast<const char*>(v);
    }
  }
  return obj;
}

// What a batch test reads first of a member: its size or optional flag (the
// bytes of heap strings are touched by the tests that read them).
template <class Member>
unsigned touch_member(const char* p) noexcept {
  const auto& m = *reinterpret_cast<const Member*>(p);
  if constexpr (std::is_same_v<Member, bool>) return static_cast<unsigned>(m);
  else if constexpr (std::is_same_v<Member, date_time>) return static_cast<unsigned>(m.valid());
  else if constexpr (field_shape_of<Member> == field_shape::optional) {
    using E = typename Member::value_type;
    if constexpr (std::is_same_v<E, std::string>) return m.has_value() ? static_cast<unsigned>(m->size()) : 0u;
    else if constexpr (std::is_same_v<E, date_time>) return m.has_value() ? static_cast<unsigned>(m->valid()) : 0u;
    else return static_cast<unsigned>(m.has_value());
  } else {
    return static_cast<unsigned>(m.size());  // std::string, std::vector
  }
}

// Calls f(i) for each set bit i of m, lowest first.
template <class F>
inline void for_each_bit(std::uint64_t m, F&& f) {
  while (m != 0) {
    const auto i = static_cast<unsigned>(std::countr_zero(m));
    m &= m - 1;
    f(i);
  }
}

constexpr std::uint64_t bit(unsigned i) noexcept { return std::uint64_t{1} << i; }
constexpr std::uint64_t first_bits(std::size_t n) noexcept {
  return n >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
}

// The batch form of a leaf's last hop: tests the member at the last hop's
// offset in owner_of(objs[i]) for each bit i of `active`; returns the
// matching bits.
using batch_fn = std::uint64_t (*)(const leaf&, const char* const* objs, std::uint64_t active);

// Whether a value of `n` bytes can satisfy operator Op with a literal of
// `lit` bytes (ASCII case folding keeps sizes): what pass 1 of batch_string
// decides from the owners' members alone.
template <compare_op Op>
constexpr bool size_can_match(std::size_t n, std::size_t lit) noexcept {
  if constexpr (Op == compare_op::eq) return n == lit;
  else if constexpr (Op == compare_op::co || Op == compare_op::sw || Op == compare_op::ew) return n >= lit;
  else return true;  // ne, and the orderings, read the bytes
}

// The first and last byte of the part of a value of `n` bytes that `co`
// (the whole value) or `ew` (its last `lit` bytes, n >= lit) reads.
template <compare_op Op>
inline unsigned touch_bytes(const char* d, std::size_t n, std::size_t lit) noexcept {
  static_assert(Op == compare_op::co || Op == compare_op::ew);
  const std::size_t from = Op == compare_op::ew ? n - lit : 0;
  return touch_byte(d + from) ^ touch_byte(d + (n - (n != from)));
}

// String members. A multi-valued member: a touch pass over the values whose
// bytes `co` and `ew` read (to their end, with an outcome hard to predict),
// then the comparisons. A single-valued one: three passes over the objects,
// so that the loads of different objects overlap rather than wait for each
// other behind unpredictable branches:
//   1. the owners' members only, without branching on them: which values
//      exist and have a size that can match, and where their bytes are
//      (for the operators other than `co` and `ew`, whose outcome the
//      processor predicts well, a candidate's bytes are prefetched at once,
//      so that they load while the next members do);
//   2. for `co` and `ew` (whose outcome is hard to predict), a touch of the
//      first and last byte the comparison reads, for all the candidates
//      (heap strings are a cache line of their own);
//   3. the comparisons, on bytes in cache or on their way.
template <class Member, compare_op Op, bool Exact>
std::uint64_t batch_string(const leaf& l, const char* const* objs, std::uint64_t active) {
  const std::ptrdiff_t off = l.last_offset;
  const std::string_view lit = l.lit_text;
  std::uint64_t out = 0;
  if constexpr (std::is_same_v<Member, std::vector<std::string>>) {
    if constexpr (Op == compare_op::co || Op == compare_op::ew) {
      unsigned touched = 0;
      for_each_bit(active, [&](unsigned i) {
        if (const char* o = owner_of(l, objs[i]))
          for (const auto& v : member_at<Member>(o, off))
            if (v.size() >= lit.size()) touched ^= touch_bytes<Op>(v.data(), v.size(), lit.size());
      });
      keep_loaded(touched);
    }
    for_each_bit(active, [&](unsigned i) {
      bool hit = false;
      if (const char* o = owner_of(l, objs[i]))
        for (const auto& v : member_at<Member>(o, off))
          if (string_matches<Op, Exact>(v, lit)) {
            hit = true;
            break;
          }
      out |= static_cast<std::uint64_t>(hit) << i;
    });
    return out;
  } else {
    const char* owners[64];
    const char* const* src = objs;
    if (l.hop_count - l.walk_hops != 1) {  // walk to the owners first (user -> name for name.familyName)
      std::uint64_t reached = 0;
      for_each_bit(active, [&](unsigned i) {
        owners[i] = owner_of(l, objs[i]);
        reached |= static_cast<std::uint64_t>(owners[i] != nullptr) << i;
      });
      active = reached;
      src = owners;
    }
    static const std::string none;
    const char* data[64];
    std::size_t size[64];
    std::uint64_t candidates = 0;
    for_each_bit(active, [&](unsigned i) {
      const auto& m = member_at<Member>(src[i], off);
      bool present = true;
      const std::string* v = &none;  // selected, not branched on: every load below is unconditional
      if constexpr (std::is_same_v<Member, std::string>) {
        v = &m;
      } else {
        present = m.has_value();
        v = present ? &*m : &none;
      }
      data[i] = v->data();
      size[i] = v->size();
      const bool candidate = present & size_can_match<Op>(size[i], lit.size());
      candidates |= static_cast<std::uint64_t>(candidate) << i;
      // A candidate's bytes are fetched while the next members load (for
      // the others, the member's own line, already there: no branch).
      if constexpr (Op != compare_op::co && Op != compare_op::ew)
        prefetch_l2(candidate ? data[i] : reinterpret_cast<const char*>(&m));
    });
    if (candidates == 0) return 0;
    if constexpr (Op == compare_op::co || Op == compare_op::ew) {
      unsigned touched = 0;
      for_each_bit(candidates, [&](unsigned i) { touched ^= touch_bytes<Op>(data[i], size[i], lit.size()); });
      keep_loaded(touched);
    }
    for_each_bit(candidates, [&](unsigned i) {
      out |= static_cast<std::uint64_t>(string_matches<Op, Exact>({data[i], size[i]}, lit)) << i;
    });
    return out;
  }
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

// Boolean members: `eq` / `ne` with a boolean literal (final_bool).
template <class Member>
std::uint64_t batch_bool(const leaf& l, const char* const* objs, std::uint64_t active) {
  const std::ptrdiff_t off = l.last_offset;
  const bool want_equal = l.op == compare_op::eq;
  const bool lit = l.lit_bool;
  std::uint64_t out = 0;
  for_each_bit(active, [&](unsigned i) {
    const char* o = owner_of(l, objs[i]);
    if (o == nullptr) return;
    const auto& m = member_at<Member>(o, off);
    bool has, v;
    if constexpr (std::is_same_v<Member, bool>) {
      has = true;
      v = m;
    } else {
      has = m.has_value();
      v = m.value_or(false);
    }
    out |= static_cast<std::uint64_t>(has & ((v == lit) == want_equal)) << i;
  });
  return out;
}

// dateTime members compared as instants (final_date_time).
template <class Member, compare_op Op>
std::uint64_t batch_date_time(const leaf& l, const char* const* objs, std::uint64_t active) {
  const std::ptrdiff_t off = l.last_offset;
  const instant lit = l.lit_instant;
  std::uint64_t out = 0;
  for_each_bit(active, [&](unsigned i) {
    const char* o = owner_of(l, objs[i]);
    if (o == nullptr) return;
    const auto& m = member_at<Member>(o, off);
    const std::optional<instant>* at;
    if constexpr (std::is_same_v<Member, date_time>) at = &m.at();
    else at = m.has_value() ? &m->at() : nullptr;
    const bool has = at != nullptr && at->has_value();
    const instant v = has ? **at : instant{};
    out |= static_cast<std::uint64_t>(has & ordered(Op, v, lit)) << i;
  });
  return out;
}

template <class Member>
constexpr batch_fn date_time_batch_for(compare_op op) noexcept {
  switch (op) {
    case compare_op::eq: return &batch_date_time<Member, compare_op::eq>;
    case compare_op::ne: return &batch_date_time<Member, compare_op::ne>;
    case compare_op::gt: return &batch_date_time<Member, compare_op::gt>;
    case compare_op::ge: return &batch_date_time<Member, compare_op::ge>;
    case compare_op::lt: return &batch_date_time<Member, compare_op::lt>;
    case compare_op::le: return &batch_date_time<Member, compare_op::le>;
    default: return nullptr;
  }
}

// Whether the last hop has a non-empty value (typed_non_empty) for string,
// boolean and dateTime members.
template <class Member>
std::uint64_t batch_present(const leaf& l, const char* const* objs, std::uint64_t active) {
  const std::ptrdiff_t off = l.last_offset;
  auto non_empty = [](const auto& v) {
    using V = std::remove_cvref_t<decltype(v)>;
    if constexpr (std::is_same_v<V, std::string>) return !v.empty();
    else if constexpr (std::is_same_v<V, date_time>) return !v.text().empty();
    else return true;  // bool
  };
  std::uint64_t out = 0;
  for_each_bit(active, [&](unsigned i) {
    const char* o = owner_of(l, objs[i]);
    if (o == nullptr) return;
    const auto& m = member_at<Member>(o, off);
    bool hit = false;
    if constexpr (field_shape_of<Member> == field_shape::plain) {
      hit = non_empty(m);
    } else if constexpr (field_shape_of<Member> == field_shape::optional) {
      hit = m.has_value() && non_empty(*m);
    } else {
      for (const auto& v : m)
        if (non_empty(v)) {
          hit = true;
          break;
        }
    }
    out |= static_cast<std::uint64_t>(hit) << i;
  });
  return out;
}

template <class E>
constexpr batch_fn present_batch_for(field_shape shape) noexcept {
  return by_shape<E>(shape, []<class M>() -> batch_fn { return &batch_present<M>; });
}

// What a batch pass touches of the leaf's member, and the member's size.
template <class E>
void set_touch(leaf& l, field_shape shape) noexcept {
  by_shape<E>(shape, [&l]<class M>() {
    l.touch = &touch_member<M>;
    l.member_size = static_cast<std::uint16_t>(sizeof(M));
  });
}

// The batch form of a typed leaf's last hop (any number of hops: the
// intermediate ones are walked by walk_batch), or nullptr.
inline batch_fn select_batch_test(leaf& l) {
  l.batch_presence = false;
  if (!l.typed || l.hop_count == 0 || l.kind == leaf_kind::never) return nullptr;
  const field_info& f = *l.hops[l.hop_count - 1].field;
  if (f.offset < 0) return nullptr;
  if (l.kind == leaf_kind::present || l.lit == literal_class::null) {
    l.batch_presence = true;
    switch (f.kind) {
      case field_kind::string: return present_batch_for<std::string>(f.shape);
      case field_kind::boolean: return present_batch_for<bool>(f.shape);
      case field_kind::date_time: return present_batch_for<date_time>(f.shape);
      default: l.batch_presence = false; return nullptr;
    }
  }
  if (l.final_compare == nullptr) return nullptr;
  switch (l.lit) {
    case literal_class::string:
      return by_string_member(f.shape, l.case_exact,
                              [op = l.op]<class M, bool E>() { return string_batch_for<M, E>(op); });
    case literal_class::boolean:
      if (l.op != compare_op::eq && l.op != compare_op::ne) return nullptr;  // never match (final_bool)
      return f.shape == field_shape::plain ? &batch_bool<bool> : &batch_bool<std::optional<bool>>;
    case literal_class::instant:
      return f.shape == field_shape::plain ? date_time_batch_for<date_time>(l.op)
                                           : date_time_batch_for<std::optional<date_time>>(l.op);
    default: return nullptr;
  }
}

// Sets the batch form of a compare or present leaf (batch, touch, and the
// element touch when its last hop belongs to the elements of a multi-valued
// attribute: emails.value).
inline void select_batch(leaf& l) {
  l.batch = select_batch_test(l);
  l.touch = nullptr;
  l.element_touch_count = 0;
  l.walk_hops = 0;
  if (l.batch == nullptr) return;
  for (std::uint8_t h = 0; h + 1 < l.hop_count; ++h)
    if (l.hops[h].field->shape == field_shape::vector) l.walk_hops = static_cast<std::uint8_t>(h + 1);
  const field_info& f = *l.hops[l.hop_count - 1].field;
  switch (f.kind) {
    case field_kind::string: set_touch<std::string>(l, f.shape); break;
    case field_kind::boolean: set_touch<bool>(l, f.shape); break;
    case field_kind::date_time: set_touch<date_time>(l, f.shape); break;
    default: break;
  }
  if (l.touch != nullptr && l.hop_count >= 2 && l.hops[l.hop_count - 2].field->shape == field_shape::vector) {
    l.element_touch[0] = {f.offset, l.touch};
    l.element_touch_count = 1;
  }
}

// Chooses the specialised comparison for a leaf whose last hop is typed.
inline bool (*select_final_compare(const leaf& l))(const leaf&, const void*) {
  if (l.kind != leaf_kind::compare || !l.typed || l.hop_count == 0) return nullptr;
  const field_info& f = *l.hops[l.hop_count - 1].field;
  if (f.offset < 0) return nullptr;
  switch (l.lit) {
    case literal_class::string:
      if (f.kind != field_kind::string || l.type == attribute_type::date_time) return nullptr;
      return by_string_member(f.shape, l.case_exact,
                              [op = l.op]<class M, bool E>() { return string_compare_for<M, E>(op); });
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

// The values of a member: [begin, end), element_size bytes apart.
struct element_range {
  const char* begin;
  const char* end;
};
inline element_range elements_in(const field_info& fi, const void* m) noexcept {
  if (fi.range_words) {  // a vector: its range is read where it keeps it, without two calls
    element_range r;
    std::memcpy(static_cast<void*>(&r.begin), m, sizeof r.begin);
    std::memcpy(static_cast<void*>(&r.end), static_cast<const char*>(m) + sizeof r.begin, sizeof r.end);
    return r;
  }
  const std::size_t count = fi.count(m);
  if (count == 0) return {nullptr, nullptr};
  const char* b = static_cast<const char*>(fi.data(m));
  return {b, b + count * fi.element_size};
}

// Calls `f` with every object that owns the leaf's last hop (walking the
// intermediate complex hops); stops when `f` returns true.
template <class F>
bool visit_owners(const void* obj, const hop* hops, std::size_t n, F&& f) {
  if (n == 0) return f(obj);
  const field_info& fi = *hops[0].field;
  const element_range r = elements_in(fi, member_of(fi, obj));
  for (const char* e = r.begin; e != r.end; e += fi.element_size)
    if (visit_owners(e, hops + 1, n - 1, f)) return true;
  return false;
}

// Batch form of visit_owners: follows hops[0, n) from the objects objs[i] of
// the bits i of `active` and calls last(values, mask) with the objects the
// n-th hop leads to (a resource's meta, each element of its emails, ...), at
// most 64 at a time: multi-valued hops are flattened over all the objects.
// Returns the bits of the objects for which `last` returned the bit of at
// least one of their values.
template <class F>
std::uint64_t walk_batch(const hop* hops, std::size_t n, const char* const* objs, std::uint64_t active, F& last,
                         const leaf& touch_spec) {
  if (n == 0) return active != 0 ? last(objs, active) : 0;
  if (active == 0) return 0;
  const field_info& fi = *hops[0].field;
  if (fi.shape != field_shape::vector) {
    const char* next[64];
    std::uint64_t has = 0;
    for_each_bit(active, [&](unsigned i) {
      if (const void* v = fi.data(member_of(fi, objs[i]))) {
        next[i] = static_cast<const char*>(v);
        has |= bit(i);
      }
    });
    return walk_batch(hops + 1, n - 1, next, has, last, touch_spec);
  }
  // The vectors' sizes and elements, read for all the objects first: the
  // loops below branch on the sizes.
  std::size_t sizes[64];
  const char* data[64];
  for_each_bit(active, [&](unsigned i) {
    const void* m = member_of(fi, objs[i]);
    sizes[i] = fi.count(m);
    data[i] = sizes[i] != 0 ? static_cast<const char*>(fi.data(m)) : nullptr;
  });
  // Touch pass: when the elements are what `last` tests, the members of the
  // first and the last element that the tests read, for all the objects at
  // once (without looping over the elements: a loop whose length is not yet
  // in cache would make the loads of the next objects wait).
  if (n == 1 && touch_spec.element_touch_count != 0) {
    unsigned touched = 0;
    for_each_bit(active, [&](unsigned i) {
      if (sizes[i] == 0) return;
      const char* first = data[i];
      const char* back = first + (sizes[i] - 1) * fi.element_size;
      for (std::uint8_t k = 0; k < touch_spec.element_touch_count; ++k) {
        const auto& t = touch_spec.element_touch[k];
        touched ^= t.touch(first + t.offset) ^ t.touch(back + t.offset);
      }
    });
    keep_loaded(touched);
  }
  const char* elems[64];
  unsigned char owner[64];
  unsigned count = 0;
  std::uint64_t out = 0;
  auto flush = [&] {
    const std::uint64_t hits = walk_batch(hops + 1, n - 1, elems, first_bits(count), last, touch_spec);
    for_each_bit(hits, [&](unsigned j) { out |= bit(owner[j]); });
    count = 0;
  };
  for_each_bit(active, [&](unsigned i) {
    const std::size_t size = sizes[i];
    if (size == 0 || (out & bit(i)) != 0) return;
    const char* e = data[i];
    for (std::size_t j = 0; j < size; ++j, e += fi.element_size) {
      elems[count] = e;
      owner[count] = static_cast<unsigned char>(i);
      if (++count == 64) flush();
    }
  });
  if (count != 0) flush();
  return out;
}

// ---- prefetching for filters on multi-valued attributes ------------------------------
//
// A filter on multi-valued attributes (emails[type eq "work"], emails.value co
// "x") reads, per resource, a chain of dependent cache lines: the resource,
// its vector's elements, their heap strings. for_each_match evaluates such
// filters resource by resource, prefetching what the filter reads of the
// resources a few places ahead, one link of the chain per distance: the
// members of the resource 3*D ahead, the elements (and heap strings) of the
// resource 2*D ahead, the elements' heap strings D ahead. Issued a few per
// resource, between evaluations, the prefetches overlap each other and the
// evaluation (issued for many resources at once, most of them are lost).
// The resources' members go to the first-level cache, the elements and heap
// strings to the second (prefetch_l2): measured, members into L2 made
// `emails[...] or ims[...]` 18-25% slower, and elements and strings into L1
// made emails[...] filters 10-13% slower. Prefetching the members further
// ahead as well (64 or 128 resources, into L2) made these filters 10-30%
// slower.
// A conjunction that starts with tests of single-valued attributes
// (`userType ne "Employee" and not (emails.value co "x")`) is gated: those
// tests run 2*D ahead, and only the resources that pass them have their
// elements prefetched and the rest of the filter evaluated.

// Prefetches the bytes of a string member (when it has a value).
template <class Member>
void prefetch_string(const char* p) noexcept {
  const auto& m = *reinterpret_cast<const Member*>(p);
  const std::string* s;
  if constexpr (std::is_same_v<Member, std::string>) s = &m;
  else s = m.has_value() ? &*m : nullptr;
  if (s == nullptr) return;
  const std::size_t n = s->size();
  prefetch_l2(s->data());
  prefetch_l2(s->data() + (n - (n != 0)));
}

// The bytes [from, last] of an object: prefetched as their first byte, every
// 64th after it and the last, so every line they touch whatever the object's
// alignment.
struct byte_span {
  std::ptrdiff_t from = 0;
  std::ptrdiff_t last = 0;
  void prefetch_at(const char* obj) const noexcept {
    for (std::ptrdiff_t o = from; o < last; o += 64) prefetch_l2(obj + o);
    prefetch_l2(obj + last);
  }
};

struct prefetch_plan {
  struct string_member {
    std::ptrdiff_t offset = 0;
    bool optional = false;  // std::optional<std::string>; otherwise std::string
    void prefetch_bytes(const char* obj) const noexcept {
      if (optional) prefetch_string<std::optional<std::string>>(obj + offset);
      else prefetch_string<std::string>(obj + offset);
    }
  };
  struct member {
    std::ptrdiff_t offset = 0;
    std::size_t size = 1;  // a resource's: first and last byte prefetched; an element's: every line
  };
  struct multi_valued {
    const field_info* field = nullptr;
    member members[4];  // the members read in each element
    std::uint8_t member_count = 0;
    string_member strings[4];  // string members of each element whose bytes are read
    std::uint8_t string_count = 0;
    byte_span reads{};  // what the members cover of an element (finish())
    bool whole = false;  // prefetch the elements' bytes end to end (they read most of each)
  };
  // Where the stages of one resource meet: its vectors' elements, found by
  // stage 1 and used by stage 2.
  struct found {
    const char* data[2] = {};
    std::size_t count[2] = {};
  };
  member members[8];  // the resource's members read
  std::uint8_t member_count = 0;
  string_member strings[4];  // the resource's string members whose bytes are read
  std::uint8_t string_count = 0;
  multi_valued vectors[2];
  std::uint8_t vector_count = 0;
  bool usable = true;  // false: too many members to list (the plan is not used)

  static constexpr std::size_t distance = 8;
  static constexpr std::size_t max_elements = 4;

  bool empty() const noexcept { return !usable || vector_count == 0; }

  // Adds v to list unless there (by offset); a full list makes the plan unusable.
  template <class A, std::size_t N>
  static void add(A (&list)[N], std::uint8_t& count, const A& v, bool& usable) {
    for (std::uint8_t i = 0; i < count; ++i)
      if (list[i].offset == v.offset) return;
    if (count == N) {
      usable = false;
      return;
    }
    list[count++] = v;
  }
  // A member of the resource (its size when known: a leaf's last hop, or a vector).
  void add_member(const field_info& f, std::size_t size) {
    if (f.shape == field_shape::vector) size = sizeof(std::vector<char>);
    if (f.offset >= 0) add(members, member_count, member{f.offset, size != 0 ? size : 1}, usable);
  }
  multi_valued* vector_for(const field_info& f) {
    for (std::uint8_t i = 0; i < vector_count; ++i)
      if (vectors[i].field == &f) return &vectors[i];
    if (vector_count == 2) {
      usable = false;
      return nullptr;
    }
    vectors[vector_count].field = &f;
    return &vectors[vector_count++];
  }
  // Once every member is listed: what is prefetched of each element.
  void finish() {
    for (std::uint8_t v = 0; v < vector_count; ++v) {
      multi_valued& mv = vectors[v];
      if (mv.member_count == 0) continue;
      byte_span all{mv.members[0].offset, mv.members[0].offset};
      for (std::uint8_t k = 0; k < mv.member_count; ++k) {
        all.from = std::min(all.from, mv.members[k].offset);
        all.last = std::max(all.last, mv.members[k].offset + static_cast<std::ptrdiff_t>(mv.members[k].size) - 1);
      }
      mv.reads = all;
      mv.whole = 2 * (all.last - all.from + 1) >= static_cast<std::ptrdiff_t>(mv.field->element_size);
    }
  }

  // Stage 0: the lines of the members of the resource at `obj`.
  void members_of(const char* obj) const noexcept {
    for (std::uint8_t i = 0; i < member_count; ++i) {
      prefetch(obj + members[i].offset);
      prefetch(obj + members[i].offset + static_cast<std::ptrdiff_t>(members[i].size - 1));
    }
  }
  // Stage 1: the resource's heap strings ...
  void strings_of(const char* obj) const noexcept {
    for (std::uint8_t i = 0; i < string_count; ++i) strings[i].prefetch_bytes(obj);
  }
  // ... and its vectors' elements (noted in `f`).
  void elements_of(const char* obj, found& f) const {
    for (std::uint8_t v = 0; v < vector_count; ++v) {
      const multi_valued& mv = vectors[v];
      const element_range r = elements_in(*mv.field, obj + mv.field->offset);
      const std::ptrdiff_t size = static_cast<std::ptrdiff_t>(mv.field->element_size);
      const char* e = r.begin;
      std::size_t count = 0;  // at most max_elements
      for (const char* p = r.begin; p != r.end && count < max_elements; p += size) ++count;
      f.count[v] = count;
      f.data[v] = e;
      if (count == 0 || mv.member_count == 0) continue;
      if (mv.whole) {
        byte_span{mv.reads.from, static_cast<std::ptrdiff_t>(count - 1) * size + mv.reads.last}.prefetch_at(e);
        continue;
      }
      for (std::size_t j = 0; j < count; ++j, e += size) mv.reads.prefetch_at(e);
    }
  }
  // Stage 2: the heap strings of the vectors' elements (found by stage 1).
  void element_strings_of(const found& f) const {
    for (std::uint8_t v = 0; v < vector_count; ++v) {
      const multi_valued& mv = vectors[v];
      if (mv.string_count == 0 || f.count[v] == 0) continue;
      const std::size_t count = f.count[v] < max_elements ? f.count[v] : max_elements;
      const char* e = f.data[v];
      for (std::size_t j = 0; j < count; ++j, e += mv.field->element_size)
        for (std::uint8_t k = 0; k < mv.string_count; ++k) mv.strings[k].prefetch_bytes(e);
    }
  }
};

// Whether a test reads the bytes of a string member (a comparison with a
// string literal through its batch form) and, if so, the member's shape.
inline bool string_prefetch_for(const leaf& l, bool& optional) {
  if (l.kind != leaf_kind::compare || l.lit != literal_class::string || l.batch == nullptr) return false;
  const field_info& f = *l.hops[l.hop_count - 1].field;
  if (f.kind != field_kind::string) return false;
  if (f.shape != field_shape::plain && f.shape != field_shape::optional) return false;
  optional = f.shape == field_shape::optional;
  return true;
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
    return run_steps(&resource, table, extra, entry_);
  }

  /// Calls `f(i)` for the index of every matching resource of `items`, in
  /// order. Same results as matches() on each item, faster on large
  /// collections: evaluated 64 resources at a time, one filter node at a time;
  /// or, for filters on multi-valued attributes, resource by resource while
  /// prefetching what the filter reads of the next resources (their
  /// elements and heap strings are chains of dependent cache misses).
  template <described_type T, class F>
  void for_each_match(std::span<const T> items, F&& f) const {
    for_each_batch(items, [&](std::size_t start, std::uint64_t hits) {
      detail::for_each_bit(hits, [&](unsigned i) { f(start + i); });
    });
  }

  /// The number of matching resources among `items`.
  template <described_type T>
  std::size_t count_matches(std::span<const T> items) const {
    std::size_t c = 0;
    for_each_batch(items, [&](std::size_t, std::uint64_t hits) { c += static_cast<std::size_t>(std::popcount(hits)); });
    return c;
  }

  /// Whether the compiled filter is empty (matches everything).
  bool empty() const noexcept { return nodes_.empty(); }

 private:
  friend expected<predicate> compile(const filter&, const resource_type&, const schema_registry&,
                                     const compile_options&, const field_table*);

  // Calls g(start, hits) with the matches among items[start, start + 64)
  // (bit i of hits: items[start + i]), in order.
  template <class T, class G>
  void for_each_batch(std::span<const T> items, G&& g) const {
    const std::size_t n = items.size();
    if (nodes_.empty() || &field_table_of<T>() != typed_table_) {
      for (std::size_t i = 0; i < n; ++i)
        if (matches(items[i])) g(i, std::uint64_t{1});
      return;
    }
    if (!plan_.empty()) {
      // A filter on multi-valued attributes: resource by resource, prefetching ahead.
      if (gate_size_ == 0) run_planned<false>(items, g);
      else run_planned<true>(items, g);
      return;
    }
    // While a batch runs, the lines its tests read of the next batch's
    // resources are prefetched into L2 (see ahead_).
    std::ptrdiff_t ahead[sizeof ahead_ / sizeof ahead_[0]];
    std::size_t ahead_count = 0;
    for (std::uint8_t k = 0; k < ahead_count_; ++k)
      if (ahead_[k] < static_cast<std::ptrdiff_t>(sizeof(T))) ahead[ahead_count++] = ahead_[k];
    const char* objs[64];
    for (std::size_t start = 0; start < n; start += 64) {
      const std::size_t len = n - start < 64 ? n - start : 64;
      for (std::size_t i = start + 64, end = n - start < 128 ? n : start + 128; i < end; ++i)
        for (std::size_t k = 0; k < ahead_count; ++k)
          detail::prefetch_l2(reinterpret_cast<const char*>(&items[i]) + ahead[k]);
      for (std::size_t i = 0; i < len; ++i) objs[i] = reinterpret_cast<const char*>(&items[start + i]);
      if (const std::uint64_t hits = eval_batch<T>(root_, objs, detail::first_bits(len), true)) g(start, hits);
    }
  }

  // The per-resource evaluation of `items`, prefetching what the plan lists
  // a few resources ahead: the members of the resource 3d ahead, the
  // elements of the one 2d ahead (stage 1), their heap strings d ahead
  // (stage 2); calls g(i, 1) for each match. Gated (gate_size_ != 0): the
  // gate is tested 2d ahead, on members prefetched 4d ahead (their heap
  // strings 3d ahead), and only the resources that pass it have their
  // elements prefetched and the other conjuncts tested.
  template <bool Gated, class T, class G>
  void run_planned(std::span<const T> items, G& g) const {
    const std::size_t n = items.size();
    const field_table& table = *typed_table_;
    constexpr std::size_t d = detail::prefetch_plan::distance;
    constexpr std::size_t members_ahead = Gated ? 4 * d : 3 * d;
    constexpr std::size_t strings_ahead = Gated ? 3 * d : 2 * d;
    auto addr = [&](std::size_t k) { return reinterpret_cast<const char*>(&items[k]); };
    auto test = [&](std::size_t k, std::int32_t entry) { return run_steps(&items[k], table, extra_of(items[k]), entry); };
    detail::prefetch_plan::found found[2 * d];  // found[j % 2d]: what stage 1 found of resource j
    [[maybe_unused]] bool passed[4 * d] = {};   // passed[j % 4d]: resource j passed the gate
    for (std::size_t i = 0; i < n; ++i) {
      if (i + members_ahead < n) plan_.members_of(addr(i + members_ahead));
      if (i + strings_ahead < n) plan_.strings_of(addr(i + strings_ahead));
      if (const std::size_t j = i + 2 * d; j < n) {
        bool p = true;
        if constexpr (Gated) passed[j % (4 * d)] = p = test(j, gate_entry_);
        if (p) plan_.elements_of(addr(j), found[j % (2 * d)]);
        else found[j % (2 * d)] = {};
      }
      if (i + d < n && i >= d) plan_.element_strings_of(found[(i + d) % (2 * d)]);
      bool p = true;
      if constexpr (Gated) p = i >= 2 * d ? passed[i % (4 * d)] : test(i, gate_entry_);
      if (p && test(i, Gated ? rest_entry_ : entry_)) g(i, std::uint64_t{1});
    }
  }

  template <class T>
  static const json* extra_of(const T& obj) {
    if constexpr (scim::detail::has_extra<T>) return &std::invoke(resource_traits<T>::extra, const_cast<T&>(obj));
    else return nullptr;
  }

  // Evaluates node `id` on the objects objs[i] for the bits i of `active`:
  // resources of type T when `top`, else elements of the multi-valued
  // attribute of an enclosing value filter.
  template <class T>
  std::uint64_t eval_batch(std::uint32_t id, const char* const* objs, std::uint64_t active, bool top) const {
    const detail::program_node& n = nodes_[id];
    switch (n.kind) {
      case node_kind::logical_and:
        for (auto c = n.first_child; c != no_node && active != 0; c = nodes_[c].next_sibling)
          active &= eval_batch<T>(c, objs, active, top);
        return active;
      case node_kind::logical_or: {
        std::uint64_t out = 0;
        for (auto c = n.first_child; c != no_node && active != 0; c = nodes_[c].next_sibling) {
          const std::uint64_t r = eval_batch<T>(c, objs, active, top);
          out |= r;
          active &= ~r;
        }
        return out;
      }
      case node_kind::logical_not: return active & ~eval_batch<T>(n.first_child, objs, active, top);
      case node_kind::present:
      case node_kind::compare: {
        const detail::leaf& l = leaves_[n.leaf_index];
        if (l.kind == detail::leaf_kind::never) return 0;
        if (l.batch == nullptr) break;
        auto last = [&l](const char* const* values, std::uint64_t m) { return l.batch(l, values, m); };
        const std::uint64_t r = detail::walk_batch(l.hops, l.walk_hops, objs, active, last, l);
        if (!l.batch_presence || l.kind == detail::leaf_kind::present) return r;
        // `eq null` / `ne null`: the attribute is unassigned / assigned.
        return l.op == compare_op::eq ? active & ~r : (l.op == compare_op::ne ? r : 0);
      }
      case node_kind::value_filter: {
        const detail::leaf& l = leaves_[n.leaf_index];
        if (l.kind == detail::leaf_kind::never) return 0;
        if (!l.typed || n.first_child == no_node) break;
        if (l.hops[l.hop_count - 1].field->kind != scim::value_kind::complex) return 0;
        // The inner filter runs on the attribute's values of all the objects, 64 at a time.
        auto last = [&](const char* const* elems, std::uint64_t m) {
          return eval_batch<T>(n.first_child, elems, m, false);
        };
        return detail::walk_batch(l.hops, l.hop_count, objs, active, last, l);
      }
    }
    // Anything else: the per-object evaluation.
    std::uint64_t out = 0;
    const field_table& table = *typed_table_;
    detail::for_each_bit(active, [&](unsigned i) {
      const char* obj = objs[i];
      const json* extra = top ? extra_of(*reinterpret_cast<const T*>(obj)) : nullptr;
      out |= static_cast<std::uint64_t>(eval_typed(id, obj, table, extra)) << i;
    });
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

  // Evaluates the decision graph (detail::step) on a typed resource.
  bool run_steps(const void* obj, const field_table& table, const json* extra, std::int32_t entry) const {
    std::int32_t i = entry;
    while (i >= 0) {
      const detail::step& s = steps_[static_cast<std::size_t>(i)];
      bool holds;
      if (s.direct) {
        const detail::leaf& l = leaves_[nodes_[s.node].leaf_index];
        holds = l.final_compare(l, obj);
      } else {
        holds = eval_typed(s.node, obj, table, extra);
      }
      i = holds ? s.on_true : s.on_false;
    }
    return i == detail::step::accept;
  }

  // Appends the steps of node `id` (exits `on_true` / `on_false`) and
  // returns the index of its first step, or an exit when it has none (an
  // `and` / `or` without children). The children of `and` and `or` are built
  // last first, so that each one knows where its successor starts; depth is
  // bounded by the parser's nesting limit.
  std::int32_t build_steps(std::uint32_t id, std::int32_t on_true, std::int32_t on_false) {
    const detail::program_node& n = nodes_[id];
    switch (n.kind) {
      case node_kind::logical_not: return build_steps(n.first_child, on_false, on_true);
      case node_kind::logical_and:
      case node_kind::logical_or: {
        const bool is_and = n.kind == node_kind::logical_and;
        std::vector<std::uint32_t> children;
        for (auto c = n.first_child; c != no_node; c = nodes_[c].next_sibling) children.push_back(c);
        std::int32_t next = is_and ? on_true : on_false;  // no children: and holds, or does not
        for (std::size_t k = children.size(); k-- > 0;)
          next = is_and ? build_steps(children[k], next, on_false) : build_steps(children[k], on_true, next);
        return next;
      }
      default: {
        detail::step st;
        st.node = id;
        st.on_true = on_true;
        st.on_false = on_false;
        st.direct = n.kind == node_kind::compare && detail::compares_own_member(leaves_[n.leaf_index]);
        steps_.push_back(st);
        return static_cast<std::int32_t>(steps_.size() - 1);
      }
    }
  }
  void build_graph() {
    steps_.clear();
    entry_ = nodes_.empty() ? detail::step::accept : build_steps(root_, detail::step::accept, detail::step::reject);
    // The gate's conjuncts (the leading ones), and the others for the
    // resources that pass it.
    gate_entry_ = rest_entry_ = detail::step::accept;
    if (gate_size_ == 0) return;
    std::vector<std::uint32_t> children;
    for (auto c = nodes_[root_].first_child; c != no_node; c = nodes_[c].next_sibling) children.push_back(c);
    for (std::size_t k = children.size(); k-- > 0;) {
      std::int32_t& entry = k < gate_size_ ? gate_entry_ : rest_entry_;
      entry = build_steps(children[k], entry, detail::step::reject);
    }
  }

  // Whether node `id` reads single-valued attributes only: no value filter,
  // no multi-valued attribute before the last hop of a path.
  bool single_valued(std::uint32_t id) const {
    const detail::program_node& n = nodes_[id];
    if (n.kind == node_kind::value_filter) return false;
    if (n.kind == node_kind::compare || n.kind == node_kind::present) {
      const detail::leaf& l = leaves_[n.leaf_index];
      for (std::uint8_t h = 0; h + 1 < l.hop_count; ++h)
        if (l.hops[h].field == nullptr || l.hops[h].field->shape == field_shape::vector) return false;
      return true;
    }
    for (auto c = n.first_child; c != no_node; c = nodes_[c].next_sibling)
      if (!single_valued(c)) return false;
    return true;
  }
  // The prefetch plan, the gate (a conjunction whose leading conjuncts read
  // single-valued attributes and the next one does not: those leading ones)
  // and the decision graphs.
  void plan() {
    gate_size_ = 0;
    if (const detail::program_node& root = nodes_[root_]; root.kind == node_kind::logical_and) {
      auto c = root.first_child;
      for (; c != no_node && single_valued(c); c = nodes_[c].next_sibling) ++gate_size_;
      if (c == no_node) gate_size_ = 0;  // all of them: no other conjunct to gate
    }
    plan_prefetch(root_);
    plan_.finish();
    ahead_count_ = 0;
    if (plan_.empty()) collect_ahead(root_);  // the batch path's prefetches
    build_graph();
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
          const detail::element_range r = detail::elements_in(fi, detail::member_of(fi, owner));
          if (l.element_test_count != 0) return element_tests_match(l, r.begin, r.end, fi.element_size);
          for (const char* e = r.begin; e != r.end; e += fi.element_size)
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

  // Whether one of the elements [e, end) (`size` bytes apart) passes the
  // value filter's element_tests (all of them, or one with element_tests_any).
  bool element_tests_match(const detail::leaf& vf, const char* e, const char* end, std::size_t size) const {
    const std::uint8_t k = vf.element_test_count;
    for (; e != end; e += size) {
      bool pass = !vf.element_tests_any;
      for (std::uint8_t t = 0; t < k; ++t) {
        const detail::leaf& l = leaves_[vf.element_tests[t]];
        if (l.final_compare(l, e) == vf.element_tests_any) {
          pass = vf.element_tests_any;
          break;
        }
      }
      if (pass) return true;
    }
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

  // The prefetch plan of for_each_match (see detail::prefetch_plan).
  void plan_prefetch(std::uint32_t id) {
    const detail::program_node& n = nodes_[id];
    switch (n.kind) {
      case node_kind::logical_and:
      case node_kind::logical_or:
      case node_kind::logical_not:
        for (auto c = n.first_child; c != no_node; c = nodes_[c].next_sibling) plan_prefetch(c);
        return;
      case node_kind::present:
      case node_kind::compare: {
        const detail::leaf& l = leaves_[n.leaf_index];
        if (l.kind == detail::leaf_kind::never || !l.typed) return;
        const field_info& top = *l.hops[0].field;
        plan_.add_member(top, l.hop_count == 1 ? l.member_size : 0);
        if (l.hop_count == 1) {
          if (bool optional = false; detail::string_prefetch_for(l, optional) && top.offset >= 0)
            detail::prefetch_plan::add(plan_.strings, plan_.string_count, {top.offset, optional}, plan_.usable);
        } else if (l.hop_count == 2 && top.shape == field_shape::vector && top.offset >= 0) {
          if (auto* mv = plan_.vector_for(top)) plan_element_leaf(*mv, l, 1);
        }
        return;
      }
      case node_kind::value_filter: {
        const detail::leaf& l = leaves_[n.leaf_index];
        if (l.kind == detail::leaf_kind::never || !l.typed) return;
        const field_info& top = *l.hops[0].field;
        plan_.add_member(top, 0);
        if (l.hop_count == 1 && top.shape == field_shape::vector && top.offset >= 0 && n.first_child != no_node)
          if (auto* mv = plan_.vector_for(top)) plan_elements(*mv, n.first_child);
        return;
      }
    }
  }
  // ahead_: where the single-valued tests of the filter read in a resource,
  // as offsets from its address: each leaf's last member (its first and last
  // byte) and the engaged flags of the optional sub-objects on the way
  // (meta, name, an extension). libstdc++, libc++ and Microsoft's library
  // keep an optional's value at its start and the flag right after it; the
  // offsets assume that layout, and for_each_batch drops any beyond the
  // resource. Only a prefetch hint: a wrong offset costs time, not results.
  // Filters on multi-valued attributes have their own plan.
  void add_ahead(std::ptrdiff_t o) {
    for (std::uint8_t k = 0; k < ahead_count_; ++k)
      if (ahead_[k] == o) return;
    if (ahead_count_ < sizeof ahead_ / sizeof ahead_[0]) ahead_[ahead_count_++] = o;
  }
  void collect_ahead(std::uint32_t id) {
    const detail::program_node& n = nodes_[id];
    if (n.kind == node_kind::compare || n.kind == node_kind::present) {
      const detail::leaf& l = leaves_[n.leaf_index];
      if (l.kind == detail::leaf_kind::never || !l.typed) return;
      std::ptrdiff_t base = 0;
      for (std::uint8_t h = 0; h < l.hop_count; ++h) {
        const field_info& fi = *l.hops[h].field;
        if (fi.offset < 0 || fi.shape == field_shape::vector) return;
        const std::ptrdiff_t off = base + fi.offset;
        if (h + 1 == l.hop_count) {
          add_ahead(off);
          if (l.member_size > 1) add_ahead(off + l.member_size - 1);
        } else {
          if (fi.shape == field_shape::optional) add_ahead(off + static_cast<std::ptrdiff_t>(fi.element_size));
          base = off;
        }
      }
      return;
    }
    for (auto c = n.first_child; c != no_node; c = nodes_[c].next_sibling) collect_ahead(c);
  }
  void plan_elements(detail::prefetch_plan::multi_valued& mv, std::uint32_t id) {
    const detail::program_node& n = nodes_[id];
    if (n.kind == node_kind::compare || n.kind == node_kind::present) {
      const detail::leaf& l = leaves_[n.leaf_index];
      if (l.kind != detail::leaf_kind::never && l.typed && l.hop_count == 1) plan_element_leaf(mv, l, 0);
      return;
    }
    for (auto c = n.first_child; c != no_node; c = nodes_[c].next_sibling) plan_elements(mv, c);
  }
  void plan_element_leaf(detail::prefetch_plan::multi_valued& mv, const detail::leaf& l, std::size_t hop) {
    const field_info& f = *l.hops[hop].field;
    if (f.offset < 0) return;
    const std::size_t size = hop + 1 == l.hop_count && l.member_size != 0 ? l.member_size : 1;
    detail::prefetch_plan::add(mv.members, mv.member_count, {f.offset, size}, plan_.usable);
    if (hop + 1 == l.hop_count)
      if (bool optional = false; detail::string_prefetch_for(l, optional))
        detail::prefetch_plan::add(mv.strings, mv.string_count, {f.offset, optional}, plan_.usable);
  }

  std::vector<detail::program_node> nodes_;
  std::vector<detail::leaf> leaves_;
  detail::prefetch_plan plan_;
  std::ptrdiff_t ahead_[8] = {};  // see add_ahead
  std::uint8_t ahead_count_ = 0;
  std::uint32_t root_ = 0;
  std::vector<detail::step> steps_;  // the decision graph of run_steps
  std::int32_t entry_ = detail::step::accept;  // its first step (or an exit: no test)
  // The gate of run_planned: the number of leading children of the root `and`
  // it tests (0: none), its decision graph and that of the other children.
  std::size_t gate_size_ = 0;
  std::int32_t gate_entry_ = detail::step::accept;
  std::int32_t rest_entry_ = detail::step::accept;
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

  // The members the leaves of a value filter's inner filter (the nodes from
  // `first` on) read of each element, for the batch evaluation's touch pass;
  // none when one of them is not known.
  void note_element_touch(leaf& vf, std::size_t first) {
    vf.element_touch_count = 0;
    std::uint8_t count = 0;
    for (std::size_t i = first; i < nodes.size(); ++i) {
      if (nodes[i].kind != node_kind::compare && nodes[i].kind != node_kind::present) continue;
      const leaf& l = leaves[nodes[i].leaf_index];
      if (l.kind == leaf_kind::never) continue;
      if (l.touch == nullptr || l.hop_count != 1) return;
      const std::ptrdiff_t offset = l.hops[0].field->offset;
      bool seen = false;
      for (std::uint8_t k = 0; k < count; ++k) seen = seen || vf.element_touch[k].offset == offset;
      if (seen) continue;
      if (count == 4) return;
      vf.element_touch[count++] = {offset, l.touch};
    }
    vf.element_touch_count = count;
  }

  // Whether leaf `i` compares a member of the element itself with its
  // final_compare (what element_tests hold).
  bool element_test(std::uint32_t i) const { return compares_own_member(leaves[i]); }
  // Fills vf.element_tests from the value filter's inner node `inner`.
  void note_element_tests(leaf& vf, std::uint32_t inner) {
    vf.element_test_count = 0;
    const program_node& n = nodes[inner];
    if (n.kind == node_kind::compare) {
      if (!element_test(n.leaf_index)) return;
      vf.element_tests[0] = n.leaf_index;
      vf.element_test_count = 1;
      return;
    }
    if (n.kind != node_kind::logical_and && n.kind != node_kind::logical_or) return;
    std::uint8_t count = 0;
    for (auto c = n.first_child; c != no_node; c = nodes[c].next_sibling) {
      if (count == 4 || nodes[c].kind != node_kind::compare || !element_test(nodes[c].leaf_index)) return;
      vf.element_tests[count++] = nodes[c].leaf_index;
    }
    vf.element_tests_any = n.kind == node_kind::logical_or;
    vf.element_test_count = count;
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
        note_element_touch(leaves[nodes[self].leaf_index], self + 1);
        note_element_tests(leaves[nodes[self].leaf_index], *inner);
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
        }
        select_batch(l);
        if (l.final_compare != nullptr || l.batch != nullptr) l.last_offset = l.hops[l.hop_count - 1].field->offset;
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
  if (typed != nullptr) {
    p.plan();
  }
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
