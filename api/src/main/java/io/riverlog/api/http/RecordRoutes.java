package io.riverlog.api.http;

import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequestEntity;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.post;
import static org.apache.pekko.http.javadsl.server.Directives.withoutRequestTimeout;
import static org.apache.pekko.http.javadsl.server.Directives.withoutSizeLimit;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code POST /v1/topics/{t}/records}: produce. A JSON body {@code {"records": [{"key", "value",
 * "partition"?, "headers"?, "timestamp"?}, ...]}} (see {@link RecordJson}) is appended as a whole
 * and answered {@code {"offsets": [{"partition", "offset"}, ...]}}, in request order, once every
 * record is committed. If a partition fails to append, the answer is its error, with the same
 * {@code "offsets"} list, whose offset is null for every record that was not appended. A body of
 * Content-Type {@code application/x-ndjson} (one record object per line) is streamed: see
 * {@link NdjsonProduce}.
 */
final class RecordRoutes {
    private final Partitions partitions;
    private final Appender appender;
    private final HttpSettings settings;
    private final Clock clock;
    private final ActorSystem<?> system;

    RecordRoutes(Partitions partitions, LeaderForwarding forwarding, HttpSettings settings, Clock clock,
                 ActorSystem<?> system) {
        this.partitions = partitions;
        this.appender = new Appender(partitions, forwarding, settings.maxMessageBytes());
        this.settings = settings;
        this.clock = clock;
        this.system = system;
    }

    Route route() {
        return path(PathMatchers.segment("v1").slash("topics").slash(PathMatchers.segment()).slash("records"),
                topic -> post(() -> extractRequestEntity(entity -> isNdjson(entity)
                        ? withoutSizeLimit(() -> withoutRequestTimeout(() -> completeWithFuture(
                                new NdjsonProduce(partitions, appender, settings, clock, system)
                                        .produce(topic, entity.getDataBytes()))))
                        : JsonBody.json(settings.maxRequestBytes(),
                                body -> completeWithFuture(produce(topic, body))))));
    }

    static boolean isNdjson(RequestEntity entity) {
        var mediaType = entity.getContentType().mediaType();
        return mediaType.mainType().equals("application") && mediaType.subType().equals("x-ndjson");
    }

    private CompletionStage<HttpResponse> produce(String topic, JsonNode body) {
        JsonNode list = body.get("records");
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw ApiException.badRequest("the body must be {\"records\": [...]} with at least one record");
        }
        long now = clock.millis();
        List<ProducedRecord> records = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            records.add(RecordJson.fromJson(list.get(i), "record " + i, now));
        }
        return partitions.topic(topic).thenCompose(info -> appender.append(info, records)).thenApply(outcome -> {
            ObjectNode out = outcome.failure().map(failure -> Json.error(failure.error(), failure.getMessage()))
                    .orElseGet(Json::object);
            ArrayNode offsets = out.putArray("offsets");
            for (Appender.Placed p : outcome.placed()) {
                ObjectNode place = offsets.addObject().put("partition", p.partition());
                if (p.appended()) {
                    place.put("offset", p.offset());
                } else {
                    place.putNull("offset");
                }
            }
            return Json.response(outcome.failure().map(ApiException::status).orElse(StatusCodes.OK), out);
        });
    }
}
