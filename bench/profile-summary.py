#!/usr/bin/env python3
"""Summaries for bench/profile-broker.sh.

    profile-summary.py threads BEFORE AFTER CLK_TCK RECORDS   CPU per thread group over one run
    profile-summary.py jfr FILE...                            hottest frames of JFR recordings, added up

BEFORE and AFTER hold one line per thread, "name|user ticks|system ticks|voluntary|involuntary context
switches".
"""
import collections
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "lib"))
from warm import JIT_WARM_PERCENT  # noqa: E402  (bench/lib is not a package on the path)

TOP = 25


def ticks(path):
    """Per thread group: user ticks, system ticks, voluntary and involuntary context switches."""
    groups = collections.defaultdict(lambda: [0, 0, 0, 0])
    with open(path) as f:
        for line in f:
            name, *counts = line.rstrip("\n").split("|")
            for i, count in enumerate(counts):
                groups[name][i] += int(count or 0)
    return groups



def threads(before_path, after_path, clk_tck, records):
    before, after = ticks(before_path), ticks(after_path)
    rows = []
    for name, counts in after.items():
        was = before.get(name, [0, 0, 0, 0])
        rows.append([now - then for now, then in zip(counts, was)] + [name])
    rows.sort(key=lambda r: -(r[0] + r[1]))
    per_million = 1e6 / float(records) / float(clk_tck)
    per_thousand = 1e3 / float(records)
    user, system, waits, preempted = (sum(r[i] for r in rows) for i in range(4))
    print(f"Broker CPU over the last run, seconds per million records: user {user * per_million:.3f},"
          f" system {system * per_million:.3f}; context switches per thousand records: to wait"
          f" {waits * per_thousand:.1f}, preempted {preempted * per_thousand:.1f}")
    # The rule of bench/compare-kafka.sh: compilers over a tenth of the CPU mean the figures measure them.
    jit = sum(r[0] + r[1] for r in rows if "CompilerThre" in r[4])
    share = 100.0 * jit / max(user + system, 1)
    verdict = "NOT WARM: the figures include compiling; run more RUNS" if share > JIT_WARM_PERCENT else "warm"
    print(f"JIT compilers: {share:.1f} % of the broker CPU in the last run ({verdict})\n")
    print("| threads | user s / M records | system s / M records | waits / k records | preempted / k records |")
    print("| --- | --- | --- | --- | --- |")
    for u, s, w, p, name in rows:
        if u + s > 0:
            print(f"| {name} | {u * per_million:.3f} | {s * per_million:.3f} | {w * per_thousand:.1f}"
                  f" | {p * per_thousand:.1f} |")


def frames(stack):
    return [f'{fr["method"]["type"]["name"].split(".")[-1]}.{fr["method"]["name"]}' for fr in stack["frames"]]


def jfr(paths):
    """Each recording is read by itself (a file holds one JVM's symbols); the counts are added up."""
    for event, weighted in (("jdk.ExecutionSample", False), ("jdk.NativeMethodSample", False),
                            ("jdk.ObjectAllocationSample", True)):
        counts = collections.Counter()
        for path in paths:
            out = subprocess.run(["jfr", "print", "--json", "--stack-depth", "8", "--events", event, path],
                                 capture_output=True, text=True, check=True).stdout
            for e in json.loads(out)["recording"]["events"]:
                stack = e["values"].get("stackTrace")
                if stack and stack["frames"]:
                    counts[" < ".join(frames(stack)[:3])] += e["values"].get("weight", 1) if weighted else 1
        total = sum(counts.values()) or 1
        print(f"\n{event} ({'bytes' if weighted else 'samples'}: {total}), top frames:")
        for key, count in counts.most_common(TOP):
            print(f"{100 * count / total:5.1f}%  {key}")


if __name__ == "__main__":
    if sys.argv[1] == "threads":
        threads(*sys.argv[2:6])
    elif sys.argv[1] == "jfr":
        jfr(sys.argv[2:])
    else:
        sys.exit(__doc__)
