package io.riverlog.api.kafka;

import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Hooks the Kafka listener calls, for metrics: connections opening and closing, how long each
 * request took to answer, and the records fetches carried. Called from stream stages and reply
 * callbacks: implementations must be thread-safe and cheap.
 */
public interface KafkaMetrics {
    KafkaMetrics NONE = new KafkaMetrics() {
    };

    default void connectionOpened() {
    }

    default void connectionClosed() {
    }

    /** A fetch answer carries {@code records} records of {@code topic} in {@code bytes} bytes of batches. */
    default void fetched(String topic, int records, int bytes) {
    }

    /** A request of {@code api} was answered (or failed) {@code nanos} after it was handed to its handler. */
    default void requestAnswered(ApiKeys api, long nanos) {
    }
}
