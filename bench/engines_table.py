#!/usr/bin/env python3
"""JIT vs interpreter on every example policy and on generated policies of 100 and 1,000 rules
(issue 9, item 2): a table of `leadrules bench` ratios, measured side by side in one run each.
Never fails on a time.

    bench/engines_table.py build/leadrules [--prospects 20000] [--bench-data prospects.jsonl]

Examples: each example's prospects.jsonl replicated to about --prospects prospects (a copy's ids
and accounts get a suffix, so accounts keep their size). Generated policies: scoring rules on
the benchmark's schema (../shared/bench/policy.lr), on the first --prospects lines of
--bench-data (gen.py's output), when given.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
NOW = "2026-11-22T00:00:00Z"


def bench(leadrules, policy, data):
    out = subprocess.run([leadrules, "bench", policy, "--input", data, "--now", NOW, "--threads", "1",
                          "--repeat", "3"], capture_output=True, text=True, cwd=os.path.dirname(policy))
    if out.returncode != 0:
        return None, out.stderr.strip().splitlines()[-1:] or ["failed"]
    rows = {}
    for line in out.stdout.splitlines():
        m = re.match(r"(jit|interp|aot)\s+1\s+([0-9.]+)", line)
        if m:
            rows[m.group(1)] = float(m.group(2))
    return rows, None


def replicate(src, dst, target):
    lines = [json.loads(l) for l in open(src, encoding="utf-8") if l.strip()]
    copies = max(1, target // len(lines))
    with open(dst, "w", encoding="utf-8") as out:
        for c in range(copies):
            for rec in lines:
                r = dict(rec)
                r["id"] = f"{rec['id']}-r{c}"
                if r.get("account"):
                    r["account"] = f"{rec['account']}-r{c}"
                out.write(json.dumps(r, ensure_ascii=False) + "\n")
    return copies * len(lines)


def generated_policy(n):
    """n scoring rules on the benchmark's schema: activity rules with page/form/asset conditions
    and windows, and field rules, in blocks of 50."""
    with open(os.path.join(ROOT, "..", "shared", "bench", "policy.lr"), encoding="utf-8") as f:
        text = f.read()
    schema = text[text.index("schema prospect"):text.index("set free_mail")]
    lines = ['policy "generated"', schema]
    kinds = ["visit", "form", "download", "email_open", "email_click", "webinar"]
    for i in range(n):
        if i % 50 == 0:
            lines.append(("}\n" if i else "") + f"score b{i // 50} {{")
        k = kinds[i % len(kinds)]
        if i % 4 == 0:
            lines.append(f'  points +{i % 7 + 1} per visit where page ~ "^/p{i % 13}" within {i % 60 + 1}d cap {i % 20 + 5}')
        elif i % 4 == 1:
            lines.append(f"  points +{i % 5 + 1} per {k} within {i % 90 + 1}d")
        elif i % 4 == 2:
            lines.append(f'  points -{i % 3 + 1} if title ~* "x{i % 11}|y{i % 5}"')
        else:
            lines.append(f"  points +{i % 9 + 1} if count({k} within {i % 30 + 1}d) >= {i % 4 + 1}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("leadrules")
    ap.add_argument("--prospects", type=int, default=20000)
    ap.add_argument("--bench-data")
    a = ap.parse_args()
    leadrules = os.path.abspath(a.leadrules)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in sorted(os.listdir(os.path.join(ROOT, "examples"))):
            policy = os.path.join(ROOT, "examples", name, "policy.lr")
            data = os.path.join(ROOT, "examples", name, "prospects.jsonl")
            if not (os.path.exists(policy) and os.path.exists(data)):
                continue
            big = os.path.join(tmp, name + ".jsonl")
            n = replicate(data, big, a.prospects)
            rows.append((f"examples/{name}", n, *bench(leadrules, policy, big)))
        if a.bench_data:
            sample = os.path.join(tmp, "bench.jsonl")
            with open(a.bench_data, encoding="utf-8") as src, open(sample, "w", encoding="utf-8") as dst:
                for i, line in enumerate(src):
                    if i >= a.prospects:
                        break
                    dst.write(line)
            bench_policy = os.path.join(ROOT, "..", "shared", "bench", "policy.lr")
            rows.append(("bench policy", a.prospects, *bench(leadrules, bench_policy, sample)))
            for n in (100, 1000):
                policy = os.path.join(tmp, f"generated-{n}.lr")
                with open(policy, "w", encoding="utf-8") as f:
                    f.write(generated_policy(n))
                rows.append((f"generated, {n} rules", a.prospects, *bench(leadrules, policy, sample)))
    print(f"{'policy':<24} {'prospects':>9} {'jit s':>8} {'interp s':>9} {'aot s':>8} {'jit/interp':>10}")
    for name, n, r, err in rows:
        if r is None:
            print(f"{name:<24} {n:>9}  {err[0]}")
            continue
        aot = f"{r['aot']:.4f}" if "aot" in r else "-"
        print(f"{name:<24} {n:>9} {r['jit']:>8.4f} {r['interp']:>9.4f} {aot:>8} {r['interp'] / r['jit']:>9.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
