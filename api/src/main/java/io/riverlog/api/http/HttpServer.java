package io.riverlog.api.http;

import java.util.concurrent.CompletionStage;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The HTTP listener: serves one route (see {@link HttpRoutes}) on {@code riverlog.http.host:port}. */
public final class HttpServer {
    private static final Logger log = LoggerFactory.getLogger(HttpServer.class);

    private HttpServer() {
    }

    /** Binds the listener; the stage completes once it accepts connections (or fails if the port is taken). */
    public static CompletionStage<ServerBinding> bind(ActorSystem<?> system, HttpSettings settings, Route route) {
        return Http.get(system).newServerAt(settings.host(), settings.port()).bind(route)
                .whenComplete((binding, error) -> {
                    if (error == null) {
                        log.info("HTTP listener bound to {}", binding.localAddress());
                    }
                });
    }
}
