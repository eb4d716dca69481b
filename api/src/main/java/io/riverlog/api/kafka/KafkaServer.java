package io.riverlog.api.kafka;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

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

    /** Binds the listener; the stage completes once it accepts connections (or fails if the port is taken). */
    public static CompletionStage<Tcp.ServerBinding> bind(ActorSystem<?> system, KafkaSettings settings,
                                                          KafkaRequestHandler handler, AtomicInteger open) {
        return Tcp.get(system).bind(settings.host(), settings.port())
                .to(Sink.foreach(connection -> connection.handleWith(
                        KafkaConnection.flow(handler, settings, connection.remoteAddress(),
                                connection.localAddress().getPort()).watchTermination((notUsed, terminated) -> {
                                    open.incrementAndGet();
                                    terminated.whenComplete((done, error) -> open.decrementAndGet());
                                    return notUsed;
                                }), system)))
                .run(system)
                .whenComplete((binding, error) -> {
                    if (error == null) {
                        log.info("Kafka listener bound to {}", binding.localAddress());
                    }
                });
    }
}
