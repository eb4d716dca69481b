package io.riverlog.api.kafka.codec;

import java.io.IOException;
import java.io.UncheckedIOException;

import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.SendBuilder;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;

/**
 * Encodes a response to one frame, its 4-byte size prefix included, in the version the request was
 * made in, with the header version the api key calls for. The record batches of a fetch answer are
 * not copied: the frame holds the header's and fields' bytes, the batches' own buffers and the
 * regions of segment files they lie in.
 */
public final class KafkaResponseEncoder {
    private KafkaResponseEncoder() {
    }

    public static ResponseFrame encode(RequestHeader requestHeader, ApiMessage response) {
        ResponseHeader header = requestHeader.toResponseHeader();
        Send send = SendBuilder.buildResponseSend(header, response, requestHeader.apiVersion());
        ResponseChannel channel = new ResponseChannel();
        try {
            while (!send.completed()) {
                send.writeTo(channel);
            }
        } catch (IOException e) {
            // The channel is memory and file references: it cannot fail.
            throw new UncheckedIOException(e);
        }
        return channel.frame();
    }
}
