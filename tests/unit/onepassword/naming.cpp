#include "scim/onepassword/naming.hpp"

#include <doctest/doctest.h>

#include <string>

using scim::onepassword::display_name;

TEST_CASE("onepassword: display_name: first and last joined by one space") {
  CHECK(display_name("Barbara", "Jensen") == "Barbara Jensen");
  CHECK(display_name("Mary Ann", "van der Berg") == "Mary Ann van der Berg");  // inner blanks kept
}

TEST_CASE("onepassword: display_name: one part when the other is empty") {
  CHECK(display_name("Cher", "") == "Cher");
  CHECK(display_name("", "Madonna") == "Madonna");
  CHECK(display_name("", "") == std::string());
}

TEST_CASE("onepassword: display_name: blanks around each part are trimmed") {
  CHECK(display_name("  Barbara ", "\tJensen\n") == "Barbara Jensen");
  CHECK(display_name("   ", "Jensen") == "Jensen");
  CHECK(display_name("Barbara", " \t ") == "Barbara");
  CHECK(display_name(" ", " ").empty());
}

TEST_CASE("onepassword: display_name: works with std::string arguments and non-ASCII text") {
  const std::string first = "Zoë";
  const std::string last = "Ångström";
  CHECK(display_name(first, last) == "Zoë Ångström");
}
