package io.riverlog.api.kafka.codec;

import org.apache.kafka.common.record.internal.TransferableRecords;

/** Record batches read for a fetch answer, sent without being copied, and how many records they hold. */
public interface FetchedRecords extends TransferableRecords {
    /** Records in the batches (offsets are contiguous, so this is the span of their offsets). */
    long recordCount();
}
