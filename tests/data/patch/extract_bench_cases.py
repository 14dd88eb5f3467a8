#!/usr/bin/env python3
"""Extracts the PATCH cases of the benchmark workload into bench_cases.jsonl.

Usage: extract_bench_cases.py [WORKLOAD_DIR] [OUTPUT]
       (defaults: /tmp/scim-workload, bench_cases.jsonl next to this script)

The workload (written by ../shared/bench/gen_workload.py) has patches.jsonl
(id, kind, resourceType, target, patch, note), the users and groups the
patches target, and expected.json with one FNV-1a digest per patch. The
output has one JSON object per line:

  {"shared": "<resource id>", "resource": {...}}
      a resource referenced by more than one case, or a large one (the
      10,000-member group), stored once;
  {"id": "p01", "kind": ..., "resourceType": "User", "note": ...,
   "patch": {...}, "digest": "<16 hex digits>",
   "resource": {...}  or  "resource_ref": "<resource id>"}
      one case, in workload order.

Shared resources come before the cases that refer to them.
"""

import json
import os
import sys

LARGE = 1000  # multi-valued members above this many are stored once


def read_jsonl(path, wanted=None):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            if wanted is not None:
                # cheap pre-filter: only parse lines that mention a wanted id
                if not any(w in line for w in wanted):
                    continue
            obj = json.loads(line)
            if wanted is None or obj.get("id") in wanted:
                out[obj["id"]] = obj
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    workload = sys.argv[1] if len(sys.argv) > 1 else "/tmp/scim-workload"
    output = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "bench_cases.jsonl")

    patches = []
    with open(os.path.join(workload, "patches.jsonl"), encoding="utf-8") as f:
        for line in f:
            if line.strip():
                patches.append(json.loads(line))
    with open(os.path.join(workload, "expected.json"), encoding="utf-8") as f:
        expected = json.load(f)["patch_apply"]
    digests = {p["id"]: p["digest"] for p in expected["patches"]}

    targets = {p["target"] for p in patches}
    resources = {}
    resources.update(read_jsonl(os.path.join(workload, "users.jsonl"), targets))
    resources.update(read_jsonl(os.path.join(workload, "groups.jsonl"), targets))
    missing = targets - set(resources)
    if missing:
        sys.exit("targets not found in the workload: %s" % sorted(missing))

    uses = {}
    for p in patches:
        uses[p["target"]] = uses.get(p["target"], 0) + 1

    def shared(rid):
        r = resources[rid]
        return uses[rid] > 1 or len(r.get("members", [])) > LARGE

    lines = []
    written = set()
    for p in patches:
        rid = p["target"]
        case = {"id": p["id"], "kind": p["kind"], "resourceType": p["resourceType"],
                "note": p.get("note", ""), "patch": p["patch"], "digest": digests[p["id"]]}
        if shared(rid):
            if rid not in written:
                lines.append({"shared": rid, "resource": resources[rid]})
                written.add(rid)
            case["resource_ref"] = rid
        else:
            case["resource"] = resources[rid]
        lines.append(case)

    with open(output, "w", encoding="utf-8") as f:
        for obj in lines:
            f.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")
    print("wrote %d cases (%d shared resources) to %s" % (len(patches), len(written), output))


if __name__ == "__main__":
    main()
