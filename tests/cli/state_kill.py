#!/usr/bin/env python3
"""Crash safety of `leadrules run --state` (issue 12): a run killed with SIGKILL at any moment
leaves the firing history exactly as before that run or exactly as after it, and never a partial
--output or --rejects at its final path (each is absent or whole).

200,000 prospects (tests/cli/state_gen.py), a policy with a `once` rule and an `always max 2`
rule. Reference histories after 0, 1 and 2 uninterrupted runs come first; then KILLS times
(default 20): copy the history after k runs (k = 0 or 1), start run k + 1, SIGKILL it at a random
moment of its reference duration, and compare. Histories are compared as the canonical dump of
the firing table (python's sqlite3; opening the file rolls back the journal the killed run left,
as the next leadrules would).

    state_kill.py LEADRULES [KILLS] [SEED]
"""
import hashlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

POLICY = """policy "kill test"

schema prospect {
  id: string
  email: string
  employees: number?
}

schema activity {
  kinds visit, form
}

points +1  per visit
points +25 per form

rule "Welcome" once when any form do tag("welcomed")
rule "Busy" always max 2 when count(visit) >= 2 do flag("busy")
"""
NOWS = ["2026-11-22T00:00:00Z", "2026-11-23T00:00:00Z"]


def dump(path):
    """A digest of the firing table in key order, and its row count; no file means no history."""
    if not os.path.exists(path):
        return ("empty", 0)
    db = sqlite3.connect(path)
    try:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'firing'").fetchone():
            return ("empty", 0)
        h = hashlib.sha256()
        n = 0
        for row in db.execute("SELECT prospect_id, rule, count, last_micros FROM firing ORDER BY prospect_id, rule"):
            h.update(repr(row).encode())
            n += 1
        return ("empty", 0) if n == 0 else (h.hexdigest(), n)
    finally:
        db.close()


def digest(path):
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest() if hasattr(hashlib, "file_digest") else \
            hashlib.sha256(f.read()).hexdigest()


def main():
    leadrules = os.path.realpath(sys.argv[1])
    kills = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else int(time.time())
    rng = random.Random(seed)
    print(f"seed {seed} (state_kill.py LEADRULES {kills} {seed} draws the same kill moments)", flush=True)
    here = os.path.dirname(os.path.abspath(__file__))
    work = tempfile.mkdtemp(prefix="leadrules-kill-")
    failures = []
    try:
        os.chdir(work)
        with open("policy.lr", "w") as f:
            f.write(POLICY)
        subprocess.run([sys.executable, os.path.join(here, "state_gen.py"), "in.jsonl", "200000"], check=True)

        def command(k, state):
            return [leadrules, "run", "policy.lr", "--input", "in.jsonl", "--now", NOWS[k], "--state", state,
                    "--output", "out.jsonl", "--rejects", "rej.jsonl"]

        # Reference: states after 0, 1, 2 runs; outputs and durations of runs 1 and 2.
        states, outputs, durations = [dump("ref.db")], [], []
        for k in range(2):
            start = time.monotonic()
            subprocess.run(command(k, "ref.db"), check=True, stderr=subprocess.DEVNULL)
            durations.append(time.monotonic() - start)
            shutil.copy("ref.db", f"ref{k + 1}.db")
            states.append(dump("ref.db"))
            outputs.append((digest("out.jsonl"), digest("rej.jsonl")))
            os.remove("out.jsonl")
            os.remove("rej.jsonl")
        assert states[0] != states[1] != states[2], "the runs should change the history"
        print(f"reference runs: {durations[0]:.2f} s and {durations[1]:.2f} s; {states[1][1]:,} then "
              f"{states[2][1]:,} records", flush=True)

        outcomes = {"before": 0, "after": 0}
        for i in range(kills):
            k = i % 2
            for name in ("state.db", "state.db-journal", "out.jsonl", "rej.jsonl"):
                if os.path.exists(name):
                    os.remove(name)
            if k:
                shutil.copy("ref1.db", "state.db")
            # Half the kills anywhere in the run, half in its last part (results written, history
            # recorded and committed), where a partial write would show.
            delay = rng.uniform(0, 1.1) if (i // 2) % 2 == 0 else rng.uniform(0.6, 1.1)
            delay *= durations[k]
            proc = subprocess.Popen(command(k, "state.db"), stderr=subprocess.DEVNULL)
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            rc = proc.wait()
            where = f"kill {i + 1} (run {k + 1}, after {delay:.2f} s, exit {rc})"
            if i % 4 == 3:  # leadrules itself recovers the file (rolls the journal back), even a dry run
                dry = subprocess.run(command(k, "state.db")[:-4] + ["--output", "/dev/null", "--rejects", "/dev/null", "--dry-run"],
                                     stderr=subprocess.PIPE, text=True)
                if dry.returncode != 0:
                    failures.append(f"{where}: a dry run on the state left by the kill failed: {dry.stderr}")
            got = dump("state.db")
            which = "before" if got == states[k] else "after" if got == states[k + 1] else None
            if which is None:
                failures.append(f"{where}: the history is neither before nor after the run ({got[1]:,} records)")
                continue
            outcomes[which] += 1
            if rc == 0 and which != "after":
                failures.append(f"{where}: the run finished but its firings are missing")
            for name, expected in (("out.jsonl", outputs[k][0]), ("rej.jsonl", outputs[k][1])):
                if os.path.exists(name) and digest(name) != expected:
                    failures.append(f"{where}: a partial {name} is at the final path")
            if which == "after" and not os.path.exists("out.jsonl"):
                failures.append(f"{where}: the history was recorded before the output was written")
            # An unnamed (O_TMPFILE) temporary file vanishes with the process; where the filesystem
            # lacks O_TMPFILE a hidden one may stay, but never under the final name.
            stray = [n for n in os.listdir(".") if ".tmp-" in n]
            for n in stray:
                os.remove(n)
            print(f"{where}: {which}" + (f"; {len(stray)} hidden temporary file(s) left" if stray else ""),
                  flush=True)
        print(f"{kills} kills: {outcomes['before']} left the history before the run, {outcomes['after']} after")
    finally:
        os.chdir("/")
        shutil.rmtree(work, ignore_errors=True)
    for f in failures:
        print("FAIL", f, file=sys.stderr)
    if failures:
        sys.exit(1)
    print("state_kill: all checks passed")


if __name__ == "__main__":
    main()
