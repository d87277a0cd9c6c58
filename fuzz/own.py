#!/usr/bin/env python3
"""Prints the files (read from stdin, one path a line) that share no run of 48 bytes with any
seed in SEEDDIR: what goes into the repository is the fuzzer's own, never a piece of the
third-party corpus the seeds were read from."""
import os
import sys

WINDOW = 48
seeds = b"\0".join(open(os.path.join(sys.argv[1], f), "rb").read() for f in os.listdir(sys.argv[1]))
for path in sys.stdin.read().split():
    data = open(path, "rb").read()
    if not any(data[i:i + WINDOW] in seeds for i in range(0, max(0, len(data) - WINDOW) + 1, 8)):
        print(path)
