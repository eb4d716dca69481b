#!/usr/bin/env bash
# Consumer group rebalance time, Riverlog beside Apache Kafka 4.4.0: a classic group of 3 consumers
# (kafka-clients 4.4.0 defaults) on a topic of 6 partitions; the time from their common subscribe
# until all three have polled their first records (io.riverlog.bench.GroupRebalanceTimer).
#
#   bench/group-rebalance.sh [RUNS]        # default 3 runs against each broker
#
# Riverlog is started with bin/riverlog and riverlog.groups.initial-rebalance-delay = 0s, as Kafka is
# started with group.initial.rebalance.delay.ms=0 (by start-kafka.sh). Kafka comes from the jars in
# KAFKA_LIB, started and stopped by the scripts in PEER (default ../shared/kafka-peer beside
# the repository). Env: RIVERLOG_PORT (19092), KAFKA_PORT (9192), WORK (a new directory in /tmp).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${1:-3}
RIVERLOG_PORT=${RIVERLOG_PORT:-19092}
KAFKA_PORT=${KAFKA_PORT:-9192}
PEER=${PEER:-$ROOT/../shared/kafka-peer}
[ -x "$PEER/start-kafka.sh" ] || { echo "no start-kafka.sh in '$PEER' (set PEER)" >&2; exit 2; }
WORK=${WORK:-$(mktemp -d /tmp/group-rebalance.XXXXXX)}
RIVERLOG_PID=
cleanup() {
  if [ -n "$RIVERLOG_PID" ] && kill -0 "$RIVERLOG_PID" 2>/dev/null; then
    kill -TERM "$RIVERLOG_PID"
    wait "$RIVERLOG_PID" || true
  fi
  "$PEER/stop-kafka.sh" "$WORK/kafka" >/dev/null 2>&1 || true
}
trap cleanup EXIT

(cd "$ROOT" && mvn -B -q -pl api,bench -am -DskipTests package)
timer() { java -cp "$ROOT/bench/target/benchmarks.jar" io.riverlog.bench.GroupRebalanceTimer "$1" "$RUNS" | grep '^RESULT'; }

echo "# group rebalance $(date -Is): $RUNS runs per broker, $(nproc) cores"

echo 'riverlog.groups.initial-rebalance-delay = 0s' > "$WORK/riverlog.conf"
"$ROOT/bin/riverlog" --data-dir "$WORK/riverlog-data" --kafka-port "$RIVERLOG_PORT" --config "$WORK/riverlog.conf" \
  > "$WORK/riverlog.out" 2>&1 &
RIVERLOG_PID=$!
for _ in $(seq 1 240); do
  grep -q "serving Kafka clients" "$WORK/riverlog.out" && break
  kill -0 "$RIVERLOG_PID" 2>/dev/null || { cat "$WORK/riverlog.out" >&2; exit 1; }
  sleep 0.25
done
grep -q "serving Kafka clients" "$WORK/riverlog.out" || { echo "Riverlog did not start; see $WORK/riverlog.out" >&2; exit 1; }
echo "## Riverlog"
timer "127.0.0.1:$RIVERLOG_PORT"
kill -TERM "$RIVERLOG_PID"
wait "$RIVERLOG_PID" || true
RIVERLOG_PID=

"$PEER/start-kafka.sh" "$WORK/kafka" "$KAFKA_PORT" >/dev/null
echo "## Apache Kafka 4.4.0"
timer "127.0.0.1:$KAFKA_PORT"
"$PEER/stop-kafka.sh" "$WORK/kafka" --clean >/dev/null
rm -rf "$WORK"
