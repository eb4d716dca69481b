package io.riverlog.api.kafka.handlers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.riverlog.actors.cluster.NodeAddress;
import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.topics.TopicConfigs;
import io.riverlog.actors.topics.TopicInfo;
import io.riverlog.api.kafka.AppendOrder;
import io.riverlog.api.kafka.codec.KafkaRequest;
import io.riverlog.api.topics.BrokerTopics;
import io.riverlog.api.topics.KnownTopics;
import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.CorruptBatchException;
import io.riverlog.wal.InvalidBatchException;
import io.riverlog.wal.ValidBatches;

/**
 * Produce: each partition's records are checked as Kafka's broker checks them ({@link BatchFormat#validate}:
 * damaged bytes are CORRUPT_MESSAGE, a broken rule INVALID_RECORD, both with the reason in the
 * partition's error message; the request's other partitions go on), put in their topic's codec
 * (compression.type), and appended through the partition's actor, which answers once they are
 * committed (fsynced, by default). Partitions of one request are appended concurrently, and the
 * appends of a connection's requests reach each partition in request order ({@link AppendOrder}), as
 * idempotent producers with several requests in flight need. With acks=0 the client gets no answer;
 * the records are still appended.
 */
final class ProduceHandler implements KafkaRequestHandler {
    private static final Logger log = LoggerFactory.getLogger(ProduceHandler.class);

    private final BrokerTopics topics;

    ProduceHandler(BrokerTopics topics) {
        this.topics = topics;
    }

    /**
     * One partition's part of a request, checked and with its partition actor looked up (empty: unknown);
     * or refused, with a reason for the client if there is more to say than the error code.
     */
    private record Planned(String topicName, Uuid topicId, String resolvedName, int partition, Errors refused,
                           String refusedBecause, ValidBatches batches,
                           Optional<ActorRef<PartitionActor.Command>> actor) {
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        ProduceRequestData data = request.bodyAs(ProduceRequest.class).data();
        Duration timeout = Duration.ofMillis(Math.max(data.timeoutMs(), 1));
        boolean transactional = data.transactionalId() != null;
        // Preparing may wait on asks; sending the appends waits for the connection's earlier requests.
        CompletableFuture<List<Planned>> prepared = KnownTopics.load(topics).toCompletableFuture()
                .thenCompose(known -> plan(data, known, transactional));
        CompletableFuture<ProduceResponseData> response = request.appendOrder()
                .after(prepared, plans -> send(plans, timeout))
                .thenCompose(answers -> respond(answers, request.apiVersion()));
        if (data.acks() == 0) {
            response.whenComplete((out, error) -> {
                if (error != null) {
                    log.warn("Produce with acks=0 from client '{}' failed: {}", request.header().clientId(),
                            error.toString());
                }
            });
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return response.thenApply(out -> Optional.of(out));
    }

    private CompletableFuture<List<Planned>> plan(ProduceRequestData data, KnownTopics known, boolean transactional) {
        List<CompletableFuture<Planned>> plans = new ArrayList<>();
        for (ProduceRequestData.TopicProduceData topic : data.topicData()) {
            String name = topic.name() == null || topic.name().isEmpty() ? known.nameOf(topic.topicId()) : topic.name();
            for (ProduceRequestData.PartitionProduceData partition : topic.partitionData()) {
                plans.add(plan(topic, name, known.byName(name), partition, transactional));
            }
        }
        return CompletableFuture.allOf(plans.toArray(CompletableFuture[]::new))
                .thenApply(done -> plans.stream().map(CompletableFuture::join).toList());
    }

    private CompletableFuture<Planned> plan(ProduceRequestData.TopicProduceData topic, String name,
                                            Optional<TopicInfo> info,
                                            ProduceRequestData.PartitionProduceData partition, boolean transactional) {
        Errors refused = name == null ? Errors.UNKNOWN_TOPIC_ID
                : transactional ? Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
                : topics.ledElsewhere(new PartitionId(name, partition.index())) ? Errors.NOT_LEADER_OR_FOLLOWER : null;
        ValidBatches batches = null;
        String refusedBecause = null;
        if (refused == null) {
            BaseRecords records = partition.records();
            if (!(records instanceof MemoryRecords memory) || memory.sizeInBytes() == 0) {
                refused = Errors.INVALID_RECORD;
            } else {
                try {
                    batches = storedForm(info, BatchFormat.validate(memory.buffer()));
                } catch (InvalidBatchException e) {
                    log.debug("Rejected records for {}-{}: {}", name, partition.index(), e.getMessage());
                    refused = e instanceof CorruptBatchException ? Errors.CORRUPT_MESSAGE : Errors.INVALID_RECORD;
                    refusedBecause = e.getMessage();
                }
            }
        }
        if (refused != null) {
            return CompletableFuture.completedFuture(new Planned(topic.name(), topic.topicId(), name, partition.index(),
                    refused, refusedBecause, null, Optional.empty()));
        }
        ValidBatches valid = batches;
        return topics.partition(new PartitionId(name, partition.index())).toCompletableFuture()
                .thenApply(actor -> new Planned(topic.name(), topic.topicId(), name, partition.index(), null, null,
                        valid, actor));
    }

    /**
     * The batches in the codec their topic stores them in, rebuilt here on the network thread so that
     * the partition's actor has only to see that they are (a topic not known yet is left to it).
     */
    private static ValidBatches storedForm(Optional<TopicInfo> topic, ValidBatches batches) {
        return topic.map(info -> TopicConfigs.compression(info.configs()).apply(batches)).orElse(batches);
    }

    /**
     * Sends every append of a request at once, in the order of its partitions (in a cluster, those of
     * one partition group as one entry); returns the answers to come.
     */
    private List<CompletableFuture<PlannedAnswer>> send(List<Planned> plans, Duration timeout) {
        List<BrokerTopics.Append> appends = new ArrayList<>();
        for (Planned plan : plans) {
            if (plan.refused() == null && plan.actor().isPresent()) {
                appends.add(new BrokerTopics.Append(new PartitionId(plan.resolvedName(), plan.partition()),
                        plan.actor().get(), plan.batches()));
            }
        }
        java.util.Iterator<CompletableFuture<PartitionActor.AppendReply>> replies = topics.appendAll(appends, timeout)
                .iterator();
        List<CompletableFuture<PlannedAnswer>> answers = new ArrayList<>(plans.size());
        for (Planned plan : plans) {
            boolean appended = plan.refused() == null && plan.actor().isPresent();
            answers.add(answer(plan, appended ? replies.next() : null).thenApply(out -> new PlannedAnswer(plan, out)));
        }
        return answers;
    }

    /** The partition's answer: its refusal, or what became of its append ({@code reply}). */
    private CompletableFuture<PartitionProduceResponse> answer(Planned plan,
                                                               CompletableFuture<PartitionActor.AppendReply> reply) {
        PartitionProduceResponse out = new PartitionProduceResponse().setIndex(plan.partition())
                .setLogAppendTimeMs(-1).setBaseOffset(-1).setLogStartOffset(-1);
        if (plan.refused() != null) {
            return CompletableFuture.completedFuture(out.setErrorCode(plan.refused().code())
                    .setErrorMessage(plan.refusedBecause()));
        }
        if (plan.actor().isEmpty()) {
            return CompletableFuture.completedFuture(out.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()));
        }
        PartitionId id = new PartitionId(plan.resolvedName(), plan.partition());
        return reply.handle((answered, error) -> {
            if (error != null) {
                // A stopped partition actor (its topic deleted or re-created): look it up afresh next time.
                topics.forget(id);
                return out.setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code());
            }
            if (answered instanceof PartitionActor.Appended appended) {
                return out.setErrorCode(Errors.NONE.code()).setBaseOffset(appended.baseOffset())
                        .setLogStartOffset(appended.logStartOffset())
                        .setLogAppendTimeMs(appended.logAppendTimeMs());
            }
            PartitionActor.AppendFailed failed = (PartitionActor.AppendFailed) answered;
            return out.setErrorCode(KafkaErrors.of(failed.error()).code()).setErrorMessage(failed.message());
        });
    }

    private record PlannedAnswer(Planned plan, PartitionProduceResponse response) {
    }

    /**
     * Groups the partitions' answers by topic, in the order the request named them; a partition led by
     * another node names it (KIP-951).
     */
    private CompletableFuture<ProduceResponseData> respond(List<CompletableFuture<PlannedAnswer>> answers,
                                                           short version) {
        LeaderHints hints = new LeaderHints(topics);
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(done -> {
            ProduceResponseData out = new ProduceResponseData().setThrottleTimeMs(0);
            TopicProduceResponse current = null;
            for (CompletableFuture<PlannedAnswer> answer : answers) {
                PlannedAnswer a = answer.join();
                if (current == null || !java.util.Objects.equals(current.name(), a.plan().topicName())
                        || !java.util.Objects.equals(current.topicId(), a.plan().topicId())) {
                    current = new TopicProduceResponse().setName(a.plan().topicName()).setTopicId(a.plan().topicId());
                    out.responses().add(current);
                }
                current.partitionResponses().add(a.response());
                if (version >= LeaderHints.FIRST_PRODUCE_VERSION
                        && a.response().errorCode() == Errors.NOT_LEADER_OR_FOLLOWER.code()) {
                    hints.leaderOf(new PartitionId(a.plan().resolvedName(), a.plan().partition()))
                            .ifPresent(leader -> a.response().setCurrentLeader(
                                    new ProduceResponseData.LeaderIdAndEpoch().setLeaderId(leader.id())
                                            .setLeaderEpoch(leader.epoch())));
                }
            }
            for (NodeAddress node : hints.endpoints()) {
                out.nodeEndpoints().add(new ProduceResponseData.NodeEndpoint().setNodeId(node.nodeId())
                        .setHost(node.kafkaHost()).setPort(node.kafkaPort()).setRack(null));
            }
            return out;
        });
    }

}
