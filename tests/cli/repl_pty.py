#!/usr/bin/env python3
"""Drives the interactive `leadrules repl` through a pseudo-terminal, as a user would.

    repl_pty.py LEADRULES EXAMPLE_DIR      (EXAMPLE_DIR: examples/pardot)

Session 1 (HOME is a fresh temporary directory): the prompt appears; a command runs; a typo is
fixed with the left arrow; a field name is completed with Tab; an entry spans two lines behind a
continuation prompt; Ctrl-C throws a half-typed line away and the session goes on; an error is in
colour (stdout is a terminal); Ctrl-D leaves with exit code 0 and ~/.leadrules_history exists.
Session 2 (same HOME): the up arrow recalls entries of session 1, the two-line entry as one.
Exit 0 when every check passes, 1 otherwise, 77 when there is no pty.
"""
import fcntl
import os
import pty
import re
import select
import shutil
import struct
import sys
import tempfile
import termios
import time

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\x1b[=>]|\r|\x07|\x08")
UP, LEFT = "\x1b[A", "\x1b[D"


class Repl:
    def __init__(self, leadrules, example, home):
        args = [leadrules, "repl", os.path.join(example, "policy.lr"), "--input",
                os.path.join(example, "prospects.jsonl"), "--now", "2026-11-22T00:00:00Z"]
        env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
        env.update(HOME=home, TERM="xterm", LANG=os.environ.get("LANG", "C.UTF-8"))
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.chdir(home)
            os.execve(leadrules, args, env)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
        self.raw = b""      # everything read, escapes included
        self.seen = 0       # how much of the cleaned text earlier expects consumed

    def text(self):
        return ANSI.sub("", self.raw.decode("utf-8", "replace"))

    def read_some(self, timeout):
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return False
        try:
            data = os.read(self.fd, 4096)
        except OSError:
            return False
        if not data:
            return False
        self.raw += data
        return True

    def expect(self, what, timeout=15):
        """Waits until `what` appears after what earlier expects consumed."""
        end = time.time() + timeout
        while True:
            t = self.text()
            i = t.find(what, self.seen)
            if i >= 0:
                self.seen = i + len(what)
                return t
            if time.time() > end or not self.read_some(min(0.5, max(0.01, end - time.time()))):
                if time.time() > end:
                    raise AssertionError(f"timed out waiting for {what!r}; the screen after the last match:\n"
                                         f"{self.text()[self.seen:]!r}")

    def send(self, keys):
        os.write(self.fd, keys.encode())
        time.sleep(0.15)    # let the editor redraw before the next keys

    def wait(self, timeout=15):
        end = time.time() + timeout
        while time.time() < end:
            self.read_some(0.2)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
        os.kill(self.pid, 9)
        raise AssertionError("the REPL did not exit")


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    leadrules, example = os.path.realpath(sys.argv[1]), os.path.realpath(sys.argv[2])
    home = tempfile.mkdtemp(prefix="leadrules-repl-pty-")
    checks = 0
    try:
        r = Repl(leadrules, example, home)
        r.expect(":help lists the commands")
        r.expect("lr> ")
        r.send(":load p-001\r")
        r.expect('loaded "p-001"')
        r.expect("lr> ")
        checks += 1
        # left arrow: "scoe", back one, insert "r" -> "score"
        r.send("scoe" + LEFT + "r\r")
        r.expect("63 : number")
        r.expect("lr> ")
        checks += 1
        # Tab completes the field name
        r.send("employ\t")
        r.expect("employees")
        r.send("* 2\r")
        r.expect("2400 : number")
        r.expect("lr> ")
        checks += 1
        # an entry on two lines: the continuation prompt, then one value
        r.send("max(score,\r")
        r.expect("... ")
        r.send("past(score, 3d))\r")
        r.expect("63 : number")
        r.expect("lr> ")
        checks += 1
        # Ctrl-C cancels the line; the next entry runs normally
        r.send("this is not run")
        r.send("\x03")
        r.expect("^C")
        r.expect("lr> ")
        r.send("grade\r")
        t = r.expect("B+ : grade")
        assert "unknown name" not in t, "the cancelled line was evaluated"
        r.expect("lr> ")
        checks += 1
        # errors are in colour on a terminal
        r.send(":sett x\r")
        r.expect("did you mean `:set`?")
        assert b"\x1b[1;31merror:" in r.raw, "no colour on a terminal"
        r.expect("lr> ")
        checks += 1
        r.send("\x04")
        code = r.wait()
        assert code == 0, f"Ctrl-D: exit code {code}"
        history = os.path.join(home, ".leadrules_history")
        assert os.path.exists(history), "no ~/.leadrules_history"
        checks += 1

        # Session 2: history across the restart.
        r = Repl(leadrules, example, home)
        r.expect("lr> ")
        r.send(UP * 6)                   # :sett x, grade, max(...), employees * 2, score, :load p-001
        r.expect(":load p-001")
        r.send("\r")
        r.expect('loaded "p-001"')
        r.expect("lr> ")
        checks += 1
        r.send(UP * 4)                   # :load p-001, :sett x, grade, then the two-line entry as one
        r.expect("max(score, past(score, 3d))")
        r.send("\r")
        r.expect("63 : number")
        r.expect("lr> ")
        checks += 1
        r.send(":quit\r")
        code = r.wait()
        assert code == 0, f":quit: exit code {code}"
        checks += 1
    except AssertionError as e:
        print(f"FAIL after {checks} checks: {e}")
        return 1
    finally:
        shutil.rmtree(home, ignore_errors=True)
    print(f"ok: {checks} checks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
