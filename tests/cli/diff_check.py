#!/usr/bin/env python3
"""Recompute `leadrules diff --format json`'s counts from two `leadrules run` outputs.

    diff_check.py OLD.jsonl NEW.jsonl DIFF.json OLD_RULES NEW_RULES OLD_SEGMENTS NEW_SEGMENTS

OLD.jsonl / NEW.jsonl are `run`'s JSON Lines results of the two versions over the same input;
the *_RULES / *_SEGMENTS arguments are comma-separated names of each version (from `check`-free
sources: the test passes them), so that names in one version only are counted too. A rule fired
for a prospect when one of its actions is in the prospect's "actions" (every rule has one).
Exits 1 and names every count that differs.
"""
import json
import sys


def read(path):
    rows = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                rows[r["id"]] = r
    return rows


def fired(r):
    return {a["rule"] for a in r["actions"]}


def main():
    old_path, new_path, diff_path, old_rules, new_rules, old_segs, new_segs = sys.argv[1:8]
    old, new = read(old_path), read(new_path)
    with open(diff_path, encoding="utf-8") as f:
        got = json.load(f)
    names = lambda s: [x for x in s.split(",") if x]
    rules = set(names(old_rules)) | set(names(new_rules))
    segments = set(names(old_segs)) | set(names(new_segs))

    ids = [i for i in new if i in old]
    want = {"prospects": len(ids), "changed": 0, "scores_changed": 0, "grades_changed": 0,
            "segments": {s: {"entered": 0, "left": 0} for s in segments},
            "rules": {r: {"gained": 0, "lost": 0} for r in rules}, "grades": {}, "blocks": {}}
    for i in ids:
        a, b = old[i], new[i]
        changed = False
        if a["score"] != b["score"]:
            want["scores_changed"] += 1
            changed = True
        if a["grade"] != b["grade"]:
            g = want["grades"].setdefault(a["grade"], {})
            g[b["grade"]] = g.get(b["grade"], 0) + 1
            want["grades_changed"] += 1
            changed = True
        for block in set(a["scores"]) | set(b["scores"]):
            n = want["blocks"].setdefault(block, {"changed": 0})
            n["changed"] += a["scores"].get(block) != b["scores"].get(block)
        sa, sb = set(a["segments"]), set(b["segments"])
        for s in sb - sa:
            want["segments"][s]["entered"] += 1
        for s in sa - sb:
            want["segments"][s]["left"] += 1
        fa, fb = fired(a), fired(b)
        for r in fb - fa:
            want["rules"][r]["gained"] += 1
        for r in fa - fb:
            want["rules"][r]["lost"] += 1
        if sa != sb or fa != fb or a["actions"] != b["actions"] or a["set"] != b["set"] or a["scores"] != b["scores"]:
            changed = True
        want["changed"] += changed

    errors = []
    if ids:  # a block of either version, with the prospects whose points in it changed
        if {k: v["changed"] for k, v in got["blocks"].items()} != {k: v["changed"] for k, v in want["blocks"].items()}:
            errors.append(f"blocks: diff says {got['blocks']}, the run outputs give {want['blocks']}")
    for key in ("prospects", "changed", "scores_changed", "grades_changed", "grades"):
        if got.get(key) != want[key]:
            errors.append(f"{key}: diff says {got.get(key)}, the run outputs give {want[key]}")
    for key, fields in (("segments", ("entered", "left")), ("rules", ("gained", "lost"))):
        if set(got[key]) != set(want[key]):
            errors.append(f"{key}: diff names {sorted(got[key])}, the policies {sorted(want[key])}")
        for name, counts in want[key].items():
            have = got[key].get(name, {})
            for f in fields:
                if have.get(f) != counts[f]:
                    errors.append(f"{key} {name} {f}: diff says {have.get(f)}, the run outputs give {counts[f]}")
    added = set(got["added"]["rules"]) | set(got["added"]["segments"])
    removed = set(got["removed"]["rules"]) | set(got["removed"]["segments"])
    want_added = (set(names(new_rules)) - set(names(old_rules))) | (set(names(new_segs)) - set(names(old_segs)))
    want_removed = (set(names(old_rules)) - set(names(new_rules))) | (set(names(old_segs)) - set(names(new_segs)))
    if added != want_added:
        errors.append(f"added: diff says {sorted(added)}, expected {sorted(want_added)}")
    if removed != want_removed:
        errors.append(f"removed: diff says {sorted(removed)}, expected {sorted(want_removed)}")
    for e in errors:
        print("diff_check:", e, file=sys.stderr)
    if not errors:
        print(f"diff_check: {want['changed']} of {want['prospects']} changed; every count agrees")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
