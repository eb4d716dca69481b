package io.riverlog.wal;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Executor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Segments a log deleted (by retention, or below a snapshot) whose files stay open for
 * {@code segment-delete-delay}, so that reads already under way on them, a consumer mid-transfer,
 * finish. Past the delay they are closed, in the log writer's thread or on an executor: closing the
 * last handle of a large deleted file frees its blocks and can take a good fraction of a second.
 * Only the log's writer calls it.
 */
final class RetiredSegments {
    private static final Logger log = LoggerFactory.getLogger(RetiredSegments.class);

    private record Retired(Segment segment, long closeAtMs) {
    }

    private final Deque<Retired> retired = new ArrayDeque<>();
    private volatile long delayMs;
    private volatile Executor closer = Runnable::run;

    RetiredSegments(long delayMs) {
        this.delayMs = delayMs;
    }

    /** Segments retired from now on stay open this long. */
    void delayMs(long ms) {
        delayMs = ms;
    }

    void closeOn(Executor executor) {
        closer = executor;
    }

    void add(Segment segment, long nowMs) {
        retired.add(new Retired(segment, nowMs + delayMs));
    }

    /** Hands the segments whose delay is over to the closer. */
    void closeDue(long nowMs) {
        while (!retired.isEmpty() && retired.peekFirst().closeAtMs() <= nowMs) {
            Segment segment = retired.pollFirst().segment();
            closer.execute(() -> closeQuietly(segment));
        }
    }

    /** Closes every one of them now, in this thread: the log is closing. */
    void closeAll() throws IOException {
        while (!retired.isEmpty()) {
            retired.pollFirst().segment().close();
        }
    }

    private static void closeQuietly(Segment segment) {
        try {
            segment.close();
        } catch (IOException e) {
            log.warn("Closing deleted segment {} failed: {}", segment.file(), e.toString());
        }
    }
}
