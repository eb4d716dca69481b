#!/usr/bin/env bash
# Builds the benchmarks jar and runs the partition-log and partition-actor benchmarks with short settings:
# one fork, 2 warm-up and 3 measured iterations (2 s and 5 s for the throughput benchmarks).
#
#   bench/run-wal-bench.sh                          # everything (about 14 minutes)
#   bench/run-wal-bench.sh ReadBenchmark            # a regular expression picks benchmarks
#   bench/run-wal-bench.sh AppendFlush -p fsync=batch -p batchBytes=65536 -prof gc
#
# Arguments are passed to JMH after the defaults. To change a default (-f, -wi, -i, -w, -r), set
# RIVERLOG_JMH_DEFAULTS, e.g. RIVERLOG_JMH_DEFAULTS="-f 1 -wi 1 -i 5". Logs are written under a
# directory of their own in /tmp (at most about 4 GiB at a time), removed when the run ends.
set -euo pipefail
cd "$(dirname "$0")/.."

mvn -B -q -pl bench -am -DskipTests package

work=$(mktemp -d /tmp/riverlog-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Forked benchmark JVMs inherit the options of this one, so they too use $work as java.io.tmpdir.
java -Djava.io.tmpdir="$work" -jar bench/target/benchmarks.jar \
  ${RIVERLOG_JMH_DEFAULTS:--f 1 -wi 2 -i 3 -w 2s -r 5s} "$@"
