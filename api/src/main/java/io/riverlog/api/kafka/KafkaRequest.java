package io.riverlog.api.kafka;

import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * One decoded Kafka request: its header (api key, version, correlation id, client id) and body, and
 * the port of the listener it came in on (what Metadata tells clients to connect to).
 */
public record KafkaRequest(RequestHeader header, AbstractRequest body, int sizeInBytes, int listenerPort) {

    public ApiKeys apiKey() {
        return header.apiKey();
    }

    public short apiVersion() {
        return header.apiVersion();
    }

    @SuppressWarnings("unchecked")
    public <T extends AbstractRequest> T bodyAs(Class<T> type) {
        return (T) body;
    }
}
