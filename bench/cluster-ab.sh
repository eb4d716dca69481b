#!/usr/bin/env bash
# Riverlog against Riverlog: two 3-node clusters on this machine, each its own jar and configuration
# (A and B), running at once, compared with Kafka's ProducerPerformance (acks=all, replication factor
# 3). Both are warmed first (WARM runs each; a 3-node cluster needs about 20 here before its JIT
# compilers settle), then ROUNDS rounds, each a fresh topic on both, alternating which goes first.
# Per run: records/s, p99 latency and the three nodes' CPU time per record; at the end, the median
# and range of the pairwise ratios B/A. For a change to one setting or one commit, measured side by
# side; the method is in bench/README.md ("Comparing two builds or settings").
#
# Usage: bench/cluster-ab.sh [-h]
#   JAR_B=/tmp/new.jar bench/cluster-ab.sh                     # the built jar (A) against another
#   CONF_B=/tmp/b.conf bench/cluster-ab.sh                     # one setting changed in B
#
# Environment (default):
#   JAR_A, JAR_B (api/target/riverlog.jar)   the broker jars
#   CONF_A, CONF_B (none)   HOCON files of settings for each cluster's nodes
#   JVM_A, JVM_B (none)     JVM options for each cluster's nodes
#   WARM (20), ROUNDS (8), RECORDS (300000), SIZE (100 bytes), PARTITIONS (6)
#   RATE (-1)               records/s of each measured run, for latency at a fixed load (-1: as fast as
#                           it goes); the warm-up runs always go as fast as they can
#   MEASURED_RECORDS (RECORDS)  records of each measured run (at a RATE: the rate times the seconds wanted)
#   OUT (bench/target/cluster-ab-TIME)   where the clusters' data, logs and runs.txt go
#   KEEP_DATA (0)           1 keeps the clusters' data directories after the run
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/bench/lib/brokers.sh"
source "$ROOT/bench/lib/measure.sh"
answer_help "$0" "$@"

JAR_A=${JAR_A:-$ROOT/api/target/riverlog.jar}
JAR_B=${JAR_B:-$ROOT/api/target/riverlog.jar}
WARM=${WARM:-20}; ROUNDS=${ROUNDS:-8}; RECORDS=${RECORDS:-300000}; SIZE=${SIZE:-100}; PARTITIONS=${PARTITIONS:-6}
RATE=${RATE:--1}; MEASURED_RECORDS=${MEASURED_RECORDS:-$RECORDS}
OUT=${OUT:-$ROOT/bench/target/cluster-ab-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
[ -f "$JAR_A" ] && [ -f "$JAR_B" ] || { echo "no jar at $JAR_A or $JAR_B: build it first (mvn -B package)" >&2; exit 1; }
[ -f "$KAFKA_LIB/kafka-tools-$KAFKA_VERSION.jar" ] || mvn -B -q -f "$ROOT/bench/apache-kafka/pom.xml" package

declare -A PIDS PORT
PORT[A]=39092
PORT[B]=49092
# The clusters' data (gigabytes after a run of 1 KiB records) goes with them unless KEEP_DATA=1.
cleanup() {
  local v p
  for v in A B; do for p in ${PIDS[$v]:-}; do stop_pid "$p"; done; done
  [ "${KEEP_DATA:-0}" = 1 ] || rm -rf "$OUT"/A/node*/data "$OUT"/B/node*/data
}
trap cleanup EXIT

for v in A B; do
  jar=JAR_$v; conf=CONF_$v; jvm=JVM_$v
  RIVERLOG_JAR=${!jar}
  RIVERLOG_JVM_OPTS=${!jvm:-}
  if [ -n "${!conf:-}" ]; then cp "${!conf}" "$OUT/$v.conf"; else : >"$OUT/$v.conf"; fi
  # Consumer groups are not measured here; no rebalance delay for the tools' own.
  echo 'riverlog.groups.initial-rebalance-delay = 0s' >>"$OUT/$v.conf"
  start_riverlog_cluster "$OUT/$v" "${PORT[$v]}" "$OUT/$v.conf"
  PIDS[$v]=$RIVERLOG_PID
done

# run VARIANT TOPIC [COUNT RATE]: one ProducerPerformance run (RECORDS as fast as it goes unless
# given); appends its figures to runs.txt.
run() {
  local v=$1 topic=$2 count=${3:-$RECORDS} rate=${4:--1} before after line records p99 cpu
  read -r -a before <<<"$(pids_cpu_ms ${PIDS[$v]})"
  kafka_tool org.apache.kafka.tools.ProducerPerformance --bootstrap-server 127.0.0.1:"${PORT[$v]}" --topic "$topic" \
    --num-records "$count" --record-size "$SIZE" --throughput "$rate" \
    --command-property acks=all linger.ms=5 batch.size=65536 >"$OUT/$v-$topic.log" 2>&1
  read -r -a after <<<"$(pids_cpu_ms ${PIDS[$v]})"
  line=$(grep -E 'records sent' "$OUT/$v-$topic.log" | tail -1)
  records=$(echo "$line" | sed -E 's/^[0-9]+ records sent, ([0-9.]+) records.*/\1/')
  p99=$(echo "$line" | sed -E 's/.* ([0-9]+) ms 99th.*/\1/')
  cpu=$((after[0] - before[0] + after[1] - before[1]))
  echo "variant=$v topic=$topic rec_s=$records p99_ms=$p99 cpu_us_per_rec=$((cpu * 1000 / count))" >>"$OUT/runs.txt"
}

create() {
  kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:"${PORT[$1]}" --create --topic "$2" \
    --partitions "$PARTITIONS" --replication-factor 3 >/dev/null
}

for v in A B; do
  create "$v" warm
  for ((w = 0; w < WARM; w++)); do run "$v" warm; done
done
for ((r = 1; r <= ROUNDS; r++)); do
  if ((r % 2)); then order="A B"; else order="B A"; fi
  for v in $order; do
    create "$v" "t$r"
    sync
    run "$v" "t$r" "$MEASURED_RECORDS" "$RATE"
  done
done
grep -v 'topic=warm' "$OUT/runs.txt" >"$OUT/runs.txt.measured"
python3 - "$OUT/runs.txt.measured" <<'PY'
import statistics
import sys

runs = {}
for line in open(sys.argv[1]):
    fields = dict(kv.split("=") for kv in line.split())
    runs.setdefault(fields["topic"], {})[fields["variant"]] = fields
pairs = [r for r in runs.values() if "A" in r and "B" in r]


def ratios(key):
    return [float(r["B"][key]) / float(r["A"][key]) for r in pairs]


for key, what in (("rec_s", "throughput"), ("p99_ms", "p99 latency"), ("cpu_us_per_rec", "CPU per record")):
    values = ratios(key)
    print(f"B/A {what}: median {statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f}), {len(values)} pairs")
for v in "AB":
    print(f"{v}: records/s median {statistics.median(float(r[v]['rec_s']) for r in pairs):,.0f}, "
          f"p99 median {statistics.median(float(r[v]['p99_ms']) for r in pairs):.0f} ms, "
          f"CPU median {statistics.median(float(r[v]['cpu_us_per_rec']) for r in pairs):.0f} us/record")
PY
