#!/usr/bin/env python3
"""Checks that a file holds exactly one SCIM Error JSON line with status "400".

usage: check_error.py STDERR_FILE SCIM_TYPE [DETAIL_SUBSTRING]
SCIM_TYPE is the expected scimType, or "-" when the error must have none.
Exits 0 when the file is right; otherwise prints why and exits 1.
"""
import json
import sys

ERROR_URN = "urn:ietf:params:scim:api:messages:2.0:Error"


def check(path, scim_type, detail_part):
    with open(path, "rb") as f:
        data = f.read()
    if not data.endswith(b"\n"):
        return "stderr does not end with a newline: %r" % data[-200:]
    lines = data.split(b"\n")[:-1]
    if len(lines) != 1:
        return "stderr has %d lines, want exactly 1: %r" % (len(lines), data[:500])
    try:
        body = json.loads(lines[0].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        return "stderr is not one JSON line (%s): %r" % (e, lines[0][:500])
    if not isinstance(body, dict):
        return "stderr JSON is not an object: %r" % body
    if body.get("schemas") != [ERROR_URN]:
        return "bad schemas: %r" % body.get("schemas")
    if body.get("status") != "400":
        return "status is %r, want the string \"400\"" % body.get("status")
    got = body.get("scimType")
    if scim_type == "-":
        if got is not None:
            return "scimType is %r, want none" % got
    elif got != scim_type:
        return "scimType is %r, want %r" % (got, scim_type)
    detail = body.get("detail")
    if not isinstance(detail, str) or not detail:
        return "detail missing or empty: %r" % detail
    if detail_part and detail_part not in detail:
        return "detail %r does not contain %r" % (detail, detail_part)
    return None


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    problem = check(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) == 4 else "")
    if problem:
        print(problem)
        sys.exit(1)
