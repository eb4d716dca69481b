package io.riverlog.api.kafka.handlers;

import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.InitProducerIdRequest;

import io.riverlog.api.kafka.codec.KafkaRequest;

/**
 * InitProducerId for idempotent producers. Ids are unique across restarts without being stored:
 * each is the broker's start time in milliseconds times {@link #IDS_PER_MILLISECOND}, plus a
 * counter. A producer that asks again with its id and epoch (KIP-360) gets the next epoch.
 * Transactions are not served: a transactional id is refused.
 */
final class InitProducerIdHandler implements KafkaRequestHandler {
    /** Room for this many new producers per millisecond of uptime before ids could meet a later start's. */
    static final long IDS_PER_MILLISECOND = 1_000;

    private final AtomicLong nextId;

    InitProducerIdHandler(Clock clock) {
        this.nextId = new AtomicLong(clock.millis() * IDS_PER_MILLISECOND);
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        InitProducerIdRequestData data = request.bodyAs(InitProducerIdRequest.class).data();
        InitProducerIdResponseData out = new InitProducerIdResponseData().setThrottleTimeMs(0);
        if (data.transactionalId() != null) {
            out.setErrorCode(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code()).setProducerId(-1).setProducerEpoch((short) -1);
        } else if (data.producerId() >= 0 && data.producerEpoch() >= 0 && data.producerEpoch() < Short.MAX_VALUE - 1) {
            out.setErrorCode(Errors.NONE.code()).setProducerId(data.producerId())
                    .setProducerEpoch((short) (data.producerEpoch() + 1));
        } else {
            out.setErrorCode(Errors.NONE.code()).setProducerId(nextId.getAndIncrement()).setProducerEpoch((short) 0);
        }
        return CompletableFuture.completedFuture(Optional.of(out));
    }
}
