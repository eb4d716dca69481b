package io.riverlog.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

import io.riverlog.testkit.KafkaClients;

/**
 * Which record (its number: key and value derive from it) was acknowledged at each offset of each
 * partition, and the sends that failed. Completions come from the producer's I/O thread.
 */
final class Ledger {
    private final Map<Integer, Map<Long, Integer>> acknowledged = new HashMap<>();
    private final List<String> failures = new ArrayList<>();
    private int count;

    synchronized void completed(int number, RecordMetadata metadata, Exception error) {
        if (error != null) {
            failures.add("record " + number + ": " + error);
            return;
        }
        Integer earlier = acknowledged.computeIfAbsent(metadata.partition(), p -> new HashMap<>())
                .putIfAbsent(metadata.offset(), number);
        if (earlier != null) {
            failures.add("records " + earlier + " and " + number + " both acknowledged at " + metadata);
            return;
        }
        count++;
    }

    /** No send failed, and each of the {@code sent} sends was acknowledged once. */
    void assertEverySendAcknowledgedOnce(int sent) {
        assertThat(failures()).as("failed sends").isEmpty();
        assertThat(acknowledged()).as("acknowledged sends").isEqualTo(sent);
    }

    synchronized List<String> failures() {
        return List.copyOf(failures);
    }

    synchronized int acknowledged() {
        return count;
    }

    /** The record acknowledged at {@code offset} of {@code partition}, or null. */
    synchronized Integer at(int partition, long offset) {
        return acknowledged.getOrDefault(partition, Map.of()).get(offset);
    }

    synchronized Map<Integer, Integer> recordsByPartition() {
        Map<Integer, Integer> out = new TreeMap<>();
        acknowledged.forEach((partition, records) -> out.put(partition, records.size()));
        return out;
    }

    /**
     * Sends record {@code number} once a place among the unanswered sends is free (taken from
     * {@code unanswered}, waiting at most {@code timeout}); its answer is noted here, then goes to
     * {@code then}. A stream that keeps sending while partitions change leader, not one burst.
     */
    void sendInStream(KafkaProducer<byte[], byte[]> producer, Semaphore unanswered, String topic, int number,
                      Duration timeout, BiConsumer<RecordMetadata, Exception> then) throws InterruptedException {
        sendInStream(producer, unanswered, topic, number, timeout, then, 0);
    }

    /** As above, the value padded to at least {@code valueBytes} (the same for the same number: {@link #value}). */
    void sendInStream(KafkaProducer<byte[], byte[]> producer, Semaphore unanswered, String topic, int number,
                      Duration timeout, BiConsumer<RecordMetadata, Exception> then, int valueBytes)
            throws InterruptedException {
        assertThat(unanswered.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS))
                .as("an answer to one of the sends before record %d within %s", number, timeout).isTrue();
        producer.send(new ProducerRecord<>(topic, key(number), value(number, valueBytes)), (metadata, error) -> {
            unanswered.release();
            completed(number, metadata, error);
            then.accept(metadata, error);
        });
    }

    /** The key of record {@code number}; its value is {@link KafkaClients#value}. */
    static byte[] key(int number) {
        return ("key-" + number).getBytes(StandardCharsets.UTF_8);
    }

    /** The value of record {@code number}: {@link KafkaClients#value}, padded to {@code valueBytes} if shorter. */
    static byte[] value(int number, int valueBytes) {
        byte[] value = KafkaClients.value(number);
        if (value.length >= valueBytes) {
            return value;
        }
        byte[] padded = java.util.Arrays.copyOf(value, valueBytes);
        java.util.Arrays.fill(padded, value.length, valueBytes, (byte) 'p');
        return padded;
    }
}
