#!/usr/bin/env bash
# Where Riverlog's CPU goes under a produce load: runs the broker (or, with NODES=3, a 3-node cluster
# with replication factor 3) alone from its jar, drives it with
# Kafka's ProducerPerformance (the producer settings of bench/compare-kafka.sh), and reports, for the
# last of RUNS runs (the earlier ones warm the JVM), the broker's user and system CPU and context
# switches per thread group (from /proc/PID/task/*/stat and status), and, with JFR=1, the hottest Java frames, native frames and
# allocation sites of a Java Flight Recorder recording of the whole session.
#
# Usage: bench/profile-broker.sh [-h]
# Environment (default):
#   CASE (b)           a: RECORDS x 100 B; b: RECORDS/4 x 1 KiB
#   RECORDS (2000000), PARTITIONS (3), RUNS (4)
#   NODES (1)          3: a cluster of three nodes on this machine, their threads added up by name
#   JFR (0)            1 records with JFR (settings=profile), which itself costs CPU
#   CONFIG             extra lines for the broker's configuration file
#   PORT (29092), RESULTS (/tmp/riverlog-profile/DATE), KAFKA_LIB (bench/apache-kafka/target/lib)
#   KEEP_DATA (0)      1 keeps the brokers' data directories after the run
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/bench/lib/brokers.sh"
answer_help "$0" "$@"
CASE=${CASE:-b}
RECORDS=${RECORDS:-2000000}
PARTITIONS=${PARTITIONS:-3}
RUNS=${RUNS:-4}
NODES=${NODES:-1}
PORT=${PORT:-29092}
RESULTS=${RESULTS:-/tmp/riverlog-profile/$(date +%Y%m%d-%H%M%S)}
case $CASE in
  a) records=$RECORDS size=100 ;;
  b) records=$((RECORDS / 4)) size=1024 ;;
  *) echo "unknown CASE '$CASE' (a or b)" >&2; exit 2 ;;
esac
mkdir -p "$RESULTS"
# The brokers' data (gigabytes after the runs) goes with them unless KEEP_DATA=1.
cleanup() {
  stop_riverlog
  [ "${KEEP_DATA:-0}" = 1 ] || rm -rf "$RESULTS"/data "$RESULTS"/node*/data
}
trap cleanup EXIT
build_riverlog
fetch_kafka
{ echo 'riverlog.groups.initial-rebalance-delay = 0s'; echo "${CONFIG:-}"; } >"$RESULTS/riverlog.conf"
if [ "${JFR:-0}" = 1 ]; then
  # A directory: each JVM (each node) writes a recording of its own there, named by its pid.
  mkdir -p "$RESULTS/jfr"
  export JAVA_TOOL_OPTIONS="-XX:StartFlightRecording=settings=profile,filename=$RESULTS/jfr,dumponexit=true"
fi
case $NODES in
  1) start_riverlog "$RESULTS" "$PORT" "$RESULTS/riverlog.conf"; replicas=1 ;;
  3) start_riverlog_cluster "$RESULTS" "$PORT" "$RESULTS/riverlog.conf"; replicas=3 ;;
  *) echo "NODES must be 1 or 3, not '$NODES'" >&2; exit 2 ;;
esac
unset JAVA_TOOL_OPTIONS

# The write rounds' data fsyncs so far (each round then fsyncs its recovery point too), from /metrics
# of every node.
fsync_count() {
  local out port
  for out in "$RESULTS"/riverlog.out "$RESULTS"/node*/riverlog.out; do
    [ -f "$out" ] || continue
    port=$(grep -oE 'HTTP on http://[0-9.]+:[0-9]+' "$out" | grep -oE '[0-9]+$' | tail -1)
    curl -s "http://127.0.0.1:$port/metrics"
  done | awk '/^riverlog_fsync_seconds_count/ {n += $2} END {printf "%d", n}'
}

# One line per thread of every node: its name (digits at the end dropped, so that pools add up), user
# and system ticks, and how often it gave up the CPU (to wait: a hand-off) and was made to give it up.
# A thread's name in /proc is cut at 15 characters: the Java names (from a thread dump, by native id)
# are used where known, with numbers and Raft group ids replaced so that pools and groups add up.
java_thread_names() {
  local pid
  for pid in $RIVERLOG_PID; do
    jcmd "$pid" Thread.print 2>/dev/null | sed -nE 's/^"([^"]*)".* nid=(0x[0-9a-f]+|[0-9]+) .*/\2|\1/p' |
      while IFS='|' read -r nid name; do echo "$pid/$((nid))|$name"; done
  done | sed -E 's/group-[0-9A-F]{12}/group-G/g; s/[0-9]+$/#/; s/-[0-9]+-/-#-/g' >"$RESULTS/thread-names"
}

thread_ticks() {
  local pid task stat fields switches name
  declare -A names=()
  if [ -f "$RESULTS/thread-names" ]; then
    while IFS='|' read -r task name; do names[$task]=$name; done <"$RESULTS/thread-names"
  fi
  for pid in $RIVERLOG_PID; do for task in /proc/"$pid"/task/*; do
    read -r stat <"$task/stat" || continue
    read -r -a fields <<<"${stat##*) }"
    switches=$(awk '/^voluntary_ctxt_switches/ {v = $2} /^nonvoluntary_ctxt_switches/ {n = $2} END {print v "|" n}' \
      "$task/status" 2>/dev/null) || continue
    name=${names[$pid/${task##*/}]:-$(sed -E 's/[0-9]+$/#/' <"$task/comm")}
    echo "${name//|/}|${fields[11]}|${fields[12]}|$switches"
  done; done
}

for ((run = 1; run <= RUNS; run++)); do
  kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$PORT" --create --topic "profile-$run" \
    --partitions "$PARTITIONS" --replication-factor "$replicas" >/dev/null
  sync
  [ "$run" -lt "$RUNS" ] || java_thread_names
  thread_ticks >"$RESULTS/ticks-before"
  fsyncs_before=$(fsync_count)
  kafka_tool org.apache.kafka.tools.ProducerPerformance --bootstrap-server "127.0.0.1:$PORT" --topic "profile-$run" \
    --num-records "$records" --record-size "$size" --throughput -1 \
    --command-property acks=all linger.ms=5 batch.size=65536 | tail -1 | tee -a "$RESULTS/producer.txt"
  thread_ticks >"$RESULTS/ticks-after"
  echo "write rounds fsynced: $(($(fsync_count) - fsyncs_before)) for $records records" | tee -a "$RESULTS/producer.txt"
done
stop_riverlog
python3 "$ROOT/bench/profile-summary.py" threads "$RESULTS/ticks-before" "$RESULTS/ticks-after" "$(getconf CLK_TCK)" \
  "$records" | tee "$RESULTS/threads.txt"
if [ "${JFR:-0}" = 1 ]; then
  python3 "$ROOT/bench/profile-summary.py" jfr "$RESULTS"/jfr/*.jfr | tee "$RESULTS/jfr.txt"
fi
echo "results in $RESULTS" >&2
