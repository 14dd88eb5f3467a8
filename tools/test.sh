#!/usr/bin/env bash
# Installs what is missing, then configures, builds and runs the whole test
# suite for each CMake preset given (default: ci, warnings as errors).
#   tools/test.sh            # the README's test command
#   tools/test.sh asan       # AddressSanitizer + UBSan
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/deps.sh core examples
jobs=$(nproc 2>/dev/null || echo 2)

for preset in "${@:-ci}"; do
  echo "== preset $preset" >&2
  # The sanitizer preset builds with Clang (a fraction of GCC's build time there).
  if [[ $preset == asan ]]; then bash tools/deps.sh asan; fi
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  ctest --preset "$preset" -j "$jobs"
done
