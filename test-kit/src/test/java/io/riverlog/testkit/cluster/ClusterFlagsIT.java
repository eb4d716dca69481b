package io.riverlog.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.riverlog.testkit.Await;
import io.riverlog.testkit.BrokerCluster;
import io.riverlog.testkit.BrokerProcess;
import io.riverlog.testkit.KafkaClients;

/**
 * {@code --node-id} and {@code --cluster}: a list the node cannot use ends it at start with one
 * line and exit code 2, as any bad setting does; a node started while no majority of the list runs
 * says so again and again and keeps running, and serves once the others have started.
 */
class ClusterFlagsIT {
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final int EXIT_USAGE = 2;
    private static final String BAD_CONFIGURATION = "riverlog: bad configuration: ";
    private static final String WAITING = "Waiting for a majority of the metadata group";

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void aListNamingANodeTwiceIsRefused() throws Exception {
        String errors = refused("--node-id", "1",
                "--cluster", "1@127.0.0.1:9093,2@127.0.0.1:9193,2@127.0.0.1:9293");

        assertThat(errors).contains("--cluster").contains("node 2 twice");
    }

    @Test
    void aListWithoutThisNodeIsRefused() throws Exception {
        String errors = refused("--node-id", "4",
                "--cluster", "1@127.0.0.1:9093,2@127.0.0.1:9193,3@127.0.0.1:9293");

        assertThat(errors).contains("--cluster").contains("does not name this node").contains("--node-id 4")
                .contains("[1, 2, 3]");
    }

    @ParameterizedTest
    @ValueSource(strings = {"x", "2@127.0.0.1", "two@127.0.0.1:9193"})
    void aMalformedEntryIsRefused(String entry) throws Exception {
        String errors = refused("--node-id", "1",
                "--cluster", "1@127.0.0.1:9093," + entry + ",3@127.0.0.1:9293");

        assertThat(errors).contains("--cluster").contains("'" + entry + "'").contains("is not id@host:port");
    }

    @Test
    void aNodeStartedAloneWaitsForAMajorityAndServesOnceTheOthersStart() throws Exception {
        try (BrokerCluster cluster = BrokerCluster.configure(dir, 3,
                List.of("-Driverlog.cluster.join-retry-interval=1s"))) {
            cluster.startNodes(1);
            BrokerProcess alone = cluster.node(1);

            // Twice: it goes on waiting rather than giving up after the first try.
            Await.until("node 1 warns twice that it waits for a majority", TIMEOUT,
                    () -> warnings(alone) >= 2, () -> "; see " + alone.outputFile());
            assertThat(ProcessHandle.of(alone.pid()).map(ProcessHandle::isAlive)).as("node 1 is running")
                    .contains(true);

            cluster.startNodes(2, 3);
            try (Admin admin = KafkaClients.admin(alone.bootstrapServers())) {
                KafkaFuture<Void> created = admin.createTopics(List.of(new NewTopic("after-the-wait",
                                Optional.of(3), Optional.empty())))
                        .all();
                Await.until("node 1 answers the topic's creation", TIMEOUT, created::isDone,
                        () -> "; see " + alone.outputFile());
                created.get();
                assertThat(admin.describeTopics(List.of("after-the-wait")).allTopicNames()
                        .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).get("after-the-wait").partitions()).hasSize(3);
            }
        }
    }

    /**
     * Runs a broker with {@code args}, which must end at start with exit code 2 and one line on standard
     * error; returns that line. Its data directory is not created.
     */
    private String refused(String... args) throws Exception {
        Path dataDir = dir.resolve("data");

        BrokerProcess.Exit exit = BrokerProcess.runUntilExit(dataDir, EXIT_TIMEOUT, args);

        assertThat(exit.code()).as(exit.errors()).isEqualTo(EXIT_USAGE);
        assertThat(exit.errors()).startsWith(BAD_CONFIGURATION).hasLineCount(1);
        assertThat(dataDir).doesNotExist();
        return exit.errors();
    }

    /** The warnings the node logged that it waits for a majority. */
    private static long warnings(BrokerProcess node) {
        try {
            return node.output().lines()
                    .filter(line -> line.contains("WARN") && line.contains("TopicRegistry") && line.contains(WAITING))
                    .count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
