package io.riverlog.api.kafka.handlers;

import java.util.concurrent.CompletableFuture;

import org.apache.kafka.common.protocol.Errors;

import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.api.topics.BrokerTopics;

/**
 * A partition's state as the APIs that answer offsets (ListOffsets, OffsetsForLeaderEpoch) need it:
 * its state once its offsets are known, or the error to answer instead — REQUEST_TIMED_OUT if it did
 * not answer, UNKNOWN_TOPIC_OR_PARTITION if there is no such partition, and for one opening or offline
 * what {@link KafkaErrors#unavailable} makes of it.
 */
record OffsetsState(PartitionActor.PartitionState state, Errors error) {

    static CompletableFuture<OffsetsState> of(BrokerTopics topics, PartitionId id) {
        return topics.<PartitionActor.PartitionState>askPartition(id, PartitionActor.GetState::new, topics.timeout())
                .toCompletableFuture().handle((state, failure) -> {
                    if (failure != null) {
                        return new OffsetsState(null, Errors.REQUEST_TIMED_OUT);
                    }
                    if (state.isEmpty()) {
                        return new OffsetsState(null, Errors.UNKNOWN_TOPIC_OR_PARTITION);
                    }
                    if (!state.get().offsetsKnown()) {
                        return new OffsetsState(null, KafkaErrors.unavailable(state.get().availability()));
                    }
                    return new OffsetsState(state.get(), Errors.NONE);
                });
    }

    boolean known() {
        return error == Errors.NONE;
    }
}
