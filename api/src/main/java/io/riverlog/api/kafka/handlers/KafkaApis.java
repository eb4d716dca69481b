package io.riverlog.api.kafka.handlers;

import java.time.Clock;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AbstractResponse;

import io.riverlog.actors.partition.PartitionSettings;
import io.riverlog.api.groups.BrokerGroups;
import io.riverlog.api.kafka.KafkaMetrics;
import io.riverlog.api.kafka.KafkaSettings;
import io.riverlog.api.kafka.codec.KafkaRequest;
import io.riverlog.api.kafka.handlers.ApiVersionsHandler.VersionRange;
import io.riverlog.api.topics.BrokerTopics;
import io.riverlog.api.topics.LogDirectory;
import io.riverlog.api.topics.ReservedProducerIds;

/**
 * Routes each request to the handler of its API. The table below is also what ApiVersions
 * advertises, so a client is never offered an API that is not served, nor a version outside it.
 */
public final class KafkaApis implements KafkaRequestHandler {
    private record Route(VersionRange versions, KafkaRequestHandler handler) {
    }

    private final Map<ApiKeys, Route> routes;

    private KafkaApis(Map<ApiKeys, Route> routes) {
        this.routes = routes;
    }

    public static KafkaApis create(BrokerTopics topics, BrokerGroups groups, LogDirectory logDirectory,
                                   KafkaSettings settings, PartitionSettings partitionDefaults, Clock clock) {
        return create(topics, groups, logDirectory, settings, partitionDefaults, clock, KafkaMetrics.NONE);
    }

    /** As the other {@code create}, reporting the records fetch answers carry to {@code metrics}. */
    public static KafkaApis create(BrokerTopics topics, BrokerGroups groups, LogDirectory logDirectory,
                                   KafkaSettings settings, PartitionSettings partitionDefaults, Clock clock,
                                   KafkaMetrics metrics) {
        Map<ApiKeys, Route> routes = new EnumMap<>(ApiKeys.class);
        TopicConfigView topicConfigs = new TopicConfigView(partitionDefaults);
        routes.put(ApiKeys.METADATA,
                route(ApiKeys.METADATA, new MetadataHandler(topics, settings, settings.autoCreateTopics())));
        // Produce 0-2 are advertised because some clients insist on seeing version 0; they are refused if sent.
        routes.put(ApiKeys.PRODUCE, new Route(VersionRange.of(0, ApiKeys.PRODUCE.latestVersion()),
                new ProduceHandler(topics)));
        routes.put(ApiKeys.FETCH, route(ApiKeys.FETCH, new FetchHandler(topics, metrics)));
        routes.put(ApiKeys.LIST_OFFSETS, route(ApiKeys.LIST_OFFSETS, new ListOffsetsHandler(topics)));
        routes.put(ApiKeys.DELETE_RECORDS, route(ApiKeys.DELETE_RECORDS, new DeleteRecordsHandler(topics)));
        routes.put(ApiKeys.OFFSET_FOR_LEADER_EPOCH, route(ApiKeys.OFFSET_FOR_LEADER_EPOCH,
                new OffsetsForLeaderEpochHandler(topics)));
        routes.put(ApiKeys.INIT_PRODUCER_ID, route(ApiKeys.INIT_PRODUCER_ID,
                new InitProducerIdHandler(new ReservedProducerIds(topics))));
        routes.put(ApiKeys.CREATE_TOPICS, route(ApiKeys.CREATE_TOPICS,
                new CreateTopicsHandler(topics, topicConfigs)));
        routes.put(ApiKeys.DELETE_TOPICS, route(ApiKeys.DELETE_TOPICS, new DeleteTopicsHandler(topics)));
        routes.put(ApiKeys.CREATE_PARTITIONS, route(ApiKeys.CREATE_PARTITIONS, new CreatePartitionsHandler(topics)));
        routes.put(ApiKeys.DESCRIBE_CONFIGS, route(ApiKeys.DESCRIBE_CONFIGS, new DescribeConfigsHandler(topics,
                topicConfigs, new BrokerConfigView(settings, partitionDefaults))));
        routes.put(ApiKeys.ALTER_CONFIGS, route(ApiKeys.ALTER_CONFIGS, new AlterConfigsHandler(topics)));
        routes.put(ApiKeys.INCREMENTAL_ALTER_CONFIGS, route(ApiKeys.INCREMENTAL_ALTER_CONFIGS,
                new IncrementalAlterConfigsHandler(topics, topicConfigs)));
        routes.put(ApiKeys.DESCRIBE_CLUSTER, route(ApiKeys.DESCRIBE_CLUSTER,
                new DescribeClusterHandler(settings, topics.cluster())));
        routes.put(ApiKeys.DESCRIBE_LOG_DIRS, route(ApiKeys.DESCRIBE_LOG_DIRS,
                new DescribeLogDirsHandler(topics, logDirectory)));
        routes.put(ApiKeys.DESCRIBE_PRODUCERS, route(ApiKeys.DESCRIBE_PRODUCERS, new DescribeProducersHandler(topics)));
        routes.put(ApiKeys.ELECT_LEADERS, route(ApiKeys.ELECT_LEADERS, new ElectLeadersHandler(topics)));
        routes.put(ApiKeys.ALTER_PARTITION_REASSIGNMENTS, route(ApiKeys.ALTER_PARTITION_REASSIGNMENTS,
                new AlterPartitionReassignmentsHandler(topics)));
        routes.put(ApiKeys.LIST_PARTITION_REASSIGNMENTS, route(ApiKeys.LIST_PARTITION_REASSIGNMENTS,
                new ListPartitionReassignmentsHandler(topics)));
        // Consumer groups, classic and of the consumer group protocol (KIP-848), and committed offsets.
        routes.put(ApiKeys.FIND_COORDINATOR, route(ApiKeys.FIND_COORDINATOR,
                new FindCoordinatorHandler(settings, topics.cluster())));
        routes.put(ApiKeys.JOIN_GROUP, route(ApiKeys.JOIN_GROUP, new JoinGroupHandler(groups)));
        routes.put(ApiKeys.SYNC_GROUP, route(ApiKeys.SYNC_GROUP, new SyncGroupHandler(groups)));
        routes.put(ApiKeys.HEARTBEAT, route(ApiKeys.HEARTBEAT, new HeartbeatHandler(groups)));
        routes.put(ApiKeys.LEAVE_GROUP, route(ApiKeys.LEAVE_GROUP, new LeaveGroupHandler(groups)));
        routes.put(ApiKeys.OFFSET_COMMIT, route(ApiKeys.OFFSET_COMMIT, new OffsetCommitHandler(groups, topics, clock)));
        routes.put(ApiKeys.OFFSET_FETCH, route(ApiKeys.OFFSET_FETCH, new OffsetFetchHandler(groups, topics)));
        routes.put(ApiKeys.OFFSET_DELETE, route(ApiKeys.OFFSET_DELETE, new OffsetDeleteHandler(groups)));
        routes.put(ApiKeys.LIST_GROUPS, route(ApiKeys.LIST_GROUPS, new ListGroupsHandler(groups)));
        routes.put(ApiKeys.DESCRIBE_GROUPS, route(ApiKeys.DESCRIBE_GROUPS, new DescribeGroupsHandler(groups)));
        routes.put(ApiKeys.DELETE_GROUPS, route(ApiKeys.DELETE_GROUPS, new DeleteGroupsHandler(groups)));
        routes.put(ApiKeys.CONSUMER_GROUP_HEARTBEAT, route(ApiKeys.CONSUMER_GROUP_HEARTBEAT,
                new ConsumerGroupHeartbeatHandler(groups, topics)));
        routes.put(ApiKeys.CONSUMER_GROUP_DESCRIBE, route(ApiKeys.CONSUMER_GROUP_DESCRIBE,
                new ConsumerGroupDescribeHandler(groups, topics)));
        Map<ApiKeys, VersionRange> advertised = new EnumMap<>(ApiKeys.class);
        routes.forEach((key, route) -> advertised.put(key, route.versions()));
        advertised.put(ApiKeys.API_VERSIONS, fullRange(ApiKeys.API_VERSIONS));
        routes.put(ApiKeys.API_VERSIONS,
                new Route(fullRange(ApiKeys.API_VERSIONS), new ApiVersionsHandler(advertised)));
        return new KafkaApis(Collections.unmodifiableMap(routes));
    }

    /** The APIs served and their versions, as ApiVersions advertises them. */
    public Map<ApiKeys, VersionRange> served() {
        Map<ApiKeys, VersionRange> out = new EnumMap<>(ApiKeys.class);
        routes.forEach((key, route) -> out.put(key, route.versions()));
        return out;
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        Route route = routes.get(request.apiKey());
        if (route == null) {
            AbstractResponse error = request.body().getErrorResponse(0,
                    new UnsupportedVersionException(request.apiKey() + " is not served by this broker"));
            return CompletableFuture.completedFuture(Optional.ofNullable(error).map(AbstractResponse::data));
        }
        return route.handler().handle(request);
    }

    private static Route route(ApiKeys key, KafkaRequestHandler handler) {
        return new Route(fullRange(key), handler);
    }

    private static VersionRange fullRange(ApiKeys key) {
        return VersionRange.of(key.oldestVersion(), key.latestVersion());
    }
}
