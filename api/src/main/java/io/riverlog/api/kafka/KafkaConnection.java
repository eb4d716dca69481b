package io.riverlog.api.kafka;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Framing;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The byte stream of one client connection, as a flow: Kafka's 4-byte size framing (a frame above
 * {@code max-frame-bytes} closes the connection), decoding, the handler, encoding. Up to
 * {@code max-in-flight-requests-per-connection} requests run at once, and answers leave in the
 * order the requests came, as Kafka clients require. A produce with acks=0 gets no answer.
 */
public final class KafkaConnection {
    private static final Logger log = LoggerFactory.getLogger(KafkaConnection.class);
    private static final int SIZE_PREFIX_BYTES = 4;

    private KafkaConnection() {
    }

    public static Flow<ByteString, ByteString, NotUsed> flow(KafkaRequestHandler handler, KafkaSettings settings,
                                                            InetSocketAddress remote, int listenerPort) {
        AppendOrder appendOrder = new AppendOrder();
        Flow<ByteString, ByteString, NotUsed> requests = Flow.<ByteString>create()
                .map(frame -> decode(frame, remote, listenerPort, appendOrder))
                .mapAsync(settings.maxInFlightPerConnection(), request -> answer(handler, request))
                .mapConcat(answer -> answer.map(List::of).orElse(List.of()));
        // Requests keep their size prefix (skipped when decoding) so that a frame's bytes need no copy;
        // answers carry theirs from the encoder.
        return Framing.lengthField(SIZE_PREFIX_BYTES, 0, settings.maxFrameBytes() + SIZE_PREFIX_BYTES,
                        ByteOrder.BIG_ENDIAN)
                .via(requests)
                .mapError(new org.apache.pekko.japi.pf.PFBuilder<Throwable, Throwable>()
                        .match(org.apache.pekko.stream.scaladsl.Framing.FramingException.class, e -> {
                            log.warn("Closing Kafka connection from {}: {}", remote, e.getMessage());
                            return e;
                        })
                        .build());
    }

    /**
     * Encodes an answer; if it cannot be encoded in the request's version (a handler set a field
     * that version lacks), the request's error response is sent instead, so the client sees an
     * error rather than a closed connection.
     */
    private static ByteString encode(KafkaRequest request, ApiMessage answer) {
        try {
            return KafkaResponseEncoder.encode(request.header(), answer);
        } catch (RuntimeException e) {
            log.error("Cannot encode the answer to {} v{} from client '{}': {}", request.apiKey(), request.apiVersion(),
                    request.header().clientId(), e.toString());
            return KafkaResponseEncoder.encode(request.header(), request.body().getErrorResponse(0, e).data());
        }
    }

    private static KafkaRequest decode(ByteString frame, InetSocketAddress remote, int listenerPort,
                                       AppendOrder appendOrder) {
        try {
            // A writable buffer over the frame's own bytes: produce batches get their offsets patched in
            // place later, and a read-only view would force a copy of every batch.
            ByteBuffer bytes = ByteBuffer.wrap(frame.toArrayUnsafe()).position(SIZE_PREFIX_BYTES);
            return KafkaRequestDecoder.decode(bytes, listenerPort,
                    remote.getAddress(), appendOrder);
        } catch (MalformedRequestException e) {
            log.warn("Closing Kafka connection from {}: {}", remote, e.getMessage());
            throw e;
        }
    }

    private static CompletionStage<Optional<ByteString>> answer(KafkaRequestHandler handler, KafkaRequest request) {
        CompletionStage<Optional<ApiMessage>> response;
        try {
            response = handler.handle(request);
        } catch (RuntimeException e) {
            response = CompletableFuture.failedFuture(e);
        }
        return response.handle((answer, error) -> {
            if (error != null) {
                Throwable cause = error instanceof java.util.concurrent.CompletionException ? error.getCause() : error;
                log.error("{} v{} from client '{}' failed: {}", request.apiKey(), request.apiVersion(),
                        request.header().clientId(), cause.toString());
                // Null for a produce with acks=0: the client expects no answer even to a failure.
                answer = Optional.ofNullable(request.body().getErrorResponse(0, cause)).map(AbstractResponse::data);
            }
            return answer.map(r -> encode(request, r));
        });
    }
}
