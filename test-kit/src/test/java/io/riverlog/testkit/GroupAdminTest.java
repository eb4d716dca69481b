package io.riverlog.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.GroupSubscribedToTopicException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin client's group operations: list and describe groups, list, alter and delete their
 * offsets, delete groups; with one group that has a member and one that only committed offsets.
 */
class GroupAdminTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final TopicPartition P0 = new TopicPartition("admin", 0);
    private static final TopicPartition P1 = new TopicPartition("admin", 1);

    @TempDir
    static Path dataDir;
    static EmbeddedBroker broker;

    @BeforeAll
    static void start() {
        broker = EmbeddedBroker.start(dataDir, Map.of("riverlog.groups.initial-rebalance-delay", "0s"));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void groupsAreListedDescribedAndTheirOffsetsListedAlteredAndDeleted() throws Exception {
        KafkaClients.createTopic(broker.bootstrapServers(), "admin", 2);
        try (KafkaConsumer<byte[], byte[]> assigning = KafkaClients.groupConsumer(broker.bootstrapServers(), "idle",
                Map.of())) {
            assigning.commitSync(Map.of(P0, new OffsetAndMetadata(3), P1, new OffsetAndMetadata(4)), WAIT);
        }
        Conditions changes = new Conditions();
        try (GroupMember member = new GroupMember("active-member", broker.bootstrapServers(), "active", "admin",
                ConsumerGroupTest.QUICK_MEMBER, new ConcurrentLinkedQueue<>(), changes);
             Admin admin = KafkaClients.admin(broker.bootstrapServers())) {
            changes.await("the member owns both partitions", WAIT, () -> member.assignment().size() == 2,
                    () -> member.assignment().toString());

            Map<String, GroupListing> listed = admin.listGroups(ListGroupsOptions.forConsumerGroups()).all().get()
                    .stream().collect(Collectors.toMap(GroupListing::groupId, g -> g));
            assertThat(listed).containsOnlyKeys("idle", "active");
            assertThat(listed.get("active").groupState()).contains(GroupState.STABLE);
            assertThat(listed.get("active").protocol()).isEqualTo("consumer");
            assertThat(listed.get("idle").groupState()).contains(GroupState.EMPTY);
            assertThat(listed.get("idle").isSimpleConsumerGroup()).isTrue();

            Map<String, ConsumerGroupDescription> described = admin.describeConsumerGroups(List.of("active", "idle"))
                    .all().get();
            ConsumerGroupDescription active = described.get("active");
            assertThat(active.groupState()).isEqualTo(GroupState.STABLE);
            assertThat(active.partitionAssignor()).isEqualTo("range");
            assertThat(active.members()).singleElement().satisfies(m -> {
                assertThat(m.clientId()).startsWith("consumer-active-");
                assertThat(m.host()).isEqualTo("/127.0.0.1");
                assertThat(m.assignment().topicPartitions()).containsExactlyInAnyOrder(P0, P1);
            });
            assertThat(described.get("idle").groupState()).isEqualTo(GroupState.EMPTY);
            assertThat(described.get("idle").members()).isEmpty();

            assertThat(admin.listConsumerGroupOffsets("idle").partitionsToOffsetAndMetadata().get())
                    .containsOnly(Map.entry(P0, new OffsetAndMetadata(3)), Map.entry(P1, new OffsetAndMetadata(4)));
            admin.alterConsumerGroupOffsets("idle", Map.of(P0, new OffsetAndMetadata(1))).all().get();
            admin.deleteConsumerGroupOffsets("idle", Set.of(P1)).all().get();
            assertThat(admin.listConsumerGroupOffsets("idle").partitionsToOffsetAndMetadata().get())
                    .containsOnly(Map.entry(P0, new OffsetAndMetadata(1)));

            assertThat(causeOf(() -> admin.alterConsumerGroupOffsets("active", Map.of(P0, new OffsetAndMetadata(0)))
                    .all().get())).isInstanceOf(UnknownMemberIdException.class);
            assertThat(causeOf(() -> admin.deleteConsumerGroupOffsets("active", Set.of(P0)).all().get()))
                    .isInstanceOf(GroupSubscribedToTopicException.class);
            assertThat(causeOf(() -> admin.deleteConsumerGroups(List.of("active")).all().get()))
                    .isInstanceOf(GroupNotEmptyException.class);

            admin.deleteConsumerGroups(List.of("idle")).all().get();
            assertThat(admin.listGroups(ListGroupsOptions.forConsumerGroups()).all().get())
                    .extracting(GroupListing::groupId).containsExactly("active");
            assertThat(admin.listConsumerGroupOffsets("idle").partitionsToOffsetAndMetadata().get()).isEmpty();
            assertThat(causeOf(() -> admin.deleteConsumerGroups(List.of("idle")).all().get()))
                    .isInstanceOf(GroupIdNotFoundException.class);
        }
    }

    @FunctionalInterface
    private interface Call {
        void run() throws Exception;
    }

    /** What the call failed with (the admin client wraps it in an ExecutionException). */
    private static Throwable causeOf(Call call) {
        try {
            call.run();
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError("failed otherwise than expected", e);
        }
        throw new AssertionError("did not fail");
    }
}
