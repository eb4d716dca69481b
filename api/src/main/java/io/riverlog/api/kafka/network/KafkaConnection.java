package io.riverlog.api.kafka.network;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AbstractResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.riverlog.api.kafka.AppendOrder;
import io.riverlog.api.kafka.KafkaSettings;
import io.riverlog.api.kafka.codec.KafkaRequest;
import io.riverlog.api.kafka.codec.KafkaRequestDecoder;
import io.riverlog.api.kafka.codec.KafkaResponseEncoder;
import io.riverlog.api.kafka.codec.MalformedRequestException;
import io.riverlog.api.kafka.codec.ResponseFrame;
import io.riverlog.api.kafka.handlers.KafkaRequestHandler;

/**
 * One client connection: Kafka's 4-byte size framing (a frame above {@code max-frame-bytes} closes
 * the connection), decoding, the handler, encoding, writing. Up to
 * {@code max-in-flight-requests-per-connection} requests are unanswered at once; beyond that the
 * connection stops reading, so a client that sends faster than it is answered is slowed by TCP.
 * Answers leave in the order the requests came, as Kafka clients require; a produce with acks=0
 * gets no answer.
 *
 * <p>Threads: the network thread that owns the connection reads and calls the handler. The thread
 * that completes the answer at the head of the line writes it straight to the socket; when the
 * socket is full the network thread goes on once it is writable. One writer at a time, decided under this object's
 * lock. Writing in the completing thread, and sending file regions with {@code transferTo}, is what
 * lets a fetch answer leave without a hand-over between threads and without copying its batches.
 */
final class KafkaConnection {
    private static final Logger log = LoggerFactory.getLogger(KafkaConnection.class);

    private final SocketChannel socket;
    private final SelectionKey key;
    private final NetworkThread networkThread;
    private final KafkaRequestHandler handler;
    private final KafkaSettings settings;
    private final InetSocketAddress remote;
    private final AppendOrder appendOrder = new AppendOrder();
    private final FrameReader reader;

    // Guarded by this.
    /** Each request's encoded answer, in request order (empty for acks=0). */
    private final ArrayDeque<CompletableFuture<Optional<ResponseFrame>>> unanswered = new ArrayDeque<>();
    private boolean writing;
    private boolean readingPaused;
    private boolean closed;
    private FrameWriter current;

    KafkaConnection(SocketChannel socket, SelectionKey key, NetworkThread networkThread, KafkaRequestHandler handler,
                    KafkaSettings settings, InetSocketAddress remote) {
        this.socket = socket;
        this.key = key;
        this.networkThread = networkThread;
        this.handler = handler;
        this.settings = settings;
        this.remote = remote;
        this.reader = new FrameReader(settings.maxFrameBytes());
    }

    // ---------------------------------------------------------------- reading (network thread)

    /** Reads what the socket has, handing every whole frame to the handler. */
    void onReadable() throws IOException {
        while (true) {
            ByteBuffer frame;
            try {
                frame = reader.read(socket);
            } catch (FrameReader.FrameTooLargeException e) {
                closeForBadInput(e.getMessage());
                return;
            }
            if (frame == null) {
                if (reader.ended()) {
                    close();
                }
                return;
            }
            if (!accept(frame)) {
                return;
            }
            synchronized (this) {
                if (unanswered.size() >= settings.maxInFlightPerConnection()) {
                    readingPaused = true;
                    key.interestOpsAnd(~SelectionKey.OP_READ);
                    return;
                }
            }
        }
    }

    /** Decodes and hands a request to the handler; false if the frame closed the connection. */
    private boolean accept(ByteBuffer frame) {
        KafkaRequest request;
        try {
            request = KafkaRequestDecoder.decode(frame, networkThread.port(), remote.getAddress(), appendOrder);
        } catch (MalformedRequestException e) {
            closeForBadInput(e.getMessage());
            return false;
        }
        CompletableFuture<Optional<ResponseFrame>> answer = answer(request).toCompletableFuture();
        synchronized (this) {
            if (closed) {
                return false;
            }
            unanswered.add(answer);
        }
        // Attached only once the answer is in line, so that its completion always finds it there.
        answer.whenComplete((frameOrNone, failure) -> answered());
        return true;
    }

    /** Some answer is complete: become the writer unless there is one. */
    private void answered() {
        synchronized (this) {
            if (writing || closed) {
                return;
            }
            writing = true;
        }
        writeAnswers();
    }

    // ---------------------------------------------------------------- writing (any thread)

    /** Called by the network thread when a full socket has room again. */
    void onWritable() {
        key.interestOpsAnd(~SelectionKey.OP_WRITE);
        writeAnswers();
    }

    /**
     * Writes the finished answers at the head of the line. Only the thread that set {@code writing}
     * (or the network thread it handed over to) runs this.
     */
    private void writeAnswers() {
        while (true) {
            FrameWriter writer;
            synchronized (this) {
                if (closed) {
                    writing = false;
                    return;
                }
                if (current == null) {
                    CompletableFuture<Optional<ResponseFrame>> next = unanswered.peek();
                    if (next == null || !next.isDone()) {
                        writing = false;
                        resumeReadingIfRoom();
                        return;
                    }
                    unanswered.poll();
                    resumeReadingIfRoom();
                    Optional<ResponseFrame> frame;
                    try {
                        frame = next.join();
                    } catch (CompletionException e) {
                        log.error("Closing Kafka connection from {}: an answer could not be encoded: {}", remote,
                                e.getCause().toString());
                        writing = false;
                        closeLocked();
                        return;
                    }
                    if (frame.isEmpty()) {
                        continue;
                    }
                    current = new FrameWriter(frame.get());
                }
                writer = current;
            }
            boolean sent;
            try {
                sent = writer.writeTo(socket);
            } catch (IOException e) {
                log.debug("Kafka connection from {} failed while writing: {}", remote, e.toString());
                close();
                return;
            }
            if (!sent) {
                // Still the writer: the network thread goes on when the socket has room.
                key.interestOpsOr(SelectionKey.OP_WRITE);
                networkThread.wakeUp();
                return;
            }
            synchronized (this) {
                current = null;
            }
        }
    }

    private void resumeReadingIfRoom() {
        if (readingPaused && unanswered.size() < settings.maxInFlightPerConnection()) {
            readingPaused = false;
            key.interestOpsOr(SelectionKey.OP_READ);
            networkThread.wakeUp();
        }
    }

    // ---------------------------------------------------------------- closing

    private void closeForBadInput(String reason) {
        log.warn("Closing Kafka connection from {}: {}", remote, reason);
        close();
    }

    /** Closes the socket; answers still in line are dropped. Safe from any thread, more than once. */
    void close() {
        synchronized (this) {
            closeLocked();
        }
    }

    private void closeLocked() {
        if (closed) {
            return;
        }
        closed = true;
        unanswered.clear();
        key.cancel();
        try {
            socket.close();
        } catch (IOException e) {
            log.debug("Closing Kafka connection from {}: {}", remote, e.toString());
        }
        networkThread.closed(this);
    }

    // ---------------------------------------------------------------- answering

    private CompletionStage<Optional<ResponseFrame>> answer(KafkaRequest request) {
        CompletionStage<Optional<ApiMessage>> response;
        try {
            response = handler.handle(request);
        } catch (RuntimeException e) {
            response = CompletableFuture.failedFuture(e);
        }
        return response.handle((answer, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException ? error.getCause() : error;
                log.error("{} v{} from client '{}' failed: {}", request.apiKey(), request.apiVersion(),
                        request.header().clientId(), cause.toString());
                // Null for a produce with acks=0: the client expects no answer even to a failure.
                answer = Optional.ofNullable(request.body().getErrorResponse(0, cause)).map(AbstractResponse::data);
            }
            return answer.map(r -> encode(request, r));
        });
    }

    /**
     * Encodes an answer; if it cannot be encoded in the request's version (a handler set a field
     * that version lacks), the request's error response is sent instead, so the client sees an
     * error rather than a closed connection.
     */
    private static ResponseFrame encode(KafkaRequest request, ApiMessage answer) {
        try {
            return KafkaResponseEncoder.encode(request.header(), answer);
        } catch (RuntimeException e) {
            log.error("Cannot encode the answer to {} v{} from client '{}': {}", request.apiKey(), request.apiVersion(),
                    request.header().clientId(), e.toString());
            return KafkaResponseEncoder.encode(request.header(), request.body().getErrorResponse(0, e).data());
        }
    }
}
