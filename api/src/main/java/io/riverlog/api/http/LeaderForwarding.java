package io.riverlog.api.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequest;
import static org.apache.pekko.http.javadsl.server.Directives.onSuccess;
import static org.apache.pekko.http.javadsl.server.Directives.redirect;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.ResponseEntity;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.Materializer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.riverlog.actors.cluster.NodeAddress;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.api.topics.BrokerTopics;
import io.riverlog.api.topics.ClusterView;

/**
 * HTTP on any node of a cluster: a request about a partition that another node leads is served
 * through that node, never from this one. A read (NDJSON or Server-Sent Events) is passed on to the
 * leader's HTTP API and its answer streamed back; a WebSocket is redirected there (307: a proxy would
 * have to carry every frame); the records of a produce that belong to such a partition are sent to
 * the leader's produce endpoint. A request that this node got passed on by another carries
 * {@value #FORWARDED_BY} and is never passed on again: if this node does not lead the partition
 * either (leadership moved meanwhile), it answers 503 and the client retries. While a partition's
 * replicas elect a leader, a request waits for one, up to {@code riverlog.http.leader-wait}.
 */
final class LeaderForwarding {
    static final String FORWARDED_BY = "Riverlog-Forwarded-By";
    /** Headers the client side of the proxy sets itself, or that only describe the hop they came on. */
    private static final List<String> HOP_HEADERS = List.of("host", "timeout-access", "content-length",
            "transfer-encoding", "connection", "content-type");

    /** How many times a request looks for a leader while it waits for one. */
    private static final int LEADER_LOOKS_PER_WAIT = 100;

    private final BrokerTopics topics;
    private final ActorSystem<?> system;
    private final Duration leaderWait;

    LeaderForwarding(BrokerTopics topics, ActorSystem<?> system, Duration leaderWait) {
        this.topics = topics;
        this.system = system;
        this.leaderWait = leaderWait;
    }

    /**
     * As {@link #leaderElsewhere}, once the partition has a leader: while its replicas elect one, it is
     * looked for again until the leader wait is over (then it fails as {@link #leaderElsewhere} does).
     */
    CompletionStage<Optional<NodeAddress>> leaderOnceElected(PartitionId id) {
        CompletableFuture<Optional<NodeAddress>> found = new CompletableFuture<>();
        lookForLeader(id, System.nanoTime() + leaderWait.toNanos(), found);
        return found;
    }

    private void lookForLeader(PartitionId id, long deadline, CompletableFuture<Optional<NodeAddress>> found) {
        try {
            found.complete(leaderElsewhere(id));
        } catch (ApiException noLeaderYet) {
            if (System.nanoTime() >= deadline) {
                found.completeExceptionally(noLeaderYet);
                return;
            }
            CompletableFuture.delayedExecutor(Math.max(1, leaderWait.toMillis() / LEADER_LOOKS_PER_WAIT),
                    TimeUnit.MILLISECONDS).execute(() -> lookForLeader(id, deadline, found));
        }
    }

    /** The node that leads the partition, if it is another one whose address is known. */
    Optional<NodeAddress> leaderElsewhere(PartitionId id) {
        OptionalInt leader = topics.leaderElsewhere(id);
        if (leader.isEmpty()) {
            return Optional.empty();
        }
        if (leader.getAsInt() == ClusterView.NO_LEADER) {
            throw ApiException.unavailable("partition " + id + " has no leader at the moment: its replicas are"
                    + " electing one");
        }
        return Optional.of(topics.cluster().node(leader.getAsInt()).orElseThrow(() -> ApiException.unavailable(
                "node " + leader.getAsInt() + " leads partition " + id + " but has not registered its address")));
    }

    /** {@code inner} if this node leads the partition; otherwise the leader's answer to the same request. */
    Route proxied(PartitionId id, Supplier<Route> inner) {
        return extractRequest(request -> onSuccess(leaderOnceElected(id), leader -> {
            if (leader.isEmpty()) {
                return inner.get();
            }
            if (request.getHeader(FORWARDED_BY).isPresent()) {
                return complete(notLeaderEither(id));
            }
            // A stream that follows the tail has no end: the client's limit on an answer's size must not cut it.
            return completeWithFuture(Http.get(system).singleRequest(passOn(request, leader.get()))
                    .thenApply(response -> response.withEntity((ResponseEntity) response.entity().withoutSizeLimit())));
        }));
    }

    /** {@code inner} if this node leads the partition; otherwise a redirect to the same path on the leader. */
    Route redirected(PartitionId id, Supplier<Route> inner) {
        return extractRequest(request -> leaderElsewhere(id)
                .map(leader -> redirect(onNode(request.getUri(), leader), StatusCodes.TEMPORARY_REDIRECT))
                .orElseGet(inner));
    }

    /** What the leader did with forwarded records: each one's offset (or not appended), and its error, if any. */
    record Forwarded(List<Long> offsets, Optional<ApiException> failure) {
    }

    /**
     * Produces {@code records} to partition {@code partition} of {@code topic} through its leader's
     * produce endpoint. A leader that did not answer, or answered without offsets, appended nothing
     * as far as this node knows: every record is {@link Appender.Placed#NOT_APPENDED}.
     */
    CompletionStage<Forwarded> produce(NodeAddress leader, String topic, int partition, List<ProducedRecord> records) {
        ObjectNode body = Json.object();
        ArrayNode list = body.putArray("records");
        for (ProducedRecord record : records) {
            list.add(RecordJson.toJson(partition, record));
        }
        HttpRequest request = HttpRequest.create()
                .withMethod(HttpMethods.POST)
                .withUri("http://" + leader.httpHost() + ":" + leader.httpPort() + "/v1/topics/" + topic + "/records")
                .addHeader(RawHeader.create(FORWARDED_BY, Integer.toString(topics.cluster().self())))
                .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, Json.bytes(body)));
        Materializer materializer = Materializer.matFromSystem(system);
        List<Long> none = new ArrayList<>(java.util.Collections.nCopies(records.size(), Appender.Placed.NOT_APPENDED));
        return Http.get(system).singleRequest(request).thenCompose(response -> response.entity()
                .toStrict(topics.timeout().toMillis(), materializer).thenApply(strict -> {
                    JsonNode answer = Json.parse(strict.getData().toArray());
                    List<Long> offsets = new ArrayList<>();
                    for (JsonNode place : answer.path("offsets")) {
                        JsonNode offset = place.get("offset");
                        offsets.add(offset == null || offset.isNull() ? Appender.Placed.NOT_APPENDED
                                : offset.longValue());
                    }
                    Optional<ApiException> failure = response.status().isSuccess() ? Optional.empty()
                            : Optional.of(new ApiException(response.status(),
                                    answer.path("error").asText("unavailable"), "node " + leader.nodeId()
                                    + ", the leader of " + topic + "-" + partition + ": "
                                    + answer.path("message").asText()));
                    return new Forwarded(offsets.size() == records.size() ? offsets : none, failure);
                })).exceptionally(error -> new Forwarded(none, Optional.of(ApiException.unavailable("node "
                        + leader.nodeId() + ", the leader of " + topic + "-" + partition + ", did not answer: "
                        + error.getMessage()))));
    }

    private HttpRequest passOn(HttpRequest request, NodeAddress leader) {
        HttpRequest out = HttpRequest.create().withMethod(request.method()).withUri(onNode(request.getUri(), leader))
                .withEntity(request.entity());
        for (HttpHeader header : request.getHeaders()) {
            if (!HOP_HEADERS.contains(header.lowercaseName())) {
                out = out.addHeader(header);
            }
        }
        return out.addHeader(RawHeader.create(FORWARDED_BY, Integer.toString(topics.cluster().self())));
    }

    private static Uri onNode(Uri uri, NodeAddress node) {
        return uri.scheme("http").host(node.httpHost()).port(node.httpPort());
    }

    private static HttpResponse notLeaderEither(PartitionId id) {
        return Json.response(StatusCodes.SERVICE_UNAVAILABLE, Json.error("unavailable", "this node was passed a"
                + " request about partition " + id + " but does not lead it either; leadership moved: retry"));
    }
}
