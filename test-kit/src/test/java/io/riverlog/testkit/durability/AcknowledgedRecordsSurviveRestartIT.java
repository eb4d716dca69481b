package io.riverlog.testkit.durability;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.riverlog.testkit.BrokerProcess;
import io.riverlog.testkit.KafkaClients;

/**
 * The volume plan: records of 1 KiB ({@link SequencedRecords}) to topics of one and of three
 * partitions of a real broker process, every send acknowledged (acks=all, idempotent), then a
 * graceful restart (SIGTERM) or a crash (kill -9), then a kafka-clients consumer reads each
 * partition from offset 0 ({@link RecordLedger#checkLog}): exactly the records sent, at their
 * acknowledged offsets, byte for byte, in the order sent, without gaps or duplicates.
 *
 * <p>The default build runs the small volumes, all of them on one broker per kind of restart (a
 * restart costs seconds). The volume profile ({@code -Pvolume}) runs each large volume on a broker
 * of its own, whose data is deleted after it.
 */
class AcknowledgedRecordsSurviveRestartIT {
    private static final Logger log = LoggerFactory.getLogger(AcknowledgedRecordsSurviveRestartIT.class);
    private static final int[] SMALL_RECORD_COUNTS = {100, 500, 1_000, 5_000};
    private static final int[] LARGE_RECORD_COUNTS = {50_000, 500_000};
    private static final int[] PARTITION_COUNTS = {1, 3};

    enum Restart { SIGTERM, KILL_9 }

    /** {@code records} records sent round-robin to a topic of {@code partitions} partitions. */
    record Volume(int records, int partitions) {
        String topic() {
            return "volume-" + records + "x" + partitions;
        }

        @Override
        public String toString() {
            return records + " records to " + partitions + (partitions == 1 ? " partition" : " partitions");
        }
    }

    /**
     * Kept when the test fails: the broker's data and its output
     * ({@link BrokerProcess#outputFile()}) are the evidence.
     */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tmp;

    static Stream<Arguments> smallVolumes() {
        List<Volume> all = new ArrayList<>();
        for (int records : SMALL_RECORD_COUNTS) {
            for (int partitions : PARTITION_COUNTS) {
                all.add(new Volume(records, partitions));
            }
        }
        return Stream.of(Restart.values()).map(restart -> Arguments.of(restart, all));
    }

    static Stream<Arguments> largeVolumes() {
        List<Arguments> out = new ArrayList<>();
        for (int records : LARGE_RECORD_COUNTS) {
            for (int partitions : PARTITION_COUNTS) {
                for (Restart restart : Restart.values()) {
                    out.add(Arguments.of(restart, List.of(new Volume(records, partitions))));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("smallVolumes")
    void everyAcknowledgedRecordIsReadBackAfterARestart(Restart restart, List<Volume> volumes) throws Exception {
        produceRestartAndCheck(restart, volumes);
    }

    @Tag("volume")
    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("largeVolumes")
    void everyAcknowledgedRecordOfALargeVolumeIsReadBackAfterARestart(Restart restart, List<Volume> volumes)
            throws Exception {
        produceRestartAndCheck(restart, volumes);
    }

    private void produceRestartAndCheck(Restart restart, List<Volume> volumes) throws Exception {
        try (BrokerProcess broker = BrokerProcess.start(tmp.resolve("data"))) {
            log.info("{} {}: broker output in {}", restart, volumes, broker.outputFile());
            List<RecordLedger> ledgers = volumes.stream()
                    .map(volume -> new RecordLedger(volume.topic(), volume.partitions())).toList();
            try (Admin admin = KafkaClients.admin(broker.bootstrapServers())) {
                admin.createTopics(volumes.stream().map(v -> new NewTopic(v.topic(), v.partitions(), (short) 1))
                        .toList()).all().get();
            }
            long started = System.nanoTime();
            try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(broker.bootstrapServers(),
                    Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
                for (int v = 0; v < volumes.size(); v++) {
                    for (int i = 0; i < volumes.get(v).records(); i++) {
                        ledgers.get(v).send(producer, i % volumes.get(v).partitions(), 0, () -> { });
                    }
                }
                producer.flush();
            }
            for (RecordLedger ledger : ledgers) {
                assertThat(ledger.acknowledged()).as("acknowledged records of %s", ledger.topic())
                        .isEqualTo(ledger.sent());
            }
            long produced = System.nanoTime();

            if (restart == Restart.SIGTERM) {
                assertThat(broker.stop()).as("exit code after SIGTERM").isZero();
            } else {
                broker.kill();
            }
            broker.restart();
            long restarted = System.nanoTime();

            List<Long> read = RecordLedger.checkLogs(broker.bootstrapServers(), ledgers);
            assertThat(read).as("records read of %s", volumes)
                    .isEqualTo(volumes.stream().map(volume -> (long) volume.records()).toList());
            log.info("{} {}: produced in {} ms, restarted in {} ms, read and checked in {} ms", restart, volumes,
                    (produced - started) / 1_000_000, (restarted - produced) / 1_000_000,
                    (System.nanoTime() - restarted) / 1_000_000);
        }
    }
}
