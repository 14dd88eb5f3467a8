#include "scim/date_time.hpp"

#include <doctest/doctest.h>

using scim::parse_date_time;

TEST_CASE("xsd:dateTime values parse to instants") {
  auto t = parse_date_time("1970-01-01T00:00:00Z");
  REQUIRE(t);
  CHECK(t->seconds == 0);
  CHECK(t->nanos == 0);

  auto r = parse_date_time("2011-08-01T18:29:49.793Z");
  REQUIRE(r);
  CHECK(r->seconds == 1312223389);
  CHECK(r->nanos == 793000000);

  CHECK(parse_date_time("2000-02-29T12:00:00Z").has_value());
  CHECK(parse_date_time("1969-12-31T23:59:59Z")->seconds == -1);
  CHECK(parse_date_time("2011-08-01t18:29:49z").has_value());
}

TEST_CASE("offsets and fractional seconds compare as instants") {
  const auto utc = parse_date_time("2011-08-01T18:29:49Z");
  const auto plus2 = parse_date_time("2011-08-01T20:29:49+02:00");
  const auto minus530 = parse_date_time("2011-08-01T12:59:49-05:30");
  REQUIRE(utc);
  CHECK(utc == plus2);
  CHECK(utc == minus530);
  CHECK(*parse_date_time("2011-08-01T18:29:49.1Z") > *utc);
  CHECK(*parse_date_time("2011-08-01T18:29:49.000000001Z") > *utc);
  CHECK(*parse_date_time("2011-08-01T18:29:49.999999999Z") < *parse_date_time("2011-08-01T18:29:50Z"));
  // Lexical order disagrees with instant order across offsets.
  CHECK(*parse_date_time("2011-08-01T19:00:00+02:00") < *parse_date_time("2011-08-01T18:00:00Z"));
}

TEST_CASE("a missing zone is read as UTC") {
  CHECK(parse_date_time("2011-08-01T18:29:49") == parse_date_time("2011-08-01T18:29:49Z"));
}

TEST_CASE("malformed or impossible dateTimes are rejected") {
  for (const char* bad :
       {"", "2011-08-01", "2011-08-01 18:29:49Z", "2011-13-01T00:00:00Z", "2011-02-29T00:00:00Z",
        "1900-02-29T00:00:00Z", "2011-04-31T00:00:00Z", "2011-08-01T25:00:00Z", "2011-08-01T18:60:00Z",
        "2011-08-01T18:29:49.Z", "2011-08-01T18:29:49+2:00", "2011-08-01T18:29:49+02:60", "2011-08-01T18:29:49ZZ",
        "2011-08-01T18:29:49 ", "20110801T182949Z", "2011-8-01T18:29:49Z", "abcd-08-01T18:29:49Z"}) {
    CHECK_MESSAGE(!parse_date_time(bad).has_value(), bad);
  }
}

TEST_CASE("format_date_time writes RFC 3339 UTC") {
  CHECK(scim::format_date_time({0, 0}) == "1970-01-01T00:00:00Z");
  CHECK(scim::format_date_time({1312223389, 793000000}) == "2011-08-01T18:29:49.793Z");
  CHECK(scim::format_date_time({-1, 0}) == "1969-12-31T23:59:59Z");
  for (std::int64_t s : {0LL, 951825600LL, 4102444800LL, -86400LL * 365 * 100}) {
    const auto text = scim::format_date_time({s, 0});
    CHECK(parse_date_time(text)->seconds == s);
  }
}

TEST_CASE("date_time keeps its text and compares by instant") {
  scim::date_time a("2011-08-01T20:29:49+02:00");
  scim::date_time b("2011-08-01T18:29:49Z");
  CHECK(a.valid());
  CHECK(a.text() == "2011-08-01T20:29:49+02:00");
  CHECK(a == b);
  scim::date_time junk("yesterday");
  CHECK_FALSE(junk.valid());
  CHECK_FALSE(junk == b);
  CHECK(scim::date_time(scim::instant{5, 0}).text() == "1970-01-01T00:00:05Z");
  CHECK(scim::now().seconds > 1700000000);
}
