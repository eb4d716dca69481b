package io.riverlog.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What acknowledged appends carried, and the fsyncs that made them durable. JMH reports each public
 * field and method as a secondary result, as a rate per second: {@code records} in records/s,
 * {@code bytes} in bytes/s and {@code megabytes} in MB/s (10^6 bytes) of record batches, and
 * {@code fsyncs} in fsyncs/s. Fsyncs per append is {@code fsyncs} divided by the primary score
 * (appends/s), both being rates over the same iterations.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class AppendCounter {
    public long records;
    public long bytes;
    public long fsyncs;

    @Setup(Level.Iteration)
    public void reset() {
        records = 0;
        bytes = 0;
        fsyncs = 0;
    }

    public double megabytes() {
        return bytes / 1e6;
    }
}
