package io.riverlog.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.riverlog.wal.BatchFormat.BatchHeader;

/**
 * Verifies a segment's batches (through a {@link BatchScanner}) and records what it finds in the
 * segment's {@link SegmentChecks}: for reads that reach bytes not verified since the segment was
 * opened, for the scrubber, and for recovery, which asks it how far damage it met extends. Any
 * thread; the checks are thread-safe and verifying a run twice does no harm.
 */
final class SegmentVerifier {
    private static final Logger log = LoggerFactory.getLogger(SegmentVerifier.class);

    private final Segment segment;
    private final Path file;
    private final FileChannel channel;
    private final LogConfig config;
    private final SegmentChecks checks;

    /** A fetch that reaches unverified bytes would otherwise allocate and zero a buffer per read. */
    private static final ThreadScratch SCRATCH = new ThreadScratch();

    SegmentVerifier(Segment segment, Path file, FileChannel channel, LogConfig config, SegmentChecks checks) {
        this.segment = segment;
        this.file = file;
        this.channel = channel;
        this.config = config;
        this.checks = checks;
    }

    /**
     * The extent of damage found at {@code position}, where offset {@code expected} should start: up to
     * the next valid batch if the damaged one's declared length leads to one with a later base offset
     * that still lies before {@code limit}, else up to {@code limit}, which holds {@code limitOffset}.
     */
    Damage damageAt(int position, long expected, BatchScanner.Step step, int limit, long limitOffset,
                            String problem) throws IOException {
        if (step instanceof BatchScanner.Invalid invalid && invalid.declaredBytes() > 0
                && position + invalid.declaredBytes() < limit) {
            int next = position + invalid.declaredBytes();
            BatchScanner peek = new BatchScanner(channel, next, limit, ByteBuffer.allocate(BatchFormat.HEADER_BYTES));
            long claimed = peek.claimedBaseOffset();
            if (claimed > expected && claimed < limitOffset && peek.next(claimed) instanceof BatchScanner.Valid) {
                return new Damage(file, position, next, expected, claimed, problem);
            }
        }
        return new Damage(file, position, limit, expected, limitOffset, problem);
    }

    /**
     * Checks the batches in {@code [from, to)} that were not verified since the segment was opened
     * ({@code from} is a batch boundary holding {@code fromOffset}). Returns {@code to} if all of them
     * are whole, else the position of the first damage, which is recorded and reported. Any thread.
     */
    int verify(int from, int to, long fromOffset) throws IOException {
        int at = checks.verifiedEnd(from);
        if (at >= to) {
            return to;
        }
        long expected = at == from ? fromOffset : -1;
        while (at < to) {
            Damage known = checks.damageAt(at);
            if (known != null) {
                return at;
            }
            SegmentChecks.Run next = checks.nextVerified(at);
            int stop = next == null ? to : Math.min(to, next.start());
            if (expected < 0) {
                expected = offsetAt(at);
            }
            int checkedTo = verifyUnchecked(at, stop, expected, next);
            if (checkedTo < stop) {
                return checkedTo;
            }
            at = checks.verifiedEnd(stop);
            expected = -1;
        }
        return to;
    }

    private ByteBuffer scratch() {
        return SCRATCH.get(config.recoveryReadBytes());
    }

    /** Checks batches from {@code from} to {@code stop}, none verified yet; records them, or the damage found. */
    private int verifyUnchecked(int from, int stop, long fromOffset, SegmentChecks.Run next) throws IOException {
        int size = segment.sizeInBytes();
        // The region ends at a batch boundary, so the scan reads no byte past it.
        BatchScanner scanner = new BatchScanner(channel, from, stop, scratch());
        long expected = fromOffset;
        while (scanner.position() < stop) {
            int at = scanner.position();
            BatchScanner.Step step = scanner.next(expected);
            if (step instanceof BatchScanner.Valid valid) {
                checks.verified(at, scanner.position(), expected, valid.lastOffset() + 1);
                expected = valid.lastOffset() + 1;
                continue;
            }
            String why = step instanceof BatchScanner.Invalid invalid ? invalid.problem()
                    : step instanceof BatchScanner.Incomplete incomplete ? incomplete.problem()
                    : "the segment ends early";
            int limit = next == null ? size : next.start();
            long limitOffset = next == null ? segment.nextOffset() : next.startOffset();
            Damage damage = damageAt(at, expected, step, limit, limitOffset, why);
            if (checks.damaged(damage)) {
                log.error("Damaged data in {}; it is refused to readers, the offsets around it are served",
                        damage.describe());
                segment.damageListener().accept(damage);
            }
            return at;
        }
        return scanner.position();
    }

    /** The offset of the batch at {@code position}, a batch boundary: known from the checks, else its header's. */
    private long offsetAt(int position) throws IOException {
        long known = checks.offsetAtBoundary(position);
        return known >= 0 ? known : segment.headerAt(position).baseOffset();
    }

    /**
     * Verifies up to about {@code maxBytes} of the first bytes not verified yet, for the scrubber.
     * Returns the bytes checked; 0 once everything below {@code end} is verified or known damaged.
     */
    int scrub(int maxBytes) throws IOException {
        int size = segment.sizeInBytes();
        int at = checks.verifiedEnd(0);
        while (at < size) {
            Damage known = checks.damageAt(at);
            if (known == null) {
                break;
            }
            at = checks.verifiedEnd(known.endPosition());
        }
        if (at >= size) {
            return 0;
        }
        long offset = at == 0 ? segment.baseOffset : offsetAt(at);
        SegmentChecks.Run next = checks.nextVerified(at);
        int stop = (int) Math.min(next == null ? size : next.start(), (long) at + Math.max(maxBytes, 1));
        // Whole batches: walk headers to the last boundary at or before stop (at least one batch).
        int end = at;
        while (end < stop) {
            BatchHeader header = BatchFormat.readWalkHeader(segment.readBytes(end, BatchFormat.WALK_HEADER_BYTES));
            if (header.sizeInBytes() < BatchFormat.HEADER_BYTES || end + header.sizeInBytes() > size) {
                end = stop;
                break;
            }
            if (end > at && end + header.sizeInBytes() > stop) {
                break;
            }
            end += header.sizeInBytes();
        }
        verify(at, Math.min(end, size), offset);
        return Math.max(end - at, 1);
    }
}
