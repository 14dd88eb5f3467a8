#!/usr/bin/env bash
# Tests of `scim filter EXPR [FILE]`.
#
# usage: filter_test.sh PATH_TO_SCIM [CASE...]
# Runs the named cases (the test_<CASE> functions below), or all of them.
# ctest registers each test_<case> function as "cli: filter: <case>"
# (examples/cli/CMakeLists.txt). Exit 0: passed; 1: failed; 77: skipped.
set -u

if [ $# -lt 1 ]; then
  echo "usage: $0 PATH_TO_SCIM [CASE...]" >&2
  exit 2
fi
SCIM=$1
shift
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DATA=$HERE/data
MIXED=$DATA/mixed.jsonl
if ! command -v python3 >/dev/null 2>&1; then
  echo "python3 not found: skipping"
  exit 77
fi
# The interpreter itself, not a version-manager shim (faster to start).
PYTHON=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) || PYTHON=python3
python3() { "$PYTHON" "$@"; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

USER_URN=urn:ietf:params:scim:schemas:core:2.0:User
GROUP_URN=urn:ietf:params:scim:schemas:core:2.0:Group
ENT_URN=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User

failures=0
current=""
fail() {
  echo "FAIL [$current]: $*"
  failures=$((failures + 1))
}

# run [--stdin FILE] ARGS... : runs scim; sets $rc, $TMP/out, $TMP/err.
run() {
  local in=/dev/null
  if [ "${1:-}" = "--stdin" ]; then
    in=$2
    shift 2
  fi
  "$SCIM" "$@" <"$in" >"$TMP/out" 2>"$TMP/err"
  rc=$?
}

expect_rc() {
  [ "$rc" -eq "$1" ] || fail "exit status $rc, want $1 (stderr: $(head -c 300 "$TMP/err"))"
}

# lines FILE N... : the given lines of FILE, each with its '\n'.
lines() {
  local file=$1
  shift
  local n
  for n in "$@"; do sed -n "${n}p" "$file"; done
}

# expect_out FILE N... : stdout is exactly those lines of FILE (byte for byte), stderr empty.
expect_out() {
  local file=$1
  shift
  lines "$file" "$@" >"$TMP/want"
  cmp -s "$TMP/out" "$TMP/want" || fail "stdout differs from lines $* of $(basename "$file"): $(head -c 300 "$TMP/out")"
  [ -s "$TMP/err" ] && fail "stderr not empty: $(head -c 300 "$TMP/err")"
  return 0
}

# expect_match FILE N... : exit 0 and exactly those lines.
expect_match() {
  expect_rc 0
  expect_out "$@"
}

expect_no_match() {
  expect_rc 1
  [ -s "$TMP/out" ] && fail "stdout not empty: $(head -c 300 "$TMP/out")"
  [ -s "$TMP/err" ] && fail "stderr not empty: $(head -c 300 "$TMP/err")"
  return 0
}

# expect_error SCIM_TYPE|- [DETAIL_PART] : exit 2, empty stdout, one SCIM Error line on stderr.
expect_error() {
  expect_rc 2
  [ -s "$TMP/out" ] && fail "stdout not empty on error: $(head -c 300 "$TMP/out")"
  local why
  why=$(python3 "$HERE/check_error.py" "$TMP/err" "$@") || fail "$why"
  return 0
}

user() { printf '{"schemas":["%s"],"userName":"%s"}\n' "$USER_URN" "$1"; }
group() { printf '{"schemas":["%s"],"displayName":"%s"}\n' "$GROUP_URN" "$1"; }

# ---- matching -----------------------------------------------------------------

test_matches_unchanged_in_order() {
  run filter 'userName pr' "$MIXED"
  expect_match "$MIXED" 1 3 5 6
  run filter 'not (userName pr)' "$MIXED"
  expect_match "$MIXED" 2 4
  run filter 'userName pr or displayName pr' "$MIXED"
  expect_match "$MIXED" 1 2 3 4 5 6
}

test_stdin_and_file() {
  run --stdin "$MIXED" filter 'userName sw "j"'
  expect_match "$MIXED" 3 5
  run --stdin "$MIXED" filter 'userName sw "j"' -
  expect_match "$MIXED" 3 5
  run filter 'userName sw "j"' "$MIXED"
  expect_match "$MIXED" 3 5
}

test_exit_codes() {
  run filter 'userName eq "bjensen"' "$MIXED"
  expect_match "$MIXED" 1
  run filter 'userName eq "nobody"' "$MIXED"
  expect_no_match
  run filter 'userName pr'  # empty stdin
  expect_no_match
  run filter 'userName eq "x"' "$MIXED" extra
  expect_error -
}

test_case_insensitive_names_and_values() {
  # userName is caseExact=false; attribute names and schema URNs are case-insensitive.
  run filter 'USERNAME eq "BJENSEN" or username eq "upper"' "$MIXED"
  expect_match "$MIXED" 1 6
}

test_user_only_attributes() {
  run filter 'emails[type eq "work" and value co "@example.com"]' "$MIXED"
  expect_match "$MIXED" 1
  run filter 'active eq false' "$MIXED"
  expect_match "$MIXED" 3
  run filter 'name.givenName eq "Jörg"' "$MIXED"
  expect_match "$MIXED" 3
  run filter 'meta.created gt "2011-01-01T00:00:00Z"' "$MIXED"
  expect_match "$MIXED" 5
}

test_group_only_attributes() {
  run filter 'members[value eq "2819c223-7f76-453a-919d-413861904646"]' "$MIXED"
  expect_match "$MIXED" 2
  run filter 'members pr' "$MIXED"
  expect_match "$MIXED" 2
}

test_mixed_types() {
  run filter 'members pr or emails.type eq "home" or title eq "Tour Guide"' "$MIXED"
  expect_match "$MIXED" 2 5 6
  run filter 'displayName co "r"' "$MIXED"  # an attribute of both types
  expect_match "$MIXED" 3 4 6
  run filter 'externalId pr' "$MIXED"  # a common attribute
  expect_match "$MIXED" 4 5
  run filter 'noSuchAttribute eq "x" or members pr' "$MIXED"  # unknown to both: never matches
  expect_match "$MIXED" 2
}

test_enterprise_extension() {
  run filter "$ENT_URN:employeeNumber eq \"701984\"" "$MIXED"
  expect_match "$MIXED" 1
  run filter "$ENT_URN:manager.value pr" "$MIXED"
  expect_match "$MIXED" 1
  run filter "$USER_URN:userName eq \"jyoung\"" "$MIXED"
  expect_match "$MIXED" 5
}

test_exotic_whitespace_and_key_order() {
  # Line 3 has leading/trailing blanks, tabs, spaced colons, "schemas" late.
  run filter 'userName eq "jsmith"' "$MIXED"
  expect_match "$MIXED" 3
  printf '\t {  "userName"\t:"a" ,"schemas"  :["%s"]}\t \n' "$USER_URN" >"$TMP/ws.jsonl"
  run filter 'userName eq "a"' "$TMP/ws.jsonl"
  expect_match "$TMP/ws.jsonl" 1
}

test_crlf_lines_echoed_with_cr() {
  { user a; user b; group g; } | sed 's/$/\r/' >"$TMP/crlf.jsonl"
  run filter 'userName pr' "$TMP/crlf.jsonl"
  expect_match "$TMP/crlf.jsonl" 1 2
  grep -q $'\r$' "$TMP/out" || fail "CR not kept in the output"
}

test_empty_lines_skipped() {
  { echo; user a; printf '  \t\r\n'; echo; group g; echo; } >"$TMP/blank.jsonl"
  run filter 'userName pr or displayName pr' "$TMP/blank.jsonl"
  expect_match "$TMP/blank.jsonl" 2 5
  # Blank lines still count for line numbers.
  { echo; echo; echo; echo '{oops'; } >"$TMP/blank_bad.jsonl"
  run filter 'userName pr' "$TMP/blank_bad.jsonl"
  expect_error invalidSyntax "line 4"
}

test_last_line_without_newline() {
  { user a; user b | tr -d '\n'; } >"$TMP/nonl.jsonl"
  run filter 'userName pr' "$TMP/nonl.jsonl"
  expect_rc 0
  { user a; user b; } >"$TMP/want"
  cmp -s "$TMP/out" "$TMP/want" || fail "the last line should be printed with a newline"
}

test_many_lines() {
  python3 - "$USER_URN" "$GROUP_URN" >"$TMP/many.jsonl" <<'PY'
import json, sys
user, group = sys.argv[1], sys.argv[2]
for i in range(20000):
    if i % 2:
        print(json.dumps({"schemas": [group], "displayName": "g%d" % i}))
    else:
        print(json.dumps({"schemas": [user], "userName": "u%d" % i, "active": i % 4 == 0}))
PY
  run filter 'active eq true' "$TMP/many.jsonl"
  expect_rc 0
  [ "$(wc -l <"$TMP/out")" -eq 5000 ] || fail "want 5000 matches, got $(wc -l <"$TMP/out")"
  grep -v '"active": true' "$TMP/out" >/dev/null && fail "a non-matching line was printed"
  return 0
}

test_long_lines_across_read_buffers() {
  python3 - "$USER_URN" >"$TMP/long.jsonl" <<'PY'
import json, sys
for i in range(6):
    print(json.dumps({"schemas": [sys.argv[1]], "userName": "u%d" % i, "title": "t" * (70000 * i + 1)}))
PY
  run filter 'userName pr' "$TMP/long.jsonl"
  expect_match "$TMP/long.jsonl" 1 2 3 4 5 6
  run --stdin "$TMP/long.jsonl" filter 'userName eq "u3" or userName eq "u5"'
  expect_match "$TMP/long.jsonl" 4 6
}

test_closed_stdin() {
  "$SCIM" filter 'userName pr' <&- >"$TMP/out" 2>"$TMP/err"
  rc=$?
  expect_error -
}

# ---- invalid filters ------------------------------------------------------------

test_invalid_filter() {
  run filter 'userName eq' "$MIXED"
  expect_error invalidFilter
  run filter '(userName pr' "$MIXED"
  expect_error invalidFilter
  run filter '' "$MIXED"
  expect_error invalidFilter
  run filter 'userName eq "x" and' "$MIXED"
  expect_error invalidFilter
  run filter 'userName zz "x"' "$MIXED"
  expect_error invalidFilter
  run filter -- '-userName pr' "$MIXED"
  expect_error invalidFilter
}

test_unquoted_value_is_invalid_filter() {
  run filter 'externalId eq jyoung' "$MIXED"
  expect_error invalidFilter
}

test_invalid_filter_on_empty_input() {
  run filter 'userName eq'
  expect_error invalidFilter
  run filter 'active gt true'
  expect_error invalidFilter
}

test_invalid_filter_before_missing_file() {
  run filter 'userName eq' "$TMP/does-not-exist.jsonl"
  expect_error invalidFilter
}

test_compile_error_in_one_type() {
  # Ordering a boolean: invalid for User; `active` is unknown (no match) for Group.
  run filter 'active gt true' "$MIXED"
  expect_error invalidFilter "active"
  run filter 'members pr or active lt false' "$MIXED"
  expect_error invalidFilter
  # A value filter on a non-complex attribute.
  run filter 'userName[value eq "x"]' "$MIXED"
  expect_error invalidFilter
}

test_invalid_utf8_in_filter() {
  run filter $'userName eq "\xff"' "$MIXED"
  expect_error invalidFilter
  run filter $'userName eq "\xc3"' "$MIXED"
  expect_error invalidFilter
  run filter $'\xe2\x82 eq "x"' "$MIXED"
  expect_error invalidFilter
  run filter $'userName eq "\xed\xa0\x80"' "$MIXED"  # encoded surrogate
  expect_error invalidFilter
}

test_huge_filter_quick_error() {
  # One argv string is limited to 128 KiB on Linux (a 10 MB filter cannot be
  # passed at all); the filter parser's 64 KiB limit rejects this one.
  local big
  big=$(python3 -c 'print("userName eq \"" + "x" * 130000 + "\"", end="")')
  local start=$SECONDS
  run filter "$big" "$MIXED"
  expect_error invalidFilter "longer than"
  [ $((SECONDS - start)) -le 2 ] || fail "took $((SECONDS - start)) s"
  big=$(python3 -c 'print("(" * 60000 + "userName pr" + ")" * 60000, end="")')
  run filter "$big" "$MIXED"
  expect_error invalidFilter
  big=$(python3 -c 'print(" or ".join(["userName pr"] * 8000), end="")')
  run filter "$big" "$MIXED"
  expect_error invalidFilter
}

# ---- invalid input lines ----------------------------------------------------------

test_malformed_json_line() {
  { user a; echo '{"schemas":["'"$USER_URN"'"],"userName":}'; } >"$TMP/bad.jsonl"
  run filter 'userName pr' "$TMP/bad.jsonl"
  expect_error invalidSyntax "line 2"
  printf '%s\n' '{"a":1} {"b":2}' >"$TMP/two.jsonl"
  run filter 'userName pr' "$TMP/two.jsonl"
  expect_error invalidSyntax "line 1"
}

test_invalid_line_after_match() {
  { user a; user b; echo 'not json'; user c; } >"$TMP/late.jsonl"
  run filter 'userName pr' "$TMP/late.jsonl"
  expect_error invalidSyntax "line 3"
  { user a; printf '["%s"]\n' "$USER_URN"; } >"$TMP/late2.jsonl"
  run --stdin "$TMP/late2.jsonl" filter 'userName pr'
  expect_error invalidSyntax "line 2"
}

test_not_an_object() {
  local v
  for v in '[]' '"text"' '42' 'null' 'true'; do
    echo "$v" >"$TMP/scalar.jsonl"
    run filter 'userName pr' "$TMP/scalar.jsonl"
    expect_error invalidSyntax "line 1"
  done
}

test_schemas_must_name_user_or_group() {
  local s
  for s in '{"userName":"nos"}' \
    '{"schemas":[],"userName":"x"}' \
    '{"schemas":"'"$USER_URN"'"}' \
    '{"schemas":[1]}' \
    '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Schema"]}' \
    '{"schemas":["'"$ENT_URN"'"],"userName":"x"}' \
    '{"schemas":["'"$USER_URN"'","'"$GROUP_URN"'"]}' \
    '{"schemas":["'"$GROUP_URN"'","'"$ENT_URN"'"]}' \
    '{"schemas":["'"$USER_URN"'","urn:example:custom"]}'; do
    { user ok; echo "$s"; } >"$TMP/schemas.jsonl"
    run filter 'userName pr' "$TMP/schemas.jsonl"
    expect_error invalidSyntax "line 2"
  done
}

test_invalid_utf8_in_input() {
  { user ok; printf '{"schemas":["%s"],"userName":"\xff\xfe"}\n' "$USER_URN"; } >"$TMP/utf8.jsonl"
  run filter 'userName pr' "$TMP/utf8.jsonl"
  expect_error invalidSyntax "line 2"
  printf '{"schemas":["%s"],"userName":"a\xc3"}\n' "$USER_URN" >"$TMP/utf8b.jsonl"
  run filter 'userName pr' "$TMP/utf8b.jsonl"
  expect_error invalidSyntax
}

test_nul_byte_in_input() {
  { user ok; user x | tr -d '\n'; printf '\0 trailing garbage\n'; } >"$TMP/nul.jsonl"
  run filter 'userName pr' "$TMP/nul.jsonl"
  expect_error invalidSyntax "line 2"
}

test_deep_nesting_input() {
  python3 -c '
import sys
sys.stdout.write("{\"schemas\":[\"'"$USER_URN"'\"],\"x\":" + "[" * 100000 + "]" * 100000 + "}\n")
sys.stdout.write("{\"a\":" * 100000 + "1" + "}" * 100000 + "\n")' >"$TMP/deep.jsonl"
  run filter 'userName pr' "$TMP/deep.jsonl"
  expect_error invalidSyntax "line 1"
}

test_huge_line_and_garbage() {
  python3 -c 'print("{\"schemas\":[\"'"$USER_URN"'\"],\"userName\":\"" + "x" * 6000000 + "\"}")' >"$TMP/huge.jsonl"
  run filter 'userName pr' "$TMP/huge.jsonl"
  expect_error invalidSyntax "line 1"
  head -c 3000000 /dev/urandom >"$TMP/garbage.bin"
  run filter 'userName pr' "$TMP/garbage.bin"
  expect_error invalidSyntax
  # A huge line without any newline, on stdin.
  head -c 20000000 /dev/zero | tr '\0' 'a' >"$TMP/nonl.bin"
  run --stdin "$TMP/nonl.bin" filter 'userName pr'
  expect_error invalidSyntax "line 1"
}

# ---- usage errors (status 400, no scimType) ------------------------------------------

test_usage_errors() {
  run
  expect_error -
  run frobnicate
  expect_error - "unknown subcommand"
  run --frobnicate
  expect_error -
  run filter
  expect_error -
  run filter --unknown-option 'userName pr' "$MIXED"
  expect_error -
  run filter 'userName pr' "$MIXED" --unknown-option
  expect_error -
  run filter 'userName pr' "$MIXED" "$MIXED"
  expect_error -
}

test_missing_or_unreadable_file() {
  run filter 'userName pr' "$TMP/does-not-exist.jsonl"
  expect_error - "does-not-exist"
  run filter 'userName pr' "$TMP"  # a directory
  expect_error -
}

test_help() {
  run --help
  expect_rc 0
  grep -q filter "$TMP/out" || fail "--help does not list 'filter'"
  run filter --help
  expect_rc 0
  grep -q EXPR "$TMP/out" || fail "filter --help does not show EXPR"
}

# ---- driver -------------------------------------------------------------------------

if [ $# -eq 0 ]; then
  set -- $(declare -F | sed -n 's/^declare -f test_//p')
fi
for name in "$@"; do
  if ! declare -F "test_$name" >/dev/null; then
    echo "no such case: $name"
    exit 2
  fi
  current=$name
  "test_$name"
done
if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "passed: $*"
