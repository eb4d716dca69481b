package io.riverlog.api.kafka.codec;

/** A frame that cannot be decoded as a Kafka request we serve; the connection is closed. */
public final class MalformedRequestException extends RuntimeException {
    public MalformedRequestException(String message, Throwable cause) {
        super(message, cause);
    }

    public MalformedRequestException(String message) {
        super(message);
    }
}
