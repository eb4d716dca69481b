package io.riverlog.api.kafka.handlers;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreatePartitionsResponseData.CreatePartitionsTopicResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.CreatePartitionsRequest;

import io.riverlog.actors.cluster.Placement;
import io.riverlog.actors.topics.TopicRegistry;
import io.riverlog.api.kafka.codec.KafkaRequest;
import io.riverlog.api.topics.BrokerTopics;

/**
 * CreatePartitions: grows a topic to a new partition count. Explicit assignments of the new
 * partitions are taken if they are the replicas the partitions get anyway (each goes to the partition
 * group after its predecessor's: {@link ReplicaAssignments}), refused otherwise.
 */
final class CreatePartitionsHandler implements KafkaRequestHandler {
    private final BrokerTopics topics;

    CreatePartitionsHandler(BrokerTopics topics) {
        this.topics = topics;
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        CreatePartitionsRequestData data = request.bodyAs(CreatePartitionsRequest.class).data();
        List<CompletableFuture<CreatePartitionsTopicResult>> results = new ArrayList<>();
        for (CreatePartitionsRequestData.CreatePartitionsTopic topic : data.topics()) {
            CreatePartitionsTopicResult result = new CreatePartitionsTopicResult().setName(topic.name());
            CompletionStage<Optional<String>> misfit = topic.assignments() == null || topic.assignments().isEmpty()
                    ? CompletableFuture.completedFuture(Optional.empty()) : misfit(topic);
            results.add(misfit.thenCompose(problem -> {
                if (problem.isPresent()) {
                    return CompletableFuture.completedFuture(result.setErrorCode(
                            Errors.INVALID_REPLICA_ASSIGNMENT.code()).setErrorMessage(problem.get()));
                }
                if (data.validateOnly()) {
                    return CompletableFuture.completedFuture(result.setErrorCode(Errors.NONE.code()));
                }
                return topics.createPartitions(topic.name(), topic.count()).handle((reply, error) -> {
                    if (error != null) {
                        return result.setErrorCode(Errors.REQUEST_TIMED_OUT.code());
                    }
                    if (reply instanceof TopicRegistry.ChangeFailed failed) {
                        return result.setErrorCode(KafkaErrors.of(failed.error()).code())
                                .setErrorMessage(failed.message());
                    }
                    return result.setErrorCode(Errors.NONE.code());
                });
            }).toCompletableFuture());
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(done -> {
            CreatePartitionsResponseData out = new CreatePartitionsResponseData().setThrottleTimeMs(0);
            results.forEach(result -> out.results().add(result.join()));
            return Optional.of(out);
        });
    }

    /**
     * Why the new partitions cannot have the replicas asked for, or empty if they get them anyway. A
     * topic that is not known is left to the registry to refuse.
     */
    private CompletionStage<Optional<String>> misfit(CreatePartitionsRequestData.CreatePartitionsTopic topic) {
        Placement placement = topics.cluster().placement();
        List<List<Integer>> assignments = topic.assignments().stream()
                .map(CreatePartitionsRequestData.CreatePartitionsAssignment::brokerIds).toList();
        Optional<String> problem = ReplicaAssignments.problemWith(assignments, placement);
        if (problem.isPresent()) {
            return CompletableFuture.completedFuture(problem);
        }
        return topics.describe(topic.name()).thenApply(known -> {
            if (known.isEmpty()) {
                return Optional.empty();
            }
            int from = known.get().partitions();
            if (assignments.size() != topic.count() - from) {
                return Optional.of(assignments.size() + " assignments for " + (topic.count() - from)
                        + " new partitions");
            }
            List<Integer> misfits = placement.misfits(known.get().topicId(), from, assignments);
            return misfits.isEmpty() ? Optional.empty() : Optional.of("partitions " + misfits + " cannot have the"
                    + " replicas asked for: " + ReplicaAssignments.whatFits(placement));
        });
    }
}
