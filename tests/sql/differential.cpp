// Differential test of the SQL translator against the evaluator (the oracle):
// for every filter of tests/data/filter/sql_corpus.txt (and its negation), the
// users a real SQLite database returns for the translated WHERE fragment must
// be exactly those the compiled predicate matches on the same users' JSON.
#include "scim/filter/sql.hpp"

#include <doctest/doctest.h>

#include "sql_test_support.hpp"

#include "scim/filter/evaluator.hpp"
#include "scim/filter/parser.hpp"

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace scim_sql_test;
namespace sf = scim::filter;

constexpr std::size_t user_count = 2400;
constexpr std::uint64_t user_seed = 0x5c19'f117'e2d5'0001ull;

struct store {
  std::vector<scim::json> users;
  database db;
  store() : users(make_users(user_count, user_seed)) {
    const auto map = user_mapping(true);
    const auto plans = plan_tables(map);
    create_tables(db, plans, map.key_column());
    load(db, plans, map.key_column(), users);
  }
};

store& the_store() {
  static store s;
  return s;
}

struct corpus_line {
  std::string filter;
  bool rejected = false;
};

std::vector<corpus_line> read_corpus() {
  std::ifstream in(std::string(SCIMPP_TEST_DATA_DIR) + "/filter/sql_corpus.txt");
  REQUIRE_MESSAGE(in.good(), "cannot open sql_corpus.txt");
  std::vector<corpus_line> out;
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("! ", 0) == 0) out.push_back({line.substr(2), true});
    else out.push_back({line, false});
  }
  return out;
}

std::vector<std::int64_t> sql_matches(const sf::sql_fragment& frag, const std::string& alias) {
  const std::string q = alias.empty() ? "users" : alias;
  std::string sql = "SELECT " + q + ".pk FROM users" + (alias.empty() ? "" : " AS " + alias) + " WHERE " +
                    frag.where + " ORDER BY " + q + ".pk";
  statement st(the_store().db, sql);
  st.bind_all(frag.params);
  std::vector<std::int64_t> out;
  while (st.step()) out.push_back(st.integer(0));
  return out;
}

std::vector<std::int64_t> oracle_matches(const sf::predicate& p) {
  std::vector<std::int64_t> out;
  const auto& users = the_store().users;
  for (std::size_t i = 0; i < users.size(); ++i)
    if (p.matches(users[i])) out.push_back(static_cast<std::int64_t>(i + 1));
  return out;
}

std::string describe(const sf::sql_fragment& frag) {
  std::ostringstream os;
  os << frag.where << "\n  params:";
  for (const auto& v : frag.params) {
    if (const auto* s = std::get_if<std::string>(&v)) os << " \"" << *s << "\"";
    else if (const auto* i = std::get_if<std::int64_t>(&v)) os << " " << *i;
    else if (const auto* d = std::get_if<double>(&v)) os << " " << *d;
    else if (const auto* b = std::get_if<bool>(&v)) os << (*b ? " true" : " false");
    else os << " NULL";
  }
  return os.str();
}

// Symmetric difference, with the users' JSON for the first few.
std::string differences(const std::vector<std::int64_t>& oracle, const std::vector<std::int64_t>& sql) {
  std::ostringstream os;
  std::size_t i = 0, j = 0, shown = 0;
  while ((i < oracle.size() || j < sql.size()) && shown < 4) {
    if (j == sql.size() || (i < oracle.size() && oracle[i] < sql[j])) {
      os << "\n  only the evaluator matches user " << oracle[i] << ": "
         << the_store().users[static_cast<std::size_t>(oracle[i] - 1)].dump();
      ++i, ++shown;
    } else if (i == oracle.size() || sql[j] < oracle[i]) {
      os << "\n  only SQL matches user " << sql[j] << ": "
         << the_store().users[static_cast<std::size_t>(sql[j] - 1)].dump();
      ++j, ++shown;
    } else {
      ++i, ++j;
    }
  }
  return os.str();
}

struct outcome {
  std::size_t matched = 0;
  bool same = false;
};

// Checks one filter; returns how many users matched.
outcome check(const std::string& text, const sf::column_mapping& map, const sf::sql_options& so,
              const sf::compile_options& copts = {}) {
  outcome o;
  const auto& reg = test_registry();
  auto f = sf::parse(text);
  REQUIRE_MESSAGE(f, text << ": " << scim::format_error(f.error()));
  auto pred = sf::compile(*f, user_type(), reg, copts);
  REQUIRE_MESSAGE(pred, text << ": " << scim::format_error(pred.error()));
  auto frag = sf::to_sql(*f, user_type(), reg, map, so, copts);
  REQUIRE_MESSAGE(frag, text << ": " << scim::format_error(frag.error()));
  const auto expected = oracle_matches(*pred);
  const auto actual = sql_matches(*frag, so.table_alias);
  o.same = expected == actual;
  CHECK_MESSAGE(o.same, text << "\n  SQL: " << describe(*frag) << "\n  evaluator: " << expected.size()
                             << " users, SQL: " << actual.size() << differences(expected, actual));
  // The PostgreSQL text must translate too, with the same parameters.
  sf::sql_options pg = so;
  pg.dialect = sf::sql_dialect::postgresql;
  auto pg_frag = sf::to_sql(*f, user_type(), reg, map, pg, copts);
  REQUIRE_MESSAGE(pg_frag, text);
  CHECK(pg_frag->params.size() == frag->params.size());
  o.matched = expected.size();
  return o;
}

void run_corpus(const sf::column_mapping& map, const sf::sql_options& so) {
  const auto corpus = read_corpus();
  std::size_t filters = 0, nontrivial = 0, failures = 0;
  for (const auto& line : corpus) {
    if (line.rejected) continue;
    ++filters;
    const outcome plain = check(line.filter, map, so);
    const outcome negated = check("not (" + line.filter + ")", map, so);
    if (!plain.same || !negated.same) ++failures;
    if (plain.matched != 0 && plain.matched != user_count) ++nontrivial;
  }
  MESSAGE(filters << " filters (and their negations), " << nontrivial << " select some but not all of "
                  << user_count << " users; " << failures << " differ");
  CHECK(filters >= 80);
  CHECK(nontrivial * 10 >= filters * 7);
  CHECK(failures == 0);
}

}  // namespace

TEST_CASE("generated users cover the cases the corpus needs") {
  const auto& users = the_store().users;
  REQUIRE(users.size() >= 2000);
  std::size_t empty_title = 0, no_title = 0, non_ascii = 0, like_chars = 0, multi_email = 0, offsets = 0,
              fractions = 0, inactive = 0, enterprise = 0;
  for (const auto& u : users) {
    const auto* t = find_member(u, "title");
    if (t == nullptr) ++no_title;
    else if (t->get_ref<const std::string&>().empty()) ++empty_title;
    const std::string user_name = u["userName"].get<std::string>();
    for (const char c : user_name)
      if (static_cast<unsigned char>(c) >= 0x80) {
        ++non_ascii;
        break;
      }
    if (user_name.find_first_of("%_") != std::string::npos) ++like_chars;
    if (const auto* e = find_member(u, "emails"); e != nullptr && e->size() > 1) ++multi_email;
    const std::string created = u["meta"]["created"].get<std::string>();
    if (created.size() > 6 && (created[created.size() - 6] == '+' || created[created.size() - 6] == '-')) ++offsets;
    if (created.find('.') != std::string::npos) ++fractions;
    if (const auto* a = find_member(u, "active"); a != nullptr && !a->get<bool>()) ++inactive;
    if (find_member(u, std::string(enterprise_urn)) != nullptr) ++enterprise;
  }
  CHECK(empty_title >= users.size() / 200);
  CHECK(empty_title <= users.size() / 50);
  CHECK(no_title >= users.size() / 5);
  CHECK(non_ascii >= 50);
  CHECK(like_chars >= 50);
  CHECK(multi_email >= 500);
  CHECK(offsets >= 500);
  CHECK(fractions >= 500);
  CHECK(inactive >= 500);
  CHECK(enterprise >= 1000);
}

TEST_CASE("corpus: SQLite with pre-folded columns selects exactly what the evaluator matches") {
  run_corpus(user_mapping(true), sf::sql_options{});
}

TEST_CASE("corpus: SQLite with lower() and an aliased table selects exactly what the evaluator matches") {
  sf::sql_options so;
  so.table_alias = "u";
  run_corpus(user_mapping(false), so);
}

TEST_CASE("corpus: rejected filters are invalidFilter, with the evaluator's error where it rejects them too") {
  const auto& reg = test_registry();
  const auto map = user_mapping(true);
  std::size_t rejected = 0;
  for (const auto& line : read_corpus()) {
    if (!line.rejected) continue;
    ++rejected;
    auto f = sf::parse(line.filter);
    REQUIRE_MESSAGE(f, line.filter);
    auto frag = sf::to_sql(*f, user_type(), reg, map, sf::sql_dialect::sqlite);
    REQUIRE_MESSAGE(!frag, line.filter << " translated to " << frag->where);
    CHECK_MESSAGE(frag.error().status == 400, line.filter);
    CHECK_MESSAGE(frag.error().code == scim::error_code::invalid_filter, line.filter);
    CHECK_MESSAGE(frag.error().position.has_value(), line.filter);
    auto pred = sf::compile(*f, user_type(), reg);
    if (!pred) CHECK_MESSAGE(pred.error() == frag.error(), line.filter << ": " << frag.error().detail);
  }
  CHECK(rejected >= 10);
}

TEST_CASE("compile options: unknown attributes under no_match, and Entra's string booleans") {
  const auto map = user_mapping(true);
  sf::compile_options no_match;
  no_match.unknown_attributes = sf::unknown_attribute_policy::no_match;
  for (const char* text : {R"(nosuch eq "x")", R"(nosuch eq null)", R"(not (nosuch pr))",
                           R"(emails[nosuch eq "x"] or title pr)", R"(nosuch[value eq "x"])",
                           R"(emails[type eq "work" and nosuch pr])", R"(not (emails[not (nosuch pr)]))",
                           R"(urn:example:unknown:1.0:User:x eq "y" or active eq true)"}) {
    const outcome o = check(text, map, sf::sql_options{}, no_match);
    CHECK(o.same);
    const outcome n = check("not (" + std::string(text) + ")", map, sf::sql_options{}, no_match);
    CHECK(n.same);
  }
  sf::compile_options entra;
  entra.allow_string_booleans = true;
  for (const char* text : {R"(active eq "True")", R"(active ne "FALSE")", R"(active eq "yes")",
                           R"(emails[primary eq "true"])", R"(not (active eq "false"))"}) {
    CHECK(check(text, map, sf::sql_options{}, entra).same);
  }
}
