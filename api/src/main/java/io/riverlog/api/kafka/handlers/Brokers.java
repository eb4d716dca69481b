package io.riverlog.api.kafka.handlers;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.riverlog.actors.cluster.NodeAddress;
import io.riverlog.api.kafka.KafkaSettings;
import io.riverlog.api.topics.ClusterView;

/**
 * The brokers an answer names (Metadata, FindCoordinator, DescribeCluster): in a cluster every node
 * that registered its Kafka listener in the metadata group, this one included even before its
 * registration is committed; on a single node this one, at the address it advertises and the port
 * the request came in on.
 */
final class Brokers {

    record Broker(int id, String host, int port) {
    }

    private Brokers() {
    }

    static List<Broker> all(ClusterView cluster, KafkaSettings settings, int listenerPort) {
        Broker self = new Broker(settings.nodeId(), settings.advertisedHostOrBind(), listenerPort);
        if (!cluster.isCluster()) {
            return List.of(self);
        }
        List<Broker> brokers = new ArrayList<>();
        boolean selfRegistered = false;
        for (NodeAddress node : cluster.nodes().values()) {
            brokers.add(new Broker(node.nodeId(), node.kafkaHost(), node.kafkaPort()));
            selfRegistered |= node.nodeId() == settings.nodeId();
        }
        if (!selfRegistered) {
            brokers.add(self);
        }
        return brokers;
    }

    /** Node {@code id}, if it is this one or a registered one. */
    static Optional<Broker> node(int id, ClusterView cluster, KafkaSettings settings, int listenerPort) {
        return all(cluster, settings, listenerPort).stream().filter(broker -> broker.id() == id).findFirst();
    }
}
