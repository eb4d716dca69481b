package io.riverlog.api.kafka.codec;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Optional;

import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.network.ClientInformation;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.RequestAndSize;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;

import io.riverlog.api.kafka.AppendOrder;

/**
 * Decodes one frame (the bytes after the 4-byte size prefix) into a {@link KafkaRequest}, with
 * kafka-clients' own header and message classes. It knows nothing of the transport.
 *
 * <p>An ApiVersions request of a version newer than we know is decoded as version 0, so that it can
 * be answered with UNSUPPORTED_VERSION and our ranges (KIP-511). Anything else that does not parse
 * (an unknown api key, a version outside kafka-clients' range, a truncated body) is a
 * {@link MalformedRequestException}: Kafka's answer to such a frame is to close the connection.
 */
public final class KafkaRequestDecoder {
    private static final ListenerName LISTENER = ListenerName.forSecurityProtocol(SecurityProtocol.PLAINTEXT);

    private KafkaRequestDecoder() {
    }

    public static KafkaRequest decode(ByteBuffer frame, int listenerPort) {
        return decode(frame, listenerPort, InetAddress.getLoopbackAddress());
    }

    public static KafkaRequest decode(ByteBuffer frame, int listenerPort, InetAddress clientAddress) {
        return decode(frame, listenerPort, clientAddress, new AppendOrder());
    }

    /** Decodes a frame of a connection whose produce requests append in the order of {@code appendOrder}. */
    public static KafkaRequest decode(ByteBuffer frame, int listenerPort, InetAddress clientAddress,
                                      AppendOrder appendOrder) {
        int size = frame.remaining();
        RequestHeader header;
        try {
            header = RequestHeader.parse(frame);
        } catch (InvalidRequestException | IllegalArgumentException | java.nio.BufferUnderflowException e) {
            throw new MalformedRequestException("unreadable request header: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new MalformedRequestException("unreadable request header: " + e, e);
        }
        if (!header.isApiVersionSupported() && header.apiKey() != ApiKeys.API_VERSIONS) {
            throw new MalformedRequestException(header.apiKey() + " version " + header.apiVersion()
                    + " is not supported (supported: " + header.apiKey().oldestVersion() + ".."
                    + header.apiKey().latestVersion() + ")");
        }
        try {
            RequestContext context = new RequestContext(header, "", clientAddress, Optional.empty(),
                    KafkaPrincipal.ANONYMOUS, LISTENER, SecurityProtocol.PLAINTEXT, ClientInformation.EMPTY, false);
            RequestAndSize parsed = context.parseRequest(frame);
            return new KafkaRequest(header, parsed.request, size, listenerPort, clientAddress, appendOrder);
        } catch (RuntimeException e) {
            throw new MalformedRequestException("malformed " + header.apiKey() + " v" + header.apiVersion()
                    + " request: " + e.getMessage(), e);
        }
    }
}
