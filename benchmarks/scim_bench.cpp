// scim_bench: scimpp's side of ../shared/bench (see its README for the
// protocol). Prints one JSON object per line on stdout; everything else goes
// to stderr. Loading and parsing the workload is never timed.
//
//   scim_bench --workload DIR [--rounds N] [--only bench1,bench2]
#include <scim/patch/apply.hpp>
#include <scim/patch/dialect.hpp>
#include <scim/patch/document.hpp>
#include <scim/patch/normalize.hpp>
#include <scim/patch/operation.hpp>
#include <scim/scim.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

struct options {
  std::string workload;
  int rounds = 5;
  std::vector<std::string> only;
};

struct workload {
  std::vector<scim::json> users_json;
  std::vector<scim::user> users;
  std::vector<std::string> filters;
  std::vector<scim::json> groups_json;
  std::vector<scim::json> patches;
};

std::string impl_name() { return std::string("scimpp@") + scim::version_string; }

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / static_cast<double>(v.size());
}

template <class F>
double time_ns(F&& f) {
  const auto t0 = clock_type::now();
  f();
  const auto t1 = clock_type::now();
  return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
}

// Keeps a value alive so the optimiser cannot drop the work that made it.
template <class T>
void keep(const T& v) {
  asm volatile("" : : "g"(&v) : "memory");
}

// Calls f(line) for each non-empty line of the file, read one at a time.
template <class F>
void for_each_line(const std::string& path, F&& f) {
  std::ifstream in(path);
  if (!in) {
    std::cerr << "scim_bench: cannot read " << path << '\n';
    std::exit(2);
  }
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) f(line);
}

std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> lines;
  for_each_line(path, [&](const std::string& line) { lines.push_back(line); });
  return lines;
}

workload load(const options& o) {
  workload w;
  // Parsed as they are read: reading all the lines first would leave their
  // buffers (the file's size) free just before the typed users are decoded,
  // scattering each user's strings over those holes.
  for_each_line(o.workload + "/users.jsonl", [&](const std::string& line) {
    auto j = scim::parse_json(line);
    if (!j) {
      std::cerr << "scim_bench: bad user line: " << scim::format_error(j.error()) << '\n';
      std::exit(2);
    }
    w.users_json.push_back(std::move(*j));
  });
  // The typed users are decoded in a pass of their own, so each user's
  // strings and lists sit next to each other in memory, as in an application
  // that loads its resources once and keeps them.
  w.users.reserve(w.users_json.size());
  for (const auto& j : w.users_json) {
    auto u = scim::decode<scim::user>(j);
    if (!u) {
      std::cerr << "scim_bench: user does not decode: " << scim::format_error(u.error()) << '\n';
      std::exit(2);
    }
    w.users.push_back(std::move(*u));
  }
  w.filters = read_lines(o.workload + "/filters.txt");
  for (const auto& line : read_lines(o.workload + "/groups.jsonl")) w.groups_json.push_back(*scim::parse_json(line));
  scim::json_limits big;
  big.max_bytes = 64u << 20;
  for (const auto& line : read_lines(o.workload + "/patches.jsonl")) w.patches.push_back(*scim::parse_json(line, big));
  std::cerr << "scim_bench: loaded " << w.users.size() << " users, " << w.filters.size() << " filters\n";
  return w;
}

std::string json_array(const std::vector<std::optional<double>>& v, bool integers = false) {
  std::ostringstream s;
  s << '[';
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) s << ',';
    if (!v[i]) {
      s << "null";
    } else if (integers) {
      s << static_cast<long long>(*v[i]);
    } else {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.2f", *v[i]);
      s << buf;
    }
  }
  s << ']';
  return s.str();
}

void print_line(const std::string& bench, std::size_t n, double ns_per_op, const std::string& checksum,
                const std::string& extra) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", ns_per_op);
  std::cout << "{\"impl\":\"" << impl_name() << "\",\"bench\":\"" << bench << "\",\"n\":" << n
            << ",\"ns_per_op\":" << buf << ",\"checksum\":" << checksum << extra << "}\n"
            << std::flush;
}

// ---- filter_parse -------------------------------------------------------------

void bench_filter_parse(const workload& w, const options& o) {
  const int iterations = 2000;
  std::vector<std::optional<double>> per_filter;
  std::vector<double> medians;
  int parsed = 0;
  std::ostringstream errors;
  for (std::size_t k = 0; k < w.filters.size(); ++k) {
    const std::string& text = w.filters[k];
    auto first = scim::filter::parse(text);
    if (!first) {
      per_filter.emplace_back();
      errors << (errors.tellp() > 0 ? "," : "") << '"' << k + 1 << "\":"
             << scim::dump_json(scim::json(first.error().detail));
      continue;
    }
    ++parsed;
    for (int i = 0; i < 200; ++i) keep(scim::filter::parse(text));  // warm-up
    std::vector<double> rounds;
    for (int r = 0; r < std::max(o.rounds, 5); ++r) {
      rounds.push_back(time_ns([&] {
                         for (int i = 0; i < iterations; ++i) {
                           auto f = scim::filter::parse(text);
                           keep(f);
                         }
                       }) /
                       iterations);
    }
    const double m = median(rounds);
    per_filter.emplace_back(m);
    medians.push_back(m);
  }
  std::string extra = ",\"per_filter_ns\":" + json_array(per_filter) + ",\"rounds\":" + std::to_string(o.rounds);
  if (errors.tellp() > 0) extra += ",\"errors\":{" + errors.str() + "}";
  print_line("filter_parse", w.filters.size(), mean(medians), std::to_string(parsed), extra);
}

// ---- filter_eval ----------------------------------------------------------------

// Typed resources go through the batch API; JSON one resource at a time.
std::size_t count_matching(const scim::filter::predicate& p, const std::vector<scim::user>& users) {
  return p.count_matches(std::span<const scim::user>(users));
}
std::size_t count_matching(const scim::filter::predicate& p, const std::vector<scim::json>& docs) {
  std::size_t c = 0;
  for (const auto& d : docs) c += p.matches(d) ? 1 : 0;
  return c;
}

template <class Resource>
void bench_filter_eval(const std::string& bench, const std::vector<Resource>& resources, const workload& w,
                       const options& o) {
  const auto& reg = scim::default_registry();
  const auto& rt = *reg.find_resource_type("User");
  std::vector<std::optional<scim::filter::predicate>> predicates;
  std::vector<std::optional<double>> per_filter, counts;
  for (const auto& text : w.filters) {
    auto f = scim::filter::parse(text);
    auto p = f ? scim::filter::compile_for<scim::user>(*f, rt, reg) : scim::fail(f.error());
    if (p) predicates.emplace_back(std::move(*p));
    else predicates.emplace_back();
  }
  for (const auto& p : predicates)  // warm-up and checksum
    counts.emplace_back(p ? std::optional<double>(static_cast<double>(count_matching(*p, resources))) : std::nullopt);
  // Rounds go over all the filters in turn, as the peers' do: a filter's
  // round never finds the lines it reads still in the last-level cache from
  // its own previous round.
  std::vector<std::vector<double>> rounds(predicates.size());
  for (int r = 0; r < o.rounds; ++r)
    for (std::size_t k = 0; k < predicates.size(); ++k) {
      if (!predicates[k]) continue;
      std::size_t c = 0;
      rounds[k].push_back(time_ns([&] { c = count_matching(*predicates[k], resources); }) /
                          static_cast<double>(resources.size()));
      keep(c);
    }
  std::vector<double> medians;
  for (std::size_t k = 0; k < predicates.size(); ++k) {
    if (!predicates[k]) {
      per_filter.emplace_back();
      continue;
    }
    per_filter.emplace_back(median(rounds[k]));
    medians.push_back(median(rounds[k]));
  }
  print_line(bench, w.filters.size() * resources.size(), mean(medians), json_array(counts, true),
             ",\"per_filter_ns\":" + json_array(per_filter) + ",\"rounds\":" + std::to_string(o.rounds));
}

// ---- filter_eval_handwritten ------------------------------------------------------
// Direct member access on the typed users with the same ASCII case folding and
// comparisons as the evaluator: the limit the evaluator is measured against.

namespace hw {
using scim::detail::icontains;
using scim::detail::iequals;
using scim::detail::istarts_with;

bool f1(const scim::user& u) { return iequals(u.user_name, "jessica.ivanova53376@example.org"); }
bool f4(const scim::user& u) { return istarts_with(u.user_name, "J"); }
bool f17(const scim::user& u) {
  if (!u.user_type || !iequals(*u.user_type, "Employee")) return false;
  for (const auto& e : u.emails)
    if (e.type && iequals(*e.type, "work") && e.value && icontains(*e.value, "@example.com")) return true;
  return false;
}
bool f22(const scim::user& u) {
  if (!u.active || !*u.active) return false;
  const auto* ent = u.extension<scim::enterprise_user>();
  return ent && ent->department && iequals(*ent->department, "Engineering");
}
const scim::instant t2022 = *scim::parse_date_time("2022-01-01T00:00:00Z");
bool f28(const scim::user& u) {
  if (!u.user_type || !(iequals(*u.user_type, "Contractor") || iequals(*u.user_type, "Intern"))) return false;
  if (!u.active || !*u.active) return false;
  return u.meta && u.meta->created && u.meta->created->at() && *u.meta->created->at() >= t2022;
}
}  // namespace hw

void bench_handwritten(const workload& w, const options& o) {
  struct entry {
    std::size_t index;
    bool (*pred)(const scim::user&);
  };
  const entry entries[] = {{0, hw::f1}, {3, hw::f4}, {16, hw::f17}, {21, hw::f22}, {27, hw::f28}};
  std::vector<std::optional<double>> per_filter(w.filters.size()), counts(w.filters.size());
  std::vector<double> medians;
  std::vector<std::vector<double>> rounds(std::size(entries));
  for (const auto& e : entries) {  // warm-up and checksum
    if (e.index >= w.filters.size()) continue;
    std::size_t count = 0;
    for (const auto& u : w.users) count += e.pred(u) ? 1 : 0;
    counts[e.index] = static_cast<double>(count);
  }
  for (int r = 0; r < o.rounds; ++r)  // all the filters in turn, as filter_eval
    for (std::size_t k = 0; k < std::size(entries); ++k) {
      const entry& e = entries[k];
      if (e.index >= w.filters.size()) continue;
      std::size_t c = 0;
      rounds[k].push_back(time_ns([&] {
                            for (const auto& u : w.users) c += e.pred(u) ? 1 : 0;
                          }) /
                          static_cast<double>(w.users.size()));
      keep(c);
    }
  for (std::size_t k = 0; k < std::size(entries); ++k) {
    if (entries[k].index >= w.filters.size()) continue;
    per_filter[entries[k].index] = median(rounds[k]);
    medians.push_back(median(rounds[k]));
  }
  print_line("filter_eval_handwritten", medians.size() * w.users.size(), mean(medians), json_array(counts, true),
             ",\"per_filter_ns\":" + json_array(per_filter) + ",\"rounds\":" + std::to_string(o.rounds));
}

// ---- PATCH ------------------------------------------------------------------------
// The pipeline a service runs on a request body: parse the JSON text, apply
// the identity-provider normalisers of the lenient profile, parse the
// PatchOp, apply it atomically to the resource.

std::string scim_digest(scim::json r) {
  r.erase("meta");
  const std::string text = r.dump();
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

struct patch_pipeline {
  const scim::schema_registry& reg = scim::default_registry();
  scim::patch::apply_options apply_opts = scim::patch::apply_options_for(scim::patch::dialect::lenient);
  scim::json_limits limits{};
  patch_pipeline() { limits.max_bytes = 64u << 20; }

  scim::expected<scim::patch::change_set> run(scim::patch::document& doc, const scim::resource_type& rt,
                                              std::string_view body_text) const {
    auto body = scim::parse_json(body_text, limits);
    if (!body) return scim::fail(std::move(body.error()));
    auto normal = scim::patch::normalize(std::move(*body), doc.peek(), rt, reg, scim::patch::dialect::lenient);
    if (!normal) return scim::fail(std::move(normal.error()));
    auto req = scim::patch::parse_patch_request(*normal);
    if (!req) return scim::fail(std::move(req.error()));
    return scim::patch::apply(doc, *req, rt, reg, apply_opts);
  }
};

const scim::json* find_by_id(const std::vector<scim::json>& list, const std::string& id) {
  for (const auto& j : list)
    if (auto it = j.find("id"); it != j.end() && it->is_string() && it->get_ref<const std::string&>() == id) return &j;
  return nullptr;
}

void bench_patch_apply(const workload& w, const options& o) {
  const patch_pipeline pipe;
  std::ostringstream digests, per_patch, errors;
  std::vector<double> medians;
  bool first = true;
  for (const auto& p : w.patches) {
    const std::string id = p.value("id", std::string());
    const std::string kind = p.value("resourceType", std::string("User"));
    const std::string target_id = p.value("target", std::string());
    const scim::json* target = find_by_id(kind == "Group" ? w.groups_json : w.users_json, target_id);
    const scim::resource_type* rt = pipe.reg.find_resource_type(kind);
    const std::string body = p["patch"].dump();
    digests << (first ? "" : ",");
    per_patch << (first ? "" : ",") << '"' << id << "\":";
    first = false;
    std::string err;
    if (target == nullptr || rt == nullptr) err = "target not found";
    std::string digest;
    if (err.empty()) {
      scim::patch::document doc(*target);
      auto r = pipe.run(doc, *rt, body);
      if (r) digest = scim_digest(doc.value());
      else err = scim::format_error(r.error());
    }
    if (!err.empty()) {
      digests << "\"error\"";
      per_patch << "null";
      errors << (errors.tellp() > 0 ? "," : "") << '"' << id << "\":" << scim::dump_json(scim::json(err));
      continue;
    }
    digests << '"' << digest << '"';
    // Each timed application starts from a fresh copy of the target (not timed).
    const bool big = target->contains("members") && (*target)["members"].size() > 1000;
    const int iterations = big ? 20 : 400;
    std::vector<double> rounds;
    for (int r = 0; r < std::max(o.rounds, 5); ++r) {
      double total = 0;
      for (int i = 0; i < iterations; ++i) {
        scim::patch::document doc(*target);
        total += time_ns([&] { keep(pipe.run(doc, *rt, body)); });
      }
      rounds.push_back(total / iterations);
    }
    const double m = median(rounds);
    medians.push_back(m);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", m);
    per_patch << buf;
  }
  std::string extra = ",\"per_patch_ns\":{" + per_patch.str() + "},\"rounds\":" + std::to_string(o.rounds);
  if (errors.tellp() > 0) extra += ",\"errors\":{" + errors.str() + "}";
  print_line("patch_apply", w.patches.size(), mean(medians), "[" + digests.str() + "]", extra);
}

// One group-growth request as a service runs it on a body already parsed
// into JSON (the README has the bodies built beforehand; each is used once,
// so it is moved in): normalize (lenient) -> parse_patch_request -> apply.
scim::expected<scim::patch::change_set> grow_step(const patch_pipeline& pipe, scim::patch::document& doc,
                                                  const scim::resource_type& rt, scim::json body) {
  auto normal = scim::patch::normalize(std::move(body), doc.peek(), rt, pipe.reg, scim::patch::dialect::lenient);
  if (!normal) return scim::fail(std::move(normal.error()));
  auto req = scim::patch::parse_patch_request(std::move(*normal));
  if (!req) return scim::fail(std::move(req.error()));
  return scim::patch::apply(doc, std::move(*req), rt, pipe.reg, pipe.apply_opts);
}

// The grow sequence's request bodies, as JSON values (built before the clock
// starts, as the README asks): `size` single-member adds, then removals of
// every other member.
std::vector<scim::json> grow_bodies(std::size_t size, const workload& w) {
  std::vector<scim::json> bodies;
  bodies.reserve(size + (size + 1) / 2);
  for (std::size_t i = 0; i < size; ++i) {
    const auto& u = w.users_json[i];
    scim::json member = {{"value", u.value("id", std::string())}};
    if (auto d = u.find("displayName"); d != u.end()) member["display"] = *d;
    bodies.push_back(scim::json{{"schemas", {"urn:ietf:params:scim:api:messages:2.0:PatchOp"}},
                                {"Operations", {{{"op", "add"}, {"path", "members"}, {"value", {member}}}}}});
  }
  for (std::size_t i = 0; i < size; i += 2) {
    const std::string path = "members[value eq \"" + w.users_json[i].value("id", std::string()) + "\"]";
    bodies.push_back(scim::json{{"schemas", {"urn:ietf:params:scim:api:messages:2.0:PatchOp"}},
                                {"Operations", {{{"op", "remove"}, {"path", path}}}}});
  }
  return bodies;
}

// One warm-up sequence, then `grow_rounds` timed ones, each on a fresh group
// with fresh bodies; the median total is reported.
void bench_group_grow(const std::string& bench, std::size_t size, const workload& w) {
  constexpr int grow_rounds = 5;
  const patch_pipeline pipe;
  const scim::resource_type& rt = *pipe.reg.find_resource_type("Group");
  size = std::min(size, w.users_json.size());
  std::size_t n = 0, failures = 0, final_count = 0;
  std::vector<double> totals;
  for (int round = -1; round < grow_rounds; ++round) {
    std::vector<scim::json> bodies = grow_bodies(size, w);
    n = bodies.size();
    scim::patch::document doc(scim::json::parse(
        R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"0f0e0d0c-0b0a-4908-8706-050403020100","displayName":"Grow benchmark group"})"));
    std::size_t failed = 0;
    const double total = time_ns([&] {
      for (auto& b : bodies) failed += grow_step(pipe, doc, rt, std::move(b)) ? 0 : 1;
    });
    if (round < 0) continue;  // warm-up
    totals.push_back(total);
    failures += failed;
    const auto& members = doc.value()["members"];
    final_count = members.is_array() ? members.size() : 0;
  }
  if (failures != 0) std::cerr << "scim_bench: " << failures << " grow operations failed\n";
  const double total = median(totals);
  char ms[32];
  std::snprintf(ms, sizeof ms, "%.3f", total / 1e6);
  print_line(bench, n, total / static_cast<double>(n), std::to_string(final_count),
             ",\"size\":" + std::to_string(size) + ",\"total_ms\":" + ms + ",\"rounds\":" +
                 std::to_string(grow_rounds));
}

bool wanted(const options& o, const std::string& bench) {
  return o.only.empty() || std::find(o.only.begin(), o.only.end(), bench) != o.only.end();
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  if (const char* env = std::getenv("SCIM_BENCH_WORKLOAD")) o.workload = env;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--workload" && i + 1 < argc) {
      o.workload = argv[++i];
    } else if (a == "--rounds" && i + 1 < argc) {
      o.rounds = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--only" && i + 1 < argc) {
      std::stringstream s(argv[++i]);
      std::string item;
      while (std::getline(s, item, ',')) o.only.push_back(item);
    } else {
      std::cerr << "usage: scim_bench --workload DIR [--rounds N] [--only bench,...]\n";
      return 2;
    }
  }
  if (o.workload.empty()) {
    std::cerr << "scim_bench: no workload (--workload DIR or SCIM_BENCH_WORKLOAD)\n";
    return 2;
  }
  const workload w = load(o);
  if (wanted(o, "filter_parse")) bench_filter_parse(w, o);
  if (wanted(o, "filter_eval")) bench_filter_eval("filter_eval", w.users, w, o);
  if (wanted(o, "filter_eval_json")) bench_filter_eval("filter_eval_json", w.users_json, w, o);
  if (wanted(o, "filter_eval_handwritten")) bench_handwritten(w, o);
  if (wanted(o, "patch_apply")) bench_patch_apply(w, o);
  if (wanted(o, "group_members_grow_1k")) bench_group_grow("group_members_grow_1k", 1000, w);
  if (wanted(o, "group_members_grow")) bench_group_grow("group_members_grow", 10000, w);
  return 0;
}
