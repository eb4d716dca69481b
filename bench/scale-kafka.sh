#!/usr/bin/env bash
# Riverlog against Apache Kafka 4.4.0 as partitions and client connections grow: produce and consume
# with each number of partitions in PARTITION_COUNTS and each number of connections in
# CONNECTION_COUNTS (every pair of the two), both brokers up at once and warm, each point in pairs,
# one broker right after the other, alternating which goes first. Per point: each broker's
# throughput, its own CPU (user and system) per million records, the whole machine's CPU during the
# run and for writing back afterwards, and the pairwise ratios Riverlog/Kafka. Then, at the largest
# point, each broker's heap, direct memory, file descriptors and threads, idle and under load. The
# load comes from io.riverlog.bench.LoadDriver: CONNECTIONS producers or consumers in one JVM, each
# a client instance with its own connections. The method is in bench/README.md.
#
# Usage: bench/scale-kafka.sh [-h]
#   A full run should take about 45 minutes on 2 cores. A smoke run, to see that it works end to end:
#   PARTITION_COUNTS="1 100" CONNECTION_COUNTS="1 10" RECORDS=5000 WARMUP_RECORDS=2000 PAIRS=2 \
#     bench/scale-kafka.sh
#
# Environment (default):
#   PARTITION_COUNTS ("1 10 100 1000"), CONNECTION_COUNTS ("1 10 100")   the grid
#   RECORDS (500000)       records produced, then consumed, at each point, of RECORD_BYTES (100)
#   RUN_SECONDS (30)       a produce stops after this long with fewer records if need be, and the
#                          consume reads what it produced; 0: no limit
#   PARTITIONING (spread)  spread: each producer writes to every partition in turn; sticky: records
#                          without a partition, which the client sends to one partition a batch at
#                          a time (as Kafka's ProducerPerformance)
#   WARMUP_RECORDS (100000) records of the warm-up round: every point once on each broker
#   PAIRS (2)              measured pairs per point; an even number lets each broker go first equally often
#   FOOTPRINT_RECORDS (RECORDS)  records of the load under which heap, memory and descriptors are
#                          sampled, at the largest point; 0 skips that
#   FOOTPRINT_DELAY_S (2)  how long after the load has started they are sampled
#   PORT (19092)           Riverlog's Kafka port; Kafka's is PORT+100, its controller's PORT+101
#   RIVERLOG_HEAP (512m), KAFKA_HEAP (1G), DRIVER_HEAP (2g), CLIENT_HEAP (1g), KAFKA_LIB (bench/apache-kafka/target/lib)
#   RESULTS (/tmp/riverlog-scale/DATE)  runs.txt (one line per run), summary.md, logs/
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/bench/lib/brokers.sh"
answer_help "$0" "$@"
source "$ROOT/bench/lib/measure.sh"

PARTITION_COUNTS=${PARTITION_COUNTS:-1 10 100 1000}
CONNECTION_COUNTS=${CONNECTION_COUNTS:-1 10 100}
RECORDS=${RECORDS:-500000}
RECORD_BYTES=${RECORD_BYTES:-100}
RUN_SECONDS=${RUN_SECONDS:-30}
PARTITIONING=${PARTITIONING:-spread}
WARMUP_RECORDS=${WARMUP_RECORDS:-100000}
PAIRS=${PAIRS:-2}
FOOTPRINT_RECORDS=${FOOTPRINT_RECORDS:-$RECORDS}
FOOTPRINT_DELAY_S=${FOOTPRINT_DELAY_S:-2}
DRIVER_HEAP=${DRIVER_HEAP:-2g}
PORT=${PORT:-19092}
RESULTS=${RESULTS:-/tmp/riverlog-scale/$(date +%Y%m%d-%H%M%S)}
BENCH_JAR=$ROOT/bench/target/benchmarks.jar
# Only in this script: native memory tracking, whose summary gives the direct buffers (see footprint).
RIVERLOG_JVM_OPTS="-XX:NativeMemoryTracking=summary"
KAFKA_JVM_OPTS="-XX:NativeMemoryTracking=summary"
[[ $PARTITIONING == spread || $PARTITIONING == sticky ]] || { echo "PARTITIONING is spread or sticky" >&2; exit 2; }
declare -A BOOTSTRAP=([riverlog]="127.0.0.1:$PORT" [kafka]="127.0.0.1:$((PORT + 100))")
MAX_PARTITIONS=$(tr ' ' '\n' <<<"$PARTITION_COUNTS" | sort -n | tail -1)
MAX_CONNECTIONS=$(tr ' ' '\n' <<<"$CONNECTION_COUNTS" | sort -n | tail -1)

open_results "$RESULTS"
FD_FILE=$RESULTS/fds.tmp

# ---------------------------------------------------------------- processes

CLIENT_PID=
SAMPLER_PID=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pid "$SAMPLER_PID"
  stop_pid "$CLIENT_PID"
  stop_riverlog
  stop_kafka
  rm -f "$FD_FILE"
  [ "${KEEP_DATA:-0}" = 1 ] || rm -rf "$RESULTS/riverlog/data" "$RESULTS/kafka/data"
  [ $rc = 0 ] || say "stopped (exit $rc); what was measured so far is in $RUNS_FILE"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Builds Riverlog's jar and the benchmarks' jar (which holds LoadDriver) if either is missing or
# older than the sources.
build_jars() {
  local jar
  for jar in "$RIVERLOG_JAR" "$BENCH_JAR"; do
    if [ ! -f "$jar" ] || [ -n "$(find "$ROOT" -path '*/src/main/*' -newer "$jar" -print -quit)" ]; then
      say "building (mvn -B -q -DskipTests -pl api,bench -am package)"
      (cd "$ROOT" && mvn -B -q -DskipTests -pl api,bench -am package) >&2
      return
    fi
  done
}

driver() { java -Xms256m -Xmx"$DRIVER_HEAP" -cp "$BENCH_JAR" io.riverlog.bench.LoadDriver "$@"; }

broker_pid() { if [ "$1" = riverlog ]; then echo "$RIVERLOG_PID"; else echo "$KAFKA_PID"; fi; }

create_topic() { # BROKER TOPIC PARTITIONS
  in_background "$RESULTS/logs/topic-create.log" kafka_tool org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "${BOOTSTRAP[$1]}" --create --topic "$2" --partitions "$3" --replication-factor 1 ||
    die "could not create $2 on $1, see $RESULTS/logs/topic-create.log"
}

delete_topic() { # BROKER TOPIC
  in_background "$RESULTS/logs/topic-delete.log" kafka_tool org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "${BOOTSTRAP[$1]}" --delete --topic "$2" || say "could not delete $2 on $1"
}

open_fds() { local fds=(/proc/"$1"/fd/*); echo ${#fds[@]}; }

# fd_sampler PID FILE: writes to FILE the most file descriptors PID has had open, counted every
# half second, until it is stopped.
fd_sampler() {
  local pid=$1 file=$2 max=0 n
  while kill -0 "$pid" 2>/dev/null; do
    n=$(open_fds "$pid")
    ((n <= max)) || { max=$n; echo "$max" >"$file"; }
    sleep 0.5
  done
}

# ---------------------------------------------------------------- one run

# The records each broker's last produce run acknowledged, which its consume run then reads.
declare -A PRODUCED

# measure PHASE ROUND FIRST BROKER MODE PARTITIONS CONNECTIONS TOPIC RECORDS: one LoadDriver run
# (MODE produce or consume) against one broker, and its RUN line in runs.txt: the driver's figures;
# the broker's CPU, user and system, from just before the driver started until it ended; the whole
# machine's busy CPU in the same window; the sync after it, which writes back what the run left
# dirty, timed and charged to the run; the most file descriptors the broker had open meanwhile.
measure() {
  local phase=$1 round=$2 first=$3 broker=$4 mode=$5 partitions=$6 connections=$7 topic=$8 records=$9
  local pid log rc=0 cpu_before cpu_after busy_before busy_after started ended writeback figures status
  pid=$(broker_pid "$broker")
  log="$RESULTS/logs/$phase$round-$mode-p$partitions-c$connections-$broker.log"
  [ "$mode" = produce ] || records=${PRODUCED[$broker]:-$records}
  if [ "$records" = 0 ]; then
    say "$phase $round $mode p=$partitions c=$connections on $broker: skipped, its produce left nothing to read"
    record "RUN phase=$phase round=$round first=$first broker=$broker mode=$mode partitions=$partitions" \
      "connections=$connections records=0 status=skipped"
    return
  fi
  open_fds "$pid" >"$FD_FILE"
  sync
  read -r -a cpu_before <<<"$(process_cpu_ms "$pid")"
  busy_before=$(machine_busy_ms)
  started=$(now_ms)
  fd_sampler "$pid" "$FD_FILE" &
  SAMPLER_PID=$!
  if [ "$mode" = produce ]; then
    in_background "$log" driver produce "${BOOTSTRAP[$broker]}" "$topic" "$connections" "$records" \
      "$RECORD_BYTES" "$PARTITIONING" "$RUN_SECONDS" || rc=$?
  else
    in_background "$log" driver consume "${BOOTSTRAP[$broker]}" "$topic" "$connections" "$records" \
      "$topic-group" || rc=$?
  fi
  ended=$(now_ms)
  busy_after=$(machine_busy_ms)
  kill -0 "$pid" 2>/dev/null || die "the $broker broker has ended during $phase $round $mode; see $RESULTS/$broker/"
  read -r -a cpu_after <<<"$(process_cpu_ms "$pid")"
  stop_pid "$SAMPLER_PID"
  SAMPLER_PID=
  read -r -a writeback <<<"$(timed_sync)"
  # The driver's RESULT line without what the RUN line says already; its records= is the count done.
  figures=$(grep '^RESULT ' "$log" | tail -1 |
    sed -E 's/^RESULT //; s/(mode|connections|partitions|record_bytes)=[^ ]* ?//g; s/(^| )records=/\1count=/' || true)
  status=ok
  if [ $rc != 0 ] || [ -z "$figures" ]; then
    status=failed
  elif [[ " $figures " != *" count=$records "* && " $figures " != *" capped=true "* ]]; then
    status=short # consumers that gave up before they had every record
  fi
  if [ "$mode" = produce ]; then
    # What the consume after it will find: the records sent, less those whose send failed.
    local sent_less_failed
    sent_less_failed=$(sed -nE 's/^count=([0-9]+) .* errors=([0-9]+) .*/\1 - \2/p' <<<"$figures")
    PRODUCED[$broker]=$((${sent_less_failed:-0}))
  fi
  [ $status = ok ] || say "$phase $round $mode p=$partitions c=$connections on $broker: $status (exit $rc), see $log"
  local user_ms=$((cpu_after[0] - cpu_before[0])) sys_ms=$((cpu_after[1] - cpu_before[1]))
  record "RUN phase=$phase round=$round first=$first broker=$broker mode=$mode partitions=$partitions" \
    "connections=$connections records=$records record_bytes=$RECORD_BYTES cpu_ms=$((user_ms + sys_ms))" \
    "cpu_user_ms=$user_ms cpu_sys_ms=$sys_ms wall_ms=$((ended - started)) machine_busy_ms=$((busy_after - busy_before))" \
    "writeback_busy_ms=${writeback[0]} writeback_wall_ms=${writeback[1]} fds_max=$(cat "$FD_FILE") $figures status=$status"
}

# run_point PHASE ROUND FIRST SECOND PARTITIONS CONNECTIONS RECORDS: a fresh topic on each broker;
# FIRST produces, then SECOND; FIRST consumes, then SECOND; the topics are deleted.
run_point() {
  local phase=$1 round=$2 first=$3 second=$4 partitions=$5 connections=$6 records=$7 broker mode
  local topic=scale-$phase$round-p$partitions-c$connections
  for broker in "$first" "$second"; do create_topic "$broker" "$topic" "$partitions"; done
  for mode in produce consume; do
    for broker in "$first" "$second"; do
      measure "$phase" "$round" "$first" "$broker" "$mode" "$partitions" "$connections" "$topic" "$records"
    done
  done
  for broker in "$first" "$second"; do delete_topic "$broker" "$topic"; done
}

# Odd rounds start with Riverlog, even ones with Kafka.
first_of() { if (($1 % 2)); then echo riverlog; else echo kafka; fi; }
second_of() { if (($1 % 2)); then echo kafka; else echo riverlog; fi; }

run_round() { # PHASE ROUND RECORDS
  local partitions connections
  say "$1 round $2: $(first_of "$2") first"
  for partitions in $PARTITION_COUNTS; do
    for connections in $CONNECTION_COUNTS; do
      run_point "$1" "$2" "$(first_of "$2")" "$(second_of "$2")" "$partitions" "$connections" "$3"
    done
  done
}

# ---------------------------------------------------------------- footprint

# nmt_committed_kb FILE CATEGORY: the committed KB of one category of a native memory summary
# ("-  Other (reserved=102400KB, committed=102400KB)"); Total's line has no dash.
nmt_committed_kb() {
  grep -E "^-? *$2 \(reserved=|^$2: reserved=" "$1" | head -1 | sed -nE 's/.*committed=([0-9]+)KB.*/\1/p'
}

# sample BROKER STATE [LOAD_PID]: one FOOTPRINT line for the broker as it is now. Heap from
# GC.heap_info (used and committed); direct buffers from the native memory summary: in JDK 17 the
# JVM books ByteBuffer.allocateDirect's memory (Unsafe.allocateMemory) under "Other", and nothing
# else of note; the summary's committed total; resident memory, file descriptors and threads from
# /proc. under_load says whether LOAD_PID was still running after the sample.
sample() {
  local broker=$1 state=$2 load_pid=${3:-} pid heap nmt under_load=no
  pid=$(broker_pid "$broker")
  heap=$RESULTS/logs/footprint-$state-$broker-heap.txt
  nmt=$RESULTS/logs/footprint-$state-$broker-nmt.txt
  local fds rss threads
  fds=$(open_fds "$pid")
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
  threads=$(awk '/^Threads:/ {print $2}' "/proc/$pid/status")
  ls -l "/proc/$pid/fd/" >"$RESULTS/logs/footprint-$state-$broker-fds.txt" 2>&1 || true
  jcmd "$pid" GC.heap_info >"$heap" 2>&1 || true
  jcmd "$pid" VM.native_memory summary >"$nmt" 2>&1 || true
  [ -n "$load_pid" ] && kill -0 "$load_pid" 2>/dev/null && under_load=yes
  # " garbage-first heap   total 1048576K, used 123456K [0x..." (the first line that has both).
  local heap_fields heap_total heap_used
  heap_fields=$(grep -m1 -E 'total [0-9]+K, used [0-9]+K' "$heap" | sed -nE 's/.*total ([0-9]+)K, used ([0-9]+)K.*/\1 \2/p')
  read -r heap_total heap_used <<<"${heap_fields:-0 0}"
  record "FOOTPRINT broker=$broker state=$state partitions=$MAX_PARTITIONS connections=$MAX_CONNECTIONS" \
    "heap_used_kb=$heap_used heap_committed_kb=$heap_total direct_kb=$(nmt_committed_kb "$nmt" Other)" \
    "nmt_committed_kb=$(nmt_committed_kb "$nmt" Total) rss_kb=$rss fds=$fds threads=$threads under_load=$under_load"
}

# footprint: at the largest point, for each broker alone: a fresh topic, a sample while idle, then a
# sample FOOTPRINT_DELAY_S after the driver's load has started, producing and then consuming.
footprint() {
  local broker mode topic log records
  for broker in riverlog kafka; do
    records=$FOOTPRINT_RECORDS
    topic=scale-footprint-p$MAX_PARTITIONS
    say "footprint of $broker: $MAX_PARTITIONS partitions, $MAX_CONNECTIONS connections"
    create_topic "$broker" "$topic" "$MAX_PARTITIONS"
    sample "$broker" idle
    for mode in produce consume; do
      log=$RESULTS/logs/footprint-$mode-$broker.log
      if [ $mode = produce ]; then
        driver produce "${BOOTSTRAP[$broker]}" "$topic" "$MAX_CONNECTIONS" "$records" "$RECORD_BYTES" \
          "$PARTITIONING" "$RUN_SECONDS" >"$log" 2>&1 &
      else
        driver consume "${BOOTSTRAP[$broker]}" "$topic" "$MAX_CONNECTIONS" "$records" "$topic-group" >"$log" 2>&1 &
      fi
      CLIENT_PID=$!
      if wait_for_line "$log" "load started" "$CLIENT_PID"; then
        sleep "$FOOTPRINT_DELAY_S"
        sample "$broker" "$mode" "$CLIENT_PID"
      else
        say "footprint $mode on $broker: the driver did not start its load, see $log"
      fi
      wait "$CLIENT_PID" || say "footprint $mode on $broker: the driver failed, see $log"
      CLIENT_PID=
      # The consume reads what the produce acknowledged.
      [ $mode != produce ] || records=$(sed -nE 's/^RESULT .* records=([0-9]+) .*/\1/p' "$log")
      [ -n "$records" ] || records=$FOOTPRINT_RECORDS
      sync
    done
    delete_topic "$broker" "$topic"
  done
}

# ---------------------------------------------------------------- main

describe_machine() {
  record_machine
  record "META open_files_limit=$(ulimit -n)"
  record "META load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)"
  record "META settings=PARTITION_COUNTS='$PARTITION_COUNTS' CONNECTION_COUNTS='$CONNECTION_COUNTS' RECORDS=$RECORDS" \
    "RECORD_BYTES=$RECORD_BYTES RUN_SECONDS=$RUN_SECONDS PARTITIONING=$PARTITIONING WARMUP_RECORDS=$WARMUP_RECORDS PAIRS=$PAIRS" \
    "FOOTPRINT_RECORDS=$FOOTPRINT_RECORDS producer='acks=all linger.ms=5 batch.size=65536'"
  record "META riverlog_heap=-Xmx$RIVERLOG_HEAP"
  record "META kafka_heap=-Xms$KAFKA_HEAP -Xmx$KAFKA_HEAP"
}

build_jars
fetch_kafka
say "results in $RESULTS"
describe_machine

echo 'riverlog.groups.initial-rebalance-delay = 0s' >"$RESULTS/riverlog.conf"
say "starting Riverlog on ${BOOTSTRAP[riverlog]} and Kafka on ${BOOTSTRAP[kafka]}"
start_riverlog "$RESULTS/riverlog" "$PORT" "$RESULTS/riverlog.conf"
start_kafka "$RESULTS/kafka" "$((PORT + 100))"

run_round warmup 1 "$WARMUP_RECORDS"
for ((pair = 1; pair <= PAIRS; pair++)); do
  run_round measure "$pair" "$RECORDS"
done
[ "$FOOTPRINT_RECORDS" = 0 ] || footprint

record "META load_at_end=$(cut -d' ' -f1-3 /proc/loadavg)"
stop_riverlog
stop_kafka

python3 "$ROOT/bench/scale-summary.py" "$RUNS_FILE" >"$RESULTS/summary.md"
cat "$RESULTS/summary.md"
say "raw lines in $RUNS_FILE, driver output in $RESULTS/logs, summary in $RESULTS/summary.md"
