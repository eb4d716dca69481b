package io.riverlog.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.riverlog.testkit.BrokerCluster;
import io.riverlog.testkit.KafkaClients;
import io.riverlog.testkit.NetworkNamespaces;
import io.riverlog.testkit.NodeHost;

/**
 * Seeded random faults on a three-node cluster under load, replayable: the seed is logged and taken
 * from {@code -Driverlog.test.seed}. One node at a time is killed (-9), paused (SIGSTOP), stopped
 * (SIGTERM) or, where network namespaces can be made, cut off from the others, for a random while,
 * and brought back, while an idempotent producer streams with acks=all and a consumer group member
 * reads and commits. Checked as Jepsen's Kafka workloads check: every acknowledged record is read
 * back at its offset and no offset holds two records (nor a record twice: the producer is
 * idempotent); the consumer's positions only go forward between rebalances; the committed offsets
 * never go backwards, across coordinator changes; the replicas end byte-identical.
 */
class RandomFaultsIT {
    private static final Logger log = LoggerFactory.getLogger(RandomFaultsIT.class);
    private static final int NODES = 3;
    /** Four partitions per partition group: a produce request's appends to one group travel as one entry. */
    private static final int PARTITIONS = 24;
    private static final int FAULTS = 4;
    private static final int IN_FLIGHT = 200;
    private static final Duration SEND_INTERVAL = Duration.ofMillis(2);
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Duration PAUSE = Duration.ofMillis(100);
    private static final String GROUP = "random-readers";

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    private enum Fault { KILL, PAUSE, STOP, ISOLATE }

    @Test
    @Tag("volume")
    void acknowledgedRecordsAndCommittedOffsetsSurviveRandomFaults() throws Exception {
        long seed = Long.getLong("riverlog.test.seed", System.nanoTime());
        Random random = new Random(seed);
        log.info("Random faults with seed {} (replay with -Driverlog.test.seed={})", seed, seed);
        Optional<String> noNamespaces = NetworkNamespaces.unavailableBecause();
        noNamespaces.ifPresent(why -> log.info("No network partitions among the faults: {}", why));
        try (NetworkNamespaces namespaces = noNamespaces.isEmpty() ? NetworkNamespaces.create(NODES) : null;
             BrokerCluster cluster = BrokerCluster.start(dir, NODES,
                     id -> namespaces == null ? NodeHost.LOOPBACK : namespaces.host(id),
                     List.of("-Driverlog.groups.initial-rebalance-delay=0s"))) {
            String topic = "random";
            try (Admin admin = KafkaClients.admin(cluster.bootstrapServers())) {
                admin.createTopics(List.of(new NewTopic(topic, Optional.of(PARTITIONS), Optional.empty()))).all()
                        .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
            Ledger ledger = new Ledger();
            AtomicBoolean faultsDone = new AtomicBoolean();
            GroupReader reader = new GroupReader(cluster.bootstrapServers(), topic);
            CompletableFuture<Void> reading = CompletableFuture.runAsync(() -> reader.readUntil(faultsDone));
            CompletableFuture<Void> faults = CompletableFuture.runAsync(() -> {
                try {
                    runFaults(cluster, namespaces, random);
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                } finally {
                    faultsDone.set(true);
                }
            });
            int sent = stream(cluster, topic, ledger, faults);
            faults.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            reading.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

            // A failure below is replayed with the seed logged at the start.
            ledger.assertEverySendAcknowledgedOnce(sent);
            Read.everyAcknowledgedRecord(cluster.bootstrapServers(), topic, PARTITIONS, ledger);
            reader.check(seed);
            ReplicaBytes.awaitSame(cluster, cluster.ids(), topic, PARTITIONS, TIMEOUT);
            log.info("Seed {}: {} records acknowledged through {} faults; the group committed {} times", seed, sent,
                    FAULTS, reader.commits());
        }
    }

    /** One fault after another, each on a random node for 3 to 8 s, 2 to 5 s apart; the node is back after each. */
    private static void runFaults(BrokerCluster cluster, NetworkNamespaces namespaces, Random random)
            throws Exception {
        List<Fault> kinds = new ArrayList<>(List.of(Fault.KILL, Fault.PAUSE, Fault.STOP));
        if (namespaces != null) {
            kinds.add(Fault.ISOLATE);
        }
        for (int i = 0; i < FAULTS; i++) {
            // The fault schedule itself is what these waits are: not a wait for a condition.
            LockSupport.parkNanos(Duration.ofMillis(2_000 + random.nextInt(3_000)).toNanos());
            Fault fault = kinds.get(random.nextInt(kinds.size()));
            int node = 1 + random.nextInt(NODES);
            Duration length = Duration.ofMillis(3_000 + random.nextInt(5_000));
            log.info("Fault {} of {}: {} node {} for {} ms", i + 1, FAULTS, fault, node, length.toMillis());
            switch (fault) {
                case KILL -> cluster.kill(node);
                case PAUSE -> cluster.pause(node);
                case STOP -> assertThat(cluster.stop(node)).as("exit code of node %d after SIGTERM", node).isZero();
                case ISOLATE -> namespaces.isolate(node);
            }
            LockSupport.parkNanos(length.toNanos());
            switch (fault) {
                case KILL, STOP -> cluster.restart(node);
                case PAUSE -> cluster.resume(node);
                case ISOLATE -> namespaces.heal(node);
            }
        }
    }

    /** Streams records until the faults are over; returns how many were sent. */
    private static int stream(BrokerCluster cluster, String topic, Ledger ledger, CompletableFuture<Void> faults)
            throws InterruptedException {
        int sent = 0;
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(cluster.bootstrapServers(), Map.of(
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000))) {
            Semaphore unanswered = new Semaphore(IN_FLIGHT);
            long nextAt = System.nanoTime();
            for (; !faults.isDone(); sent++) {
                nextAt += SEND_INTERVAL.toNanos();
                LockSupport.parkNanos(nextAt - System.nanoTime());
                ledger.sendInStream(producer, unanswered, topic, sent, TIMEOUT, (metadata, error) -> { });
            }
            producer.flush();
        }
        return sent;
    }

    /**
     * A member of {@link #GROUP} that reads and commits after each poll, checking as it goes that its
     * positions go forward between rebalances and that the committed offsets never go backwards.
     */
    private static final class GroupReader {
        private final String bootstrap;
        private final String topic;
        private final Map<TopicPartition, Long> lastRead = new HashMap<>();
        private final Map<TopicPartition, Long> highestCommitted = new HashMap<>();
        private final List<String> violations = new ArrayList<>();
        private int commits;

        GroupReader(String bootstrap, String topic) {
            this.bootstrap = bootstrap;
            this.topic = topic;
        }

        void readUntil(AtomicBoolean done) {
            try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.groupConsumer(bootstrap, GROUP, Map.of(
                    ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500, ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000,
                    ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000))) {
                consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                    @Override
                    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                        partitions.forEach(lastRead::remove);
                    }

                    @Override
                    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                        partitions.forEach(lastRead::remove);
                    }

                    @Override
                    public void onPartitionsLost(Collection<TopicPartition> partitions) {
                        partitions.forEach(lastRead::remove);
                    }
                });
                while (!done.get()) {
                    try {
                        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(PAUSE)) {
                            TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                            Long last = lastRead.put(partition, record.offset());
                            if (last != null && record.offset() <= last) {
                                violations.add("read " + partition + "@" + record.offset() + " after @" + last
                                        + " without a rebalance");
                            }
                        }
                        consumer.commitSync(Duration.ofSeconds(10));
                        commits++;
                        checkCommitted(consumer.committed(Set.copyOf(KafkaClients.partitions(topic, PARTITIONS)),
                                Duration.ofSeconds(10)));
                    } catch (KafkaException retriable) {
                        // A fault in the way (a coordinator moving, a rebalance): the next round tries again.
                        log.debug("Group reader: {}", retriable.toString());
                    }
                }
            }
        }

        private void checkCommitted(Map<TopicPartition, OffsetAndMetadata> committed) {
            committed.forEach((partition, offset) -> {
                if (offset == null) {
                    return;
                }
                Long highest = highestCommitted.get(partition);
                if (highest != null && offset.offset() < highest) {
                    violations.add("committed offset of " + partition + " went back from " + highest + " to "
                            + offset.offset());
                }
                highestCommitted.merge(partition, offset.offset(), Math::max);
            });
        }

        int commits() {
            return commits;
        }

        void check(long seed) {
            assertThat(violations).as("consumer positions and committed offsets (seed %d)", seed).isEmpty();
            assertThat(commits).as("commits that succeeded (seed %d)", seed).isPositive();
        }
    }
}
