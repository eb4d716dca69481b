package io.riverlog.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Load from many client connections in one JVM, against any Kafka-compatible broker: CONNECTIONS
 * producers (or consumers), each a client instance of its own with its own connections, so that 100
 * of them do not need 100 JVMs.
 *
 * <pre>
 *   java -cp bench/target/benchmarks.jar io.riverlog.bench.LoadDriver produce BOOTSTRAP TOPIC CONNECTIONS RECORDS
 *        RECORD_BYTES [spread|sticky [MAX_SECONDS]]
 *   java -cp bench/target/benchmarks.jar io.riverlog.bench.LoadDriver consume BOOTSTRAP TOPIC CONNECTIONS RECORDS
 *        GROUP
 * </pre>
 * produce: RECORDS records of RECORD_BYTES bytes in all, shared out evenly between the producers, as
 * fast as they are acknowledged (acks=all, linger.ms=5, batch.size=65536, as in bench/compare-kafka.sh).
 * {@code spread} (the default): producer c sends its n-th record to partition (c + n) mod partitions, so
 * that every producer writes to every partition in turn, as records with evenly spread keys would;
 * {@code sticky}: records without a partition, which the client's own partitioner sends to one partition
 * a batch at a time (as Kafka's ProducerPerformance does). With MAX_SECONDS the producers stop sending
 * once that much time has passed, with fewer records if need be (then {@code capped=true}). consume:
 * CONNECTIONS consumers in group GROUP read the topic from the start until they have RECORDS records
 * between them.
 *
 * <p>Prints one line, {@code RESULT mode=... name=value ...}: records, seconds, records/s, MB/s (2^20
 * bytes, as Kafka's perf tools count); for produce the p50 and p99 time from send to acknowledgement; for
 * consume also the rate from the first record on (without the group's join). The time counts from the
 * moment every client instance exists and has the topic's metadata until the last record is
 * acknowledged or consumed; closing the clients is not in it. When that time starts, "load started"
 * goes to standard error. Exits with 1 if a send failed or the consumers fell short.
 */
public final class LoadDriver {
    private static final int LINGER_MS = 5;
    private static final int BATCH_BYTES = 65536;
    /** Producer buffers of all producers together: past this, each gets a share instead of the 32 MiB default. */
    private static final long ALL_BUFFERS_BYTES = 512L << 20;
    private static final long DEFAULT_BUFFER_BYTES = 32L << 20;
    private static final Duration POLL = Duration.ofMillis(100);
    /** Consumers give up once no record has come for this long (as ConsumerPerformance's --timeout). */
    private static final long CONSUME_IDLE_TIMEOUT_NANOS = Duration.ofSeconds(60).toNanos();
    private static final double MB = 1024 * 1024;
    /** Printed to standard error once every client exists and the timed load begins. */
    private static final String LOAD_STARTED = "load started";

    private LoadDriver() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 6 && args[0].equals("produce")) {
            boolean spread = args.length < 7 || args[6].equals("spread");
            double maxSeconds = args.length < 8 ? 0 : Double.parseDouble(args[7]);
            System.exit(produce(args[1], args[2], Integer.parseInt(args[3]), Long.parseLong(args[4]),
                    Integer.parseInt(args[5]), spread, maxSeconds));
        } else if (args.length == 6 && args[0].equals("consume")) {
            System.exit(consume(args[1], args[2], Integer.parseInt(args[3]), Long.parseLong(args[4]), args[5]));
        } else {
            System.err.println("usage: LoadDriver produce BOOTSTRAP TOPIC CONNECTIONS RECORDS RECORD_BYTES"
                    + " [spread|sticky [MAX_SECONDS]]\n"
                    + "       LoadDriver consume BOOTSTRAP TOPIC CONNECTIONS RECORDS GROUP");
            System.exit(2);
        }
    }

    private static int produce(String bootstrap, String topic, int connections, long records, int recordBytes,
            boolean spread, double maxSeconds) throws InterruptedException, ExecutionException {
        awaitLeaders(bootstrap, topic);
        long bufferBytes = Math.min(DEFAULT_BUFFER_BYTES, Math.max(4L * BATCH_BYTES, ALL_BUFFERS_BYTES / connections));
        List<KafkaProducer<byte[], byte[]>> producers = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            producers.add(new KafkaProducer<>(producerProperties(bootstrap, bufferBytes)));
        }
        int partitions = producers.get(0).partitionsFor(topic).size();
        for (KafkaProducer<byte[], byte[]> producer : producers) {
            producer.partitionsFor(topic);
        }
        byte[] value = new byte[recordBytes];
        new Random(1).nextBytes(value);
        // Each producer's acknowledgements arrive on its own I/O thread, so each keeps its own histogram
        // and error count; they are read once the producer is closed.
        LatencyHistogram[] latencies = new LatencyHistogram[connections];
        long[] errors = new long[connections];
        long[] sent = new long[connections];
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            int producerIndex = c;
            long share = records / connections + (c < records % connections ? 1 : 0);
            latencies[c] = new LatencyHistogram();
            Thread thread = new Thread(() -> {
                KafkaProducer<byte[], byte[]> producer = producers.get(producerIndex);
                LatencyHistogram latency = latencies[producerIndex];
                try {
                    start.await();
                    long deadline = System.nanoTime() + (long) (maxSeconds * 1e9);
                    for (long n = 0; n < share && (maxSeconds <= 0 || System.nanoTime() < deadline); n++) {
                        Integer partition = spread ? (int) ((producerIndex + n) % partitions) : null;
                        long sentNanos = System.nanoTime();
                        producer.send(new ProducerRecord<>(topic, partition, null, value), (metadata, e) -> {
                            if (e != null) {
                                errors[producerIndex]++;
                            }
                            latency.record((System.nanoTime() - sentNanos) / 1000);
                        });
                        sent[producerIndex]++;
                    }
                    producer.flush();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "producer-" + c);
            thread.start();
            threads.add(thread);
        }
        long startNanos = System.nanoTime();
        start.countDown();
        System.err.println(LOAD_STARTED);
        for (Thread thread : threads) {
            thread.join();
        }
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        producers.forEach(KafkaProducer::close);
        LatencyHistogram all = new LatencyHistogram();
        long failed = 0;
        long count = 0;
        for (int c = 0; c < connections; c++) {
            all.add(latencies[c]);
            failed += errors[c];
            count += sent[c];
        }
        System.out.printf("RESULT mode=produce connections=%d partitions=%d records=%d record_bytes=%d"
                        + " seconds=%.3f rec_s=%.1f mb_s=%.2f p50_ms=%.1f p99_ms=%.1f max_ms=%.1f errors=%d"
                        + " capped=%s%n",
                connections, partitions, count, recordBytes, seconds, count / seconds,
                count * recordBytes / MB / seconds, all.percentileMicros(50) / 1000.0,
                all.percentileMicros(99) / 1000.0, all.maxMicros() / 1000.0, failed, count < records);
        return failed == 0 ? 0 : 1;
    }

    /**
     * Returns once every partition of the topic answers at its leader. A broker may name a partition's
     * leader before that leader takes appends: Kafka, just after creating a topic of 1,000 partitions,
     * answered the first produce NOT_LEADER_OR_FOLLOWER for some, after which the idempotent producer
     * retried two of them with OUT_OF_ORDER_SEQUENCE_NUMBER until its delivery timeout. ListOffsets goes
     * to the leader, and the admin client retries it until the leader answers.
     */
    private static void awaitLeaders(String bootstrap, String topic) throws InterruptedException, ExecutionException {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(props)) {
            int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
            Map<TopicPartition, OffsetSpec> latest = IntStream.range(0, partitions).boxed()
                    .collect(Collectors.toMap(p -> new TopicPartition(topic, p), p -> OffsetSpec.latest()));
            admin.listOffsets(latest).all().get();
        }
    }

    private static Properties producerProperties(String bootstrap, long bufferBytes) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, LINGER_MS);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, BATCH_BYTES);
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, bufferBytes);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return props;
    }

    private static int consume(String bootstrap, String topic, int connections, long records, String group)
            throws InterruptedException {
        List<KafkaConsumer<byte[], byte[]>> consumers = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            consumers.add(new KafkaConsumer<>(consumerProperties(bootstrap, group)));
        }
        int partitions = consumers.get(0).partitionsFor(topic).size();
        AtomicLong consumed = new AtomicLong();
        AtomicLong consumedBytes = new AtomicLong();
        AtomicLong firstRecordNanos = new AtomicLong(Long.MAX_VALUE);
        AtomicLong lastRecordNanos = new AtomicLong();
        AtomicLong doneNanos = new AtomicLong();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            KafkaConsumer<byte[], byte[]> consumer = consumers.get(c);
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                    consumer.subscribe(List.of(topic));
                    while (consumed.get() < records
                            && System.nanoTime() - lastRecordNanos.get() < CONSUME_IDLE_TIMEOUT_NANOS) {
                        ConsumerRecords<byte[], byte[]> polled = consumer.poll(POLL);
                        if (polled.isEmpty()) {
                            continue;
                        }
                        long now = System.nanoTime();
                        firstRecordNanos.accumulateAndGet(now, Math::min);
                        lastRecordNanos.set(now);
                        long bytes = 0;
                        for (ConsumerRecord<byte[], byte[]> record : polled) {
                            bytes += record.serializedValueSize();
                        }
                        consumedBytes.addAndGet(bytes);
                        if (consumed.addAndGet(polled.count()) >= records) {
                            doneNanos.compareAndSet(0, now);
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    consumer.close();
                }
            }, "consumer-" + c);
            threads.add(thread);
        }
        threads.forEach(Thread::start);
        long startNanos = System.nanoTime();
        // Until the first record, the idle timeout counts from the start.
        lastRecordNanos.set(startNanos);
        start.countDown();
        System.err.println(LOAD_STARTED);
        for (Thread thread : threads) {
            thread.join();
        }
        long endNanos = doneNanos.get() != 0 ? doneNanos.get() : lastRecordNanos.get();
        double seconds = (endNanos - startNanos) / 1e9;
        double fetchSeconds = firstRecordNanos.get() == Long.MAX_VALUE ? 0 : (endNanos - firstRecordNanos.get()) / 1e9;
        long count = consumed.get();
        boolean complete = count >= records;
        System.out.printf("RESULT mode=consume connections=%d partitions=%d records=%d seconds=%.3f rec_s=%.1f"
                        + " mb_s=%.2f fetch_seconds=%.3f fetch_rec_s=%.1f complete=%s%n", connections, partitions,
                count, seconds, count / seconds, consumedBytes.get() / MB / seconds, fetchSeconds,
                fetchSeconds > 0 ? count / fetchSeconds : 0, complete);
        return complete ? 0 : 1;
    }

    private static Properties consumerProperties(String bootstrap, String group) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return props;
    }

    /**
     * Counts of latencies in microseconds, in buckets about 3 % wide: below 64 µs one per microsecond,
     * above that 32 per doubling. Not thread-safe: one writer, read after it has stopped.
     */
    static final class LatencyHistogram {
        private static final int SUB_BUCKETS = 32;
        private final long[] counts = new long[SUB_BUCKETS * 64];
        private long total;
        private long max;

        void record(long micros) {
            long value = Math.max(micros, 0);
            counts[bucket(value)]++;
            total++;
            max = Math.max(max, value);
        }

        void add(LatencyHistogram other) {
            for (int i = 0; i < counts.length; i++) {
                counts[i] += other.counts[i];
            }
            total += other.total;
            max = Math.max(max, other.max);
        }

        /** The lowest value of the bucket that holds the given percentile; 0 if nothing was recorded. */
        long percentileMicros(double percentile) {
            long rank = (long) Math.ceil(total * percentile / 100);
            long seen = 0;
            for (int i = 0; i < counts.length; i++) {
                seen += counts[i];
                if (seen >= rank && seen > 0) {
                    return lowestOf(i);
                }
            }
            return 0;
        }

        long maxMicros() {
            return max;
        }

        static int bucket(long micros) {
            if (micros < 2 * SUB_BUCKETS) {
                return (int) micros;
            }
            int shift = 63 - Long.numberOfLeadingZeros(micros) - 5;
            return shift * SUB_BUCKETS + (int) (micros >>> shift);
        }

        static long lowestOf(int bucket) {
            if (bucket < 2 * SUB_BUCKETS) {
                return bucket;
            }
            int shift = bucket / SUB_BUCKETS - 1;
            return (long) (bucket - shift * SUB_BUCKETS) << shift;
        }
    }
}
