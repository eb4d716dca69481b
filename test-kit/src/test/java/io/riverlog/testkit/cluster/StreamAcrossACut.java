package io.riverlog.testkit.cluster;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;

import io.riverlog.testkit.KafkaClients;

/**
 * The fault window the network-partition tests share: a steady acks=all, idempotent stream, one send
 * every {@link #SEND_INTERVAL}, with a network cut made at one of its records and healed a fixed time
 * later (the fault's schedule, not a wait for a condition), the stream going on throughout. Nothing is
 * in flight at the cut, so an answer during it is for a record sent during it.
 */
final class StreamAcrossACut {
    private static final Duration SEND_INTERVAL = Duration.ofMillis(2);
    private static final int IN_FLIGHT = 200;

    /** What makes the cut and what heals it. */
    interface Cut {
        void cut() throws Exception;

        void heal() throws Exception;
    }

    /**
     * What was sent and acknowledged, and per partition when the first of its records sent during the cut
     * was acknowledged, in ms after the cut (a partition that took none during it is absent).
     */
    record Outcome(Ledger ledger, Map<Integer, Long> firstAcknowledgedDuringCutMs) {
    }

    private StreamAcrossACut() {
    }

    /**
     * Streams {@code records} records to {@code topic} through {@code bootstrapServers}, cuts at record
     * {@code cutAt} and heals {@code cutFor} later; each send waits at most {@code answerTimeout} for a
     * place among the unanswered ones.
     */
    static Outcome run(String bootstrapServers, String topic, int records, int cutAt, Duration cutFor,
                       Duration answerTimeout, Cut cut) throws Exception {
        Ledger ledger = new Ledger();
        Map<Integer, Long> acknowledgedDuringCut = new ConcurrentHashMap<>();
        AtomicLong cutNanos = new AtomicLong();
        AtomicBoolean healed = new AtomicBoolean();
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(bootstrapServers, Map.of(
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000))) {
            Semaphore unanswered = new Semaphore(IN_FLIGHT);
            long nextAt = System.nanoTime();
            for (int i = 0; i < records; i++) {
                nextAt += SEND_INTERVAL.toNanos();
                LockSupport.parkNanos(nextAt - System.nanoTime());
                ledger.sendInStream(producer, unanswered, topic, i, answerTimeout, (metadata, error) -> {
                    if (error == null && cutNanos.get() != 0 && !healed.get()) {
                        acknowledgedDuringCut.putIfAbsent(metadata.partition(),
                                (System.nanoTime() - cutNanos.get()) / 1_000_000);
                    }
                });
                if (i == cutAt) {
                    producer.flush();
                    cut.cut();
                    cutNanos.set(System.nanoTime());
                }
                if (cutNanos.get() != 0 && !healed.get() && System.nanoTime() - cutNanos.get() >= cutFor.toNanos()) {
                    heal(cut, healed);
                }
            }
            if (!healed.get()) {
                LockSupport.parkNanos(cutNanos.get() + cutFor.toNanos() - System.nanoTime());
                heal(cut, healed);
            }
            producer.flush();
        }
        return new Outcome(ledger, new TreeMap<>(acknowledgedDuringCut));
    }

    private static void heal(Cut cut, AtomicBoolean healed) throws Exception {
        healed.set(true);
        cut.heal();
    }
}
