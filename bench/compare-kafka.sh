#!/usr/bin/env bash
# Riverlog against Apache Kafka 4.4.0 on this machine, with Kafka's own perf tools, measured so that
# the figures can be trusted: both brokers run at once; both are warmed with every case before
# anything counts (the first, cold round is reported apart); then each case runs in pairs, one
# broker right after the other, alternating which goes first. Per case: each broker's median
# throughput, the median and range of the pairwise ratios Riverlog/Kafka, each broker's own CPU
# time (user and system) per million records and per GB, and the whole machine's CPU per million
# records during the run and for writing back, in the sync after it, what the run left dirty (the
# kernel's write-back of Kafka's page cache, which Kafka's own CPU time does not count; Riverlog
# fsyncs before acknowledging, in its own time). Then produce latency at fixed shares of Kafka's peak
# rate, both brokers' heap, and Riverlog's first served fetch after kill -9. The method is in
# bench/README.md; Apache Kafka comes from Maven Central (bench/apache-kafka/pom.xml).
#
# Usage: bench/compare-kafka.sh [-h]
#   A full run should take 20-30 minutes on 2 cores. A smoke run, to see that it works end to end:
#   A_RECORDS=50000 B_RECORDS=50000 WARMUP_ROUNDS=1 PAIRS=2 LATENCY_RATES=50 LATENCY_PAIRS=1 \
#     LATENCY_SECONDS=5 IDLE_SECONDS=2 RECOVERY_MIB=32 bench/compare-kafka.sh
#
# Environment (default):
#   NODES (1)          1: one broker each; 3: a 3-node cluster each, every topic with 3 replicas
#                      (Kafka: min.insync.replicas=2, no fsync; Riverlog: committed = fsynced on a
#                      majority), node N of each on PORT+10(N-1) (Kafka PORT+100+10(N-1))
#   CASES ("a b c d"; "a b" with NODES=3)  a: produce A_RECORDS x 100 B; b: produce B_RECORDS x 1 KiB; c: consume what a
#                      and b produced; d: as a, into a topic where Kafka fsyncs every append
#   A_RECORDS (2000000), B_RECORDS (500000), PARTITIONS (3)
#   WARMUP_ROUNDS (2)  rounds of every case on each broker before any is measured (the summary says
#                      "Not warm" if a JIT compiler still took over 10 % of its broker's CPU; a 3-node
#                      comparison needed about 20 rounds here)
#   PAIRS (6)          measured pairs per case; an even number lets each broker go first equally often
#   LATENCY_RATES ("25 50 75")  % of Kafka's median case-a rate; "" skips the latency runs
#   LATENCY_PAIRS (2), LATENCY_SECONDS (20), LATENCY_PEAK (measured)  rec/s the rates are shares of
#   IDLE_SECONDS (10)  how long each broker's idle CPU use is measured
#   RECOVERY_MIB (1024; 0 with NODES=3) 1 KiB records produced into Riverlog before kill -9; 0 skips it
#   PORT (19092)       Riverlog's Kafka port; Kafka's is PORT+100, its controller's PORT+101
#   RIVERLOG_HEAP (512m), KAFKA_HEAP (1G), CLIENT_HEAP (1g), KAFKA_LIB (bench/apache-kafka/target/lib)
#   RESULTS (/tmp/riverlog-compare/DATE)  runs.txt (one line per run), summary.md, logs/
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/bench/lib/brokers.sh"
answer_help "$0" "$@"
source "$ROOT/bench/lib/measure.sh"

NODES=${NODES:-1}
[[ $NODES == 1 || $NODES == 3 ]] || { echo "NODES must be 1 or 3, not '$NODES'" >&2; exit 2; }
if [ "$NODES" = 3 ]; then CASES=${CASES:-a b}; RECOVERY_MIB=${RECOVERY_MIB:-0}; fi
CASES=${CASES:-a b c d}
A_RECORDS=${A_RECORDS:-2000000}
B_RECORDS=${B_RECORDS:-500000}
PARTITIONS=${PARTITIONS:-3}
WARMUP_ROUNDS=${WARMUP_ROUNDS:-2}
PAIRS=${PAIRS:-6}
LATENCY_RATES=${LATENCY_RATES-25 50 75}
LATENCY_PAIRS=${LATENCY_PAIRS:-2}
LATENCY_SECONDS=${LATENCY_SECONDS:-20}
IDLE_SECONDS=${IDLE_SECONDS:-10}
RECOVERY_MIB=${RECOVERY_MIB:-1024}
PORT=${PORT:-19092}
RESULTS=${RESULTS:-/tmp/riverlog-compare/$(date +%Y%m%d-%H%M%S)}
PRODUCER_SETTINGS=(acks=all linger.ms=5 batch.size=65536)
for c in $CASES; do [[ $c == [abcd] ]] || { echo "unknown case '$c' in CASES (a b c d)" >&2; exit 2; }; done
# node_addresses BASE: the Kafka listeners of the NODES nodes whose first is on BASE.
node_addresses() {
  local n out=""
  for ((n = 0; n < NODES; n++)); do out+="${out:+,}127.0.0.1:$(($1 + 10 * n))"; done
  echo "$out"
}
declare -A BOOTSTRAP=([riverlog]="$(node_addresses "$PORT")" [kafka]="$(node_addresses $((PORT + 100)))")

open_results "$RESULTS"

# ---------------------------------------------------------------- processes

CLIENT_PID=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pid "$CLIENT_PID"
  stop_riverlog
  stop_kafka
  # The logs stay; the brokers' data (gigabytes after a full run) goes unless KEEP_DATA=1.
  [ "${KEEP_DATA:-0}" = 1 ] || rm -rf "$RESULTS/riverlog/data" "$RESULTS/kafka/data" "$RESULTS/recovery/data" \
    "$RESULTS"/riverlog/node*/data "$RESULTS"/kafka/node*/data
  [ $rc = 0 ] || say "stopped (exit $rc); what was measured so far is in $RUNS_FILE"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# run_client LOG TOOL ARGS...: runs one of Kafka's tools with its output in LOG. In the background,
# because bash handles a signal (Ctrl-C) only once the foreground command has ended.
run_client() {
  local log=$1 rc=0
  shift
  kafka_tool "$@" >"$log" 2>&1 &
  CLIENT_PID=$!
  wait "$CLIENT_PID" || rc=$?
  CLIENT_PID=
  return $rc
}

broker_pid() { if [ "$1" = riverlog ]; then echo "$RIVERLOG_PID"; else echo "$KAFKA_PID"; fi; }


# ---------------------------------------------------------------- topics

# create_topics BROKER PREFIX SUFFIX...: one topic PREFIX-SUFFIX per suffix. On Kafka the topic of
# case d fsyncs every append (flush.messages=1); Riverlog fsyncs before every acknowledgement anyway.
create_topics() {
  local broker=$1 prefix=$2 suffix
  local -a config
  shift 2
  for suffix in "$@"; do
    config=()
    [ "$broker" = kafka ] && [ "$suffix" = fsync ] && config=(--config flush.messages=1)
    run_client "$RESULTS/logs/topic-create.log" org.apache.kafka.tools.TopicCommand --bootstrap-server \
      "${BOOTSTRAP[$broker]}" --create --topic "$prefix-$suffix" --partitions "$PARTITIONS" --replication-factor "$NODES" \
      "${config[@]}" || die "could not create $prefix-$suffix on $broker, see $RESULTS/logs/topic-create.log"
  done
}

delete_topics() { # BROKER PREFIX
  run_client "$RESULTS/logs/topic-delete.log" org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "${BOOTSTRAP[$1]}" --delete --topic "$2-.*" || say "could not delete $2-* on $1"
}

# ---------------------------------------------------------------- one run

# The last line of ProducerPerformance, "N records sent, R records/sec (M MB/sec), A ms avg
# latency, X ms max latency, P ms 50th, P ms 95th, P ms 99th, P ms 99.9th.", as name=value pairs.
producer_figures() {
  grep -E '^[0-9]+ records sent, .* 99\.9th' "$1" | tail -1 | sed -nE 's/^([0-9]+) records sent, ([0-9.]+) records\/sec \(([0-9.]+) MB\/sec\), ([0-9.]+) ms avg latency, ([0-9.]+) ms max latency, ([0-9]+) ms 50th, ([0-9]+) ms 95th, ([0-9]+) ms 99th, ([0-9]+) ms 99\.9th.*/count=\1 rec_s=\2 mb_s=\3 avg_ms=\4 max_ms=\5 p50_ms=\6 p95_ms=\7 p99_ms=\8 p999_ms=\9/p'
}

# ConsumerPerformance without its header: start, end, MB, MB/s, records, records/s, rebalance ms,
# fetch ms, fetch MB/s, fetch records/s. "Overall" figures include the group's first rebalance.
consumer_figures() {
  grep -E '^[0-9]{4}-' "$1" | tail -1 | awk -F', *' '{
    printf "count=%s rec_s=%s mb_s=%s rebalance_ms=%s fetch_ms=%s fetch_rec_s=%s fetch_mb_s=%s\n", $5, $6, $4, $7, $8, $10, $9 }'
}

# measure PHASE ROUND FIRST BROKER CASE PREFIX [RATE]: one run of one case against one broker, and
# its RUN line in runs.txt: the tool's figures; the broker's CPU time, user and system, from just
# before the tool started until it ended; the whole machine's busy CPU in the same window (the tool
# and the other broker included); and then the sync that writes back what the run left dirty,
# timed and charged to this run. RATE (records/s) makes a produce case a latency run at that rate.
measure() {
  local phase=$1 round=$2 first=$3 broker=$4 case=$5 prefix=$6 rate=${7:--1}
  local pid log records size topic tool rc=0 cpu_before cpu_after busy_before busy_after started ended
  local writeback figures status jit_before jit_after
  pid=$(broker_pid "$broker")
  log="$RESULTS/logs/$phase$round-$case-$broker.log"
  case $case in
    a | c100) topic=$prefix-100 records=$A_RECORDS size=100 ;;
    b | c1k) topic=$prefix-1k records=$B_RECORDS size=1024 ;;
    d) topic=$prefix-fsync records=$A_RECORDS size=100 ;;
    lat*) topic=$prefix-lat records=$((rate * LATENCY_SECONDS)) size=100 ;;
  esac
  # The previous run's sync left the page cache clean; this one writes what creating or deleting
  # topics left since, so that the run starts clean too.
  sync
  # $pid unquoted: a cluster's nodes, one pid each.
  read -r -a cpu_before <<<"$(pids_cpu_ms $pid)"
  jit_before=$(pids_jit_ms $pid)
  busy_before=$(machine_busy_ms)
  started=$(now_ms)
  case $case in
    c*)
      tool=consumer
      run_client "$log" org.apache.kafka.tools.ConsumerPerformance --bootstrap-server "${BOOTSTRAP[$broker]}" \
        --topic "$topic" --num-records "$records" --group "$prefix-$case" --timeout 60000 --hide-header || rc=$?
      ;;
    *)
      tool=producer
      run_client "$log" org.apache.kafka.tools.ProducerPerformance --bootstrap-server "${BOOTSTRAP[$broker]}" \
        --topic "$topic" --num-records "$records" --record-size "$size" --throughput "$rate" \
        --command-property "${PRODUCER_SETTINGS[@]}" || rc=$?
      ;;
  esac
  ended=$(now_ms)
  busy_after=$(machine_busy_ms)
  kill -0 $pid 2>/dev/null || die "the $broker broker has ended during $phase $round $case; see $RESULTS/$broker/"
  read -r -a cpu_after <<<"$(pids_cpu_ms $pid)"
  jit_after=$(pids_jit_ms $pid)
  read -r -a writeback <<<"$(timed_sync)"
  figures=$("${tool}_figures" "$log" || true)
  status=ok
  if [ $rc != 0 ] || [ -z "$figures" ]; then
    status=failed
  elif [[ " $figures " != *" count=$records "* ]]; then
    status=short # a consumer that timed out before it had every record
  fi
  [ $status = ok ] || say "$phase $round $case on $broker: $status (exit $rc), see $log"
  local user_ms=$((cpu_after[0] - cpu_before[0])) sys_ms=$((cpu_after[1] - cpu_before[1]))
  record "RUN phase=$phase round=$round first=$first broker=$broker case=$case records=$records" \
    "record_bytes=$size target_rec_s=$rate cpu_ms=$((user_ms + sys_ms)) cpu_user_ms=$user_ms cpu_sys_ms=$sys_ms" \
    "jit_ms=$((jit_after - jit_before))" \
    "wall_ms=$((ended - started)) machine_busy_ms=$((busy_after - busy_before)) writeback_busy_ms=${writeback[0]}" \
    "writeback_wall_ms=${writeback[1]} $figures status=$status"
}

# ---------------------------------------------------------------- rounds

# The cases of one round, in the order they run: c consumes what a and b produced.
round_cases() {
  local c
  for c in $CASES; do
    case $c in
      a | b | d) echo "$c" ;;
      c) [[ " $CASES " == *" a "* ]] && echo c100; [[ " $CASES " == *" b "* ]] && echo c1k ;;
    esac
  done
  return 0
}

round_topics() {
  [[ " $CASES " == *" a "* ]] && echo 100
  [[ " $CASES " == *" b "* ]] && echo 1k
  [[ " $CASES " == *" d "* ]] && echo fsync
  return 0
}

# run_round PHASE ROUND FIRST SECOND: every case once against each broker, FIRST's run of each case
# right before SECOND's, so that both runs of a pair see the machine in much the same state.
run_round() {
  local phase=$1 round=$2 first=$3 second=$4 prefix="cmp-$1$2" case broker
  say "$phase round $round: $first first"
  for broker in "$first" "$second"; do create_topics "$broker" "$prefix" $(round_topics); done
  for case in $(round_cases); do
    measure "$phase" "$round" "$first" "$first" "$case" "$prefix"
    measure "$phase" "$round" "$first" "$second" "$case" "$prefix"
  done
  for broker in "$first" "$second"; do delete_topics "$broker" "$prefix"; done
}

# Odd rounds start with Riverlog, even ones with Kafka.
first_of() { if (($1 % 2)); then echo riverlog; else echo kafka; fi; }
second_of() { if (($1 % 2)); then echo kafka; else echo riverlog; fi; }

# Produce latency at fixed rates: LATENCY_RATES per cent of Kafka's peak (its median measured
# case-a rate), each in LATENCY_PAIRS alternating pairs of LATENCY_SECONDS runs.
latency_rounds() {
  local peak pct rate pair prefix
  peak=${LATENCY_PEAK:-$(python3 "$ROOT/bench/compare-summary.py" kafka-peak "$RUNS_FILE")}
  [ -n "$peak" ] || { say "no measured case a for Kafka and no LATENCY_PEAK: no latency runs"; return 0; }
  record "META latency_peak_rec_s=$peak"
  for pct in $LATENCY_RATES; do
    rate=$((peak * pct / 100))
    for ((pair = 1; pair <= LATENCY_PAIRS; pair++)); do
      prefix=cmp-latency$pct-$pair
      say "latency at $pct % of $peak rec/s, pair $pair: $(first_of "$pair") first"
      create_topics riverlog "$prefix" lat
      create_topics kafka "$prefix" lat
      measure latency "$pair" "$(first_of "$pair")" "$(first_of "$pair")" "lat$pct" "$prefix" "$rate"
      measure latency "$pair" "$(first_of "$pair")" "$(second_of "$pair")" "lat$pct" "$prefix" "$rate"
      delete_topics riverlog "$prefix"
      delete_topics kafka "$prefix"
    done
  done
}

# Each broker's CPU use while nothing runs against it (its periodic tasks; for Kafka also its own
# metadata quorum): it is in every run's figure, so the summary shows it and what is left without it.
# Measured after a pause, so that compilations and collections the warm-up set off are over. The
# whole machine's busy CPU in the same time (both brokers idle, and whatever else runs) is in every
# run's machine figure.
idle_cpu() {
  local broker before=() after=() busy
  sync
  sleep "$IDLE_SECONDS"
  for broker in riverlog kafka; do before+=("$(broker_cpu_ms "$broker")"); done
  busy=$(machine_busy_ms)
  sleep "$IDLE_SECONDS"
  busy=$(($(machine_busy_ms) - busy))
  for broker in riverlog kafka; do after+=("$(broker_cpu_ms "$broker")"); done
  record "IDLE broker=riverlog seconds=$IDLE_SECONDS cpu_ms=$((after[0] - before[0]))"
  record "IDLE broker=kafka seconds=$IDLE_SECONDS cpu_ms=$((after[1] - before[1]))"
  record "IDLE_MACHINE seconds=$IDLE_SECONDS busy_ms=$busy"
}

# broker_cpu_ms BROKER: its user + system time so far, in ms.
broker_cpu_ms() {
  local cpu
  read -r -a cpu <<<"$(pids_cpu_ms $(broker_pid "$1"))"
  echo $((cpu[0] + cpu[1]))
}

# The largest heap in use before a collection, in MiB, from -Xlog:gc logs ("... 281M->40M(512M) ..."):
# of one broker, or the largest of a cluster's nodes.
peak_heap_mib() {
  cat "$@" | grep -oE '[0-9]+M->[0-9]+M\([0-9]+M\)' | sed -E 's/M->.*//' | sort -n | tail -1
}

# ---------------------------------------------------------------- first fetch after kill -9

# Riverlog alone: RECOVERY_MIB of 1 KiB records into one partition, kill -9, restart; the time from
# starting the new process until a consumer has the first record. The consumer is started first
# and the broker only once the consumer has failed to connect, so that the consumer's own start-up
# is not counted; it retries every 50 ms.
recovery_run() {
  local dir=$RESULTS/recovery topic=recovery started ended
  say "recovery: $RECOVERY_MIB MiB, kill -9, restart"
  start_riverlog "$dir" "$PORT" "$RESULTS/riverlog.conf"
  run_client "$RESULTS/logs/topic-create.log" org.apache.kafka.tools.TopicCommand --bootstrap-server "${BOOTSTRAP[riverlog]}" \
    --create --topic $topic --partitions 1 --replication-factor 1 || die "recovery: could not create its topic"
  run_client "$RESULTS/logs/recovery-produce.log" org.apache.kafka.tools.ProducerPerformance \
    --bootstrap-server "${BOOTSTRAP[riverlog]}" --topic $topic --num-records $((RECOVERY_MIB * 1024)) \
    --record-size 1024 --throughput -1 --command-property acks=all linger.ms=5 batch.size=262144 ||
    die "recovery: producing failed, see $RESULTS/logs/recovery-produce.log"
  kill -KILL "$RIVERLOG_PID"
  wait "$RIVERLOG_PID" 2>/dev/null || true
  kafka_tool org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "${BOOTSTRAP[riverlog]}" \
    --topic $topic --partition 0 --offset earliest --max-messages 1 --timeout-ms 120000 \
    --command-property reconnect.backoff.ms=20 --command-property reconnect.backoff.max.ms=50 \
    --command-property retry.backoff.ms=20 --command-property retry.backoff.max.ms=50 \
    >/dev/null 2>"$RESULTS/logs/recovery-consume.log" &
  CLIENT_PID=$!
  wait_for_line "$RESULTS/logs/recovery-consume.log" "could not be established" "$CLIENT_PID"
  started=$(now_ms)
  launch_riverlog "$dir" "$PORT" "$RESULTS/riverlog.conf"
  local rc=0
  wait "$CLIENT_PID" || rc=$?
  ended=$(now_ms)
  CLIENT_PID=
  record "RECOVERY mib=$RECOVERY_MIB on_disk_mib=$(du -sm "$dir/data" | cut -f1) first_fetch_ms=$((ended - started))" \
    "status=$([ $rc = 0 ] && echo ok || echo failed)"
  stop_riverlog
}

# ---------------------------------------------------------------- main

describe_machine() {
  record_machine
  record "META load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)"
  record "META settings=NODES=$NODES CASES='$CASES' A_RECORDS=$A_RECORDS B_RECORDS=$B_RECORDS PARTITIONS=$PARTITIONS" \
    "WARMUP_ROUNDS=$WARMUP_ROUNDS PAIRS=$PAIRS LATENCY_RATES='$LATENCY_RATES' LATENCY_PAIRS=$LATENCY_PAIRS" \
    "LATENCY_SECONDS=$LATENCY_SECONDS producer='${PRODUCER_SETTINGS[*]}'"
  record "META riverlog_heap=-Xmx$RIVERLOG_HEAP"
  record "META kafka_heap=-Xms$KAFKA_HEAP -Xmx$KAFKA_HEAP"
}

build_riverlog
fetch_kafka
say "results in $RESULTS"
describe_machine

# As Kafka is started with group.initial.rebalance.delay.ms=0.
echo 'riverlog.groups.initial-rebalance-delay = 0s' >"$RESULTS/riverlog.conf"
say "starting Riverlog on ${BOOTSTRAP[riverlog]} and Kafka on ${BOOTSTRAP[kafka]}"
if [ "$NODES" = 3 ]; then
  start_riverlog_cluster "$RESULTS/riverlog" "$PORT" "$RESULTS/riverlog.conf"
  start_kafka_cluster "$RESULTS/kafka" "$((PORT + 100))"
else
  start_riverlog "$RESULTS/riverlog" "$PORT" "$RESULTS/riverlog.conf"
  start_kafka "$RESULTS/kafka" "$((PORT + 100))"
fi

for ((round = 1; round <= WARMUP_ROUNDS; round++)); do
  # Round 1 meets both JVMs cold; it is reported apart. Later warm-up rounds are not reported.
  run_round "$([ $round = 1 ] && echo cold || echo warmup)" "$round" "$(first_of $round)" "$(second_of $round)"
done
idle_cpu
for ((pair = 1; pair <= PAIRS; pair++)); do
  run_round measure "$pair" "$(first_of "$pair")" "$(second_of "$pair")"
done
[ -z "$LATENCY_RATES" ] || latency_rounds

record "HEAP broker=riverlog setting=-Xmx$RIVERLOG_HEAP peak_mib=$(peak_heap_mib $(find "$RESULTS/riverlog" -name gc.log))"
record "HEAP broker=kafka setting=-Xms$KAFKA_HEAP,-Xmx$KAFKA_HEAP peak_mib=$(peak_heap_mib $(find "$RESULTS/kafka" -name gc.log))"
record "META load_at_end=$(cut -d' ' -f1-3 /proc/loadavg)"
stop_riverlog
stop_kafka
[ "$RECOVERY_MIB" = 0 ] || recovery_run

python3 "$ROOT/bench/compare-summary.py" summary "$RUNS_FILE" >"$RESULTS/summary.md"
cat "$RESULTS/summary.md"
say "raw lines in $RUNS_FILE, tool output in $RESULTS/logs, summary in $RESULTS/summary.md"
