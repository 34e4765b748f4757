#!/usr/bin/env python3
"""An independent reproduction of `leadrules backtest` (issue 10).

Scores the input with `leadrules run --format csv` (one row per prospect: id, score, grade, one
true/false column per segment and zone), joins it with the label column read straight from the
input file, and computes here, with nothing of backtest's code: the base rate, each segment's
size, conversions, precision, recall and lift, each grade's rate, the score deciles, and the ROC
AUC by the Mann-Whitney rank sum (average ranks for ties) -- a different algorithm from
backtest's sweep over tie groups. Then it compares with `backtest --format json`.

  backtest_check.py LEADRULES POLICY --input FILE [--input FILE ...] --label FIELD
                    --label-column COLUMN [--id-column COLUMN] [--now TIME]

The first --input that exists is used; when none does, the check is skipped (exit 77) with a
message saying where the file goes (the X Education export is not in the repository).
"""
import argparse
import csv
import json
import math
import os
import subprocess
import sys
import tempfile

TRUE = {"1", "true", "yes"}
FALSE = {"0", "false", "no"}


def read_labels(path, id_column, label_column):
    """id -> True/False/None (missing), from the input file as it is."""
    labels = {}
    if path.lower().endswith(".csv"):
        with open(path, newline="", encoding="utf-8-sig") as f:
            for row in csv.DictReader(f):
                rid = row[id_column].strip()
                cell = (row.get(label_column) or "").strip().lower()
                labels[rid] = True if cell in TRUE else False if cell in FALSE else None
    else:
        with open(path, encoding="utf-8-sig") as f:
            for line in f:
                if not line.strip():
                    continue
                rec = json.loads(line)
                v = rec.get(label_column)
                labels[str(rec[id_column])] = None if v is None else bool(v)
    return labels


def auc_by_ranks(scores, labels):
    """Mann-Whitney: (sum of the positives' average ranks - P(P+1)/2) / (P N)."""
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j < len(order) and scores[order[j]] == scores[order[i]]:
            j += 1
        for k in range(i, j):
            ranks[order[k]] = (i + 1 + j) / 2.0  # average of ranks i+1 .. j
        i = j
    p = sum(labels)
    n = len(labels) - p
    if p == 0 or n == 0:
        return None
    r = sum(rank for rank, y in zip(ranks, labels) if y)
    return (r - p * (p + 1) / 2.0) / (p * n)


def ratio(a, b):
    return None if b == 0 else a / b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("leadrules")
    ap.add_argument("policy")
    ap.add_argument("--input", action="append", required=True)
    ap.add_argument("--label", required=True)
    ap.add_argument("--label-column", required=True)
    ap.add_argument("--id-column", default="id")
    ap.add_argument("--now", default="2026-11-22T00:00:00Z")
    a = ap.parse_args()

    inputs = [p for p in a.input if os.path.exists(p)]
    if not inputs:
        print("skipped: none of these files is there: " + ", ".join(a.input) +
              " (the X Education export: download Leads.csv to examples/xeducation/Leads.csv, see "
              "examples/xeducation/README.md)")
        return 77
    data = inputs[0]
    env = dict(os.environ, NO_COLOR="1")

    with tempfile.TemporaryDirectory() as tmp:
        scored = os.path.join(tmp, "scored.csv")
        subprocess.run([a.leadrules, "run", a.policy, "--input", data, "--now", a.now, "--format", "csv",
                        "--output", scored], check=True, env=env, stderr=subprocess.DEVNULL)
        with open(scored, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    bt = subprocess.run([a.leadrules, "backtest", a.policy, "--input", data, "--now", a.now, "--label", a.label,
                         "--format", "json"], check=True, env=env, capture_output=True, text=True)
    got = json.loads(bt.stdout)

    labels = read_labels(data, a.id_column, a.label_column)
    joined = [(float(r["score"]), labels[r["id"]], r) for r in rows if labels.get(r["id"]) is not None]
    scores = [s for s, _, _ in joined]
    ys = [y for _, y, _ in joined]
    n, pos = len(joined), sum(ys)
    want = {
        "prospects": len(rows),
        "labelled": n,
        "converted": pos,
        "base_rate": ratio(pos, n),
        "auc": auc_by_ranks(scores, ys),
        "segments": {},
        "grades": {},
        "deciles": [],
    }
    for name in got["segments"]:  # the names only; every count is made here from run's columns
        inside = [y for _, y, r in joined if r[name] == "true"]
        size, conv = len(inside), sum(inside)
        precision = ratio(conv, size)
        want["segments"][name] = {
            "size": size, "converted": conv, "precision": precision, "recall": ratio(conv, pos),
            "lift": None if precision is None or not want["base_rate"] else precision / want["base_rate"],
        }
    for _, y, r in joined:
        g = want["grades"].setdefault(r["grade"], {"size": 0, "converted": 0})
        g["size"] += 1
        g["converted"] += y
    for g in want["grades"].values():
        g["rate"] = g["converted"] / g["size"]
    # Deciles: a prospect's decile is 1 + floor(10 * (prospects scoring higher) / n), so equal
    # scores share one.
    higher = {}
    for i, s in enumerate(sorted(scores, reverse=True)):
        higher.setdefault(s, i)
    deciles = {}
    for s, y in zip(scores, ys):
        d = deciles.setdefault(1 + 10 * higher[s] // n, {"from": s, "to": s, "count": 0, "converted": 0})
        d["from"], d["to"] = min(d["from"], s), max(d["to"], s)
        d["count"] += 1
        d["converted"] += y
    for k in sorted(deciles):
        d = deciles[k]
        want["deciles"].append({"decile": k, **d, "rate": d["converted"] / d["count"]})

    failures = []

    def same(path, w, g):
        if isinstance(w, dict):
            if not isinstance(g, dict):
                failures.append(f"{path}: expected an object, got {g!r}")
                return
            for k in w:
                same(f"{path}.{k}", w[k], g.get(k, "<absent>"))
        elif isinstance(w, list):
            if not isinstance(g, list) or len(g) != len(w):
                failures.append(f"{path}: expected {len(w)} items, got {g!r}")
                return
            for i, (wi, gi) in enumerate(zip(w, g)):
                same(f"{path}[{i}]", wi, gi)
        elif w is None or g is None or isinstance(g, str):
            if w != g:
                failures.append(f"{path}: expected {w!r}, got {g!r}")
        elif not math.isclose(float(w), float(g), rel_tol=1e-12, abs_tol=1e-12):
            failures.append(f"{path}: expected {w!r}, got {g!r}")

    same("backtest", want, got)
    order = ["A+", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "F"]
    if list(got["grades"]) != sorted(want["grades"], key=order.index):
        failures.append(f"grades: expected best first {sorted(want['grades'], key=order.index)}, got {list(got['grades'])}")
    for f in failures:
        print("FAIL " + f)
    seg = next(iter(want["segments"]), None)
    print(f"{data}: {n} labelled of {len(rows)}, base rate {want['base_rate']:.6f}, AUC "
          f"{want['auc'] if want['auc'] is None else format(want['auc'], '.6f')}" +
          (f", {seg}: precision {want['segments'][seg]['precision']}, lift {want['segments'][seg]['lift']}"
           if seg else "") + (": reproduced" if not failures else f": {len(failures)} differences"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
