package io.riverlog.api.kafka.network;

import java.io.IOException;
import java.net.InetSocketAddress;

import org.apache.pekko.actor.typed.ActorSystem;

import io.riverlog.api.kafka.KafkaMetrics;
import io.riverlog.api.kafka.KafkaSettings;
import io.riverlog.api.kafka.handlers.KafkaRequestHandler;

/**
 * The Kafka protocol listener: accepts TCP connections and answers their requests through the
 * handler, reporting connections and request times to the metrics. It closes every connection when
 * the actor system terminates.
 */
public final class KafkaServer {

    private KafkaServer() {
    }

    /** A bound listener. */
    public static final class Binding {
        private final KafkaListener listener;

        private Binding(KafkaListener listener) {
            this.listener = listener;
        }

        public InetSocketAddress localAddress() {
            return listener.localAddress();
        }

        /**
         * Stops accepting connections: the acceptor thread closes the server socket at its next
         * turn, and this returns without waiting for it. Open connections stay until their clients
         * or the broker end them.
         */
        public void unbind() {
            listener.unbind();
        }
    }

    /** Binds the listener and starts its threads; returns once it accepts connections. */
    public static Binding bind(ActorSystem<?> system, KafkaSettings settings, KafkaRequestHandler handler,
                               KafkaMetrics metrics) throws IOException {
        try {
            KafkaListener listener = KafkaListener.start(settings, timed(handler, metrics), metrics);
            system.getWhenTerminated().thenRun(listener::stop);
            return new Binding(listener);
        } catch (IOException e) {
            throw new IOException("cannot bind the Kafka listener to " + settings.host() + ":" + settings.port()
                    + ": " + e.getMessage(), e);
        }
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
