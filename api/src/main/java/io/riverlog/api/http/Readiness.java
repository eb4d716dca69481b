package io.riverlog.api.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.topics.TopicInfo;
import io.riverlog.api.topics.BrokerTopics;

/**
 * Whether the broker serves: its listeners are bound, the topic registry has replayed its
 * metadata and every partition has opened (recovered) its log, or found that it cannot and is
 * offline. The registry and the partitions hold requests while they recover, so the check asks
 * them with a short timeout: no answer in time, or a partition that answers that it is still
 * opening, means "still recovering". Once everything answered, the broker stays ready until it stops.
 */
final class Readiness {
    private final BrokerTopics topics;
    private volatile boolean listening;
    private volatile boolean recovered;
    private volatile boolean stopping;

    /** {@code topics} asks with the check's own (short) timeout. */
    Readiness(BrokerTopics topics) {
        this.topics = topics;
    }

    /** The listeners are bound. */
    void listening() {
        listening = true;
    }

    /** The broker is stopping: it is not ready any more. */
    void stopping() {
        stopping = true;
    }

    /** Empty when ready, else why not. */
    CompletionStage<Optional<String>> check() {
        if (stopping) {
            return CompletableFuture.completedFuture(Optional.of("the broker is stopping"));
        }
        if (!listening) {
            return CompletableFuture.completedFuture(Optional.of("the listeners are not bound yet"));
        }
        if (recovered) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return topics.list().thenCompose(this::allPartitionsOpen).handle((open, error) -> {
            if (error != null) {
                return Optional.of("still recovering: " + error.getMessage());
            }
            recovered = true;
            return Optional.empty();
        });
    }

    private CompletionStage<Void> allPartitionsOpen(List<TopicInfo> all) {
        List<CompletableFuture<?>> states = new ArrayList<>();
        for (TopicInfo topic : all) {
            for (int p = 0; p < topic.partitions(); p++) {
                PartitionId id = new PartitionId(topic.name(), p);
                states.add(topics.<PartitionActor.PartitionState>askPartition(id, PartitionActor.GetState::new,
                        topics.timeout()).thenAccept(state -> {
                            if (state.filter(s -> s.availability() == PartitionActor.Availability.OPENING)
                                    .isPresent()) {
                                throw new IllegalStateException("partition " + id + " is still opening its log");
                            }
                        }).toCompletableFuture());
            }
        }
        return CompletableFuture.allOf(states.toArray(CompletableFuture[]::new));
    }
}
