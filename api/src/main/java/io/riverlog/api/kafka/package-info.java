/**
 * The Kafka protocol adapter, in three parts that depend on each other one way only:
 * <ul>
 *   <li>{@link io.riverlog.api.kafka.network}: the transport, an acceptor thread and network
 *       threads with a selector each, which reads frames, hands each decoded request to a
 *       {@link io.riverlog.api.kafka.handlers.KafkaRequestHandler} (its one entry into the
 *       handlers) and writes the encoded answers;</li>
 *   <li>{@link io.riverlog.api.kafka.codec}: bytes in, request object out, and answer object in, bytes
 *       out, without knowing the transport or the handlers;</li>
 *   <li>{@link io.riverlog.api.kafka.handlers}: the route table and one handler per API, which know
 *       nothing of the transport.</li>
 * </ul>
 * This package holds what more than one of them needs: the settings, the metrics hooks and the
 * order of one connection's appends. It depends on none of them.
 */
package io.riverlog.api.kafka;
