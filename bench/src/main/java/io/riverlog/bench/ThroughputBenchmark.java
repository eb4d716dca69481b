package io.riverlog.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How the throughput benchmarks run, which JMH reads from this superclass: operations per second,
 * one fork, 2 warm-up iterations of 2 s and 3 measured ones of 5 s, as {@code run-wal-bench.sh}
 * also asks, so that a benchmark run from the jar without options is as short.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 5)
@Fork(1)
public abstract class ThroughputBenchmark {
}
