package io.riverlog.api.kafka.codec;

import java.net.InetAddress;

import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestHeader;

import io.riverlog.api.kafka.AppendOrder;

/**
 * One decoded Kafka request: its header (api key, version, correlation id, client id) and body, the
 * port of the listener it came in on (what Metadata tells clients to connect to), and the client's
 * address (what DescribeGroups shows as a member's host), and its connection's {@link AppendOrder}.
 */
public record KafkaRequest(RequestHeader header, AbstractRequest body, int sizeInBytes, int listenerPort,
                           InetAddress clientAddress, AppendOrder appendOrder) {

    public KafkaRequest(RequestHeader header, AbstractRequest body, int sizeInBytes, int listenerPort) {
        this(header, body, sizeInBytes, listenerPort, InetAddress.getLoopbackAddress(), new AppendOrder());
    }

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
