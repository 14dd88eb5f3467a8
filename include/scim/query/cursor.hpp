// scimpp: RFC 9865 cursors: opaque, tamper-evident tokens.
//
// A store describes where a page ends with a *position*: a string only it
// understands (the memory store uses a small JSON text; a SQL store might use
// a keyset tuple). The cursor_codec wraps a position into the token the
// client sees and unwraps it again:
//
//   token = base64url(payload) "." base64url(mac(payload))
//   payload = "1:" created-seconds ":" fingerprint(16 hex) ":" position
//
// * created: when the cursor was issued; a cursor older than
//   cursor_options::ttl is 400 expiredCursor (RFC 9865);
// * fingerprint: query_fingerprint() of the filter and sort the cursor was
//   issued for; presenting it with another filter or sort is 400
//   invalidCursor (its position means nothing for that result set);
// * mac: a message authentication code over the payload computed by a
//   callable the application supplies (mac_function). A token that does not
//   decode, whose MAC does not match, or whose payload is malformed is 400
//   invalidCursor. Positions are therefore trusted by the store only as far
//   as the MAC is; stores still validate what they read back.
//
// The library carries no cryptography. The default MAC, keyed_checksum(), is
// a std::hash-based keyed checksum with a random per-codec secret: it detects
// accidental corruption and casual editing, but it is NOT cryptographic and
// must not be relied on against a determined attacker. Production services
// plug in HMAC-SHA-256 (e.g. OpenSSL's HMAC(), as the example bridge does):
//
//   scim::query::cursor_codec codec([key](std::string_view msg) {
//     unsigned char out[32]; unsigned len = 0;
//     HMAC(EVP_sha256(), key.data(), int(key.size()),
//          reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), out, &len);
//     return std::string(reinterpret_cast<char*>(out), len);
//   });
//
// Cursors carry no client data other than the position: the issuing time is
// the server's, and nothing in a token is ever interpolated into queries.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>

#include "scim/config.hpp"
#include "scim/date_time.hpp"
#include "scim/detail/ascii.hpp"
#include "scim/error.hpp"
#include "scim/expected.hpp"
#include "scim/query/list_params.hpp"

SCIM_BEGIN_NAMESPACE
namespace query {

/// Computes a MAC over a message (any byte string; any length of output).
using mac_function = std::function<std::string(std::string_view message)>;

struct cursor_options {
  /// How long a cursor stays valid after it was issued (RFC 9865 cursorTimeout).
  std::chrono::seconds ttl{600};
  /// Maximum accepted token length.
  std::size_t max_length = 4096;
};

/// What a decoded cursor holds.
struct cursor_state {
  /// The store's position.
  std::string position;
  /// When the cursor was issued.
  instant created{};
  /// query_fingerprint() of the query it was issued for.
  std::uint64_t fingerprint = 0;
};

namespace detail {

inline constexpr char base64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// base64url without padding (RFC 4648 section 5).
inline std::string base64url_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t{static_cast<unsigned char>(in[i])} << 16) |
                            (std::uint32_t{static_cast<unsigned char>(in[i + 1])} << 8) |
                            std::uint32_t{static_cast<unsigned char>(in[i + 2])};
    out.push_back(base64url_alphabet[(v >> 18) & 63]);
    out.push_back(base64url_alphabet[(v >> 12) & 63]);
    out.push_back(base64url_alphabet[(v >> 6) & 63]);
    out.push_back(base64url_alphabet[v & 63]);
  }
  const std::size_t rest = in.size() - i;
  if (rest != 0) {
    std::uint32_t v = std::uint32_t{static_cast<unsigned char>(in[i])} << 16;
    if (rest == 2) v |= std::uint32_t{static_cast<unsigned char>(in[i + 1])} << 8;
    out.push_back(base64url_alphabet[(v >> 18) & 63]);
    out.push_back(base64url_alphabet[(v >> 12) & 63]);
    if (rest == 2) out.push_back(base64url_alphabet[(v >> 6) & 63]);
  }
  return out;
}

constexpr int base64url_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

/// Decodes unpadded base64url; nullopt on any invalid character or length.
inline std::optional<std::string> base64url_decode(std::string_view in) {
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(in.size() / 4 * 3 + 2);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const int v = base64url_value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>(static_cast<unsigned char>((acc >> bits) & 0xffu)));
    }
  }
  // Leftover bits must be zero (one canonical encoding per byte string).
  if (bits > 0 && (acc & ((1u << bits) - 1u)) != 0) return std::nullopt;
  return out;
}

/// Equality that takes the same time for every pair of equal-length inputs.
inline bool constant_time_equals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff = static_cast<unsigned char>(diff |
                                      (static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i])));
  return diff == 0;
}

inline void append_hex64(std::string& out, std::uint64_t v) {
  static constexpr char hex[] = "0123456789abcdef";
  for (int shift = 60; shift >= 0; shift -= 4) out.push_back(hex[(v >> shift) & 15u]);
}

inline std::optional<std::uint64_t> parse_hex64(std::string_view s) noexcept {
  if (s.size() != 16) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    const int d = query::detail::hex_value(c);
    if (d < 0 || (c >= 'A' && c <= 'F')) return std::nullopt;
    v = (v << 4) | static_cast<std::uint64_t>(d);
  }
  return v;
}

inline void append_u64(std::string& out, std::uint64_t v) {
  char buf[24];
  std::size_t n = 0;
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) out.push_back(buf[--n]);
}

}  // namespace detail

/// A fresh random secret (32 bytes from std::random_device).
inline std::string random_secret() {
  std::random_device rd;
  std::string s(32, '\0');
  for (std::size_t i = 0; i < s.size(); i += 4) {
    const auto v = static_cast<std::uint32_t>(rd());
    for (std::size_t k = 0; k < 4 && i + k < s.size(); ++k)
      s[i + k] = static_cast<char>(static_cast<unsigned char>((v >> (8 * k)) & 0xffu));
  }
  return s;
}

/// The default MAC: a keyed checksum built on std::hash (16 bytes). NOT
/// cryptographic: it catches corrupted and hand-edited cursors, not a
/// determined forger. Supply an HMAC for anything exposed to untrusted
/// clients (see the top of this header).
inline mac_function keyed_checksum(std::string secret) {
  return [secret = std::move(secret)](std::string_view message) {
    const std::hash<std::string_view> h;
    std::string buf;
    buf.reserve(secret.size() * 2 + message.size() + 24);
    buf.append(secret).append(message).push_back('\x01');
    const auto a = static_cast<std::uint64_t>(h(buf));
    buf.append(secret);
    detail::append_u64(buf, a);
    const auto b = static_cast<std::uint64_t>(h(buf));
    std::string out;
    out.reserve(16);
    for (int i = 0; i < 8; ++i)
      out.push_back(static_cast<char>(static_cast<unsigned char>((a >> (8 * i)) & 0xffu)));
    for (int i = 0; i < 8; ++i)
      out.push_back(static_cast<char>(static_cast<unsigned char>((b >> (8 * i)) & 0xffu)));
    return out;
  };
}

/// A fingerprint of what a cursor position depends on: the filter text and
/// the sort (path folded to lower case, order). Stable within one build.
inline std::uint64_t query_fingerprint(const list_query& q) {
  std::string s;
  if (q.filter_text) s.append("f:").append(*q.filter_text);
  s.push_back('\n');
  if (q.sort_by) s.append("s:").append(scim::detail::to_lower(*q.sort_by)).append(to_string(q.order));
  return static_cast<std::uint64_t>(std::hash<std::string>{}(s));
}

/// Issues and opens cursors (see the top of this header). Thread-safe for
/// concurrent use when the mac_function is.
class cursor_codec {
 public:
  /// A codec with the non-cryptographic default MAC and a random secret.
  cursor_codec() : cursor_codec(keyed_checksum(random_secret())) {}
  explicit cursor_codec(mac_function mac, cursor_options opts = {}) : mac_(std::move(mac)), opts_(opts) {}

  const cursor_options& options() const noexcept { return opts_; }

  /// The token for `position`, issued at `now` for a query with `fingerprint`.
  std::string issue(std::string_view position, std::uint64_t fingerprint, instant now) const {
    std::string payload = "1:";
    detail::append_u64(payload, static_cast<std::uint64_t>(now.seconds < 0 ? 0 : now.seconds));
    payload.push_back(':');
    detail::append_hex64(payload, fingerprint);
    payload.push_back(':');
    payload.append(position);
    std::string token = detail::base64url_encode(payload);
    token.push_back('.');
    token.append(detail::base64url_encode(mac_ ? mac_(payload) : std::string()));
    return token;
  }

  /// Opens a token: 400 invalidCursor when it is malformed, forged or was
  /// issued for another query; 400 expiredCursor when older than the TTL.
  expected<cursor_state> open(std::string_view token, std::uint64_t fingerprint, instant now) const {
    auto invalid = [](std::string why) {
      return fail(error_code::invalid_cursor,
                  "cursor: " + std::move(why) + "; request the first page again with an empty cursor");
    };
    if (token.empty()) return invalid("an empty cursor asks for the first page and has no position");
    if (token.size() > opts_.max_length) return invalid("the cursor is too long");
    const std::size_t dot = token.rfind('.');
    if (dot == std::string_view::npos) return invalid("the cursor is not one this service provider issued");
    auto payload = detail::base64url_decode(token.substr(0, dot));
    auto mac = detail::base64url_decode(token.substr(dot + 1));
    if (!payload || !mac) return invalid("the cursor is not one this service provider issued");
    const std::string expected_mac = mac_ ? mac_(*payload) : std::string();
    if (expected_mac.empty() || !detail::constant_time_equals(*mac, expected_mac))
      return invalid("the cursor is not one this service provider issued (integrity check failed)");
    // "1:" seconds ":" fingerprint ":" position
    const std::string_view p = *payload;
    if (p.size() < 2 || p.substr(0, 2) != "1:") return invalid("unsupported cursor version");
    const std::size_t c1 = p.find(':', 2);
    if (c1 == std::string_view::npos) return invalid("malformed cursor");
    const std::size_t c2 = p.find(':', c1 + 1);
    if (c2 == std::string_view::npos) return invalid("malformed cursor");
    const auto seconds = query::detail::parse_integer(p.substr(2, c1 - 2));
    const auto fp = detail::parse_hex64(p.substr(c1 + 1, c2 - c1 - 1));
    if (!seconds || *seconds < 0 || !fp) return invalid("malformed cursor");
    cursor_state st;
    st.created = instant{*seconds, 0};
    st.fingerprint = *fp;
    st.position.assign(p.substr(c2 + 1));
    const std::int64_t ttl = static_cast<std::int64_t>(opts_.ttl.count());
    if (now.seconds > st.created.seconds && now.seconds - st.created.seconds > ttl)
      return fail(error_code::expired_cursor,
                  "cursor: the cursor expired (cursors are valid for " + std::to_string(ttl) +
                      " seconds); request the first page again with an empty cursor");
    if (st.fingerprint != fingerprint)
      return invalid("the cursor was issued for a different filter or sort order");
    return st;
  }

 private:
  mac_function mac_;
  cursor_options opts_;
};

}  // namespace query
SCIM_END_NAMESPACE
