# Starting and stopping the two brokers that the comparison benchmarks run side by side: Riverlog
# from its jar, and Apache Kafka 4.4.0 as one KRaft node (broker and controller in one process)
# from the jars that bench/apache-kafka/pom.xml copies from Maven Central. Sourced by
# bench/compare-kafka.sh, bench/scale-kafka.sh and bench/group-rebalance.sh, which set ROOT (the
# repository) first and stop whatever they started in an EXIT trap (stop_riverlog, stop_kafka,
# stop_pid). RIVERLOG_JVM_OPTS and KAFKA_JVM_OPTS (empty by default) add JVM options to a broker.
#
# start_riverlog and start_kafka set RIVERLOG_PID and KAFKA_PID: the broker's JVM itself (no
# wrapper script), so that /proc/PID/stat counts that broker's CPU time and nothing else.

KAFKA_VERSION=4.4.0
KAFKA_LIB=${KAFKA_LIB:-$ROOT/bench/apache-kafka/target/lib}
KAFKA_HEAP=${KAFKA_HEAP:-1G}  # what Kafka's own kafka-server-start.sh gives the broker
KAFKA_LOG_CONFIG=$ROOT/bench/apache-kafka/broker-log4j2.properties
KAFKA_TOOLS_LOG_CONFIG=$ROOT/bench/apache-kafka/tools-log4j2.properties
RIVERLOG_JAR=$ROOT/api/target/riverlog.jar
RIVERLOG_HEAP=${RIVERLOG_HEAP:-512m}
START_TIMEOUT_S=${START_TIMEOUT_S:-120}
STOP_TIMEOUT_S=${STOP_TIMEOUT_S:-30}
RIVERLOG_PID=
KAFKA_PID=

# answer_help SCRIPT [ARG]: the scripts take no arguments but -h, which prints SCRIPT's header
# comment (from its second line to `set -euo`) and exits; anything else prints it as an error.
answer_help() {
  local script=$1
  shift
  case "${1:-}" in
    "") return 0 ;;
    -h | --help) sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$script"; exit 0 ;;
    *) sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$script" >&2; exit 2 ;;
  esac
}

# Copies Apache Kafka's broker and tools jars, with their dependencies, into KAFKA_LIB (once).
fetch_kafka() {
  [ -f "$KAFKA_LIB/kafka_2.13-$KAFKA_VERSION.jar" ] && [ -f "$KAFKA_LIB/kafka-tools-$KAFKA_VERSION.jar" ] && return 0
  echo "fetching Apache Kafka $KAFKA_VERSION from Maven Central into $KAFKA_LIB" >&2
  mvn -B -q -f "$ROOT/bench/apache-kafka/pom.xml" dependency:copy-dependencies -Dkafka.lib="$KAFKA_LIB" >&2
}

# Builds Riverlog's jar if it is missing or older than the sources: bin/riverlog knows when, and
# with --help the broker only prints its usage.
build_riverlog() {
  "$ROOT/bin/riverlog" --help >/dev/null
}

# Runs one of Kafka's command-line tools (ProducerPerformance, TopicCommand, ...); they log
# warnings only, to stderr, so that stdout holds just their figures.
kafka_tool() {
  java -Xms256m -Xmx"${CLIENT_HEAP:-1g}" -Dlog4j2.configurationFile="$KAFKA_TOOLS_LOG_CONFIG" \
    -cp "$KAFKA_LIB/*" "$@"
}

# wait_for_line FILE TEXT PID: returns once FILE holds TEXT; fails if PID ends or START_TIMEOUT_S passes.
wait_for_line() {
  local file=$1 text=$2 pid=$3 i
  for ((i = 0; i < START_TIMEOUT_S * 4; i++)); do
    grep -qF "$text" "$file" 2>/dev/null && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "process $pid ended before '$text'; the end of $file:" >&2
      tail -20 "$file" >&2
      return 1
    fi
    sleep 0.25
  done
  echo "no '$text' in $file after ${START_TIMEOUT_S}s" >&2
  return 1
}

# launch_riverlog DIR PORT CONFIG: starts Riverlog on 127.0.0.1:PORT (HTTP on any free port) with
# its data in DIR/data, its output in DIR/riverlog.out and a GC log in DIR/gc.log; does not wait.
# RIVERLOG_EXTRA_ARGS (unquoted, split on spaces) are added to its command line.
launch_riverlog() {
  local dir=$1 port=$2 config=$3
  mkdir -p "$dir"
  # *_JVM_OPTS unquoted: the options are split on spaces.
  java -Xmx"$RIVERLOG_HEAP" ${RIVERLOG_JVM_OPTS:-} -Xlog:gc:file="$dir/gc.log" -jar "$RIVERLOG_JAR" --data-dir "$dir/data" \
    --kafka-port "$port" --http-port 0 --config "$config" ${RIVERLOG_EXTRA_ARGS:-} >>"$dir/riverlog.out" 2>&1 </dev/null &
  RIVERLOG_PID=$!
}

# start_riverlog DIR PORT CONFIG: as launch_riverlog, and returns once it serves Kafka clients.
start_riverlog() {
  launch_riverlog "$@"
  wait_for_line "$1/riverlog.out" "serving Kafka clients" "$RIVERLOG_PID"
}

# start_kafka DIR PORT [name=value ...]: formats DIR/data as a one-node KRaft cluster and starts
# Kafka on 127.0.0.1:PORT, its controller on PORT+1; extra settings are added to its
# server.properties. Returns once the broker says it has started; output in DIR/kafka.out.
start_kafka() {
  local dir=$1 port=$2 cluster_id setting
  shift 2
  mkdir -p "$dir/data"
  write_kafka_properties "$dir" "$port" >"$dir/server.properties"
  for setting in "$@"; do echo "$setting" >>"$dir/server.properties"; done
  cluster_id=$(kafka_tool kafka.tools.StorageTool random-uuid 2>>"$dir/format.out")
  kafka_tool kafka.tools.StorageTool format --cluster-id "$cluster_id" --config "$dir/server.properties" \
    --standalone >>"$dir/format.out" 2>&1 || { cat "$dir/format.out" >&2; return 1; }
  launch_kafka "$dir"
  wait_for_line "$dir/kafka.out" "Kafka Server started" "$KAFKA_PID"
}

# launch_kafka DIR: starts Kafka with DIR/server.properties, its output in DIR/kafka.out and a GC log
# in DIR/gc.log; sets KAFKA_PID and does not wait.
launch_kafka() {
  local dir=$1
  # The JVM options of Kafka's own start scripts (kafka-server-start.sh, kafka-run-class.sh).
  # *_JVM_OPTS unquoted: the options are split on spaces.
  java -Xms"$KAFKA_HEAP" -Xmx"$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true ${KAFKA_JVM_OPTS:-} \
    -Xlog:gc:file="$dir/gc.log" -Dlog4j2.configurationFile="$KAFKA_LOG_CONFIG" \
    -cp "$KAFKA_LIB/*" kafka.Kafka "$dir/server.properties" >>"$dir/kafka.out" 2>&1 </dev/null &
  KAFKA_PID=$!
}

# Kafka's defaults, with what a single node that is both broker and controller needs (as in the
# server.properties that Kafka ships), and no delay before a new group's first rebalance (Riverlog
# is started with the same). A deleted topic's files go a second later rather than a minute later,
# so that deleting one round's topics costs no CPU or disk time in a later round's figures (0 would
# make Kafka's deletion task run again and again without a pause, and double its idle CPU use).
write_kafka_properties() {
  local dir=$1 port=$2
  cat <<PROPERTIES
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$((port + 1))
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$((port + 1))
advertised.listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$((port + 1))
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.segment.delete.delay.ms=1000
PROPERTIES
}

# start_riverlog_cluster DIR PORT CONFIG: three Riverlog nodes as one cluster on 127.0.0.1, node N's
# Kafka listener on PORT+10(N-1) and its Raft endpoint one above, each in DIR/nodeN (as launch_riverlog);
# returns once all three serve Kafka clients. RIVERLOG_PID holds the three pids, space-separated.
start_riverlog_cluster() {
  local dir=$1 port=$2 config=$3 n members="" pids=""
  for n in 1 2 3; do members+="${members:+,}$n@127.0.0.1:$((port + 10 * (n - 1) + 1))"; done
  for n in 1 2 3; do
    RIVERLOG_EXTRA_ARGS="--node-id $n --cluster $members" launch_riverlog "$dir/node$n" $((port + 10 * (n - 1))) "$config"
    pids+="${pids:+ }$RIVERLOG_PID"
  done
  RIVERLOG_PID=$pids
  for n in 1 2 3; do wait_for_line "$dir/node$n/riverlog.out" "serving Kafka clients" "$(echo "$pids" | cut -d' ' -f$n)"; done
}

# start_kafka_cluster DIR PORT [name=value ...]: three Kafka nodes, each broker and controller (a
# static quorum of all three), node N on PORT+10(N-1) and its controller one above, in DIR/nodeN, with
# replication factor 3 and min.insync.replicas=2 for every topic; returns once all three have started.
# KAFKA_PID holds the three pids, space-separated.
start_kafka_cluster() {
  local dir=$1 port=$2 cluster_id n voters="" pids="" setting
  shift 2
  for n in 1 2 3; do voters+="${voters:+,}$n@127.0.0.1:$((port + 10 * (n - 1) + 1))"; done
  cluster_id=$(kafka_tool kafka.tools.StorageTool random-uuid 2>/dev/null)
  for n in 1 2 3; do
    mkdir -p "$dir/node$n/data"
    write_kafka_properties "$dir/node$n" $((port + 10 * (n - 1))) | sed -e "s/^node.id=.*/node.id=$n/" \
      -e "s/^controller.quorum.bootstrap.servers=.*/controller.quorum.voters=$voters/" \
      -e 's/replication.factor=1/replication.factor=3/' -e 's/min.isr=1/min.isr=2/' >"$dir/node$n/server.properties"
    printf '%s\n' default.replication.factor=3 min.insync.replicas=2 unclean.leader.election.enable=false \
      "$@" >>"$dir/node$n/server.properties"
    kafka_tool kafka.tools.StorageTool format --cluster-id "$cluster_id" --config "$dir/node$n/server.properties" \
      >>"$dir/node$n/format.out" 2>&1 || { cat "$dir/node$n/format.out" >&2; return 1; }
  done
  for n in 1 2 3; do
    launch_kafka "$dir/node$n"
    pids+="${pids:+ }$KAFKA_PID"
  done
  KAFKA_PID=$pids
  for n in 1 2 3; do wait_for_line "$dir/node$n/kafka.out" "Kafka Server started" "$(echo "$pids" | cut -d' ' -f$n)"; done
}

stop_riverlog() { local pid; for pid in $RIVERLOG_PID; do stop_pid "$pid"; done; RIVERLOG_PID=; }
stop_kafka() { local pid; for pid in $KAFKA_PID; do stop_pid "$pid"; done; KAFKA_PID=; }

# stop_pid PID: SIGTERM (both brokers then close their logs cleanly), SIGKILL after STOP_TIMEOUT_S.
stop_pid() {
  local pid=$1 i
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT_S * 4; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "process $pid still running ${STOP_TIMEOUT_S}s after SIGTERM: killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}
