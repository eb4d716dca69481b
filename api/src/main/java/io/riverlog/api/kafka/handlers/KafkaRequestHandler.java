package io.riverlog.api.kafka.handlers;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.protocol.ApiMessage;

import io.riverlog.api.kafka.codec.KafkaRequest;

/** Answers decoded Kafka requests; the transport calls it once per request, in order per connection. */
@FunctionalInterface
public interface KafkaRequestHandler {

    /** The response, or empty when the client expects none (a produce with acks=0). */
    CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request);
}
