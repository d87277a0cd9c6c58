#!/usr/bin/env python3
"""Writes seed inputs for one fuzz target into OUTDIR, read at run time from the project's own
tests and queries and from the third-party corpus ($KAUDIT_CORPUS, else ../shared/corpus), which
is never copied into the repository: the seeds live in a temporary folder."""
import glob
import json
import os
import sys
import tomllib

target, out = sys.argv[1], sys.argv[2]
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
corpus = os.environ.get("KAUDIT_CORPUS") or os.path.join(root, "..", "shared", "corpus")
MAX = 16 * 1024
n = 0


def put(data: bytes):
    global n
    if data:
        with open(os.path.join(out, f"seed-{n:05}"), "wb") as f:
            f.write(data[:MAX])
        n += 1


def files(*patterns):
    for p in patterns:
        yield from sorted(glob.glob(p, recursive=True))


def golden():
    for path in files(f"{root}/tests/golden/**/*.toml"):
        with open(path, "rb") as f:
            yield tomllib.load(f)


queries = [g["query"] for g in golden() if "query" in g]
for path in files(f"{root}/queries/*.insights"):
    queries.append(open(path).read())
event_files = list(files(f"{root}/tests/fixtures/**/*.json*", f"{root}/tests/fixtures/**/*.yaml",
                         f"{corpus}/falco-trace-files/*.json", f"{corpus}/audit2rbac/*.log",
                         f"{corpus}/khi-gke/**/*.json*", f"{corpus}/khi-gke/*.yaml"))
inputs = [g["input"].encode() for g in golden() if "input" in g]
for path in event_files:
    with open(path, "rb") as f:
        inputs.append(f.read(MAX))
# Panther's test records: EKS events, GKE entries, AKS records and wrappers, a few to an input.
for path in files(f"{corpus}/panther/derived/panther_tests.jsonl"):
    with open(path, "rb") as f:
        logs = [json.dumps(json.loads(line)["log"]).encode() for line in f if line.strip()]
    for i in range(0, len(logs), 4):
        inputs.append(b"\n".join(logs[i:i + 4]) + b"\n")
reasons = set()


def walk(value):
    """Every annotations object's reason, however deep and however the file is laid out."""
    if isinstance(value, dict):
        ann = value.get("annotations")
        if isinstance(ann, dict) and "authorization.k8s.io/reason" in ann:
            decision = {"allow": 1, "forbid": 2}.get(ann.get("authorization.k8s.io/decision"), 0)
            reasons.add(bytes([decision]) + str(ann["authorization.k8s.io/reason"]).encode())
        for v in value.values():
            walk(v)
    elif isinstance(value, list):
        for v in value:
            walk(v)


def documents(data: bytes):
    try:
        yield json.loads(data)
        return
    except ValueError:
        pass
    for line in data.splitlines():
        try:
            yield json.loads(line)
        except ValueError:
            continue


# The demo incident's reasons too, when the binary is built.
for binary in (f"{root}/target/release/kaudit", f"{root}/target/debug/kaudit"):
    if os.path.exists(binary):
        import subprocess
        demo = subprocess.run([binary, "demo", "--events", "3000"], capture_output=True).stdout
        for doc in documents(demo):
            walk(doc)
        break

for path in event_files + list(files(f"{corpus}/panther/derived/*.jsonl")):
    with open(path, "rb") as f:
        for doc in documents(f.read()):
            walk(doc)

if target == "formats":
    for data in inputs:
        put(data)
elif target == "reason":
    for r in sorted(reasons):
        put(r)
elif target == "query":
    for q in queries:
        put(q.encode())
elif target == "eval":
    one_line = [" ".join(l.strip() for l in q.splitlines() if l.strip() and not l.startswith("#"))
                for q in queries]
    for i, q in enumerate(one_line):
        put(q.encode() + b"\n" + inputs[i % len(inputs)][:4096])
else:
    sys.exit(f"no such target: {target}")
print(f"{n} seeds for {target}", file=sys.stderr)
