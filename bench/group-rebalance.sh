#!/usr/bin/env bash
# Consumer group rebalance time, Riverlog beside Apache Kafka 4.4.0: a classic group of 3 consumers
# (kafka-clients 4.4.0 defaults) on a topic of 6 partitions; the time from their common subscribe
# until all three have polled their first records (io.riverlog.bench.GroupRebalanceTimer).
#
#   bench/group-rebalance.sh [RUNS]        # default 3 runs against each broker
#
# Both brokers are started as bench/lib/brokers.sh starts them (Kafka from Maven Central's jars, a
# single KRaft node), Riverlog with riverlog.groups.initial-rebalance-delay = 0s, as Kafka is
# started with group.initial.rebalance.delay.ms=0. Env: RIVERLOG_PORT (19092), KAFKA_PORT (9192;
# its controller listens on KAFKA_PORT+1), WORK (a new directory in /tmp).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${1:-3}
RIVERLOG_PORT=${RIVERLOG_PORT:-19092}
KAFKA_PORT=${KAFKA_PORT:-9192}
source "$ROOT/bench/lib/brokers.sh"
WORK=${WORK:-$(mktemp -d /tmp/group-rebalance.XXXXXX)}
cleanup() {
  stop_riverlog
  stop_kafka
}
trap cleanup EXIT

(cd "$ROOT" && mvn -B -q -pl api,bench -am -DskipTests package)
fetch_kafka
timer() { java -cp "$ROOT/bench/target/benchmarks.jar" io.riverlog.bench.GroupRebalanceTimer "$1" "$RUNS" | grep '^RESULT'; }

echo "# group rebalance $(date -Is): $RUNS runs per broker, $(nproc) cores"

echo 'riverlog.groups.initial-rebalance-delay = 0s' > "$WORK/riverlog.conf"
start_riverlog "$WORK/riverlog" "$RIVERLOG_PORT" "$WORK/riverlog.conf"
echo "## Riverlog"
timer "127.0.0.1:$RIVERLOG_PORT"
stop_riverlog

start_kafka "$WORK/kafka" "$KAFKA_PORT"
echo "## Apache Kafka 4.4.0"
timer "127.0.0.1:$KAFKA_PORT"
stop_kafka
rm -rf "$WORK"
