package io.riverlog.api.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;

import io.riverlog.actors.groups.CommittedOffset;
import io.riverlog.actors.groups.GroupRequests.FetchOffsets;
import io.riverlog.actors.groups.GroupRequests.FetchResult;
import io.riverlog.actors.groups.GroupRequests.GroupListing;
import io.riverlog.actors.groups.GroupRequests.GroupOverview;
import io.riverlog.actors.groups.GroupRequests.ListGroups;
import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.api.groups.BrokerGroups;
import io.riverlog.api.topics.BrokerTopics;

/**
 * Consumer-group lag, {@code riverlog_consumer_group_lag{group, topic, partition}}: the partition's
 * high watermark minus the offset the group committed there (never below 0).
 *
 * <p>It is computed when the metrics are scraped, not kept up to date: committed offsets and high
 * watermarks change with every commit and append, and following them all the time would cost the
 * hot paths, while a scrape comes every few seconds at most. A refresh asks the group manager for
 * every group's committed offsets and each of those partitions for its high watermark, each ask
 * bounded by a short timeout; a partition that does not answer (deleted, stopping) has no row, and
 * rows of groups or partitions that are gone disappear.
 */
final class GroupLag {
    private record Committed(String group, PartitionId partition, long offset) {
    }

    private final MultiGauge lag;
    private final BrokerTopics topics;
    private final BrokerGroups groups;
    private final Duration timeout;

    GroupLag(MeterRegistry registry, BrokerTopics topics, BrokerGroups groups, Duration timeout) {
        this.lag = MultiGauge.builder("riverlog.consumer.group.lag")
                .description("High watermark minus the group's committed offset, per partition, as of the scrape")
                .register(registry);
        this.topics = topics;
        this.groups = groups;
        this.timeout = timeout;
    }

    /** Asks for every group's committed offsets and their partitions' high watermarks, then replaces the rows. */
    CompletionStage<Void> refresh() {
        return groups.<GroupListing>ask(ListGroups::new, timeout)
                .thenCompose(listing -> all(listing.groups().stream().map(this::committedOf).toList()))
                .thenCompose(perGroup -> {
                    List<Committed> committed = perGroup.stream().flatMap(List::stream).toList();
                    Map<PartitionId, CompletableFuture<Optional<Long>>> watermarks = new HashMap<>();
                    for (Committed c : committed) {
                        watermarks.computeIfAbsent(c.partition(), this::highWatermarkOf);
                    }
                    return CompletableFuture.allOf(watermarks.values().toArray(CompletableFuture[]::new))
                            .thenRun(() -> lag.register(rows(committed, watermarks), true));
                });
    }

    private List<MultiGauge.Row<?>> rows(List<Committed> committed,
                                         Map<PartitionId, CompletableFuture<Optional<Long>>> watermarks) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (Committed c : committed) {
            watermarks.get(c.partition()).join().ifPresent(hwm -> rows.add(MultiGauge.Row.of(
                    Tags.of("group", c.group(), "topic", c.partition().topic(),
                            "partition", Integer.toString(c.partition().partition())),
                    Math.max(0, hwm - c.offset()))));
        }
        return rows;
    }

    private CompletableFuture<List<Committed>> committedOf(GroupOverview group) {
        return groups.<FetchResult>ask(replyTo -> new FetchOffsets(group.groupId(), Optional.empty(), replyTo), timeout)
                .thenApply(result -> {
                    List<Committed> out = new ArrayList<>();
                    for (Map.Entry<PartitionId, CommittedOffset> e : result.offsets().entrySet()) {
                        out.add(new Committed(group.groupId(), e.getKey(), e.getValue().offset()));
                    }
                    return out;
                })
                .exceptionally(error -> List.of())
                .toCompletableFuture();
    }

    private CompletableFuture<Optional<Long>> highWatermarkOf(PartitionId partition) {
        return topics.<PartitionActor.PartitionState>askPartition(partition, PartitionActor.GetState::new, timeout)
                .thenApply(state -> state.filter(PartitionActor.PartitionState::offsetsKnown)
                        .map(PartitionActor.PartitionState::highWatermark))
                .exceptionally(error -> Optional.empty())
                .toCompletableFuture();
    }

    private static <T> CompletableFuture<List<T>> all(List<CompletableFuture<T>> futures) {
        return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                .thenApply(done -> futures.stream().map(CompletableFuture::join).toList());
    }
}
