#!/usr/bin/env python3
"""Compares the rows PostgreSQL scored with what `leadrules run` wrote for the same prospects.

    compare.py RUN.jsonl TABLE.jsonl [ONE.jsonl]

RUN.jsonl: `leadrules run`'s output. TABLE.jsonl: one object per row of leadrules.score_tables
(id, score, scores, grade, segments, actions, set); every prospect of RUN must be there exactly
once, each column equal (numbers as doubles, bit for bit). ONE.jsonl: leadrules.score() results
for some prospects, each equal to run's whole object. Exit 1 on any difference."""
import json
import sys

COLUMNS = ["id", "score", "scores", "grade", "segments", "actions", "set"]


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    run = {r["id"]: r for r in load(sys.argv[1])}
    rows = load(sys.argv[2])
    problems = []
    seen = set()
    for row in rows:
        want = run.get(row["id"])
        if want is None:
            problems.append(f"{row['id']}: scored in SQL but not by run")
            continue
        if row["id"] in seen:
            problems.append(f"{row['id']}: twice in SQL")
        seen.add(row["id"])
        for c in COLUMNS:
            if row.get(c) != want.get(c):
                problems.append(f"{row['id']}: {c}: SQL {json.dumps(row.get(c))} != run {json.dumps(want.get(c))}")
    missing = set(run) - seen
    for i in sorted(missing)[:10]:
        problems.append(f"{i}: scored by run but not in SQL")
    singles = load(sys.argv[3]) if len(sys.argv) > 3 else []
    for one in singles:
        if one != run.get(one.get("id")):
            problems.append(f"{one.get('id')}: leadrules.score {json.dumps(one)} != run {json.dumps(run.get(one.get('id')))}")
    for p in problems[:30]:
        print("compare:", p, file=sys.stderr)
    if problems:
        print(f"compare: {len(problems)} differences", file=sys.stderr)
        return 1
    print(f"compare: {len(rows)} rows of score_tables and {len(singles)} of score equal to run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
