#!/usr/bin/env python3
"""wordcount: count lines, words and characters of every input file of the job.

Reads every regular file of the current directory (the job folder) except the platform's
allgo.log and its own output, prints one line per file and writes wordcount.csv with the
header file,lines,words,chars and one row per file, sorted by name.

A word is a whitespace-separated token; with --min-length N only words of at least N
characters are counted. Lines are counted as text lines (a last line without a final newline
counts too); chars are the characters of the file read as UTF-8 (an invalid byte counts as one).
"""
import argparse
import csv
import os
import sys

OUTPUT = "wordcount.csv"
SKIP = {"allgo.log", OUTPUT}


def count(path, min_length):
    lines = words = chars = 0
    # newline="" keeps "\r\n" as two characters, like the bytes on disk.
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        for line in f:
            lines += 1
            chars += len(line)
            words += sum(1 for w in line.split() if len(w) >= min_length)
    return lines, words, chars


def main(argv):
    parser = argparse.ArgumentParser(
        prog="wordcount",
        description="Count lines, words and characters of the input files; write wordcount.csv.",
    )
    parser.add_argument(
        "--min-length", type=int, default=1, metavar="N",
        help="only count words of at least N characters (default: 1)",
    )
    args = parser.parse_args(argv)
    if args.min_length < 1:
        parser.error("--min-length must be at least 1")

    with os.scandir(".") as entries:
        names = sorted(
            e.name for e in entries
            if e.is_file(follow_symlinks=False) and e.name not in SKIP
        )

    rows = []
    status = 0
    for name in names:
        try:
            lines, words, chars = count(name, args.min_length)
        except OSError as e:
            print(f"wordcount: cannot read {name}: {e.strerror}", file=sys.stderr)
            status = 1
            continue
        rows.append((name, lines, words, chars))
        print(f"{name}: {lines} lines, {words} words, {chars} chars")
    if not names:
        print("no input files")

    try:
        # surrogateescape writes back undecodable bytes of a file name as they were.
        with open(OUTPUT, "w", encoding="utf-8", errors="surrogateescape", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(["file", "lines", "words", "chars"])
            writer.writerows(rows)
    except OSError as e:
        print(f"wordcount: cannot write {OUTPUT}: {e.strerror}", file=sys.stderr)
        return 1
    note = f", words of at least {args.min_length} characters" if args.min_length > 1 else ""
    print(f"wrote {OUTPUT} ({len(rows)} file{'' if len(rows) == 1 else 's'}{note})")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
