/**
 * The Kafka transport: one selector thread per listener accepts connections and reads their
 * size-prefixed frames; answers are written by whichever thread completes them, or by the selector
 * thread once a full socket has room. {@link io.riverlog.api.kafka.network.KafkaServer} is its
 * public face; it calls the handlers only through
 * {@link io.riverlog.api.kafka.handlers.KafkaRequestHandler}.
 */
package io.riverlog.api.kafka.network;
