package io.riverlog.streams;

import java.util.List;
import java.util.concurrent.CompletionException;

import io.riverlog.wal.LogRecord;

/**
 * What one step of a {@link PartitionSource} brought: the batches of one read, or the failure that
 * ends the stream there. A failure travels as an element, behind the records read before it, and
 * is thrown only where those are handed on: a failure signal would overtake the elements still held
 * by the stages after it (a read that asks ahead fails while the records of the read before are
 * being taken one by one), and they would be lost.
 */
record ReadOutcome(FetchedBatches fetched, RuntimeException failure) {

    static ReadOutcome of(FetchedBatches fetched) {
        return new ReadOutcome(fetched, null);
    }

    static ReadOutcome failed(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        return new ReadOutcome(null, cause instanceof RuntimeException runtime ? runtime
                : new PartitionReadException(cause.toString(), cause));
    }

    boolean isFailure() {
        return failure != null;
    }

    /** The batches read; throws the failure instead if the read failed. */
    FetchedBatches fetchedOrThrow() {
        if (failure != null) {
            throw failure;
        }
        return fetched;
    }

    /** The records read (see {@link FetchedBatches#records()}); throws the failure instead if the read failed. */
    List<LogRecord> recordsOrThrow() {
        return fetchedOrThrow().records();
    }
}
