#!/usr/bin/env bash
# Riverlog against Apache Kafka 4.4.0 on this machine, one broker after the other, for every speed
# target: throughput cases a b c d (../shared/kafka-peer/bench.sh), produce latency at half of
# Kafka's peak rate, Riverlog's heap (the broker runs with -Xmx512m and a GC log), and the time from
# a restart after kill -9 with 1 GiB of data to the first served fetch.
#
# Usage: bench/compare-kafka.sh [RUNS]      (default 2; results in $RESULTS, summary on stdout)
# Env:   PEER (../shared/kafka-peer), RESULTS (/tmp/riverlog-compare/DATE), RECOVERY_MIB (1024),
#        PORT (19092 Riverlog, PORT+100 Kafka), CASES ("a b c d").
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${1:-2}
PEER=${PEER:-$(cd "$ROOT/../shared/kafka-peer" 2>/dev/null && pwd || true)}
[ -x "$PEER/bench.sh" ] || { echo "no kafka-peer scripts at '$PEER' (set PEER)" >&2; exit 2; }
RESULTS=${RESULTS:-/tmp/riverlog-compare/$(date +%Y%m%d-%H%M%S)}
RECOVERY_MIB=${RECOVERY_MIB:-1024}
RL_PORT=${PORT:-19092}
KAFKA_PORT=$((RL_PORT + 100))
CASES=${CASES:-a b c d}
LIB=${KAFKA_LIB:-/tmp/kafka-peer/lib}
JAR="$ROOT/api/target/riverlog.jar"
mkdir -p "$RESULTS"
SUMMARY="$RESULTS/summary.txt"
say() { echo "$*" | tee -a "$SUMMARY"; }

[ -f "$JAR" ] || (cd "$ROOT" && mvn -B -q -DskipTests -pl api -am package)
[ -f "$LIB/kafka-tools-4.4.0.jar" ] || mvn -q -B -f "$PEER/pom.xml" dependency:copy-dependencies -Dkafka.lib="$LIB"
printf 'Configuration:\n  Appenders:\n    Console: { name: E, target: SYSTEM_ERR, PatternLayout: { pattern: "%%m%%n" } }\n  Loggers:\n    Root: { level: WARN, AppenderRef: [ { ref: E } ] }\n' >"$RESULTS/tools-log4j2.yaml"
tool() { java -Xms256m -Xmx1g -Dlog4j2.configurationFile="$RESULTS/tools-log4j2.yaml" -cp "$LIB/*" "$@"; }

wait_port() { for _ in $(seq 1 240); do (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.25; done; return 1; }
cpu_seconds() { awk '{printf "%.1f", ($14 + $15) / 100}' "/proc/$1/stat"; }

# ---------------------------------------------------------------- brokers
RL_PID=
start_riverlog() { # data-dir
  # As the peer script sets group.initial.rebalance.delay.ms=0 for Kafka.
  echo 'riverlog.groups.initial-rebalance-delay = 0s' >"$RESULTS/riverlog.conf"
  java -Xmx512m -Xlog:gc:file="$RESULTS/riverlog-gc-$(date +%s%N).log" -jar "$JAR" --data-dir "$1" \
    --kafka-port "$RL_PORT" --http-port 0 --config "$RESULTS/riverlog.conf" >>"$RESULTS/riverlog.log" 2>&1 &
  RL_PID=$!
  wait_port "$RL_PORT"
}
stop_riverlog() { kill -TERM "$RL_PID"; wait "$RL_PID" || true; }
start_kafka() { "$PEER/start-kafka.sh" "$RESULTS/kafka" "$KAFKA_PORT" "$@" >>"$RESULTS/kafka-start.log" 2>&1; }
stop_kafka() { "$PEER/stop-kafka.sh" "$RESULTS/kafka" --clean >>"$RESULTS/kafka-start.log" 2>&1; }

# ---------------------------------------------------------------- throughput: cases a b c d
bench() { # label bootstrap fsync-topic-config
  # bench.sh's exit status is that of its last case test, not 0, when CASES leaves out case d.
  { RESULTS="$RESULTS/$1" CASES="$CASES" FSYNC_TOPIC_CONFIG="$3" "$PEER/bench.sh" "$2" "$RUNS" || true; } | grep '^RESULT' |
    sed "s/^RESULT/RESULT broker=$1/" | tee -a "$SUMMARY"
}
say "# compare $(date -Is) runs=$RUNS cases='$CASES' results=$RESULTS"
start_riverlog "$RESULTS/riverlog-data"
# Riverlog fsyncs before every acknowledgement anyway: case d needs no topic config.
bench riverlog "127.0.0.1:$RL_PORT" ""
say "riverlog broker CPU seconds through the cases: $(cpu_seconds "$RL_PID")"
stop_riverlog
start_kafka
bench kafka "127.0.0.1:$KAFKA_PORT" "flush.messages=1"
stop_kafka

# ---------------------------------------------------------------- latency at half of Kafka's peak
peak=$(grep '^RESULT broker=kafka case=a ' "$SUMMARY" | sed -E 's/.*rec\/s=([0-9]+).*/\1/' | sort -n | tail -1)
if [ -n "$peak" ]; then
  half=$((peak / 2))
  latency() { # label bootstrap
    tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$2" --create --topic half --partitions 3 \
      --replication-factor 1 >/dev/null 2>&1
    tool org.apache.kafka.tools.ProducerPerformance --bootstrap-server "$2" --topic half --num-records $((half * 20)) \
      --record-size 100 --throughput "$half" --command-property acks=all linger.ms=5 batch.size=65536 2>&1 |
      grep -E '^[0-9]+ records sent' | tail -1 | sed "s/^/LATENCY broker=$1 target_rec\/s=$half: /" | tee -a "$SUMMARY"
  }
  start_riverlog "$RESULTS/riverlog-latency"
  latency riverlog "127.0.0.1:$RL_PORT"
  stop_riverlog
  start_kafka
  latency kafka "127.0.0.1:$KAFKA_PORT"
  stop_kafka
fi

# ---------------------------------------------------------------- heap
peak_heap=$(cat "$RESULTS"/riverlog-gc-*.log | grep -oE '[0-9]+M->[0-9]+M\([0-9]+M\)' |
  sed -E 's/([0-9]+)M->.*/\1/' | sort -n | tail -1)
say "HEAP riverlog -Xmx512m: largest heap in use before a collection ${peak_heap:-?} MiB (GC logs $RESULTS/riverlog-gc-*.log)"

# ---------------------------------------------------------------- first fetch after kill -9 with 1 GiB
records=$((RECOVERY_MIB * 1024))
start_riverlog "$RESULTS/riverlog-recovery"
tool org.apache.kafka.tools.ProducerPerformance --bootstrap-server "127.0.0.1:$RL_PORT" --topic recovery \
  --num-records "$records" --record-size 1024 --throughput -1 \
  --command-property acks=all linger.ms=5 batch.size=262144 >"$RESULTS/recovery-produce.log" 2>&1
kill -KILL "$RL_PID"; wait "$RL_PID" 2>/dev/null || true
du -sh "$RESULTS/riverlog-recovery" | tee -a "$SUMMARY"
started=$(date +%s%N)
start_riverlog "$RESULTS/riverlog-recovery"
until kcat -C -b "127.0.0.1:$RL_PORT" -t recovery -p 0 -o beginning -c 1 -e -q >/dev/null 2>&1; do sleep 0.05; done
served=$(date +%s%N)
say "RECOVERY riverlog: ${RECOVERY_MIB} MiB, kill -9, restart to first served fetch $(((served - started) / 1000000)) ms"
stop_riverlog
say "# done $(date -Is)"
