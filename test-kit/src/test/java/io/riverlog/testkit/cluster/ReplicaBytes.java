package io.riverlog.testkit.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import io.riverlog.testkit.BrokerCluster;
import io.riverlog.testkit.Eventually;

/** A partition replica's records as they are on disk, to compare replicas byte for byte. */
final class ReplicaBytes {
    private static final Duration PAUSE = Duration.ofMillis(100);

    private ReplicaBytes() {
    }

    /**
     * Waits up to {@code timeout} until {@code nodes} hold the same bytes of {@code topic}'s partitions 0 to
     * {@code partitions - 1} (a follower applies what its leader committed a little later).
     */
    static void awaitSame(BrokerCluster cluster, List<Integer> nodes, String topic, int partitions, Duration timeout)
            throws Exception {
        for (int partition = 0; partition < partitions; partition++) {
            awaitSameOf(cluster, nodes, topic, partition, timeout);
        }
    }

    /** As above, for one partition. */
    static void awaitSameOf(BrokerCluster cluster, List<Integer> nodes, String topic, int partition, Duration timeout)
            throws Exception {
        try {
            Eventually.until("nodes " + nodes + " hold the same bytes of " + topic + "-" + partition, timeout, PAUSE,
                    () -> nodes.stream().map(node -> of(cluster.node(node).dataDir(), topic, partition)).distinct()
                            .count() == 1,
                    () -> "; sizes " + nodes.stream().map(node -> of(cluster.node(node).dataDir(), topic, partition)
                            .length()).toList() + " (each node's threads are dumped into its output)");
        } catch (AssertionError e) {
            // A replica that does not catch up is stuck somewhere: the dumps show where.
            cluster.dumpThreads();
            throw e;
        }
    }

    /** The segments' bytes of the replica under the node's {@code dataDir}, in order (a String to compare). */
    static String of(Path dataDir, String topic, int partition) {
        Path dir = dataDir.resolve("topics").resolve(topic + "-" + partition);
        try (Stream<Path> files = Files.list(dir)) {
            StringBuilder out = new StringBuilder();
            for (Path segment : files.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().toList()) {
                out.append(new String(Files.readAllBytes(segment), StandardCharsets.ISO_8859_1));
            }
            return out.toString();
        } catch (IOException e) {
            return "unreadable: " + e;
        }
    }
}
