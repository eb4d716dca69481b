#!/usr/bin/env bash
# What 1,000 partitions per node cost a 3-node cluster: Riverlog's three nodes (and, with KAFKA=1,
# Apache Kafka 4.4.0's, for comparison) each hold a replica of every partition of one topic of
# PARTITIONS partitions with replication factor 3 (Kafka for its footprint; its produce rate there
# is one cold run, not a comparison). Each node's threads, heap in use, resident memory
# and open file descriptors are sampled idle (SETTLE_S after the topic is created) and under load
# (FOOTPRINT_DELAY_S after a produce of RECORDS records of 100 B by CONNECTIONS producers has started,
# acks=all, spread over every partition), and the produce's throughput is recorded. The clusters run
# one after the other, never at once. Figures and method: bench/README.md.
#
# Usage: bench/cluster-footprint.sh [-h]
#
# Environment (default):
#   PARTITIONS (1000)   partitions of the topic, each with a replica on every node
#   RECORDS (300000), CONNECTIONS (10), RUN_SECONDS (60)   the load (LoadDriver produce, capped in time)
#   SETTLE_S (20)       how long after the topic's creation the idle sample is taken
#   FOOTPRINT_DELAY_S (10)  how long after the load started the loaded sample is taken
#   KAFKA (0)           1: measure a 3-node Apache Kafka cluster the same way afterwards
#   PORT (19092)        node N's Kafka listener is on PORT+10(N-1) (Kafka's on PORT+100+10(N-1))
#   RIVERLOG_HEAP (512m), KAFKA_HEAP (1G), DRIVER_HEAP (2g)
#   RESULTS (/tmp/riverlog-cluster-footprint/DATE)  runs.txt (one line per sample), logs/
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/bench/lib/brokers.sh"
answer_help "$0" "$@"
source "$ROOT/bench/lib/measure.sh"

PARTITIONS=${PARTITIONS:-1000}
RECORDS=${RECORDS:-300000}
CONNECTIONS=${CONNECTIONS:-10}
RUN_SECONDS=${RUN_SECONDS:-60}
SETTLE_S=${SETTLE_S:-20}
FOOTPRINT_DELAY_S=${FOOTPRINT_DELAY_S:-10}
KAFKA=${KAFKA:-0}
PORT=${PORT:-19092}
DRIVER_HEAP=${DRIVER_HEAP:-2g}
RESULTS=${RESULTS:-/tmp/riverlog-cluster-footprint/$(date +%Y%m%d-%H%M%S)}
BENCH_JAR=$ROOT/bench/target/benchmarks.jar
TOPIC=footprint

open_results "$RESULTS"
CLIENT_PID=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pid "$CLIENT_PID"
  stop_riverlog
  stop_kafka
  [ "${KEEP_DATA:-0}" = 1 ] || rm -rf "$RESULTS"/riverlog/node*/data "$RESULTS"/kafka/node*/data
  [ $rc = 0 ] || say "stopped (exit $rc); what was measured so far is in $RUNS_FILE"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ ! -f "$RIVERLOG_JAR" ] || [ ! -f "$BENCH_JAR" ] || [ -n "$(find "$ROOT" -path '*/src/main/*' -newer "$BENCH_JAR" -print -quit)" ]; then
  say "building (mvn -B -q -DskipTests -pl api,bench -am package)"
  (cd "$ROOT" && mvn -B -q -DskipTests -pl api,bench -am package) >&2
fi
fetch_kafka
record_machine

# sample BROKER STATE PIDS: one FOOTPRINT line per node: heap in use (GC.heap_info), resident memory,
# threads and file descriptors (/proc); each node's descriptors by kind in logs/BROKER-nodeN-STATE-fds.txt.
sample() {
  local broker=$1 state=$2 pids=$3 pid n=0 heap_used rss threads fds
  for pid in $pids; do
    n=$((n + 1))
    heap_used=$(jcmd "$pid" GC.heap_info 2>/dev/null | grep -m1 -E 'total [0-9]+K, used [0-9]+K' |
      sed -nE 's/.*used ([0-9]+)K.*/\1/p')
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
    threads=$(awk '/^Threads:/ {print $2}' "/proc/$pid/status")
    fds=$(ls "/proc/$pid/fd" | wc -l)
    # What the descriptors are: files by suffix (.log, .index, replica-applied, ...), sockets, pipes.
    find "/proc/$pid/fd" -mindepth 1 -printf '%l\n' 2>/dev/null | sed -E 's/:\[[0-9]+\]$//; s|.*/[0-9]+(\.[a-z]+)$|\1|; s|.*/||' |
      sort | uniq -c | sort -rn >"$RESULTS/logs/$broker-node$n-$state-fds.txt"
    record "FOOTPRINT broker=$broker node=$n state=$state partitions=$PARTITIONS heap_used_kb=${heap_used:-0}" \
      "rss_kb=$rss threads=$threads fds=$fds"
    say "$broker node $n $state: heap used ${heap_used:-?} KB, RSS $rss KB, $threads threads, $fds fds"
  done
}

# measure BROKER PIDS BOOTSTRAP: creates the topic, samples idle, then under the produce.
measure() {
  local broker=$1 pids=$2 bootstrap=$3
  in_background "$RESULTS/logs/$broker-topic.log" kafka_tool org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "$bootstrap" --create --topic "$TOPIC" --partitions "$PARTITIONS" --replication-factor 3 ||
    die "could not create $TOPIC on $broker, see $RESULTS/logs/$broker-topic.log"
  say "$broker: $TOPIC created with $PARTITIONS partitions; idle sample in ${SETTLE_S}s"
  sleep "$SETTLE_S"
  sample "$broker" idle "$pids"
  java -Xms256m -Xmx"$DRIVER_HEAP" -cp "$BENCH_JAR" io.riverlog.bench.LoadDriver produce "$bootstrap" "$TOPIC" \
    "$CONNECTIONS" "$RECORDS" 100 spread "$RUN_SECONDS" >"$RESULTS/logs/$broker-produce.out" 2>"$RESULTS/logs/$broker-produce.err" &
  CLIENT_PID=$!
  local i
  for ((i = 0; i < 600; i++)); do grep -qs "load started" "$RESULTS/logs/$broker-produce.err" && break; sleep 0.1; done
  sleep "$FOOTPRINT_DELAY_S"
  sample "$broker" load "$pids"
  wait "$CLIENT_PID" || say "$broker: the produce failed, see $RESULTS/logs/$broker-produce.err"
  CLIENT_PID=
  record "PRODUCE broker=$broker $(grep RESULT "$RESULTS/logs/$broker-produce.out" || echo none)"
  say "$broker: $(grep RESULT "$RESULTS/logs/$broker-produce.out" || echo 'no result')"
}

CONFIG=$RESULTS/riverlog.conf
echo "# defaults: nothing set" >"$CONFIG"
start_riverlog_cluster "$RESULTS/riverlog" "$PORT" "$CONFIG"
measure riverlog "$RIVERLOG_PID" "127.0.0.1:$PORT,127.0.0.1:$((PORT + 10)),127.0.0.1:$((PORT + 20))"
stop_riverlog
if [ "$KAFKA" = 1 ]; then
  start_kafka_cluster "$RESULTS/kafka" $((PORT + 100))
  measure kafka "$KAFKA_PID" "127.0.0.1:$((PORT + 100)),127.0.0.1:$((PORT + 110)),127.0.0.1:$((PORT + 120))"
  stop_kafka
fi
say "done: $RUNS_FILE"
