// scimpp: attribute paths, the one grammar shared by filters, PATCH paths,
// `attributes` / `excludedAttributes`, `sortBy` and mapping traits.
//
//   attrPath = [URI ":"] ATTRNAME *1subAttr        (RFC 7644 section 3.4.2.2)
//   ATTRNAME = ALPHA *(nameChar) / "$ref"           (errata 8924 adds "$ref")
//   nameChar = "-" / "_" / DIGIT / ALPHA
//   subAttr  = "." ATTRNAME
//
// The schema URI is everything before the last ':' of the path, so URNs with
// dots and digits ("...:enterprise:2.0:User:manager.value") split as
// urn = "...:enterprise:2.0:User", name = "manager", sub = "value".
// Attribute names and URNs are case-insensitive: the spelling is kept as
// written and operator== compares ASCII case-insensitively.
//
// PATCH paths (`attr[filter].sub`) need the filter parser; they are declared
// in scim/filter/parser.hpp as scim::patch_path / scim::parse_patch_path.
#pragma once

#include "scim/config.hpp"
#include "scim/detail/ascii.hpp"
#include "scim/error.hpp"
#include "scim/expected.hpp"

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

SCIM_BEGIN_NAMESPACE

/// A non-owning attribute path: views into some text.
struct attribute_path_view {
  std::string_view urn{};            ///< schema URI without the trailing ':'; may be empty
  std::string_view name{};           ///< the attribute name as written
  std::string_view sub_attribute{};  ///< may be empty

  constexpr bool has_urn() const noexcept { return !urn.empty(); }
  constexpr bool has_sub_attribute() const noexcept { return !sub_attribute.empty(); }
  constexpr bool empty() const noexcept { return name.empty(); }
};

/// An owning attribute path (aggregate: `attribute_path{.name = "userName"}`).
struct attribute_path {
  std::string urn{};            ///< schema URI without the trailing ':'; may be empty
  std::string name{};           ///< the attribute name as written
  std::string sub_attribute{};  ///< may be empty

  bool has_urn() const noexcept { return !urn.empty(); }
  bool has_sub_attribute() const noexcept { return !sub_attribute.empty(); }
  bool empty() const noexcept { return name.empty(); }

  attribute_path_view view() const noexcept { return {urn, name, sub_attribute}; }
  operator attribute_path_view() const noexcept { return view(); }  // NOLINT(google-explicit-constructor)

  static attribute_path from(attribute_path_view v) {
    return attribute_path{std::string(v.urn), std::string(v.name), std::string(v.sub_attribute)};
  }
};

/// Case-insensitive (ASCII) equality of every part: attribute names and schema
/// URIs are case-insensitive in SCIM.
constexpr bool operator==(const attribute_path_view& a, const attribute_path_view& b) noexcept {
  return detail::iequals(a.name, b.name) && detail::iequals(a.sub_attribute, b.sub_attribute) &&
         detail::iequals(a.urn, b.urn);
}
inline bool operator==(const attribute_path& a, const attribute_path& b) noexcept {
  return a.view() == b.view();
}
inline bool operator==(const attribute_path& a, const attribute_path_view& b) noexcept {
  return a.view() == b;
}

/// Appends the path as written: `urn:name.sub`.
inline void append_to(std::string& out, const attribute_path_view& p) {
  if (!p.urn.empty()) {
    out.append(p.urn);
    out.push_back(':');
  }
  out.append(p.name);
  if (!p.sub_attribute.empty()) {
    out.push_back('.');
    out.append(p.sub_attribute);
  }
}

/// The path as written: `urn:name.sub`.
inline std::string to_string(const attribute_path_view& p) {
  std::string out;
  out.reserve(p.urn.size() + p.name.size() + p.sub_attribute.size() + 2);
  append_to(out, p);
  return out;
}
inline std::string to_string(const attribute_path& p) {
  return to_string(p.view());
}

inline std::ostream& operator<<(std::ostream& os, const attribute_path_view& p) {
  return os << to_string(p);
}
inline std::ostream& operator<<(std::ostream& os, const attribute_path& p) {
  return os << to_string(p.view());
}

namespace detail {

// Character classes of the path and filter grammars, one table lookup each.
enum char_class : unsigned char {
  cc_alpha = 1,       ///< ALPHA
  cc_digit = 2,       ///< DIGIT
  cc_name = 4,        ///< nameChar: ALPHA / DIGIT / "-" / "_"
  cc_uri = 8,         ///< accepted in the schema URI part of a path
  cc_ws = 16,         ///< filter whitespace: SP, HTAB, CR, LF
  cc_delimiter = 32,  ///< ends a filter word: whitespace ( ) [ ] "
};

struct char_class_table {
  unsigned char v[256] = {};
  constexpr char_class_table() {
    for (int c = 'a'; c <= 'z'; ++c) v[c] = cc_alpha | cc_name | cc_uri;
    for (int c = 'A'; c <= 'Z'; ++c) v[c] = cc_alpha | cc_name | cc_uri;
    for (int c = '0'; c <= '9'; ++c) v[c] = cc_digit | cc_name | cc_uri;
    v[static_cast<unsigned char>('-')] = cc_name | cc_uri;
    v[static_cast<unsigned char>('_')] = cc_name | cc_uri;
    // RFC 3986 unreserved, '%', and the reserved characters except the
    // brackets and parentheses the filter grammar uses as delimiters.
    for (const char c :
         {'.', '~', '%', ':', '/', '?', '#', '@', '!', '$', '&', '\'', '*', '+', ',', ';', '='})
      v[static_cast<unsigned char>(c)] |= cc_uri;
    for (const char c : {' ', '\t', '\r', '\n'}) v[static_cast<unsigned char>(c)] = cc_ws | cc_delimiter;
    for (const char c : {'(', ')', '[', ']', '"'}) v[static_cast<unsigned char>(c)] = cc_delimiter;
  }
};
inline constexpr char_class_table char_classes{};

constexpr bool has_class(char c, unsigned char cls) noexcept {
  return (char_classes.v[static_cast<unsigned char>(c)] & cls) != 0;
}
constexpr bool is_alpha(char c) noexcept {
  return has_class(c, cc_alpha);
}
constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}
/// nameChar = "-" / "_" / DIGIT / ALPHA
constexpr bool is_name_char(char c) noexcept {
  return has_class(c, cc_name);
}
/// Characters accepted in the schema URI part of a path.
constexpr bool is_uri_char(char c) noexcept {
  return has_class(c, cc_uri);
}

/// What is wrong with an attribute path.
enum class path_issue : std::uint8_t {
  none,
  empty,          ///< nothing to parse
  bad_urn,        ///< the part before the last ':' is not a URI
  missing_name,   ///< the path ends with ':'
  name_start,     ///< an attribute name does not start with a letter
  name_char,      ///< a character that is not a nameChar
  missing_sub,    ///< '.' not followed by a name
  too_many_subs,  ///< a second '.'
};

struct path_parse_result {
  path_issue issue = path_issue::none;
  std::size_t offset = 0;  ///< where the problem is, relative to the parsed text
};

/// Scans one ATTRNAME at `i`; returns the end offset, or sets `r` on failure.
constexpr std::size_t scan_attribute_name(std::string_view text, std::size_t i,
                                          path_parse_result& r) noexcept {
  const std::size_t n = text.size();
  if (i + 4 <= n && iequals(text.substr(i, 4), "$ref") && (i + 4 == n || text[i + 4] == '.')) return i + 4;
  if (i >= n || !is_alpha(text[i])) {
    r = {path_issue::name_start, i};
    return i;
  }
  ++i;
  while (i < n && is_name_char(text[i])) ++i;
  return i;
}

/// Validates the schema URI prefix: scheme ":" 1*uri-char.
constexpr bool valid_urn_prefix(std::string_view urn, std::size_t& bad) noexcept {
  bad = 0;
  if (urn.empty() || !is_alpha(urn[0])) return false;
  std::size_t i = 1;
  while (i < urn.size() &&
         (is_alpha(urn[i]) || is_digit(urn[i]) || urn[i] == '+' || urn[i] == '-' || urn[i] == '.'))
    ++i;
  if (i >= urn.size() || urn[i] != ':' || i + 1 >= urn.size()) {
    bad = i < urn.size() ? i : 0;
    return false;
  }
  for (++i; i < urn.size(); ++i) {
    if (!is_uri_char(urn[i])) {
      bad = i;
      return false;
    }
  }
  return true;
}

/// Splits `text` (the whole of it) into an attribute path without allocating.
constexpr path_parse_result split_attribute_path(std::string_view text, attribute_path_view& out) noexcept {
  path_parse_result r;
  out = {};
  if (text.empty()) return {path_issue::empty, 0};
  // Fast path: ATTRNAME ["." ATTRNAME] without a URI.
  if (is_alpha(text[0])) {
    std::size_t i = 1;
    while (i < text.size() && is_name_char(text[i])) ++i;
    if (i == text.size()) {
      out.name = text;
      return r;
    }
    if (text[i] == '.' && i + 1 < text.size() && is_alpha(text[i + 1])) {
      std::size_t j = i + 2;
      while (j < text.size() && is_name_char(text[j])) ++j;
      if (j == text.size()) {
        out.name = text.substr(0, i);
        out.sub_attribute = text.substr(i + 1);
        return r;
      }
    }
  }
  std::size_t start = 0;
  const std::size_t colon = text.rfind(':');
  if (colon != std::string_view::npos) {
    const std::string_view urn = text.substr(0, colon);
    std::size_t bad = 0;
    if (!valid_urn_prefix(urn, bad)) return {path_issue::bad_urn, bad};
    if (colon + 1 == text.size()) return {path_issue::missing_name, colon + 1};
    out.urn = urn;
    start = colon + 1;
  }
  std::size_t i = scan_attribute_name(text, start, r);
  if (r.issue != path_issue::none) return r;
  out.name = text.substr(start, i - start);
  if (i == text.size()) return r;
  if (text[i] != '.') return {path_issue::name_char, i};
  const std::size_t sub_start = i + 1;
  if (sub_start == text.size()) return {path_issue::missing_sub, sub_start};
  i = scan_attribute_name(text, sub_start, r);
  if (r.issue != path_issue::none) return r;
  out.sub_attribute = text.substr(sub_start, i - sub_start);
  if (i == text.size()) return r;
  if (text[i] == '.') return {path_issue::too_many_subs, i};
  return {path_issue::name_char, i};
}

/// Renders a character for an error message: 'x', or U+00XX for controls and
/// a note for non-ASCII bytes.
inline std::string quote_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u < 0x20 || u == 0x7f) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string s = "U+00";
    s.push_back(hex[u >> 4]);
    s.push_back(hex[u & 15]);
    return s;
  }
  if (u >= 0x80) return "a non-ASCII character";
  return std::string("'") + c + "'";
}

/// A message for a failed split_attribute_path.
inline std::string describe(const path_parse_result& r, std::string_view text) {
  const char c = r.offset < text.size() ? text[r.offset] : '\0';
  switch (r.issue) {
    case path_issue::none:
      return "valid attribute path";
    case path_issue::empty:
      return "empty attribute path";
    case path_issue::bad_urn:
      return "invalid schema URI '" + std::string(text.substr(0, text.rfind(':'))) +
             "' before the attribute name";
    case path_issue::missing_name:
      return "expected an attribute name after the schema URI";
    case path_issue::name_start:
      if (r.offset >= text.size()) return "expected an attribute name";
      return "an attribute name must start with a letter, found " + quote_char(c);
    case path_issue::name_char:
      if (static_cast<unsigned char>(c) >= 0x80) return "invalid non-ASCII character in attribute path";
      return "invalid character " + quote_char(c) + " in attribute path";
    case path_issue::missing_sub:
      return "expected a sub-attribute name after '.'";
    case path_issue::too_many_subs:
      return "an attribute path has at most one sub-attribute";
  }
  return "invalid attribute path";
}

}  // namespace detail

/// True when `name` is a valid ATTRNAME (letters, digits, '-', '_', starting
/// with a letter) or "$ref".
constexpr bool is_valid_attribute_name(std::string_view name) noexcept {
  detail::path_parse_result r;
  return !name.empty() && detail::scan_attribute_name(name, 0, r) == name.size() &&
         r.issue == detail::path_issue::none;
}

/// Parses an attrPath into views of `text` (no allocation on success).
/// Errors are invalidPath (400) with the byte offset of the problem.
inline expected<attribute_path_view> parse_attribute_path_view(std::string_view text) {
  attribute_path_view v;
  const auto r = detail::split_attribute_path(text, v);
  if (r.issue != detail::path_issue::none)
    return fail(error(error_code::invalid_path, detail::describe(r, text)).at(r.offset, text));
  return v;
}

/// Parses an attrPath (`[URI ":"] ATTRNAME *1subAttr`). Errors are invalidPath
/// (400) with the byte offset of the problem.
inline expected<attribute_path> parse_attribute_path(std::string_view text) {
  attribute_path_view v;
  const auto r = detail::split_attribute_path(text, v);
  if (r.issue != detail::path_issue::none)
    return fail(error(error_code::invalid_path, detail::describe(r, text)).at(r.offset, text));
  return attribute_path::from(v);
}

SCIM_END_NAMESPACE
