package io.riverlog.api.kafka;

import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Hooks the Kafka listener and the fetch handler call, for metrics: connections opening and closing,
 * how long each request took to answer, and the records fetches carried. Called from the listener's
 * network threads and from whichever thread completes an answer or closes a connection (often the
 * one that ran a partition's or the group manager's reply): implementations must be thread-safe and
 * cheap.
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
