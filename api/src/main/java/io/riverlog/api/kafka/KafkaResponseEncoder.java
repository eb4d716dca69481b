package io.riverlog.api.kafka;

import java.nio.ByteBuffer;

import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.RequestUtils;
import org.apache.kafka.common.requests.ResponseHeader;

/**
 * Encodes a response to the bytes of one frame (without the size prefix), in the version the
 * request was made in, with the header version the api key calls for.
 */
public final class KafkaResponseEncoder {
    private KafkaResponseEncoder() {
    }

    public static ByteBuffer encode(RequestHeader requestHeader, ApiMessage response) {
        ResponseHeader header = requestHeader.toResponseHeader();
        return RequestUtils.serialize(header.data(), header.headerVersion(), response, requestHeader.apiVersion());
    }
}
