package io.riverlog.api.http;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Framing;
import org.apache.pekko.stream.javadsl.FramingTruncation;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.riverlog.actors.topics.TopicInfo;

/**
 * A streamed produce: the request body is NDJSON, one record object per line (blank lines are
 * skipped), read as it arrives. Lines are appended in groups ({@code riverlog.http.ndjson-batch-records},
 * or fewer after {@code ndjson-batch-linger} without a new line), one group at a time: the next
 * group is read only once the previous one is committed, so a fast client is slowed to the disk's
 * pace (backpressure) and the broker holds at most one group. A line longer than
 * {@code max-request-bytes} is answered 413.
 *
 * <p>The answer comes at the end: {@code {"count": N, "partitions": [{"partition", "count",
 * "firstOffset", "lastOffset"}]}}: how many records were appended, and for each partition the
 * offsets of its first and last record of this request (other producers' records may lie between).
 * A bad line stops the produce: it is answered with the error, and {@code "appended"} holds the
 * same summary of the lines before it, which are committed.
 */
final class NdjsonProduce {
    private static final ByteString NEWLINE = ByteString.fromString("\n");

    private final Partitions partitions;
    private final Appender appender;
    private final HttpSettings settings;
    private final Clock clock;
    private final ActorSystem<?> system;

    NdjsonProduce(Partitions partitions, Appender appender, HttpSettings settings, Clock clock,
                  ActorSystem<?> system) {
        this.partitions = partitions;
        this.appender = appender;
        this.settings = settings;
        this.clock = clock;
        this.system = system;
    }

    /** What has been appended so far; updated by one group at a time. */
    private static final class Summary {
        private long count;
        private final Map<Integer, long[]> partitions = new TreeMap<>();

        synchronized void add(List<Appender.Placed> placed) {
            for (Appender.Placed p : placed) {
                if (!p.appended()) {
                    continue;
                }
                count++;
                long[] range = partitions.computeIfAbsent(p.partition(), k -> new long[] {0, p.offset(), p.offset()});
                range[0]++;
                range[1] = Math.min(range[1], p.offset());
                range[2] = Math.max(range[2], p.offset());
            }
        }

        synchronized ObjectNode toJson() {
            ObjectNode out = Json.object();
            out.put("count", count);
            ArrayNode list = out.putArray("partitions");
            partitions.forEach((partition, range) -> list.addObject().put("partition", partition)
                    .put("count", range[0]).put("firstOffset", range[1]).put("lastOffset", range[2]));
            return out;
        }
    }

    /** One line of the body: a record, or why it is not one (which ends the produce). */
    private record Line(ProducedRecord record, ApiException problem) {
    }

    CompletionStage<HttpResponse> produce(String topic, Source<ByteString, ?> body) {
        Summary summary = new Summary();
        return partitions.topic(topic).thenCompose(info -> run(info, body, summary)).handle((problem, error) -> {
            ApiException failure = error != null ? asApiException(error) : problem.orElse(null);
            if (failure == null) {
                return Json.response(StatusCodes.OK, summary.toJson());
            }
            ObjectNode out = Json.error(failure.error(), failure.getMessage());
            out.set("appended", summary.toJson());
            return Json.response(failure.status(), out);
        });
    }

    /**
     * Appends group after group; the first bad line (or a body that cannot be read) ends it after the
     * records before it are appended. Problems travel as elements, not stream failures, so that the
     * answer is sent only once no append is in flight: it then says exactly what was committed.
     */
    private CompletionStage<Optional<ApiException>> run(TopicInfo topic, Source<ByteString, ?> body, Summary summary) {
        int maxLineBytes = (int) Math.min(Integer.MAX_VALUE, settings.maxRequestBytes());
        return body
                .via(Framing.delimiter(NEWLINE, maxLineBytes, FramingTruncation.ALLOW))
                .zipWithIndex()
                .filter(line -> !line.first().utf8String().isBlank())
                .map(this::parse)
                .recover(StreamRoutes.lastly(failure -> new Line(null, asApiException(failure))))
                .groupedWithin(settings.ndjsonBatchRecords(), settings.ndjsonBatchLinger())
                .mapAsync(1, group -> appendGroup(topic, group, summary))
                .takeWhile(Optional::isEmpty, true)
                .runWith(Sink.fold(Optional.<ApiException>empty(), (last, next) -> next), system);
    }

    /** Appends the group's records up to its first problem; answers that problem, if any. */
    private CompletionStage<Optional<ApiException>> appendGroup(TopicInfo topic, List<Line> group, Summary summary) {
        List<ProducedRecord> records = new ArrayList<>(group.size());
        ApiException problem = null;
        for (Line line : group) {
            if (line.problem() != null) {
                problem = line.problem();
                break;
            }
            records.add(line.record());
        }
        Optional<ApiException> outcome = Optional.ofNullable(problem);
        if (records.isEmpty()) {
            return CompletableFuture.completedFuture(outcome);
        }
        return appender.append(topic, records).thenApply(appended -> {
            summary.add(appended.placed());
            return appended.failure().or(() -> outcome);
        });
    }

    private Line parse(Pair<ByteString, Long> line) {
        String where = "line " + (line.second() + 1);
        try {
            JsonNode node;
            try {
                node = JsonBody.parse(line.first());
            } catch (ApiException e) {
                throw new ApiException(e.status(), e.error(), where + ": " + e.getMessage());
            }
            return new Line(RecordJson.fromJson(node, where, clock.millis()), null);
        } catch (ApiException e) {
            return new Line(null, e);
        }
    }

    private static ApiException asApiException(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof ApiException api) {
            return api;
        }
        if (cause instanceof org.apache.pekko.stream.scaladsl.Framing.FramingException) {
            return ApiException.tooLarge(
                    "a line is longer than riverlog.http.max-request-bytes: " + cause.getMessage());
        }
        return ApiException.badRequest("the request body could not be read: " + cause.getMessage());
    }
}
