package io.riverlog.testkit.durability;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Records whose every byte follows from one sequence number, so that a reader can tell which
 * record it holds and check it without the writer keeping the bytes: the key is
 * {@code record-<sequence>}, one header {@code seq} holds the sequence as 8 bytes (big-endian), and
 * the value is {@link #VALUE_BYTES} bytes: the sequence, then bytes of a pseudo-random generator
 * seeded with it.
 */
final class SequencedRecords {
    static final int VALUE_BYTES = 1024;
    static final String SEQUENCE_HEADER = "seq";

    private SequencedRecords() {
    }

    static ProducerRecord<byte[], byte[]> record(String topic, int partition, long sequence) {
        return new ProducerRecord<>(topic, partition, key(sequence), value(sequence), headers(sequence));
    }

    /** The sequence number a read record carries in its {@code seq} header. */
    static long sequenceOf(ConsumerRecord<byte[], byte[]> record) {
        Header header = record.headers().lastHeader(SEQUENCE_HEADER);
        if (header == null || header.value() == null || header.value().length != Long.BYTES) {
            throw new AssertionError("record at " + record.topic() + "-" + record.partition() + "@" + record.offset()
                    + " carries no " + SEQUENCE_HEADER + " header of 8 bytes: " + record.headers());
        }
        return ByteBuffer.wrap(header.value()).getLong();
    }

    /** Whether key, value and headers of {@code read} are byte for byte those of record {@code sequence}. */
    static boolean isExactly(ConsumerRecord<byte[], byte[]> read, long sequence) {
        return Arrays.equals(read.key(), key(sequence))
                && Arrays.equals(read.value(), value(sequence))
                && read.headers().equals(headers(sequence));
    }

    private static byte[] key(long sequence) {
        return ("record-" + sequence).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] value(long sequence) {
        byte[] value = new byte[VALUE_BYTES];
        new SplittableRandom(sequence).nextBytes(value);
        ByteBuffer.wrap(value).putLong(sequence);
        return value;
    }

    private static Headers headers(long sequence) {
        return new RecordHeaders().add(SEQUENCE_HEADER, ByteBuffer.allocate(Long.BYTES).putLong(sequence).array());
    }
}
