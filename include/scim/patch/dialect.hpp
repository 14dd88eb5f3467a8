// scimpp: identity-provider dialects of SCIM PATCH: the named normalisers
// that rewrite a provider's non-standard PatchOp shapes into RFC 7644 form,
// the profiles grouping them, and detection of the profile from request
// headers. The normalisers themselves live in scim/patch/normalize.hpp.
//
// Profiles (normalizers_for):
//   strict     no normaliser: RFC 7644 only; every deviation is the core's 400.
//   entra      Microsoft Entra ID (default job and the aadOptscim062020 flag):
//              capitalized_ops, string_booleans, remove_by_value_list,
//              add_creates_value_path_element, dotted_keys.
//   okta       Okta: okta_id_in_replace.
//   jumpcloud  JumpCloud: remove_by_value_list.
//   lenient    every normaliser; the default, also for clients the headers do
//              not identify. (Every normaliser leaves RFC-form input alone, so
//              lenient accepts everything strict accepts, with the same result.)
//
// Detection (detect_dialect), from request headers only, no transport:
//   * an `ADSCIMVersion` header (any value)                     -> entra
//     (Entra's provisioning service sends it; the way other service
//     providers tell Entra apart);
//   * User-Agent starting with "Okta SCIM Client"                -> okta
//   * User-Agent containing "JumpCloud"                          -> jumpcloud
//   * User-Agent containing "Azure", "Entra" or "Microsoft.Identity"
//                                                                -> entra
//     (no vendor document gives Entra's User-Agent: an inference);
//   * anything else                                              -> lenient.
// Header names and the User-Agent tokens compare ASCII case-insensitively.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>

#include "scim/config.hpp"
#include "scim/detail/ascii.hpp"

SCIM_BEGIN_NAMESPACE
namespace patch {

/// A PATCH dialect profile.
enum class dialect : std::uint8_t { strict, lenient, entra, okta, jumpcloud };

/// The profile's name: "strict", "lenient", "entra", "okta", "jumpcloud".
constexpr std::string_view to_string(dialect d) noexcept {
  switch (d) {
    case dialect::strict:
      return "strict";
    case dialect::lenient:
      return "lenient";
    case dialect::entra:
      return "entra";
    case dialect::okta:
      return "okta";
    case dialect::jumpcloud:
      return "jumpcloud";
  }
  return "lenient";
}

/// Every profile, in declaration order.
inline constexpr dialect all_dialects[] = {dialect::strict, dialect::lenient, dialect::entra, dialect::okta,
                                           dialect::jumpcloud};

/// Parses a profile name (ASCII case-insensitive); nullopt when unknown.
constexpr std::optional<dialect> dialect_from_string(std::string_view name) noexcept {
  for (const dialect d : all_dialects)
    if (scim::detail::iequals(to_string(d), name)) return d;
  return std::nullopt;
}

/// The named normalisers, one bit each (see normalize.hpp for the rules).
enum class normalizer : std::uint32_t {
  capitalized_ops = 1u << 0,                 ///< "Add"/"Replace"/"Remove" -> lower case (Entra)
  okta_id_in_replace = 1u << 1,              ///< path-less replace repeating the own id (Okta)
  dotted_keys = 1u << 2,                     ///< path-less value {"name.givenName": ...} (Entra)
  remove_by_value_list = 1u << 3,            ///< remove path members + value list (Entra, JumpCloud)
  add_creates_value_path_element = 1u << 4,  ///< add emails[type eq "work"].value, no match (Entra)
  string_booleans = 1u << 5,                 ///< "True"/"False" for boolean attributes (Entra)
};

/// Every normaliser, in the order normalize() runs them.
inline constexpr normalizer all_normalizers[] = {
    normalizer::capitalized_ops,
    normalizer::okta_id_in_replace,
    normalizer::dotted_keys,
    normalizer::remove_by_value_list,
    normalizer::add_creates_value_path_element,
    normalizer::string_booleans,
};

/// The normaliser's name, as reported by normalize(): "capitalized_ops", ...
constexpr std::string_view to_string(normalizer n) noexcept {
  switch (n) {
    case normalizer::capitalized_ops:
      return "capitalized_ops";
    case normalizer::okta_id_in_replace:
      return "okta_id_in_replace";
    case normalizer::dotted_keys:
      return "dotted_keys";
    case normalizer::remove_by_value_list:
      return "remove_by_value_list";
    case normalizer::add_creates_value_path_element:
      return "add_creates_value_path_element";
    case normalizer::string_booleans:
      return "string_booleans";
  }
  return "";
}

/// Parses a normaliser name (exact, lower case); nullopt when unknown.
constexpr std::optional<normalizer> normalizer_from_string(std::string_view name) noexcept {
  for (const normalizer n : all_normalizers)
    if (to_string(n) == name) return n;
  return std::nullopt;
}

/// A set of normalisers (bit flags).
struct normalizer_set {
  std::uint32_t bits = 0;

  constexpr normalizer_set() noexcept = default;
  constexpr normalizer_set(normalizer n) noexcept  // NOLINT(google-explicit-constructor)
      : bits(static_cast<std::uint32_t>(n)) {}

  /// Every normaliser.
  static constexpr normalizer_set all() noexcept {
    normalizer_set s;
    for (const normalizer n : all_normalizers) s.bits |= static_cast<std::uint32_t>(n);
    return s;
  }
  static constexpr normalizer_set none() noexcept { return {}; }

  constexpr bool contains(normalizer n) const noexcept { return (bits & static_cast<std::uint32_t>(n)) != 0; }
  constexpr bool empty() const noexcept { return bits == 0; }
  constexpr normalizer_set with(normalizer n) const noexcept {
    normalizer_set s = *this;
    s.bits |= static_cast<std::uint32_t>(n);
    return s;
  }
  constexpr normalizer_set without(normalizer n) const noexcept {
    normalizer_set s = *this;
    s.bits &= ~static_cast<std::uint32_t>(n);
    return s;
  }

  friend constexpr normalizer_set operator|(normalizer_set a, normalizer_set b) noexcept {
    normalizer_set s;
    s.bits = a.bits | b.bits;
    return s;
  }
  friend constexpr bool operator==(normalizer_set a, normalizer_set b) noexcept { return a.bits == b.bits; }
};

constexpr normalizer_set operator|(normalizer a, normalizer b) noexcept {
  return normalizer_set(a) | normalizer_set(b);
}

/// The normalisers a profile runs.
constexpr normalizer_set normalizers_for(dialect d) noexcept {
  switch (d) {
    case dialect::strict:
      return normalizer_set::none();
    case dialect::lenient:
      return normalizer_set::all();
    case dialect::entra:
      return normalizer::capitalized_ops | normalizer::string_booleans | normalizer::remove_by_value_list |
             normalizer::add_creates_value_path_element | normalizer::dotted_keys;
    case dialect::okta:
      return normalizer::okta_id_in_replace;
    case dialect::jumpcloud:
      return normalizer::remove_by_value_list;
  }
  return normalizer_set::all();
}

/// Filter tolerance a profile implies: a bare word after a comparison
/// operator is a string (`externalId eq jyoung`, Entra's documented lookup).
/// True for entra and lenient (filter::parse_options::allow_unquoted_values).
constexpr bool allows_unquoted_filter_values(dialect d) noexcept {
  return d == dialect::entra || d == dialect::lenient;
}

/// Filter tolerance a profile implies: "True"/"False" strings compared with
/// a boolean attribute are booleans (Entra). True for entra and lenient
/// (filter::compile_options::allow_string_booleans).
constexpr bool allows_string_booleans_in_filters(dialect d) noexcept {
  return d == dialect::entra || d == dialect::lenient;
}

/// Filter tolerance a profile implies: `emails[type eq "work"].value eq "x"`
/// (Entra matching on a value-path sub-attribute). True for entra and
/// lenient (filter::parse_options::allow_value_path_sub_attribute).
constexpr bool allows_value_path_sub_attribute_in_filters(dialect d) noexcept {
  return d == dialect::entra || d == dialect::lenient;
}

/// The profile a User-Agent identifies, or nullopt (see the header comment).
constexpr std::optional<dialect> dialect_from_user_agent(std::string_view user_agent) noexcept {
  // Leading blanks are not part of the product token.
  while (!user_agent.empty() && (user_agent.front() == ' ' || user_agent.front() == '\t'))
    user_agent.remove_prefix(1);
  if (scim::detail::istarts_with(user_agent, "Okta SCIM Client")) return dialect::okta;
  if (scim::detail::icontains(user_agent, "JumpCloud")) return dialect::jumpcloud;
  if (scim::detail::icontains(user_agent, "Azure") || scim::detail::icontains(user_agent, "Entra") ||
      scim::detail::icontains(user_agent, "Microsoft.Identity"))
    return dialect::entra;
  return std::nullopt;
}

/// Chooses a profile from request headers. `header_lookup(name)` returns the
/// header's value as something that tests false when the header is absent
/// and dereferences to a string (std::optional<std::string_view>,
/// std::optional<std::string>, const std::string*, ...); the result is kept
/// alive while it is read. The lookup should match names case-insensitively,
/// as HTTP does; for lookups that do not, each name is asked in its usual
/// spelling and then in lower case (HTTP/2): "ADSCIMVersion",
/// "adscimversion", "User-Agent", "user-agent".
template <class F>
requires requires(F& f, std::string_view name) {
  static_cast<bool>(f(name));
  {std::string_view(*f(name))};
}
dialect detect_dialect(F&& header_lookup) {
  if (header_lookup(std::string_view("ADSCIMVersion")) || header_lookup(std::string_view("adscimversion")))
    return dialect::entra;
  for (const std::string_view name : {std::string_view("User-Agent"), std::string_view("user-agent")}) {
    const auto value = header_lookup(name);
    if (!value) continue;
    const auto d = dialect_from_user_agent(std::string_view(*value));
    return d ? *d : dialect::lenient;
  }
  return dialect::lenient;
}

}  // namespace patch
SCIM_END_NAMESPACE
