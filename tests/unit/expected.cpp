#include "scim/expected.hpp"

#include <doctest/doctest.h>

#include <string>
#include <type_traits>

namespace {
scim::expected<int> half(int v) {
  if (v % 2 != 0) return scim::fail(scim::error_code::invalid_value, "odd");
  return v / 2;
}
}  // namespace

TEST_CASE("scim::expected carries a value or a scim::error") {
  auto ok = half(8);
  REQUIRE(ok);
  CHECK(*ok == 4);
  auto bad = half(3);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == scim::error_code::invalid_value);
  CHECK(bad.error().status == 400);
}

TEST_CASE("the tl::expected 1.0 monadic API composes") {
  auto r = half(16).and_then(half).map([](int v) { return std::to_string(v); });
  REQUIRE(r);
  CHECK(*r == "4");
  auto e = half(6).and_then(half).map_error([](scim::error err) {
    err.detail += "!";
    return err;
  });
  REQUIRE_FALSE(e);
  CHECK(e.error().detail == "odd!");
  auto recovered = half(5).or_else([](const scim::error&) -> scim::expected<int> { return 0; });
  CHECK(recovered.value() == 0);
}

TEST_CASE("the ABI namespace records which expected is in use") {
#if SCIM_EXPECTED_IS_STD
  CHECK(std::is_same_v<scim::expected<int>, scim::abi_v0_std::expected<int>>);
#else
  // Symbols live in scim::abi_v0_tl, so code built with std::expected cannot link against them.
  CHECK(std::is_same_v<scim::expected<int>, scim::abi_v0_tl::expected<int>>);
#endif
}
