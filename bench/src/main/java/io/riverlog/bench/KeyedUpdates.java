package io.riverlog.bench;

import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Produces updates of a fixed set of keys, as fast as the broker takes them, for the log compaction
 * benchmark (bench/compaction.sh): Kafka's ProducerPerformance sends records without keys, which a
 * compacted topic refuses and which compaction could not shrink anyway. Works against any
 * Kafka-compatible broker.
 *
 * <pre>
 *   java -cp bench/target/benchmarks.jar io.riverlog.bench.KeyedUpdates \
 *       BOOTSTRAP TOPIC VALUE_BYTES_TOTAL KEYS VALUE_BYTES
 * </pre>
 * Sends ceil(VALUE_BYTES_TOTAL / VALUE_BYTES) records of VALUE_BYTES random bytes, the n-th with key
 * {@code key-%07d} of n mod KEYS: the keys in turn, so that every key is updated about equally often
 * and its latest value is among the last KEYS records. acks=all, linger.ms=5, batch.size=262144 (as
 * bench/compare-kafka.sh's recovery run, which also fills a single partition), no compression,
 * idempotence on (the client's default). Prints one {@code RESULT} line: records, value and key bytes,
 * seconds from the first send until the last acknowledgement, records/s and MB/s of values (10^6
 * bytes). Exits 1 if any send failed.
 */
public final class KeyedUpdates {
    /** {@code key-} and seven digits. */
    static final int KEY_BYTES = 11;

    private KeyedUpdates() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: KeyedUpdates BOOTSTRAP TOPIC VALUE_BYTES_TOTAL KEYS VALUE_BYTES");
            System.exit(2);
        }
        String bootstrap = args[0];
        String topic = args[1];
        long total = Long.parseLong(args[2]);
        int keys = Integer.parseInt(args[3]);
        int valueBytes = Integer.parseInt(args[4]);
        if (total < 1 || keys < 1 || keys > 10_000_000 || valueBytes < 1) {
            throw new IllegalArgumentException(
                    "VALUE_BYTES_TOTAL, KEYS (at most 10,000,000) and VALUE_BYTES must be positive");
        }
        long records = (total + valueBytes - 1) / valueBytes;

        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 262144);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);

        SplittableRandom random = new SplittableRandom(42);
        AtomicLong acknowledged = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicReference<Exception> firstFailure = new AtomicReference<>();
        long started;
        long ended;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            // The first send waits for the topic's metadata; counted from just before it, as
            // ProducerPerformance counts.
            started = System.nanoTime();
            for (long n = 0; n < records; n++) {
                byte[] key = key(n % keys);
                byte[] value = new byte[valueBytes];
                random.nextBytes(value);
                producer.send(new ProducerRecord<>(topic, key, value), (metadata, exception) -> {
                    if (exception == null) {
                        acknowledged.incrementAndGet();
                    } else {
                        failed.incrementAndGet();
                        firstFailure.compareAndSet(null, exception);
                    }
                });
            }
            producer.flush();
            ended = System.nanoTime();
        }
        double seconds = (ended - started) / 1e9;
        System.out.printf("RESULT records=%d acknowledged=%d failed=%d keys=%d value_bytes=%d key_bytes=%d seconds=%.3f"
                        + " rec_s=%.0f mb_s=%.1f%n", records, acknowledged.get(), failed.get(), keys,
                records * valueBytes, records * KEY_BYTES, seconds, records / seconds,
                records * valueBytes / seconds / 1e6);
        if (failed.get() > 0) {
            System.err.println("KeyedUpdates: " + failed.get() + " sends failed, the first with " + firstFailure.get());
            System.exit(1);
        }
    }

    /** {@code key-%07d} of {@code index}, in ASCII, without String.format's cost per record. */
    static byte[] key(long index) {
        byte[] key = {'k', 'e', 'y', '-', '0', '0', '0', '0', '0', '0', '0'};
        long rest = index;
        for (int i = KEY_BYTES - 1; i >= 4 && rest > 0; i--) {
            key[i] = (byte) ('0' + rest % 10);
            rest /= 10;
        }
        return key;
    }
}
