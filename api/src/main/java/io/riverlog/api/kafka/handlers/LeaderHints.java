package io.riverlog.api.kafka.handlers;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;

import io.riverlog.actors.cluster.NodeAddress;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.api.topics.BrokerTopics;

/**
 * KIP-951: a partition answered NOT_LEADER_OR_FOLLOWER in a produce (version 10 on) or fetch
 * (version 16 on) names the node that leads it, and the answer carries that node's endpoint, so the
 * client goes there without refreshing all its metadata. One per answer: it collects the endpoints of
 * the leaders it named.
 */
final class LeaderHints {
    static final short FIRST_PRODUCE_VERSION = 10;
    static final short FIRST_FETCH_VERSION = 16;

    /** The leader named in a hint: its id and leader epoch. */
    record Leader(int id, int epoch) {
    }

    private final BrokerTopics topics;
    /** Made only when a partition is answered with a hint: most answers have none. */
    private TreeMap<Integer, NodeAddress> endpoints;

    LeaderHints(BrokerTopics topics) {
        this.topics = topics;
    }

    /** The partition's leader, if another node leads it and its address is registered. */
    Optional<Leader> leaderOf(PartitionId id) {
        OptionalInt leader = topics.leaderElsewhere(id);
        if (leader.isEmpty()) {
            return Optional.empty();
        }
        return topics.cluster().node(leader.getAsInt()).map(node -> {
            if (endpoints == null) {
                endpoints = new TreeMap<>();
            }
            endpoints.put(node.nodeId(), node);
            return new Leader(node.nodeId(), topics.leaderEpoch(id));
        });
    }

    /** The endpoints of every leader named so far, by node id. */
    Collection<NodeAddress> endpoints() {
        return endpoints == null ? List.of() : endpoints.values();
    }
}
