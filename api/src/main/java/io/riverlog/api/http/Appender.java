package io.riverlog.api.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.topics.TopicInfo;

/**
 * Appends records produced over HTTP: chooses each record's partition, builds one partition's
 * records into batches ({@link BatchBuilder}) and appends them through the partition's actor,
 * which answers once they are committed (fsynced, by default). Every batch is built before any is
 * appended, so a refused request (bad partition, record too large) appends nothing. The batches of
 * one partition are sent in order, so its records get offsets in request order.
 */
final class Appender {
    private final Partitions partitions;
    private final Partitioner partitioner = new Partitioner();
    private final BatchBuilder batches;

    Appender(Partitions partitions, int maxBatchBytes) {
        this.partitions = partitions;
        this.batches = new BatchBuilder(maxBatchBytes);
    }

    /** Where one record went. */
    record Placed(int partition, long offset) {
    }

    /** Appends the records to {@code topic}; the answer lists each record's place, in request order. */
    CompletionStage<List<Placed>> append(TopicInfo topic, List<ProducedRecord> records) {
        int[] partitionOf = new int[records.size()];
        Map<Integer, List<Integer>> indexesByPartition = new java.util.TreeMap<>();
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
        Map<Integer, List<BatchBuilder.Built>> built = new java.util.TreeMap<>();
        indexesByPartition.forEach((partition, indexes) ->
                built.put(partition, batches.build(indexes.stream().map(records::get).toList())));

        Map<Integer, CompletableFuture<List<Long>>> offsets = new java.util.TreeMap<>();
        built.forEach((partition, list) -> offsets.put(partition,
                appendAll(new PartitionId(topic.name(), partition), list).toCompletableFuture()));
        return CompletableFuture.allOf(offsets.values().toArray(CompletableFuture[]::new)).thenApply(done -> {
            List<Placed> placed = new ArrayList<>(records.size());
            Map<Integer, Integer> nextInPartition = new java.util.HashMap<>();
            for (int i = 0; i < records.size(); i++) {
                int partition = partitionOf[i];
                int n = nextInPartition.merge(partition, 1, Integer::sum) - 1;
                placed.add(new Placed(partition, offsets.get(partition).join().get(n)));
            }
            return placed;
        });
    }

    /** The offsets of every record of the batches, in order. */
    private CompletionStage<List<Long>> appendAll(PartitionId id, List<BatchBuilder.Built> built) {
        return partitions.actor(id).thenCompose(actor -> {
            List<CompletableFuture<PartitionActor.Appended>> answers = new ArrayList<>();
            for (BatchBuilder.Built batch : built) {
                answers.add(appendOne(id, actor, batch).toCompletableFuture());
            }
            return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(done -> {
                List<Long> out = new ArrayList<>();
                for (CompletableFuture<PartitionActor.Appended> answer : answers) {
                    PartitionActor.Appended appended = answer.join();
                    for (long offset = appended.baseOffset(); offset <= appended.lastOffset(); offset++) {
                        out.add(offset);
                    }
                }
                return out;
            });
        });
    }

    private CompletionStage<PartitionActor.Appended> appendOne(PartitionId id, ActorRef<PartitionActor.Command> actor,
                                                               BatchBuilder.Built batch) {
        CompletionStage<PartitionActor.AppendReply> reply = AskPattern.ask(actor,
                replyTo -> new PartitionActor.Append(batch.batch(), replyTo), partitions.topics().timeout(),
                partitions.topics().scheduler());
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
                case NOT_AVAILABLE -> ApiException.unavailable(failed.message());
                default -> new ApiException(org.apache.pekko.http.javadsl.model.StatusCodes.INTERNAL_SERVER_ERROR,
                        "append_failed", failed.message());
            };
        });
    }
}
