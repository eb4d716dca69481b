/**
 * Kafka's wire format: a frame decoded into a {@link io.riverlog.api.kafka.codec.KafkaRequest}, and
 * an answer encoded into a {@link io.riverlog.api.kafka.codec.ResponseFrame} whose record batches are
 * references to buffers and segment files rather than copies (the record views here). It knows
 * neither the transport nor the handlers.
 */
package io.riverlog.api.kafka.codec;
