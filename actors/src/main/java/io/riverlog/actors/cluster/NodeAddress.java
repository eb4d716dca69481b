package io.riverlog.actors.cluster;

import java.util.Objects;

/** Where clients reach one node: the Kafka listener it advertises and its HTTP API. */
public record NodeAddress(int nodeId, String kafkaHost, int kafkaPort, String httpHost, int httpPort) {
    public NodeAddress {
        Objects.requireNonNull(kafkaHost, "kafkaHost");
        Objects.requireNonNull(httpHost, "httpHost");
    }
}
