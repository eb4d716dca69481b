package io.riverlog.testkit.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.riverlog.testkit.Batches;
import io.riverlog.testkit.BrokerProcess;
import io.riverlog.testkit.KafkaClients;

/**
 * A WebSocket reader that reads slowly while a Kafka producer writes: it stays at most a quarter of
 * the way behind the producer, so when production ends most of what was produced is still unread.
 * The broker (a separate process with a 256 MiB heap) must hold that reader back rather than buffer
 * for it: its live heap grows by less than half of what the reader has not read yet. Then the
 * reader drains the socket and gets every record once, in order. 20 MB by default; 100 MB with
 * {@code -Pvolume}.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SlowWebSocketReaderIT {
    private static final int VALUE_BYTES = 1_000;
    private static final long MEGABYTE = 1_000_000;
    private static final int READER_SHARE = 4;
    private static final Duration FRAME_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration WAIT_SLICE = Duration.ofMillis(200);

    @TempDir
    Path dir;

    /** Records acknowledged to the producer; the reader waits on it. */
    private final Object progress = new Object();
    private long acked;
    private boolean producing = true;

    @Test
    void aSlowWebSocketReaderIsHeldBackNotBufferedForAndGetsEveryRecordInOrder() throws Exception {
        readSlowlyWhileProducing(20);
    }

    @Test
    @Tag("volume")
    void aSlowWebSocketReaderOf100MegabytesIsHeldBackNotBufferedFor() throws Exception {
        readSlowlyWhileProducing(100);
    }

    private void readSlowlyWhileProducing(long megabytes) throws Exception {
        assumeTrue(BrokerHeap.available(), "jcmd is not in this JDK: the broker's heap cannot be measured");
        int total = (int) (megabytes * MEGABYTE / VALUE_BYTES);
        Path config = dir.resolve("small-buffer.conf");
        // A small tail buffer, so that what the partition rightly keeps in memory is small beside the lag.
        Files.writeString(config, "riverlog.partition.buffer-max-bytes = 1 MiB\n", StandardCharsets.UTF_8);
        try (BrokerProcess broker = BrokerProcess.start(dir.resolve("data"), List.of("-Xmx256m"),
                "--config", config.toString())) {
            HttpCalls http = new HttpCalls(broker.httpUrl());
            http.createTopic("firehose", 1);
            long baselineHeap = BrokerHeap.settledAfterGc(broker.pid());

            try (WebSocketReader socket = WebSocketReader.open(http, "/v1/topics/firehose/partitions/0/ws?offset=0")) {
                long[] read = {0};
                String[] heldObjects = {""};
                CompletableFuture<long[]> atEndOfProduction = CompletableFuture.supplyAsync(() -> {
                    produce(broker.bootstrapServers(), total);
                    try {
                        long unread = total - readSoFar(read);
                        long heapGrowth = BrokerHeap.settledAfterGc(broker.pid()) - baselineHeap;
                        if (heapGrowth >= unread * VALUE_BYTES / 2) {
                            heldObjects[0] = BrokerHeap.histogram(broker.pid(), 12);
                        }
                        return new long[] {unread, heapGrowth};
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    } finally {
                        synchronized (progress) {
                            producing = false;
                            progress.notifyAll();
                        }
                    }
                });
                for (int i = 0; i < total; i++) {
                    waitWhileTooFarAhead(i, atEndOfProduction);
                    JsonNode frame = socket.next(FRAME_TIMEOUT);
                    assertThat(frame).as("frame %d", i).isNotNull();
                    assertThat(frame.get("offset").asLong()).isEqualTo(i);
                    assertThat(frame.get("value").asText())
                            .isEqualTo(new String(Batches.value("fire", i, VALUE_BYTES), StandardCharsets.UTF_8));
                    synchronized (progress) {
                        read[0] = i + 1;
                    }
                }
                long[] measured = atEndOfProduction.get(KafkaClients.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                long unreadBytes = measured[0] * VALUE_BYTES;
                long heapGrowth = measured[1];
                System.out.printf("slow WebSocket reader: %d MB produced, %d MB unread at the end of production,"
                        + " broker heap grew by %.1f MiB (after GC)%n", megabytes, unreadBytes / MEGABYTE,
                        heapGrowth / (1024.0 * 1024));
                assertThat(unreadBytes).as("the reader was far behind")
                        .isGreaterThanOrEqualTo(total * VALUE_BYTES * 7L / 10);
                assertThat(heapGrowth).as("the broker held the reader back instead of buffering what it had not read;"
                                + " its heap held:%n%s", heldObjects[0])
                        .isLessThan(unreadBytes / 2);
            }
        }
    }

    private long readSoFar(long[] read) {
        synchronized (progress) {
            return read[0];
        }
    }

    /**
     * While the producer runs, the reader takes record {@code next} only once four times as many were
     * acknowledged. (A producer that fails ends the wait; one that hangs is ended by the test's timeout.)
     */
    private void waitWhileTooFarAhead(long next, CompletableFuture<?> production) throws InterruptedException {
        synchronized (progress) {
            while (producing && (next + 1) * READER_SHARE > acked && !production.isCompletedExceptionally()) {
                progress.wait(WAIT_SLICE.toMillis());
            }
        }
    }

    private void produce(String bootstrap, int total) {
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(bootstrap, Map.of(
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024, ProducerConfig.LINGER_MS_CONFIG, 5))) {
            for (int i = 0; i < total; i++) {
                producer.send(new ProducerRecord<>("firehose", 0, null, Batches.value("fire", i, VALUE_BYTES)),
                        (metadata, error) -> {
                            if (error == null) {
                                synchronized (progress) {
                                    acked++;
                                    progress.notifyAll();
                                }
                            }
                        });
            }
            producer.flush();
        }
        synchronized (progress) {
            if (acked != total) {
                throw new AssertionError("only " + acked + " of " + total + " records were acknowledged");
            }
        }
    }
}
