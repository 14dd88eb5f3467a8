// scimpp: the SCIM error model (RFC 7644 section 3.12, RFC 9865 cursor errors).
#pragma once

#include "scim/config.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

SCIM_BEGIN_NAMESPACE

/// The `scimType` of an error. Every enumerator except `none` maps one-to-one
/// to a `scimType` keyword; `none` means the error body carries no scimType
/// (404, 401, 412, 500, ...).
enum class error_code {
  none,
  invalid_filter,   ///< invalidFilter
  too_many,         ///< tooMany
  uniqueness,       ///< uniqueness
  mutability,       ///< mutability
  invalid_syntax,   ///< invalidSyntax
  invalid_path,     ///< invalidPath
  no_target,        ///< noTarget
  invalid_value,    ///< invalidValue
  invalid_vers,     ///< invalidVers
  sensitive,        ///< sensitive
  invalid_cursor,   ///< invalidCursor (RFC 9865)
  expired_cursor,   ///< expiredCursor (RFC 9865)
};

/// The wire keyword of an error code ("" for error_code::none).
constexpr std::string_view to_string(error_code c) noexcept {
  switch (c) {
    case error_code::none: return "";
    case error_code::invalid_filter: return "invalidFilter";
    case error_code::too_many: return "tooMany";
    case error_code::uniqueness: return "uniqueness";
    case error_code::mutability: return "mutability";
    case error_code::invalid_syntax: return "invalidSyntax";
    case error_code::invalid_path: return "invalidPath";
    case error_code::no_target: return "noTarget";
    case error_code::invalid_value: return "invalidValue";
    case error_code::invalid_vers: return "invalidVers";
    case error_code::sensitive: return "sensitive";
    case error_code::invalid_cursor: return "invalidCursor";
    case error_code::expired_cursor: return "expiredCursor";
  }
  return "";
}

/// Parses a scimType keyword (exact spelling); nullopt when unknown.
constexpr std::optional<error_code> error_code_from_string(std::string_view s) noexcept {
  for (int i = 1; i <= static_cast<int>(error_code::expired_cursor); ++i) {
    const auto c = static_cast<error_code>(i);
    if (to_string(c) == s) return c;
  }
  return std::nullopt;
}

/// The HTTP status RFC 7644 assigns to each scimType.
constexpr int default_status(error_code c) noexcept {
  switch (c) {
    case error_code::uniqueness: return 409;
    case error_code::sensitive: return 403;
    case error_code::none: return 500;
    default: return 400;
  }
}

/// A SCIM error: HTTP status, scimType, human-readable detail and, for
/// errors found while parsing text, the byte offset into that text.
struct error {
  int status = 500;
  error_code code = error_code::none;
  std::string detail;
  /// Byte offset into `input` where a parser stopped.
  std::optional<std::size_t> position;
  /// The parsed text (or an excerpt of it) for caret rendering; may be empty.
  std::string input;

  error() = default;
  error(int http_status, error_code c, std::string d)
      : status(http_status), code(c), detail(std::move(d)) {}
  error(error_code c, std::string d) : status(default_status(c)), code(c), detail(std::move(d)) {}

  /// Attaches a parse position and the text it refers to.
  error&& at(std::size_t pos, std::string_view text) && {
    position = pos;
    input.assign(text.data(), text.size());
    return std::move(*this);
  }

  friend bool operator==(const error& a, const error& b) {
    return a.status == b.status && a.code == b.code && a.detail == b.detail &&
           a.position == b.position;
  }

  // Shorthands for statuses without a scimType.
  static error bad_request(std::string d) { return {400, error_code::none, std::move(d)}; }
  static error unauthorized(std::string d) { return {401, error_code::none, std::move(d)}; }
  static error forbidden(std::string d) { return {403, error_code::none, std::move(d)}; }
  static error not_found(std::string d) { return {404, error_code::none, std::move(d)}; }
  static error method_not_allowed(std::string d) { return {405, error_code::none, std::move(d)}; }
  static error conflict(std::string d) { return {409, error_code::none, std::move(d)}; }
  static error precondition_failed(std::string d) { return {412, error_code::none, std::move(d)}; }
  static error payload_too_large(std::string d) { return {413, error_code::none, std::move(d)}; }
  static error unsupported_media_type(std::string d) { return {415, error_code::none, std::move(d)}; }
  static error too_many_requests(std::string d) { return {429, error_code::none, std::move(d)}; }
  static error internal(std::string d) { return {500, error_code::none, std::move(d)}; }
  static error not_implemented(std::string d) { return {501, error_code::none, std::move(d)}; }
};

/// Builds an error with the status RFC 7644 gives `code`.
inline error make_error(error_code code, std::string detail) { return {code, std::move(detail)}; }

inline constexpr std::string_view error_schema_urn = "urn:ietf:params:scim:api:messages:2.0:Error";  // == urn::error

/// The exact SCIM Error body: schemas, status (a string), scimType when set, detail.
inline void to_json(nlohmann::json& j, const error& e) {
  j = nlohmann::json::object();
  j["schemas"] = nlohmann::json::array({std::string(error_schema_urn)});
  j["status"] = std::to_string(e.status);
  if (e.code != error_code::none) j["scimType"] = std::string(to_string(e.code));
  if (!e.detail.empty()) j["detail"] = e.detail;
}

/// Reads a SCIM Error body without throwing on odd shapes: `status` may be a
/// string or a number, unknown scimTypes leave code == none.
inline void from_json(const nlohmann::json& j, error& e) {
  e = error{};
  if (!j.is_object()) return;
  if (auto it = j.find("status"); it != j.end()) {
    if (it->is_number_integer()) {
      e.status = it->get<int>();
    } else if (it->is_string()) {
      int v = 0;
      bool ok = !it->get_ref<const std::string&>().empty();
      for (char ch : it->get_ref<const std::string&>()) {
        if (ch < '0' || ch > '9' || v > 99999) { ok = false; break; }
        v = v * 10 + (ch - '0');
      }
      if (ok) e.status = v;
    }
  }
  if (auto it = j.find("scimType"); it != j.end() && it->is_string())
    e.code = error_code_from_string(it->get_ref<const std::string&>()).value_or(error_code::none);
  if (auto it = j.find("detail"); it != j.end() && it->is_string())
    e.detail = it->get<std::string>();
}

/// Renders an error for people: "invalidFilter: detail" and, when a position
/// is known, the input line with a caret under the offending byte. Long inputs
/// are shown as a window of at most `width` bytes around the position.
inline std::string format_error(const error& e, std::size_t width = 72) {
  std::string out;
  if (e.code != error_code::none) {
    out += to_string(e.code);
    out += ": ";
  } else {
    out += std::to_string(e.status);
    out += ": ";
  }
  out += e.detail;
  if (!e.position) return out;
  out += " (at offset " + std::to_string(*e.position) + ")";
  if (e.input.empty() && *e.position != 0) return out;
  const std::size_t pos = *e.position > e.input.size() ? e.input.size() : *e.position;
  if (width < 8) width = 8;
  std::size_t begin = 0;
  if (pos > width / 2) begin = pos - width / 2;
  std::size_t end = begin + width;
  if (end > e.input.size()) end = e.input.size();
  std::string line;
  if (begin > 0) line += "...";
  const std::size_t caret_col = line.size() + (pos - begin);
  for (std::size_t i = begin; i < end; ++i) {
    const unsigned char c = static_cast<unsigned char>(e.input[i]);
    line += (c < 0x20 || c == 0x7f) ? ' ' : static_cast<char>(c);
  }
  if (end < e.input.size()) line += "...";
  out += "\n  ";
  out += line;
  out += "\n  ";
  out.append(caret_col, ' ');
  out += '^';
  return out;
}

inline std::ostream& operator<<(std::ostream& os, const error& e) { return os << format_error(e); }

SCIM_END_NAMESPACE
