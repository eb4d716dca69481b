#!/usr/bin/env python3
"""The summary of bench/compaction.sh, in Markdown, from the lines it writes to runs.txt.

    compaction-summary.py RUNS_FILE

runs.txt holds one line per fact, the kind first, then name=value pairs:

    META name=value                        (one per line; the value may hold spaces)
    PRODUCE budget=B phase=size|fill topic=T <KeyedUpdates' RESULT figures> cpu_user_ms cpu_sys_ms load1
    SIZE budget=B value_bytes keys record_value_bytes key_bytes bytes_after_produce bytes_final
        broker_reported_bytes live_bytes target_bytes ms_to_target status=ok|timeout
    COMPACTION budget=B phase=size|window pair=N kind=A|B|- end_ms bytes_before bytes_after
        records_before records_after keys ms mb_s      (one per "Compacted partition" line of the broker)
    CLEANER_NOTE budget=B phase=... text=...           (the cleaner's other lines about the topic)
    WINDOW budget=B pair=N kind=A|B first=A|B target_rec_s record_bytes started_ms cpu_from_ms alter_sent_ms
        ended_ms cpu_user_ms cpu_sys_ms machine_busy_ms load1 compactions_in_window
        <ProducerPerformance's steady-state figures> status=ok|failed|compaction_outlasted_window|compaction_in_A
    HEAP budget=B peak_mib=N

A budget is the broker's riverlog.cleaner.io-bytes-per-second ("default": reference.conf's). MB/s are
10^6 bytes per second, as the broker's line gives them; "MB/s read" there is every byte the cleaner
read (the dirty part once to map its keys, then every segment it rewrote) over the whole turn, from
asking the partition for a plan until the result was swapped in.
"""
import statistics
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "lib"))
from runs_file import read_facts  # noqa: E402  (bench/lib is not a package on the path)


def budget_label(budget, meta):
    budget = str(budget)
    if budget == "default":
        return "default (%s)" % meta.get("default_budget", "?")
    if budget in ("0", "0.0"):
        return "0 (no limit)"
    return budget


def num(x, digits=0):
    if x is None:
        return "—"
    return f"{x:,.{digits}f}"


def mib(b):
    return num(b / 1048576, 1) + " MiB"


def median_range(values, digits=2):
    if not values:
        return "—", "—"
    return num(statistics.median(values), digits), f"{num(min(values), digits)}–{num(max(values), digits)}"


def read_mb(c):
    """Bytes the cleaner read, in MB, from its MB/s (rounded down by the broker) and ms."""
    return c["mb_s"] * c["ms"] / 1000


def summary(path):
    facts = read_facts(path)
    meta = {}
    for kind, f in facts:
        if kind == "META":
            meta.update(f)
    of = defaultdict(list)
    for kind, f in facts:
        of[kind].append(f)
    budgets = []
    for f in of["PRODUCE"] + of["SIZE"] + of["WINDOW"]:
        b = str(f["budget"]).replace(".0", "") if isinstance(f["budget"], float) else f["budget"]
        f["budget"] = b
        if b not in budgets:
            budgets.append(b)
    for f in of["COMPACTION"] + of["HEAP"] + of["CLEANER_NOTE"]:
        if isinstance(f["budget"], float):
            f["budget"] = str(f["budget"]).replace(".0", "")

    out = []
    out.append(f"{meta.get('date', '?')}, commit `{meta.get('commit', '?')}`; {meta.get('cores', '?')} cores "
               f"({meta.get('cpu', '?')}), {meta.get('memory', '?')}, {meta.get('java', '?')}; load average "
               f"{meta.get('load_at_start', '?')} at the start, {meta.get('load_at_end', '?')} at the end. "
               f"Settings: {meta.get('settings', '?')}.")
    out.append("")

    # ---- size
    out.append("Size: the compacted topic, written while the cleaner runs, then rolled and compacted to the end. "
               "\"Live\" is keys × (key + value) bytes; a record on disk adds its own header and its batch's "
               "share of a batch header. Cleaner MB/s: all bytes read over all compaction turns of the phase "
               "(the median of single compactions in brackets).")
    out.append("")
    out.append("| budget | values written | produce rec/s (MB/s) | log at end of produce | log after compaction "
               "(broker's DescribeLogDirs) | live | after / live | roll to target | compactions | cleaner read | "
               "cleaner MB/s |")
    out.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for b in budgets:
        for s in [f for f in of["SIZE"] if f["budget"] == b]:
            p = next((f for f in of["PRODUCE"] if f["budget"] == b and f["phase"] == "size"), None)
            cs = [c for c in of["COMPACTION"] if c["budget"] == b and c["phase"] == "size"]
            total_ms = sum(c["ms"] for c in cs)
            total_read = sum(read_mb(c) for c in cs)
            agg = total_read / (total_ms / 1000) if total_ms else None
            med = statistics.median([c["mb_s"] for c in cs]) if cs else None
            produce = f"{num(p['rec_s'])} ({num(p['mb_s'], 1)})" if p else "—"
            status = "" if s["status"] == "ok" else f" ({s['status']})"
            out.append(f"| {budget_label(b, meta)} | {mib(s['value_bytes'])}, {num(p['records']) if p else '?'} records "
                       f"over {num(s['keys'])} keys | {produce} | {mib(s['bytes_after_produce'])} | "
                       f"{num(s['bytes_final'])} B ({num(s['broker_reported_bytes'])} B) | {num(s['live_bytes'])} B | "
                       f"{num(s['bytes_final'] / s['live_bytes'], 3)} | {num(s['ms_to_target'] / 1000, 1)} s{status} | "
                       f"{len(cs)} | {num(total_read)} MB | {num(agg, 1)} ({num(med)}) |")
    out.append("")

    # ---- whole-log compactions of the B windows
    windows = of["WINDOW"]
    if windows:
        out.append("Whole-log compactions: the filled topic of each pair, compacted in its window B while the latency "
                   "producer runs. Start and end of the compaction (its turn: the plan asked for, the log read and "
                   "rewritten, the result swapped in) are seconds after its topic became compacted; the window "
                   "ends at the time in the last column.")
        out.append("")
        out.append("| budget | pair | bytes before → after | records before → after | ms | MB/s read | start – end, s | "
                   "window ends, s |")
        out.append("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for b in budgets:
            for w in [w for w in windows if w["budget"] == b and w["kind"] == "B"]:
                for c in [c for c in of["COMPACTION"] if c["budget"] == b and c["phase"] == "window"
                          and c["pair"] == w["pair"]]:
                    start = (c["end_ms"] - c["ms"] - w["alter_sent_ms"]) / 1000
                    end = (c["end_ms"] - w["alter_sent_ms"]) / 1000
                    window_end = (w["ended_ms"] - w["alter_sent_ms"]) / 1000
                    out.append(f"| {budget_label(b, meta)} | {int(w['pair'])} | {mib(c['bytes_before'])} → "
                               f"{mib(c['bytes_after'])} | {num(c['records_before'])} → {num(c['records_after'])} | "
                               f"{num(c['ms'])} | {num(c['mb_s'])} | {start:.1f} – {end:.1f} | {window_end:.1f} |")
        out.append("")

        # ---- latency
        out.append("Produce latency, ProducerPerformance's steady-state figures (the records after its warm-up; send "
                   "to acknowledgement): medians over the pairs; the ratio is the median and range of the pairwise "
                   "p99 ratios B/A. Broker CPU is the broker process's user + system time per second, from the "
                   "moment the topic's policy was set to the end of the window.")
        out.append("")
        out.append("| budget | A: p50 / p99 / p99.9 ms | B: p50 / p99 / p99.9 ms | p99 B/A | range | rec/s A / B | "
                   "broker CPU ms/s A / B | load average (1 min) A / B | pairs |")
        out.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        per_pair_rows = []
        for b in budgets:
            pairs = defaultdict(dict)
            for w in windows:
                if w["budget"] == b:
                    pairs[int(w["pair"])][w["kind"]] = w
            good = {n: p for n, p in pairs.items()
                    if "A" in p and "B" in p and p["A"]["status"] == "ok" and p["B"]["status"] == "ok"}
            if not good:
                continue

            def med(kind, field):
                return statistics.median([p[kind][field] for p in good.values()])

            def cpu(w):
                return (w["cpu_user_ms"] + w["cpu_sys_ms"]) / ((w["ended_ms"] - w["cpu_from_ms"]) / 1000)

            ratios = [p["B"]["p99_ms"] / p["A"]["p99_ms"] for p in good.values()]
            m, r = median_range(ratios)
            out.append(f"| {budget_label(b, meta)} | {num(med('A', 'p50_ms'))} / {num(med('A', 'p99_ms'))} / "
                       f"{num(med('A', 'p999_ms'))} | {num(med('B', 'p50_ms'))} / {num(med('B', 'p99_ms'))} / "
                       f"{num(med('B', 'p999_ms'))} | **{m}** | {r} | {num(med('A', 'rec_s'))} / {num(med('B', 'rec_s'))} | "
                       f"{num(statistics.median([cpu(p['A']) for p in good.values()]))} / "
                       f"{num(statistics.median([cpu(p['B']) for p in good.values()]))} | "
                       f"{num(med('A', 'load1'), 2)} / {num(med('B', 'load1'), 2)} | {len(good)} |")
            cells = []
            for n in sorted(pairs):
                p = pairs[n]
                if "A" in p and "B" in p:
                    first = p["A"]["first"]
                    mark = "" if n in good else f" ({p['A']['status']}/{p['B']['status']})"
                    cells.append(f"pair {n} ({first} first): {p['A']['p99_ms']:.0f} → {p['B']['p99_ms']:.0f} ms, "
                                 f"{p['B']['p99_ms'] / p['A']['p99_ms']:.2f}{mark}")
            per_pair_rows.append(f"- {budget_label(b, meta)}: " + "; ".join(cells))
        out.append("")
        out.append("Every pair, p99 A → B and the ratio:")
        out.append("")
        out.extend(per_pair_rows)
        out.append("")

    for f in of["HEAP"]:
        out.append(f"- Heap, {budget_label(f['budget'], meta)}: at most {num(f.get('peak_mib'))} MiB in use before a "
                   f"collection, in -Xmx{meta.get('riverlog_heap', '?').replace('-Xmx', '')}.")
    notes = of["CLEANER_NOTE"]
    bad = [w for w in of["WINDOW"] if w["status"] != "ok"]
    for w in bad:
        out.append(f"- Window {int(w['pair'])} {w['kind']} ({budget_label(w['budget'], meta)}): {w['status']}.")
    for n in notes:
        out.append(f"- The cleaner ({budget_label(n['budget'], meta)}, {n['phase']}): {n['text'].replace('_', ' ')}")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.stdout.write(summary(sys.argv[1]))
