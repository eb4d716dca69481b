package io.riverlog.api.kafka;

import java.util.concurrent.CompletionStage;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Tcp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka protocol listener: accepts TCP connections and runs a {@link KafkaConnection} flow for
 * each, counting the connections open in {@code open}.
 */
public final class KafkaServer {
    private static final Logger log = LoggerFactory.getLogger(KafkaServer.class);

    private KafkaServer() {
    }

    /**
     * Binds the listener, reporting connections and request times to {@code metrics}; the stage
     * completes once it accepts connections (or fails if the port is taken).
     */
    public static CompletionStage<Tcp.ServerBinding> bind(ActorSystem<?> system, KafkaSettings settings,
                                                          KafkaRequestHandler handler, KafkaMetrics metrics) {
        KafkaRequestHandler timed = timed(handler, metrics);
        return Tcp.get(system).bind(settings.host(), settings.port())
                .to(Sink.foreach(connection -> {
                    metrics.connectionOpened();
                    connection.handleWith(KafkaConnection.flow(timed, settings, connection.remoteAddress(),
                                    connection.localAddress().getPort())
                            .watchTermination((notUsed, ended) -> {
                                ended.whenComplete((done, error) -> metrics.connectionClosed());
                                return notUsed;
                            }), system);
                }))
                .run(system)
                .whenComplete((binding, error) -> {
                    if (error == null) {
                        log.info("Kafka listener bound to {}", binding.localAddress());
                    }
                });
    }

    private static KafkaRequestHandler timed(KafkaRequestHandler handler, KafkaMetrics metrics) {
        if (metrics == KafkaMetrics.NONE) {
            return handler;
        }
        return request -> {
            long startedNanos = System.nanoTime();
            return handler.handle(request).whenComplete((answer, error) ->
                    metrics.requestAnswered(request.apiKey(), System.nanoTime() - startedNanos));
        };
    }
}
