package io.riverlog.api.kafka.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.groups.GroupManager;
import io.riverlog.actors.groups.GroupSettings;
import io.riverlog.actors.partition.PartitionMetrics;
import io.riverlog.actors.partition.PartitionSettings;
import io.riverlog.actors.topics.RegistrySettings;
import io.riverlog.actors.topics.TopicRegistry;
import io.riverlog.api.groups.BrokerGroups;
import io.riverlog.api.kafka.KafkaSettings;
import io.riverlog.api.kafka.codec.KafkaCodecTest;
import io.riverlog.api.kafka.codec.KafkaRequest;
import io.riverlog.api.kafka.codec.KafkaRequestDecoder;
import io.riverlog.api.topics.BrokerTopics;
import io.riverlog.api.topics.LogDirectory;
import io.riverlog.api.topics.TopicIds;
import io.riverlog.wal.Storage;

/**
 * Every version of every group API Riverlog serves, through the real handlers, group manager and
 * topic registry: requests encoded and decoded as on the wire, answers encoded in the request's
 * version and parsed back by kafka-clients.
 */
class GroupApisEveryVersionTest {
    private static final int PORT = 9092;
    private static final int TIMEOUT_MS = 10_000;
    private static final byte[] RANGE_METADATA = "subscription".getBytes(StandardCharsets.UTF_8);

    @TempDir
    static Path dataDir;
    private static ActorTestKit kit;
    private static ActorRef<TopicRegistry.Command> registry;
    private static ActorRef<GroupManager.Command> groups;
    private static KafkaApis apis;
    private static Uuid topicId;

    @BeforeAll
    static void start() throws Exception {
        Config config = ConfigFactory.parseMap(Map.of("riverlog.data-dir", dataDir.toString(),
                "riverlog.groups.initial-rebalance-delay", "0s")).withFallback(ConfigFactory.load());
        kit = ActorTestKit.create(config);
        registry = kit.spawn(TopicRegistry.create(RegistrySettings.fromConfig(config), Storage.LOCAL,
                PartitionMetrics.NONE));
        groups = kit.spawn(GroupManager.create(GroupSettings.fromConfig(config), Storage.LOCAL));
        BrokerTopics topics = new BrokerTopics(registry, kit.scheduler(), Duration.ofSeconds(10));
        apis = KafkaApis.create(topics, new BrokerGroups(groups, kit.scheduler(), Duration.ofSeconds(10)),
                new LogDirectory(dataDir, Runnable::run), KafkaSettings.fromConfig(config),
                PartitionSettings.fromConfig(config), Clock.systemUTC());
        TopicRegistry.ChangeReply created = topics.create("t", 2, Map.of()).toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        topicId = TopicIds.of(((TopicRegistry.Changed) created).topic());
        TestProbe<ListGroupsResponseData> loaded = kit.createTestProbe(ListGroupsResponseData.class);
        loaded.awaitAssert(Duration.ofSeconds(10), () -> {
            ListGroupsResponseData listed = send(ApiKeys.LIST_GROUPS, (short) 0, new ListGroupsRequestData());
            assertThat(listed.errorCode()).isZero();
            return null;
        });
        commit("fetched", Map.of(0, 5L), (short) 9);
    }

    @AfterAll
    static void stop() {
        TestProbe<Done> done = kit.createTestProbe(Done.class);
        groups.tell(new GroupManager.Shutdown(done.ref()));
        registry.tell(new TopicRegistry.Shutdown(done.ref()));
        done.receiveSeveralMessages(2, Duration.ofSeconds(30));
        kit.shutdownTestKit();
    }

    static Stream<Short> versions(ApiKeys key) {
        return IntStream.rangeClosed(key.oldestVersion(), key.latestVersion()).mapToObj(v -> (short) v);
    }

    static Stream<Short> findCoordinatorVersions() {
        return versions(ApiKeys.FIND_COORDINATOR);
    }

    static Stream<Short> joinGroupVersions() {
        return versions(ApiKeys.JOIN_GROUP);
    }

    static Stream<Short> syncGroupVersions() {
        return versions(ApiKeys.SYNC_GROUP);
    }

    static Stream<Short> heartbeatVersions() {
        return versions(ApiKeys.HEARTBEAT);
    }

    static Stream<Short> leaveGroupVersions() {
        return versions(ApiKeys.LEAVE_GROUP);
    }

    static Stream<Short> offsetCommitVersions() {
        return versions(ApiKeys.OFFSET_COMMIT);
    }

    static Stream<Short> offsetFetchVersions() {
        return versions(ApiKeys.OFFSET_FETCH);
    }

    static Stream<Short> listGroupsVersions() {
        return versions(ApiKeys.LIST_GROUPS);
    }

    static Stream<Short> describeGroupsVersions() {
        return versions(ApiKeys.DESCRIBE_GROUPS);
    }

    static Stream<Short> deleteGroupsVersions() {
        return versions(ApiKeys.DELETE_GROUPS);
    }

    @SuppressWarnings("unchecked")
    private static <T extends ApiMessage> T send(ApiKeys key, short version, ApiMessage body) {
        KafkaRequest request = KafkaRequestDecoder.decode(KafkaCodecTest.frame(key, version, 1, body), PORT);
        try {
            ApiMessage answer = apis.handle(request).toCompletableFuture().get(30, TimeUnit.SECONDS).orElseThrow();
            ByteBuffer encoded = KafkaCodecTest.encoded(request.header(), answer);
            return (T) AbstractResponse.parseResponse(encoded, request.header()).data();
        } catch (Exception e) {
            throw new AssertionError(key + " v" + version + " failed", e);
        }
    }

    // ---------------------------------------------------------------- helpers

    private record Member(String groupId, String memberId, int generation) {
    }

    private static JoinGroupRequestData joinRequest(String groupId, String memberId) {
        return new JoinGroupRequestData().setGroupId(groupId).setMemberId(memberId).setSessionTimeoutMs(TIMEOUT_MS)
                .setRebalanceTimeoutMs(TIMEOUT_MS).setProtocolType("consumer")
                .setProtocols(new JoinGroupRequestProtocolCollection(List.of(
                        new JoinGroupRequestProtocol().setName("range").setMetadata(RANGE_METADATA)).iterator()));
    }

    /** A member alone in a new group, joined with JoinGroup {@code version}. */
    private static Member join(String groupId, short version) {
        JoinGroupResponseData joined = send(ApiKeys.JOIN_GROUP, version, joinRequest(groupId, ""));
        if (version >= 4) {
            assertThat(joined.errorCode()).isEqualTo(Errors.MEMBER_ID_REQUIRED.code());
            joined = send(ApiKeys.JOIN_GROUP, version, joinRequest(groupId, joined.memberId()));
        }
        assertThat(joined.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(joined.generationId()).isEqualTo(1);
        assertThat(joined.protocolName()).isEqualTo("range");
        assertThat(joined.leader()).isEqualTo(joined.memberId());
        assertThat(joined.members()).singleElement().satisfies(m -> assertThat(m.metadata()).isEqualTo(RANGE_METADATA));
        if (version >= 7) {
            assertThat(joined.protocolType()).isEqualTo("consumer");
        }
        return new Member(groupId, joined.memberId(), joined.generationId());
    }

    private static SyncGroupResponseData sync(Member member, short version, byte[] assignment) {
        SyncGroupRequestData request = new SyncGroupRequestData().setGroupId(member.groupId())
                .setMemberId(member.memberId()).setGenerationId(member.generation())
                .setAssignments(List.of(new SyncGroupRequestData.SyncGroupRequestAssignment()
                        .setMemberId(member.memberId()).setAssignment(assignment)));
        if (version >= 5) {
            request.setProtocolType("consumer").setProtocolName("range");
        }
        return send(ApiKeys.SYNC_GROUP, version, request);
    }

    private static Member stableMember(String groupId) {
        Member member = join(groupId, ApiKeys.JOIN_GROUP.latestVersion());
        assertThat(sync(member, ApiKeys.SYNC_GROUP.latestVersion(), new byte[0]).errorCode()).isZero();
        return member;
    }

    private static OffsetCommitResponseData commit(String groupId, Map<Integer, Long> offsets, short version) {
        OffsetCommitRequestData.OffsetCommitRequestTopic topic = version >= 10
                ? new OffsetCommitRequestData.OffsetCommitRequestTopic().setTopicId(topicId)
                : new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("t");
        offsets.forEach((partition, offset) -> topic.partitions().add(
                new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(partition)
                        .setCommittedOffset(offset).setCommittedMetadata("m" + offset)
                        .setCommittedLeaderEpoch(version >= 6 ? 2 : -1)));
        return send(ApiKeys.OFFSET_COMMIT, version, new OffsetCommitRequestData().setGroupId(groupId)
                .setGenerationIdOrMemberEpoch(-1).setMemberId("").setTopics(List.of(topic)));
    }

    /** The group's committed offsets of t-0 and t-1 (-1: none), read with the latest OffsetFetch. */
    private static Map<Integer, Long> fetched(String groupId) {
        OffsetFetchResponseData answer = send(ApiKeys.OFFSET_FETCH, ApiKeys.OFFSET_FETCH.latestVersion(),
                new OffsetFetchRequestData().setGroups(List.of(new OffsetFetchRequestData.OffsetFetchRequestGroup()
                        .setGroupId(groupId).setTopics(List.of(new OffsetFetchRequestData.OffsetFetchRequestTopics()
                                .setTopicId(topicId).setPartitionIndexes(List.of(0, 1)))))));
        OffsetFetchResponseData.OffsetFetchResponseTopics topic = answer.groups().get(0).topics().get(0);
        assertThat(topic.topicId()).isEqualTo(topicId);
        return Map.of(0, topic.partitions().get(0).committedOffset(), 1, topic.partitions().get(1).committedOffset());
    }

    // ---------------------------------------------------------------- tests

    @ParameterizedTest(name = "v{0}")
    @MethodSource("findCoordinatorVersions")
    void thisBrokerCoordinatesEveryGroup(short version) {
        FindCoordinatorRequestData request = version >= 4
                ? new FindCoordinatorRequestData().setCoordinatorKeys(List.of("g1", "g2"))
                : new FindCoordinatorRequestData().setKey("g1");
        FindCoordinatorResponseData answer = send(ApiKeys.FIND_COORDINATOR, version, request);
        if (version >= 4) {
            assertThat(answer.coordinators()).extracting(FindCoordinatorResponseData.Coordinator::key)
                    .containsExactly("g1", "g2");
            assertThat(answer.coordinators()).allSatisfy(c -> {
                assertThat(c.errorCode()).isZero();
                assertThat(c.nodeId()).isEqualTo(1);
                assertThat(c.port()).isEqualTo(PORT);
            });
        } else {
            assertThat(answer.errorCode()).isZero();
            assertThat(answer.nodeId()).isEqualTo(1);
            assertThat(answer.host()).isEqualTo("127.0.0.1");
            assertThat(answer.port()).isEqualTo(PORT);
        }
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource("joinGroupVersions")
    void aMemberJoinsAloneAndLeadsGenerationOne(short version) {
        Member member = join("join-v" + version, version);
        assertThat(sync(member, ApiKeys.SYNC_GROUP.latestVersion(), new byte[] {1}).assignment())
                .containsExactly(1);
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource("syncGroupVersions")
    void theLeadersAssignmentComesBackInItsSync(short version) {
        Member member = join("sync-v" + version, ApiKeys.JOIN_GROUP.latestVersion());
        SyncGroupResponseData answer = sync(member, version, new byte[] {4, 2});
        assertThat(answer.errorCode()).isZero();
        assertThat(answer.assignment()).containsExactly(4, 2);
        if (version >= 5) {
            assertThat(answer.protocolType()).isEqualTo("consumer");
            assertThat(answer.protocolName()).isEqualTo("range");
        }
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource("heartbeatVersions")
    void heartbeatsOfTheCurrentGenerationAreAcceptedOthersRefused(short version) {
        Member member = stableMember("heartbeat-v" + version);
        HeartbeatResponseData ok = send(ApiKeys.HEARTBEAT, version, new HeartbeatRequestData()
                .setGroupId(member.groupId()).setMemberId(member.memberId()).setGenerationId(member.generation()));
        HeartbeatResponseData old = send(ApiKeys.HEARTBEAT, version, new HeartbeatRequestData()
                .setGroupId(member.groupId()).setMemberId(member.memberId()).setGenerationId(0));
        HeartbeatResponseData stranger = send(ApiKeys.HEARTBEAT, version, new HeartbeatRequestData()
                .setGroupId(member.groupId()).setMemberId("stranger").setGenerationId(member.generation()));
        assertThat(ok.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(old.errorCode()).isEqualTo(Errors.ILLEGAL_GENERATION.code());
        assertThat(stranger.errorCode()).isEqualTo(Errors.UNKNOWN_MEMBER_ID.code());
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource("leaveGroupVersions")
    void aMemberLeavesAndTheGroupIsEmpty(short version) {
        Member member = stableMember("leave-v" + version);
        LeaveGroupRequestData request = new LeaveGroupRequestData().setGroupId(member.groupId());
        if (version >= 3) {
            request.setMembers(List.of(new LeaveGroupRequestData.MemberIdentity().setMemberId(member.memberId()),
                    new LeaveGroupRequestData.MemberIdentity().setMemberId("stranger")));
        } else {
            request.setMemberId(member.memberId());
        }
        LeaveGroupResponseData answer = send(ApiKeys.LEAVE_GROUP, version, request);
        assertThat(answer.errorCode()).isZero();
        if (version >= 3) {
            assertThat(answer.members()).extracting(LeaveGroupResponseData.MemberResponse::errorCode)
                    .containsExactly(Errors.NONE.code(), Errors.UNKNOWN_MEMBER_ID.code());
        }
        DescribeGroupsResponseData described = send(ApiKeys.DESCRIBE_GROUPS, ApiKeys.DESCRIBE_GROUPS.latestVersion(),
                new DescribeGroupsRequestData().setGroups(List.of(member.groupId())));
        assertThat(described.groups().get(0).groupState()).isEqualTo("Empty");
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource("offsetCommitVersions")
    void offsetsCommittedInEachVersionAreReadBack(short version) {
        String groupId = "commit-v" + version;
        OffsetCommitResponseData answer = commit(groupId, Map.of(1, 100L + version), version);
        assertThat(answer.topics()).singleElement().satisfies(topic -> {
            if (version >= 10) {
                assertThat(topic.topicId()).isEqualTo(topicId);
            } else {
                assertThat(topic.name()).isEqualTo("t");
            }
            assertThat(topic.partitions()).singleElement().satisfies(p -> assertThat(p.errorCode()).isZero());
        });
        assertThat(fetched(groupId)).containsEntry(0, -1L).containsEntry(1, 100L + version);

        OffsetCommitRequestData.OffsetCommitRequestTopic unknown = version >= 10
                ? new OffsetCommitRequestData.OffsetCommitRequestTopic().setTopicId(Uuid.randomUuid())
                : new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("no-such-topic");
        unknown.partitions().add(new OffsetCommitRequestData.OffsetCommitRequestPartition().setCommittedOffset(1));
        OffsetCommitResponseData refused = send(ApiKeys.OFFSET_COMMIT, version, new OffsetCommitRequestData()
                .setGroupId(groupId).setGenerationIdOrMemberEpoch(-1).setTopics(List.of(unknown)));
        assertThat(refused.topics().get(0).partitions().get(0).errorCode()).isEqualTo(version >= 10
                ? Errors.UNKNOWN_TOPIC_ID.code() : Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource("offsetFetchVersions")
    void committedOffsetsAreFetchedInEachVersion(short version) {
        OffsetFetchResponseData answer;
        if (version >= 8) {
            OffsetFetchRequestData.OffsetFetchRequestTopics topic = version >= 10
                    ? new OffsetFetchRequestData.OffsetFetchRequestTopics().setTopicId(topicId)
                    : new OffsetFetchRequestData.OffsetFetchRequestTopics().setName("t");
            answer = send(ApiKeys.OFFSET_FETCH, version, new OffsetFetchRequestData().setGroups(List.of(
                    new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId("fetched")
                            .setTopics(List.of(topic.setPartitionIndexes(List.of(0, 1)))),
                    new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId("never-committed")
                            .setTopics(null))));
            assertThat(answer.groups()).hasSize(2);
            OffsetFetchResponseData.OffsetFetchResponseGroup group = answer.groups().get(0);
            assertThat(group.errorCode()).isZero();
            List<OffsetFetchResponseData.OffsetFetchResponsePartitions> partitions = group.topics().get(0).partitions();
            assertThat(partitions.get(0).committedOffset()).isEqualTo(5);
            assertThat(partitions.get(0).metadata()).isEqualTo("m5");
            assertThat(partitions.get(0).committedLeaderEpoch()).isEqualTo(2);
            assertThat(partitions.get(1).committedOffset()).isEqualTo(-1);
            assertThat(answer.groups().get(1).topics()).isEmpty();
        } else {
            answer = send(ApiKeys.OFFSET_FETCH, version, new OffsetFetchRequestData().setGroupId("fetched")
                    .setTopics(List.of(new OffsetFetchRequestData.OffsetFetchRequestTopic().setName("t")
                            .setPartitionIndexes(List.of(0, 1)))));
            assertThat(answer.errorCode()).isZero();
            List<OffsetFetchResponseData.OffsetFetchResponsePartition> partitions = answer.topics().get(0).partitions();
            assertThat(partitions.get(0).committedOffset()).isEqualTo(5);
            assertThat(partitions.get(0).errorCode()).isZero();
            assertThat(partitions.get(1).committedOffset()).isEqualTo(-1);
            if (version >= 5) {
                assertThat(partitions.get(0).committedLeaderEpoch()).isEqualTo(2);
            }
        }
        if (version >= 2 && version < 8) {
            OffsetFetchResponseData all = send(ApiKeys.OFFSET_FETCH, version,
                    new OffsetFetchRequestData().setGroupId("fetched").setTopics(null));
            assertThat(all.topics()).singleElement().satisfies(t -> assertThat(t.partitions()).hasSize(1));
        }
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource("listGroupsVersions")
    void groupsAreListedWithTheirStateAndType(short version) {
        ListGroupsResponseData answer = send(ApiKeys.LIST_GROUPS, version, new ListGroupsRequestData());
        assertThat(answer.errorCode()).isZero();
        ListGroupsResponseData.ListedGroup fetched = answer.groups().stream()
                .filter(g -> g.groupId().equals("fetched")).findFirst().orElseThrow();
        assertThat(fetched.protocolType()).isEmpty();
        if (version >= 4) {
            assertThat(fetched.groupState()).isEqualTo("Empty");
            ListGroupsResponseData stable = send(ApiKeys.LIST_GROUPS, version,
                    new ListGroupsRequestData().setStatesFilter(List.of("Stable")));
            assertThat(stable.groups()).noneMatch(g -> g.groupId().equals("fetched"));
        }
        if (version >= 5) {
            assertThat(fetched.groupType()).isEqualTo("classic");
            ListGroupsResponseData consumerType = send(ApiKeys.LIST_GROUPS, version,
                    new ListGroupsRequestData().setTypesFilter(List.of("consumer")));
            assertThat(consumerType.groups()).isEmpty();
        }
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource("describeGroupsVersions")
    void groupsAreDescribedAndUnknownOnesAreDead(short version) {
        Member member = stableMember("described-v" + version);
        DescribeGroupsResponseData answer = send(ApiKeys.DESCRIBE_GROUPS, version,
                new DescribeGroupsRequestData().setGroups(List.of(member.groupId(), "no-such-group")));
        DescribeGroupsResponseData.DescribedGroup described = answer.groups().get(0);
        assertThat(described.errorCode()).isZero();
        assertThat(described.groupState()).isEqualTo("Stable");
        assertThat(described.protocolType()).isEqualTo("consumer");
        assertThat(described.protocolData()).isEqualTo("range");
        assertThat(described.members()).singleElement().satisfies(m -> {
            assertThat(m.memberId()).isEqualTo(member.memberId());
            assertThat(m.clientId()).isEqualTo("codec-test");
            assertThat(m.clientHost()).isEqualTo("/127.0.0.1");
            assertThat(m.memberMetadata()).isEqualTo(RANGE_METADATA);
        });
        DescribeGroupsResponseData.DescribedGroup unknown = answer.groups().get(1);
        assertThat(unknown.groupState()).isEqualTo("Dead");
        assertThat(unknown.errorCode()).isEqualTo(version >= 6 ? Errors.GROUP_ID_NOT_FOUND.code() : Errors.NONE.code());
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource("deleteGroupsVersions")
    void emptyGroupsAreDeletedWithTheirOffsetsOthersRefused(short version) {
        String groupId = "deleted-v" + version;
        commit(groupId, Map.of(0, 1L), ApiKeys.OFFSET_COMMIT.latestVersion());
        Member member = stableMember("busy-v" + version);
        DeleteGroupsResponseData answer = send(ApiKeys.DELETE_GROUPS, version, new DeleteGroupsRequestData()
                .setGroupsNames(List.of(groupId, member.groupId(), "no-such-group")));
        assertThat(answer.results().find(groupId).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(answer.results().find(member.groupId()).errorCode()).isEqualTo(Errors.NON_EMPTY_GROUP.code());
        assertThat(answer.results().find("no-such-group").errorCode()).isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());
        assertThat(fetched(groupId)).containsEntry(0, -1L);
    }

    @Test
    void offsetsOfSomePartitionsAreDeleted() {
        commit("offsets-deleted", Map.of(0, 3L, 1, 4L), ApiKeys.OFFSET_COMMIT.latestVersion());
        OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection topics =
                new OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection();
        topics.add(new OffsetDeleteRequestData.OffsetDeleteRequestTopic().setName("t").setPartitions(List.of(
                new OffsetDeleteRequestData.OffsetDeleteRequestPartition().setPartitionIndex(0))));
        OffsetDeleteResponseData answer = send(ApiKeys.OFFSET_DELETE, (short) 0,
                new OffsetDeleteRequestData().setGroupId("offsets-deleted").setTopics(topics));
        assertThat(answer.errorCode()).isZero();
        assertThat(answer.topics().find("t").partitions().find(0).errorCode()).isZero();
        assertThat(fetched("offsets-deleted")).containsEntry(0, -1L).containsEntry(1, 4L);
    }

    // ---------------------------------------------------------------- consumer group protocol (KIP-848)

    static Stream<Short> consumerGroupHeartbeatVersions() {
        return versions(ApiKeys.CONSUMER_GROUP_HEARTBEAT);
    }

    @ParameterizedTest(name = "v{0}")
    @MethodSource("consumerGroupHeartbeatVersions")
    void aConsumerProtocolMemberJoinsHeartbeatsCommitsIsDescribedAndLeaves(short version) {
        String groupId = "kip848-v" + version;
        // Version 0 lets the broker choose the member id; from version 1 on the consumer chooses it.
        String chosen = version == 0 ? "" : Uuid.randomUuid().toString();
        ConsumerGroupHeartbeatResponseData joined = send(ApiKeys.CONSUMER_GROUP_HEARTBEAT, version,
                new ConsumerGroupHeartbeatRequestData().setGroupId(groupId).setMemberId(chosen).setMemberEpoch(0)
                        .setRebalanceTimeoutMs(TIMEOUT_MS).setSubscribedTopicNames(List.of("t"))
                        .setTopicPartitions(List.of()));
        assertThat(joined.errorCode()).isZero();
        String memberId = joined.memberId();
        assertThat(memberId).isNotEmpty();
        if (version > 0) {
            assertThat(memberId).isEqualTo(chosen);
        }
        assertThat(joined.memberEpoch()).isEqualTo(1);
        assertThat(joined.heartbeatIntervalMs()).isPositive();
        assertThat(joined.assignment().topicPartitions()).singleElement().satisfies(tp -> {
            assertThat(tp.topicId()).isEqualTo(topicId);
            assertThat(tp.partitions()).containsExactly(0, 1);
        });
        ConsumerGroupHeartbeatResponseData beat = send(ApiKeys.CONSUMER_GROUP_HEARTBEAT, version,
                new ConsumerGroupHeartbeatRequestData().setGroupId(groupId).setMemberId(memberId).setMemberEpoch(1)
                        .setTopicPartitions(List.of(new ConsumerGroupHeartbeatRequestData.TopicPartitions()
                                .setTopicId(topicId).setPartitions(List.of(0, 1)))));
        assertThat(beat.errorCode()).isZero();
        assertThat(beat.memberEpoch()).isEqualTo(1);
        ConsumerGroupHeartbeatResponseData fenced = send(ApiKeys.CONSUMER_GROUP_HEARTBEAT, version,
                new ConsumerGroupHeartbeatRequestData().setGroupId(groupId).setMemberId(memberId).setMemberEpoch(5));
        assertThat(fenced.errorCode()).isEqualTo(Errors.FENCED_MEMBER_EPOCH.code());

        OffsetCommitResponseData stale = send(ApiKeys.OFFSET_COMMIT, (short) 9, new OffsetCommitRequestData()
                .setGroupId(groupId).setMemberId(memberId).setGenerationIdOrMemberEpoch(0)
                .setTopics(List.of(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("t").setPartitions(
                        List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0)
                                .setCommittedOffset(3))))));
        assertThat(stale.topics().get(0).partitions().get(0).errorCode()).isEqualTo(Errors.STALE_MEMBER_EPOCH.code());
        OffsetFetchResponseData fetched = send(ApiKeys.OFFSET_FETCH, (short) 9, new OffsetFetchRequestData()
                .setGroups(List.of(new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId(groupId)
                        .setMemberId("someone-else").setMemberEpoch(1).setTopics(null))));
        assertThat(fetched.groups().get(0).errorCode()).isEqualTo(Errors.UNKNOWN_MEMBER_ID.code());

        for (short describeVersion : versions(ApiKeys.CONSUMER_GROUP_DESCRIBE).toList()) {
            ConsumerGroupDescribeResponseData described = send(ApiKeys.CONSUMER_GROUP_DESCRIBE, describeVersion,
                    new ConsumerGroupDescribeRequestData().setGroupIds(List.of(groupId, "fetched")));
            assertThat(described.groups().get(0).errorCode()).isZero();
            assertThat(described.groups().get(0).groupState()).isEqualTo("Stable");
            assertThat(described.groups().get(0).assignorName()).isEqualTo("uniform");
            assertThat(described.groups().get(0).members()).singleElement().satisfies(m -> {
                assertThat(m.memberId()).isEqualTo(memberId);
                assertThat(m.subscribedTopicNames()).containsExactly("t");
                assertThat(m.assignment().topicPartitions()).singleElement()
                        .satisfies(tp -> assertThat(tp.topicName()).isEqualTo("t"));
            });
            assertThat(described.groups().get(1).errorCode()).as("a group that only committed offsets")
                    .isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());
        }
        ListGroupsResponseData listed = send(ApiKeys.LIST_GROUPS, (short) 5,
                new ListGroupsRequestData().setTypesFilter(List.of("consumer")));
        assertThat(listed.groups()).anySatisfy(g -> {
            assertThat(g.groupId()).isEqualTo(groupId);
            assertThat(g.groupType()).isEqualTo("consumer");
        }).allSatisfy(g -> assertThat(g.groupType()).isEqualTo("consumer"));
        DescribeGroupsResponseData classic = send(ApiKeys.DESCRIBE_GROUPS, (short) 6,
                new DescribeGroupsRequestData().setGroups(List.of(groupId)));
        assertThat(classic.groups().get(0).errorCode()).isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());

        ConsumerGroupHeartbeatResponseData left = send(ApiKeys.CONSUMER_GROUP_HEARTBEAT, version,
                new ConsumerGroupHeartbeatRequestData().setGroupId(groupId).setMemberId(memberId).setMemberEpoch(-1));
        assertThat(left.errorCode()).isZero();
        assertThat(left.memberEpoch()).isEqualTo(-1);
    }

    @Test
    void aClassicGroupWithMembersIsNotFoundByTheConsumerGroupApis() {
        Member member = join("classic-not-kip848", (short) 9);
        ConsumerGroupHeartbeatResponseData refused = send(ApiKeys.CONSUMER_GROUP_HEARTBEAT, (short) 1,
                new ConsumerGroupHeartbeatRequestData().setGroupId(member.groupId()).setMemberId("m").setMemberEpoch(0)
                        .setRebalanceTimeoutMs(TIMEOUT_MS).setSubscribedTopicNames(List.of("t"))
                        .setTopicPartitions(List.of()));
        assertThat(refused.errorCode()).isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());
        ConsumerGroupDescribeResponseData described = send(ApiKeys.CONSUMER_GROUP_DESCRIBE, (short) 1,
                new ConsumerGroupDescribeRequestData().setGroupIds(List.of(member.groupId())));
        assertThat(described.groups().get(0).errorCode()).isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());
        assertThat(described.groups().get(0).errorMessage()).contains("not a consumer group");
    }

    @Test
    void theAdvertisedGroupApisAreExactlyThoseServed() {
        assertThat(apis.served()).containsKeys(ApiKeys.FIND_COORDINATOR, ApiKeys.JOIN_GROUP, ApiKeys.SYNC_GROUP,
                ApiKeys.HEARTBEAT, ApiKeys.LEAVE_GROUP, ApiKeys.OFFSET_COMMIT, ApiKeys.OFFSET_FETCH,
                ApiKeys.OFFSET_DELETE, ApiKeys.LIST_GROUPS, ApiKeys.DESCRIBE_GROUPS, ApiKeys.DELETE_GROUPS,
                ApiKeys.CONSUMER_GROUP_HEARTBEAT, ApiKeys.CONSUMER_GROUP_DESCRIBE);
        assertThat(apis.served()).doesNotContainKeys(ApiKeys.TXN_OFFSET_COMMIT);
    }
}
