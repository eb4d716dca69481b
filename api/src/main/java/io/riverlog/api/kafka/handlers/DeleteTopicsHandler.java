package io.riverlog.api.kafka.handlers;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DeleteTopicsRequest;

import io.riverlog.actors.topics.TopicRegistry;
import io.riverlog.api.kafka.codec.KafkaRequest;
import io.riverlog.api.topics.BrokerTopics;
import io.riverlog.api.topics.KnownTopics;
import io.riverlog.api.topics.TopicIds;

/** DeleteTopics, by name (every version) or by topic id (version 6 on). */
final class DeleteTopicsHandler implements KafkaRequestHandler {
    private final BrokerTopics topics;

    DeleteTopicsHandler(BrokerTopics topics) {
        this.topics = topics;
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        DeleteTopicsRequestData data = request.bodyAs(DeleteTopicsRequest.class).data();
        return KnownTopics.load(topics).thenCompose(known -> {
            List<CompletableFuture<DeletableTopicResult>> results = new ArrayList<>();
            for (String name : data.topicNames()) {
                results.add(delete(name, null));
            }
            for (DeleteTopicsRequestData.DeleteTopicState state : data.topics()) {
                String name = state.name();
                if (name == null && state.topicId() != null) {
                    name = known.nameOf(state.topicId());
                    if (name == null) {
                        results.add(CompletableFuture.completedFuture(new DeletableTopicResult()
                                .setTopicId(state.topicId()).setErrorCode(Errors.UNKNOWN_TOPIC_ID.code())));
                        continue;
                    }
                }
                results.add(delete(name, state.topicId()));
            }
            return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(done -> {
                DeleteTopicsResponseData out = new DeleteTopicsResponseData().setThrottleTimeMs(0);
                results.forEach(result -> out.responses().add(result.join()));
                return Optional.<ApiMessage>of(out);
            });
        });
    }

    private CompletableFuture<DeletableTopicResult> delete(String name, Uuid topicId) {
        DeletableTopicResult result = new DeletableTopicResult().setName(name)
                .setTopicId(topicId == null ? Uuid.ZERO_UUID : topicId);
        return topics.delete(name).toCompletableFuture().handle((reply, error) -> {
            if (error != null) {
                return result.setErrorCode(Errors.REQUEST_TIMED_OUT.code()).setErrorMessage(error.getMessage());
            }
            if (reply instanceof TopicRegistry.Changed deleted) {
                return result.setErrorCode(Errors.NONE.code()).setTopicId(TopicIds.of(deleted.topic()));
            }
            TopicRegistry.ChangeFailed failed = (TopicRegistry.ChangeFailed) reply;
            return result.setErrorCode(KafkaErrors.of(failed.error()).code()).setErrorMessage(failed.message());
        });
    }
}
