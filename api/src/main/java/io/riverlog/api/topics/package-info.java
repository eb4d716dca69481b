/**
 * The topic registry and the partition actors as the Kafka handlers, the HTTP API and the metrics
 * reach them: asks with timeouts, cached partition references, and topics by name and by id; and
 * the directory their logs are in.
 */
package io.riverlog.api.topics;
