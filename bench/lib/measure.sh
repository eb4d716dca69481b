# CPU time and clocks for the benchmarks that run Riverlog beside Apache Kafka, read from /proc.
# Sourced by bench/compare-kafka.sh and bench/scale-kafka.sh.
#
# A broker's own CPU (process_cpu_ms) counts what its threads spend, in user mode and in the kernel
# on their behalf. It does not count the kernel's background write-back threads, which write the
# page cache that a process left dirty: Riverlog fsyncs before acknowledging, so the writing of its
# data is charged to its own system time; Kafka leaves dirty pages to write-back, which no
# /proc/PID/stat of Kafka counts. machine_busy_ms and timed_sync show that part: the whole machine's
# busy CPU during a run, and during the sync that writes back what the run left dirty.

CLK_TCK=$(getconf CLK_TCK)

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# process_cpu_ms PID: "USER SYSTEM", the process's CPU time so far in ms, summed over all its
# threads: fields 14 and 15 of /proc/PID/stat, in clock ticks. Counted after the ')' that ends
# field 2, the command name, which may hold spaces.
process_cpu_ms() {
  local stat fields
  read -r stat <"/proc/$1/stat"
  read -r -a fields <<<"${stat##*) }"
  echo "$((fields[11] * 1000 / CLK_TCK)) $((fields[12] * 1000 / CLK_TCK))"
}

# pids_cpu_ms PID...: "USER SYSTEM" summed over the processes (a cluster's nodes).
pids_cpu_ms() {
  local pid user=0 sys=0 cpu
  for pid in "$@"; do
    read -r -a cpu <<<"$(process_cpu_ms "$pid")"
    user=$((user + cpu[0]))
    sys=$((sys + cpu[1]))
  done
  echo "$user $sys"
}

# pids_jit_ms PID...: the CPU time, user + system in ms, of the processes' JIT compiler threads
# (named "C1 CompilerThread#" and "C2 CompilerThread#"): how far from warm a broker still is.
pids_jit_ms() {
  local pid task name stat ticks=0
  local -a fields
  for pid in "$@"; do
    for task in /proc/"$pid"/task/*; do
      read -r name <"$task/comm" 2>/dev/null || continue
      [[ $name == C[12]\ CompilerThre* ]] || continue
      read -r stat <"$task/stat" 2>/dev/null || continue
      read -r -a fields <<<"${stat##*) }"
      ticks=$((ticks + fields[11] + fields[12]))
    done
  done
  echo $((ticks * 1000 / CLK_TCK))
}

# machine_busy_ms: CPU time that all CPUs of the machine have been busy since boot, in ms, from the
# first line of /proc/stat: user, nice, system, irq and softirq, every process and kernel thread.
# Idle and iowait are not busy; steal is time the hypervisor gave to others.
machine_busy_ms() {
  local _cpu user nice system idle iowait irq softirq _rest
  read -r _cpu user nice system idle iowait irq softirq _rest </proc/stat
  echo $(((user + nice + system + irq + softirq) * 1000 / CLK_TCK))
}

# timed_sync: runs sync and prints "BUSY_MS WALL_MS": the machine's busy CPU during it (the kernel
# writing back every dirty page, and the sync itself) and how long it took.
timed_sync() {
  local busy started
  busy=$(machine_busy_ms)
  started=$(now_ms)
  sync
  echo "$(($(machine_busy_ms) - busy)) $(($(now_ms) - started))"
}

# open_results DIR: makes DIR and DIR/logs, and sets RESULTS (absolute) and RUNS_FILE (DIR/runs.txt),
# where record writes one fact per line; say and die talk to the operator.
open_results() {
  mkdir -p "$1/logs"
  RESULTS=$(cd "$1" && pwd)
  RUNS_FILE=$RESULTS/runs.txt
}
record() { echo "$*" >>"$RUNS_FILE"; }
say() { echo "$(date +%H:%M:%S) $*" >&2; }
die() { say "$*"; exit 1; }

# record_machine: the META facts every run's summary starts with: date, commit, cores, CPU, memory, Java.
record_machine() {
  record "META date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  record "META commit=$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- . 2>/dev/null || echo ' (uncommitted changes)')"
  record "META cores=$(nproc)"
  record "META cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
  record "META memory=$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
  record "META java=$(java -version 2>&1 | head -1)"
}

# in_background LOG COMMAND...: runs COMMAND with its output in LOG, in the background (bash handles a
# signal only once the foreground command has ended), and waits for it. Its pid is in CLIENT_PID
# meanwhile, for the script's cleanup to stop it.
in_background() {
  local log=$1 rc=0
  shift
  "$@" >"$log" 2>&1 &
  CLIENT_PID=$!
  wait "$CLIENT_PID" || rc=$?
  CLIENT_PID=
  return $rc
}
