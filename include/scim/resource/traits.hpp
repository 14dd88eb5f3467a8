// scimpp: the traits customisation point that ties a C++ type to its SCIM
// schema, the run-time field tables built from it, and generic JSON
// conversion for every described type.
//
// A type is "described" when resource_traits<T> declares `fields`, a tuple of
// scim::field(name, accessor) entries. The accessor is a pointer to data
// member (or a stateless callable returning a reference to the member). The
// member types understood are:
//
//   std::string, bool, std::int64_t, double, scim::date_time, scim::json (kind any),
//   any described (complex) type, and std::optional<X> / std::vector<X> of these.
//
// Optional members of the traits:
//   static constexpr std::string_view schema_urn;  // resources and extensions
//   static constexpr auto schemas = &T::schemas;     // std::vector<std::string>
//   static constexpr auto extra = &T::extra;         // scim::json side-car for
//                                                    // attributes the type lacks
//
// A resource with schema extensions keeps them in a member
// `std::tuple<std::optional<Extensions>...> extensions` and lists them with
// scim::extension_fields<Extensions...>() (one field per extension, named by
// the extension's schema_urn) appended to its own fields.
#pragma once

#include "scim/config.hpp"
#include "scim/date_time.hpp"
#include "scim/detail/ascii.hpp"
#include "scim/error.hpp"
#include "scim/expected.hpp"
#include "scim/json.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

SCIM_BEGIN_NAMESPACE

/// Specialise for a type to describe it to scimpp (see the file comment).
template <class T>
struct resource_traits;

template <class T>
concept described_type = requires { resource_traits<T>::fields; };

/// One attribute of a described type: the schema spelling of its name and how
/// to reach the member.
template <class Access>
struct field_descriptor {
  std::string_view name;
  Access access;
};

template <class Access>
constexpr field_descriptor<Access> field(std::string_view name, Access access) {
  return {name, access};
}

/// Accessor of the I-th schema extension of a resource that keeps its
/// extensions in `std::tuple<std::optional<Extensions>...> extensions`.
template <std::size_t I>
struct extension_slot {
  template <class O>
  constexpr auto& operator()(O& o) const noexcept {
    return std::get<I>(o.extensions);
  }
};

namespace detail {
/// How many of Ts are E (extension access by type needs exactly one).
template <class E, class... Ts>
inline constexpr std::size_t occurrences = (std::size_t{0} + ... + (std::is_same_v<E, Ts> ? 1u : 0u));

template <class... Extensions, std::size_t... I>
constexpr auto make_extension_fields(std::index_sequence<I...>) {
  return std::make_tuple(field(resource_traits<Extensions>::schema_urn, extension_slot<I>{})...);
}
}  // namespace detail

/// The slot of extension E in a resource's `extensions` tuple; E must be
/// one of the resource's extensions, exactly once. The typed accessors of
/// scim::basic_user and scim::basic_group are built on it.
template <class E, class... Extensions>
constexpr std::optional<E>& extension_slot_of(std::tuple<std::optional<Extensions>...>& slots) noexcept {
  static_assert(detail::occurrences<E, Extensions...> == 1, "scimpp: E is not an extension of this resource type");
  return std::get<std::optional<E>>(slots);
}
template <class E, class... Extensions>
constexpr const std::optional<E>& extension_slot_of(const std::tuple<std::optional<Extensions>...>& slots) noexcept {
  static_assert(detail::occurrences<E, Extensions...> == 1, "scimpp: E is not an extension of this resource type");
  return std::get<std::optional<E>>(slots);
}

/// One field per extension, named by its schema URN, for appending (with
/// std::tuple_cat) to the core fields of a resource with an `extensions` tuple.
template <class... Extensions>
constexpr auto extension_fields() {
  static_assert((requires { resource_traits<Extensions>::schema_urn; } && ...),
                "scimpp: an extension's resource_traits must declare schema_urn");
  static_assert(((detail::occurrences<Extensions, Extensions...> == 1) && ...),
                "scimpp: an extension type may appear only once");
  return detail::make_extension_fields<Extensions...>(std::index_sequence_for<Extensions...>{});
}

/// What a member holds, as seen by the filter evaluator and the encoders.
enum class value_kind : std::uint8_t { string, boolean, integer, decimal, date_time, complex, any };
/// How a member holds it.
enum class field_shape : std::uint8_t { plain, optional, vector };

struct field_table;

/// Run-time description of one member: type-erased accessors that the filter
/// evaluator and path resolution use on typed resources.
struct field_info {
  std::string_view name;
  value_kind kind;
  field_shape shape;
  /// The field table of the element type when kind == complex.
  const field_table* sub;
  /// Address of the member inside an object of the owning type.
  const void* (*get)(const void* object);
  void* (*get_mut)(void* object);
  /// Number of values the member holds (plain: 1, optional: 0 or 1, vector: size).
  std::size_t (*count)(const void* member);
  /// Address of the i-th value, of the element type (std::string, bool,
  /// std::int64_t, double, date_time, json, or the complex type).
  const void* (*element)(const void* member, std::size_t i);
  /// Byte offset of the member inside the owning object, measured once on a
  /// default-constructed object; -1 when the accessor does not return a
  /// sub-object of its argument. Hot paths (the filter evaluator) read a
  /// member of known C++ type at this offset instead of calling `get`.
  std::ptrdiff_t offset = -1;
  /// sizeof the element type: the values of a member are `element_size`
  /// bytes apart, starting at `data(member)` (nullptr when there is none).
  std::size_t element_size = 0;
  const void* (*data)(const void* member) = nullptr;
  /// A vector member whose first two pointer-sized words hold data() and
  /// data() + size() (checked once on a sample vector): hot paths read its
  /// elements' range there instead of calling count and data.
  bool range_words = false;
};

/// All the fields of one described type.
struct field_table {
  std::string_view schema_urn;  ///< empty for complex sub-types
  const field_info* first = nullptr;
  std::size_t size = 0;

  const field_info* begin() const noexcept { return first; }
  const field_info* end() const noexcept { return first + size; }
  /// Case-insensitive lookup by attribute name; nullptr when unknown.
  const field_info* find(std::string_view name) const noexcept {
    for (const auto& f : *this)
      if (detail::iequals(f.name, name)) return &f;
    return nullptr;
  }
};

namespace detail {

template <class T>
struct member_classifier {
  static constexpr bool supported = false;
};
template <class T>
struct scalar_classifier {
  static constexpr bool supported = false;
};
template <>
struct scalar_classifier<std::string> {
  static constexpr bool supported = true;
  static constexpr value_kind kind = value_kind::string;
};
template <>
struct scalar_classifier<bool> {
  static constexpr bool supported = true;
  static constexpr value_kind kind = value_kind::boolean;
};
template <>
struct scalar_classifier<std::int64_t> {
  static constexpr bool supported = true;
  static constexpr value_kind kind = value_kind::integer;
};
template <>
struct scalar_classifier<double> {
  static constexpr bool supported = true;
  static constexpr value_kind kind = value_kind::decimal;
};
template <>
struct scalar_classifier<date_time> {
  static constexpr bool supported = true;
  static constexpr value_kind kind = value_kind::date_time;
};
template <>
struct scalar_classifier<json> {
  static constexpr bool supported = true;
  static constexpr value_kind kind = value_kind::any;
};
template <described_type T>
struct scalar_classifier<T> {
  static constexpr bool supported = true;
  static constexpr value_kind kind = value_kind::complex;
};

template <class T>
  requires scalar_classifier<T>::supported
struct member_classifier<T> {
  static constexpr bool supported = true;
  static constexpr field_shape shape = field_shape::plain;
  using element = T;
  static std::size_t count(const T&) { return 1; }
  static const element* at(const T& m, std::size_t) { return &m; }
  static const element* data(const T& m) { return &m; }
};
template <class T>
  requires scalar_classifier<T>::supported
struct member_classifier<std::optional<T>> {
  static constexpr bool supported = true;
  static constexpr field_shape shape = field_shape::optional;
  using element = T;
  static std::size_t count(const std::optional<T>& m) { return m.has_value() ? 1 : 0; }
  static const element* at(const std::optional<T>& m, std::size_t) { return &*m; }
  static const element* data(const std::optional<T>& m) { return m.has_value() ? &*m : nullptr; }
};
template <class T>
  requires scalar_classifier<T>::supported
struct member_classifier<std::vector<T>> {
  static constexpr bool supported = true;
  static constexpr field_shape shape = field_shape::vector;
  using element = T;
  static std::size_t count(const std::vector<T>& m) { return m.size(); }
  static const element* at(const std::vector<T>& m, std::size_t i) { return &m[i]; }
  static const element* data(const std::vector<T>& m) { return m.empty() ? nullptr : m.data(); }
};

template <class T>
inline constexpr std::size_t field_count = std::tuple_size_v<std::remove_cvref_t<decltype(resource_traits<T>::fields)>>;

template <class T, std::size_t I>
constexpr const auto& field_at() {
  return std::get<I>(resource_traits<T>::fields);
}

template <class T, std::size_t I>
using member_type_at = std::remove_cvref_t<decltype(std::invoke(field_at<T, I>().access, std::declval<T&>()))>;

template <class T>
constexpr std::string_view schema_urn_of() {
  if constexpr (requires { resource_traits<T>::schema_urn; })
    return resource_traits<T>::schema_urn;
  else
    return {};
}

template <class T>
concept has_extra = requires(T& t) {
  { std::invoke(resource_traits<T>::extra, t) } -> std::same_as<json&>;
};
template <class T>
concept has_schemas = requires(T& t) {
  { std::invoke(resource_traits<T>::schemas, t) } -> std::same_as<std::vector<std::string>&>;
};

template <class T>
const field_table& table_for();

// Whether member type V is a std::vector that keeps data() and data() +
// size() in its first two pointer-sized words (libstdc++, libc++ and MSVC
// do): checked on a sample.
template <class V>
bool vector_range_words() {
  if constexpr (member_classifier<V>::shape != field_shape::vector || sizeof(V) < 2 * sizeof(const char*)) {
    return false;
  } else if constexpr (!std::is_default_constructible_v<typename V::value_type>) {
    return false;
  } else {
    const V sample(2);
    const char* words[2];
    std::memcpy(static_cast<void*>(words), static_cast<const void*>(&sample), sizeof words);
    const char* d = reinterpret_cast<const char*>(sample.data());
    return words[0] == d && words[1] == d + 2 * sizeof(typename V::value_type);
  }
}

template <class T, std::size_t I>
field_info make_field_info() {
  using M = member_type_at<T, I>;
  using C = member_classifier<M>;
  static_assert(C::supported, "scimpp: unsupported member type in resource_traits<T>::fields");
  using E = typename C::element;
  const field_table* sub = nullptr;
  if constexpr (described_type<E>) sub = &table_for<E>();
  return field_info{
      field_at<T, I>().name,
      scalar_classifier<E>::kind,
      C::shape,
      sub,
      +[](const void* o) -> const void* {
        return &std::invoke(field_at<T, I>().access, *static_cast<const T*>(o));
      },
      +[](void* o) -> void* { return &std::invoke(field_at<T, I>().access, *static_cast<T*>(o)); },
      +[](const void* m) -> std::size_t { return C::count(*static_cast<const M*>(m)); },
      +[](const void* m, std::size_t i) -> const void* { return C::at(*static_cast<const M*>(m), i); },
      -1,
      sizeof(E),
      +[](const void* m) -> const void* { return C::data(*static_cast<const M*>(m)); },
      vector_range_words<M>(),
  };
}

template <class T, std::size_t... I>
std::array<field_info, sizeof...(I)> make_field_array(std::index_sequence<I...>) {
  return {make_field_info<T, I>()...};
}

template <class T>
auto make_fields_with_offsets() {
  auto fields = make_field_array<T>(std::make_index_sequence<field_count<T>>{});
  const T sample{};
  const auto* base = reinterpret_cast<const char*>(&sample);
  for (auto& f : fields) {
    const auto* member = static_cast<const char*>(f.get(&sample));
    const std::ptrdiff_t off = member - base;
    f.offset = (off >= 0 && static_cast<std::size_t>(off) < sizeof(T)) ? off : -1;
  }
  return fields;
}

template <class T>
const field_table& table_for() {
  static const auto fields = make_fields_with_offsets<T>();
  static const field_table table{schema_urn_of<T>(), fields.data(), fields.size()};
  return table;
}

// ---- encoding -------------------------------------------------------------

template <class T>
void encode_object(json& out, const T& v);

template <class E>
json encode_value(const E& v) {
  if constexpr (std::is_same_v<E, date_time>) return v.text();
  else if constexpr (described_type<E>) {
    json j;
    encode_object(j, v);
    return j;
  } else return json(v);
}

template <class M>
void encode_member(json& out, std::string_view name, const M& m) {
  using C = member_classifier<M>;
  using E = typename C::element;
  if constexpr (C::shape == field_shape::vector) {
    if (m.empty()) return;
    json arr = json::array();
    for (const auto& e : m) arr.push_back(encode_value<E>(e));
    out[std::string(name)] = std::move(arr);
  } else if constexpr (C::shape == field_shape::optional) {
    if (m) out[std::string(name)] = encode_value<E>(*m);
  } else if constexpr (std::is_same_v<E, std::string>) {
    if (!m.empty()) out[std::string(name)] = m;
  } else if constexpr (std::is_same_v<E, json>) {
    if (!m.is_null()) out[std::string(name)] = m;
  } else if constexpr (std::is_same_v<E, date_time>) {
    if (!m.text().empty()) out[std::string(name)] = m.text();
  } else {
    out[std::string(name)] = encode_value<E>(m);
  }
}

template <class T>
void encode_object(json& out, const T& v) {
  out = json::object();
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (encode_member(out, field_at<T, I>().name, std::invoke(field_at<T, I>().access, v)), ...);
  }(std::make_index_sequence<field_count<T>>{});
  if constexpr (has_extra<T>) {
    const json& extra = std::invoke(resource_traits<T>::extra, const_cast<T&>(v));
    if (extra.is_object())
      for (auto it = extra.begin(); it != extra.end(); ++it)
        if (!out.contains(it.key())) out[it.key()] = it.value();
  }
  if constexpr (has_schemas<T>) {
    // `schemas` lists the core schema, every extension present, and keeps
    // whatever else the resource was received with.
    json list = json::array();
    auto add = [&](std::string_view urn) {
      for (const auto& s : list)
        if (iequals(s.get_ref<const std::string&>(), urn)) return;
      list.push_back(std::string(urn));
    };
    // A listed extension the type knows but that is absent (removed) is dropped.
    auto absent_known_extension = [&](std::string_view urn) {
      const field_info* f = table_for<T>().find(urn);
      return f != nullptr && istarts_with(f->name, "urn:") && !out.contains(std::string(f->name));
    };
    for (const auto& s : std::invoke(resource_traits<T>::schemas, const_cast<T&>(v)))
      if (!absent_known_extension(s)) add(s);
    if (constexpr auto urn = schema_urn_of<T>(); !urn.empty()) add(urn);
    for (auto it = out.begin(); it != out.end(); ++it)
      if (istarts_with(it.key(), "urn:") && it.value().is_object()) add(it.key());
    out["schemas"] = std::move(list);
  }
}

// ---- decoding -------------------------------------------------------------

struct decode_context {
  std::string path;
  error err;
  bool failed = false;
  /// The object being decoded is the value of a URN-named attribute (a schema
  /// extension): its attributes are reached with ':' ("urn:...:User:manager").
  bool in_urn = false;

  bool fail_here(std::string what) {
    failed = true;
    err = error(error_code::invalid_value, "attribute '" + path + "': " + std::move(what));
    return false;
  }
};

template <class T>
bool decode_object(const json& in, T& out, decode_context& ctx);

inline const char* json_type_name(const json& j) {
  switch (j.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::string: return "a string";
    case json::value_t::array: return "an array";
    case json::value_t::object: return "an object";
    case json::value_t::number_float: return "a decimal number";
    case json::value_t::binary: return "binary data";
    case json::value_t::discarded: return "nothing";
    default: return "an integer";
  }
}

template <class E>
bool decode_value(const json& in, E& out, decode_context& ctx) {
  if constexpr (std::is_same_v<E, std::string>) {
    if (!in.is_string()) return ctx.fail_here(std::string("expected a string, got ") + json_type_name(in));
    out = in.get_ref<const std::string&>();
  } else if constexpr (std::is_same_v<E, bool>) {
    if (!in.is_boolean()) return ctx.fail_here(std::string("expected a boolean, got ") + json_type_name(in));
    out = in.get<bool>();
  } else if constexpr (std::is_same_v<E, std::int64_t>) {
    if (in.is_number_integer() && !in.is_number_unsigned()) out = in.get<std::int64_t>();
    else if (in.is_number_unsigned() && in.get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX))
      out = static_cast<std::int64_t>(in.get<std::uint64_t>());
    else return ctx.fail_here(std::string("expected an integer, got ") + json_type_name(in));
  } else if constexpr (std::is_same_v<E, double>) {
    if (!in.is_number()) return ctx.fail_here(std::string("expected a number, got ") + json_type_name(in));
    out = in.get<double>();
  } else if constexpr (std::is_same_v<E, date_time>) {
    if (!in.is_string()) return ctx.fail_here(std::string("expected a dateTime string, got ") + json_type_name(in));
    date_time d(in.get<std::string>());
    if (!d.valid()) return ctx.fail_here("'" + d.text() + "' is not an xsd:dateTime");
    out = std::move(d);
  } else if constexpr (std::is_same_v<E, json>) {
    out = in;
  } else {
    static_assert(described_type<E>);
    if (!in.is_object()) return ctx.fail_here(std::string("expected an object, got ") + json_type_name(in));
    out = E{};
    return decode_object(in, out, ctx);
  }
  return true;
}

template <class M>
bool decode_member(const json& in, M& m, decode_context& ctx) {
  using C = member_classifier<M>;
  using E = typename C::element;
  if constexpr (C::shape == field_shape::vector) {
    m.clear();
    if (in.is_null()) return true;  // null: unassigned
    const std::size_t base = ctx.path.size();
    auto one = [&](const json& item, std::size_t idx) {
      ctx.path.resize(base);
      ctx.path += '[' + std::to_string(idx) + ']';
      E e{};
      if (!decode_value(item, e, ctx)) return false;
      m.push_back(std::move(e));
      return true;
    };
    if (in.is_array()) {
      m.reserve(in.size());
      std::size_t idx = 0;
      for (const auto& item : in)
        if (!one(item, idx++)) return false;
    } else if (!one(in, 0)) {  // a single value where a list is expected
      return false;
    }
    ctx.path.resize(base);
    return true;
  } else if constexpr (C::shape == field_shape::optional) {
    if (in.is_null()) {
      m.reset();
      return true;
    }
    E e{};
    if (!decode_value(in, e, ctx)) return false;
    m = std::move(e);
    return true;
  } else {
    if (in.is_null()) {
      m = M{};
      return true;
    }
    return decode_value(in, m, ctx);
  }
}

template <class T>
using member_decoder = bool (*)(const json&, T&, decode_context&);

template <class T, std::size_t... I>
constexpr std::array<member_decoder<T>, sizeof...(I)> make_decoders(std::index_sequence<I...>) {
  return {+[](const json& in, T& obj, decode_context& ctx) {
    return decode_member(in, std::invoke(field_at<T, I>().access, obj), ctx);
  }...};
}

template <class T>
bool decode_object(const json& in, T& out, decode_context& ctx) {
  static constexpr auto decoders = make_decoders<T>(std::make_index_sequence<field_count<T>>{});
  const field_table& table = table_for<T>();
  const std::size_t base = ctx.path.size();
  const bool in_urn = ctx.in_urn;
  const char separator = in_urn ? ':' : '.';
  for (auto it = in.begin(); it != in.end(); ++it) {
    const std::string& key = it.key();
    const field_info* f = table.find(key);
    if (f == nullptr) {
      if constexpr (has_schemas<T>) {
        if (iequals(key, "schemas")) {
          if (base != 0) ctx.path += separator;
          ctx.path += "schemas";
          ctx.in_urn = false;
          if (!decode_member(it.value(), std::invoke(resource_traits<T>::schemas, out), ctx)) return false;
          ctx.path.resize(base);
          continue;
        }
      }
      if constexpr (has_extra<T>) {
        json& extra = std::invoke(resource_traits<T>::extra, out);
        if (!extra.is_object()) extra = json::object();
        extra[key] = it.value();
      }
      continue;
    }
    if (base != 0) ctx.path += separator;
    ctx.path += f->name;
    ctx.in_urn = istarts_with(f->name, "urn:");
    if (!decoders[static_cast<std::size_t>(f - table.begin())](it.value(), out, ctx)) return false;
    ctx.path.resize(base);
  }
  ctx.in_urn = in_urn;  // siblings (further elements of the same list) see the same scope
  return true;
}

}  // namespace detail

/// The run-time field table of a described type.
template <described_type T>
const field_table& field_table_of() {
  return detail::table_for<T>();
}

/// Encodes a described type as SCIM JSON (absent members are omitted).
template <described_type T>
json encode(const T& value) {
  json j;
  detail::encode_object(j, value);
  return j;
}

/// Decodes SCIM JSON into a described type without throwing. Attribute names
/// match case-insensitively; null means unassigned; a wrong type is 400
/// invalidValue naming the attribute path; a non-object is invalidSyntax.
template <described_type T>
expected<T> decode(const json& j) {
  if (!j.is_object()) {
    return fail(error_code::invalid_syntax,
                std::string("expected a JSON object, got ") + detail::json_type_name(j));
  }
  T out{};
  detail::decode_context ctx;
  if (!detail::decode_object(j, out, ctx)) return fail(std::move(ctx.err));
  return out;
}

/// Parses (with limits) and decodes JSON text without throwing.
template <described_type T>
expected<T> decode(std::string_view text, const json_limits& limits = {}) {
  return parse_json(text, limits).and_then([](const json& j) { return decode<T>(j); });
}

/// Thrown only by the nlohmann-style `j.get<T>()` path on invalid input; the
/// non-throwing API is scim::decode.
class conversion_error : public std::runtime_error {
 public:
  explicit conversion_error(scim::error e) : std::runtime_error(e.detail), error_(std::move(e)) {}
  const scim::error& error() const noexcept { return error_; }

 private:
  scim::error error_;
};

/// ADL hook: `nlohmann::json j = value;`.
template <described_type T>
void to_json(json& j, const T& value) {
  detail::encode_object(j, value);
}

/// ADL hook: `j.get<T>()`. Throws scim::conversion_error on invalid input, as
/// nlohmann's own conversions throw; use scim::decode in code that must not.
template <described_type T>
void from_json(const json& j, T& value) {
  auto r = decode<T>(j);
  if (!r) throw conversion_error(std::move(r.error()));
  value = std::move(*r);
}

SCIM_END_NAMESPACE

/// Every described type, in any namespace (an application's extension type
/// too), converts with `nlohmann::json j = value;` and `j.get<T>()`.
template <scim::described_type T>
struct nlohmann::adl_serializer<T, void> {
  static void to_json(nlohmann::json& j, const T& value) { scim::detail::encode_object(j, value); }
  static void from_json(const nlohmann::json& j, T& value) {
    auto r = scim::decode<T>(j);
    if (!r) throw scim::conversion_error(std::move(r.error()));
    value = std::move(*r);
  }
};
