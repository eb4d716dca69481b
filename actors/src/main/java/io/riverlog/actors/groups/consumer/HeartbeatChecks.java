package io.riverlog.actors.groups.consumer;

import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import io.riverlog.actors.groups.ConsumerGroupRequests;
import io.riverlog.actors.groups.ConsumerGroupRequests.Heartbeat;
import io.riverlog.actors.groups.GroupError;
import io.riverlog.actors.groups.consumer.assign.Assignors;

/**
 * The rules a ConsumerGroupHeartbeat must follow before the group looks at it, as Kafka applies
 * them: what each member epoch requires (0 joins, -1 leaves, -2 leaves for now as a static member),
 * a known assignor, a regex that compiles. Pure functions.
 */
final class HeartbeatChecks {

    /** Why a heartbeat is refused. */
    record Refusal(GroupError error, String message) {
    }

    private HeartbeatChecks() {
    }

    static Optional<Refusal> refusal(Heartbeat heartbeat, Assignors assignors) {
        int epoch = heartbeat.memberEpoch();
        if (heartbeat.instanceId().map(String::isBlank).orElse(false)) {
            return invalid("InstanceId can't be empty.");
        }
        if (heartbeat.rackId().map(String::isBlank).orElse(false)) {
            return invalid("RackId can't be empty.");
        }
        if (epoch > 0 || epoch == ConsumerGroupRequests.LEAVE_EPOCH) {
            if (heartbeat.memberId().isBlank()) {
                return invalid("MemberId can't be empty.");
            }
        } else if (epoch == ConsumerGroupRequests.JOIN_EPOCH) {
            if (heartbeat.rebalanceTimeoutMs() < 0) {
                return invalid("RebalanceTimeoutMs must be provided in first request.");
            }
            if (heartbeat.ownedPartitions().map(owned -> !owned.isEmpty()).orElse(true)) {
                return invalid("TopicPartitions must be empty when (re-)joining.");
            }
            if (heartbeat.subscribedTopicNames().isEmpty() && heartbeat.subscribedTopicRegex().isEmpty()) {
                return invalid("SubscribedTopicNames or SubscribedTopicRegex must be set in first request.");
            }
        } else if (epoch == ConsumerGroupRequests.STATIC_LEAVE_EPOCH) {
            if (heartbeat.memberId().isBlank() || heartbeat.instanceId().isEmpty()) {
                return invalid("MemberId and InstanceId must be set to leave as a static member.");
            }
        } else {
            return invalid("MemberEpoch " + epoch + " is invalid.");
        }
        if (heartbeat.serverAssignor().isPresent() && assignors.byName(heartbeat.serverAssignor().get()).isEmpty()) {
            return Optional.of(new Refusal(GroupError.UNSUPPORTED_ASSIGNOR, "ServerAssignor "
                    + heartbeat.serverAssignor().get() + " is not supported. Supported assignors: "
                    + String.join(", ", assignors.names()) + "."));
        }
        if (heartbeat.subscribedTopicRegex().isPresent()) {
            try {
                Pattern.compile(heartbeat.subscribedTopicRegex().get());
            } catch (PatternSyntaxException e) {
                return Optional.of(new Refusal(GroupError.INVALID_REGULAR_EXPRESSION,
                        "SubscribedTopicRegex does not compile: " + e.getDescription()));
            }
        }
        return Optional.empty();
    }

    /** The heartbeat's regex, compiled; call only after {@link #refusal} found none. */
    static Optional<Pattern> regex(Heartbeat heartbeat) {
        return heartbeat.subscribedTopicRegex().map(Pattern::compile);
    }

    private static Optional<Refusal> invalid(String message) {
        return Optional.of(new Refusal(GroupError.INVALID_REQUEST, message));
    }
}
