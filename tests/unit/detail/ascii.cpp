#include "scim/detail/ascii.hpp"

#include <doctest/doctest.h>

using namespace scim::detail;

TEST_CASE("ASCII case folding") {
  CHECK(iequals("userName", "USERNAME"));
  CHECK_FALSE(iequals("userName", "userNam"));
  CHECK(icompare("abc", "ABD") < 0);
  CHECK(icompare("B", "a") > 0);
  CHECK(icompare("ab", "AB") == 0);
  CHECK(icompare("ab", "abc") < 0);
  CHECK(istarts_with("BJensen@Example.com", "bjensen"));
  CHECK(iends_with("BJensen@Example.COM", "@example.com"));
  CHECK_FALSE(iends_with("a", "ab"));
  CHECK(icontains("BJensen@Example.com", "EXAMPLE"));
  CHECK(icontains("x", ""));
  CHECK_FALSE(icontains("abc", "abcd"));
  CHECK(to_lower("MiXeD-123") == "mixed-123");
  // Non-ASCII bytes are left alone.
  CHECK_FALSE(iequals("\xC3\x89", "\xC3\xA9"));
}
