package io.riverlog.api.kafka.handlers;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResultCollection;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.DeleteGroupsRequest;

import io.riverlog.actors.groups.GroupError;
import io.riverlog.actors.groups.GroupRequests.DeleteGroup;
import io.riverlog.actors.groups.GroupRequests.DeleteGroupResult;
import io.riverlog.api.groups.BrokerGroups;
import io.riverlog.api.kafka.codec.KafkaRequest;

/** DeleteGroups: each group without members is deleted with its offsets; others are NON_EMPTY_GROUP. */
final class DeleteGroupsHandler implements KafkaRequestHandler {
    private final BrokerGroups groups;

    DeleteGroupsHandler(BrokerGroups groups) {
        this.groups = groups;
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        DeleteGroupsRequestData data = request.bodyAs(DeleteGroupsRequest.class).data();
        List<CompletableFuture<DeletableGroupResult>> results = new ArrayList<>();
        for (String groupId : data.groupsNames()) {
            results.add(groups.<DeleteGroupResult>ask(replyTo -> new DeleteGroup(groupId, replyTo))
                    .handle((result, failure) -> {
                        GroupError error = failure == null ? result.error() : GroupError.COORDINATOR_NOT_AVAILABLE;
                        return new DeletableGroupResult().setGroupId(groupId)
                                .setErrorCode(KafkaErrors.of(error).code());
                    })
                    .toCompletableFuture());
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(done -> {
            DeletableGroupResultCollection collection = new DeletableGroupResultCollection();
            results.forEach(result -> collection.add(result.join()));
            return Optional.of(new DeleteGroupsResponseData().setThrottleTimeMs(0).setResults(collection));
        });
    }
}
