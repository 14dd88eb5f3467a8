#include "scim/error.hpp"

#include <doctest/doctest.h>

#include <sstream>

using scim::error;
using scim::error_code;

TEST_CASE("every scimType keyword maps one-to-one to an error_code") {
  const char* keywords[] = {"invalidFilter", "tooMany",     "uniqueness",    "mutability",
                            "invalidSyntax", "invalidPath", "noTarget",      "invalidValue",
                            "invalidVers",   "sensitive",   "invalidCursor", "expiredCursor"};
  int seen = 0;
  for (const char* k : keywords) {
    auto code = scim::error_code_from_string(k);
    REQUIRE(code.has_value());
    CHECK(*code != error_code::none);
    CHECK(scim::to_string(*code) == k);
    ++seen;
  }
  CHECK(seen == 12);
  CHECK_FALSE(scim::error_code_from_string("invalidfilter").has_value());
  CHECK_FALSE(scim::error_code_from_string("").has_value());
  CHECK(scim::to_string(error_code::none).empty());
}

TEST_CASE("default HTTP status follows RFC 7644 section 3.12") {
  CHECK(scim::default_status(error_code::invalid_filter) == 400);
  CHECK(scim::default_status(error_code::uniqueness) == 409);
  CHECK(scim::default_status(error_code::sensitive) == 403);
  CHECK(scim::default_status(error_code::invalid_cursor) == 400);
  CHECK(error(error_code::mutability, "x").status == 400);
  CHECK(error::not_found("gone").status == 404);
  CHECK(error::precondition_failed("v").status == 412);
}

TEST_CASE("to_json gives the exact SCIM Error body") {
  nlohmann::json j = error(error_code::uniqueness, "userName bjensen is taken");
  CHECK(j == nlohmann::json::parse(R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],
      "status":"409","scimType":"uniqueness","detail":"userName bjensen is taken"})"));
  CHECK(j["status"].is_string());

  nlohmann::json nf = error::not_found("Resource 2819c223 not found");
  CHECK_FALSE(nf.contains("scimType"));
  CHECK(nf["status"] == "404");
}

TEST_CASE("from_json reads error bodies from other servers") {
  auto e = nlohmann::json::parse(R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],
      "status":"400","scimType":"invalidFilter","detail":"bad"})")
               .get<error>();
  CHECK(e.status == 400);
  CHECK(e.code == error_code::invalid_filter);
  CHECK(e.detail == "bad");

  auto numeric = nlohmann::json::parse(R"({"status":429,"scimType":"somethingNew"})").get<error>();
  CHECK(numeric.status == 429);
  CHECK(numeric.code == error_code::none);

  auto junk = nlohmann::json::parse(R"({"status":"4x9","detail":7})").get<error>();
  CHECK(junk.status == 500);
  CHECK(junk.detail.empty());
}

TEST_CASE("format_error renders a caret under the position") {
  auto e = error(error_code::invalid_filter, "expected an operator").at(9, "userName xx \"bjensen\"");
  const std::string text = scim::format_error(e);
  CHECK(text ==
        "invalidFilter: expected an operator (at offset 9)\n"
        "  userName xx \"bjensen\"\n"
        "           ^");
  std::ostringstream os;
  os << e;
  CHECK(os.str() == text);
}

TEST_CASE("format_error windows long inputs and hides control characters") {
  std::string input(1000, 'a');
  input[500] = '\n';
  auto e = error(error_code::invalid_filter, "bad byte").at(500, input);
  const std::string text = scim::format_error(e, 40);
  const auto first_nl = text.find('\n');
  const auto second_nl = text.find('\n', first_nl + 1);
  const std::string line = text.substr(first_nl + 3, second_nl - first_nl - 3);
  const std::string caret = text.substr(second_nl + 3);
  CHECK(line.size() <= 40 + 6);
  CHECK(line.substr(0, 3) == "...");
  CHECK(line.find('\n') == std::string::npos);
  REQUIRE(caret.size() >= 1);
  CHECK(line[caret.size() - 1] == ' ');  // the newline, shown as a space
  CHECK(caret.back() == '^');
}

TEST_CASE("format_error without a position is one line") {
  CHECK(scim::format_error(error::not_found("no such user")) == "404: no such user");
}
