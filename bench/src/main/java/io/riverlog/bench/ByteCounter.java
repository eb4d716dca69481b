package io.riverlog.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Bytes moved by a throughput benchmark. JMH reports each public field and method as a secondary
 * result, as a rate per second: {@code bytes} in bytes/s and {@code megabytes} in MB/s (10^6 bytes).
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class ByteCounter {
    public long bytes;

    @Setup(Level.Iteration)
    public void reset() {
        bytes = 0;
    }

    public double megabytes() {
        return bytes / 1e6;
    }
}
