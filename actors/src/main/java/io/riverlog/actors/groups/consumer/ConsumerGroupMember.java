package io.riverlog.actors.groups.consumer;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import io.riverlog.actors.groups.ConsumerGroupRequests;

/**
 * One member of a consumer-protocol group as its {@link ConsumerGroup} keeps it: who it is, what it
 * subscribes to, which assignor it asked for, and its {@link MemberAssignment}. Mutable; only its
 * group touches it.
 */
final class ConsumerGroupMember {
    private final String memberId;
    private final Optional<String> instanceId;
    private Optional<String> rackId = Optional.empty();
    private String clientId;
    private String clientHost;
    private int rebalanceTimeoutMs;
    private List<String> subscribedTopicNames = List.of();
    private Optional<Pattern> subscribedTopicRegex = Optional.empty();
    private Optional<String> serverAssignor = Optional.empty();
    private MemberAssignment assignment = MemberAssignment.JOINING;

    ConsumerGroupMember(String memberId, Optional<String> instanceId) {
        this.memberId = memberId;
        this.instanceId = instanceId;
    }

    String memberId() {
        return memberId;
    }

    Optional<String> instanceId() {
        return instanceId;
    }

    Optional<String> rackId() {
        return rackId;
    }

    String clientId() {
        return clientId;
    }

    String clientHost() {
        return clientHost;
    }

    int rebalanceTimeoutMs() {
        return rebalanceTimeoutMs;
    }

    List<String> subscribedTopicNames() {
        return subscribedTopicNames;
    }

    Optional<Pattern> subscribedTopicRegex() {
        return subscribedTopicRegex;
    }

    Optional<String> serverAssignor() {
        return serverAssignor;
    }

    MemberAssignment assignment() {
        return assignment;
    }

    int epoch() {
        return assignment.epoch();
    }

    void setAssignment(MemberAssignment next) {
        this.assignment = next;
    }

    void setClient(String id, String host) {
        this.clientId = id;
        this.clientHost = host;
    }

    void setRackId(Optional<String> rack) {
        rack.ifPresent(r -> this.rackId = Optional.of(r));
    }

    void setRebalanceTimeoutMs(int timeoutMs) {
        if (timeoutMs >= 0) {
            this.rebalanceTimeoutMs = timeoutMs;
        }
    }

    void setServerAssignor(Optional<String> name) {
        name.ifPresent(n -> this.serverAssignor = Optional.of(n));
    }

    /** Takes the subscription a heartbeat brings, if any; true if it changed. */
    boolean updateSubscription(Optional<List<String>> names, Optional<Pattern> regex) {
        boolean changed = false;
        if (names.isPresent()) {
            List<String> sorted = List.copyOf(new TreeSet<>(names.get()));
            changed = !sorted.equals(subscribedTopicNames);
            subscribedTopicNames = sorted;
        }
        if (regex.isPresent()) {
            // An empty regex clears the regex subscription.
            Optional<Pattern> next = regex.get().pattern().isEmpty() ? Optional.empty() : regex;
            changed |= !next.map(Pattern::pattern).equals(subscribedTopicRegex.map(Pattern::pattern));
            subscribedTopicRegex = next;
        }
        return changed;
    }

    /** The topics the member subscribes to among {@code topics}: by name (existing or not) and by regex. */
    Set<String> resolveTopics(Map<String, Integer> topics) {
        Set<String> out = new TreeSet<>(subscribedTopicNames);
        subscribedTopicRegex.ifPresent(regex -> topics.keySet().stream()
                .filter(name -> regex.matcher(name).matches()).forEach(out::add));
        return out;
    }

    /** Takes over the state of the static member it replaces (same instance id, new member id). */
    void takeOver(ConsumerGroupMember previous) {
        this.subscribedTopicNames = previous.subscribedTopicNames;
        this.subscribedTopicRegex = previous.subscribedTopicRegex;
        this.serverAssignor = previous.serverAssignor;
        this.rebalanceTimeoutMs = previous.rebalanceTimeoutMs;
        this.rackId = previous.rackId;
        this.assignment = previous.assignment.withEpoch(ConsumerGroupRequests.JOIN_EPOCH);
    }
}
