package io.riverlog.actors.groups.classic;

import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.message.ConsumerProtocolSubscription;

import io.riverlog.actors.groups.GroupRequests;

/**
 * The topics the members of a classic group of consumers (protocol type {@code consumer}) are subscribed to,
 * read from their JoinGroup metadata with kafka-clients' own decoder of the consumer protocol. The
 * broker relays that metadata without reading it; only OffsetDelete needs to look inside, since
 * Kafka refuses to delete offsets of topics the group is consuming.
 */
final class ConsumerSubscriptions {
    private ConsumerSubscriptions() {
    }

    /**
     * The topics any member subscribes to, in its metadata for {@code protocolName} (for every
     * protocol it offers, while the group has not chosen one yet); empty if some metadata is not
     * a consumer subscription, in which case every topic counts as subscribed.
     */
    static Optional<Set<String>> topicsOf(Collection<ClassicGroupMember> members, Optional<String> protocolName) {
        Set<String> topics = new HashSet<>();
        for (ClassicGroupMember member : members) {
            for (GroupRequests.Protocol protocol : member.protocols()) {
                if (protocolName.isPresent() && !protocolName.get().equals(protocol.name())) {
                    continue;
                }
                try {
                    ConsumerProtocolSubscription subscription = ConsumerProtocol
                            .deserializeConsumerProtocolSubscription(ByteBuffer.wrap(protocol.metadata()));
                    topics.addAll(subscription.topics());
                } catch (RuntimeException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.of(topics);
    }
}
