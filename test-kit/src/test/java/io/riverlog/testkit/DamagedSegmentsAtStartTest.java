package io.riverlog.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Future;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real broker process is killed (kill -9) and its segments are damaged before it starts again, as
 * a crash mid-write or a bad disk leaves them. Past the last fsync (what was never acknowledged): a
 * batch torn in the middle, a whole batch with a flipped bit. The broker cuts them, logs where and
 * how much, and consumers read exactly the acknowledged records. Inside fsynced data (acknowledged):
 * a flipped bit is damage, named with its file and position, never cut; the partition still opens
 * and takes appends after its last acknowledged record.
 */
class DamagedSegmentsAtStartTest {
    private static final int RECORDS_PER_PARTITION = 300;
    private static final String SEGMENT = "00000000000000000000.log";
    private static final int BASE_OFFSET_BYTES = 8;
    private static final int LENGTH_BYTES = 4;
    /** Bytes of a v2 batch header before its records: a flipped bit after it breaks the CRC32C. */
    private static final int BATCH_HEADER_BYTES = 61;

    @TempDir
    Path tmp;

    @Test
    void aDamagedUnflushedTailIsCutAndReportedAndDamagedFsyncedDataIsNeverServed() throws Exception {
        TopicPartition torn = new TopicPartition("tail", 0);
        TopicPartition flipped = new TopicPartition("tail", 1);
        TopicPartition corrupt = new TopicPartition("fsynced", 0);
        Random random = new Random(7);
        try (BrokerProcess broker = BrokerProcess.start(tmp.resolve("data"))) {
            KafkaClients.createTopic(broker.bootstrapServers(), "tail", 2);
            KafkaClients.createTopic(broker.bootstrapServers(), "fsynced", 1);
            Map<TopicPartition, List<byte[]>> acknowledged = produce(broker, List.of(torn, flipped, corrupt), random);
            broker.kill();

            Path topics = broker.dataDir().resolve("topics");
            Path tornSegment = topics.resolve("tail-0").resolve(SEGMENT);
            long tornEnd = Files.size(tornSegment);
            byte[] next = copyOfLastBatchAt(tornSegment, RECORDS_PER_PARTITION);
            append(tornSegment, java.util.Arrays.copyOf(next, next.length / 2));

            Path flippedSegment = topics.resolve("tail-1").resolve(SEGMENT);
            long flippedEnd = Files.size(flippedSegment);
            byte[] whole = copyOfLastBatchAt(flippedSegment, RECORDS_PER_PARTITION);
            whole[BATCH_HEADER_BYTES + random.nextInt(whole.length - BATCH_HEADER_BYTES)] ^= 1 << random.nextInt(8);
            append(flippedSegment, whole);

            Path corruptSegment = topics.resolve("fsynced-0").resolve(SEGMENT);
            long lastBatch = lastBatchPosition(corruptSegment);
            long flippedAt = lastBatch + BATCH_HEADER_BYTES + random.nextInt((int) (Files.size(corruptSegment) - lastBatch
                    - BATCH_HEADER_BYTES));
            flipBit(corruptSegment, flippedAt);

            broker.restart();
            assertThat(readBack(broker, torn)).containsExactlyElementsOf(texts(acknowledged.get(torn)));
            assertThat(readBack(broker, flipped)).containsExactlyElementsOf(texts(acknowledged.get(flipped)));

            String output = broker.output();
            assertThat(output).contains("Recovery truncated " + tornSegment + " at position " + tornEnd + ": cut "
                    + (next.length / 2) + " bytes");
            assertThat(output).contains("Recovery truncated " + flippedSegment + " at position " + flippedEnd + ": cut "
                    + whole.length + " bytes");
            // Damage in fsynced data is kept, named with file and position, and never cut; the partition's
            // end is certain (the recovery point was fsynced), so it takes appends right after it.
            assertThat(output).contains("Damaged data in " + corruptSegment + " at positions [" + lastBatch + ", ");
            assertThat(Files.size(corruptSegment)).isGreaterThan(flippedAt);
            assertThat(sendOne(broker, corrupt).offset()).isEqualTo(RECORDS_PER_PARTITION);

            // The partitions that were cut take appends again, right after their acknowledged records.
            assertThat(sendOne(broker, torn).offset()).isEqualTo(RECORDS_PER_PARTITION);
        }
    }

    private static Map<TopicPartition, List<byte[]>> produce(BrokerProcess broker, List<TopicPartition> partitions,
                                                            Random random) throws Exception {
        Map<TopicPartition, List<byte[]>> sent = new java.util.HashMap<>();
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(broker.bootstrapServers(),
                Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 5))) {
            for (int i = 0; i < RECORDS_PER_PARTITION; i++) {
                for (TopicPartition partition : partitions) {
                    byte[] value = new byte[20 + random.nextInt(200)];
                    random.nextBytes(value);
                    sent.computeIfAbsent(partition, p -> new ArrayList<>()).add(value);
                    acks.add(producer.send(new ProducerRecord<>(partition.topic(), partition.partition(), null, value)));
                }
            }
            for (Future<RecordMetadata> ack : acks) {
                ack.get();
            }
        }
        return sent;
    }

    private static RecordMetadata sendOne(BrokerProcess broker, TopicPartition partition) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(broker.bootstrapServers(),
                Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.RETRIES_CONFIG, 0))) {
            return producer.send(new ProducerRecord<>(partition.topic(), partition.partition(), null, new byte[] {1}))
                    .get();
        }
    }

    /** Every record of the partition, after checking that it ends right after them. */
    private static List<String> readBack(BrokerProcess broker, TopicPartition partition) throws Exception {
        long end;
        try (Admin admin = KafkaClients.admin(broker.bootstrapServers())) {
            end = admin.listOffsets(Map.of(partition, OffsetSpec.latest())).all().get().get(partition).offset();
        }
        assertThat(end).isEqualTo(RECORDS_PER_PARTITION);
        List<ConsumerRecord<byte[], byte[]>> records = KafkaClients.readAll(broker.bootstrapServers(),
                List.of(partition), RECORDS_PER_PARTITION);
        return texts(records.stream().map(ConsumerRecord::value).toList());
    }

    private static List<String> texts(List<byte[]> values) {
        return values.stream().map(v -> new String(v, java.nio.charset.StandardCharsets.ISO_8859_1)).toList();
    }

    /** Position of the last batch of a segment, found by walking the batches' length fields. */
    private static long lastBatchPosition(Path segment) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(segment));
        int position = 0;
        int last = 0;
        while (position < bytes.limit()) {
            last = position;
            position += BASE_OFFSET_BYTES + LENGTH_BYTES + bytes.getInt(position + BASE_OFFSET_BYTES);
        }
        return last;
    }

    /** The segment's last batch, given the base offset {@code baseOffset}: a valid next batch (the CRC does not cover it). */
    private static byte[] copyOfLastBatchAt(Path segment, long baseOffset) throws IOException {
        byte[] file = Files.readAllBytes(segment);
        int last = (int) lastBatchPosition(segment);
        ByteBuffer copy = ByteBuffer.wrap(java.util.Arrays.copyOfRange(file, last, file.length));
        copy.putLong(0, baseOffset);
        return copy.array();
    }

    private static void append(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes, java.nio.file.StandardOpenOption.APPEND);
    }

    private static void flipBit(Path file, long position) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(position);
            int b = raf.read();
            raf.seek(position);
            raf.write(b ^ 0x10);
        }
    }
}
