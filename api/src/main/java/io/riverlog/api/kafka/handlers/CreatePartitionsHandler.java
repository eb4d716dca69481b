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

import io.riverlog.actors.topics.TopicRegistry;
import io.riverlog.api.kafka.codec.KafkaRequest;
import io.riverlog.api.topics.BrokerTopics;

/** CreatePartitions: grows a topic to a new partition count; explicit assignments are refused. */
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
            if (topic.assignments() != null && !topic.assignments().isEmpty()) {
                results.add(CompletableFuture.completedFuture(result.setErrorCode(Errors.INVALID_REQUEST.code())
                        .setErrorMessage("replica assignments are not supported")));
            } else if (data.validateOnly()) {
                results.add(CompletableFuture.completedFuture(result.setErrorCode(Errors.NONE.code())));
            } else {
                results.add(topics.createPartitions(topic.name(), topic.count()).toCompletableFuture()
                        .handle((reply, error) -> {
                            if (error != null) {
                                return result.setErrorCode(Errors.REQUEST_TIMED_OUT.code());
                            }
                            if (reply instanceof TopicRegistry.ChangeFailed failed) {
                                return result.setErrorCode(KafkaErrors.of(failed.error()).code())
                                        .setErrorMessage(failed.message());
                            }
                            return result.setErrorCode(Errors.NONE.code());
                        }));
            }
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(done -> {
            CreatePartitionsResponseData out = new CreatePartitionsResponseData().setThrottleTimeMs(0);
            results.forEach(result -> out.results().add(result.join()));
            return Optional.of(out);
        });
    }
}
