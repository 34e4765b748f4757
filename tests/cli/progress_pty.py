#!/usr/bin/env python3
"""The progress bar of `leadrules run` (issue 9): on a terminal, standard error shows the file
being read, a bar, the percentage, MB, prospects/s, then the scoring phase, and the line is
erased before the summary; when standard error is not a terminal, or LEADRULES_PROGRESS=0,
nothing of it. LEADRULES_PROGRESS=1 shows it from the start (a run of the examples is short).

    progress_pty.py LEADRULES EXAMPLE_DIR      (EXAMPLE_DIR: examples/pardot)

Exit 0 when every check passes, 1 otherwise, 77 when there is no pty.
"""
import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import tempfile
import termios

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL", what, file=sys.stderr)


def run_on_pty(args, env, out_path):
    """Runs args with stdin/stderr on a pty (stdout to out_path); returns what the pty showed."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
    with open(out_path, "wb") as out:
        proc = subprocess.Popen(args, stdin=slave, stdout=out, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    shown = b""
    while True:
        ready, _, _ = select.select([master], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the pty
            break
        if not chunk:
            break
        shown += chunk
    proc.wait(timeout=30)
    os.close(master)
    return proc.returncode, shown.decode("utf-8", "replace")


def main():
    leadrules, example = sys.argv[1], sys.argv[2]
    try:
        os.close(pty.openpty()[0])
    except OSError:
        return 77
    args = [leadrules, "run", os.path.join(example, "policy.lr"), "--input",
            os.path.join(example, "prospects.jsonl"), "--now", "2026-11-22T00:00:00Z", "--threads", "1"]
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "LEADRULES_PROGRESS")}
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.jsonl")
        rc, shown = run_on_pty(args, dict(env, LEADRULES_PROGRESS="1"), out)
        check(rc == 0, f"run on a terminal exits 0 (got {rc}): {shown!r}")
        check("reading prospects.jsonl [" in shown, f"the bar names the file: {shown!r}")
        check("%" in shown and " MB" in shown, f"the bar shows % and MB: {shown!r}")
        check("scoring 14 prospects on 1 thread" in shown, f"the scoring phase is shown: {shown!r}")
        # Erased before the summary: the summary starts right after an erase, on a clean line.
        check("\r\x1b[Kleadrules: read 14 prospects" in shown, f"the line is erased before the summary: {shown!r}")
        with open(out, "rb") as f:
            results = f.read()
        check(b"\r" not in results and b"reading" not in results, "nothing of it in the results")

        # Not a terminal: nothing, even when asked to show it at once.
        proc = subprocess.run(args, env=dict(env, LEADRULES_PROGRESS="1"), capture_output=True)
        check(proc.returncode == 0, f"run without a terminal exits 0: {proc.stderr!r}")
        check(b"\r" not in proc.stderr and b"reading" not in proc.stderr,
              f"no progress when stderr is not a terminal: {proc.stderr!r}")
        check(b"leadrules: read 14 prospects" in proc.stderr, "the summary is there")

        # LEADRULES_PROGRESS=0 on a terminal: nothing.
        rc, shown = run_on_pty(args, dict(env, LEADRULES_PROGRESS="0"), out)
        check(rc == 0 and "reading" not in shown and "\x1b[K" not in shown,
              f"LEADRULES_PROGRESS=0 shows nothing: {shown!r}")

        # A short run on a terminal (the default half-second delay): nothing either.
        rc, shown = run_on_pty(args, env, out)
        check(rc == 0 and "reading" not in shown, f"a short run shows nothing: {shown!r}")
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        return 1
    print("progress: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
