#include "scim/store/concept.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

namespace st = scim::store;

namespace {

// The smallest type that models the concept: everything is 501.
struct null_store {
  scim::expected<st::stored_resource> create(const scim::resource_type&, scim::json,
                                             const st::write_options&) {
    return scim::fail(scim::error::not_implemented("create"));
  }
  scim::expected<st::stored_resource> get(const scim::resource_type&, std::string_view,
                                          const st::read_options&) const {
    return scim::fail(scim::error::not_implemented("get"));
  }
  scim::expected<st::stored_resource> replace(const scim::resource_type&, std::string_view, scim::json,
                                              const st::write_options&) {
    return scim::fail(scim::error::not_implemented("replace"));
  }
  scim::expected<st::patch_result> patch(const scim::resource_type&, std::string_view,
                                         const st::patch_function&, const st::write_options&) {
    return scim::fail(scim::error::not_implemented("patch"));
  }
  scim::expected<void> remove(const scim::resource_type&, std::string_view, const st::write_options&) {
    return scim::fail(scim::error::not_implemented("remove"));
  }
  scim::expected<st::query_result> query(const scim::resource_type&, const st::query_request&) const {
    return scim::fail(scim::error::not_implemented("query"));
  }
  scim::expected<std::vector<std::string>> find_by_external_id(const scim::resource_type&,
                                                               std::string_view) const {
    return scim::fail(scim::error::not_implemented("find_by_external_id"));
  }
};

struct incomplete_store {
  scim::expected<st::stored_resource> get(const scim::resource_type&, std::string_view,
                                          const st::read_options&) const;
};

}  // namespace

TEST_CASE("the resource_store concept") {
  static_assert(st::resource_store<null_store>);
  static_assert(!st::resource_store<incomplete_store>);
  static_assert(!st::resource_store<int>);
  null_store s;
  auto r = s.get(*scim::default_registry().find_resource_type("User"), "x", {});
  REQUIRE_FALSE(r);
  CHECK(r.error().status == 501);
}

TEST_CASE("versions are weak ETags") {
  CHECK(st::make_etag(1) == "W/\"1\"");
  CHECK(st::make_etag(18446744073709551615ULL) == "W/\"18446744073709551615\"");
}

TEST_CASE("If-Match: *, lists and weak comparison") {
  const std::string cur = st::make_etag(3);
  CHECK(st::if_match_satisfied("*", cur));
  CHECK(st::if_match_satisfied(" * ", cur));
  CHECK(st::if_match_satisfied("W/\"3\"", cur));
  CHECK(st::if_match_satisfied("\"3\"", cur));  // weak comparison ignores W/
  CHECK(st::if_match_satisfied("w/\"3\"", cur));
  CHECK(st::if_match_satisfied("W/\"1\", W/\"3\"", cur));
  CHECK(st::if_match_satisfied("W/\"1\",W/\"3\"", cur));
  CHECK_FALSE(st::if_match_satisfied("W/\"2\"", cur));
  CHECK_FALSE(st::if_match_satisfied("W/\"33\"", cur));
  CHECK_FALSE(st::if_match_satisfied("3", cur));  // not an entity tag
  CHECK_FALSE(st::if_match_satisfied("W/3", cur));
  CHECK_FALSE(st::if_match_satisfied("", cur));
  CHECK_FALSE(st::if_match_satisfied("W/\"1\", garbage", cur));
  CHECK_FALSE(st::if_match_satisfied("\"", cur));
  CHECK(st::check_if_match(std::nullopt, cur));
  CHECK(st::check_if_match(std::string("*"), cur));
  auto r = st::check_if_match(std::string("W/\"2\""), cur);
  REQUIRE_FALSE(r);
  CHECK(r.error().status == 412);
  CHECK(r.error().code == scim::error_code::none);
  CHECK(r.error().detail.find("W/\"3\"") != std::string::npos);
}
