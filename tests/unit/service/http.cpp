#include "scim/service/http.hpp"

#include <doctest/doctest.h>

using scim::service::is_scim_content_type;

TEST_CASE("http: header lookup is case-insensitive; the first header of a name wins") {
  scim::service::request r{"GET", "/Users", "", {{"content-type", "a"}, {"Content-Type", "b"}}, ""};
  CHECK(r.header_value("Content-Type") == "a");
  CHECK_FALSE(r.header_value("Accept"));
  scim::service::response res;
  res.set_header("ETag", "1");
  res.set_header("etag", "2");
  CHECK(res.headers.size() == 1);
  CHECK(res.header_value("ETAG") == "2");
}

TEST_CASE("http: SCIM content types") {
  CHECK(is_scim_content_type("application/scim+json"));
  CHECK(is_scim_content_type("application/json"));
  CHECK(is_scim_content_type(" Application/Json ; charset=utf-8"));
  CHECK_FALSE(is_scim_content_type("application/jsonx"));
  CHECK_FALSE(is_scim_content_type("text/json"));
  CHECK_FALSE(is_scim_content_type(""));
}
