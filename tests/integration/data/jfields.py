#!/usr/bin/python3
"""jfields.py [--where NAME=VALUE]... FIELD... — JSON lines on stdin (journalctl -o json,
or the output of the other helpers here) to tab-separated FIELD values, one line per
object that matches every --where, for the scenarios' shell assertions (jq is not on
every machine; python3 is).

A missing field prints "-"; a list prints its items joined with "|"; a null prints
"null"; tabs and newlines in values print as \\t and \\n. A field journald stored
as bytes (a JSON array of numbers) prints decoded as UTF-8 with replacement.
"""
import json
import sys


def text(value):
    if value is None:
        return "null"
    if isinstance(value, list):
        if value and all(isinstance(v, int) and 0 <= v < 256 for v in value):  # journald bytes
            return text(bytes(value).decode("utf-8", "replace"))
        return "|".join(text(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def main(argv):
    where, fields = [], []
    i = 0
    while i < len(argv):
        if argv[i] == "--where":
            name, _, value = argv[i + 1].partition("=")
            where.append((name, value))
            i += 2
        else:
            fields.append(argv[i])
            i += 1
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        obj = json.loads(line)
        if all(name in obj and text(obj[name]) == value for name, value in where):
            print("\t".join(text(obj[f]) if f in obj else "-" for f in fields))


if __name__ == "__main__":
    main(sys.argv[1:])
