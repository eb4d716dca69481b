package io.riverlog.wal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.DefaultRecord;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.Records;
import org.apache.kafka.common.utils.internals.BufferSupplier;
import org.apache.kafka.common.utils.internals.CloseableIterator;

/**
 * With {@link BatchRecords} and {@link BatchRecompression}, where this module works with kafka-clients'
 * internal record classes ({@code org.apache.kafka.common.record.internal}), which carry no
 * compatibility promise. An upgrade of kafka-clients that moves them touches these files.
 *
 * <p>A Kafka v2 record batch starts with a 61-byte header:
 * <pre>
 *   0  baseOffset       int64   (outside the CRC: assigned by the broker in place)
 *   8  batchLength      int32   bytes after this field
 *  12  leaderEpoch      int32   (outside the CRC)
 *  16  magic            int8    always 2 here
 *  17  crc              uint32  CRC32C of everything from attributes to the end
 *  21  attributes       int16
 *  23  lastOffsetDelta  int32
 *  27  baseTimestamp    int64
 *  35  maxTimestamp     int64
 *  43  producerId       int64
 *  51  producerEpoch    int16
 *  53  baseSequence     int32
 *  57  recordCount      int32
 * </pre>
 * The records follow, possibly compressed. Storing and serving batches never needs them decoded.
 */
public final class BatchFormat {

    /** Bytes of a v2 batch header; also the smallest possible batch. */
    public static final int HEADER_BYTES = DefaultRecordBatch.RECORD_BATCH_OVERHEAD;
    /** Bytes of a header needed to know where a batch ends and which offsets it holds. */
    static final int WALK_HEADER_BYTES = DefaultRecordBatch.LAST_OFFSET_DELTA_OFFSET + Integer.BYTES;

    /**
     * The partition leader epoch of a single node, which is always leader in epoch 0. In a cluster a
     * batch carries the term of the Raft entry that committed it; epochs never decrease along a log.
     * The field is outside the CRC, so recovery checks that it is not negative.
     */
    public static final int LEADER_EPOCH = 0;
    private static final int LEADER_EPOCH_OFFSET = Records.LOG_OVERHEAD;

    private static final int SIZE_OFFSET = Records.SIZE_OFFSET;
    static final int BASE_TIMESTAMP_OFFSET = 27;
    private static final int MAX_TIMESTAMP_OFFSET = 35;
    /** Bytes of a header needed to know its batch's largest timestamp, besides where it ends. */
    static final int TIMESTAMP_HEADER_BYTES = MAX_TIMESTAMP_OFFSET + Long.BYTES;
    private static final int PRODUCER_ID_OFFSET = 43;
    private static final int PRODUCER_EPOCH_OFFSET = 51;
    private static final int BASE_SEQUENCE_OFFSET = 53;
    private static final int MAGIC_OFFSET = Records.MAGIC_OFFSET;
    private static final int LOG_OVERHEAD = Records.LOG_OVERHEAD;

    private BatchFormat() {
    }

    /**
     * A record the broker writes itself: one of its own events (topic changes, committed offsets) or
     * one produced over HTTP. Key and value may be null.
     */
    public record NewRecord(long timestampMs, byte[] key, byte[] value, List<LogRecord.Header> headers) {
        public NewRecord {
            headers = List.copyOf(headers);
        }
    }

    /** One uncompressed v2 batch holding {@code records} (at least one), validated and ready to append. */
    public static ValidBatches batchOf(List<NewRecord> records) {
        if (records.isEmpty()) {
            throw new IllegalArgumentException("a batch holds at least one record");
        }
        long baseTimestamp = records.get(0).timestampMs();
        int bytes = HEADER_BYTES;
        for (int i = 0; i < records.size(); i++) {
            bytes += sizeInBatch(i, baseTimestamp, records.get(i));
        }
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(bytes), Compression.NONE,
                TimestampType.CREATE_TIME, 0L);
        for (NewRecord record : records) {
            builder.append(record.timestampMs(), record.key(), record.value(), kafkaHeaders(record.headers()));
        }
        return validate(builder.build().buffer());
    }

    /**
     * Bytes {@code record} takes in an uncompressed batch as its record number {@code index}, the batch's
     * first record having the timestamp {@code baseTimestampMs}.
     */
    public static int sizeInBatch(int index, long baseTimestampMs, NewRecord record) {
        return DefaultRecord.sizeInBytes(index, record.timestampMs() - baseTimestampMs,
                record.key() == null ? -1 : record.key().length, record.value() == null ? -1 : record.value().length,
                kafkaHeaders(record.headers()));
    }

    private static Header[] kafkaHeaders(List<LogRecord.Header> headers) {
        Header[] out = new Header[headers.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = new RecordHeader(headers.get(i).key(), headers.get(i).value());
        }
        return out;
    }

    /**
     * Checks that {@code buffer} (from position to limit) holds only whole, valid v2 batches, by the
     * rules Kafka's broker applies to what producers send: magic 2, lengths that add up, a CRC32C
     * that matches (else {@link CorruptBatchException}); a positive record count equal to the last
     * offset delta plus one, no control batch, a sequence number wherever there is a producer id,
     * and records that parse ({@link BatchRecords}). Where a batch's header states another largest
     * timestamp than its records have, the header is set to theirs (CRC recomputed), as Kafka's
     * broker does. Offsets in the input are ignored.
     *
     * @throws InvalidBatchException naming the batch index and what is wrong
     */
    public static ValidBatches validate(ByteBuffer buffer) {
        // Offsets are later patched in place, so a read-only buffer is copied once here.
        ByteBuffer view = buffer.isReadOnly() ? ByteBuffer.allocate(buffer.remaining()).put(buffer.duplicate()).flip()
                : buffer.slice();
        if (view.remaining() == 0) {
            throw new InvalidBatchException("no record batch in the request");
        }
        List<BatchInfo> batches = new ArrayList<>();
        int position = 0;
        while (position < view.limit()) {
            int index = batches.size();
            int sizeInBytes = checkFraming(view, position, index);
            MutableRecordBatch batch = crcChecked(view, position, sizeInBytes, index);
            int recordCount = checkHeader(batch, index);
            ByteBuffer bytes = view.duplicate();
            bytes.position(position).limit(position + sizeInBytes);
            BatchRecords.Checked checked = BatchRecords.check(batch, bytes, recordCount, index);
            TimestampRange timestamps = checked.timestamps();
            long maxTimestamp = timestamps.max();
            if (batch.timestampType() == TimestampType.CREATE_TIME && batch.maxTimestamp() != maxTimestamp) {
                batch.setMaxTimestamp(TimestampType.CREATE_TIME, maxTimestamp);
            }
            batches.add(new BatchInfo(position, sizeInBytes, recordCount - 1, maxTimestamp, timestamps.min(),
                    batch.producerId(), batch.producerEpoch(), batch.baseSequence(), checked.keyless()));
            position += sizeInBytes;
        }
        return new ValidBatches(view, List.copyOf(batches), view.limit());
    }

    /**
     * What {@link #validate} learnt from a batch's records, which its header does not say: its
     * largest and smallest timestamps and whether a record has no key. A partition group's leader
     * sends it with the batches it validated ({@link #summaries}), so that its replicas need not read
     * every record again ({@link #validateSummarized}).
     */
    public record Summary(long maxTimestamp, long minTimestamp, boolean keyless) {
    }

    /** The summaries of {@code batches}, in their order. */
    public static List<Summary> summaries(ValidBatches batches) {
        List<Summary> summaries = new ArrayList<>(batches.batches().size());
        for (BatchInfo batch : batches.batches()) {
            summaries.add(new Summary(batch.maxTimestamp(), batch.minTimestamp(), batch.keyless()));
        }
        return summaries;
    }

    /**
     * Checks batches that {@link #validate} accepted elsewhere and whose {@link #summaries} came with
     * them: framing, CRC32C and header as {@link #validate} does, but the records are not read again.
     * The CRC covers every byte after it, so bytes that pass it are the bytes that were checked, and
     * the summaries stand for what reading the records would find.
     *
     * @throws InvalidBatchException if a batch fails a check, or the summaries do not match the batches
     */
    public static ValidBatches validateSummarized(ByteBuffer buffer, List<Summary> summaries) {
        ByteBuffer view = buffer.isReadOnly() ? ByteBuffer.allocate(buffer.remaining()).put(buffer.duplicate()).flip()
                : buffer.slice();
        List<BatchInfo> batches = new ArrayList<>(summaries.size());
        int position = 0;
        while (position < view.limit()) {
            int index = batches.size();
            if (index == summaries.size()) {
                throw new InvalidBatchException("more batches than the " + summaries.size() + " summaries");
            }
            int sizeInBytes = checkFraming(view, position, index);
            MutableRecordBatch batch = crcChecked(view, position, sizeInBytes, index);
            int recordCount = checkHeader(batch, index);
            Summary summary = summaries.get(index);
            batches.add(new BatchInfo(position, sizeInBytes, recordCount - 1, summary.maxTimestamp(),
                    summary.minTimestamp(), batch.producerId(), batch.producerEpoch(), batch.baseSequence(),
                    summary.keyless()));
            position += sizeInBytes;
        }
        if (batches.isEmpty() || batches.size() != summaries.size()) {
            throw new InvalidBatchException(batches.size() + " batches for " + summaries.size() + " summaries");
        }
        return new ValidBatches(view, List.copyOf(batches), view.limit());
    }

    /** The batch at {@code position}, of {@code sizeInBytes}, once its CRC32C is known to hold. */
    private static MutableRecordBatch crcChecked(ByteBuffer view, int position, int sizeInBytes, int index) {
        MutableRecordBatch batch = batchAt(view, position, sizeInBytes);
        try {
            batch.ensureValid();
        } catch (CorruptRecordException e) {
            throw new CorruptBatchException("batch " + index + ": " + e.getMessage());
        }
        return batch;
    }

    /** The length of the batch at {@code position}, once its magic and length are known to be sound. */
    private static int checkFraming(ByteBuffer view, int position, int index) {
        int remaining = view.limit() - position;
        if (remaining > MAGIC_OFFSET && view.get(position + MAGIC_OFFSET) != RecordBatch.MAGIC_VALUE_V2) {
            throw new InvalidBatchException("batch " + index + ": magic " + view.get(position + MAGIC_OFFSET)
                    + " is not supported, only v2 record batches are");
        }
        if (remaining < HEADER_BYTES) {
            throw new CorruptBatchException("batch " + index + ": " + remaining
                    + " trailing bytes are not a whole batch header");
        }
        int sizeInBytes = view.getInt(position + SIZE_OFFSET) + LOG_OVERHEAD;
        if (sizeInBytes < HEADER_BYTES || sizeInBytes > remaining) {
            throw new CorruptBatchException("batch " + index + ": length " + sizeInBytes
                    + " does not fit the " + remaining + " bytes left");
        }
        return sizeInBytes;
    }

    /** The rules of Kafka's broker for the header of a batch a client sends; returns its record count. */
    private static int checkHeader(MutableRecordBatch batch, int index) {
        int recordCount = batch.countOrNull();
        long lastOffsetDelta = batch.lastOffset() - batch.baseOffset();
        if (recordCount <= 0) {
            throw new InvalidBatchException("batch " + index + ": record count " + recordCount + " is not positive");
        }
        if (lastOffsetDelta + 1 != recordCount) {
            throw new InvalidBatchException("batch " + index + ": its record count " + recordCount
                    + " does not match its last offset delta " + lastOffsetDelta + " (which makes "
                    + (lastOffsetDelta + 1) + " records)");
        }
        if (batch.isControlBatch()) {
            throw new InvalidBatchException("batch " + index + ": clients may not write control batches");
        }
        if (batch.hasProducerId() && batch.baseSequence() < 0) {
            throw new InvalidBatchException("batch " + index + ": producer id " + batch.producerId()
                    + " with sequence number " + batch.baseSequence());
        }
        try {
            batch.compressionType();
        } catch (IllegalArgumentException e) {
            throw new InvalidBatchException("batch " + index + ": " + e.getMessage());
        }
        return recordCount;
    }

    /**
     * Assigns offsets from {@code firstOffset} on to the batches, in place in their buffer; returns
     * the offset after the last batch.
     */
    public static long assignOffsets(ValidBatches batches, long firstOffset) {
        return assignOffsets(batches, firstOffset, LEADER_EPOCH);
    }

    /** As {@link #assignOffsets(ValidBatches, long)}, writing {@code leaderEpoch} (not negative) into each batch. */
    public static long assignOffsets(ValidBatches batches, long firstOffset, int leaderEpoch) {
        if (leaderEpoch < 0) {
            throw new IllegalArgumentException("leader epoch " + leaderEpoch);
        }
        long offset = firstOffset;
        for (BatchInfo batch : batches.batches()) {
            assignBaseOffset(batches.buffer(), batch.position(), batch.sizeInBytes(), offset, leaderEpoch);
            offset += batch.recordCount();
        }
        return offset;
    }

    /** The partition leader epoch in a batch header that starts at {@code position} of {@code header}. */
    static int leaderEpoch(ByteBuffer header, int position) {
        return header.getInt(position + LEADER_EPOCH_OFFSET);
    }

    /**
     * Stamps every batch with the log append time {@code nowMs}, as Kafka's broker does for a topic
     * whose message.timestamp.type is LogAppendTime: the batch's timestamp type and largest timestamp
     * change (its CRC is recomputed), and readers take {@code nowMs} as every record's timestamp.
     * Returns the batches as stamped; the buffer is the same.
     */
    public static ValidBatches stampLogAppendTime(ValidBatches batches, long nowMs) {
        List<BatchInfo> stamped = new ArrayList<>(batches.batches().size());
        for (BatchInfo batch : batches.batches()) {
            batchAt(batches.buffer(), batch.position(), batch.sizeInBytes())
                    .setMaxTimestamp(TimestampType.LOG_APPEND_TIME, nowMs);
            stamped.add(batch.withMaxTimestamp(nowMs));
        }
        return new ValidBatches(batches.buffer(), List.copyOf(stamped), batches.receivedSizeInBytes());
    }

    /**
     * Writes {@code baseOffset} and the leader epoch into the batch at {@code position}; both are
     * outside the CRC, so nothing is recomputed.
     */
    private static void assignBaseOffset(ByteBuffer buffer, int position, int sizeInBytes, long baseOffset,
                                         int leaderEpoch) {
        MutableRecordBatch batch = batchAt(buffer, position, sizeInBytes);
        batch.setLastOffset(baseOffset + (batch.lastOffset() - batch.baseOffset()));
        batch.setPartitionLeaderEpoch(leaderEpoch);
    }

    /**
     * The producer fields and the largest timestamp of a whole 61-byte batch header. kafka-clients
     * keeps their offsets (and that of the base timestamp) package-private, so they are spelled out
     * here, from the layout above.
     */
    static BatchSummary readSummary(ByteBuffer header) {
        long baseOffset = header.getLong(0);
        int lastOffsetDelta = header.getInt(DefaultRecordBatch.LAST_OFFSET_DELTA_OFFSET);
        return new BatchSummary(baseOffset, baseOffset + lastOffsetDelta, header.getLong(PRODUCER_ID_OFFSET),
                header.getShort(PRODUCER_EPOCH_OFFSET), header.getInt(BASE_SEQUENCE_OFFSET),
                readMaxTimestamp(header));
    }

    /** The largest record timestamp a stored batch's header states (its first 43 bytes suffice). */
    static long readMaxTimestamp(ByteBuffer header) {
        return header.getLong(MAX_TIMESTAMP_OFFSET);
    }

    /** Header fields needed to walk a log: where the batch ends and which offsets it holds. */
    static BatchHeader readWalkHeader(ByteBuffer header) {
        long baseOffset = header.getLong(0);
        int sizeInBytes = header.getInt(SIZE_OFFSET) + LOG_OVERHEAD;
        byte magic = header.get(MAGIC_OFFSET);
        int lastOffsetDelta = header.getInt(DefaultRecordBatch.LAST_OFFSET_DELTA_OFFSET);
        return new BatchHeader(baseOffset, sizeInBytes, magic, lastOffsetDelta);
    }

    /**
     * Validates batches in {@code chunk} (from its position) one by one, as recovery does, and stops at
     * the first batch that is incomplete (torn) or invalid. The chunk's position is left after the last
     * valid batch.
     */
    static ScanStep scanNext(ByteBuffer chunk, long expectedBaseOffset, int maxBatchBytes) {
        int remaining = chunk.remaining();
        if (remaining < LOG_OVERHEAD) {
            return ScanStep.incomplete();
        }
        int start = chunk.position();
        long baseOffset = chunk.getLong(start);
        int sizeInBytes = chunk.getInt(start + SIZE_OFFSET) + LOG_OVERHEAD;
        if (sizeInBytes < HEADER_BYTES || sizeInBytes > maxBatchBytes) {
            return ScanStep.invalid("batch length " + sizeInBytes + " is outside [" + HEADER_BYTES + ", "
                    + maxBatchBytes + "]");
        }
        if (remaining < sizeInBytes) {
            return ScanStep.incomplete();
        }
        byte magic = chunk.get(start + MAGIC_OFFSET);
        if (magic != RecordBatch.MAGIC_VALUE_V2) {
            return ScanStep.invalid("magic " + magic);
        }
        if (baseOffset != expectedBaseOffset) {
            return ScanStep.invalid("base offset " + baseOffset + " where " + expectedBaseOffset + " was expected");
        }
        int leaderEpoch = chunk.getInt(start + LEADER_EPOCH_OFFSET);
        if (leaderEpoch < 0) {
            return ScanStep.invalid("leader epoch " + leaderEpoch);
        }
        MutableRecordBatch batch = batchAt(chunk, start, sizeInBytes);
        if (!batch.isValid()) {
            return ScanStep.invalid("CRC32C mismatch");
        }
        if (batch.lastOffset() < baseOffset) {
            return ScanStep.invalid("negative last offset delta");
        }
        chunk.position(start + sizeInBytes);
        return ScanStep.valid(sizeInBytes, batch.lastOffset(), batch.maxTimestamp());
    }

    /**
     * The offset and timestamp of the first record in {@code batchBytes} (one whole batch) at or after
     * {@code fromOffset} whose timestamp is at or after {@code timestampMs}, or null if none is.
     */
    static TimestampOffset firstRecordAtOrAfter(ByteBuffer batchBytes, long timestampMs, long fromOffset) {
        MutableRecordBatch batch = batchAt(batchBytes, batchBytes.position(), batchBytes.remaining());
        try (CloseableIterator<Record> records = batch.streamingIterator(BufferSupplier.NO_CACHING)) {
            while (records.hasNext()) {
                Record record = records.next();
                if (record.offset() >= fromOffset && record.timestamp() >= timestampMs) {
                    return new TimestampOffset(record.timestamp(), record.offset());
                }
            }
        }
        return null;
    }

    /** The largest timestamp of the batch's records at or after {@code fromOffset}; -1 if there are none. */
    static long maxTimestampFrom(ByteBuffer batchBytes, long fromOffset) {
        MutableRecordBatch batch = batchAt(batchBytes, batchBytes.position(), batchBytes.remaining());
        long max = -1;
        try (CloseableIterator<Record> records = batch.streamingIterator(BufferSupplier.NO_CACHING)) {
            while (records.hasNext()) {
                Record record = records.next();
                if (record.offset() >= fromOffset) {
                    max = Math.max(max, record.timestamp());
                }
            }
        }
        return max;
    }

    /**
     * Decodes every record of the whole batches in {@code batches} (decompressing as needed), skipping
     * records below {@code fromOffset} and control batches (transaction markers), which are not data.
     */
    public static List<LogRecord> decode(ByteBuffer batches, long fromOffset) {
        List<LogRecord> out = new ArrayList<>();
        for (MutableRecordBatch batch : MemoryRecords.readableRecords(batches.slice()).batches()) {
            if (batch.isControlBatch() || batch.lastOffset() < fromOffset) {
                continue;
            }
            try (CloseableIterator<Record> records = batch.streamingIterator(BufferSupplier.NO_CACHING)) {
                while (records.hasNext()) {
                    Record record = records.next();
                    if (record.offset() >= fromOffset) {
                        out.add(toLogRecord(record));
                    }
                }
            }
        }
        return out;
    }

    private static LogRecord toLogRecord(Record record) {
        org.apache.kafka.common.header.Header[] headers = record.headers();
        List<LogRecord.Header> converted = new ArrayList<>(headers.length);
        for (org.apache.kafka.common.header.Header header : headers) {
            converted.add(new LogRecord.Header(header.key(), header.value()));
        }
        return new LogRecord(record.offset(), record.timestamp(), bytesOf(record.key()), bytesOf(record.value()),
                List.copyOf(converted));
    }

    private static byte[] bytesOf(ByteBuffer buffer) {
        if (buffer == null) {
            return null;
        }
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    /** The maximum timestamp the batch header declares. */
    static long maxTimestamp(ByteBuffer batchBytes) {
        return batchAt(batchBytes, batchBytes.position(), batchBytes.remaining()).maxTimestamp();
    }

    static MutableRecordBatch batchAt(ByteBuffer buffer, int position, int sizeInBytes) {
        ByteBuffer one = buffer.duplicate();
        one.position(position).limit(position + sizeInBytes);
        Iterator<MutableRecordBatch> it = MemoryRecords.readableRecords(one.slice()).batches().iterator();
        return it.next();
    }

    /** Header fields of one stored batch. */
    record BatchHeader(long baseOffset, int sizeInBytes, byte magic, int lastOffsetDelta) {
        long lastOffset() {
            return baseOffset + lastOffsetDelta;
        }
    }

    /** One step of a recovery scan. */
    record ScanStep(Kind kind, int sizeInBytes, long lastOffset, long maxTimestamp, String problem) {
        enum Kind { VALID, INCOMPLETE, INVALID }

        static ScanStep valid(int sizeInBytes, long lastOffset, long maxTimestamp) {
            return new ScanStep(Kind.VALID, sizeInBytes, lastOffset, maxTimestamp, null);
        }

        static ScanStep incomplete() {
            return new ScanStep(Kind.INCOMPLETE, 0, -1, -1, null);
        }

        static ScanStep invalid(String problem) {
            return new ScanStep(Kind.INVALID, 0, -1, -1, problem);
        }
    }
}
