package io.riverlog.api.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;

import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /v1/health}: 200 while the process serves HTTP at all. {@code GET /v1/ready}: 200 once
 * the broker has recovered and serves (see {@link Readiness}), 503 before and while it stops.
 */
final class HealthRoutes {
    private final Readiness readiness;

    HealthRoutes(Readiness readiness) {
        this.readiness = readiness;
    }

    Route route() {
        return pathPrefix("v1", () -> get(() -> concat(
                path("health", () -> complete(Json.response(StatusCodes.OK, Json.object().put("status", "alive")))),
                path("ready", () -> completeWithFuture(readiness.check().thenApply(notReady -> notReady
                        .map(why -> Json.response(StatusCodes.SERVICE_UNAVAILABLE, Json.error("not_ready", why)))
                        .orElseGet(() -> Json.response(StatusCodes.OK, Json.object().put("status", "ready")))))))));
    }
}
