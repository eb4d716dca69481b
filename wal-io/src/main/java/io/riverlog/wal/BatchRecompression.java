package io.riverlog.wal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.AbstractRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.internals.CloseableIterator;

/**
 * Puts validated batches into the codec a topic stores them in (Kafka's {@code compression.type}
 * other than {@code producer}), as Kafka's broker does before it appends: a batch already in that
 * codec is kept byte for byte, whatever level it was compressed at; any other is rebuilt with
 * kafka-clients' {@link MemoryRecordsBuilder}, keeping each record (timestamp, offset delta, key,
 * value, headers), the batch's timestamp type (and, under LogAppendTime, its timestamp), producer
 * id, epoch, base sequence and transactional flag. The rebuilt batch has a new CRC32C and still
 * meets every rule {@link BatchFormat#validate} checked, so the result is a {@link ValidBatches}.
 */
public final class BatchRecompression {

    private BatchRecompression() {
    }

    /**
     * The batches with every one in {@code codec}: the same instance if each already is, otherwise a
     * new buffer. Offsets are assigned later, as for any valid batches.
     *
     * @throws InvalidBatchException if a batch holds what kafka-clients' builder refuses to write
     *                               (a negative timestamp other than "none", which validation lets
     *                               pass as Kafka's does), or its codec fails
     */
    public static ValidBatches inCodec(ValidBatches batches, Compression codec) {
        List<BatchInfo> infos = batches.batches();
        List<ByteBuffer> stored = new ArrayList<>(infos.size());
        boolean rebuiltAny = false;
        for (int index = 0; index < infos.size(); index++) {
            BatchInfo info = infos.get(index);
            ByteBuffer bytes = batches.buffer().duplicate();
            bytes.position(info.position()).limit(info.position() + info.sizeInBytes());
            MutableRecordBatch batch = BatchFormat.batchAt(batches.buffer(), info.position(), info.sizeInBytes());
            if (batch.compressionType() == codec.type()) {
                stored.add(bytes.slice());
                continue;
            }
            try {
                stored.add(rebuild(batch, codec));
            } catch (IllegalArgumentException | KafkaException e) {
                throw new InvalidBatchException("batch " + index + ": cannot be stored in the topic's codec "
                        + codec.type().name + ": " + e.getMessage());
            }
            rebuiltAny = true;
        }
        return rebuiltAny ? joined(batches, stored) : batches;
    }

    private static ByteBuffer rebuild(MutableRecordBatch batch, Compression codec) {
        List<Record> records = new ArrayList<>();
        try (CloseableIterator<Record> it = batch.streamingIterator(BatchRecords.DECOMPRESSION_BUFFERS.get())) {
            it.forEachRemaining(records::add);
        }
        long logAppendTime = batch.timestampType() == TimestampType.LOG_APPEND_TIME ? batch.maxTimestamp()
                : RecordBatch.NO_TIMESTAMP;
        int estimate = AbstractRecords.estimateSizeInBytes(RecordBatch.MAGIC_VALUE_V2, 0L, codec.type(), records);
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(estimate), RecordBatch.MAGIC_VALUE_V2,
                codec, batch.timestampType(), 0L, logAppendTime, batch.producerId(), batch.producerEpoch(),
                batch.baseSequence(), batch.isTransactional(), RecordBatch.NO_PARTITION_LEADER_EPOCH);
        for (Record record : records) {
            builder.appendWithOffset(record.offset() - batch.baseOffset(), record);
        }
        return builder.build().buffer();
    }

    /**
     * One buffer of exactly the batches' size: the builder's buffer is sized for the uncompressed
     * records, and the tail buffer and the log keep whatever buffer they are handed.
     */
    private static ValidBatches joined(ValidBatches original, List<ByteBuffer> stored) {
        int size = 0;
        for (ByteBuffer bytes : stored) {
            size += bytes.remaining();
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        List<BatchInfo> infos = new ArrayList<>(stored.size());
        for (int i = 0; i < stored.size(); i++) {
            ByteBuffer bytes = stored.get(i);
            infos.add(original.batches().get(i).movedTo(out.position(), bytes.remaining()));
            out.put(bytes.duplicate());
        }
        return new ValidBatches(out.flip(), List.copyOf(infos), original.receivedSizeInBytes());
    }
}
