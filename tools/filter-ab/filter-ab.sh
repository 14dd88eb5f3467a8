#!/usr/bin/env bash
# Compares the filter evaluator of two versions of the headers in one process
# (see main.cpp): A is a git revision, B another one or, without it, the
# working tree. Each side is built under its own ABI namespace.
#   tools/filter-ab/filter-ab.sh REV_A [REV_B] [-- WORKLOAD_DIR ROUNDS [,N,M,]]
#   OPT=-O2 tools/filter-ab/filter-ab.sh HEAD~1      # as users' -O2 builds
# The workload comes from ../shared/bench/gen_workload.py (default
# /tmp/scim-workload, 7 rounds).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
rev_a="${1:?usage: filter-ab.sh REV_A [REV_B] [-- WORKLOAD_DIR ROUNDS [,N,M,]]}"
shift
rev_b=""
if [[ $# -gt 0 && $1 != "--" ]]; then rev_b="$1"; shift; fi
[[ ${1:-} == "--" ]] && shift
args=("${@:-/tmp/scim-workload}")
[[ ${#args[@]} -lt 2 ]] && args+=(7)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for side in a b; do
  rev=$([[ $side == a ]] && echo "$rev_a" || echo "$rev_b")
  mkdir -p "$work/$side"
  if [[ -n $rev ]]; then
    git -C "$repo" archive "$rev" include | tar -x -C "$work/$side"
  else
    cp -r "$repo/include" "$work/$side/"
  fi
  sed -i "s/abi_v0_tl/abi_ab_$side/; s/abi_v0_std/abi_ab_${side}_std/" "$work/$side/include/scim/config.hpp"
  g++ -std=c++20 ${OPT:--O3} -DNDEBUG -DSCIM_FILTER_AB_SIDE=side_$side -I"$work/$side/include" \
    -c "$here/side.cpp" -o "$work/side_$side.o" &
done
wait
g++ -std=c++20 -O2 "$here/main.cpp" "$work/side_a.o" "$work/side_b.o" -o "$work/filter-ab"
"$work/filter-ab" "${args[@]}"
