#!/usr/bin/env bash
# Log compaction on Riverlog (issue #15): how far a compacted topic shrinks, how fast the log
# cleaner reads, and what a compaction running in the background does to produce latency.
#
# For each cleaner budget in BUDGETS, a fresh broker with riverlog.cleaner.check-interval = 1s:
#   size:    a topic with cleanup.policy=compact, 1 partition, segment.bytes=SEGMENT_MIB MiB gets
#            TOTAL_MIB MiB of values in updates of KEYS keys (VALUE_BYTES each, the keys in turn;
#            io.riverlog.bench.KeyedUpdates, acks=all), while the cleaner compacts the rolled
#            segments; then max.compaction.lag.ms=1000 and one more record roll the active segment,
#            so that all of it is compactable, and the partition's size is polled until it is within
#            LIVE_MARGIN of the live size (KEYS x (key + value)). Every compaction is taken from the
#            broker's log line ("Compacted partition ...": bytes, records, ms, MB/s read).
#   latency: PAIRS pairs of windows A and B. Before each pair a topic of cleanup.policy=delete is
#            filled as the size topic was. In a window, Kafka's ProducerPerformance sends LATENCY_RATE
#            rec/s of LATENCY_RECORD_BYTES (acks=all) into a fresh plain topic for WARMUP_SECONDS (its
#            warm-up, reported apart) + LATENCY_SECONDS; 2 s into that, io.riverlog.bench.AlterTopicAt
#            (started with the window) sets the filled topic's cleanup.policy: to delete, as it is, in
#            A; to compact in B, so that the cleaner compacts the whole filled topic during the window
#            (checked from the broker's log). Which window goes first alternates. The summary gives
#            the median and range of the pairwise p99 ratios B/A, and the broker's CPU.
# Method and figures: bench/README.md, "Log compaction". Kafka's tools come from Maven Central
# (bench/apache-kafka/pom.xml), as for bench/compare-kafka.sh.
#
# Usage: bench/compaction.sh [-h]
#   A full run takes about 20 minutes on 2 cores. A smoke run, to see that it works end to end:
#   TOTAL_MIB=128 SEGMENT_MIB=16 PAIRS=1 WARMUP_SECONDS=5 LATENCY_SECONDS=15 bench/compaction.sh
#
# Environment (default):
#   BUDGETS ("default 0")    riverlog.cleaner.io-bytes-per-second of each broker run: "default" leaves
#                            reference.conf's (64 MiB); 0 is no limit; any other value is written as is
#   TOTAL_MIB (1024)         MiB of values per filled topic
#   KEYS (10000), VALUE_BYTES (1024), SEGMENT_MIB (64)
#   LIVE_MARGIN (1.10)       the size phase waits until the log is at most this times the live size
#   COMPACT_TIMEOUT_S (300)  ... and gives up after this long; so does a window's wait for its compaction
#   PAIRS (3)                pairs of latency windows per budget; 0 skips the latency phase
#   WARMUP_SECONDS (10), LATENCY_SECONDS (50)  of each window: the producer's warm-up, then what counts
#   LATENCY_RATE (10000), LATENCY_RECORD_BYTES (1024), LATENCY_PARTITIONS (3)
#   PORT (19092)             Riverlog's Kafka port
#   RIVERLOG_HEAP (512m), CLIENT_HEAP (1g), KAFKA_LIB (bench/apache-kafka/target/lib)
#   RESULTS (/tmp/riverlog-compaction/DATE)  runs.txt (one line per fact), summary.md, logs/, and each
#                            broker's output and GC log in riverlog-BUDGET/
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/bench/lib/brokers.sh"
answer_help "$0" "$@"
source "$ROOT/bench/lib/measure.sh"

BUDGETS=${BUDGETS-default 0}
TOTAL_MIB=${TOTAL_MIB:-1024}
KEYS=${KEYS:-10000}
VALUE_BYTES=${VALUE_BYTES:-1024}
SEGMENT_MIB=${SEGMENT_MIB:-64}
LIVE_MARGIN=${LIVE_MARGIN:-1.10}
COMPACT_TIMEOUT_S=${COMPACT_TIMEOUT_S:-300}
PAIRS=${PAIRS:-3}
WARMUP_SECONDS=${WARMUP_SECONDS:-10}
LATENCY_SECONDS=${LATENCY_SECONDS:-50}
LATENCY_RATE=${LATENCY_RATE:-10000}
LATENCY_RECORD_BYTES=${LATENCY_RECORD_BYTES:-1024}
LATENCY_PARTITIONS=${LATENCY_PARTITIONS:-3}
PORT=${PORT:-19092}
RESULTS=${RESULTS:-/tmp/riverlog-compaction/$(date +%Y%m%d-%H%M%S)}
BOOTSTRAP=127.0.0.1:$PORT
BENCH_JAR=$ROOT/bench/target/benchmarks.jar
KEY_BYTES=11 # KeyedUpdates' keys: key-%07d
[ -n "$BUDGETS" ] || { echo "BUDGETS is empty" >&2; exit 2; }

open_results "$RESULTS"

# ---------------------------------------------------------------- processes

CLIENT_PID=
ALTER_PID=
BROKER_DIR=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pid "$CLIENT_PID"
  stop_pid "$ALTER_PID"
  stop_riverlog
  # The logs stay; the broker's data (gigabytes) goes unless KEEP_DATA=1.
  [ "${KEEP_DATA:-0}" = 1 ] || rm -rf "$RESULTS"/riverlog-*/data
  [ $rc = 0 ] || say "stopped (exit $rc); what was measured so far is in $RUNS_FILE"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Riverlog's jar and the benchmarks' jar (KeyedUpdates), built if missing or older than the sources.
build() {
  local stale=0 jar
  for jar in "$RIVERLOG_JAR" "$BENCH_JAR"; do
    [ -f "$jar" ] && [ -z "$(find "$ROOT" -path '*/src/main/*' -newer "$jar" -print -quit)" ] || stale=1
  done
  [ $stale = 0 ] && return 0
  say "building Riverlog and the benchmarks (mvn -B -q -DskipTests -pl api,bench -am package)"
  (cd "$ROOT" && mvn -B -q -DskipTests -pl api,bench -am package) >&2
}

keyed_updates() { # LOG TOPIC VALUE_BYTES_TOTAL
  in_background "$1" java -Xms256m -Xmx"${CLIENT_HEAP:-1g}" -cp "$BENCH_JAR" io.riverlog.bench.KeyedUpdates \
    "$BOOTSTRAP" "$2" "$3" "$KEYS" "$VALUE_BYTES"
}

create_topic() { # TOPIC PARTITIONS [name=value ...]
  local topic=$1 partitions=$2 setting
  local -a configs=()
  shift 2
  for setting in "$@"; do configs+=(--config "$setting"); done
  in_background "$RESULTS/logs/topic-create.log" kafka_tool org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "$BOOTSTRAP" --create --topic "$topic" --partitions "$partitions" --replication-factor 1 \
    "${configs[@]}" || die "could not create $topic, see $RESULTS/logs/topic-create.log"
}

delete_topic() { # TOPIC
  in_background "$RESULTS/logs/topic-delete.log" kafka_tool org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "$BOOTSTRAP" --delete --topic "$1" || say "could not delete $1"
}

alter_topic() { # LOG TOPIC name=value[,name=value]
  kafka_tool org.apache.kafka.tools.ConfigCommand --bootstrap-server "$BOOTSTRAP" --alter --entity-type topics \
    --entity-name "$2" --add-config "$3" >"$1" 2>&1
}

# The bytes of the partition's segments (its .log files), as DescribeLogDirs counts a partition's size.
log_bytes() { # TOPIC
  find "$BROKER_DIR/data/topics/$1-0" -maxdepth 1 -name '*.log' -printf '%s\n' 2>/dev/null | awk '{s += $1} END {print s + 0}'
}

# The size of the newest segment, the active one.
active_bytes() { # TOPIC
  find "$BROKER_DIR/data/topics/$1-0" -maxdepth 1 -name '*.log' -printf '%f %s\n' | sort | tail -1 | cut -d' ' -f2
}

# The size the broker reports for the partition (DescribeLogDirs, through Kafka's LogDirsCommand).
broker_reported_bytes() { # TOPIC
  kafka_tool org.apache.kafka.tools.LogDirsCommand --bootstrap-server "$BOOTSTRAP" --describe --topic-list "$1" \
    2>"$RESULTS/logs/logdirs.err" | python3 -c '
import json, sys
for line in sys.stdin:
    if line.startswith("{"):
        for broker in json.loads(line)["brokers"]:
            for d in broker["logDirs"]:
                for p in d["partitions"]:
                    print(p["size"])' | head -1
}

broker_log() { echo "$BROKER_DIR/riverlog.out"; }
log_lines() { wc -l <"$(broker_log)"; }

# compaction_lines TOPIC SINCE: the cleaner's lines about TOPIC-0 after line SINCE of the broker's
# output, as name=value fields: when it ended (epoch ms), bytes and records before and after, keys,
# ms and MB/s read.
compaction_lines() {
  tail -n +"$(($2 + 1))" "$(broker_log)" | python3 -c '
import re, sys, datetime
pattern = re.compile(r"^(\S+) INFO\s+\S+ - Compacted partition " + re.escape(sys.argv[1]) + r"-0: (\d+) bytes to (\d+) bytes,"
                     r" (\d+) records to (\d+) \((\d+) keys\), in (\d+) ms \((\d+) MB/s read\)")
for line in sys.stdin:
    m = pattern.match(line)
    if m:
        end = int(datetime.datetime.fromisoformat(m.group(1)).timestamp() * 1000)
        print("end_ms=%d bytes_before=%s bytes_after=%s records_before=%s records_after=%s keys=%s ms=%s mb_s=%s"
              % ((end,) + m.groups()[1:]))' "$1"
}

# Whatever else the cleaner said about TOPIC after line SINCE (not swapped in, failed, damaged).
cleaner_trouble() { # TOPIC SINCE
  tail -n +"$(($2 + 1))" "$(broker_log)" | grep -E "(Compaction of|compacted until).*$1-0" || true
}

record_compactions() { # TOPIC SINCE PREFIX
  local line
  while read -r line; do
    [ -n "$line" ] && record "COMPACTION $3 $line"
  done < <(compaction_lines "$1" "$2")
  while read -r line; do
    [ -n "$line" ] && record "CLEANER_NOTE $3 text=$(echo "$line" | tr ' ' '_')"
  done < <(cleaner_trouble "$1" "$2")
  return 0
}

# fill LOG TOPIC: TOTAL_MIB of keyed updates into TOPIC, and a PRODUCE line with the rate and the
# broker's CPU time.
fill() { # BUDGET PHASE TOPIC
  local budget=$1 phase=$2 topic=$3 log cpu_before cpu_after rc=0 figures
  log=$RESULTS/logs/$budget-$phase-$topic.log
  read -r -a cpu_before <<<"$(process_cpu_ms "$RIVERLOG_PID")"
  keyed_updates "$log" "$topic" $((TOTAL_MIB * 1048576)) || rc=$?
  read -r -a cpu_after <<<"$(process_cpu_ms "$RIVERLOG_PID")"
  figures=$(grep '^RESULT ' "$log" | sed 's/^RESULT //' || true)
  [ $rc = 0 ] && [ -n "$figures" ] || die "producing into $topic failed (exit $rc), see $log"
  record "PRODUCE budget=$budget phase=$phase topic=$topic $figures cpu_user_ms=$((cpu_after[0] - cpu_before[0]))" \
    "cpu_sys_ms=$((cpu_after[1] - cpu_before[1])) load1=$(cut -d' ' -f1 /proc/loadavg)"
}

# ---------------------------------------------------------------- size

# How far the compacted topic shrinks: produce, roll the active segment, poll the size.
size_phase() {
  local budget=$1 topic=updates since live target after_produce started size tries=0 waited status reported
  say "$budget: size: $TOTAL_MIB MiB of updates over $KEYS keys into a compacted topic"
  create_topic "$topic" 1 cleanup.policy=compact segment.bytes=$((SEGMENT_MIB * 1048576))
  since=$(log_lines)
  fill "$budget" size "$topic"
  after_produce=$(log_bytes "$topic")
  # The active segment is never compacted: a max.compaction.lag.ms of 1 s makes it roll at the next
  # append (once its first append is a second old) and makes any dirty segment due at once.
  alter_topic "$RESULTS/logs/$budget-size-alter.log" "$topic" max.compaction.lag.ms=1000 ||
    die "could not alter $topic, see $RESULTS/logs/$budget-size-alter.log"
  while :; do
    keyed_updates "$RESULTS/logs/$budget-size-roll.log" "$topic" "$VALUE_BYTES" ||
      die "could not produce into $topic, see $RESULTS/logs/$budget-size-roll.log"
    # Rolled: the active segment holds that one record only.
    (($(active_bytes "$topic") < VALUE_BYTES + 512)) && break
    ((++tries < 10)) || die "the active segment of $topic did not roll"
    sleep 1
  done
  live=$((KEYS * (KEY_BYTES + VALUE_BYTES)))
  target=$(python3 -c "print(int($live * $LIVE_MARGIN))")
  started=$(now_ms)
  status=timeout
  while (($(now_ms) - started < COMPACT_TIMEOUT_S * 1000)); do
    size=$(log_bytes "$topic")
    ((size <= target)) && { status=ok; break; }
    kill -0 "$RIVERLOG_PID" 2>/dev/null || die "the broker ended during the size phase"
    sleep 0.5
  done
  waited=$(($(now_ms) - started))
  size=$(log_bytes "$topic")
  reported=$(broker_reported_bytes "$topic" || true)
  record "SIZE budget=$budget value_bytes=$((TOTAL_MIB * 1048576)) keys=$KEYS record_value_bytes=$VALUE_BYTES" \
    "key_bytes=$KEY_BYTES bytes_after_produce=$after_produce bytes_final=$size broker_reported_bytes=${reported:-0}" \
    "live_bytes=$live target_bytes=$target ms_to_target=$waited status=$status"
  record_compactions "$topic" "$since" "budget=$budget phase=size pair=0 kind=-"
  [ $status = ok ] || say "$budget: the compacted topic is still $size bytes after ${COMPACT_TIMEOUT_S}s (live: $live)"
  delete_topic "$topic"
}

# ---------------------------------------------------------------- latency

# producer_figures LOG: ProducerPerformance's steady-state line (the records after its warm-up), as
# name=value pairs.
producer_figures() {
  grep -E '^[0-9]+ steady state records sent, .* 99\.9th' "$1" | tail -1 | sed -nE 's/^([0-9]+) steady state records sent, ([0-9.]+) records\/sec \(([0-9.]+) MB\/sec\), ([0-9.]+) ms avg latency, ([0-9.]+) ms max latency, ([0-9]+) ms 50th, ([0-9]+) ms 95th, ([0-9]+) ms 99th, ([0-9]+) ms 99\.9th.*/count=\1 rec_s=\2 mb_s=\3 avg_ms=\4 max_ms=\5 p50_ms=\6 p95_ms=\7 p99_ms=\8 p999_ms=\9/p'
}

# window BUDGET PAIR KIND FIRST: one latency window. ProducerPerformance runs for WARMUP_SECONDS +
# LATENCY_SECONDS at LATENCY_RATE and reports the records after its first WARMUP_SECONDS apart (its
# steady state). 2 s after the warm-up (the producer's JVM takes about a second to start sending),
# AlterTopicAt, connected since the window began, sets the filled topic's cleanup.policy: in A to
# delete, as it is (nothing to compact), in B to compact. The broker's CPU is counted from that
# moment to the end of the window.
window() {
  local budget=$1 pair=$2 kind=$3 first=$4 fill_topic=fill-$2 topic=lat-$2-$3 policy since log alter_log
  local cpu_before cpu_after busy_before started at ended rc=0 figures status compactions waited sent
  [ "$kind" = B ] && policy=compact || policy=delete
  log=$RESULTS/logs/$budget-window$pair-$kind.log
  alter_log=$RESULTS/logs/$budget-window$pair-$kind-alter.log
  create_topic "$topic" "$LATENCY_PARTITIONS"
  sync
  since=$(log_lines)
  started=$(now_ms)
  at=$((started + WARMUP_SECONDS * 1000 + 2000))
  kafka_tool org.apache.kafka.tools.ProducerPerformance --bootstrap-server "$BOOTSTRAP" --topic "$topic" \
    --num-records $((LATENCY_RATE * (WARMUP_SECONDS + LATENCY_SECONDS))) --warmup-records $((LATENCY_RATE * WARMUP_SECONDS)) \
    --record-size "$LATENCY_RECORD_BYTES" --throughput "$LATENCY_RATE" \
    --command-property acks=all linger.ms=5 batch.size=65536 >"$log" 2>&1 &
  CLIENT_PID=$!
  java -Xmx128m -cp "$BENCH_JAR" io.riverlog.bench.AlterTopicAt "$BOOTSTRAP" "$fill_topic" "$at" \
    cleanup.policy=$policy >"$alter_log" 2>&1 &
  ALTER_PID=$!
  # Not a pause to let something happen: the moment from which the broker's CPU is counted.
  local ms=$((at - $(now_ms)))
  ((ms <= 0)) || sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
  read -r -a cpu_before <<<"$(process_cpu_ms "$RIVERLOG_PID")"
  busy_before=$(machine_busy_ms)
  at=$(now_ms)
  wait "$ALTER_PID" || rc=$?
  ALTER_PID=
  wait "$CLIENT_PID" || rc=$?
  CLIENT_PID=
  ended=$(now_ms)
  kill -0 "$RIVERLOG_PID" 2>/dev/null || die "the broker ended during window $pair $kind"
  read -r -a cpu_after <<<"$(process_cpu_ms "$RIVERLOG_PID")"
  local busy=$(($(machine_busy_ms) - busy_before)) load1
  load1=$(cut -d' ' -f1 /proc/loadavg)
  figures=$(producer_figures "$log" || true)
  sent=$(sed -nE 's/^RESULT sent_ms=([0-9]+).*/\1/p' "$alter_log")
  compactions=$(compaction_lines "$fill_topic" "$since" | wc -l)
  status=ok
  if [ $rc != 0 ] || [ -z "$figures" ] || [ -z "$sent" ]; then
    status=failed
  elif [ "$kind" = B ] && [ "$compactions" = 0 ]; then
    status=compaction_outlasted_window
  elif [ "$kind" = A ] && [ "$compactions" != 0 ]; then
    status=compaction_in_A
  fi
  record "WINDOW budget=$budget pair=$pair kind=$kind first=$first target_rec_s=$LATENCY_RATE" \
    "record_bytes=$LATENCY_RECORD_BYTES started_ms=$started cpu_from_ms=$at alter_sent_ms=${sent:-0} ended_ms=$ended" \
    "cpu_user_ms=$((cpu_after[0] - cpu_before[0])) cpu_sys_ms=$((cpu_after[1] - cpu_before[1]))" \
    "machine_busy_ms=$busy load1=$load1 compactions_in_window=$compactions $figures status=$status"
  [ $status = ok ] || say "$budget window $pair $kind: $status, see $log and $alter_log"
  if [ "$kind" = B ] && [ "$compactions" = 0 ]; then
    # Not into the next window: wait for the compaction to end.
    waited=$(now_ms)
    while (($(now_ms) - waited < COMPACT_TIMEOUT_S * 1000)) && [ -z "$(compaction_lines "$fill_topic" "$since")" ]; do
      sleep 0.5
    done
  fi
  record_compactions "$fill_topic" "$since" "budget=$budget phase=window pair=$pair kind=$kind"
  delete_topic "$topic"
}

latency_phase() {
  local budget=$1 pair
  for ((pair = 1; pair <= PAIRS; pair++)); do
    say "$budget: latency pair $pair of $PAIRS: filling fill-$pair"
    create_topic "fill-$pair" 1 cleanup.policy=delete segment.bytes=$((SEGMENT_MIB * 1048576))
    fill "$budget" fill "fill-$pair"
    if ((pair % 2)); then
      say "$budget: pair $pair, A (no compaction) first"
      window "$budget" "$pair" A A
      window "$budget" "$pair" B A
    else
      say "$budget: pair $pair, B (compaction) first"
      window "$budget" "$pair" B B
      window "$budget" "$pair" A B
    fi
    delete_topic "fill-$pair"
  done
}

# ---------------------------------------------------------------- main

describe_machine() {
  record_machine
  record "META load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)"
  record "META default_budget=$(sed -nE 's/^ *io-bytes-per-second = (.*)$/\1/p' "$ROOT/actors/src/main/resources/reference.conf" | head -1)"
  record "META settings=BUDGETS='$BUDGETS' TOTAL_MIB=$TOTAL_MIB KEYS=$KEYS VALUE_BYTES=$VALUE_BYTES" \
    "SEGMENT_MIB=$SEGMENT_MIB LIVE_MARGIN=$LIVE_MARGIN PAIRS=$PAIRS WARMUP_SECONDS=$WARMUP_SECONDS" \
    "LATENCY_SECONDS=$LATENCY_SECONDS" \
    "LATENCY_RATE=$LATENCY_RATE LATENCY_RECORD_BYTES=$LATENCY_RECORD_BYTES LATENCY_PARTITIONS=$LATENCY_PARTITIONS"
  record "META riverlog_heap=-Xmx$RIVERLOG_HEAP"
}

build
fetch_kafka
say "results in $RESULTS"
describe_machine

for budget in $BUDGETS; do
  BROKER_DIR=$RESULTS/riverlog-$budget
  mkdir -p "$BROKER_DIR"
  {
    echo 'riverlog.cleaner.check-interval = 1s'
    [ "$budget" = default ] || echo "riverlog.cleaner.io-bytes-per-second = $budget"
  } >"$BROKER_DIR/riverlog.conf"
  say "$budget: starting Riverlog on $BOOTSTRAP ($(paste -sd';' "$BROKER_DIR/riverlog.conf"))"
  start_riverlog "$BROKER_DIR" "$PORT" "$BROKER_DIR/riverlog.conf"
  size_phase "$budget"
  ((PAIRS == 0)) || latency_phase "$budget"
  record "HEAP budget=$budget peak_mib=$(grep -oE '[0-9]+M->[0-9]+M\([0-9]+M\)' "$BROKER_DIR/gc.log" | sed -E 's/M->.*//' | sort -n | tail -1)"
  stop_riverlog
  [ "${KEEP_DATA:-0}" = 1 ] || rm -rf "${BROKER_DIR:?}/data"
done
record "META load_at_end=$(cut -d' ' -f1-3 /proc/loadavg)"

python3 "$ROOT/bench/compaction-summary.py" "$RUNS_FILE" >"$RESULTS/summary.md"
cat "$RESULTS/summary.md"
say "raw lines in $RUNS_FILE, tool output in $RESULTS/logs, broker output in $RESULTS/riverlog-*/, summary in $RESULTS/summary.md"
