package io.riverlog.api.kafka;

import org.apache.kafka.common.protocol.Errors;

import io.riverlog.actors.partition.PartitionActor.AppendError;
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
            case NOT_AVAILABLE -> Errors.REQUEST_TIMED_OUT;
        };
    }

    static Errors of(AppendError error) {
        return switch (error) {
            case STORAGE_ERROR -> Errors.KAFKA_STORAGE_ERROR;
            // Retriable: the client refreshes metadata and tries again.
            case NOT_AVAILABLE -> Errors.NOT_LEADER_OR_FOLLOWER;
            case OUT_OF_ORDER_SEQUENCE -> Errors.OUT_OF_ORDER_SEQUENCE_NUMBER;
            case INVALID_PRODUCER_EPOCH -> Errors.INVALID_PRODUCER_EPOCH;
            case INVALID_RECORD -> Errors.INVALID_RECORD;
        };
    }
}
