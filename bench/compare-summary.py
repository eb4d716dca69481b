#!/usr/bin/env python3
"""The statistics of bench/compare-kafka.sh, from the lines it writes to runs.txt.

    compare-summary.py summary RUNS_FILE      the summary, in Markdown (tables as in bench/README.md)
    compare-summary.py kafka-peak RUNS_FILE   Kafka's median measured case-a rate, in records/s

runs.txt holds one line per fact, the kind first, then name=value pairs:

    META name=value                           (one per line; the value may hold spaces)
    RUN phase=cold|warmup|measure|latency round=N first=BROKER broker=BROKER case=a|b|c100|c1k|d|latP
        records=N record_bytes=N target_rec_s=N cpu_ms=N [cpu_user_ms=N cpu_sys_ms=N jit_ms=N] wall_ms=N
        [machine_busy_ms=N writeback_busy_ms=N writeback_wall_ms=N] <the tool's figures> status=ok|failed|short
    IDLE broker=BROKER seconds=N cpu_ms=N
    IDLE_MACHINE seconds=N busy_ms=N
    HEAP broker=BROKER setting=-XmxN peak_mib=N
    RECOVERY mib=N on_disk_mib=N first_fetch_ms=N status=ok|failed

A pair is one measured round of one case: the two brokers' runs, one right after the other. Ratios
are Riverlog/Kafka, taken within each pair; the summary gives their median and range. Broker CPU is
the broker process's own time from the start of the tool's run to its end: cpu_ms, user + system,
and each apart. machine_busy_ms is the busy time of all CPUs of the machine in the same window (every
process: the tool and the other broker too); writeback_busy_ms and writeback_wall_ms are the
machine's busy time during, and the length of, the sync right after the run, which writes back what
the run left dirty; jit_ms is the part of cpu_ms that the broker's JIT compiler threads spent (a
broker still compiling is not warm yet). Fields in [ ] are missing from the lines of older runs; their columns show "—".
"""
import statistics
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "lib"))
from runs_file import read_facts  # noqa: E402  (bench/lib is not a package on the path)
from warm import JIT_WARM_PERCENT  # noqa: E402

BROKERS = ("riverlog", "kafka")
# (case, figure, label) in the order of the tables.
THROUGHPUT_ROWS = [
    ("a", "rec_s", "a: produce 100 B"),
    ("b", "rec_s", "b: produce 1 KiB"),
    ("c100", "rec_s", "c: consume 100 B"),
    ("c100", "fetch_rec_s", "c: consume 100 B, fetch only"),
    ("c1k", "rec_s", "c: consume 1 KiB"),
    ("c1k", "fetch_rec_s", "c: consume 1 KiB, fetch only"),
    ("d", "rec_s", "d: produce 100 B, Kafka fsyncing every append"),
]
CPU_ROWS = [(case, label) for case, figure, label in THROUGHPUT_ROWS if figure == "rec_s"]


def runs(facts, phase):
    return [f for kind, f in facts if kind == "RUN" and f["phase"] == phase]


def pairs(facts, phase, case):
    """{round: {broker: run}} for the rounds where both brokers' runs of the case succeeded."""
    by_round = defaultdict(dict)
    for run in runs(facts, phase):
        if run["case"] == case and run["status"] == "ok":
            by_round[int(run["round"])][run["broker"]] = run
    return {r: p for r, p in sorted(by_round.items()) if all(b in p for b in BROKERS)}


def cpu_s_per_million(run):
    return run["cpu_ms"] / 1000 / (run["records"] / 1e6)


def cpu_s_per_gb(run):
    return run["cpu_ms"] / 1000 / (run["records"] * run["record_bytes"] / 1e9)


def user_sys_per_million(runs_of_broker):
    """'user / system' CPU s per million records, medians, or '—' for runs that did not record them."""
    if not runs_of_broker or any("cpu_user_ms" not in r for r in runs_of_broker):
        return "—"
    return " / ".join(fmt(median_of([r[field] / 1000 / (r["records"] / 1e6) for r in runs_of_broker]))
                      for field in ("cpu_user_ms", "cpu_sys_ms"))


def median_of(values):
    return statistics.median(values) if values else None


def ratios(case_pairs, figure):
    return [p["riverlog"][figure] / p["kafka"][figure] for p in case_pairs.values() if p["kafka"][figure]]


def fmt_int(value):
    return "—" if value is None else f"{value:,.0f}"


def fmt(value, digits=2):
    return "—" if value is None else f"{value:.{digits}f}"


def fmt_ratio(values):
    """'**median**' and 'min–max' of a list of ratios."""
    if not values:
        return "—", "—"
    return f"**{statistics.median(values):.2f}**", f"{min(values):.2f}–{max(values):.2f}"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def meta(facts):
    values = {}
    for kind, f in facts:
        if kind == "META":
            values.update(f)
    return values


def throughput_table(facts):
    rows = []
    for case, figure, label in THROUGHPUT_ROWS:
        case_pairs = pairs(facts, "measure", case)
        if not case_pairs:
            continue
        medians = [median_of([p[b][figure] for p in case_pairs.values()]) for b in BROKERS]
        rows.append([label, *map(fmt_int, medians), *fmt_ratio(ratios(case_pairs, figure)), len(case_pairs)])
    return table(["case", "Riverlog rec/s", "Kafka rec/s", "Riverlog/Kafka", "range", "pairs"], rows)


def idle_ms_per_s(facts):
    """{broker: CPU ms per second while idle}, for the brokers whose idle use was measured."""
    return {f["broker"]: f["cpu_ms"] / f["seconds"] for kind, f in facts if kind == "IDLE"}


def cpu_table(facts):
    idle = idle_ms_per_s(facts)

    def busy_ms(run):
        """The run's CPU less what the broker would have used idle in the same time."""
        return max(run["cpu_ms"] - idle.get(run["broker"], 0) * run["wall_ms"] / 1000, 0)

    rows = []
    for case, label in CPU_ROWS:
        case_pairs = pairs(facts, "measure", case)
        if not case_pairs:
            continue
        per_million = {b: [cpu_s_per_million(p[b]) for p in case_pairs.values()] for b in BROKERS}
        per_gb = {b: [cpu_s_per_gb(p[b]) for p in case_pairs.values()] for b in BROKERS}
        pair_ratios = [r / k for r, k in zip(per_million["riverlog"], per_million["kafka"]) if k]
        busy_ratios = [busy_ms(p["riverlog"]) / busy_ms(p["kafka"]) for p in case_pairs.values() if busy_ms(p["kafka"])]
        rows.append([label, *(fmt(median_of(per_million[b])) for b in BROKERS),
                     *(user_sys_per_million([p[b] for p in case_pairs.values()]) for b in BROKERS),
                     *(fmt(median_of(per_gb[b])) for b in BROKERS), *fmt_ratio(pair_ratios),
                     fmt(median_of(busy_ratios)) if idle else "—"])
    return table(["case", "Riverlog CPU s / M records", "Kafka CPU s / M records", "Riverlog user / system",
                  "Kafka user / system", "Riverlog CPU s / GB", "Kafka CPU s / GB", "Riverlog/Kafka", "range",
                  "Riverlog/Kafka, idle use taken out"], rows)




def jit_table(facts):
    """The JIT compiler's share of each broker's CPU over the measured runs of each case: near zero when warm."""
    rows = []
    for case, label in CPU_ROWS:
        case_pairs = pairs(facts, "measure", case)
        if not case_pairs or any("jit_ms" not in p[b] for p in case_pairs.values() for b in BROKERS):
            continue
        share = {b: sum(p[b]["jit_ms"] for p in case_pairs.values())
                 / max(sum(p[b]["cpu_ms"] for p in case_pairs.values()), 1) for b in BROKERS}
        rows.append([label, *(f"{100 * share[b]:.1f} %" for b in BROKERS)])
    if not rows:
        return ""
    out = table(["case", "Riverlog: JIT compiler's share of its CPU", "Kafka: JIT compiler's share"], rows)
    if any(float(cell.rstrip(" %")) > JIT_WARM_PERCENT for row in rows for cell in row[1:]):
        out += (f"\n\n**Not warm**: a broker's JIT compiler took more than {JIT_WARM_PERCENT} % of its CPU in the "
                "measured runs, so its figures still include compiling; run again with more WARMUP_ROUNDS.")
    return out


def machine_s_per_million(run, field):
    return run[field] / 1000 / (run["records"] / 1e6)


def machine_table(facts):
    """The whole machine's busy CPU per million records, during each run and in the sync after it; only
    for runs that recorded them (none before the figures existed: then no table)."""
    rows = []
    for case, label in CPU_ROWS:
        case_pairs = {r: p for r, p in pairs(facts, "measure", case).items()
                      if all("machine_busy_ms" in p[b] for b in BROKERS)}
        if not case_pairs:
            continue

        def whole(run):
            return machine_s_per_million(run, "machine_busy_ms") + machine_s_per_million(run, "writeback_busy_ms")

        cells = []
        for b in BROKERS:
            cells += [fmt(median_of([machine_s_per_million(p[b], f) for p in case_pairs.values()]))
                      for f in ("machine_busy_ms", "writeback_busy_ms")]
            cells.append(fmt_int(median_of([p[b]["writeback_wall_ms"] for p in case_pairs.values()])))
        whole_ratios = [whole(p["riverlog"]) / whole(p["kafka"]) for p in case_pairs.values() if whole(p["kafka"])]
        rows.append([label, *cells, *fmt_ratio(whole_ratios), len(case_pairs)])
    if not rows:
        return None
    return table(["case", "Riverlog: run CPU s / M", "Riverlog: write-back CPU s / M", "Riverlog: sync ms",
                  "Kafka: run CPU s / M", "Kafka: write-back CPU s / M", "Kafka: sync ms",
                  "Riverlog/Kafka, run + write-back", "range", "pairs"], rows)


def pair_ratio_table(facts):
    """Every pair's throughput ratio, so that a reader sees the spread and any order effect."""
    rounds = sorted({int(r["round"]) for r in runs(facts, "measure")})
    rows = []
    for case, figure, label in THROUGHPUT_ROWS:
        case_pairs = pairs(facts, "measure", case)
        if case_pairs:
            rows.append([label] + [fmt(case_pairs[r]["riverlog"][figure] / case_pairs[r]["kafka"][figure])
                                   if r in case_pairs else "—" for r in rounds])
    firsts = {int(r["round"]): r["first"] for r in runs(facts, "measure")}
    return table(["case"] + [f"pair {r} ({'R' if firsts[r] == 'riverlog' else 'K'} first)" for r in rounds], rows)


def latency_table(facts):
    latency_runs = runs(facts, "latency")
    cases = sorted({r["case"] for r in latency_runs}, key=lambda c: int(c[3:]))
    rows = []
    for case in cases:
        case_pairs = pairs(facts, "latency", case)
        if not case_pairs:
            continue
        target = next(iter(case_pairs.values()))["kafka"]["target_rec_s"]

        def percentiles(broker):
            return " / ".join(fmt_int(median_of([p[broker][q] for p in case_pairs.values()]))
                              for q in ("p50_ms", "p99_ms", "p999_ms"))

        reached = " / ".join(fmt_int(median_of([p[b]["rec_s"] for p in case_pairs.values()])) for b in BROKERS)
        cpu = " / ".join(fmt(median_of([cpu_s_per_million(p[b]) for p in case_pairs.values()])) for b in BROKERS)
        p99_ratios = [p["riverlog"]["p99_ms"] / p["kafka"]["p99_ms"] for p in case_pairs.values() if p["kafka"]["p99_ms"]]
        rows.append([f"{case[3:]} % of Kafka's peak: {fmt_int(target)} rec/s", percentiles("riverlog"),
                     percentiles("kafka"), *fmt_ratio(p99_ratios), reached, cpu, len(case_pairs)])
    return table(["rate", "Riverlog p50 / p99 / p99.9 ms", "Kafka p50 / p99 / p99.9 ms", "p99 Riverlog/Kafka",
                  "range", "rec/s reached, Riverlog / Kafka", "CPU s / M records, Riverlog / Kafka", "pairs"], rows)


def cold_table(facts):
    rows = []
    for case, figure, label in THROUGHPUT_ROWS:
        case_pairs = pairs(facts, "cold", case)
        for p in case_pairs.values():
            row = [label, fmt_int(p["riverlog"][figure]), fmt_int(p["kafka"][figure]),
                   fmt(p["riverlog"][figure] / p["kafka"][figure])]
            row += [fmt(cpu_s_per_million(p[b])) if figure == "rec_s" else "" for b in BROKERS]
            rows.append(row)
    return table(["case", "Riverlog rec/s", "Kafka rec/s", "Riverlog/Kafka", "Riverlog CPU s / M records",
                  "Kafka CPU s / M records"], rows)


def cold_first(facts):
    firsts = {r["first"] for r in runs(facts, "cold")}
    return f"{'Riverlog' if firsts == {'riverlog'} else 'Kafka'} running first" if len(firsts) == 1 else "?"


def other_lines(facts):
    lines = []
    by_broker = {b: {} for b in BROKERS}
    for kind, f in facts:
        if kind in ("HEAP", "IDLE"):
            by_broker[f["broker"]][kind] = f
    for broker, name in (("riverlog", "Riverlog"), ("kafka", "Kafka")):
        heap = by_broker[broker].get("HEAP")
        if heap:
            peak = heap.get("peak_mib")
            peak_text = f"at most {fmt_int(peak)} MiB in use before a collection" if peak else "no collection logged"
            setting = heap["setting"].replace(",", " ")
            lines.append(f"- {name} heap: `{setting}`; {peak_text}.")
    idle = idle_ms_per_s(facts)
    if len(idle) == len(BROKERS):
        lines.append(f"- Broker CPU while idle, in every CPU figure above: Riverlog {idle['riverlog']:.0f} ms/s, "
                     f"Kafka {idle['kafka']:.0f} ms/s.")
    for kind, f in facts:
        if kind == "RECOVERY":
            lines.append(f"- Riverlog, first served fetch after `kill -9` with {fmt_int(f['mib'])} MiB "
                         f"({fmt_int(f['on_disk_mib'])} MiB on disk): {fmt_int(f['first_fetch_ms'])} ms from process start"
                         + ("" if f["status"] == "ok" else " (FAILED)") + ".")
    failed = [r for kind, r in facts if kind == "RUN" and r["status"] != "ok"]
    if failed:
        lines.append("- Runs that failed or fell short, left out of the tables: " + ", ".join(
            f"{r['phase']} {int(r['round'])} {r['case']} {r['broker']} ({r['status']})" for r in failed) + ".")
    return "\n".join(lines)


def summary(facts):
    m = meta(facts)
    out = [
        f"### Riverlog against Apache Kafka 4.4.0: {m.get('date', '?')}, commit `{m.get('commit', '?')}`",
        "",
        f"{m.get('cores', '?')} cores ({m.get('cpu', '?')}), {m.get('memory', '?')}, {m.get('java', '?')}; "
        f"load average {m.get('load_at_start', '?')} at the start, {m.get('load_at_end', '?')} at the end. "
        f"Settings: {m.get('settings', '?')}.",
        "",
        "Throughput, both brokers warm: each broker's median, and the median and range of the pairwise "
        "ratios.",
        "",
        throughput_table(facts),
        "",
        "Broker CPU (the broker process's user + system time from the start of the tool's run to its end) "
        "per million records, user and system apart, and per GB of record values; the ratio is the median "
        "and range of the pairwise ratios of CPU per record; the last column takes out of each run what the "
        "broker uses idle in as long.",
        "",
        cpu_table(facts),
        "",
    ]
    jit = jit_table(facts)
    if jit:
        out += ["How warm each broker was: the share of its CPU in the measured runs that its JIT compiler "
                "threads spent (counted in the CPU figures above; a few per cent at most when warm).", "", jit, ""]
    machine = machine_table(facts)
    if machine:
        idle_machine = [f["busy_ms"] / f["seconds"] for kind, f in facts if kind == "IDLE_MACHINE"]
        idle_text = (f" The machine is busy {idle_machine[0]:.0f} ms/s with both brokers idle; that is in "
                     "every figure of the run." if idle_machine else "")
        out += ["Whole machine per million records: during the run, and for writing back afterwards. The busy "
                "CPU of all cores (every process: the broker, the client tool, the other broker idling, the "
                "kernel's threads) from the start of the run to its end, and during the `sync` right after it, "
                "which writes back what the run left in the page cache (Kafka leaves its writes to the kernel; "
                "Riverlog fsyncs before acknowledging, so its writing is already in its own system time). The "
                "ratio is the median and range of the pairwise ratios of (run + write-back) per record; \"sync "
                f"ms\" is the median time the sync took.{idle_text}",
                "", machine, ""]
    if runs(facts, "latency"):
        out += [f"Produce latency at fixed rates (100 B records, shares of Kafka's peak "
                f"{fmt_int(float(m['latency_peak_rec_s']))} rec/s, its median case-a rate above): medians over the pairs.",
                "", latency_table(facts), ""]
    out += ["Every pair's throughput ratio, Riverlog/Kafka (R or K: which broker ran first):", "",
            pair_ratio_table(facts), "",
            f"Cold first round (both JVMs fresh, {cold_first(facts)}; not in the figures above):", "",
            cold_table(facts), "",
            other_lines(facts), ""]
    return "\n".join(out)


def kafka_peak(facts):
    rates = [r["rec_s"] for r in runs(facts, "measure")
             if r["broker"] == "kafka" and r["case"] == "a" and r["status"] == "ok"]
    return f"{statistics.median(rates):.0f}" if rates else ""


def main(argv):
    if len(argv) != 3 or argv[1] not in ("summary", "kafka-peak"):
        sys.exit(__doc__)
    facts = read_facts(argv[2])
    print(summary(facts) if argv[1] == "summary" else kafka_peak(facts))


if __name__ == "__main__":
    main(sys.argv)
