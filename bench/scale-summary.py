#!/usr/bin/env python3
"""The statistics of bench/scale-kafka.sh, from the lines it writes to runs.txt, as Markdown.

    scale-summary.py RUNS_FILE

runs.txt holds one line per fact, the kind first, then name=value pairs:

    META name=value                           (one per line; the value may hold spaces)
    RUN phase=warmup|measure round=N first=BROKER broker=BROKER mode=produce|consume partitions=N
        connections=N records=N record_bytes=N cpu_ms=N cpu_user_ms=N cpu_sys_ms=N wall_ms=N
        machine_busy_ms=N writeback_busy_ms=N writeback_wall_ms=N fds_max=N
        count=N seconds=S rec_s=X mb_s=X <produce: p50_ms=X p99_ms=X max_ms=X errors=N capped=true|false |
        consume: fetch_seconds=S fetch_rec_s=X complete=true|false> status=ok|failed|short|skipped
    FOOTPRINT broker=BROKER state=idle|produce|consume partitions=N connections=N heap_used_kb=N
        heap_committed_kb=N direct_kb=N nmt_committed_kb=N rss_kb=N fds=N threads=N under_load=yes|no

A RUN is one LoadDriver run against one broker: its figures (records is what it was asked for, count
what it produced or consumed: a produce that reached RUN_SECONDS stops with fewer, capped=true, and
the consume after it reads what it produced; seconds from the moment every client exists until the
last record is acknowledged or consumed); per-record figures are per counted record;
the broker's own CPU, user + system (cpu_ms) and each apart, from the driver's start to its end;
the busy time of all CPUs of the machine in the same window (machine_busy_ms), and during the sync
right after the run, which writes back what it left dirty (writeback_busy_ms, writeback_wall_ms);
the most file descriptors the broker had open meanwhile, counted every half second. A pair is the
two brokers' runs of one mode at one point in one measured round; ratios are Riverlog/Kafka within
a pair, and the summary gives their median and range. A FOOTPRINT line samples one broker at the
largest point: heap used and committed (GC.heap_info), direct buffers (the "Other" category of the
native memory summary, where JDK 17 books them), the native memory summary's committed total,
resident memory, file descriptors and threads.
"""
import importlib
import os
import sys
from collections import defaultdict

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
compare = importlib.import_module("compare-summary")
BROKERS = compare.BROKERS
fmt, fmt_int, fmt_ratio, median_of, table = (compare.fmt, compare.fmt_int, compare.fmt_ratio, compare.median_of,
                                             compare.table)


def points(facts, mode):
    """{(partitions, connections): {round: {broker: run}}}, for the pairs where both runs succeeded."""
    by_point = defaultdict(lambda: defaultdict(dict))
    for kind, run in facts:
        if kind == "RUN" and run["phase"] == "measure" and run["mode"] == mode and run["status"] == "ok":
            by_point[(int(run["partitions"]), int(run["connections"]))][int(run["round"])][run["broker"]] = run
    return {point: {r: p for r, p in rounds.items() if all(b in p for b in BROKERS)}
            for point, rounds in sorted(by_point.items())}


def per_million(run, field):
    return run[field] / 1000 / (run["count"] / 1e6)


def whole_machine(run):
    return per_million(run, "machine_busy_ms") + per_million(run, "writeback_busy_ms")


def pair_ratios(point_pairs, value):
    return [value(p["riverlog"]) / value(p["kafka"]) for p in point_pairs.values() if value(p["kafka"])]


def medians(point_pairs, value):
    """'Riverlog / Kafka' medians of value(run)."""
    return [median_of([value(p[b]) for p in point_pairs.values()]) for b in BROKERS]


def mode_table(facts, mode):
    rows = []
    for (partitions, connections), point_pairs in points(facts, mode).items():
        if not point_pairs:
            rows.append([f"{partitions:,}", f"{connections:,}"] + ["—"] * 10 + [0])
            continue
        rates = medians(point_pairs, lambda r: r["rec_s"])
        cpu = {b: [p[b] for p in point_pairs.values()] for b in BROKERS}
        cpu_text = [" / ".join(fmt(median_of([per_million(r, f) for r in cpu[b]]))
                               for f in ("cpu_user_ms", "cpu_sys_ms")) for b in BROKERS]
        if mode == "produce":
            extra = " / ".join(fmt(m, 1) for m in medians(point_pairs, lambda r: r["p99_ms"]))
        else:
            extra = " / ".join(fmt_int(m) for m in medians(point_pairs, lambda r: r["fetch_rec_s"]))
        rows.append([f"{partitions:,}", f"{connections:,}", *map(fmt_int, rates),
                     *fmt_ratio(pair_ratios(point_pairs, lambda r: r["rec_s"])), *cpu_text,
                     *fmt_ratio(pair_ratios(point_pairs, lambda r: per_million(r, "cpu_ms"))),
                     fmt_ratio(pair_ratios(point_pairs, whole_machine))[0], extra, len(point_pairs)])
    extra_header = "p99 ms, Riverlog / Kafka" if mode == "produce" else "rec/s from the first record, Riverlog / Kafka"
    return table(["partitions", "connections", "Riverlog rec/s", "Kafka rec/s", "Riverlog/Kafka", "range",
                  "Riverlog CPU s / M, user / system", "Kafka CPU s / M, user / system", "CPU Riverlog/Kafka",
                  "range", "machine + write-back Riverlog/Kafka", extra_header, "pairs"], rows)


def fds_table(facts):
    """The most descriptors each broker had open in any measured run of a point, by point."""
    most = defaultdict(dict)
    for kind, run in facts:
        if kind == "RUN" and run["phase"] == "measure" and "fds_max" in run:
            point = (int(run["partitions"]), int(run["connections"]))
            most[point][run["broker"]] = max(most[point].get(run["broker"], 0), run["fds_max"])
    rows = [[f"{p:,}", f"{c:,}", *(fmt_int(most[(p, c)].get(b)) for b in BROKERS)] for p, c in sorted(most)]
    return table(["partitions", "connections", "Riverlog", "Kafka"], rows)


def footprint_table(facts):
    def mib(kb):
        return fmt_int(kb / 1024) if isinstance(kb, float) else "—"

    rows = []
    for kind, f in facts:
        if kind != "FOOTPRINT":
            continue
        rows.append(["Riverlog" if f["broker"] == "riverlog" else "Kafka",
                     f["state"] + ("" if f["state"] == "idle" or f["under_load"] == "yes" else " (load over)"),
                     f"{mib(f['heap_used_kb'])} / {mib(f['heap_committed_kb'])}", mib(f.get("direct_kb")),
                     mib(f.get("nmt_committed_kb")), mib(f["rss_kb"]), fmt_int(f["fds"]), fmt_int(f["threads"])])
    return table(["broker", "state", "heap used / committed MiB", "direct MiB", "JVM committed MiB", "resident MiB",
                  "file descriptors", "threads"], rows)


def summary(facts):
    m = compare.meta(facts)
    footprints = [f for kind, f in facts if kind == "FOOTPRINT"]
    out = [
        f"### Riverlog against Apache Kafka 4.4.0 as partitions and connections grow: {m.get('date', '?')}, "
        f"commit `{m.get('commit', '?')}`",
        "",
        f"{m.get('cores', '?')} cores ({m.get('cpu', '?')}), {m.get('memory', '?')}, {m.get('java', '?')}; "
        f"load average {m.get('load_at_start', '?')} at the start, {m.get('load_at_end', '?')} at the end. "
        f"Settings: {m.get('settings', '?')}; Riverlog `{m.get('riverlog_heap', '?')}`, Kafka "
        f"`{m.get('kafka_heap', '?')}`.",
        "",
        "Each broker's median rate and CPU per million records (its own user and system time from the driver's "
        "start to its end); the ratios are the median (in bold) and range of the pairwise ratios "
        "Riverlog/Kafka: of the rate, of the broker's CPU per record, and of the whole machine's busy CPU per "
        "record during the run and in the sync after it that writes back what the run left dirty.",
        "",
        "Produce:",
        "",
        mode_table(facts, "produce"),
        "",
        "Consume, a group of as many consumers as connections, from the start of the topic (the rate counts "
        "from the start, group join included; the next-to-last column from the first record on):",
        "",
        mode_table(facts, "consume"),
        "",
        "Most file descriptors open in a broker during any measured run of the point (counted every half "
        "second):",
        "",
        fds_table(facts),
        "",
    ]
    if footprints:
        f = footprints[0]
        out += [f"Footprint with {fmt_int(f['partitions'])} partitions and {fmt_int(f['connections'])} "
                "connections: each broker alone, idle with the topic created, then sampled during a produce and "
                "during a consume (direct: the direct buffers; JVM committed: all the JVM's own memory, heap "
                "included; resident: the process's resident memory, which also holds mapped files):",
                "", footprint_table(facts), ""]
    capped = defaultdict(lambda: defaultdict(int))
    for kind, r in facts:
        if kind == "RUN" and r["phase"] == "measure" and r.get("capped") == "true":
            capped[(int(r["partitions"]), int(r["connections"]))][r["broker"]] += 1
    if capped:
        out += ["Produce runs that stopped at RUN_SECONDS, with fewer records (their consume read as many): " +
                ", ".join(f"{p:,} partitions × {c:,} connections (Riverlog {capped[(p, c)]['riverlog']}, Kafka "
                          f"{capped[(p, c)]['kafka']})" for p, c in sorted(capped)) + ".", ""]
    failed = [r for kind, r in facts if kind == "RUN" and r["status"] != "ok"]
    if failed:
        out += ["Runs that failed or fell short, left out of the tables: " + ", ".join(
            f"{r['phase']} {int(r['round'])} {r['mode']} p={int(r['partitions'])} c={int(r['connections'])} "
            f"{r['broker']} ({r['status']})" for r in failed) + ".", ""]
    return "\n".join(out)


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    print(summary(compare.read_facts(argv[1])))


if __name__ == "__main__":
    main(sys.argv)
