package io.riverlog.api.http;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import org.apache.pekko.actor.typed.ActorRef;

import io.riverlog.actors.cluster.NodeAddress;
import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.partition.StoredCompression;
import io.riverlog.actors.topics.TopicConfigs;
import io.riverlog.actors.topics.TopicInfo;

/**
 * Appends records produced over HTTP: chooses each record's partition, builds one partition's
 * records into batches in the topic's codec ({@link BatchBuilder}) and appends them through the
 * partition's actor, which answers once they are committed (fsynced, by default). Every batch is
 * built before any is appended, so a refused request (bad partition, record too large) appends
 * nothing. The batches of one partition are sent in order, so its records get offsets in request
 * order. A failed append (offline partition, no answer in time) is reported with the places of the
 * records that were committed all the same. In a cluster, the records of a partition that another
 * node leads are sent to that node ({@link LeaderForwarding#produce}), which checks and appends them;
 * a refusal there comes after this node's partitions may have appended theirs.
 */
final class Appender {
    private final Partitions partitions;
    private final Partitioner partitioner = new Partitioner();
    private final BatchBuilder batches;
    private final LeaderForwarding forwarding;

    Appender(Partitions partitions, LeaderForwarding forwarding, int maxBatchBytes) {
        this.partitions = partitions;
        this.forwarding = forwarding;
        this.batches = new BatchBuilder(maxBatchBytes);
    }

    /** Where one record went: its partition, and its offset or {@link #NOT_APPENDED}. */
    record Placed(int partition, long offset) {
        static final long NOT_APPENDED = -1;

        boolean appended() {
            return offset != NOT_APPENDED;
        }
    }

    /**
     * Each record's place, in request order, and why some were not appended (empty if all were).
     * The partitions of a request are appended independently: when one fails, the others' records
     * may still be committed, and their places say so.
     */
    record Outcome(List<Placed> placed, Optional<ApiException> failure) {
    }

    /**
     * One partition's offsets, in order ({@link Placed#NOT_APPENDED} where an append failed), and
     * the first failure.
     */
    private record PartitionOutcome(List<Long> offsets, ApiException failure) {
    }

    /** Appends the records to {@code topic}; fails at once (appending nothing) if a record has no place. */
    CompletionStage<Outcome> append(TopicInfo topic, List<ProducedRecord> records) {
        int[] partitionOf = new int[records.size()];
        Map<Integer, List<Integer>> indexesByPartition = new TreeMap<>();
        for (int i = 0; i < records.size(); i++) {
            ProducedRecord record = records.get(i);
            int partition = record.partition().isPresent() ? record.partition().getAsInt()
                    : partitioner.partitionFor(record.key(), topic.partitions());
            if (partition >= topic.partitions()) {
                throw ApiException.unknownPartition(topic.name(), partition);
            }
            partitionOf[i] = partition;
            indexesByPartition.computeIfAbsent(partition, p -> new ArrayList<>()).add(i);
        }
        // In a cluster, the records of a partition another node leads go to that node as they are; a
        // partition that elects a leader is waited for.
        Map<Integer, CompletableFuture<Optional<NodeAddress>>> leaders = new TreeMap<>();
        indexesByPartition.keySet().forEach(partition -> leaders.put(partition, forwarding
                .leaderOnceElected(new PartitionId(topic.name(), partition)).toCompletableFuture()));
        return CompletableFuture.allOf(leaders.values().toArray(CompletableFuture[]::new)).thenCompose(found -> {
            Map<Integer, NodeAddress> remote = new TreeMap<>();
            leaders.forEach((partition, leader) -> leader.join().ifPresent(node -> remote.put(partition, node)));
            return append(topic, records, partitionOf, indexesByPartition, remote);
        });
    }

    private CompletionStage<Outcome> append(TopicInfo topic, List<ProducedRecord> records, int[] partitionOf,
                                            Map<Integer, List<Integer>> indexesByPartition,
                                            Map<Integer, NodeAddress> remote) {
        Map<Integer, List<BatchBuilder.Built>> built = new TreeMap<>();
        StoredCompression compression = TopicConfigs.compression(topic.configs());
        indexesByPartition.forEach((partition, indexes) -> {
            if (!remote.containsKey(partition)) {
                built.put(partition, batches.build(indexes.stream().map(records::get).toList(), compression));
            }
        });

        Map<Integer, CompletableFuture<PartitionOutcome>> outcomes = new TreeMap<>();
        built.forEach((partition, list) -> outcomes.put(partition,
                appendAll(new PartitionId(topic.name(), partition), list).toCompletableFuture()));
        remote.forEach((partition, leader) -> outcomes.put(partition, forwarding.produce(leader, topic.name(),
                        partition, indexesByPartition.get(partition).stream().map(records::get).toList())
                .thenApply(forwarded -> new PartitionOutcome(forwarded.offsets(), forwarded.failure().orElse(null)))
                .toCompletableFuture()));
        return CompletableFuture.allOf(outcomes.values().toArray(CompletableFuture[]::new)).thenApply(done -> {
            List<Placed> placed = new ArrayList<>(records.size());
            Map<Integer, Integer> nextInPartition = new HashMap<>();
            for (int i = 0; i < records.size(); i++) {
                int partition = partitionOf[i];
                int n = nextInPartition.merge(partition, 1, Integer::sum) - 1;
                placed.add(new Placed(partition, outcomes.get(partition).join().offsets().get(n)));
            }
            Optional<ApiException> failure = outcomes.values().stream().map(CompletableFuture::join)
                    .map(PartitionOutcome::failure).filter(Objects::nonNull).findFirst();
            return new Outcome(placed, failure);
        });
    }

    /** Appends a partition's batches in order; each batch is committed or not as a whole. */
    private CompletionStage<PartitionOutcome> appendAll(PartitionId id, List<BatchBuilder.Built> built) {
        return partitions.actor(id).thenCompose(actor -> {
            List<CompletableFuture<PartitionActor.Appended>> answers = new ArrayList<>();
            for (BatchBuilder.Built batch : built) {
                answers.add(appendOne(id, actor, batch).toCompletableFuture());
            }
            return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
                    .handle((done, ignored) -> outcomeOf(built, answers));
        }).exceptionally(lookupFailed -> {
            List<Long> none = new ArrayList<>();
            built.forEach(batch -> none.addAll(Collections.nCopies(batch.recordCount(), Placed.NOT_APPENDED)));
            return new PartitionOutcome(none, asApiException(lookupFailed));
        });
    }

    private static PartitionOutcome outcomeOf(List<BatchBuilder.Built> built,
                                              List<CompletableFuture<PartitionActor.Appended>> answers) {
        List<Long> offsets = new ArrayList<>();
        ApiException failure = null;
        for (int b = 0; b < built.size(); b++) {
            CompletableFuture<PartitionActor.Appended> answer = answers.get(b);
            if (answer.isCompletedExceptionally()) {
                if (failure == null) {
                    failure = asApiException(answer.handle((value, error) -> error).join());
                }
                offsets.addAll(Collections.nCopies(built.get(b).recordCount(), Placed.NOT_APPENDED));
                continue;
            }
            PartitionActor.Appended appended = answer.join();
            for (long offset = appended.baseOffset(); offset <= appended.lastOffset(); offset++) {
                offsets.add(offset);
            }
        }
        return new PartitionOutcome(offsets, failure);
    }

    private static ApiException asApiException(Throwable error) {
        Throwable cause = error;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause instanceof ApiException api ? api
                : ApiException.unavailable("the append did not complete: " + cause.getMessage());
    }

    private CompletionStage<PartitionActor.Appended> appendOne(PartitionId id, ActorRef<PartitionActor.Command> actor,
                                                               BatchBuilder.Built batch) {
        CompletionStage<PartitionActor.AppendReply> reply = partitions.topics().append(id, actor, batch.batch(),
                partitions.topics().timeout());
        return Partitions.answered(reply.whenComplete((r, error) -> {
            if (error != null) {
                // A stopped partition actor (its topic deleted or re-created): look it up afresh next time.
                partitions.topics().forget(id);
            }
        }), "partition " + id).thenApply(answer -> {
            if (answer instanceof PartitionActor.Appended appended) {
                return appended;
            }
            PartitionActor.AppendFailed failed = (PartitionActor.AppendFailed) answer;
            throw switch (failed.error()) {
                case STORAGE_ERROR -> ApiException.partitionOffline(failed.message());
                case OUTCOME_UNKNOWN -> ApiException.outcomeUnknown(failed.message());
                case NOT_AVAILABLE -> ApiException.unavailable(failed.message());
                case MESSAGE_TOO_LARGE -> ApiException.tooLarge(failed.message());
                case INVALID_TIMESTAMP -> ApiException.badRequest(failed.message());
                default -> new ApiException(org.apache.pekko.http.javadsl.model.StatusCodes.INTERNAL_SERVER_ERROR,
                        "append_failed", failed.message());
            };
        });
    }
}
