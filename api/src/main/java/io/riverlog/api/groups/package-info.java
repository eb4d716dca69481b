/** The group manager as the Kafka handlers and the metrics reach it: asks with timeouts. */
package io.riverlog.api.groups;
