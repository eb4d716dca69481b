package io.riverlog.api.http;

import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.delete;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.post;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.topics.TopicError;
import io.riverlog.actors.topics.TopicInfo;
import io.riverlog.actors.topics.TopicRegistry;
import io.riverlog.wal.Damage;

/**
 * {@code GET /v1/topics} lists topics; {@code POST /v1/topics} creates one from
 * {@code {"name", "partitions"?, "configs"?}} (201; 409 if it exists); {@code GET /v1/topics/{t}}
 * describes one with each partition's log start offset, high watermark and size in bytes, whether
 * it is offline, and the damage known in its log ({@code "damage"}: file, byte positions
 * {@code [position, endPosition)}, offsets {@code [baseOffset, nextOffset)} and problem of each
 * damaged range, whose offsets are refused to readers); {@code DELETE /v1/topics/{t}} deletes one
 * with its data.
 */
final class TopicRoutes {
    private final Partitions partitions;
    private final HttpSettings settings;

    TopicRoutes(Partitions partitions, HttpSettings settings) {
        this.partitions = partitions;
        this.settings = settings;
    }

    Route route() {
        return concat(
                path(PathMatchers.segment("v1").slash("topics"), () -> concat(
                        get(() -> completeWithFuture(list())),
                        post(() -> JsonBody.json(settings.maxRequestBytes(),
                                body -> completeWithFuture(create(body)))))),
                path(PathMatchers.segment("v1").slash("topics").slash(PathMatchers.segment()), topic -> concat(
                        get(() -> completeWithFuture(describe(topic))),
                        delete(() -> completeWithFuture(deleteTopic(topic))))));
    }

    private CompletionStage<HttpResponse> list() {
        return Partitions.answered(partitions.topics().list(), "the topic registry").thenApply(all -> {
            ObjectNode out = Json.object();
            ArrayNode topics = out.putArray("topics");
            all.forEach(topic -> topics.add(summary(topic)));
            return Json.response(StatusCodes.OK, out);
        });
    }

    private CompletionStage<HttpResponse> create(JsonNode body) {
        JsonNode name = body.get("name");
        if (name == null || !name.isTextual()) {
            throw ApiException.badRequest("a topic needs a \"name\" (text)");
        }
        JsonNode count = body.get("partitions");
        if (count != null && !count.isNull() && (!count.isIntegralNumber() || !count.canConvertToInt())) {
            throw ApiException.badRequest("\"partitions\" must be a whole number");
        }
        int partitionCount = count == null || count.isNull() ? TopicRegistry.CreateTopic.DEFAULT_PARTITIONS
                : count.intValue();
        Map<String, String> configs = configs(body.get("configs"));
        return Partitions.answered(partitions.topics().create(name.textValue(), partitionCount, configs),
                "the topic registry").thenApply(reply -> {
                    if (reply instanceof TopicRegistry.Changed created) {
                        return Json.response(StatusCodes.CREATED, summary(created.topic()));
                    }
                    TopicRegistry.ChangeFailed failed = (TopicRegistry.ChangeFailed) reply;
                    throw refused(failed.error(), failed.message());
                });
    }

    private static Map<String, String> configs(JsonNode node) {
        Map<String, String> out = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isObject()) {
            throw ApiException.badRequest("\"configs\" must be an object of config names to values");
        }
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!field.getValue().isValueNode() || field.getValue().isNull()) {
                throw ApiException.badRequest("config '" + field.getKey() + "' must have a text or number value");
            }
            out.put(field.getKey(), field.getValue().asText());
        }
        return out;
    }

    private CompletionStage<HttpResponse> describe(String name) {
        return partitions.topic(name).thenCompose(topic -> {
            // In a cluster, a partition another node leads is named with its leader; its state is that node's.
            List<CompletableFuture<ObjectNode>> states = new ArrayList<>();
            for (int p = 0; p < topic.partitions(); p++) {
                PartitionId id = new PartitionId(name, p);
                OptionalInt leader = partitions.topics().leaderElsewhere(id);
                states.add(leader.isPresent()
                        ? CompletableFuture.completedFuture(Json.object().put("partition", p)
                                .put("leader", leader.getAsInt()))
                        : partitions.state(id).thenApply(TopicRoutes::partition).toCompletableFuture());
            }
            return CompletableFuture.allOf(states.toArray(CompletableFuture[]::new)).thenApply(done -> {
                ObjectNode out = summary(topic);
                ArrayNode list = out.putArray("partitionStates");
                for (CompletableFuture<ObjectNode> state : states) {
                    list.add(state.join());
                }
                return Json.response(StatusCodes.OK, out);
            });
        });
    }

    private CompletionStage<HttpResponse> deleteTopic(String name) {
        return Partitions.answered(partitions.topics().delete(name), "the topic registry").thenApply(reply -> {
            if (reply instanceof TopicRegistry.Changed deleted) {
                return Json.response(StatusCodes.OK, summary(deleted.topic()));
            }
            TopicRegistry.ChangeFailed failed = (TopicRegistry.ChangeFailed) reply;
            throw refused(failed.error(), failed.message());
        });
    }

    private static ObjectNode summary(TopicInfo topic) {
        ObjectNode out = Json.object();
        out.put("name", topic.name());
        out.put("topicId", topic.topicId().toString());
        out.put("partitions", topic.partitions());
        ObjectNode configs = out.putObject("configs");
        topic.configs().forEach(configs::put);
        return out;
    }

    private static ObjectNode partition(PartitionActor.PartitionState state) {
        ObjectNode out = Json.object();
        out.put("partition", state.id().partition());
        out.put("offline", state.offline());
        if (!state.offline()) {
            out.put("logStartOffset", state.logStartOffset());
            out.put("highWatermark", state.highWatermark());
            out.put("sizeBytes", state.sizeInBytes());
        }
        ArrayNode damage = out.putArray("damage");
        for (Damage range : state.damage()) {
            ObjectNode entry = damage.addObject();
            entry.put("file", range.file().toString());
            entry.put("position", range.position());
            entry.put("endPosition", range.endPosition());
            entry.put("baseOffset", range.baseOffset());
            entry.put("nextOffset", range.nextOffset());
            entry.put("problem", range.problem());
        }
        return out;
    }

    private static ApiException refused(TopicError error, String message) {
        StatusCode status = switch (error) {
            case TOPIC_ALREADY_EXISTS -> StatusCodes.CONFLICT;
            case UNKNOWN_TOPIC -> StatusCodes.NOT_FOUND;
            case INVALID_TOPIC, INVALID_PARTITIONS, INVALID_CONFIG -> StatusCodes.BAD_REQUEST;
            // The message of OUTCOME_UNKNOWN says that the change may be in effect after a restart.
            case STORAGE_ERROR, OUTCOME_UNKNOWN, NOT_AVAILABLE -> StatusCodes.SERVICE_UNAVAILABLE;
        };
        return new ApiException(status, error.name().toLowerCase(java.util.Locale.ROOT), message);
    }
}
