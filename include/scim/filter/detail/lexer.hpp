// scimpp internals: character classes, UTF-8 validation, JSON string and
// number scanning for the filter parser.
#pragma once

#include "scim/config.hpp"
#include "scim/path.hpp"

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>

SCIM_BEGIN_NAMESPACE
namespace filter {
namespace detail {

using scim::detail::is_alpha;
using scim::detail::is_digit;

/// Filter whitespace: SP as the RFC says, and tolerated HTAB, CR, LF.
constexpr bool is_ws(char c) noexcept {
  return scim::detail::has_class(c, scim::detail::cc_ws);
}

/// Characters that end a word (attribute path, keyword, number, bare value).
constexpr bool is_delimiter(char c) noexcept {
  return scim::detail::has_class(c, scim::detail::cc_delimiter);
}

/// Length of the well-formed UTF-8 sequence starting at p[0] (RFC 3629: no
/// overlongs, no surrogates, at most U+10FFFF), or 0 when it is ill-formed.
constexpr std::size_t utf8_sequence_length(const char* p, std::size_t avail) noexcept {
  const auto b0 = static_cast<unsigned char>(p[0]);
  if (b0 < 0x80) return 1;
  auto cont = [&](std::size_t i) { return i < avail && (static_cast<unsigned char>(p[i]) & 0xC0) == 0x80; };
  if (b0 >= 0xC2 && b0 <= 0xDF) return cont(1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    const auto b1 = static_cast<unsigned char>(p[1]);
    if (b0 == 0xE0 && b1 < 0xA0) return 0;   // overlong
    if (b0 == 0xED && b1 >= 0xA0) return 0;  // UTF-16 surrogate
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const auto b1 = static_cast<unsigned char>(p[1]);
    if (b0 == 0xF0 && b1 < 0x90) return 0;   // overlong
    if (b0 == 0xF4 && b1 >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

/// Offset of the first ill-formed UTF-8 byte in `s`, or npos.
constexpr std::size_t find_invalid_utf8(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const std::size_t len = utf8_sequence_length(s.data() + i, s.size() - i);
    if (len == 0) return i;
    i += len;
  }
  return std::string_view::npos;
}

inline char* append_utf8(char* out, std::uint32_t cp) noexcept {
  if (cp < 0x80) {
    *out++ = static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out++ = static_cast<char>(0xC0 | (cp >> 6));
    *out++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out++ = static_cast<char>(0xE0 | (cp >> 12));
    *out++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out++ = static_cast<char>(0xF0 | (cp >> 18));
    *out++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out++ = static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

constexpr int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Reads 4 hex digits at `p`; -1 when they are not all hex.
constexpr long read_hex4(std::string_view s, std::size_t p) noexcept {
  if (p + 4 > s.size()) return -1;
  long v = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    const int h = hex_value(s[p + i]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

enum class string_issue : std::uint8_t {
  none,
  unterminated,  ///< offset = the opening quote
  control_char,  ///< offset = the raw control character
  bad_escape,    ///< offset = the backslash
  bad_unicode,   ///< \u not followed by 4 hex digits; offset = the backslash
  lone_high,     ///< high surrogate without a low one; offset = the backslash
  lone_low,      ///< low surrogate without a high one; offset = the backslash
  invalid_utf8,  ///< offset = the first bad byte
  needs_buffer,  ///< an escape was found and `out` was null: call again with a buffer
};

struct string_scan {
  string_issue issue = string_issue::none;
  std::size_t offset = 0;        ///< error offset, see string_issue
  std::size_t end = 0;           ///< one past the closing quote on success
  bool escaped = false;          ///< the value was unescaped into `out`
  std::size_t value_offset = 0;  ///< without escapes: where the value starts in the input
  std::size_t value_length = 0;
};

/// The offset of the closing quote when the string body starting at `i` is
/// plain printable ASCII (no escapes, controls or non-ASCII), else npos.
/// Checks 8 bytes at a time.
inline std::size_t plain_string_end(std::string_view in, std::size_t i) noexcept {
  const std::size_t n = in.size();
  while (i + 8 <= n) {
    std::uint64_t x;
    std::memcpy(&x, in.data() + i, 8);
    constexpr std::uint64_t ones = 0x0101010101010101ULL;
    constexpr std::uint64_t high = 0x8080808080808080ULL;
    const std::uint64_t q = x ^ (ones * '"');
    const std::uint64_t b = x ^ (ones * '\\');
    // (v - ones) & ~v & high is non-zero iff v has a zero byte; (x - 0x20 *
    // ones) & ~x flags a byte below 0x20 when no byte has its high bit set.
    const std::uint64_t special = ((q - ones) & ~q) | ((b - ones) & ~b) | ((x - ones * 0x20) & ~x) | x;
    if ((special & high) != 0) break;
    i += 8;
  }
  for (; i < n; ++i) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c == '"') return i;
    if (c == '\\' || c < 0x20 || c >= 0x80) return std::string_view::npos;
  }
  return std::string_view::npos;
}

/// Scans the JSON string literal whose opening quote is at `open` in `in`.
/// Without escapes the value is the raw bytes between the quotes (value_offset
/// is an offset into `in`); with escapes it is written, unescaped, to `out`,
/// which must have room for in.size() - open bytes (unescaping never grows).
/// With `out` null, a string with escapes stops with string_issue::needs_buffer.
inline string_scan scan_string(std::string_view in, std::size_t open, char* out) noexcept {
  string_scan r;
  const std::size_t n = in.size();
  std::size_t i = open + 1;
  // Fast path: plain printable ASCII up to the closing quote, 8 bytes at a
  // time while no byte is '"', '\\', a control character or non-ASCII.
  while (i + 8 <= n) {
    std::uint64_t x;
    std::memcpy(&x, in.data() + i, 8);
    constexpr std::uint64_t ones = 0x0101010101010101ULL;
    constexpr std::uint64_t high = 0x8080808080808080ULL;
    const std::uint64_t q = x ^ (ones * '"');
    const std::uint64_t b = x ^ (ones * '\\');
    // A byte of (v - ones) & ~v & high is set where v had a zero byte; the
    // same with (x - 0x20 * ones) flags bytes below 0x20 (x has no high bits).
    const std::uint64_t special = ((q - ones) & ~q) | ((b - ones) & ~b) | ((x - ones * 0x20) & ~x) | x;
    if ((special & high) != 0) break;
    i += 8;
  }
  while (i < n) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c == '"') {
      r.end = i + 1;
      r.value_offset = open + 1;
      r.value_length = i - open - 1;
      return r;
    }
    if (c == '\\' || c < 0x20 || c >= 0x80) break;
    ++i;
  }
  // Slow path: validate UTF-8 and unescape (into `out` once an escape shows up).
  std::size_t run_start = open + 1;  // start of the not-yet-copied raw run
  char* o = out;
  const auto flush = [&](std::size_t upto) {
    std::memcpy(o, in.data() + run_start, upto - run_start);
    o += upto - run_start;
  };
  const auto fail = [&](string_issue issue, std::size_t at) {
    r.issue = issue;
    r.offset = at;
    return r;
  };
  while (i < n) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c == '"') {
      if (r.escaped) {
        flush(i);
        r.value_length = static_cast<std::size_t>(o - out);
      } else {
        r.value_offset = open + 1;
        r.value_length = i - open - 1;
      }
      r.end = i + 1;
      return r;
    }
    if (c < 0x20) return fail(string_issue::control_char, i);
    if (c >= 0x80) {
      const std::size_t len = utf8_sequence_length(in.data() + i, n - i);
      if (len == 0) return fail(string_issue::invalid_utf8, i);
      i += len;
      continue;
    }
    if (c != '\\') {
      ++i;
      continue;
    }
    // An escape: from here on the value is built in `out`.
    if (out == nullptr) return fail(string_issue::needs_buffer, i);
    r.escaped = true;
    flush(i);
    if (i + 1 >= n) return fail(string_issue::unterminated, open);
    std::size_t next = i + 2;
    switch (in[i + 1]) {
      case '"':
        *o++ = '"';
        break;
      case '\\':
        *o++ = '\\';
        break;
      case '/':
        *o++ = '/';
        break;
      case 'b':
        *o++ = '\b';
        break;
      case 'f':
        *o++ = '\f';
        break;
      case 'n':
        *o++ = '\n';
        break;
      case 'r':
        *o++ = '\r';
        break;
      case 't':
        *o++ = '\t';
        break;
      case 'u': {
        const long hi = read_hex4(in, i + 2);
        if (hi < 0) return fail(string_issue::bad_unicode, i);
        next = i + 6;
        auto cp = static_cast<std::uint32_t>(hi);
        if (cp >= 0xDC00 && cp <= 0xDFFF) return fail(string_issue::lone_low, i);
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          const long lo =
              (next + 1 < n && in[next] == '\\' && in[next + 1] == 'u') ? read_hex4(in, next + 2) : -1;
          if (lo < 0xDC00 || lo > 0xDFFF) return fail(string_issue::lone_high, i);
          cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<std::uint32_t>(lo) - 0xDC00);
          next += 6;
        }
        o = append_utf8(o, cp);
        break;
      }
      default:
        return fail(string_issue::bad_escape, i);
    }
    i = next;
    run_start = i;
  }
  return fail(string_issue::unterminated, open);
}

enum class number_issue : std::uint8_t {
  none,
  not_a_number,    ///< does not start like a number at all
  plus_sign,       ///< leading '+'
  leading_zero,    ///< 01
  missing_digits,  ///< "-", "1.", "1e", ".5"
  trailing,        ///< junk after a valid number
  out_of_range,    ///< a decimal that overflows (or underflows) a double
};

struct number_scan {
  number_issue issue = number_issue::none;
  std::size_t offset = 0;  ///< error offset within the word
  bool is_integer = false;
  std::int64_t integer = 0;
  double decimal = 0.0;
};

/// Classifies `w` with the JSON number grammar:
///   [ "-" ] ( "0" / %x31-39 *DIGIT ) [ "." 1*DIGIT ] [ ("e"/"E") ["+"/"-"] 1*DIGIT ]
/// An integer without fraction or exponent that fits int64 is an integer;
/// everything else is a decimal (a double; the caller keeps the lexeme).
inline number_scan scan_number(std::string_view w) noexcept {
  number_scan r;
  const std::size_t n = w.size();
  std::size_t i = 0;
  if (n == 0) return {number_issue::not_a_number, 0};
  if (w[0] == '+') return {number_issue::plus_sign, 0};
  if (w[0] == '-') ++i;
  if (i >= n) return {number_issue::missing_digits, i};
  if (w[i] == '.') return {number_issue::missing_digits, i};
  if (!is_digit(w[i])) return {i == 0 ? number_issue::not_a_number : number_issue::missing_digits, i};
  if (w[i] == '0') {
    ++i;
    if (i < n && is_digit(w[i])) return {number_issue::leading_zero, i - 1};
  } else {
    while (i < n && is_digit(w[i])) ++i;
  }
  bool integral = true;
  if (i < n && w[i] == '.') {
    integral = false;
    ++i;
    if (i >= n || !is_digit(w[i])) return {number_issue::missing_digits, i};
    while (i < n && is_digit(w[i])) ++i;
  }
  if (i < n && (w[i] == 'e' || w[i] == 'E')) {
    integral = false;
    ++i;
    if (i < n && (w[i] == '+' || w[i] == '-')) ++i;
    if (i >= n || !is_digit(w[i])) return {number_issue::missing_digits, i};
    while (i < n && is_digit(w[i])) ++i;
  }
  if (i != n) return {number_issue::trailing, i};
  const char* first = w.data();
  const char* last = w.data() + n;
  if (integral) {
    std::int64_t v = 0;
    const auto res = std::from_chars(first, last, v);
    if (res.ec == std::errc() && res.ptr == last) {
      r.is_integer = true;
      r.integer = v;
      return r;
    }
    // Too large for int64: fall through to a decimal.
  }
  double d = 0.0;
  const auto res = std::from_chars(first, last, d);
  if (res.ec != std::errc() || res.ptr != last || !std::isfinite(d)) return {number_issue::out_of_range, 0};
  r.decimal = d;
  return r;
}

}  // namespace detail
}  // namespace filter
SCIM_END_NAMESPACE
