// scimpp fuzzing: invariant checks shared by the fuzz targets.
//
// A violated invariant prints what was being checked (and the offending
// texts) to stderr, then aborts, so libFuzzer records the input as a crash
// and the replay runner fails its ctest case.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace scimpp_fuzz {

[[noreturn]] inline void fail(const char* what, std::string_view a = {}, std::string_view b = {}) {
  std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
  if (!a.empty()) std::fprintf(stderr, "  first:  [%.*s]\n", static_cast<int>(a.size()), a.data());
  if (!b.empty()) std::fprintf(stderr, "  second: [%.*s]\n", static_cast<int>(b.size()), b.data());
  std::fflush(stderr);
  std::abort();
}

inline void check(bool ok, const char* what, std::string_view a = {}, std::string_view b = {}) {
  if (!ok) fail(what, a, b);
}

}  // namespace scimpp_fuzz
