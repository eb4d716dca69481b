package io.riverlog.api.kafka.handlers;

import org.apache.kafka.common.protocol.Errors;

import io.riverlog.actors.groups.GroupError;
import io.riverlog.actors.partition.PartitionActor.AppendError;
import io.riverlog.actors.partition.PartitionActor.Availability;
import io.riverlog.actors.partition.PartitionActor.DeleteRecordsError;
import io.riverlog.actors.partition.PartitionActor.Refusal;
import io.riverlog.actors.topics.TopicError;

/** How Riverlog's refusals map to the Kafka error codes clients know how to handle. */
final class KafkaErrors {
    private KafkaErrors() {
    }

    static Errors of(TopicError error) {
        return switch (error) {
            case INVALID_TOPIC -> Errors.INVALID_TOPIC_EXCEPTION;
            case TOPIC_ALREADY_EXISTS -> Errors.TOPIC_ALREADY_EXISTS;
            case INVALID_PARTITIONS -> Errors.INVALID_PARTITIONS;
            case INVALID_CONFIG -> Errors.INVALID_CONFIG;
            case UNKNOWN_TOPIC -> Errors.UNKNOWN_TOPIC_OR_PARTITION;
            case STORAGE_ERROR -> Errors.KAFKA_STORAGE_ERROR;
            // As a request that timed out: the change may or may not be in effect after a restart.
            case OUTCOME_UNKNOWN, NOT_AVAILABLE -> Errors.REQUEST_TIMED_OUT;
        };
    }

    /**
     * A partition that refused a request: one still opening is retried as one being moved; one whose
     * storage failed, as Kafka's offline logs.
     */
    static Errors unavailable(Availability availability) {
        return availability == Availability.OPENING ? Errors.NOT_LEADER_OR_FOLLOWER : Errors.KAFKA_STORAGE_ERROR;
    }

    /**
     * The error of a lookup asked of a partition: none if it answered with a result; the ask failed
     * (timed out), the partition is unknown, or it refused (opening, offline) otherwise.
     */
    static <T> Errors ofLookup(Throwable failure, java.util.Optional<T> answer,
                               java.util.function.Function<T, java.util.Optional<Refusal>> refusal) {
        if (failure != null) {
            return Errors.REQUEST_TIMED_OUT;
        }
        if (answer.isEmpty()) {
            return Errors.UNKNOWN_TOPIC_OR_PARTITION;
        }
        return refusal.apply(answer.get()).map(refused -> unavailable(refused.availability())).orElse(Errors.NONE);
    }

    static Errors of(AppendError error) {
        return switch (error) {
            case STORAGE_ERROR -> Errors.KAFKA_STORAGE_ERROR;
            // Kafka's answer when it cannot tell whether the records were appended; clients retry it.
            case OUTCOME_UNKNOWN -> Errors.REQUEST_TIMED_OUT;
            // Retriable: the client refreshes metadata and tries again.
            case NOT_AVAILABLE -> Errors.NOT_LEADER_OR_FOLLOWER;
            case OUT_OF_ORDER_SEQUENCE -> Errors.OUT_OF_ORDER_SEQUENCE_NUMBER;
            case INVALID_PRODUCER_EPOCH -> Errors.INVALID_PRODUCER_EPOCH;
            case INVALID_RECORD -> Errors.INVALID_RECORD;
            case MESSAGE_TOO_LARGE -> Errors.MESSAGE_TOO_LARGE;
            case INVALID_TIMESTAMP -> Errors.INVALID_TIMESTAMP;
        };
    }

    static Errors of(DeleteRecordsError error) {
        return switch (error) {
            case OFFSET_OUT_OF_RANGE -> Errors.OFFSET_OUT_OF_RANGE;
            case STORAGE_ERROR -> Errors.KAFKA_STORAGE_ERROR;
            // As a request that timed out: the log start may or may not have moved.
            case OUTCOME_UNKNOWN -> Errors.REQUEST_TIMED_OUT;
            // Retriable: the client refreshes metadata and tries again.
            case NOT_AVAILABLE -> Errors.NOT_LEADER_OR_FOLLOWER;
        };
    }

    static Errors of(GroupError error) {
        return switch (error) {
            case NONE -> Errors.NONE;
            case UNKNOWN_MEMBER_ID -> Errors.UNKNOWN_MEMBER_ID;
            case ILLEGAL_GENERATION -> Errors.ILLEGAL_GENERATION;
            case REBALANCE_IN_PROGRESS -> Errors.REBALANCE_IN_PROGRESS;
            case INCONSISTENT_GROUP_PROTOCOL -> Errors.INCONSISTENT_GROUP_PROTOCOL;
            case INVALID_GROUP_ID -> Errors.INVALID_GROUP_ID;
            case INVALID_SESSION_TIMEOUT -> Errors.INVALID_SESSION_TIMEOUT;
            case MEMBER_ID_REQUIRED -> Errors.MEMBER_ID_REQUIRED;
            case FENCED_INSTANCE_ID -> Errors.FENCED_INSTANCE_ID;
            case GROUP_ID_NOT_FOUND -> Errors.GROUP_ID_NOT_FOUND;
            case NON_EMPTY_GROUP -> Errors.NON_EMPTY_GROUP;
            case GROUP_SUBSCRIBED_TO_TOPIC -> Errors.GROUP_SUBSCRIBED_TO_TOPIC;
            case COORDINATOR_LOAD_IN_PROGRESS -> Errors.COORDINATOR_LOAD_IN_PROGRESS;
            case COORDINATOR_NOT_AVAILABLE -> Errors.COORDINATOR_NOT_AVAILABLE;
            case NOT_COORDINATOR -> Errors.NOT_COORDINATOR;
            case OFFSET_METADATA_TOO_LARGE -> Errors.OFFSET_METADATA_TOO_LARGE;
            // Not retriable: the change was not written; the client reports it.
            case STORAGE_ERROR -> Errors.UNKNOWN_SERVER_ERROR;
            // As a request that timed out: the change may or may not be in effect after a restart.
            case OUTCOME_UNKNOWN -> Errors.REQUEST_TIMED_OUT;
            case FENCED_MEMBER_EPOCH -> Errors.FENCED_MEMBER_EPOCH;
            case STALE_MEMBER_EPOCH -> Errors.STALE_MEMBER_EPOCH;
            case UNSUPPORTED_ASSIGNOR -> Errors.UNSUPPORTED_ASSIGNOR;
            case UNRELEASED_INSTANCE_ID -> Errors.UNRELEASED_INSTANCE_ID;
            case INVALID_REQUEST -> Errors.INVALID_REQUEST;
            case INVALID_REGULAR_EXPRESSION -> Errors.INVALID_REGULAR_EXPRESSION;
        };
    }
}
