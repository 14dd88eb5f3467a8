// scimpp: xsd:dateTime values (RFC 7643 section 2.3.5) compared as instants.
#pragma once

#include "scim/config.hpp"

#include <chrono>
#include <compare>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

SCIM_BEGIN_NAMESPACE

/// A point in time: seconds since the Unix epoch plus nanoseconds.
struct instant {
  std::int64_t seconds = 0;
  std::int32_t nanos = 0;
  friend constexpr auto operator<=>(const instant&, const instant&) = default;
};

namespace detail {

// Days since 1970-01-01 of a proleptic Gregorian date (civil calendar arithmetic).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct civil { std::int64_t y; unsigned m; unsigned d; };
constexpr civil civil_from_days(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2 ? 1 : 0), m, d};
}

constexpr bool is_leap(std::int64_t y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
constexpr unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
  constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

constexpr bool digits(std::string_view s, std::size_t pos, std::size_t n, unsigned& out) noexcept {
  if (pos + n > s.size()) return false;
  unsigned v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + static_cast<unsigned>(s[i] - '0');
  }
  out = v;
  return true;
}

}  // namespace detail

/// Parses an xsd:dateTime / RFC 3339 timestamp:
/// `YYYY-MM-DDThh:mm:ss[.fraction][Z|+hh:mm|-hh:mm]`. A missing zone is read
/// as UTC. Returns nullopt for anything else (including impossible dates).
constexpr std::optional<instant> parse_date_time(std::string_view s) noexcept {
  unsigned year = 0, mon = 0, day = 0, hh = 0, mm = 0, ss = 0;
  if (!detail::digits(s, 0, 4, year) || s.size() < 19 || s[4] != '-' || !detail::digits(s, 5, 2, mon) ||
      s[7] != '-' || !detail::digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't') ||
      !detail::digits(s, 11, 2, hh) || s[13] != ':' || !detail::digits(s, 14, 2, mm) || s[16] != ':' ||
      !detail::digits(s, 17, 2, ss))
    return std::nullopt;
  if (mon < 1 || mon > 12 || day < 1 || day > detail::days_in_month(year, mon)) return std::nullopt;
  if (hh > 24 || mm > 59 || ss > 60) return std::nullopt;  // 60: leap second, folded below
  if (hh == 24 && (mm != 0 || ss != 0)) return std::nullopt;
  std::size_t pos = 19;
  std::int32_t nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    std::int32_t scale = 100000000;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      nanos += static_cast<std::int32_t>(s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  std::int64_t offset = 0;
  if (pos < s.size()) {
    if (s[pos] == 'Z' || s[pos] == 'z') {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      unsigned oh = 0, om = 0;
      if (!detail::digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
          !detail::digits(s, pos + 4, 2, om) || oh > 23 || om > 59)
        return std::nullopt;
      offset = (static_cast<std::int64_t>(oh) * 60 + om) * 60 * (s[pos] == '-' ? -1 : 1);
      pos += 6;
    } else {
      return std::nullopt;
    }
  }
  if (pos != s.size()) return std::nullopt;
  if (ss == 60) ss = 59, nanos = 999999999;
  const std::int64_t days = detail::days_from_civil(year, mon, day);
  const std::int64_t secs = days * 86400 + static_cast<std::int64_t>(hh) * 3600 + mm * 60 + ss - offset;
  return instant{secs, nanos};
}

/// Formats an instant as `YYYY-MM-DDThh:mm:ss[.mmm]Z` (milliseconds when non-zero).
inline std::string format_date_time(instant t) {
  std::int64_t days = t.seconds / 86400;
  std::int64_t rem = t.seconds % 86400;
  if (rem < 0) rem += 86400, --days;
  const auto c = detail::civil_from_days(days);
  char buf[48];
  const int ms = t.nanos / 1000000;
  if (ms != 0)
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03dZ", static_cast<long long>(c.y), c.m,
                  c.d, static_cast<long long>(rem / 3600), static_cast<long long>(rem / 60 % 60),
                  static_cast<long long>(rem % 60), ms);
  else
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ", static_cast<long long>(c.y), c.m, c.d,
                  static_cast<long long>(rem / 3600), static_cast<long long>(rem / 60 % 60),
                  static_cast<long long>(rem % 60));
  return buf;
}

/// The current time as an instant (system clock).
inline instant now() {
  const auto d = std::chrono::system_clock::now().time_since_epoch();
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
  return {ns / 1000000000, static_cast<std::int32_t>(ns % 1000000000)};
}

/// A dateTime attribute value: the text as received (kept for a faithful
/// round trip) and, when it is a valid xsd:dateTime, its instant.
class date_time {
 public:
  date_time() = default;
  explicit date_time(std::string text) : text_(std::move(text)), at_(parse_date_time(text_)) {}
  explicit date_time(instant t) : text_(format_date_time(t)), at_(t) {}

  const std::string& text() const noexcept { return text_; }
  /// The instant, or nullopt when the text is not a valid dateTime.
  const std::optional<instant>& at() const noexcept { return at_; }
  bool valid() const noexcept { return at_.has_value(); }

  /// Equal instants compare equal whatever their spelling.
  friend bool operator==(const date_time& a, const date_time& b) {
    if (a.at_ && b.at_) return *a.at_ == *b.at_;
    return a.text_ == b.text_;
  }

 private:
  std::string text_;
  std::optional<instant> at_;
};

SCIM_END_NAMESPACE
