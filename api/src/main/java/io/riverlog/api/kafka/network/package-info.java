/**
 * The Kafka transport: per listener, one acceptor thread accepts connections and hands each to one
 * of {@code network-threads} network threads, which owns it for its whole life with its own
 * selector and reads its size-prefixed frames; answers are written by whichever thread completes
 * them, or by the connection's network thread once a full socket has room.
 * {@link io.riverlog.api.kafka.network.KafkaServer} is its public face; it calls the handlers only
 * through {@link io.riverlog.api.kafka.handlers.KafkaRequestHandler}.
 */
package io.riverlog.api.kafka.network;
