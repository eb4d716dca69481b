package io.riverlog.actors.topics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.topics.TopicRegistry.ChangeFailed;
import io.riverlog.actors.topics.TopicRegistry.ChangeReply;
import io.riverlog.actors.topics.TopicRegistry.Changed;
import io.riverlog.wal.LogFiles;

/** The registry's protocol, within one run: every test starts on an empty data directory. */
class TopicRegistryTest {
    /** One actor system for the whole class, on the defaults of this module and wal-io (their reference.conf). */
    private static final ActorTestKit kit = ActorTestKit.create(ConfigFactory.load());

    @TempDir
    Path dataDir;
    private RegistryRun run;

    @BeforeEach
    void start() {
        run = RegistryRun.start(kit, dataDir);
    }

    @AfterEach
    void stop() {
        run.shutdown();
    }

    @AfterAll
    static void stopKit() {
        kit.shutdownTestKit();
    }

    @Test
    void createdTopicIsListedAndDescribedWithAFreshNonZeroId() {
        TopicInfo orders = run.create("orders", 3, Map.of("retention.ms", "60000"));
        TopicInfo audit = run.create("audit", 1);

        assertThat(orders.name()).isEqualTo("orders");
        assertThat(orders.partitions()).isEqualTo(3);
        assertThat(orders.configs()).containsExactly(Map.entry("retention.ms", "60000"));
        assertThat(orders.topicId()).isNotEqualTo(new UUID(0, 0)).isNotEqualTo(audit.topicId());
        assertThat(run.list()).containsExactly(audit, orders);
        assertThat(run.describe("orders")).contains(orders);
        assertThat(run.describe("nothing")).isEmpty();
    }

    @Test
    void everyAnsweredChangeIsAlreadyInThePublishedTopics() {
        TopicInfo orders = run.create("orders", 2);
        assertThat(run.published.current()).hasValue(List.of(orders));

        run.createPartitions("orders", 5);
        assertThat(run.published.current().orElseThrow()).singleElement()
                .satisfies(topic -> assertThat(topic.partitions()).isEqualTo(5));

        assertThat(run.delete("orders")).isInstanceOf(TopicRegistry.Changed.class);
        assertThat(run.published.current()).hasValue(List.of());
        assertThat(run.published.current().orElseThrow()).isEqualTo(run.list());
    }

    @Test
    void everyPartitionOfATopicHasItsOwnActorAndNoOtherPartitionHasOne() {
        run.create("orders", 2);

        Optional<ActorRef<PartitionActor.Command>> first = run.partition("orders", 0);
        Optional<ActorRef<PartitionActor.Command>> second = run.partition("orders", 1);
        assertThat(first).isPresent();
        assertThat(second).isPresent();
        assertThat(first.get()).isNotEqualTo(second.get());
        assertThat(run.partition("orders", 2)).isEmpty();
        assertThat(run.partition("orders", -1)).isEmpty();
        assertThat(run.partition("nothing", 0)).isEmpty();
        assertThat(run.append("orders", 1, "a", "b").baseOffset()).isZero();
        assertThat(run.values("orders", 1)).containsExactly("a", "b");
        assertThat(run.values("orders", 0)).isEmpty();
        assertThat(dataDir.resolve("topics/orders-0")).isDirectory();
        assertThat(dataDir.resolve("topics/orders-1")).isDirectory();
    }

    @Test
    void topicCreatedWithoutAPartitionCountGetsTheDefault() {
        TopicInfo topic = run.create("events", TopicRegistry.CreateTopic.DEFAULT_PARTITIONS, Map.of());
        assertThat(topic.partitions()).isEqualTo(run.settings.defaultPartitions());
    }

    static List<String> illegalNames() {
        return List.of("", ".", "..", "has space", "slash/in/it", "colon:", "star*", "ümlaut", "tab\t",
                "x".repeat(TopicNames.MAX_LENGTH + 1));
    }

    @ParameterizedTest
    @MethodSource("illegalNames")
    void illegalTopicNamesAreRefusedAsInvalidTopic(String name) {
        assertFailed(run.tryCreate(name, 1, Map.of()), TopicError.INVALID_TOPIC);
        assertThat(run.list()).isEmpty();
    }

    @Test
    void namesAtTheEdgeOfTheRulesAreAccepted() {
        String longest = "L".repeat(TopicNames.MAX_LENGTH);
        run.create(longest, 1);
        run.create("...", 1);
        run.create("a.B_9-z", 1);
        assertThat(run.list()).extracting(TopicInfo::name).containsExactlyInAnyOrder(longest, "...", "a.B_9-z");
    }

    @Test
    void namesThatDifferOnlyByDotAndUnderscoreCannotBothExist() {
        run.create("metrics.cpu", 1);
        assertFailed(run.tryCreate("metrics_cpu", 1, Map.of()), TopicError.INVALID_TOPIC);
    }

    @Test
    void duplicateNameIsRefusedAndTheFirstTopicStays() {
        TopicInfo first = run.create("orders", 2);
        assertFailed(run.tryCreate("orders", 5, Map.of()), TopicError.TOPIC_ALREADY_EXISTS);
        assertThat(run.describe("orders")).contains(first);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -2, Integer.MIN_VALUE})
    void partitionCountBelowOneIsRefused(int partitions) {
        assertFailed(run.tryCreate("orders", partitions, Map.of()), TopicError.INVALID_PARTITIONS);
        assertThat(run.describe("orders")).isEmpty();
    }

    @Test
    void unknownConfigKeyAndOutOfRangeValuesAreRefusedAsInvalidConfig() {
        assertFailed(run.tryCreate("a", 1, Map.of("retention.hours", "1")), TopicError.INVALID_CONFIG);
        assertFailed(run.tryCreate("a", 1, Map.of("retention.ms", "soon")), TopicError.INVALID_CONFIG);
        assertFailed(run.tryCreate("a", 1, Map.of("retention.ms", "-2")), TopicError.INVALID_CONFIG);
        assertFailed(run.tryCreate("a", 1, Map.of("cleanup.policy", "shred")), TopicError.INVALID_CONFIG);
        assertFailed(run.tryCreate("a", 1, Map.of("segment.bytes", "10")), TopicError.INVALID_CONFIG);
        assertThat(run.list()).isEmpty();
    }

    @Test
    void deleteRemovesTheTopicItsPartitionsAndTheirData() {
        run.create("orders", 2);
        run.append("orders", 0, "x");
        ActorRef<PartitionActor.Command> partition = run.partition("orders", 0).orElseThrow();

        ChangeReply reply = run.delete("orders");

        assertThat(reply).isInstanceOf(Changed.class);
        assertThat(((Changed) reply).topic().name()).isEqualTo("orders");
        TestProbe<Object> watcher = kit.createTestProbe();
        watcher.expectTerminated(partition);
        assertThat(run.list()).isEmpty();
        assertThat(run.partition("orders", 0)).isEmpty();
        assertThat(dataDir.resolve("topics/orders-0")).doesNotExist();
        assertThat(dataDir.resolve("topics/orders-1")).doesNotExist();
    }

    @Test
    void deleteOfAnUnknownTopicFails() {
        ChangeReply reply = run.delete("nothing");
        assertThat(reply).isInstanceOf(ChangeFailed.class);
        assertThat(((ChangeFailed) reply).error()).isEqualTo(TopicError.UNKNOWN_TOPIC);
    }

    @Test
    void recreatedTopicHasANewIdAndEmptyPartitions() {
        TopicInfo first = run.create("orders", 1);
        run.append("orders", 0, "old-1", "old-2");
        run.delete("orders");

        TopicInfo second = run.create("orders", 1);

        assertThat(second.topicId()).isNotEqualTo(first.topicId());
        assertThat(run.values("orders", 0)).isEmpty();
        assertThat(run.append("orders", 0, "new").baseOffset()).isZero();
        assertThat(run.values("orders", 0)).containsExactly("new");
    }

    @Test
    void aTopicIdIsNeverGivenTwiceEvenAfterItsTopicIsDeleted() {
        run.shutdown();
        UUID reused = UUID.fromString("00000000-0000-0000-0000-00000000abcd");
        UUID fresh = UUID.fromString("00000000-0000-0000-0000-00000000beef");
        ArrayDeque<UUID> ids = new ArrayDeque<>(List.of(reused, reused, fresh));
        run = RegistryRun.start(kit, dataDir, ids::poll);

        assertThat(run.create("a", 1).topicId()).isEqualTo(reused);
        run.delete("a");
        assertThat(run.create("a", 1).topicId()).isEqualTo(fresh);
    }

    @Test
    void createPartitionsGrowsATopicWithEmptyPartitions() {
        TopicInfo before = run.create("orders", 1);
        run.append("orders", 0, "kept");

        ChangeReply reply = run.createPartitions("orders", 3);

        assertThat(reply).isEqualTo(new Changed(before.withPartitions(3)));
        assertThat(run.describe("orders").orElseThrow().partitions()).isEqualTo(3);
        assertThat(run.partition("orders", 2)).isPresent();
        assertThat(run.values("orders", 0)).containsExactly("kept");
        assertThat(run.values("orders", 2)).isEmpty();
    }

    @Test
    void createPartitionsThatDoesNotGrowTheTopicIsRefused() {
        run.create("orders", 2);
        assertFailed(run.createPartitions("orders", 2), TopicError.INVALID_PARTITIONS);
        assertFailed(run.createPartitions("orders", 1), TopicError.INVALID_PARTITIONS);
        assertFailed(run.createPartitions("nothing", 4), TopicError.UNKNOWN_TOPIC);
        assertThat(run.describe("orders").orElseThrow().partitions()).isEqualTo(2);
    }

    @Test
    void alterConfigsSetsAndRemovesKeys() {
        run.create("orders", 1, Map.of("retention.ms", "1000", "segment.bytes", "1048576"));

        ChangeReply reply = run.alterConfigs("orders",
                Map.of("retention.ms", Optional.empty(), "retention.bytes", Optional.of(" 4096 ")));

        assertThat(reply).isInstanceOf(Changed.class);
        assertThat(((Changed) reply).topic().configs())
                .containsExactly(Map.entry("retention.bytes", "4096"), Map.entry("segment.bytes", "1048576"));
        assertThat(run.describe("orders").orElseThrow().configs()).isEqualTo(((Changed) reply).topic().configs());
    }

    @Test
    void alterConfigsWithAnUnknownKeyOrOfAnUnknownTopicIsRefused() {
        run.create("orders", 1, Map.of("retention.ms", "1000"));
        assertThat(((ChangeFailed) run.alterConfigs("orders", Map.of("cleanup.polcy", Optional.of("compact"))))
                .error()).isEqualTo(TopicError.INVALID_CONFIG);
        assertThat(((ChangeFailed) run.alterConfigs("orders", Map.of("retention.ms", Optional.of("-5"))))
                .error()).isEqualTo(TopicError.INVALID_CONFIG);
        assertThat(((ChangeFailed) run.alterConfigs("nothing", Map.of("retention.ms", Optional.of("5"))))
                .error()).isEqualTo(TopicError.UNKNOWN_TOPIC);
        assertThat(run.describe("orders").orElseThrow().configs()).containsExactly(Map.entry("retention.ms", "1000"));
    }

    @Test
    void changesSentTogetherAreCarriedOutOneAtATimeInTheirOrder() {
        TestProbe<ChangeReply> created = kit.createTestProbe();
        TestProbe<ChangeReply> deleted = kit.createTestProbe();
        run.registry.tell(new TopicRegistry.CreateTopic("orders", 2, Map.of(), created.getRef()));
        run.registry.tell(new TopicRegistry.CreateTopic("orders", 1, Map.of(), created.getRef()));
        run.registry.tell(new TopicRegistry.DeleteTopic("orders", deleted.getRef()));
        run.registry.tell(new TopicRegistry.CreateTopic("orders", 4, Map.of(), created.getRef()));

        TopicInfo first = ((Changed) created.receiveMessage()).topic();
        assertFailed(created.receiveMessage(), TopicError.TOPIC_ALREADY_EXISTS);
        assertThat(deleted.receiveMessage()).isEqualTo(new Changed(first));
        TopicInfo second = ((Changed) created.receiveMessage()).topic();
        assertThat(second.partitions()).isEqualTo(4);
        assertThat(second.topicId()).isNotEqualTo(first.topicId());
        assertThat(run.list()).containsExactly(second);
    }

    @Test
    void producerIdReservationsSentAmongChangesEachGetTheirOwnBlockInTurn() {
        TestProbe<ChangeReply> created = kit.createTestProbe();
        TestProbe<TopicRegistry.ProducerIdsReply> reserved = kit.createTestProbe();
        run.registry.tell(new TopicRegistry.ReserveProducerIds(reserved.getRef()));
        run.registry.tell(new TopicRegistry.CreateTopic("orders", 1, Map.of(), created.getRef()));
        run.registry.tell(new TopicRegistry.ReserveProducerIds(reserved.getRef()));
        run.registry.tell(new TopicRegistry.ReserveProducerIds(reserved.getRef()));
        run.registry.tell(new TopicRegistry.CreateTopic("audit", 1, Map.of(), created.getRef()));

        int blockSize = run.settings.producerIdBlockSize();
        for (int block = 0; block < 3; block++) {
            assertThat(reserved.receiveMessage()).isEqualTo(
                    new TopicRegistry.ProducerIdBlock((long) block * blockSize, (long) (block + 1) * blockSize));
        }
        assertThat(created.receiveMessage()).isInstanceOf(Changed.class);
        assertThat(created.receiveMessage()).isInstanceOf(Changed.class);
        assertThat(run.list()).extracting(TopicInfo::name).containsExactly("audit", "orders");
    }

    @Test
    void shutdownStopsEveryPartitionAndThenTheRegistry() {
        run.create("a", 2);
        run.create("b", 1);
        List<ActorRef<PartitionActor.Command>> partitions = List.of(run.partition("a", 0).orElseThrow(),
                run.partition("a", 1).orElseThrow(), run.partition("b", 0).orElseThrow());

        run.shutdown();

        TestProbe<Object> watcher = kit.createTestProbe();
        partitions.forEach(watcher::expectTerminated);
        assertThat(dataDir.resolve("topics/a-0").resolve(LogFiles.CLEAN_SHUTDOWN)).exists();
    }

    private static void assertFailed(ChangeReply reply, TopicError error) {
        assertThat(reply).isInstanceOf(ChangeFailed.class);
        assertThat(((ChangeFailed) reply).error()).isEqualTo(error);
        assertThat(((ChangeFailed) reply).message()).isNotBlank();
    }
}
