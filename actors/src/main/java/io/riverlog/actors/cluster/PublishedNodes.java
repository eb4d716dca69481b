package io.riverlog.actors.cluster;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The nodes' addresses as the metadata group registered them, for readers on any thread (Metadata,
 * FindCoordinator and DescribeCluster answers). Replaced whole at each registration.
 */
public final class PublishedNodes {
    private volatile Map<Integer, NodeAddress> nodes = Map.of();

    /** Every registered node by id, ascending. */
    public Map<Integer, NodeAddress> all() {
        return nodes;
    }

    public Optional<NodeAddress> get(int nodeId) {
        return Optional.ofNullable(nodes.get(nodeId));
    }

    /** Registers (or re-registers, with new addresses) one node. */
    public synchronized void publish(NodeAddress node) {
        Map<Integer, NodeAddress> next = new TreeMap<>(nodes);
        next.put(node.nodeId(), node);
        nodes = java.util.Collections.unmodifiableMap(next);
    }
}
