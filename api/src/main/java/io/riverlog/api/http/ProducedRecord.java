package io.riverlog.api.http;

import java.util.List;
import java.util.OptionalInt;

import io.riverlog.wal.LogRecord;

/**
 * One record of a produce request, as given: its bytes, and the partition it asked for (empty: the
 * {@link Partitioner} chooses).
 *
 * @param timestampMs the record's create time; the time it was received unless the request gave one
 */
record ProducedRecord(OptionalInt partition, byte[] key, byte[] value, List<LogRecord.Header> headers,
                      long timestampMs) {
}
