package io.riverlog.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.MetadataResponse;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.riverlog.testkit.BrokerCluster;
import io.riverlog.testkit.Eventually;
import io.riverlog.testkit.KafkaClients;
import io.riverlog.testkit.NetworkNamespaces;
import io.riverlog.testkit.RawKafkaConnection;

/**
 * Five nodes: the metadata group needs three. With two nodes down, topics are still created and the
 * partitions whose replicas keep a majority take records; with three down, a topic change is not committed and
 * the client is told so within the request timeout; once they are back, the cluster goes on. Five
 * broker processes on two cores take a minute and more: it runs with {@code -Pvolume}.
 */
class FiveNodeClusterIT {
    private static final Logger log = LoggerFactory.getLogger(FiveNodeClusterIT.class);
    private static final int NODES = 5;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Duration PAUSE = Duration.ofMillis(100);
    /** Short, so that a change without a majority is refused quickly. */
    private static final String REQUEST_TIMEOUT = "-Driverlog.cluster.request-timeout=3s";
    /** The kill and pause tests' stream: records, partitions, and sends that may wait for their answer at once. */
    private static final int STREAM_RECORDS = 3_000;
    private static final int STREAM_PARTITIONS = 5;
    private static final int IN_FLIGHT = 200;
    /** The split test's stream (one send every 2 ms), split from a quarter of it on. */
    private static final int SPLIT_RECORDS = 8_000;
    /**
     * Longer than an election (1-2 s), a producer's request timeout (5 s) and its retry, and the time it
     * takes the producer to find a leader known only on the small side (up to 9 s seen here).
     */
    private static final Duration SPLIT = Duration.ofSeconds(15);
    /** How long the pause test's leader stays stopped: three of the longest elections (2 s each). */
    private static final Duration PAUSED = Duration.ofSeconds(6);
    /** Short, so that stopped nodes leave the in-sync replicas soon. */
    private static final String LAG_TIME = "-Driverlog.cluster.replica-lag-time=3s";
    /** Short, so that a group that lost its majority is reported soon. */
    private static final String LEADERLESS_WARNING = "-Driverlog.cluster.leaderless-warning=2s";

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    @Tag("volume")
    void aMajorityOfThreeKeepsTheMetadataGoingAndWithoutItAChangeIsRefusedInTime() throws Exception {
        try (BrokerCluster cluster = BrokerCluster.start(dir, NODES, List.of(REQUEST_TIMEOUT, LAG_TIME,
                LEADERLESS_WARNING))) {
            createTopic(cluster, 1, "spread", 10);
            // Each group's preferred leader takes over once it has caught up: then every node leads some.
            Set<Integer> leaders = new HashSet<>();
            Eventually.until("every node leads a partition of spread", TIMEOUT, PAUSE, () -> {
                leaders.clear();
                describe(cluster, 2, "spread").partitions().forEach(p -> leaders.add(p.leader().id()));
                return leaders.size() == NODES;
            }, () -> "; leaders " + leaders);
            TopicDescription spread = describe(cluster, 2, "spread");

            cluster.stop(4);
            cluster.stop(5);
            createTopic(cluster, 2, "with-three", 3);
            // Known on another node; those of its partitions whose group lost its majority (two of three
            // replicas on nodes 4 and 5) have no leader until the nodes are back.
            known(cluster, 3, "with-three");
            try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(cluster.node(1).bootstrapServers(),
                    Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
                for (TopicPartitionInfo partition : spread.partitions()) {
                    // A partition whose replicas still have a majority among nodes 1-3 elects a leader there.
                    if (partition.replicas().stream().filter(replica -> replica.id() <= 3).count() >= 2) {
                        RecordMetadata written = producer.send(new ProducerRecord<>("spread", partition.partition(),
                                null, KafkaClients.value(partition.partition()))).get(TIMEOUT.toSeconds(),
                                TimeUnit.SECONDS);
                        assertThat(written.offset()).isZero();
                    }
                }
            }

            // A node outside a partition's group names the leader, leader epoch and in-sync replicas its
            // members name (the group's leader reports them through the metadata group), without the
            // stopped nodes.
            int checked = 0;
            for (TopicPartitionInfo partition : spread.partitions()) {
                List<Integer> replicas = partition.replicas().stream().map(node -> node.id()).toList();
                Optional<Integer> outside = List.of(1, 2, 3).stream().filter(n -> !replicas.contains(n)).findFirst();
                Optional<Integer> member = replicas.stream().filter(n -> n <= 3).findFirst();
                if (outside.isEmpty() || replicas.stream().filter(n -> n <= 3).count() < 2) {
                    continue;
                }
                checked++;
                int p = partition.partition();
                List<PartitionState> seen = new java.util.ArrayList<>(java.util.Arrays.asList(null, null));
                Eventually.until("node " + outside.get() + " names the leader, epoch and in-sync replicas of spread-"
                        + p + " as member " + member.get() + " does, without nodes 4 and 5", TIMEOUT, PAUSE, () -> {
                            seen.set(0, partitionState(cluster, outside.get(), "spread", p));
                            seen.set(1, partitionState(cluster, member.get(), "spread", p));
                            return seen.get(0).equals(seen.get(1)) && seen.get(0).leader() >= 0
                                    && !seen.get(0).inSync().contains(4) && !seen.get(0).inSync().contains(5);
                        }, () -> "; from outside " + seen.get(0) + ", from a member " + seen.get(1));
            }
            assertThat(checked).as("partitions seen from outside their group").isPositive();
            // A group with two of its three members on nodes 4 and 5 has no leader: its members still up say so.
            Eventually.until("a node still up warns that a partition group has no leader", TIMEOUT, PAUSE,
                    () -> outputOf(cluster, 1, 2, 3).contains("has heard from no leader"), () -> "");

            cluster.stop(3);
            long started = System.nanoTime();
            try (Admin admin = admin(cluster, 1)) {
                assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("without-majority",
                                Optional.of(1), Optional.empty()))).all().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class);
            }
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("time to be refused")
                    .isLessThan(Duration.ofSeconds(30));

            cluster.restart(3);
            cluster.restart(4);
            cluster.restart(5);
            createTopic(cluster, 5, "after", 2);
            describe(cluster, 4, "after");
            Eventually.until("the nodes say their partition groups have a leader again", TIMEOUT, PAUSE,
                    () -> outputOf(cluster, 1, 2, 3).contains("has a leader again"), () -> "");
        }
    }

    /**
     * Fault 1 on five nodes: kill -9 of a partition's leader during an acks=all, idempotent stream whose
     * producer knows only a node outside the partition's group. The group's other two members elect a
     * leader; the node outside hears of it through the metadata group and names it (with its newer epoch),
     * so the producer finds it. Every send is acknowledged once, each record reads back at the offset it
     * was acknowledged at, and once the killed node is back every replica holds the same bytes.
     */
    @Test
    @Tag("volume")
    void aLeaderKilledDuringAStreamLosesNothingAndANodeOutsideItsGroupNamesTheNewLeader() throws Exception {
        try (BrokerCluster cluster = BrokerCluster.start(dir, NODES, List.of(LAG_TIME))) {
            String topic = "stream";
            // Its preferred leader takes the group over once it has caught up: killed before, it would not lead.
            StreamTarget target = streamTarget(cluster, topic);
            int victim = target.leader();
            int outside = target.outside();
            int survivor = target.replicas().stream().filter(n -> n != victim).findFirst().orElseThrow();
            int epochBefore = target.epoch();

            Ledger ledger = streamThrough(cluster, outside, topic, () -> cluster.kill(victim));
            PartitionState[] named = new PartitionState[2];
            Eventually.until("node " + outside + ", outside the group of " + topic + "-0, names the leader and epoch"
                    + " that member " + survivor + " names, after node " + victim + " was killed", TIMEOUT, PAUSE,
                    () -> {
                        named[0] = partitionState(cluster, outside, topic, 0);
                        named[1] = partitionState(cluster, survivor, topic, 0);
                        return named[0].leader() >= 0 && named[0].leader() != victim
                                && named[0].epoch() > epochBefore && named[0].leader() == named[1].leader()
                                && named[0].epoch() == named[1].epoch();
                    }, () -> "; from outside " + named[0] + ", from a member " + named[1]);
            cluster.restart(victim);

            assertNothingLost(cluster, outside, topic, ledger);
        }
    }

    /**
     * Fault 2 on five nodes: a partition's leader paused (SIGSTOP) for longer than three elections
     * during an acks=all, idempotent stream whose producer knows only a node outside the partition's
     * group, then resumed (SIGCONT). The group's other two members elect a leader meanwhile; the paused
     * node, resumed, hears of the newer term and follows it. Every send is acknowledged once, each
     * record reads back at the offset it was acknowledged at, and every replica holds the same bytes.
     */
    @Test
    @Tag("volume")
    void aLeaderPausedLongerThanAnElectionLosesNothingAndFollowsOnceResumed() throws Exception {
        try (BrokerCluster cluster = BrokerCluster.start(dir, NODES, List.of(LAG_TIME))) {
            String topic = "paused";
            StreamTarget target = streamTarget(cluster, topic);
            int victim = target.leader();
            int outside = target.outside();
            int epochBefore = target.epoch();

            ScheduledExecutorService resumer =
                    Executors.newSingleThreadScheduledExecutor();
            CompletableFuture<Void> resumed = new CompletableFuture<>();
            Ledger ledger;
            try {
                ledger = streamThrough(cluster, outside, topic, () -> {
                    cluster.pause(victim);
                    // The stream goes on meanwhile: the resumption is on a timer, not in the loop.
                    resumer.schedule(() -> {
                        try {
                            cluster.resume(victim);
                            resumed.complete(null);
                        } catch (Exception e) {
                            resumed.completeExceptionally(e);
                        }
                    }, PAUSED.toMillis(), TimeUnit.MILLISECONDS);
                });
                resumed.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            } finally {
                resumer.shutdownNow();
            }
            PartitionState[] named = new PartitionState[1];
            Eventually.until("node " + victim + ", resumed, names another leader of " + topic + "-0 in a newer term",
                    TIMEOUT, PAUSE, () -> {
                        named[0] = partitionState(cluster, victim, topic, 0);
                        return named[0].leader() >= 0 && named[0].leader() != victim
                                && named[0].epoch() > epochBefore;
                    }, () -> "; it names " + named[0]);

            assertNothingLost(cluster, outside, topic, ledger);
        }
    }

    /** The stream tests' partition 0: its leader (its preferred one), epoch, replicas, and a node outside them. */
    private record StreamTarget(int leader, int epoch, List<Integer> replicas, int outside) {
    }

    /** Creates the stream tests' topic, of {@link #STREAM_PARTITIONS} partitions, and finds its partition 0. */
    private static StreamTarget streamTarget(BrokerCluster cluster, String topic) throws Exception {
        createTopic(cluster, 1, topic, STREAM_PARTITIONS);
        TopicPartitionInfo target = ledByItsPreferredLeader(cluster, topic);
        List<Integer> replicas = target.replicas().stream().map(node -> node.id()).toList();
        int leader = target.leader().id();
        int outside = IntStream.rangeClosed(1, NODES).filter(n -> !replicas.contains(n)).findFirst().orElseThrow();
        return new StreamTarget(leader, partitionState(cluster, leader, topic, 0).epoch(), replicas, outside);
    }

    /**
     * Every send of a stream acknowledged once, each record read back through node {@code through} at the
     * offset it was acknowledged at, and every partition's replicas holding the same bytes.
     */
    private static void assertNothingLost(BrokerCluster cluster, int through, String topic, Ledger ledger)
            throws Exception {
        ledger.assertEverySendAcknowledgedOnce(STREAM_RECORDS);
        Read.everyAcknowledgedRecord(cluster.node(through).bootstrapServers(), topic, STREAM_PARTITIONS, ledger);
        for (TopicPartitionInfo partition : describe(cluster, through, topic).partitions()) {
            List<Integer> members = partition.replicas().stream().map(node -> node.id()).toList();
            ReplicaBytes.awaitSameOf(cluster, members, topic, partition.partition(), TIMEOUT);
        }
    }

    /** A fault that a stream meets a third of the way through. */
    @FunctionalInterface
    private interface Fault {
        void strike() throws Exception;
    }

    /**
     * Streams {@link #STREAM_RECORDS} records with acks=all and idempotence through node {@code through}
     * alone (it finds the leaders), with {@code fault} struck once a third of them were acknowledged;
     * returns what was sent and acknowledged.
     */
    private static Ledger streamThrough(BrokerCluster cluster, int through, String topic, Fault fault)
            throws Exception {
        Ledger ledger = new Ledger();
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(cluster.node(through)
                .bootstrapServers(), Map.of(ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000))) {
            Semaphore unanswered = new Semaphore(IN_FLIGHT);
            for (int i = 0; i < STREAM_RECORDS; i++) {
                ledger.sendInStream(producer, unanswered, topic, i, TIMEOUT, (metadata, error) -> { });
                if (i == STREAM_RECORDS / 3) {
                    producer.flush();
                    fault.strike();
                }
            }
            producer.flush();
        }
        return ledger;
    }

    /**
     * Fault 3 on five nodes, split two against three: a partition's leader and one of its followers
     * are cut off, together, from the other three nodes (each node in a network namespace of its own,
     * clients still reaching every node) while an idempotent producer streams to every partition with
     * acks=all. The small side holds a majority of that partition's group and the large side the
     * majority of the cluster (the metadata group): every partition group has a majority on one side
     * or the other, so every partition goes on taking records during the cut, the one led on the small
     * side included. After the split heals, every send is acknowledged once, every record reads back at
     * its offset, and every partition's replicas hold the same bytes. Skipped, saying why, where
     * namespaces cannot be created (not root).
     */
    @Test
    @Tag("volume")
    void splitTwoAgainstThreeEveryPartitionGoesOnOnTheSideOfItsGroupsMajority() throws Exception {
        Optional<String> unavailable = NetworkNamespaces.unavailableBecause();
        Assumptions.assumeTrue(unavailable.isEmpty(), () -> "skipped: " + unavailable.orElseThrow());
        try (NetworkNamespaces namespaces = NetworkNamespaces.create(NODES);
             BrokerCluster cluster = BrokerCluster.start(dir, NODES, namespaces::host, List.of(LAG_TIME))) {
            String topic = "split";
            createTopic(cluster, 1, topic, STREAM_PARTITIONS);
            TopicPartitionInfo target = ledByItsPreferredLeader(cluster, topic);
            Set<Integer> small = Set.of(target.replicas().get(0).id(), target.replicas().get(1).id());

            StreamAcrossACut.Outcome outcome = StreamAcrossACut.run(cluster.bootstrapServers(), topic, SPLIT_RECORDS,
                    SPLIT_RECORDS / 4, SPLIT, TIMEOUT, new StreamAcrossACut.Cut() {
                        @Override
                        public void cut() throws Exception {
                            namespaces.split(small);
                        }

                        @Override
                        public void heal() throws Exception {
                            namespaces.healAll();
                        }
                    });
            log.info("Nodes {} split from the others for {}: the first record acknowledged during the split, per"
                    + " partition, ms after the cut: {}", small, SPLIT, outcome.firstAcknowledgedDuringCutMs());
            assertThat(outcome.firstAcknowledgedDuringCutMs()).as("partitions that took records during the"
                    + " split of nodes %s from the others (ms after the cut)", small)
                    .containsOnlyKeys(IntStream.range(0, STREAM_PARTITIONS).boxed().toList());

            Ledger ledger = outcome.ledger();
            ledger.assertEverySendAcknowledgedOnce(SPLIT_RECORDS);
            Read.everyAcknowledgedRecord(cluster.bootstrapServers(), topic, STREAM_PARTITIONS, ledger);
            for (TopicPartitionInfo partition : describe(cluster, 1, topic).partitions()) {
                ReplicaBytes.awaitSameOf(cluster, partition.replicas().stream().map(node -> node.id()).toList(), topic,
                        partition.partition(), TIMEOUT);
            }
        }
    }

    /**
     * Fault 3 on five nodes, the leader alone: a partition's leader cut off from the other four by a
     * network partition during an acks=all stream ({@link LeaderCutOff} says what is checked; on three
     * nodes it is {@link NetworkPartitionIT}). Skipped, saying why, where namespaces cannot be created.
     */
    @Test
    @Tag("volume")
    void aLeaderCutOffFromTheOtherFourServesNothingUncommittedAndLosesNothingAcknowledged() throws Exception {
        LeaderCutOff.check(dir, NODES, List.of(LAG_TIME));
    }

    /** What the nodes printed so far, one after the other. */
    private static String outputOf(BrokerCluster cluster, int... nodes) throws IOException {
        StringBuilder all = new StringBuilder();
        for (int node : nodes) {
            all.append(cluster.node(node).output());
        }
        return all.toString();
    }

    /** Partition 0 of {@code topic}, as node 1 describes it once its preferred leader leads it. */
    private static TopicPartitionInfo ledByItsPreferredLeader(BrokerCluster cluster, String topic) throws Exception {
        TopicPartitionInfo[] target = new TopicPartitionInfo[1];
        Eventually.until("the preferred leader of " + topic + "-0 leads it", TIMEOUT, PAUSE, () -> {
            target[0] = describe(cluster, 1, topic).partitions().get(0);
            return target[0].leader().id() == target[0].replicas().get(0).id();
        }, () -> "; " + target[0]);
        return target[0];
    }

    /** A partition as a node answers Metadata: its leader (-1 if none), leader epoch and in-sync replicas. */
    private record PartitionState(int leader, int epoch, List<Integer> inSync) {
    }

    /**
     * Partition {@code p} as node {@code node} answers Metadata: asked on one connection to it, since an
     * admin client sends its requests to whichever node it likes.
     */
    private static PartitionState partitionState(BrokerCluster cluster, int node, String topic, int p)
            throws Exception {
        try (RawKafkaConnection connection = new RawKafkaConnection(cluster.node(node).bootstrapServers())) {
            MetadataResponse response = (MetadataResponse) connection.call(ApiKeys.METADATA, (short) 12,
                    new MetadataRequestData().setTopics(List.of(new MetadataRequestData.MetadataRequestTopic()
                            .setName(topic))));
            MetadataResponseData.MetadataResponsePartition partition = response.data().topics().find(topic)
                    .partitions().stream().filter(info -> info.partitionIndex() == p).findFirst().orElseThrow();
            return new PartitionState(partition.leaderId(), partition.leaderEpoch(),
                    partition.isrNodes().stream().sorted().toList());
        }
    }

    private static Admin admin(BrokerCluster cluster, int node) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.node(node).bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000));
    }

    private static void createTopic(BrokerCluster cluster, int node, String topic, int partitions) throws Exception {
        try (Admin admin = admin(cluster, node)) {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty()))).all()
                    .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /** The topic as node {@code node} describes it, once it knows it with a leader for each partition. */
    private static TopicDescription describe(BrokerCluster cluster, int node, String topic) throws Exception {
        return describe(cluster, node, topic, true);
    }

    /** The topic as node {@code node} describes it, once it knows it, led or not. */
    private static TopicDescription known(BrokerCluster cluster, int node, String topic) throws Exception {
        return describe(cluster, node, topic, false);
    }

    private static TopicDescription describe(BrokerCluster cluster, int node, String topic, boolean led)
            throws Exception {
        TopicDescription[] found = new TopicDescription[1];
        try (Admin admin = admin(cluster, node)) {
            Eventually.until("node " + node + " describes " + topic, TIMEOUT, PAUSE, () -> {
                try {
                    found[0] = admin.describeTopics(List.of(topic)).allTopicNames()
                            .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).get(topic);
                    return !led || found[0].partitions().stream().allMatch(p -> p.leader() != null);
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                        return false;
                    }
                    throw e;
                }
            }, () -> "");
        }
        return found[0];
    }
}
