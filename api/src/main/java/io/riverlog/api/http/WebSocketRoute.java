package io.riverlog.api.http;

import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.handleWebSocketMessages;
import static org.apache.pekko.http.javadsl.server.Directives.onSuccess;
import static org.apache.pekko.http.javadsl.server.Directives.path;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionStage;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.TextMessage;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

import io.riverlog.actors.partition.PartitionId;
import io.riverlog.wal.LogRecord;

/**
 * {@code GET /v1/topics/{t}/partitions/{p}/ws?offset=N|earliest|latest[&limit=M][&follow=false]}:
 * a WebSocket that sends the partition's records, one JSON record ({@link RecordJson}) per text
 * frame, following the tail by default. Frames go out only as fast as the client reads them: the
 * socket's backpressure reaches the partition's stream, so a slow client costs the broker at most
 * one read of memory. Frames the client sends are read and discarded. The socket closes when the
 * limit is reached or, with follow=false, at the high watermark; a failure sends one last frame
 * {@code {"error", "message"}} and closes.
 */
final class WebSocketRoute {
    private final RecordSources sources;
    private final ActorSystem<?> system;
    private final LeaderForwarding forwarding;

    WebSocketRoute(RecordSources sources, LeaderForwarding forwarding, ActorSystem<?> system) {
        this.sources = sources;
        this.forwarding = forwarding;
        this.system = system;
    }

    Route route() {
        return path(PathMatchers.segment("v1").slash("topics").slash(PathMatchers.segment()).slash("partitions")
                        .slash(PathMatchers.integerSegment()).slash("ws"),
                (topic, partition) -> get(() -> forwarding.redirected(new PartitionId(topic, partition),
                        () -> StreamRoutes.withStart(true, false, start ->
                                onSuccess(sources.open(new PartitionId(topic, partition), start),
                                        records -> handleWebSocketMessages(flow(topic, partition, records)))))));
    }

    private Flow<Message, Message, ?> flow(String topic, int partition, Source<LogRecord, ?> records) {
        Source<Message, ?> out = records
                .map(record -> (Message) TextMessage.create(
                        new String(Json.bytes(RecordJson.toJson(topic, partition, record)), StandardCharsets.UTF_8)))
                .recover(StreamRoutes.lastly(failure -> TextMessage.create(new String(
                        Json.bytes(StreamRoutes.failed(topic, partition, failure)), StandardCharsets.UTF_8))));
        // Coupled: when the client closes, the partition's stream is cancelled; when it ends, the socket closes.
        return Flow.fromSinkAndSourceCoupled(Flow.<Message>create().mapAsync(1, this::discard).to(Sink.ignore()), out);
    }

    /** Reads an incoming frame to its end (a streamed frame left unread would stall the socket). */
    private CompletionStage<Done> discard(Message message) {
        return message.isText()
                ? message.asTextMessage().getStreamedText().runWith(Sink.ignore(), system)
                : message.asBinaryMessage().getStreamedData().runWith(Sink.ignore(), system);
    }
}
