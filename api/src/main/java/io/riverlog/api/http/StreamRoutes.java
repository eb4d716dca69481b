package io.riverlog.api.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequest;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.onSuccess;
import static org.apache.pekko.http.javadsl.server.Directives.optionalHeaderValueByName;
import static org.apache.pekko.http.javadsl.server.Directives.parameterOptional;
import static org.apache.pekko.http.javadsl.server.Directives.path;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.CacheControl;
import org.apache.pekko.http.javadsl.model.headers.CacheDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.japi.pf.PFBuilder;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.riverlog.actors.partition.PartitionId;
import io.riverlog.streams.DamagedDataReadException;
import io.riverlog.wal.LogRecord;

/**
 * {@code GET /v1/topics/{t}/partitions/{p}/records}: a partition's records as a stream, chosen by
 * the Accept header:
 * <ul>
 * <li>{@code text/event-stream}: Server-Sent Events, one per record, {@code id:} its offset and
 * {@code data:} the record as JSON ({@link RecordJson}). {@code Last-Event-ID} resumes after that
 * offset. Follows the tail by default; while idle, a comment line every
 * {@code riverlog.http.heartbeat-interval} keeps the stream open.</li>
 * <li>{@code application/x-ndjson} (also when Accept names neither, e.g. {@code *}{@code /*}): one
 * JSON record per line. Stops at the high watermark by default.</li>
 * </ul>
 * If the stream fails once it has begun, it ends with an error: an {@code event: error} whose data
 * is {@code {"error", "message"}}, or such a last line. The error is {@code damaged_data} when the
 * stream reached damaged data in the partition's log (the message names the file, the positions and
 * the offsets; the records before it were sent), {@code stream_failed} otherwise (its partition
 * stopped or went offline). The WebSocket endpoint is {@link WebSocketRoute}.
 */
final class StreamRoutes {
    private static final Logger log = LoggerFactory.getLogger(StreamRoutes.class);
    private static final ByteString HEARTBEAT = ByteString.fromString(": heartbeat\n\n");
    private static final ByteString NEWLINE = ByteString.fromString("\n");

    private final RecordSources sources;
    private final LeaderForwarding forwarding;
    private final HttpSettings settings;

    StreamRoutes(RecordSources sources, LeaderForwarding forwarding, HttpSettings settings) {
        this.sources = sources;
        this.forwarding = forwarding;
        this.settings = settings;
    }

    Route route() {
        return path(PathMatchers.segment("v1").slash("topics").slash(PathMatchers.segment()).slash("partitions")
                        .slash(PathMatchers.integerSegment()).slash("records"),
                (topic, partition) -> get(() -> forwarding.proxied(new PartitionId(topic, partition),
                        () -> extractRequest(request -> {
                            boolean sse = accepts(request, MediaTypesOfApi.EVENT_STREAM_NAME);
                            return withStart(sse, sse, start -> onSuccess(
                                    sources.open(new PartitionId(topic, partition), start),
                                    records -> complete(sse ? sse(topic, partition, records)
                                            : ndjson(topic, partition, records))));
                        }))));
    }

    /** Parses offset, limit, follow and, if {@code resumable}, Last-Event-ID (400 if any is bad). */
    static Route withStart(boolean followByDefault, boolean resumable, Function<ReadStart, Route> inner) {
        return parameterOptional("offset", offset -> parameterOptional("limit", limit ->
                parameterOptional("follow", follow -> optionalHeaderValueByName("Last-Event-ID", lastEventId ->
                        inner.apply(ReadStart.parse(offset, limit, follow,
                                resumable ? lastEventId : Optional.empty(), followByDefault))))));
    }

    private static boolean accepts(HttpRequest request, String mediaType) {
        return request.getHeader("Accept").map(HttpHeader::value).map(value -> value.contains(mediaType))
                .orElse(false);
    }

    private HttpResponse sse(String topic, int partition, Source<LogRecord, ?> records) {
        Source<ByteString, ?> events = records
                .map(record -> ByteString.fromString("id: " + record.offset() + "\ndata: ")
                        .concat(ByteString.fromArrayUnsafe(Json.bytes(RecordJson.toJson(topic, partition, record))))
                        .concat(ByteString.fromString("\n\n")))
                .keepAlive(settings.heartbeatInterval(), () -> HEARTBEAT)
                .recover(lastly(failure -> ByteString.fromString("event: error\ndata: ")
                        .concat(ByteString.fromArrayUnsafe(Json.bytes(failed(topic, partition, failure))))
                        .concat(ByteString.fromString("\n\n"))));
        return HttpResponse.create().withStatus(StatusCodes.OK)
                .addHeaders(List.of(CacheControl.create(CacheDirectives.NO_CACHE)))
                .withEntity(HttpEntities.createChunked(MediaTypesOfApi.EVENT_STREAM, events));
    }

    private HttpResponse ndjson(String topic, int partition, Source<LogRecord, ?> records) {
        Source<ByteString, ?> lines = records
                .map(record -> ByteString.fromArrayUnsafe(Json.bytes(RecordJson.toJson(topic, partition, record)))
                        .concat(NEWLINE))
                .recover(lastly(failure -> ByteString.fromArrayUnsafe(
                        Json.bytes(failed(topic, partition, failure))).concat(NEWLINE)));
        return HttpResponse.create().withStatus(StatusCodes.OK)
                .withEntity(HttpEntities.createChunked(MediaTypesOfApi.NDJSON, lines));
    }

    /** A stream's last element in place of its failure. */
    static <T> scala.PartialFunction<Throwable, T> lastly(java.util.function.Function<Throwable, T> last) {
        return new PFBuilder<Throwable, T>().match(Throwable.class, last::apply).build();
    }

    /** The error that ends a failed stream (and one log line saying why). */
    static com.fasterxml.jackson.databind.node.ObjectNode failed(String topic, int partition, Throwable failure) {
        log.info("Stream of partition {}-{} ended with an error: {}", topic, partition, failure.toString());
        return Json.error(failure instanceof DamagedDataReadException ? ApiException.DAMAGED_DATA : "stream_failed",
                String.valueOf(failure.getMessage()));
    }
}
