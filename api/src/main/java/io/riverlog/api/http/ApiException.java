package io.riverlog.api.http;

import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;

/**
 * A request that cannot be served, with the status and the short error code it is answered with
 * ({@code {"error": code, "message": message}}, see {@link ErrorResponses}).
 */
public final class ApiException extends RuntimeException {
    static final String TOO_LARGE = "too_large";
    static final String DAMAGED_DATA = "damaged_data";
    private final transient StatusCode status;
    private final String error;

    public ApiException(StatusCode status, String error, String message) {
        super(message);
        this.status = status;
        this.error = error;
    }

    public StatusCode status() {
        return status;
    }

    public String error() {
        return error;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(StatusCodes.BAD_REQUEST, "bad_request", message);
    }

    public static ApiException offsetOutOfRange(String message) {
        return new ApiException(StatusCodes.BAD_REQUEST, "offset_out_of_range", message);
    }

    public static ApiException unknownTopic(String topic) {
        return new ApiException(StatusCodes.NOT_FOUND, "unknown_topic", "topic '" + topic + "' does not exist");
    }

    public static ApiException unknownPartition(String topic, int partition) {
        return new ApiException(StatusCodes.NOT_FOUND, "unknown_partition",
                "topic '" + topic + "' has no partition " + partition);
    }

    public static ApiException partitionOffline(String message) {
        return new ApiException(StatusCodes.SERVICE_UNAVAILABLE, "partition_offline", message);
    }

    /** Records that were written but may or may not be durable: the client cannot know whether they were appended. */
    public static ApiException outcomeUnknown(String message) {
        return new ApiException(StatusCodes.SERVICE_UNAVAILABLE, "outcome_unknown",
                "outcome unknown: " + message);
    }

    /**
     * The records asked for lie in damaged data of the partition's log: the message names file,
     * positions and offsets.
     */
    public static ApiException damagedData(String message) {
        return new ApiException(StatusCodes.SERVICE_UNAVAILABLE, DAMAGED_DATA, message);
    }

    public static ApiException tooLarge(String message) {
        return new ApiException(StatusCodes.PAYLOAD_TOO_LARGE, TOO_LARGE, message);
    }

    public static ApiException unavailable(String message) {
        return new ApiException(StatusCodes.SERVICE_UNAVAILABLE, "unavailable", message);
    }
}
