#include "scim/patch/dialect.hpp"

#include <doctest/doctest.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using scim::patch::dialect;
using scim::patch::normalizer;
using scim::patch::normalizer_set;

namespace {

// A case-sensitive header map, as some frameworks keep them.
struct exact_headers {
  std::map<std::string, std::string> h;
  std::optional<std::string_view> operator()(std::string_view name) const {
    auto it = h.find(std::string(name));
    if (it == h.end()) return std::nullopt;
    return std::string_view(it->second);
  }
};

dialect detect(std::vector<std::pair<std::string, std::string>> headers) {
  exact_headers h;
  for (auto& [k, v] : headers) h.h[k] = v;
  return scim::patch::detect_dialect(h);
}

}  // namespace

TEST_CASE("dialect names round-trip") {
  for (const dialect d : scim::patch::all_dialects) {
    CHECK(scim::patch::dialect_from_string(scim::patch::to_string(d)) == d);
  }
  CHECK(scim::patch::to_string(dialect::strict) == "strict");
  CHECK(scim::patch::to_string(dialect::lenient) == "lenient");
  CHECK(scim::patch::to_string(dialect::entra) == "entra");
  CHECK(scim::patch::to_string(dialect::okta) == "okta");
  CHECK(scim::patch::to_string(dialect::jumpcloud) == "jumpcloud");
  CHECK(scim::patch::dialect_from_string("ENTRA") == dialect::entra);
  CHECK_FALSE(scim::patch::dialect_from_string("azure").has_value());
  CHECK_FALSE(scim::patch::dialect_from_string("").has_value());
  CHECK_FALSE(scim::patch::dialect_from_string("strict ").has_value());
}

TEST_CASE("normalizer names round-trip") {
  std::vector<std::string_view> names;
  for (const normalizer n : scim::patch::all_normalizers) {
    CHECK(scim::patch::normalizer_from_string(scim::patch::to_string(n)) == n);
    names.push_back(scim::patch::to_string(n));
  }
  CHECK(names == std::vector<std::string_view>{"capitalized_ops", "okta_id_in_replace", "dotted_keys",
                                               "remove_by_value_list", "add_creates_value_path_element",
                                               "string_booleans"});
  CHECK_FALSE(scim::patch::normalizer_from_string("CAPITALIZED_OPS").has_value());
}

TEST_CASE("normalizer_set operations") {
  constexpr normalizer_set none;
  static_assert(none.empty());
  constexpr normalizer_set two = normalizer::capitalized_ops | normalizer::dotted_keys;
  static_assert(two.contains(normalizer::capitalized_ops) && two.contains(normalizer::dotted_keys));
  static_assert(!two.contains(normalizer::string_booleans));
  static_assert(two.without(normalizer::dotted_keys) == normalizer_set(normalizer::capitalized_ops));
  static_assert(none.with(normalizer::string_booleans).contains(normalizer::string_booleans));
  for (const normalizer n : scim::patch::all_normalizers) CHECK(normalizer_set::all().contains(n));
}

TEST_CASE("profiles") {
  using scim::patch::normalizers_for;
  CHECK(normalizers_for(dialect::strict).empty());
  CHECK(normalizers_for(dialect::lenient) == normalizer_set::all());
  CHECK(normalizers_for(dialect::entra) ==
        (normalizer::capitalized_ops | normalizer::string_booleans | normalizer::remove_by_value_list |
         normalizer::add_creates_value_path_element | normalizer::dotted_keys));
  CHECK(normalizers_for(dialect::okta) == normalizer_set(normalizer::okta_id_in_replace));
  CHECK(normalizers_for(dialect::jumpcloud) == normalizer_set(normalizer::remove_by_value_list));
  // Every profile is a subset of lenient.
  for (const dialect d : scim::patch::all_dialects)
    CHECK((normalizers_for(d) | normalizer_set::all()) == normalizer_set::all());
}

TEST_CASE("filter tolerances per profile") {
  for (const dialect d : scim::patch::all_dialects) {
    const bool tolerant = d == dialect::entra || d == dialect::lenient;
    CAPTURE(scim::patch::to_string(d));
    CHECK(scim::patch::allows_unquoted_filter_values(d) == tolerant);
    CHECK(scim::patch::allows_string_booleans_in_filters(d) == tolerant);
    CHECK(scim::patch::allows_value_path_sub_attribute_in_filters(d) == tolerant);
  }
}

TEST_CASE("detect_dialect: Entra by ADSCIMVersion, any value, any case") {
  CHECK(detect({{"ADSCIMVersion", "Date:2026-11-28 ActivityId:abc"}}) == dialect::entra);
  CHECK(detect({{"adscimversion", ""}}) == dialect::entra);
  CHECK(detect({{"ADSCIMVersion", "x"}, {"User-Agent", "curl/8.0"}}) == dialect::entra);
  // The header wins over a User-Agent naming another provider.
  CHECK(detect({{"ADSCIMVersion", "x"}, {"User-Agent", "Okta SCIM Client 1.0.0"}}) == dialect::entra);
}

TEST_CASE("detect_dialect: User-Agent") {
  CHECK(detect({{"User-Agent", "Okta SCIM Client 1.0.0"}}) == dialect::okta);
  CHECK(detect({{"user-agent", "okta scim client 2.1"}}) == dialect::okta);
  CHECK(detect({{"User-Agent", "  Okta SCIM Client"}}) == dialect::okta);
  CHECK(detect({{"User-Agent", "NotOkta SCIM Client"}}) == dialect::lenient);
  CHECK(detect({{"User-Agent", "JumpCloud SCIM/2.0"}}) == dialect::jumpcloud);
  CHECK(detect({{"User-Agent", "Go-http-client/1.1 (jumpcloud-idm)"}}) == dialect::jumpcloud);
  CHECK(detect({{"User-Agent", "Microsoft Azure AD SCIM Client"}}) == dialect::entra);
  CHECK(detect({{"User-Agent", "Microsoft.Identity.Provisioning/1.0"}}) == dialect::entra);
  CHECK(detect({{"User-Agent", "Entra-Provisioning"}}) == dialect::entra);
  CHECK(detect({{"User-Agent", "curl/8.5.0"}}) == dialect::lenient);
  CHECK(detect({{"User-Agent", ""}}) == dialect::lenient);
  CHECK(detect({}) == dialect::lenient);
  CHECK(detect({{"X-Other", "JumpCloud"}}) == dialect::lenient);
}

TEST_CASE("detect_dialect: case-insensitive lookups and other result types") {
  // A lookup that already folds case sees each name once.
  std::vector<std::string> asked;
  auto folding = [&](std::string_view name) -> std::optional<std::string_view> {
    asked.emplace_back(name);
    if (scim::detail::iequals(name, "user-agent")) return std::string_view("JumpCloud");
    return std::nullopt;
  };
  CHECK(scim::patch::detect_dialect(folding) == dialect::jumpcloud);
  CHECK(asked == std::vector<std::string>{"ADSCIMVersion", "adscimversion", "User-Agent"});

  // Lookups returning owning strings or pointers work too.
  std::map<std::string, std::string> m{{"user-agent", "Okta SCIM Client 1.0.0"}};
  auto owning = [&](std::string_view name) -> std::optional<std::string> {
    auto it = m.find(std::string(name));
    if (it == m.end()) return std::nullopt;
    return it->second;
  };
  CHECK(scim::patch::detect_dialect(owning) == dialect::okta);
  auto pointer = [&](std::string_view name) -> const std::string* {
    auto it = m.find(std::string(name));
    return it == m.end() ? nullptr : &it->second;
  };
  CHECK(scim::patch::detect_dialect(pointer) == dialect::okta);
  CHECK(scim::patch::detect_dialect([](std::string_view) { return std::optional<std::string_view>{}; }) ==
        dialect::lenient);
}

TEST_CASE("dialect_from_user_agent") {
  CHECK(scim::patch::dialect_from_user_agent("Okta SCIM Client 1.0.0") == dialect::okta);
  CHECK(scim::patch::dialect_from_user_agent("JUMPCLOUD") == dialect::jumpcloud);
  CHECK_FALSE(scim::patch::dialect_from_user_agent("Mozilla/5.0").has_value());
  static_assert(scim::patch::dialect_from_user_agent("Okta SCIM Client") == dialect::okta);
}
