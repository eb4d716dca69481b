package io.riverlog.api.http;

/**
 * Hook for metrics: called for each record an HTTP or WebSocket stream hands to its reader, from
 * the stream's stage. Implementations must be thread-safe and cheap.
 */
@FunctionalInterface
public interface StreamMetrics {
    StreamMetrics NONE = (topic, keyAndValueBytes) -> {
    };

    void streamed(String topic, int keyAndValueBytes);
}
