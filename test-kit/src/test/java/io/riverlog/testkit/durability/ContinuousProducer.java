package io.riverlog.testkit.durability;

import java.time.Duration;
import java.util.Map;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;

import io.riverlog.testkit.KafkaClients;

/**
 * An idempotent acks=all producer that sends {@link SequencedRecords} round-robin to every
 * partition of a ledger's topic, on a thread of its own, until it is closed; every send and
 * acknowledgement is noted in the ledger under {@code run}. Closing it drops whatever is not
 * acknowledged yet, as a producer whose broker crashed would eventually give up on it.
 */
final class ContinuousProducer implements AutoCloseable {
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(30);
    /**
     * Records waiting in the producer beyond the requests in flight are never sent before a crash;
     * a smaller buffer than the default 32 MiB spends less time making them.
     */
    private static final int BUFFER_BYTES = 4 * 1024 * 1024;

    private final KafkaProducer<byte[], byte[]> producer;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile RuntimeException failure;

    private ContinuousProducer(String bootstrap, RecordLedger ledger, int run, Runnable onAcknowledged) {
        producer = KafkaClients.producer(bootstrap, Map.of(ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.BUFFER_MEMORY_CONFIG, BUFFER_BYTES));
        thread = new Thread(() -> sendUntilClosed(ledger, run, onAcknowledged), "producer-run-" + run);
    }

    static ContinuousProducer start(String bootstrap, RecordLedger ledger, int run, Runnable onAcknowledged) {
        ContinuousProducer producer = new ContinuousProducer(bootstrap, ledger, run, onAcknowledged);
        producer.thread.start();
        return producer;
    }

    private void sendUntilClosed(RecordLedger ledger, int run, Runnable onAcknowledged) {
        try {
            for (long n = 0; running; n++) {
                ledger.send(producer, (int) (n % ledger.partitionCount()), run, onAcknowledged);
            }
        } catch (KafkaException | IllegalStateException e) {
            // A send blocked on a full buffer, or started, while the producer was being closed.
            if (running) {
                failure = e;
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        producer.close(Duration.ZERO);
        thread.join(JOIN_TIMEOUT.toMillis());
        if (thread.isAlive()) {
            throw new AssertionError(thread.getName() + " did not stop within " + JOIN_TIMEOUT);
        }
        if (failure != null) {
            throw new AssertionError("a send failed while the producer was running", failure);
        }
    }
}
