/**
 * What the broker answers to each Kafka API: the route table
 * ({@link io.riverlog.api.kafka.handlers.KafkaApis}, also what ApiVersions advertises), one handler
 * per API, and how Riverlog's errors map to Kafka's. Handlers take decoded requests and give answer
 * objects; they know nothing of the transport.
 */
package io.riverlog.api.kafka.handlers;
