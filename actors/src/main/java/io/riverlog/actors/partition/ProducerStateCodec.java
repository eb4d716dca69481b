package io.riverlog.actors.partition;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.Map;

import io.riverlog.actors.partition.ProducerStateTable.CachedBatch;
import io.riverlog.actors.partition.ProducerStateTable.Producer;
import io.riverlog.wal.DerivedState;

/**
 * The bytes of a {@link ProducerStateTable} in a snapshot of the partition log (the log's snapshot
 * file adds the offset it is as of and a CRC). Big-endian:
 * <pre>
 *   int8    format version, 2
 *   int32   number of producers
 *   per producer:
 *     int64   producer id
 *     int16   epoch
 *     int64   largest record timestamp of its last batch
 *     int16   number of batches remembered, oldest first, then per batch:
 *       int32   first sequence
 *       int32   last sequence
 *       int64   base offset
 *       int64   last offset
 * </pre>
 * Version 1 is the same without the timestamp; a table restored from it knows no producer's last
 * timestamp ({@link ActiveProducer#UNKNOWN_TIMESTAMP}) until the producer appends again. A snapshot
 * written with more batches per producer than {@code producer-batches-remembered} now allows keeps
 * the newest. Bytes this class cannot read are refused with an IllegalArgumentException, and the log
 * then passes the snapshot over.
 */
final class ProducerStateCodec implements DerivedState.Codec<ProducerStateTable> {
    static final byte VERSION = 2;
    /** The format before producers' last timestamps were kept. */
    static final byte VERSION_WITHOUT_TIMESTAMPS = 1;
    private static final int PRODUCER_BYTES_WITHOUT_TIMESTAMP = Long.BYTES + Short.BYTES + Short.BYTES;
    private static final int PRODUCER_BYTES = PRODUCER_BYTES_WITHOUT_TIMESTAMP + Long.BYTES;
    private static final int BATCH_BYTES = 2 * Integer.BYTES + 2 * Long.BYTES;

    private final int batchesPerProducer;

    ProducerStateCodec(int batchesPerProducer) {
        this.batchesPerProducer = batchesPerProducer;
    }

    @Override
    public ProducerStateTable empty() {
        return new ProducerStateTable(batchesPerProducer);
    }

    static ByteBuffer encode(ProducerStateTable table) {
        Map<Long, Producer> producers = table.producers();
        int size = Byte.BYTES + Integer.BYTES;
        for (Producer producer : producers.values()) {
            size += PRODUCER_BYTES + producer.batches.size() * BATCH_BYTES;
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put(VERSION).putInt(producers.size());
        producers.forEach((id, producer) -> {
            out.putLong(id).putShort(producer.epoch).putLong(producer.lastTimestamp)
                    .putShort((short) producer.batches.size());
            for (CachedBatch batch : producer.batches) {
                out.putInt(batch.firstSequence()).putInt(batch.lastSequence()).putLong(batch.baseOffset())
                        .putLong(batch.lastOffset());
            }
        });
        return out.flip();
    }

    @Override
    public ProducerStateTable restore(ByteBuffer snapshot) {
        ByteBuffer in = snapshot.duplicate();
        ProducerStateTable table = empty();
        try {
            byte version = in.get();
            if (version != VERSION && version != VERSION_WITHOUT_TIMESTAMPS) {
                throw new IllegalArgumentException("format version " + version + ", only "
                        + VERSION_WITHOUT_TIMESTAMPS + " and " + VERSION + " are known");
            }
            boolean timestamps = version == VERSION;
            int count = in.getInt();
            int producerBytes = timestamps ? PRODUCER_BYTES : PRODUCER_BYTES_WITHOUT_TIMESTAMP;
            if (count < 0 || (long) count * producerBytes > in.remaining()) {
                throw new IllegalArgumentException(count + " producers in " + in.remaining() + " bytes");
            }
            for (int i = 0; i < count; i++) {
                long id = in.getLong();
                short epoch = in.getShort();
                long lastTimestamp = timestamps ? in.getLong() : ActiveProducer.UNKNOWN_TIMESTAMP;
                int batches = in.getShort();
                if (id < 0 || batches < 1) {
                    throw new IllegalArgumentException("producer " + id + " with " + batches + " batches");
                }
                for (int b = 0; b < batches; b++) {
                    table.record(id, epoch, in.getInt(), in.getInt(), in.getLong(), in.getLong(), lastTimestamp);
                }
            }
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("the producer state ends early, at byte " + snapshot.remaining());
        }
        if (in.hasRemaining()) {
            throw new IllegalArgumentException(in.remaining() + " bytes after the end of the producer state");
        }
        return table;
    }
}
