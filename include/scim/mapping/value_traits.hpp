// scimpp: how one member of an application's type becomes one SCIM value and
// back, for the attribute-mapping traits (scim/mapping/mapping.hpp).
//
// A *converter* for a member of type M is an object `c` with
//
//   scim::json     c.to_scim(const M&) const;       // a null json means "unassigned"
//   expected<M>    c.from_scim(const scim::json&) const;
//
// `from_scim` is never called with null (an absent or null attribute leaves
// the member as it is); its error detail says what is wrong with the value,
// the mapping prefixes the attribute path ("attribute 'name.givenName': ...").
// A converter may declare `static constexpr attribute_type type` (and
// `static constexpr bool multi_valued`) so that validate_mapping() checks it
// against the schema.
//
// Without an explicit converter a member uses scim::mapping::value_traits<M>,
// which knows:
//
//   std::string             string (empty = unassigned)
//   bool                    boolean
//   integral types          integer (range-checked when read)
//   floating-point types    decimal (integers accepted when read)
//   enumerations            string, through scim::mapping::enum_traits<E>
//   scim::date_time         dateTime (must be a valid xsd:dateTime when read)
//   scim::json              any value, as is (null = unassigned)
//   std::optional<X>        X, nullopt = unassigned
//   std::vector<X>          array of X (empty = unassigned; a single value is
//                           read as a one-element list)
//
// Specialise value_traits for an application's own value types. Ready-made
// converters: scim::mapping::negate (bool member <-> the opposite boolean,
// e.g. `suspended` <-> `active`) and scim::mapping::convert(to, from) for a
// pair of callables.
#pragma once

#include "scim/config.hpp"
#include "scim/date_time.hpp"
#include "scim/detail/ascii.hpp"
#include "scim/error.hpp"
#include "scim/expected.hpp"
#include "scim/json.hpp"
#include "scim/schema/attribute.hpp"

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

SCIM_BEGIN_NAMESPACE
namespace mapping {

/// Specialise to convert a member type to and from a SCIM value (see the file
/// comment for the members it must declare).
template <class V>
struct value_traits;

/// Specialise for an enumeration mapped to a SCIM string:
///   template <> struct scim::mapping::enum_traits<color> {
///     static constexpr std::array<std::pair<color, std::string_view>, 2> names{
///         {{color::red, "red"}, {color::blue, "blue"}}};
///   };
/// Reading matches the exact spelling first, then ASCII case-insensitively.
template <class E>
struct enum_traits;

namespace detail {

/// "a string", "an integer", ... for error details.
inline const char* json_kind_name(const json& j) noexcept {
  switch (j.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::string: return "a string";
    case json::value_t::array: return "an array";
    case json::value_t::object: return "an object";
    case json::value_t::number_float: return "a decimal number";
    case json::value_t::binary: return "binary data";
    case json::value_t::discarded: return "nothing";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "an integer";
  }
  return "a value";
}

inline unexpected<error> type_mismatch(const char* expected_kind, const json& got) {
  return fail(error_code::invalid_value, std::string("expected ") + expected_kind + ", got " + json_kind_name(got));
}

template <class T>
struct is_expected : std::false_type {};
template <class T, class E>
struct is_expected<expected<T, E>> : std::true_type {};

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

}  // namespace detail

template <>
struct value_traits<std::string> {
  static constexpr attribute_type type = attribute_type::string;
  static json to_scim(const std::string& v) { return v.empty() ? json() : json(v); }
  static expected<std::string> from_scim(const json& j) {
    if (!j.is_string()) return detail::type_mismatch("a string", j);
    return j.get_ref<const std::string&>();
  }
};

template <>
struct value_traits<bool> {
  static constexpr attribute_type type = attribute_type::boolean;
  static json to_scim(bool v) { return json(v); }
  static expected<bool> from_scim(const json& j) {
    if (!j.is_boolean()) return detail::type_mismatch("a boolean", j);
    return j.get<bool>();
  }
};

template <class V>
  requires(std::integral<V> && !std::same_as<V, bool> && !std::same_as<V, char>)
struct value_traits<V> {
  static constexpr attribute_type type = attribute_type::integer;
  static json to_scim(V v) {
    if constexpr (std::is_signed_v<V>) return json(static_cast<std::int64_t>(v));
    else return json(static_cast<std::uint64_t>(v));
  }
  static expected<V> from_scim(const json& j) {
    if (j.is_number_unsigned()) {
      const auto u = j.get<std::uint64_t>();
      if (std::in_range<V>(u)) return static_cast<V>(u);
    } else if (j.is_number_integer()) {
      const auto s = j.get<std::int64_t>();
      if (std::in_range<V>(s)) return static_cast<V>(s);
    } else {
      return detail::type_mismatch("an integer", j);
    }
    return fail(error_code::invalid_value, "integer " + dump_json(j) + " is out of range");
  }
};

template <std::floating_point V>
struct value_traits<V> {
  static constexpr attribute_type type = attribute_type::decimal;
  static json to_scim(V v) { return json(static_cast<double>(v)); }
  static expected<V> from_scim(const json& j) {
    if (!j.is_number()) return detail::type_mismatch("a number", j);
    return static_cast<V>(j.get<double>());
  }
};

template <class E>
  requires std::is_enum_v<E>
struct value_traits<E> {
  static_assert(requires { enum_traits<E>::names; },
                "scimpp: specialise scim::mapping::enum_traits<E> (a `names` table) to map an enumeration, "
                "or give the field a converter");
  static constexpr attribute_type type = attribute_type::string;
  static json to_scim(E v) {
    for (const auto& [value, name] : enum_traits<E>::names)
      if (value == v) return json(std::string(name));
    return json();  // a value without a name is unassigned
  }
  static expected<E> from_scim(const json& j) {
    if (!j.is_string()) return detail::type_mismatch("a string", j);
    const auto& s = j.get_ref<const std::string&>();
    for (const auto& [value, name] : enum_traits<E>::names)
      if (name == s) return value;
    for (const auto& [value, name] : enum_traits<E>::names)
      if (scim::detail::iequals(name, s)) return value;
    std::string allowed;
    for (const auto& entry : enum_traits<E>::names) {
      if (!allowed.empty()) allowed += ", ";
      allowed += entry.second;
    }
    return fail(error_code::invalid_value, dump_json(j) + " is not one of " + allowed);
  }
};

template <>
struct value_traits<date_time> {
  static constexpr attribute_type type = attribute_type::date_time;
  static json to_scim(const date_time& v) { return v.text().empty() ? json() : json(v.text()); }
  static expected<date_time> from_scim(const json& j) {
    if (!j.is_string()) return detail::type_mismatch("a dateTime string", j);
    date_time d(j.get<std::string>());
    if (!d.valid()) return fail(error_code::invalid_value, dump_json(j) + " is not an xsd:dateTime");
    return d;
  }
};

template <>
struct value_traits<json> {
  static json to_scim(const json& v) { return v; }
  static expected<json> from_scim(const json& j) { return j; }
};

namespace detail {
/// Forwards the declared SCIM type of V (when value_traits<V> declares one).
template <class V>
struct forward_declared_type {};
template <class V>
  requires requires { value_traits<V>::type; }
struct forward_declared_type<V> {
  static constexpr attribute_type type = value_traits<V>::type;
};
}  // namespace detail

template <class V>
struct value_traits<std::optional<V>> : detail::forward_declared_type<V> {
  static json to_scim(const std::optional<V>& v) { return v ? json(value_traits<V>::to_scim(*v)) : json(); }
  static expected<std::optional<V>> from_scim(const json& j) {
    auto r = value_traits<V>::from_scim(j);
    if (!r) return fail(std::move(r.error()));
    return std::optional<V>(std::move(*r));
  }
};

template <class V>
struct value_traits<std::vector<V>> : detail::forward_declared_type<V> {
  static constexpr bool multi_valued = true;
  static json to_scim(const std::vector<V>& v) {
    json arr = json::array();
    for (const auto& e : v) {
      json one = value_traits<V>::to_scim(e);
      if (!one.is_null()) arr.push_back(std::move(one));
    }
    return arr.empty() ? json() : arr;
  }
  static expected<std::vector<V>> from_scim(const json& j) {
    std::vector<V> out;
    if (!j.is_array()) {  // a single value where a list is expected
      auto r = value_traits<V>::from_scim(j);
      if (!r) return fail(std::move(r.error()));
      out.push_back(std::move(*r));
      return out;
    }
    out.reserve(j.size());
    std::size_t i = 0;
    for (const auto& e : j) {
      if (!e.is_null()) {
        auto r = value_traits<V>::from_scim(e);
        if (!r) {
          r.error().detail = "element " + std::to_string(i) + ": " + r.error().detail;
          return fail(std::move(r.error()));
        }
        out.push_back(std::move(*r));
      }
      ++i;
    }
    return out;
  }
};

/// The default converter (a tag): value_traits of the member type.
struct use_value_traits {};

/// A bool member holding the opposite of a SCIM boolean (`suspended` for
/// `active`). Reading requires a JSON boolean.
struct negate_t {
  static constexpr attribute_type type = attribute_type::boolean;
  json to_scim(bool v) const { return json(!v); }
  expected<bool> from_scim(const json& j) const {
    auto r = value_traits<bool>::from_scim(j);
    if (!r) return r;
    return !*r;
  }
};
inline constexpr negate_t negate{};

/// A converter made of two callables: `to(const M&)` returns a scim::json (or
/// anything convertible to one; std::optional: nullopt is unassigned) and
/// `from(const scim::json&)` returns scim::expected<M> or M.
template <class To, class From>
struct function_converter {
  To to;
  From from;

  template <class M>
  json to_scim(const M& v) const {
    using R = std::remove_cvref_t<std::invoke_result_t<const To&, const M&>>;
    if constexpr (detail::is_optional<R>::value) {
      auto r = std::invoke(to, v);
      return r ? json(*r) : json();
    } else {
      return json(std::invoke(to, v));
    }
  }
  auto from_scim(const json& j) const {
    using R = std::remove_cvref_t<std::invoke_result_t<const From&, const json&>>;
    if constexpr (detail::is_expected<R>::value) return std::invoke(from, j);
    else return expected<R>(std::invoke(from, j));
  }
};

template <class To, class From>
constexpr function_converter<To, From> convert(To to, From from) {
  return {std::move(to), std::move(from)};
}

/// Same as convert(to, from), declaring the SCIM type it produces so that
/// validate_mapping() checks it against the schema.
template <attribute_type Type, class To, class From>
struct typed_function_converter : function_converter<To, From> {
  static constexpr attribute_type type = Type;
};
template <attribute_type Type, class To, class From>
constexpr typed_function_converter<Type, To, From> convert(To to, From from) {
  return {{std::move(to), std::move(from)}};
}

/// A member type with value_traits (usable without a converter).
template <class M>
concept has_value_traits = requires(const M& m, const json& j) {
  { value_traits<M>::to_scim(m) } -> std::convertible_to<json>;
  value_traits<M>::from_scim(j);
};

namespace detail {

/// Converts a member with a converter (use_value_traits: value_traits<M>).
template <class M, class Converter>
json member_to_scim(const Converter& c, const M& v) {
  if constexpr (std::is_same_v<Converter, use_value_traits>) {
    static_assert(has_value_traits<M>,
                  "scimpp: no scim::mapping::value_traits for this member type: specialise value_traits or give "
                  "the field a converter");
    if constexpr (has_value_traits<M>) return value_traits<M>::to_scim(v);
    else return json();
  } else {
    return c.to_scim(v);
  }
}

/// Reads a member with a converter; the value is never null.
template <class M, class Converter>
expected<M> member_from_scim(const Converter& c, const json& j) {
  if constexpr (std::is_same_v<Converter, use_value_traits>) {
    if constexpr (has_value_traits<M>) return value_traits<M>::from_scim(j);
    else return fail(error::internal("no value_traits"));  // rejected by member_to_scim's static_assert
  } else {
    auto r = c.from_scim(j);
    using R = decltype(r);
    static_assert(is_expected<R>::value, "scimpp: a converter's from_scim must return scim::expected<M>");
    static_assert(std::is_assignable_v<M&, typename R::value_type&&>,
                  "scimpp: a converter's from_scim returns a type that cannot be assigned to the member");
    if (!r) return fail(std::move(r.error()));
    if constexpr (std::is_same_v<typename R::value_type, M>) return std::move(*r);
    else {
      M m{};
      m = std::move(*r);
      return m;
    }
  }
}

/// What a converter declares about the SCIM value it produces.
struct declared_kind {
  bool known = false;
  attribute_type type = attribute_type::string;
  bool multi_valued = false;
};

template <class M, class Converter>
constexpr declared_kind declared_kind_of() {
  using C = std::conditional_t<std::is_same_v<Converter, use_value_traits>, value_traits<M>, Converter>;
  declared_kind k;
  if constexpr (requires { C::type; }) {
    k.known = true;
    k.type = C::type;
    if constexpr (requires { C::multi_valued; }) k.multi_valued = C::multi_valued;
  }
  return k;
}

}  // namespace detail

}  // namespace mapping
SCIM_END_NAMESPACE
