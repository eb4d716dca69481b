package io.riverlog.api.http;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.pekko.actor.typed.ActorRef;

import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.topics.TopicInfo;
import io.riverlog.api.topics.BrokerTopics;

/**
 * Topics and partitions as the HTTP routes need them: found, or failed with the {@link ApiException}
 * to answer (404 for an unknown topic or partition, 503 for an offline partition or a registry or
 * partition that does not answer in time).
 */
final class Partitions {
    private final BrokerTopics topics;

    Partitions(BrokerTopics topics) {
        this.topics = topics;
    }

    BrokerTopics topics() {
        return topics;
    }

    CompletionStage<TopicInfo> topic(String name) {
        return answered(topics.describe(name), "the topic registry")
                .thenApply(found -> found.orElseThrow(() -> ApiException.unknownTopic(name)));
    }

    CompletionStage<ActorRef<PartitionActor.Command>> actor(PartitionId id) {
        return answered(topics.partition(id), "the topic registry").thenCompose(found -> found.isPresent()
                ? CompletableFuture.completedFuture(found.get())
                : topic(id.topic()).thenApply(exists -> {
                    throw ApiException.unknownPartition(id.topic(), id.partition());
                }));
    }

    /** The partition's offsets and size; fails with 503 if it is offline or still opening its log. */
    CompletionStage<PartitionActor.PartitionState> onlineState(PartitionId id) {
        return state(id).thenApply(state -> switch (state.availability()) {
            case ONLINE -> state;
            case OPENING -> throw ApiException.unavailable("partition " + id + " is still opening its log");
            case OFFLINE -> throw ApiException.partitionOffline(
                    "partition " + id + " is offline after a storage error");
            case NO_LOG -> throw ApiException.partitionOffline(
                    "partition " + id + " is offline: its log could not be opened");
        });
    }

    /** The partition's offsets and size, offline or not. */
    CompletionStage<PartitionActor.PartitionState> state(PartitionId id) {
        return answered(topics.<PartitionActor.PartitionState>askPartition(id, PartitionActor.GetState::new,
                topics.timeout()), "partition " + id).thenCompose(found -> found.isPresent()
                ? CompletableFuture.completedFuture(found.get())
                : actor(id).thenApply(actor -> {
                    throw ApiException.unknownPartition(id.topic(), id.partition());
                }));
    }

    /** A failed ask (no answer in time, or a stopped actor) becomes a 503; an ApiException stays as it is. */
    static <T> CompletionStage<T> answered(CompletionStage<T> stage, String asked) {
        return stage.exceptionallyCompose(error -> {
            Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            if (cause instanceof ApiException api) {
                return CompletableFuture.failedFuture(api);
            }
            return CompletableFuture.failedFuture(ApiException.unavailable(asked + " did not answer: "
                    + cause.getMessage()));
        });
    }
}
