// scimpp: 1Password's display-name rule.
//
// 1Password keeps one name per person and builds both `displayName` and
// `name.formatted` from the first and last names: "firstname lastname", one
// space between them, just the one part when the other is empty. Blanks
// around each part are trimmed (blanks inside a part, "Mary Ann", are kept);
// both parts empty give the empty string.
//
//   scim::onepassword::display_name("Barbara", "Jensen")  // "Barbara Jensen"
//   scim::onepassword::display_name(" Cher ", "")         // "Cher"
//
// When the service-provider policy (scim/onepassword/policy.hpp) applies the
// rule is described there; the JumpCloud mapping (scim/jumpcloud/mapping.hpp)
// uses it to fill both attributes on the client side.
#pragma once

#include "scim/config.hpp"

#include <string>
#include <string_view>

SCIM_BEGIN_NAMESPACE
namespace onepassword {

namespace detail {

constexpr bool is_blank(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/// `s` without the ASCII blanks around it.
constexpr std::string_view trim_blanks(std::string_view s) noexcept {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace detail

/// "first last" (each part trimmed, one space between them); only the
/// non-empty part when the other is empty; "" when both are empty.
inline std::string display_name(std::string_view first, std::string_view last) {
  const std::string_view f = detail::trim_blanks(first);
  const std::string_view l = detail::trim_blanks(last);
  std::string out;
  out.reserve(f.size() + l.size() + 1);
  out.append(f);
  if (!f.empty() && !l.empty()) out.push_back(' ');
  out.append(l);
  return out;
}

}  // namespace onepassword
SCIM_END_NAMESPACE
