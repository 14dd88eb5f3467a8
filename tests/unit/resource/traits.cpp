#include "scim/resource/traits.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace app {
struct badge {
  std::optional<std::string> code;
  std::optional<bool> active;
};
struct profile {
  std::vector<std::string> schemas;
  std::string id;
  std::string handle;
  std::optional<std::string> motto;
  std::optional<std::int64_t> level;
  std::optional<double> score;
  std::optional<scim::date_time> since;
  std::vector<badge> badges;
  std::optional<badge> main_badge;
  std::vector<std::string> tags;
  bool verified = false;
  scim::json blob;
  scim::json extra;
};
}  // namespace app

template <>
struct scim::resource_traits<app::badge> {
  static constexpr auto fields = std::make_tuple(scim::field("code", &app::badge::code),
                                                 scim::field("active", &app::badge::active));
};
template <>
struct scim::resource_traits<app::profile> {
  static constexpr std::string_view schema_urn = "urn:example:scim:schemas:core:1.0:Profile";
  static constexpr auto schemas = &app::profile::schemas;
  static constexpr auto extra = &app::profile::extra;
  static constexpr auto fields = std::make_tuple(
      scim::field("id", &app::profile::id), scim::field("handle", &app::profile::handle),
      scim::field("motto", &app::profile::motto), scim::field("level", &app::profile::level),
      scim::field("score", &app::profile::score), scim::field("since", &app::profile::since),
      scim::field("badges", &app::profile::badges), scim::field("mainBadge", &app::profile::main_badge),
      scim::field("tags", &app::profile::tags), scim::field("verified", &app::profile::verified),
      scim::field("blob", &app::profile::blob));
};

TEST_CASE("described types decode case-insensitively and encode in schema spelling") {
  auto r = scim::decode<app::profile>(std::string_view(R"({
    "HANDLE":"ann","Motto":"","level":3,"score":2.5,"since":"2020-01-01T00:00:00+01:00",
    "badges":[{"CODE":"a","active":true},{"code":"b"}],"mainbadge":{"code":"m"},
    "tags":["x","y"],"verified":true,"blob":{"any":[1,2]}})"));
  REQUIRE(r);
  CHECK(r->handle == "ann");
  REQUIRE(r->motto.has_value());
  CHECK(r->motto->empty());
  CHECK(r->level == 3);
  CHECK(r->score == 2.5);
  REQUIRE(r->since);
  CHECK(r->since->at()->seconds == 1577833200);
  REQUIRE(r->badges.size() == 2);
  CHECK(r->badges[0].code == "a");
  CHECK_FALSE(r->badges[1].active.has_value());
  CHECK(r->main_badge->code == "m");
  CHECK(r->verified);

  const scim::json out = scim::encode(*r);
  CHECK(out == scim::json::parse(R"({
    "schemas":["urn:example:scim:schemas:core:1.0:Profile"],
    "handle":"ann","motto":"","level":3,"score":2.5,"since":"2020-01-01T00:00:00+01:00",
    "badges":[{"code":"a","active":true},{"code":"b"}],"mainBadge":{"code":"m"},
    "tags":["x","y"],"verified":true,"blob":{"any":[1,2]}})"));
}

TEST_CASE("null means unassigned and absent members are omitted") {
  auto r = scim::decode<app::profile>(scim::json::parse(R"({"motto":null,"badges":null,"handle":null})"));
  REQUIRE(r);
  CHECK_FALSE(r->motto.has_value());
  CHECK(r->badges.empty());
  const scim::json out = scim::encode(*r);
  CHECK_FALSE(out.contains("motto"));
  CHECK_FALSE(out.contains("badges"));
  CHECK_FALSE(out.contains("handle"));
  CHECK(out["verified"] == false);  // a plain bool is always present
}

TEST_CASE("unknown attributes survive a round trip through the side-car") {
  const auto in = scim::json::parse(R"({"handle":"a","nickname":"zz",
      "urn:example:other:1.0":{"x":1},"schemas":["urn:example:scim:schemas:core:1.0:Profile","urn:example:other:1.0"]})");
  auto r = scim::decode<app::profile>(in);
  REQUIRE(r);
  CHECK(r->extra["nickname"] == "zz");
  const scim::json out = scim::encode(*r);
  CHECK(out["nickname"] == "zz");
  CHECK(out["urn:example:other:1.0"]["x"] == 1);
  CHECK(out["schemas"] == in["schemas"]);
}

TEST_CASE("schemas always lists the core schema and present extension objects") {
  app::profile p;
  p.handle = "h";
  p.extra["urn:example:ext:2.0:Thing"] = {{"a", 1}};
  const scim::json out = scim::encode(p);
  CHECK(out["schemas"] ==
        scim::json::array({"urn:example:scim:schemas:core:1.0:Profile", "urn:example:ext:2.0:Thing"}));
}

TEST_CASE("wrong types are invalidValue naming the attribute path") {
  struct bad_case {
    const char* body;
    const char* path;
  };
  for (auto c : {bad_case{R"({"handle":1})", "'handle'"}, bad_case{R"({"level":"3"})", "'level'"},
                 bad_case{R"({"level":1.5})", "'level'"}, bad_case{R"({"score":"x"})", "'score'"},
                 bad_case{R"({"since":"yesterday"})", "'since'"}, bad_case{R"({"since":5})", "'since'"},
                 bad_case{R"({"badges":[{"code":"a"},{"active":"true"}]})", "'badges[1].active'"},
                 bad_case{R"({"mainBadge":"m"})", "'mainBadge'"}, bad_case{R"({"verified":"True"})", "'verified'"},
                 bad_case{R"({"tags":[1]})", "'tags[0]'"}, bad_case{R"({"level":18446744073709551615})", "'level'"}}) {
    auto r = scim::decode<app::profile>(scim::json::parse(c.body));
    REQUIRE_MESSAGE(!r, c.body);
    CHECK(r.error().code == scim::error_code::invalid_value);
    CHECK(r.error().status == 400);
    CHECK_MESSAGE(r.error().detail.find(c.path) != std::string::npos, r.error().detail);
  }
  auto not_object = scim::decode<app::profile>(scim::json::array());
  REQUIRE_FALSE(not_object);
  CHECK(not_object.error().code == scim::error_code::invalid_syntax);
}

TEST_CASE("a single value where a list is expected becomes a one-element list") {
  auto r = scim::decode<app::profile>(scim::json::parse(R"({"tags":"solo","badges":{"code":"b"}})"));
  REQUIRE(r);
  CHECK(r->tags == std::vector<std::string>{"solo"});
  REQUIRE(r->badges.size() == 1);
}

TEST_CASE("text decoding goes through the bounded parser") {
  auto deep = scim::decode<app::profile>(std::string_view(std::string(10000, '[')));
  REQUIRE_FALSE(deep);
  CHECK(deep.error().code == scim::error_code::invalid_syntax);
}

TEST_CASE("nlohmann conversions work for described types in any namespace") {
  app::profile p;
  p.handle = "x";
  p.level = 7;
  scim::json j = p;
  CHECK(j["level"] == 7);
  auto back = j.get<app::profile>();
  CHECK(back.handle == "x");
  CHECK(back.level == 7);
  CHECK_THROWS_AS(scim::json::parse(R"({"level":"x"})").get<app::profile>(), scim::conversion_error);
}

TEST_CASE("the run-time field table exposes typed members") {
  const scim::field_table& t = scim::field_table_of<app::profile>();
  CHECK(t.schema_urn == "urn:example:scim:schemas:core:1.0:Profile");
  CHECK(t.size == 11);
  const scim::field_info* f = t.find("MAINBADGE");
  REQUIRE(f != nullptr);
  CHECK(f->name == "mainBadge");
  CHECK(f->kind == scim::value_kind::complex);
  CHECK(f->shape == scim::field_shape::optional);
  REQUIRE(f->sub != nullptr);
  CHECK(f->sub->find("code")->kind == scim::value_kind::string);
  CHECK(t.find("nope") == nullptr);

  app::profile p;
  p.badges = {{"a", true}, {"b", std::nullopt}};
  p.level = 9;
  const scim::field_info* badges = t.find("badges");
  const void* member = badges->get(&p);
  REQUIRE(badges->count(member) == 2);
  const void* second = badges->element(member, 1);
  const scim::field_info* code = badges->sub->find("code");
  const void* code_member = code->get(second);
  REQUIRE(code->count(code_member) == 1);
  CHECK(*static_cast<const std::string*>(code->element(code_member, 0)) == "b");

  const scim::field_info* level = t.find("level");
  CHECK(level->kind == scim::value_kind::integer);
  CHECK(*static_cast<const std::int64_t*>(level->element(level->get(&p), 0)) == 9);
  CHECK(t.find("motto")->count(t.find("motto")->get(&p)) == 0);
  *static_cast<std::string*>(t.find("handle")->get_mut(&p)) = "changed";
  CHECK(p.handle == "changed");
}

TEST_CASE("vector members whose range the evaluator may read in place are marked range_words") {
  const scim::field_table& t = scim::field_table_of<app::profile>();
  // Only vectors can be; the standard libraries this project builds with
  // (libstdc++, libc++) keep begin and end in their first two words.
  for (const auto& f : t) {
    CAPTURE(f.name);
    if (f.shape != scim::field_shape::vector) CHECK_FALSE(f.range_words);
#if defined(__GLIBCXX__) || defined(_LIBCPP_VERSION)
    else CHECK(f.range_words);
#endif
  }
  // Where marked, the words are the elements' range, as count and data say
  // (empty vectors included).
  app::profile p, empty;
  p.badges = {{"a", true}, {"b", std::nullopt}, {"c", false}};
  p.tags = {"x"};
  for (const app::profile* obj : {&p, &empty})
    for (const char* name : {"badges", "tags"}) {
      CAPTURE(name);
      REQUIRE(t.find(name) != nullptr);
      const scim::field_info& f = *t.find(name);
      if (!f.range_words) continue;
      const void* m = f.get(obj);
      const char* words[2];
      std::memcpy(static_cast<void*>(words), m, sizeof words);
      const std::size_t count = f.count(m);
      CHECK(count == (obj == &p ? (name[0] == 'b' ? 3u : 1u) : 0u));
      CHECK(static_cast<std::size_t>(words[1] - words[0]) == count * f.element_size);
      if (count != 0) CHECK(words[0] == static_cast<const char*>(f.data(m)));
    }
}
