package io.riverlog.api.kafka;

import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestHeader;

/** One decoded Kafka request: its header (api key, version, correlation id, client id) and body. */
public record KafkaRequest(RequestHeader header, AbstractRequest body, int sizeInBytes) {

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
