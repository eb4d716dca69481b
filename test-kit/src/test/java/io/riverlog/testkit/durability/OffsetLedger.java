package io.riverlog.testkit.durability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a log of one partition must hold after a power cut: the value acknowledged at each offset
 * below the acknowledged end, and every value ever written at each offset (a record found past the
 * acknowledged end must be one of those, never garbage).
 */
final class OffsetLedger {
    private final Map<Long, String> acknowledged = new HashMap<>();
    private final Map<Long, Set<String>> written = new HashMap<>();
    private long acknowledgedEnd;
    private long requiredFrom;

    void written(long offset, String value) {
        written.computeIfAbsent(offset, o -> new HashSet<>()).add(value);
    }

    /** Every offset below {@code end} holds what was last written there, and that is now acknowledged. */
    void acknowledgedUpTo(long end, Map<Long, String> values) {
        for (long offset = acknowledgedEnd; offset < end; offset++) {
            String value = values.get(offset);
            if (value == null) {
                throw new IllegalStateException("no value known at acknowledged offset " + offset);
            }
            acknowledged.put(offset, value);
        }
        acknowledgedEnd = Math.max(acknowledgedEnd, end);
    }

    /** Offsets below this may be gone (retention deleted them); those still there must be right. */
    void mayBeDeletedBelow(long offset) {
        requiredFrom = Math.max(requiredFrom, offset);
    }

    long acknowledgedEnd() {
        return acknowledgedEnd;
    }

    /**
     * Checks what a reopened log holds, read as (offset, value) pairs from its start to its end:
     * contiguous, every acknowledged record there unchanged, nothing that was never written.
     */
    void check(long logStart, long logEnd, List<Map.Entry<Long, String>> records) {
        assertThat(logStart).as("log start offset").isLessThanOrEqualTo(Math.max(requiredFrom, 0));
        assertThat(logEnd).as("log end offset against the acknowledged end").isGreaterThanOrEqualTo(acknowledgedEnd);
        long expected = logStart;
        for (Map.Entry<Long, String> record : records) {
            long offset = record.getKey();
            assertThat(offset).as("offsets are contiguous").isEqualTo(expected);
            if (offset < acknowledgedEnd && acknowledged.containsKey(offset)) {
                assertThat(record.getValue()).as("acknowledged record at offset %d", offset)
                        .isEqualTo(acknowledged.get(offset));
            } else {
                assertThat(written.getOrDefault(offset, Set.of())).as("record at offset %d was written", offset)
                        .contains(record.getValue());
            }
            expected++;
        }
        assertThat(expected).as("records read up to the log end").isEqualTo(logEnd);
    }
}
