#include "scim/query/cursor.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

using scim::error_code;
using scim::instant;
namespace q = scim::query;

namespace {

constexpr instant t0{1700000000, 0};

instant plus(instant t, std::int64_t seconds) {
  return instant{t.seconds + seconds, t.nanos};
}

// A stand-in MAC for tests: any deterministic keyed function will do.
q::mac_function test_mac(std::string key) {
  return [key = std::move(key)](std::string_view m) {
    return key + ":" + std::to_string(m.size()) + std::string(m);
  };
}

}  // namespace

TEST_CASE("base64url round-trips every byte string") {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (std::size_t n = 0; n <= all.size(); n += 37) {
    const std::string s = all.substr(0, n);
    const std::string enc = q::detail::base64url_encode(s);
    CHECK(enc.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
          std::string::npos);
    auto dec = q::detail::base64url_decode(enc);
    REQUIRE(dec);
    CHECK(*dec == s);
  }
  CHECK(q::detail::base64url_encode("f") == "Zg");
  CHECK(q::detail::base64url_encode("fo") == "Zm8");
  CHECK(q::detail::base64url_encode("foo") == "Zm9v");
  CHECK_FALSE(q::detail::base64url_decode("Z"));      // impossible length
  CHECK_FALSE(q::detail::base64url_decode("Zm9v="));  // padding is not used
  CHECK_FALSE(q::detail::base64url_decode("Zh"));     // non-zero leftover bits
  CHECK_FALSE(q::detail::base64url_decode("Zm+v"));   // not the URL alphabet
}

TEST_CASE("a cursor round-trips its position") {
  q::cursor_codec codec;
  for (const std::string& position : std::vector<std::string>{
           "", "{\"after\":42}", "a:b:c", std::string(1000, 'x'), std::string("\0\xff", 2)}) {
    const std::string token = codec.issue(position, 7, t0);
    CHECK(token.find_first_of("+/=") == std::string::npos);  // URL-safe as is
    auto st = codec.open(token, 7, plus(t0, 10));
    REQUIRE(st);
    CHECK(st->position == position);
    CHECK(st->fingerprint == 7);
    CHECK(st->created.seconds == t0.seconds);
  }
}

TEST_CASE("a forged or damaged cursor is invalidCursor") {
  q::cursor_codec codec;
  const std::string token = codec.issue("{\"after\":5}", 1, t0);
  const auto dot = token.rfind('.');
  auto check_invalid = [&](const std::string& t) {
    CAPTURE(t);
    auto r = codec.open(t, 1, t0);
    REQUIRE_FALSE(r);
    CHECK(r.error().status == 400);
    CHECK(r.error().code == error_code::invalid_cursor);
  };
  // Another position with the old MAC.
  const std::string forged_payload =
      q::detail::base64url_encode("1:1700000000:0000000000000001:{\"after\":0}");
  check_invalid(forged_payload + token.substr(dot));
  // Bit flips in payload and MAC.
  for (std::size_t i = 0; i < token.size(); i += 3) {
    if (token[i] == '.') continue;
    std::string t = token;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    if (t == token) continue;
    auto r = codec.open(t, 1, t0);
    if (r) {
      // Flipping the unused low bits of the last character cannot change the
      // bytes; anything else must be caught.
      CHECK(r->position == "{\"after\":5}");
    } else {
      CHECK(r.error().code == error_code::invalid_cursor);
    }
  }
  check_invalid("");
  check_invalid("garbage");
  check_invalid("a.b.c");
  check_invalid(".");
  check_invalid(token.substr(0, dot));
  check_invalid(token + "A");
  check_invalid(std::string(5000, 'A') + "." + token.substr(dot + 1));
  // A codec with another secret rejects it.
  q::cursor_codec other;
  auto r = other.open(token, 1, t0);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::invalid_cursor);
}

TEST_CASE("an expired cursor is expiredCursor") {
  q::cursor_options opts;
  opts.ttl = std::chrono::seconds(60);
  q::cursor_codec codec(q::keyed_checksum("secret"), opts);
  const std::string token = codec.issue("p", 3, t0);
  CHECK(codec.open(token, 3, plus(t0, 60)));
  auto r = codec.open(token, 3, plus(t0, 61));
  REQUIRE_FALSE(r);
  CHECK(r.error().status == 400);
  CHECK(r.error().code == error_code::expired_cursor);
  CHECK(scim::to_string(r.error().code) == "expiredCursor");
  // A clock that went backwards does not expire it.
  CHECK(codec.open(token, 3, plus(t0, -100)));
}

TEST_CASE("a cursor issued for another query is invalidCursor") {
  q::cursor_codec codec;
  auto a = q::parse_list_query_string("filter=userName+pr&cursor=");
  auto b = q::parse_list_query_string("filter=title+pr&cursor=");
  auto c = q::parse_list_query_string("filter=userName+pr&sortBy=userName&cursor=");
  auto d = q::parse_list_query_string("filter=userName+pr&sortBy=USERNAME&count=3&cursor=");
  REQUIRE((a && b && c && d));
  CHECK(q::query_fingerprint(*a) != q::query_fingerprint(*b));
  CHECK(q::query_fingerprint(*a) != q::query_fingerprint(*c));
  CHECK(q::query_fingerprint(*c) == q::query_fingerprint(*d));  // count and case of the path do not matter
  const std::string token = codec.issue("p", q::query_fingerprint(*a), t0);
  CHECK(codec.open(token, q::query_fingerprint(*a), t0));
  auto r = codec.open(token, q::query_fingerprint(*b), t0);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::invalid_cursor);
}

TEST_CASE("the MAC is pluggable") {
  q::cursor_codec codec(test_mac("k1"));
  const std::string token = codec.issue("pos", 0, t0);
  auto st = codec.open(token, 0, t0);
  REQUIRE(st);
  CHECK(st->position == "pos");
  q::cursor_codec other(test_mac("k2"));
  CHECK_FALSE(other.open(token, 0, t0));
  // A MAC that produces nothing never validates.
  q::cursor_codec empty([](std::string_view) { return std::string(); });
  CHECK_FALSE(empty.open(empty.issue("pos", 0, t0), 0, t0));
}

TEST_CASE("keyed_checksum depends on key and message") {
  auto a = q::keyed_checksum("key-a");
  auto b = q::keyed_checksum("key-b");
  CHECK(a("message").size() == 16);
  CHECK(a("message") == a("message"));
  CHECK(a("message") != b("message"));
  CHECK(a("message") != a("messagf"));
  CHECK(q::random_secret().size() == 32);
  CHECK(q::random_secret() != q::random_secret());
}
