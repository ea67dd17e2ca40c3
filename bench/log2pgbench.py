#!/usr/bin/env python3
"""The statements one leadledgerd request ran, as a pgbench script.

Reads a PostgreSQL server log written with log_min_duration_statement = 0
(the default log_line_prefix) from standard input and prints each logged
statement, its $n parameters replaced by the logged literal values, as
one pgbench SQL command.  Statements matching --exclude (a regular
expression) are left out: section 4b leaves out the token check, the one
thing the route must do that the report itself does not.
"""
import argparse
import re
import sys

ENTRY = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[(\d+)\] ([A-Z]+):  (.*)$")
STATEMENT = re.compile(r"^duration: [\d.]+ ms  (?:execute [^:]*|statement): (.*)$", re.S)
PARAM = re.compile(r"\$(\d+) = ('(?:[^']|'')*'|NULL)")


def entries(lines):
    """(pid, level, text) per log entry; continuation lines start with a tab."""
    cur = None
    for line in lines:
        line = line.rstrip("\n")
        m = ENTRY.match(line)
        if m:
            if cur:
                yield cur
            cur = [m.group(1), m.group(2), m.group(3)]
        elif cur and line.startswith("\t"):
            cur[2] += "\n" + line[1:]
    if cur:
        yield cur


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exclude", default=None)
    args = ap.parse_args()
    exclude = re.compile(args.exclude) if args.exclude else None
    pending = {}
    out = []
    for pid, level, text in entries(sys.stdin):
        if level == "LOG":
            m = STATEMENT.match(text)
            pending.pop(pid, None)  # a parse or bind step's parameters are not ours
            if m:
                pending[pid] = len(out)
                out.append(m.group(1))
        elif level == "DETAIL" and text.startswith("parameters: ") and pid in pending:
            i = pending.pop(pid)
            values = dict((int(n), v) for n, v in PARAM.findall(text))
            out[i] = re.sub(r"\$(\d+)\b", lambda m: values.get(int(m.group(1)), m.group(0)), out[i])
    n = 0
    for sql in out:
        if exclude and exclude.search(sql):
            continue
        print(sql.strip().rstrip(";") + ";")
        n += 1
    if n == 0:
        sys.exit("log2pgbench: no statements found")


if __name__ == "__main__":
    main()
