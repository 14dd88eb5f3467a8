#!/usr/bin/env bash
# Tests of `scim patch [--dialect D] PATCHFILE [RESOURCEFILE]`.
#
# usage: patch_test.sh PATH_TO_SCIM [CASE...]
# Runs the named cases (the test_<CASE> functions below), or all of them.
# ctest registers each test_<case> function as "cli: patch: <case>"
# (examples/cli/CMakeLists.txt). Exit 0: passed; 1: failed; 77: skipped.
set -u

if [ $# -lt 1 ]; then
  echo "usage: $0 PATH_TO_SCIM [CASE...]" >&2
  exit 2
fi
SCIM=$1
shift
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CORPUS=$HERE/../data/patch/idp
if ! command -v python3 >/dev/null 2>&1; then
  echo "python3 not found: skipping"
  exit 77
fi
PYTHON=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) || PYTHON=python3
python3() { "$PYTHON" "$@"; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

USER_URN=urn:ietf:params:scim:schemas:core:2.0:User
GROUP_URN=urn:ietf:params:scim:schemas:core:2.0:Group
PATCH_URN=urn:ietf:params:scim:api:messages:2.0:PatchOp

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

# expect_resource JSON : exit 0, stdout is exactly one line holding JSON equal to JSON, stderr empty.
expect_resource() {
  expect_rc 0
  [ -s "$TMP/err" ] && fail "stderr not empty: $(head -c 300 "$TMP/err")"
  local why
  why=$(python3 - "$TMP/out" "$1" <<'PY'
import json, sys
data = open(sys.argv[1], "rb").read()
want = json.loads(sys.argv[2])
if not data.endswith(b"\n") or data.count(b"\n") != 1:
    print("stdout is not exactly one line: %r" % data[:300]); sys.exit(1)
got = json.loads(data)
if got != want:
    print("stdout %s, want %s" % (json.dumps(got, sort_keys=True), json.dumps(want, sort_keys=True))); sys.exit(1)
PY
  ) || fail "$why"
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

# patch_file NAME OPS_JSON : writes a PatchOp body with these Operations to $TMP/NAME.
patch_file() {
  printf '{"schemas":["%s"],"Operations":%s}\n' "$PATCH_URN" "$2" >"$TMP/$1"
}

user_file() {
  printf '{"schemas":["%s"],"id":"u1","userName":"jdoe","active":true,"emails":[{"value":"j@home.example","type":"home"}]}\n' \
    "$USER_URN" >"$TMP/user.json"
}
group_file() {
  printf '{"schemas":["%s"],"id":"g1","displayName":"Eng","members":[{"value":"m1"},{"value":"m2"},{"value":"m3"}]}\n' \
    "$GROUP_URN" >"$TMP/group.json"
}

USER_OUT_INACTIVE='{"schemas":["'$USER_URN'"],"id":"u1","userName":"jdoe","active":false,"emails":[{"value":"j@home.example","type":"home"}]}'

# ---- success ------------------------------------------------------------------------

test_resource_from_file_or_stdin() {
  user_file
  patch_file p.json '[{"op":"replace","path":"active","value":false}]'
  run patch "$TMP/p.json" "$TMP/user.json"
  expect_resource "$USER_OUT_INACTIVE"
  run --stdin "$TMP/user.json" patch "$TMP/p.json"
  expect_resource "$USER_OUT_INACTIVE"
  run --stdin "$TMP/user.json" patch "$TMP/p.json" -
  expect_resource "$USER_OUT_INACTIVE"
  # The request from stdin, the resource from a file.
  run --stdin "$TMP/p.json" patch - "$TMP/user.json"
  expect_resource "$USER_OUT_INACTIVE"
}

test_output_is_one_compact_line() {
  user_file
  patch_file p.json '[{"op":"add","path":"title","value":"Line1\nLine2 \u00e9"}]'
  run patch "$TMP/p.json" "$TMP/user.json"
  expect_rc 0
  [ "$(wc -l <"$TMP/out")" -eq 1 ] || fail "want one line, got $(wc -l <"$TMP/out")"
  grep -q ': ' "$TMP/out" && fail "output is not compact: $(head -c 200 "$TMP/out")"
  return 0
}

test_group_membership() {
  group_file
  patch_file p.json '[{"op":"remove","path":"members[value eq \"m2\"]"},{"op":"add","path":"members","value":[{"value":"m9","display":"Nine"}]}]'
  run patch "$TMP/p.json" "$TMP/group.json"
  expect_resource '{"schemas":["'$GROUP_URN'"],"id":"g1","displayName":"Eng","members":[{"value":"m1"},{"value":"m3"},{"value":"m9","display":"Nine"}]}'
}

test_every_dialect_name() {
  user_file
  patch_file p.json '[{"op":"replace","path":"active","value":false}]'
  local d
  for d in strict lenient entra okta jumpcloud; do
    run patch --dialect "$d" "$TMP/p.json" "$TMP/user.json"
    expect_resource "$USER_OUT_INACTIVE"
    run patch --dialect="$d" "$TMP/p.json" "$TMP/user.json"
    expect_resource "$USER_OUT_INACTIVE"
  done
  run patch "$TMP/p.json" "$TMP/user.json" --dialect OKTA
  expect_resource "$USER_OUT_INACTIVE"
}

test_strict_rejects_entra_payload_lenient_accepts() {
  user_file
  patch_file entra.json '[{"op":"Replace","path":"active","value":"False"}]'
  run patch "$TMP/entra.json" "$TMP/user.json"  # default: lenient
  expect_resource "$USER_OUT_INACTIVE"
  run patch --dialect lenient "$TMP/entra.json" "$TMP/user.json"
  expect_resource "$USER_OUT_INACTIVE"
  run patch --dialect entra "$TMP/entra.json" "$TMP/user.json"
  expect_resource "$USER_OUT_INACTIVE"
  run patch --dialect strict "$TMP/entra.json" "$TMP/user.json"
  expect_error invalidSyntax "Replace"
  run patch --dialect okta "$TMP/entra.json" "$TMP/user.json"
  expect_error invalidSyntax
  # Lowercase op, string boolean: only the value is wrong under strict.
  patch_file entra2.json '[{"op":"replace","path":"active","value":"False"}]'
  run patch --dialect strict "$TMP/entra2.json" "$TMP/user.json"
  expect_error invalidValue
  run patch --dialect entra "$TMP/entra2.json" "$TMP/user.json"
  expect_resource "$USER_OUT_INACTIVE"
}

test_remove_by_value_list_by_dialect() {
  group_file
  patch_file p.json '[{"op":"remove","path":"members","value":[{"value":"m2"},{"value":"absent"}]}]'
  local want='{"schemas":["'$GROUP_URN'"],"id":"g1","displayName":"Eng","members":[{"value":"m1"},{"value":"m3"}]}'
  local d
  for d in lenient entra jumpcloud; do
    run patch --dialect "$d" "$TMP/p.json" "$TMP/group.json"
    expect_resource "$want"
  done
  for d in strict okta; do
    run patch --dialect "$d" "$TMP/p.json" "$TMP/group.json"
    expect_error invalidValue
  done
}

test_okta_group_rename_with_id() {
  group_file
  patch_file p.json '[{"op":"replace","value":{"id":"g1","displayName":"Platform"}}]'
  local want='{"schemas":["'$GROUP_URN'"],"id":"g1","displayName":"Platform","members":[{"value":"m1"},{"value":"m2"},{"value":"m3"}]}'
  run patch --dialect okta "$TMP/p.json" "$TMP/group.json"
  expect_resource "$want"
  run patch "$TMP/p.json" "$TMP/group.json"
  expect_resource "$want"
  # Profiles without the okta normaliser: id is readOnly, even unchanged.
  local d
  for d in strict entra jumpcloud; do
    run patch --dialect "$d" "$TMP/p.json" "$TMP/group.json"
    expect_error mutability "id: readOnly attribute cannot be modified (not even to its current value"
  done
  patch_file other.json '[{"op":"replace","value":{"id":"g2","displayName":"Platform"}}]'
  for d in strict lenient entra okta jumpcloud; do
    run patch --dialect "$d" "$TMP/other.json" "$TMP/group.json"
    expect_error mutability "id"
  done
}

test_dotted_keys_by_dialect() {
  user_file
  patch_file p.json '[{"op":"replace","value":{"name.givenName":"Jane","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"Sales"}}]'
  local want='{"schemas":["'$USER_URN'","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"id":"u1","userName":"jdoe","active":true,"emails":[{"value":"j@home.example","type":"home"}],"name":{"givenName":"Jane"},"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Sales"}}'
  local d
  for d in lenient entra; do
    run patch --dialect "$d" "$TMP/p.json" "$TMP/user.json"
    expect_resource "$want"
  done
  for d in strict okta jumpcloud; do
    run patch --dialect "$d" "$TMP/p.json" "$TMP/user.json"
    expect_error invalidValue "'name.givenName': the keys of a value object are attribute names, not paths"
  done
  # The nested RFC form: every profile.
  patch_file nested.json '[{"op":"replace","value":{"name":{"givenName":"Jane"},"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Sales"}}}]'
  for d in strict lenient entra okta jumpcloud; do
    run patch --dialect "$d" "$TMP/nested.json" "$TMP/user.json"
    expect_resource "$want"
  done
}

# Every payload of the IdP corpus, through the CLI, under every dialect.
test_idp_corpus() {
  local n
  n=$(ls "$CORPUS"/*.json 2>/dev/null | wc -l)
  [ "$n" -ge 20 ] || fail "want at least 20 corpus files in $CORPUS, found $n"
  local why
  why=$(python3 - "$SCIM" "$CORPUS" "$TMP" <<'PY'
import json, os, subprocess, sys
scim, corpus, tmp = sys.argv[1:4]
problems = []
for name in sorted(os.listdir(corpus)):
    if not name.endswith(".json"):
        continue
    case = json.load(open(os.path.join(corpus, name)))
    req = os.path.join(tmp, "req.json")
    res = os.path.join(tmp, "res.json")
    json.dump(case["request"], open(req, "w"))
    json.dump(case["before"], open(res, "w"))
    for outcome in case["outcomes"]:
        for d in outcome["dialects"]:
            p = subprocess.run([scim, "patch", "--dialect", d, req, res], capture_output=True)
            where = "%s [%s]" % (name, d)
            if "after" in outcome:
                if p.returncode != 0:
                    problems.append("%s: exit %d, stderr %r" % (where, p.returncode, p.stderr[:300]))
                elif p.stderr or json.loads(p.stdout) != outcome["after"] or p.stdout.count(b"\n") != 1:
                    problems.append("%s: stdout %r" % (where, p.stdout[:300]))
            else:
                err = json.loads(p.stderr) if p.stderr.count(b"\n") == 1 else None
                want = outcome["error"]
                if p.returncode != 2 or p.stdout or not err or err.get("scimType") != want["scimType"] \
                        or err.get("status") != "400":
                    problems.append("%s: exit %d, stdout %r, stderr %r" % (where, p.returncode, p.stdout[:100], p.stderr[:300]))
print("\n".join(problems))
sys.exit(1 if problems else 0)
PY
  ) || fail "$why"
  return 0
}

# ---- errors in the data -------------------------------------------------------------

test_error_classes() {
  user_file
  # invalidSyntax: malformed request, unknown op, missing Operations.
  printf '{"schemas":["%s"],"Operations":[' "$PATCH_URN" >"$TMP/bad.json"
  run patch "$TMP/bad.json" "$TMP/user.json"
  expect_error invalidSyntax "patch: "
  patch_file p.json '[{"op":"delete","path":"title"}]'
  run patch "$TMP/p.json" "$TMP/user.json"
  expect_error invalidSyntax "delete"
  printf '{"schemas":["%s"]}\n' "$PATCH_URN" >"$TMP/noops.json"
  run patch "$TMP/noops.json" "$TMP/user.json"
  expect_error invalidSyntax "Operations"
  # invalidPath: a malformed path.
  patch_file p.json '[{"op":"replace","path":"emails[type eq","value":"x"}]'
  run patch "$TMP/p.json" "$TMP/user.json"
  expect_error invalidPath
  # invalidValue: a string for a boolean under strict; a missing value.
  patch_file p.json '[{"op":"replace","path":"active","value":"yes"}]'
  run patch "$TMP/p.json" "$TMP/user.json"
  expect_error invalidValue
  patch_file p.json '[{"op":"add","path":"title"}]'
  run patch "$TMP/p.json" "$TMP/user.json"
  expect_error invalidValue
  # noTarget: replace through a filter that matches nothing.
  patch_file p.json '[{"op":"replace","path":"emails[type eq \"work\"].value","value":"x@example.com"}]'
  run patch "$TMP/p.json" "$TMP/user.json"
  expect_error noTarget
  # mutability: id is readOnly.
  patch_file p.json '[{"op":"replace","path":"id","value":"other"}]'
  run patch "$TMP/p.json" "$TMP/user.json"
  expect_error mutability
  # tooMany: more operations than the limit.
  python3 - "$PATCH_URN" >"$TMP/many.json" <<'PY'
import json, sys
print(json.dumps({"schemas": [sys.argv[1]],
                  "Operations": [{"op": "replace", "path": "title", "value": str(i)} for i in range(5000)]}))
PY
  run patch "$TMP/many.json" "$TMP/user.json"
  expect_error tooMany
}

test_atomic_nothing_printed_on_error() {
  user_file
  # The first operation is fine, the second fails: no output at all.
  patch_file p.json '[{"op":"replace","path":"active","value":false},{"op":"replace","path":"nosuch","value":1}]'
  run patch "$TMP/p.json" "$TMP/user.json"
  expect_error invalidPath
}

test_bad_resource() {
  patch_file p.json '[{"op":"replace","path":"active","value":false}]'
  local r
  for r in '{oops' '[]' '"text"' '{"userName":"x"}' '{"schemas":["urn:example:other"],"userName":"x"}' \
    '{"schemas":["'$USER_URN'","'$GROUP_URN'"]}' ''; do
    printf '%s' "$r" >"$TMP/r.json"
    run patch "$TMP/p.json" "$TMP/r.json"
    expect_error invalidSyntax "resource: "
  done
  # Two documents in one file.
  user_file
  cat "$TMP/user.json" "$TMP/user.json" >"$TMP/two.json"
  run patch "$TMP/p.json" "$TMP/two.json"
  expect_error invalidSyntax "resource: "
  printf '{"schemas":["%s"],"userName":"a\xff"}' "$USER_URN" >"$TMP/utf8.json"
  run patch "$TMP/p.json" "$TMP/utf8.json"
  expect_error invalidSyntax "resource: "
}

test_bad_request_document() {
  user_file
  local r
  for r in '' 'null' '[]' '{"schemas":["'$PATCH_URN'"],"Operations":[]}' \
    '{"schemas":["urn:other"],"Operations":[{"op":"add","path":"title","value":"x"}]}'; do
    printf '%s' "$r" >"$TMP/p.json"
    run patch "$TMP/p.json" "$TMP/user.json"
    expect_error invalidSyntax
  done
  python3 -c 'import sys; sys.stdout.write("[" * 100000 + "]" * 100000)' >"$TMP/deep.json"
  run patch "$TMP/deep.json" "$TMP/user.json"
  expect_error invalidSyntax "patch: "
  python3 -c 'import sys; sys.stdout.write("{\"a\":\"" + "x" * 5000000 + "\"}")' >"$TMP/huge.json"
  run patch "$TMP/huge.json" "$TMP/user.json"
  expect_error invalidSyntax "patch: "
}

# ---- usage errors (status 400, no scimType) ------------------------------------------

test_unknown_dialect() {
  user_file
  patch_file p.json '[{"op":"replace","path":"active","value":false}]'
  run patch --dialect azure "$TMP/p.json" "$TMP/user.json"
  expect_error - "unknown dialect 'azure'"
  run patch --dialect "" "$TMP/p.json" "$TMP/user.json"
  expect_error - "unknown dialect"
}

test_usage_errors() {
  user_file
  patch_file p.json '[{"op":"replace","path":"active","value":false}]'
  run patch
  expect_error -
  run patch "$TMP/p.json" "$TMP/user.json" extra
  expect_error -
  run patch --unknown "$TMP/p.json" "$TMP/user.json"
  expect_error -
  run patch --dialect
  expect_error -
  run patch "$TMP/does-not-exist.json" "$TMP/user.json"
  expect_error - "does-not-exist"
  run patch "$TMP/p.json" "$TMP/does-not-exist.json"
  expect_error - "does-not-exist"
  run patch "$TMP" "$TMP/user.json"  # a directory
  expect_error -
  run --stdin "$TMP/user.json" patch -
  expect_error - "stdin"
  run --stdin "$TMP/user.json" patch - -
  expect_error - "stdin"
}

test_closed_stdin() {
  patch_file p.json '[{"op":"replace","path":"active","value":false}]'
  "$SCIM" patch "$TMP/p.json" <&- >"$TMP/out" 2>"$TMP/err"
  rc=$?
  expect_error -
}

test_help() {
  run --help
  expect_rc 0
  grep -q patch "$TMP/out" || fail "--help does not list 'patch'"
  run patch --help
  expect_rc 0
  grep -q PATCHFILE "$TMP/out" || fail "patch --help does not show PATCHFILE"
  grep -q -- --dialect "$TMP/out" || fail "patch --help does not show --dialect"
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
