// tools/filter-ab: times two versions of the filter evaluator in one
// process, on the same loaded users: every round runs all the filters on A,
// then all of them on B; prints the best time per (filter, user) of each.
// Comparing two builds in separate runs is unreliable on machines whose
// memory speed drifts.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace side_a {
const void* load(const char*, std::size_t&);
void* compile(const char*);
std::size_t count(const void*, const void*, std::size_t);
}  // namespace side_a
namespace side_b {
void* compile(const char*);
std::size_t count(const void*, const void*, std::size_t);
}  // namespace side_b

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: filter-ab WORKLOAD_DIR ROUNDS [,N,M,... filters to run]\n");
    return 2;
  }
  const std::string dir = argv[1];
  const int rounds = std::max(1, std::atoi(argv[2]));
  const std::string only = argc > 3 ? argv[3] : "";
  std::size_t n = 0;
  const void* users = side_a::load((dir + "/users.jsonl").c_str(), n);
  std::ifstream in(dir + "/filters.txt");
  std::vector<std::string> filters;
  for (std::string line; std::getline(in, line);) filters.push_back(line);
  struct entry {
    std::size_t index;
    void* a;
    void* b;
    double best_a = 1e300, best_b = 1e300;
    std::size_t count_a = 0, count_b = 0;
  };
  std::vector<entry> run;
  for (std::size_t k = 0; k < filters.size(); ++k) {
    if (!only.empty() && only.find("," + std::to_string(k + 1) + ",") == std::string::npos) continue;
    void* a = side_a::compile(filters[k].c_str());
    void* b = side_b::compile(filters[k].c_str());
    if (a == nullptr || b == nullptr) {
      std::printf("%2zu: does not compile on side %s\n", k + 1, a == nullptr ? "A" : "B");
      continue;
    }
    run.push_back({k, a, b});
  }
  // Each round times every filter on side A, then every filter on side B:
  // each scan follows a scan by another filter of the same side, as in the
  // peers' benchmark, rather than the other side's scan of the same lines
  // (which would leave them in the last-level cache for the second side).
  auto ns = [n](auto t0, auto t1) { return std::chrono::duration<double, std::nano>(t1 - t0).count() / static_cast<double>(n); };
  for (int r = 0; r < rounds; ++r) {
    for (auto& e : run) {
      const auto t0 = std::chrono::steady_clock::now();
      e.count_a = side_a::count(e.a, users, n);
      e.best_a = std::min(e.best_a, ns(t0, std::chrono::steady_clock::now()));
    }
    for (auto& e : run) {
      const auto t0 = std::chrono::steady_clock::now();
      e.count_b = side_b::count(e.b, users, n);
      e.best_b = std::min(e.best_b, ns(t0, std::chrono::steady_clock::now()));
    }
  }
  double sum_a = 0, sum_b = 0;
  int status = 0;
  for (const auto& e : run) {
    if (e.count_a != e.count_b) {
      std::printf("%2zu: MATCH COUNTS DIFFER: A %zu, B %zu\n", e.index + 1, e.count_a, e.count_b);
      status = 1;
    }
    sum_a += e.best_a;
    sum_b += e.best_b;
    std::printf("%2zu: A %7.1f  B %7.1f ns  %+4.0f%%\n", e.index + 1, e.best_a, e.best_b, 100 * (e.best_b / e.best_a - 1));
  }
  std::printf("sum: A %.1f  B %.1f ns  %+.1f%%\n", sum_a, sum_b, 100 * (sum_b / sum_a - 1));
  return status;
}
