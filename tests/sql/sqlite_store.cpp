// scim::store::sqlite_store: the shared store scenarios (run against the
// memory store as the reference and against SQLite), plus what only a SQL
// store has: files, several connections and objects, the cost of member
// changes on a large group, filter push-down, and a differential run of the
// filter corpus against the memory store.
#include "scim/store/sqlite_store.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "sql_test_support.hpp"
#include "store_scenarios.hpp"

#include "scim/filter/printer.hpp"
#include "scim/filter/sql.hpp"

namespace st = scim::store;
namespace sc = store_scenarios;
using scim::json;

template <>
struct store_scenarios::factory<st::sqlite_store> {
  static std::unique_ptr<st::sqlite_store> make(const scim::schema_registry& reg, const config& c) {
    st::sqlite_store_options o;
    if (c.clock) o.clock = c.clock;
    o.id_generator = c.id_generator;
    if (c.unique_attributes) o.unique_attributes = *c.unique_attributes;
    o.unique_external_id = c.unique_external_id;
    auto s = std::make_unique<st::sqlite_store>(reg, ":memory:", std::move(o));
    REQUIRE_MESSAGE(!s->open_error(), (s->open_error() ? s->open_error()->detail : std::string()));
    return s;
  }
};

TYPE_TO_STRING(st::sqlite_store);
TYPE_TO_STRING(st::memory_store);

namespace {
// The size of the "large" cases: 100,000, or 10,000 in a sanitizer build
// (the assertions are the same; the unoptimised instrumented build would
// spend minutes filling the tables).
#if defined(__SANITIZE_ADDRESS__)
constexpr int large = 10000;
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer)
constexpr int large = 10000;
#  else
constexpr int large = 100000;
#  endif
#else
constexpr int large = 100000;
#endif
}  // namespace

#define SCENARIO_CASE(name, fn)                                                   \
  TEST_CASE_TEMPLATE("sqlite_store: " name, S, st::sqlite_store, st::memory_store) { \
    sc::fn<S>();                                                                  \
  }

SCENARIO_CASE("create assigns id and meta; get returns the resource", create_assigns_id_and_meta)
SCENARIO_CASE("create ignores a client id and meta", client_id_and_meta_ignored)
SCENARIO_CASE("write_options::now and a custom id generator", now_and_id_generator)
SCENARIO_CASE("an id generator that repeats itself is a 500", repeating_id_generator_is_500)
SCENARIO_CASE("unknown ids are 404", unknown_ids_are_404)
SCENARIO_CASE("replace keeps id and created, bumps version and lastModified", replace_keeps_id_and_created)
SCENARIO_CASE("remove deletes and frees the unique keys", remove_frees_keys)
SCENARIO_CASE("userName is unique case-insensitively", user_name_unique_case_insensitively)
SCENARIO_CASE("group displayName is unique by default, configurable", group_display_name_unique_configurable)
SCENARIO_CASE("externalId lookups; uniqueness only when configured", external_id_lookups)
SCENARIO_CASE("If-Match is checked inside the write", if_match_inside_the_write)
SCENARIO_CASE("versions increase with every change", versions_increase)
SCENARIO_CASE("PATCH through the real engine: members, returning nothing, errors", patch_members_and_errors)
SCENARIO_CASE("a PATCH that breaks uniqueness is rolled back", patch_breaking_uniqueness_rolls_back)
SCENARIO_CASE("a user PATCH that takes a userName is rolled back", user_patch_taking_user_name_rolls_back)
SCENARIO_CASE("query: filter, index lookups, default order", query_filters_and_default_order)
SCENARIO_CASE("query: filters on members and on meta", query_members_and_meta)
SCENARIO_CASE("query: attributes without columns fall back to the predicate", query_attributes_without_columns)
SCENARIO_CASE("query: sort and index paging edges", sort_and_index_paging)
SCENARIO_CASE("query: cursor pagination forwards and backwards", cursor_pagination)
SCENARIO_CASE("query: a cursor resumes after its last resource", cursor_survives_changes)
SCENARIO_CASE("query: unreadable cursor positions are invalidCursor", unreadable_cursor_positions)
SCENARIO_CASE("the service flow: list parameters, cursor codec, projection", service_flow_with_codec_and_projection)
SCENARIO_CASE("load hints limit what reads and writes return", load_hints_limit_representations)
SCENARIO_CASE("delete leaves groups; Users carry computed groups", delete_leaves_groups_and_users_carry_groups)
SCENARIO_CASE("concurrency: 8 threads creating one userName, one wins", concurrent_creates_one_winner)
SCENARIO_CASE("concurrency: 8 threads x 50 member adds, none lost", concurrent_member_adds_none_lost)
SCENARIO_CASE("concurrency: If-Match retries serialise replaces", if_match_retries_serialise_replaces)

namespace {

/// A temporary directory removed at the end of the test.
struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    static std::atomic<int> n{0};
    path = std::filesystem::temp_directory_path() /
           ("scimpp_sqlite_" + std::to_string(::getpid()) + "_" + std::to_string(n.fetch_add(1)));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const char* name) const { return (path / name).string(); }
};

std::string query_one(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  std::string out;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != nullptr)
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  return out;
}

}  // namespace

TEST_CASE("sqlite_store: a file database is in WAL mode and keeps everything across reopening") {
  temp_dir dir;
  const std::string file = dir.file("scim.db");
  std::string uid, gid;
  {
    auto s = st::sqlite_store::open(sc::reg(), file);
    REQUIRE(s);
    uid = sc::id_of((*s)->create(sc::users(), sc::user("bjensen", "ext-1")));
    gid = sc::id_of((*s)->create(sc::groups(), sc::group("Admins")));
    REQUIRE((*s)->patch(sc::groups(), gid, sc::add_member(uid)));
  }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
  CHECK(query_one(db, "PRAGMA journal_mode") == "wal");
  CHECK(query_one(db, "SELECT COUNT(*) FROM scim_members") == "1");
  sqlite3_close(db);

  st::sqlite_store again(sc::reg(), file);
  REQUIRE_FALSE(again.open_error());
  auto u = again.get(sc::users(), uid);
  REQUIRE(u);
  CHECK(u->resource["userName"] == "bjensen");
  REQUIRE(u->resource.contains("groups"));
  CHECK(u->resource["groups"][0]["value"] == gid);
  auto g = again.get(sc::groups(), gid);
  CHECK(g->version == "W/\"2\"");
  CHECK(again.create(sc::users(), sc::user("BJENSEN")).error().code == scim::error_code::uniqueness);
  CHECK(*again.find_by_external_id(sc::users(), "ext-1") == std::vector<std::string>{uid});
  auto next = again.patch(sc::groups(), gid, sc::add_member("x"));
  REQUIRE(next);
  CHECK(next->stored.version == "W/\"3\"");
}

TEST_CASE("sqlite_store: cannot open is reported, never thrown") {
  auto bad = st::sqlite_store::open(sc::reg(), "/nonexistent-dir/for/sure/x.db");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().status == 500);
  st::sqlite_store_options o;
  o.table_prefix = "bad prefix";
  st::sqlite_store s(sc::reg(), ":memory:", o);
  REQUIRE(s.open_error());
  CHECK(s.create(sc::users(), sc::user("a")).error().status == 500);
  CHECK(s.query(sc::users(), {}).error().status == 500);
  CHECK(s.get(sc::users(), "x").error().status == 500);
}

TEST_CASE("sqlite_store: a table prefix keeps several stores in one database") {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(":memory:", &db) == SQLITE_OK);
  {
    st::sqlite_store_options a, b;
    a.table_prefix = "a_";
    b.table_prefix = "b_";
    st::sqlite_store sa(sc::reg(), db, a);
    st::sqlite_store sb(sc::reg(), db, b);
    REQUIRE(sa.create(sc::users(), sc::user("same")));
    REQUIRE(sb.create(sc::users(), sc::user("same")));
    CHECK(sa.size(sc::users()) == 1);
    CHECK(query_one(db, "SELECT COUNT(*) FROM b_resources") == "1");
  }
  sqlite3_close(db);  // the stores did not own it
}

TEST_CASE("sqlite_store: 8 threads with their own store objects on one file: one 201, seven 409") {
  temp_dir dir;
  const std::string file = dir.file("race.db");
  { REQUIRE(st::sqlite_store::open(sc::reg(), file)); }  // schema once, so every object starts equal
  for (int round = 0; round < 3; ++round) {
    std::atomic<int> ok{0}, conflict{0}, other{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        st::sqlite_store s(sc::reg(), file);
        if (s.open_error()) {
          ++other;
          return;
        }
        while (!go.load()) std::this_thread::yield();
        auto r = s.create(sc::users(), sc::user((t % 2 ? "Race" : "race") + std::to_string(round)));
        if (r)
          ++ok;
        else if (r.error().status == 409 && r.error().code == scim::error_code::uniqueness)
          ++conflict;
        else
          ++other;
      });
    }
    go = true;
    for (auto& th : threads) th.join();
    CHECK(ok == 1);
    CHECK(conflict == 7);
    CHECK(other == 0);
  }
  st::sqlite_store s(sc::reg(), file);
  CHECK(s.size(sc::users()) == 3);
}

TEST_CASE("sqlite_store: one shared file store, 8 writer threads and readers on a connection pool") {
  temp_dir dir;
  st::sqlite_store_options o;
  o.max_connections = 3;
  st::sqlite_store s(sc::reg(), dir.file("pool.db"), o);
  REQUIRE_FALSE(s.open_error());
  const std::string gid = sc::id_of(s.create(sc::groups(), sc::group("Crowd")));
  std::atomic<int> failures{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < 8; ++t) {
    writers.emplace_back([&, t] {
      st::write_options quiet;
      quiet.returning = std::nullopt;
      for (int i = 0; i < 25; ++i) {
        if (!s.patch(sc::groups(), gid, sc::add_member("t" + std::to_string(t) + "-" + std::to_string(i)), quiet))
          ++failures;
        if (!s.create(sc::users(), sc::user("u" + std::to_string(t) + "-" + std::to_string(i)))) ++failures;
      }
    });
  }
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!done.load()) {
        auto g = s.get(sc::groups(), gid);
        if (!g) ++failures;
        st::query_request qr;
        qr.count = 5;
        if (!s.query(sc::users(), qr)) ++failures;
      }
    });
  }
  for (auto& th : writers) th.join();
  done = true;
  for (auto& th : readers) th.join();
  CHECK(failures == 0);
  auto g = s.get(sc::groups(), gid);
  REQUIRE(g);
  CHECK(g->version == "W/\"201\"");
  CHECK(sc::member_values(g->resource).size() == 200);
  CHECK(s.size(sc::users()) == 200);
}

TEST_CASE("sqlite_store: two objects patching one group keep each other's changes (the cache follows versions)") {
  temp_dir dir;
  const std::string file = dir.file("two.db");
  st::sqlite_store a(sc::reg(), file);
  st::sqlite_store b(sc::reg(), file);
  const std::string gid = sc::id_of(a.create(sc::groups(), sc::group("G", 3)));
  REQUIRE(a.patch(sc::groups(), gid, sc::add_member("from-a")));  // a caches the document
  REQUIRE(b.patch(sc::groups(), gid, sc::add_member("from-b")));
  REQUIRE(b.patch(sc::groups(), gid, sc::remove_member("m0")));
  auto r = a.patch(sc::groups(), gid, sc::add_member("again-a"));  // a's cached version is stale: reloads
  REQUIRE(r);
  CHECK(sc::member_values(r->stored.resource) == std::set<std::string>{"m1", "m2", "from-a", "from-b", "again-a"});
  CHECK(a.counters().documents_loaded == 2);
  CHECK(sc::member_values(b.get(sc::groups(), gid)->resource) ==
        std::set<std::string>{"m1", "m2", "from-a", "from-b", "again-a"});
  // Deleting a member elsewhere bumps the group's version, so no cache keeps it.
  const std::string uid = sc::id_of(a.create(sc::users(), sc::user("member")));
  REQUIRE(a.patch(sc::groups(), gid, sc::add_member(uid)));
  REQUIRE(b.remove(sc::users(), uid));
  auto after = a.patch(sc::groups(), gid, sc::add_member("last"));
  REQUIRE(after);
  CHECK(sc::member_values(after->stored.resource).count(uid) == 0);
  CHECK(sc::member_values(a.get(sc::groups(), gid)->resource).count("last") == 1);
}

TEST_CASE("sqlite_store: adding a member to a 100,000-member group writes two rows (10,000 under sanitizers)") {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(":memory:", &db) == SQLITE_OK);
  {
    st::sqlite_store s(sc::reg(), db);
    REQUIRE_FALSE(s.open_error());
    const std::string gid = sc::id_of(s.create(sc::groups(), sc::group("Everyone", large)));
    st::write_options quiet;
    quiet.returning = std::nullopt;
    // The first PATCH loads the document (all member rows) once.
    REQUIRE(s.patch(sc::groups(), gid, sc::add_member("first"), quiet));
    const auto after_load = s.counters();
    CHECK(after_load.documents_loaded == 1);
    CHECK(after_load.member_rows_read == large);

    for (int i = 0; i < 20; ++i) {
      const auto rows_before = s.counters().rows_written;
      const auto changes_before = sqlite3_total_changes(db);
      auto r = s.patch(sc::groups(), gid, sc::add_member("new-" + std::to_string(i)), quiet);
      REQUIRE(r);
      CHECK(s.counters().rows_written - rows_before == 2);   // one membership row + the group's row
      CHECK(sqlite3_total_changes(db) - changes_before == 2);
      const auto removed_before = sqlite3_total_changes(db);
      REQUIRE(s.patch(sc::groups(), gid, sc::remove_member("m" + std::to_string(i * 37)), quiet));
      CHECK(sqlite3_total_changes(db) - removed_before == 2);
    }
    // Okta's shape: the unchanged displayName with each membership change.
    const auto okta_before = sqlite3_total_changes(db);
    REQUIRE(s.patch(sc::groups(), gid,
                    sc::patcher(sc::patch_body(R"([{"op":"replace","value":{"id":")" + gid +
                                               R"(","displayName":"Everyone"}},
                                               {"op":"add","path":"members","value":[{"value":"okta"}]}])"),
                                sc::groups()),
                    quiet));
    CHECK(sqlite3_total_changes(db) - okta_before == 2);
    const auto end = s.counters();
    CHECK(end.documents_loaded == 1);                     // every later PATCH reused the document
    CHECK(end.member_rows_read == after_load.member_rows_read);  // and read no member row
    CHECK(end.patch_cache_hits == 41);
    // Reads without members read no member row either.
    st::read_options ro;
    ro.load = sc::hint_for(sc::groups(), "excludedAttributes=members");
    auto g = s.get(sc::groups(), gid, ro);
    REQUIRE(g);
    CHECK_FALSE(g->resource.contains("members"));
    CHECK(g->resource["meta"]["version"] == "W/\"43\"");
    auto f = scim::filter::parse(R"(displayName eq "Everyone")");
    st::query_request qr;
    qr.filter = &*f;
    qr.load = ro.load;
    REQUIRE(s.query(sc::groups(), qr)->total_results == 1);
    CHECK(s.counters().member_rows_read == end.member_rows_read);
    // And the members are all there.
    auto all = s.get(sc::groups(), gid);
    CHECK(all->resource["members"].size() == static_cast<std::size_t>(large) + 1 + 20 - 20 + 1);
    CHECK(query_one(db, "SELECT COUNT(*) FROM scim_members") == std::to_string(large + 2));
  }
  sqlite3_close(db);
}

TEST_CASE("sqlite_store: filters are pushed down and lookups use the indexes") {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(":memory:", &db) == SQLITE_OK);
  {
    st::sqlite_store s(sc::reg(), db);
    for (int i = 0; i < 300; ++i) {
      json u = sc::user("user" + std::to_string(i) + "@Example.com", "ext-" + std::to_string(i));
      u["emails"] = json::array({{{"value", "u" + std::to_string(i) + "@example.com"}, {"type", "work"}}});
      u["title"] = i % 2 ? "Odd" : "Even";
      REQUIRE(s.create(sc::users(), u));
    }
    REQUIRE(s.create(sc::groups(), sc::group("Admins", 3)));
    auto run = [&](const scim::resource_type& rt, const char* text) {
      const auto before = s.counters();
      auto r = sc::run(s, rt, text);
      const auto after = s.counters();
      return std::make_tuple(r.total_results, after.resources_evaluated - before.resources_evaluated,
                             after.queries_pushed_down - before.queries_pushed_down);
    };
    CHECK(run(sc::users(), R"(userName eq "USER7@example.COM")") == std::make_tuple(1, 0, 1));
    CHECK(run(sc::users(), R"(externalId eq "ext-42")") == std::make_tuple(1, 0, 1));
    CHECK(run(sc::users(), R"(emails[type eq "work" and value ew "9@example.com"])") == std::make_tuple(30, 0, 1));
    CHECK(run(sc::groups(), R"(displayName eq "admins")") == std::make_tuple(1, 0, 1));
    CHECK(run(sc::groups(), R"(members[value eq "m1"])") == std::make_tuple(1, 0, 1));
    // title has no column: the userName conjunct narrows in SQL, the predicate decides.
    CHECK(run(sc::users(), R"(userName eq "user7@example.com" and title eq "Odd")") == std::make_tuple(1, 1, 0));
    CHECK(run(sc::users(), R"(title eq "Odd")") == std::make_tuple(150, 300, 0));

    // The query plan of a userName lookup searches the folded-userName index.
    auto plan_of = [&](const scim::resource_type& rt, const char* text) {
      auto f = scim::filter::parse(text);
      REQUIRE(f);
      st::query_request qr;
      qr.filter = &*f;
      auto p = s.query_plan(rt, qr);
      REQUIRE(p);
      std::string lines;
      for (const auto& l : p->plan) lines += l + "\n";
      return std::make_pair(p->exact, lines);
    };
    const auto p0 = plan_of(sc::users(), R"(userName eq "user7@example.com")");
    const std::string plan = p0.second;
    CAPTURE(plan);
    CHECK(p0.first);
    CHECK(plan.find("INDEX scim_resources_user_name (type=? AND user_name_folded=?)") != std::string::npos);
    CHECK(plan.find("SCAN") == std::string::npos);
    const auto p1 = plan_of(sc::users(), R"(externalId eq "ext-1")");
    const std::string plan2 = p1.second;
    CAPTURE(plan2);
    CHECK(p1.first);
    CHECK(plan2.find("INDEX scim_resources_external_id (type=? AND external_id=?)") != std::string::npos);
    const auto p2 = plan_of(sc::groups(), R"(displayName eq "Admins")");
    const std::string plan3 = p2.second;
    CAPTURE(plan3);
    CHECK(plan3.find("INDEX scim_resources_display_name (type=? AND display_name_folded=?)") != std::string::npos);
    const auto p3 = plan_of(sc::users(), R"(userName eq "user7@example.com" and title eq "Odd")");
    const std::string plan4 = p3.second;
    CAPTURE(plan4);
    CHECK_FALSE(p3.first);  // title: the predicate decides, on the rows the index found
    CHECK(plan4.find("INDEX scim_resources_user_name") != std::string::npos);
  }
  sqlite3_close(db);
}

namespace {

// ---- differential: the filter corpus against the memory store -----------------------

struct twin_stores {
  std::unique_ptr<st::memory_store> memory;
  std::unique_ptr<st::sqlite_store> sqlite;
  std::size_t created = 0;
  twin_stores() {
    const auto& reg = scim_sql_test::test_registry();
    int n1 = 0, n2 = 0;
    st::memory_store_options mo;
    mo.id_generator = [n1]() mutable { return "id-" + std::to_string(++n1); };
    memory = std::make_unique<st::memory_store>(reg, mo);
    st::sqlite_store_options so;
    so.id_generator = [n2]() mutable { return "id-" + std::to_string(++n2); };
    sqlite = std::make_unique<st::sqlite_store>(reg, ":memory:", so);
    REQUIRE_FALSE(sqlite->open_error());
    const auto users = scim_sql_test::make_users(120, 0x5c19'f117'e2d5'0002ull);
    st::write_options w;
    for (std::size_t i = 0; i < users.size(); ++i) {
      w.now = scim::instant{1600000000 + static_cast<std::int64_t>(i) * 3600, static_cast<std::int32_t>(i % 7) * 1000000};
      auto a = memory->create(scim_sql_test::user_type(), users[i], w);
      auto b = sqlite->create(scim_sql_test::user_type(), users[i], w);
      REQUIRE(a.has_value() == b.has_value());
      if (a) {
        REQUIRE(a->id == b->id);
        ++created;
      }
    }
  }
};

twin_stores& twins() {
  static twin_stores t;
  return t;
}

std::vector<std::string> corpus() {
  std::ifstream in(std::string(SCIMPP_TEST_DATA_DIR) + "/filter/sql_corpus.txt");
  REQUIRE(in.good());
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty() || line[0] == '#' || line.rfind("! ", 0) == 0) continue;
    out.push_back(line);
  }
  return out;
}

std::vector<std::string> ids_of(const st::query_result& r) {
  std::vector<std::string> out;
  for (const auto& x : r.resources) out.push_back(x["id"].get<std::string>());
  return out;
}

}  // namespace

TEST_CASE("sqlite_store: the filter corpus selects what the memory store selects") {
  auto& t = twins();
  REQUIRE(t.created > 100);
  const auto& rt = scim_sql_test::user_type();
  std::size_t filters = 0, differ = 0, nontrivial = 0;
  const auto before = t.sqlite->counters();
  for (const auto& text : corpus()) {
    for (const std::string& f_text : {text, "not (" + text + ")"}) {
      auto f = scim::filter::parse(f_text);
      REQUIRE_MESSAGE(f, f_text);
      st::query_request qr;
      qr.filter = &*f;
      auto a = t.memory->query(rt, qr);
      auto b = t.sqlite->query(rt, qr);
      REQUIRE_MESSAGE(a.has_value() == b.has_value(), f_text);
      if (!a) {
        CHECK_MESSAGE(a.error() == b.error(), f_text);
        continue;
      }
      ++filters;
      const bool same = a->total_results == b->total_results && ids_of(*a) == ids_of(*b) && a->resources == b->resources;
      if (!same) ++differ;
      if (a->total_results != 0 && a->total_results != static_cast<std::int64_t>(t.created)) ++nontrivial;
      CHECK_MESSAGE(same, f_text << ": memory " << a->total_results << ", sqlite " << b->total_results);
    }
  }
  const auto pushed = t.sqlite->counters().queries_pushed_down - before.queries_pushed_down;
  MESSAGE(filters << " filters compared, " << nontrivial << " select some but not all; " << pushed
                  << " answered by SQL alone, the others with the predicate on SQL-narrowed candidates");
  CHECK(filters >= 160);
  CHECK(pushed >= 100);
  CHECK(differ == 0);
}

TEST_CASE("sqlite_store: sorted and paged results equal the memory store's") {
  auto& t = twins();
  const auto& rt = scim_sql_test::user_type();
  const auto& reg = scim_sql_test::test_registry();
  for (const char* sort_by : {"userName", "title", "name.familyName", "meta.created", "emails", "externalId",
                              "urn:example:params:scim:schemas:extension:scimpp:2.0:Test:level",
                              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "active", "id"}) {
    for (const auto order : {scim::query::sort_order::ascending, scim::query::sort_order::descending}) {
      for (const char* filter_text : {"", R"(userName co "a" and emails[type eq "work"] and title pr)"}) {
        CAPTURE(sort_by);
        CAPTURE(filter_text);
        auto sort = scim::query::compile_sort(sort_by, order, rt, reg);
        REQUIRE(sort);
        std::optional<scim::filter::filter> f;
        if (*filter_text != 0) f = *scim::filter::parse(filter_text);
        st::query_request qr;
        qr.sort = &*sort;
        qr.filter = f ? &*f : nullptr;
        qr.start_index = 3;
        qr.count = 40;
        auto a = t.memory->query(rt, qr);
        auto b = t.sqlite->query(rt, qr);
        REQUIRE(a);
        REQUIRE(b);
        CHECK(a->total_results == b->total_results);
        CHECK(ids_of(*a) == ids_of(*b));
        // Cursor walk with 7 per page, both ways.
        qr.start_index = 1;
        qr.count = 7;
        qr.cursor_position = "";
        std::string pa, pb;
        for (int page = 0; page < 4; ++page) {
          auto x = t.memory->query(rt, qr);
          auto y = t.sqlite->query(rt, qr);
          REQUIRE(x);
          REQUIRE(y);
          CHECK(ids_of(*x) == ids_of(*y));
          CHECK(x->next_position == y->next_position);
          CHECK(x->previous_position == y->previous_position);
          if (!x->next_position) break;
          qr.cursor_position = *x->next_position;
        }
      }
    }
  }
}

TEST_CASE("sqlite_store: unsorted cursor pages equal the memory store's, positions included") {
  auto& t = twins();
  const auto& rt = scim_sql_test::user_type();
  for (const char* filter_text : {"", R"(active eq true)", R"(title pr)"}) {
    for (std::int64_t count : {1, 13, 250}) {
      CAPTURE(filter_text);
      CAPTURE(count);
      std::optional<scim::filter::filter> f;
      if (*filter_text != 0) f = *scim::filter::parse(filter_text);
      st::query_request qr;
      qr.filter = f ? &*f : nullptr;
      qr.count = count;
      qr.cursor_position = "";
      std::vector<std::string> prevs;
      for (int page = 0; page < 8; ++page) {
        auto x = t.memory->query(rt, qr);
        auto y = t.sqlite->query(rt, qr);
        REQUIRE(x);
        REQUIRE(y);
        CHECK(ids_of(*x) == ids_of(*y));
        CHECK(x->total_results == y->total_results);
        CHECK(x->next_position == y->next_position);
        CHECK(x->previous_position == y->previous_position);
        if (x->previous_position) prevs.push_back(*x->previous_position);
        if (!x->next_position) break;
        qr.cursor_position = *x->next_position;
      }
      for (const auto& p : prevs) {
        for (std::int64_t c2 : {std::int64_t{0}, count, count + 5}) {
          qr.cursor_position = p;
          qr.count = c2;
          auto x = t.memory->query(rt, qr);
          auto y = t.sqlite->query(rt, qr);
          REQUIRE(x);
          REQUIRE(y);
          CHECK(ids_of(*x) == ids_of(*y));
          CHECK(x->next_position == y->next_position);
          CHECK(x->previous_position == y->previous_position);
        }
      }
      qr.count = count;
    }
  }
}

TEST_CASE("sqlite_store: with 100,000 users (10,000 under sanitizers) a userName lookup reads one row through the index") {
  st::sqlite_store s(scim::default_registry(), ":memory:");
  const auto& users = *scim::default_registry().find_resource_type("User");
  for (int i = 0; i < large; ++i) {
    scim::json u = {{"schemas", {"urn:ietf:params:scim:schemas:core:2.0:User"}},
                    {"userName", "user" + std::to_string(i) + "@example.com"},
                    {"title", i % 2 ? "Odd" : "Even"}};
    REQUIRE(s.create(users, std::move(u), {}));
  }
  auto f = scim::filter::parse(R"(userName eq "USER)" + std::to_string(large - 3) + R"(@example.com")");
  REQUIRE(f);
  st::query_request qr;
  qr.filter = &*f;
  auto plan = s.query_plan(users, qr);
  REQUIRE(plan);
  std::string lines;
  for (const auto& l : plan->plan) lines += l + "\n";
  CAPTURE(lines);
  CHECK(plan->exact);
  CHECK(lines.find("INDEX scim_resources_user_name") != std::string::npos);
  CHECK(lines.find("SCAN") == std::string::npos);
  const auto before = s.counters();
  auto r = s.query(users, qr);
  REQUIRE(r);
  CHECK(r->total_results == 1);
  CHECK(r->resources.at(0)["userName"] == "user" + std::to_string(large - 3) + "@example.com");
  // Answered in SQL alone: no resource was evaluated in memory.
  CHECK(s.counters().resources_evaluated == before.resources_evaluated);
  CHECK(s.counters().queries_pushed_down == before.queries_pushed_down + 1);
}
