#!/usr/bin/env python3
"""Writes the kill test's input (tests/cli/state_kill.py): N prospects in JSON Lines, each with a
few activities, deterministic for a seed; every 1000th line is bad (a number field given text) so
that --rejects has something to write.

    state_gen.py OUT.jsonl [N] [SEED]
"""
import json
import random
import sys


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 200_000
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 7)
    kinds = ["visit", "visit", "visit", "form"]
    with open(out, "w") as f:
        for i in range(n):
            activities = [
                {"type": rng.choice(kinds), "at": f"2026-11-{rng.randrange(1, 22):02}T{rng.randrange(24):02}:00:00Z"}
                for _ in range(rng.randrange(1, 5))
            ]
            record = {"id": f"p{i:07}", "email": f"p{i}@x.example", "activities": activities}
            if i % 1000 == 999:
                record["employees"] = "many"
            f.write(json.dumps(record, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
