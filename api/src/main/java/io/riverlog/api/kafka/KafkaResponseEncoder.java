package io.riverlog.api.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;

import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.SendBuilder;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;
import org.apache.pekko.util.ByteString;

/**
 * Encodes a response to the bytes of one frame, its 4-byte size prefix included, in the version the
 * request was made in, with the header version the api key calls for. The record batches of a fetch
 * answer are not copied: the frame is a chain of the header's and fields' bytes and the batches'
 * own buffers.
 */
public final class KafkaResponseEncoder {
    private KafkaResponseEncoder() {
    }

    public static ByteString encode(RequestHeader requestHeader, ApiMessage response) {
        ResponseHeader header = requestHeader.toResponseHeader();
        Send send = SendBuilder.buildResponseSend(header, response, requestHeader.apiVersion());
        ByteStringChannel channel = new ByteStringChannel();
        try {
            while (!send.completed()) {
                send.writeTo(channel);
            }
        } catch (IOException e) {
            // The channel is memory: it cannot fail.
            throw new UncheckedIOException(e);
        }
        return channel.bytes();
    }
}
