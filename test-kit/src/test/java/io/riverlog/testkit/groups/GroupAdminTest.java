package io.riverlog.testkit.groups;

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
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.GroupSubscribedToTopicException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.testkit.Conditions;
import io.riverlog.testkit.EmbeddedBroker;
import io.riverlog.testkit.KafkaClients;

/**
 * The admin client's group operations: list and describe groups, list, alter and delete their
 * offsets, delete groups; with one group that has a member and one that only committed offsets.
 */
class GroupAdminTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final TopicPartition P0 = new TopicPartition("admin", 0);
    private static final TopicPartition P1 = new TopicPartition("admin", 1);
    /** The other test's group is of the consumer group protocol. */
    private static final ListGroupsOptions CLASSIC_CONSUMER_GROUPS = ListGroupsOptions.forConsumerGroups()
            .withTypes(Set.of(GroupType.CLASSIC));

    @TempDir
    static Path dataDir;
    static EmbeddedBroker broker;

    @BeforeAll
    static void start() {
        Map<String, Object> settings = new java.util.HashMap<>(KafkaClients.CONSUMER_PROTOCOL_BROKER);
        settings.put("riverlog.groups.initial-rebalance-delay", "0s");
        broker = EmbeddedBroker.start(dataDir, settings);
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

            Map<String, GroupListing> listed = admin.listGroups(CLASSIC_CONSUMER_GROUPS).all().get()
                    .stream().collect(Collectors.toMap(GroupListing::groupId, g -> g));
            assertThat(listed).containsOnlyKeys("idle", "active");
            assertThat(listed.get("active").groupState()).contains(GroupState.STABLE);
            assertThat(listed.get("active").protocol()).isEqualTo("consumer");
            assertThat(listed.get("active").type()).contains(GroupType.CLASSIC);
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
            assertThat(admin.listGroups(CLASSIC_CONSUMER_GROUPS).all().get())
                    .extracting(GroupListing::groupId).containsExactly("active");
            assertThat(admin.listConsumerGroupOffsets("idle").partitionsToOffsetAndMetadata().get()).isEmpty();
            assertThat(causeOf(() -> admin.deleteConsumerGroups(List.of("idle")).all().get()))
                    .isInstanceOf(GroupIdNotFoundException.class);
        }
    }

    /**
     * A group of the consumer group protocol (KIP-848) with two members: listed with type consumer,
     * described through ConsumerGroupDescribe with its epochs, assignor and each member's assignment,
     * refused by the classic DescribeGroups-only paths as Kafka refuses them, and its offsets readable.
     */
    @Test
    void aConsumerProtocolGroupIsListedAndDescribedWithItsMembersAndAssignments() throws Exception {
        String topic = "admin-kip848";
        KafkaClients.createTopic(broker.bootstrapServers(), topic, 4);
        Map<String, Object> rangeMembers = new java.util.HashMap<>(KafkaClients.quickMember("consumer"));
        rangeMembers.put(ConsumerConfig.GROUP_REMOTE_ASSIGNOR_CONFIG, "range");
        Conditions changes = new Conditions();
        try (GroupMember first = new GroupMember("first", broker.bootstrapServers(), "modern", topic, rangeMembers,
                new ConcurrentLinkedQueue<>(), changes);
             GroupMember second = new GroupMember("second", broker.bootstrapServers(), "modern", topic, rangeMembers,
                     new ConcurrentLinkedQueue<>(), changes);
             Admin admin = KafkaClients.admin(broker.bootstrapServers())) {
            changes.await("each member owns two partitions", WAIT, () -> first.assignment().size() == 2
                    && second.assignment().size() == 2, () -> first.assignment() + " " + second.assignment());
            Map<String, GroupListing> listed = admin.listGroups(ListGroupsOptions.forConsumerGroups()
                    .withTypes(Set.of(GroupType.CONSUMER))).all().get().stream()
                    .collect(Collectors.toMap(GroupListing::groupId, g -> g));
            assertThat(listed).containsOnlyKeys("modern");
            assertThat(listed.get("modern").type()).contains(GroupType.CONSUMER);
            assertThat(listed.get("modern").protocol()).isEqualTo("consumer");

            ConsumerGroupDescription modern = admin.describeConsumerGroups(List.of("modern")).all().get().get("modern");
            assertThat(modern.type()).isEqualTo(GroupType.CONSUMER);
            assertThat(modern.groupState()).isEqualTo(GroupState.STABLE);
            assertThat(modern.partitionAssignor()).isEqualTo("range");
            assertThat(modern.groupEpoch()).isPresent();
            assertThat(modern.targetAssignmentEpoch()).isEqualTo(modern.groupEpoch());
            assertThat(modern.members()).hasSize(2).allSatisfy(m -> {
                assertThat(m.clientId()).startsWith("consumer-modern-");
                assertThat(m.host()).isEqualTo("/127.0.0.1");
                assertThat(m.memberEpoch()).isEqualTo(modern.groupEpoch());
                assertThat(m.assignment().topicPartitions()).hasSize(2);
                assertThat(m.targetAssignment()).contains(m.assignment());
            });
            // Range: each member owns a contiguous half of the topic.
            assertThat(modern.members().stream().map(m -> m.assignment().topicPartitions().stream()
                    .map(TopicPartition::partition).sorted().toList()).collect(Collectors.toSet()))
                    .containsExactlyInAnyOrder(List.of(0, 1), List.of(2, 3));

            assertThat(causeOf(() -> admin.describeConsumerGroups(List.of("absent")).all().get()))
                    .isInstanceOf(GroupIdNotFoundException.class).hasMessage("Group absent not found.");
            assertThat(causeOf(() -> admin.deleteConsumerGroups(List.of("modern")).all().get()))
                    .isInstanceOf(GroupNotEmptyException.class);
            assertThat(causeOf(() -> admin.alterConsumerGroupOffsets("modern", Map.of(new TopicPartition(topic, 0),
                    new OffsetAndMetadata(0))).all().get())).isInstanceOf(UnknownMemberIdException.class);
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
