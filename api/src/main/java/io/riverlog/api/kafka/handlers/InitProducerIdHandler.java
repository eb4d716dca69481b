package io.riverlog.api.kafka.handlers;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.InitProducerIdRequest;

import io.riverlog.api.kafka.codec.KafkaRequest;
import io.riverlog.api.topics.ReservedProducerIds;

/**
 * InitProducerId for idempotent producers. A new producer gets the next id of the blocks the topic
 * registry reserved durably ({@link ReservedProducerIds}), so no id is ever given twice, across
 * restarts and whatever the clock does. If no block can be reserved, the answer is
 * {@code COORDINATOR_LOAD_IN_PROGRESS}, which Kafka clients retry (as Kafka's own brokers answer
 * while their block of ids is not ready). A producer that asks again with its id and epoch (KIP-360)
 * gets the next epoch. Transactions are not served: a transactional id is refused.
 */
final class InitProducerIdHandler implements KafkaRequestHandler {
    private final ReservedProducerIds producerIds;

    InitProducerIdHandler(ReservedProducerIds producerIds) {
        this.producerIds = producerIds;
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        InitProducerIdRequestData data = request.bodyAs(InitProducerIdRequest.class).data();
        InitProducerIdResponseData out = new InitProducerIdResponseData().setThrottleTimeMs(0);
        if (data.transactionalId() != null) {
            return answer(out.setErrorCode(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code()).setProducerId(-1)
                    .setProducerEpoch((short) -1));
        }
        if (data.producerId() >= 0 && data.producerEpoch() >= 0 && data.producerEpoch() < Short.MAX_VALUE - 1) {
            return answer(out.setErrorCode(Errors.NONE.code()).setProducerId(data.producerId())
                    .setProducerEpoch((short) (data.producerEpoch() + 1)));
        }
        return producerIds.next().handle((id, failure) -> {
            if (failure != null) {
                // The registry logged why; the answer has no room for a message.
                out.setErrorCode(Errors.COORDINATOR_LOAD_IN_PROGRESS.code()).setProducerId(-1)
                        .setProducerEpoch((short) -1);
            } else {
                out.setErrorCode(Errors.NONE.code()).setProducerId(id).setProducerEpoch((short) 0);
            }
            return Optional.<ApiMessage>of(out);
        });
    }

    private static CompletionStage<Optional<ApiMessage>> answer(InitProducerIdResponseData out) {
        return CompletableFuture.completedFuture(Optional.of(out));
    }
}
