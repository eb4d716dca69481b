package io.riverlog.api.kafka.handlers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.FetchRequest;

import io.riverlog.actors.cluster.NodeAddress;
import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionActor.ReadReply;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.api.kafka.KafkaMetrics;
import io.riverlog.api.kafka.codec.BufferedBatchesRecords;
import io.riverlog.api.kafka.codec.FetchedRecords;
import io.riverlog.api.kafka.codec.KafkaRequest;
import io.riverlog.api.kafka.codec.LogRegionRecords;
import io.riverlog.api.topics.BrokerTopics;
import io.riverlog.api.topics.KnownTopics;

/**
 * Fetch: reads every requested partition at once. If together they hold less than {@code minBytes},
 * it reads again, each read parked at its partition's high watermark for up to {@code maxWaitMs},
 * and answers as soon as any partition has data (or the wait ends). The answer keeps to the
 * request's {@code maxBytes}, but always carries the first partition with data whole. Reads are
 * by reference: the answer carries regions of segment files and the tail buffer's own buffers,
 * which the connection sends without copying. Sessions (KIP-227) are not kept: the answer's
 * session id 0 tells the client to send full requests.
 *
 * <p>A partition whose fetch offset lies in damaged data of its log is answered
 * {@code KAFKA_STORAGE_ERROR}, as is one whose read failed; the other partitions of the same fetch
 * are answered as usual. (The partition trims a read that would run into damage before it, so the
 * records before it arrive first.) Clients retry the same offset, and never receive the damaged
 * records.
 */
final class FetchHandler implements KafkaRequestHandler {
    private final BrokerTopics topics;
    private final KafkaMetrics metrics;

    FetchHandler(BrokerTopics topics, KafkaMetrics metrics) {
        this.topics = topics;
        this.metrics = metrics;
    }

    /** One requested partition, with its name resolved. */
    /** What a client that does not know the partition's leader epoch sends: no check. */
    private static final int NO_CURRENT_EPOCH = -1;

    private record Wanted(FetchRequestData.FetchTopic topic, String name, FetchRequestData.FetchPartition partition) {
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        FetchRequestData data = request.bodyAs(FetchRequest.class).data();
        boolean byId = request.apiVersion() >= 13;
        return KnownTopics.loadIf(byId, topics).thenCompose(known -> {
            List<Wanted> wanted = new ArrayList<>();
            for (FetchRequestData.FetchTopic topic : data.topics()) {
                String name = byId ? known.nameOf(topic.topicId()) : topic.topic();
                for (FetchRequestData.FetchPartition partition : topic.partitions()) {
                    wanted.add(new Wanted(topic, name, partition));
                }
            }
            List<CompletableFuture<PartitionData>> now = readAll(wanted, Duration.ZERO);
            return CompletableFuture.allOf(now.toArray(CompletableFuture[]::new)).thenCompose(done -> {
                List<PartitionData> first = now.stream().map(CompletableFuture::join).toList();
                if (bytes(first) >= data.minBytes() || data.maxWaitMs() <= 0 || hasError(first)) {
                    return CompletableFuture.completedFuture(first);
                }
                return waitForData(wanted, first, Duration.ofMillis(data.maxWaitMs()));
            }).thenApply(answers -> Optional.of(respond(data, wanted, answers, byId, request.apiVersion())));
        });
    }

    /** Reads again with the wait; done when any partition has data or every wait has ended. */
    private CompletableFuture<List<PartitionData>> waitForData(List<Wanted> wanted, List<PartitionData> first,
                                                              Duration maxWait) {
        List<CompletableFuture<PartitionData>> waits = readAll(wanted, maxWait);
        CompletableFuture<Void> anyData = new CompletableFuture<>();
        for (CompletableFuture<PartitionData> wait : waits) {
            wait.thenAccept(answer -> {
                if (sizeOf(answer) > 0 || answer.errorCode() != Errors.NONE.code()) {
                    anyData.complete(null);
                }
            });
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new));
        return CompletableFuture.anyOf(anyData, all).thenApply(done -> {
            List<PartitionData> answers = new ArrayList<>(first);
            for (int i = 0; i < waits.size(); i++) {
                CompletableFuture<PartitionData> wait = waits.get(i);
                if (wait.isDone() && !wait.isCompletedExceptionally()) {
                    answers.set(i, wait.join());
                }
            }
            return answers;
        });
    }

    private List<CompletableFuture<PartitionData>> readAll(List<Wanted> wanted, Duration maxWait) {
        List<CompletableFuture<PartitionData>> reads = new ArrayList<>();
        for (Wanted w : wanted) {
            reads.add(read(w, maxWait));
        }
        return reads;
    }

    private CompletableFuture<PartitionData> read(Wanted wanted, Duration maxWait) {
        int index = wanted.partition().partition();
        if (wanted.name() == null) {
            return CompletableFuture.completedFuture(error(index, Errors.UNKNOWN_TOPIC_ID));
        }
        PartitionId id = new PartitionId(wanted.name(), index);
        if (topics.ledElsewhere(id)) {
            return CompletableFuture.completedFuture(error(index, Errors.NOT_LEADER_OR_FOLLOWER));
        }
        // A consumer that believes in another leader epoch has stale or newer metadata (KIP-320).
        int epoch = wanted.partition().currentLeaderEpoch();
        if (epoch != NO_CURRENT_EPOCH) {
            int current = topics.leaderEpoch(id);
            if (epoch != current) {
                return CompletableFuture.completedFuture(error(index, epoch < current
                        ? Errors.FENCED_LEADER_EPOCH : Errors.UNKNOWN_LEADER_EPOCH));
            }
        }
        long offset = wanted.partition().fetchOffset();
        int maxBytes = Math.max(wanted.partition().partitionMaxBytes(), 1);
        return topics.<ReadReply>askPartition(id,
                        replyTo -> new PartitionActor.Read(offset, maxBytes, maxWait, true, replyTo),
                        topics.timeout().plus(maxWait))
                .toCompletableFuture()
                .handle((reply, failure) -> {
                    if (failure != null) {
                        // A partition actor that stopped (the broker shutting down, the topic deleted) or did not
                        // answer: consumers handle NOT_LEADER_OR_FOLLOWER by refreshing metadata and fetching
                        // again, while an error they do not expect in a fetch (REQUEST_TIMED_OUT) ends them.
                        topics.forget(id);
                        return error(index, Errors.NOT_LEADER_OR_FOLLOWER);
                    }
                    if (reply.isEmpty()) {
                        return error(index, Errors.UNKNOWN_TOPIC_OR_PARTITION);
                    }
                    ReadReply answer = reply.get();
                    if (answer instanceof PartitionActor.LogRegion region) {
                        return records(index, region.highWatermark(), region.logStartOffset(),
                                new LogRegionRecords(region.slice()));
                    }
                    if (answer instanceof PartitionActor.BufferedBatches buffered) {
                        return records(index, buffered.highWatermark(), buffered.logStartOffset(),
                                new BufferedBatchesRecords(buffered.batches(), buffered.firstOffset(),
                                        buffered.nextOffset()));
                    }
                    if (answer instanceof PartitionActor.Records records) {
                        return records(index, records.highWatermark(), records.logStartOffset(),
                                MemoryRecords.readableRecords(records.batches()));
                    }
                    if (answer instanceof PartitionActor.OutOfRange outOfRange) {
                        return error(index, Errors.OFFSET_OUT_OF_RANGE).setHighWatermark(outOfRange.highWatermark())
                                .setLastStableOffset(outOfRange.highWatermark())
                                .setLogStartOffset(outOfRange.logStartOffset());
                    }
                    if (answer instanceof PartitionActor.DamagedData) {
                        // The offset is in damaged data. Retriable: clients fetch it again, never past it.
                        return error(index, Errors.KAFKA_STORAGE_ERROR);
                    }
                    // ReadFailed: the log could not be read.
                    return error(index, Errors.KAFKA_STORAGE_ERROR);
                });
    }

    private FetchResponseData respond(FetchRequestData data, List<Wanted> wanted, List<PartitionData> answers,
                                      boolean byId, short version) {
        LeaderHints hints = new LeaderHints(topics);
        FetchResponseData out = new FetchResponseData().setThrottleTimeMs(0).setErrorCode(Errors.NONE.code())
                .setSessionId(0);
        long budget = data.maxBytes() <= 0 ? Integer.MAX_VALUE : data.maxBytes();
        boolean anyRecords = false;
        FetchableTopicResponse current = null;
        FetchRequestData.FetchTopic currentTopic = null;
        for (int i = 0; i < wanted.size(); i++) {
            Wanted w = wanted.get(i);
            PartitionData answer = answers.get(i);
            int size = sizeOf(answer);
            if (size > 0) {
                if (anyRecords && size > budget) {
                    // Over the response's budget: the client fetches it next time.
                    answer.setRecords(MemoryRecords.EMPTY);
                } else {
                    budget -= size;
                    anyRecords = true;
                    countFetched(w.name(), answer);
                }
            }
            if (w.topic() != currentTopic) {
                currentTopic = w.topic();
                current = new FetchableTopicResponse();
                if (byId) {
                    current.setTopicId(w.topic().topicId());
                } else {
                    current.setTopic(w.topic().topic());
                }
                out.responses().add(current);
            }
            current.partitions().add(answer);
            if (version >= LeaderHints.FIRST_FETCH_VERSION && w.name() != null
                    && answer.errorCode() == Errors.NOT_LEADER_OR_FOLLOWER.code()) {
                hints.leaderOf(new PartitionId(w.name(), answer.partitionIndex()))
                        .ifPresent(leader -> answer.setCurrentLeader(new FetchResponseData.LeaderIdAndEpoch()
                                .setLeaderId(leader.id()).setLeaderEpoch(leader.epoch())));
            }
        }
        for (NodeAddress node : hints.endpoints()) {
            out.nodeEndpoints().add(new FetchResponseData.NodeEndpoint().setNodeId(node.nodeId())
                    .setHost(node.kafkaHost()).setPort(node.kafkaPort()).setRack(null));
        }
        return out;
    }

    private static PartitionData records(int partition, long highWatermark, long logStartOffset,
                                         BaseRecords records) {
        return new PartitionData().setPartitionIndex(partition).setErrorCode(Errors.NONE.code())
                .setHighWatermark(highWatermark).setLastStableOffset(highWatermark).setLogStartOffset(logStartOffset)
                .setRecords(records);
    }

    private static PartitionData error(int partition, Errors error) {
        return new PartitionData().setPartitionIndex(partition).setErrorCode(error.code()).setHighWatermark(-1)
                .setLastStableOffset(-1).setLogStartOffset(-1).setRecords(MemoryRecords.EMPTY);
    }


    private static int sizeOf(PartitionData answer) {
        return answer.records() == null ? 0 : answer.records().sizeInBytes();
    }

    /** Only what the answer carries counts: reads still parked when it left, or over its budget, do not. */
    private void countFetched(String topic, PartitionData answer) {
        if (metrics != KafkaMetrics.NONE && answer.records() instanceof FetchedRecords records) {
            metrics.fetched(topic, (int) records.recordCount(), records.sizeInBytes());
        }
    }

    private static long bytes(List<PartitionData> answers) {
        return answers.stream().mapToLong(FetchHandler::sizeOf).sum();
    }

    private static boolean hasError(List<PartitionData> answers) {
        return answers.stream().anyMatch(a -> a.errorCode() != Errors.NONE.code());
    }
}
