package io.riverlog.testkit.durability;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;

import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.riverlog.testkit.BrokerProcess;
import io.riverlog.testkit.Conditions;
import io.riverlog.testkit.KafkaClients;

/**
 * A real broker process killed with kill -9 again and again while an idempotent acks=all producer
 * sends records of 1 KiB to three partitions, whose segments roll every MiB. Each kill comes after a random number of
 * acknowledgements; after each restart the whole topic is read and checked against the
 * {@link RecordLedger}: every acknowledged record at its offset, byte for byte; only unacknowledged
 * tails of a producer's records missing; no gaps, no duplicates. A new producer starts after each
 * restart. At the end the broker is stopped gracefully and the log must read back unchanged.
 *
 * <p>The random numbers come from a seed that is logged; {@code -Driverlog.kill-loop.seed=N}
 * repeats a run's choices.
 */
class AcknowledgedRecordsSurviveRepeatedKillsIT {
    private static final Logger log = LoggerFactory.getLogger(AcknowledgedRecordsSurviveRepeatedKillsIT.class);
    private static final String SEED_PROPERTY = "riverlog.kill-loop.seed";
    private static final int PARTITIONS = 3;
    /** Small, so that segments roll all the time and some kills land on a roll. */
    private static final int SEGMENT_BYTES = 1024 * 1024;
    private static final Duration ACKNOWLEDGEMENTS_TIMEOUT = Duration.ofSeconds(60);

    /**
     * Kept when the test fails: the broker's data and its output
     * ({@link BrokerProcess#outputFile()}) are the evidence.
     */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tmp;

    @Test
    void acknowledgedRecordsSurviveThreeKills() throws Exception {
        killRepeatedly(3, 2_000);
    }

    @Tag("volume")
    @Test
    void acknowledgedRecordsSurviveThirtyKills() throws Exception {
        killRepeatedly(30, 10_000);
    }

    /** {@code kills} times: a kill after between 1 and {@code maxAcknowledgementsBeforeKill} new acknowledgements. */
    private void killRepeatedly(int kills, int maxAcknowledgementsBeforeKill) throws Exception {
        long seed = Long.getLong(SEED_PROPERTY, System.nanoTime());
        log.info("{} kills with seed {} (repeat with -D{}={})", kills, seed, SEED_PROPERTY, seed);
        try {
            killRepeatedly(kills, maxAcknowledgementsBeforeKill, new Random(seed));
        } catch (AssertionError e) {
            throw new AssertionError("with -D" + SEED_PROPERTY + "=" + seed + " (broker data and output kept in " + tmp
                    + "): " + e.getMessage(), e);
        }
    }

    private void killRepeatedly(int kills, int maxAcknowledgementsBeforeKill, Random random) throws Exception {
        Conditions acknowledgements = new Conditions();
        try (BrokerProcess broker = BrokerProcess.start(tmp.resolve("data"))) {
            RecordLedger ledger = new RecordLedger("kill-loop", PARTITIONS);
            KafkaClients.createTopic(broker.bootstrapServers(), ledger.topic(), PARTITIONS,
                    Map.of(TopicConfig.SEGMENT_BYTES_CONFIG, Integer.toString(SEGMENT_BYTES)));
            long read = 0;
            for (int run = 0; run < kills; run++) {
                long killAt = ledger.acknowledged() + 1 + random.nextInt(maxAcknowledgementsBeforeKill);
                try (ContinuousProducer producer = ContinuousProducer.start(broker.bootstrapServers(), ledger, run,
                        acknowledgements::changed)) {
                    acknowledgements.await("acknowledged records reach " + killAt, ACKNOWLEDGEMENTS_TIMEOUT,
                            () -> ledger.acknowledged() >= killAt, () -> "(" + ledger.acknowledged() + ")");
                    broker.kill();
                }
                long killed = System.nanoTime();
                broker.restart();
                long restarted = System.nanoTime();
                read = ledger.checkLog(broker.bootstrapServers());
                log.info("kill {}: {} records sent, {} acknowledged, {} read back; restarted in {} ms, read and"
                        + " checked in {} ms", run + 1, ledger.sent(), ledger.acknowledged(), read,
                        (restarted - killed) / 1_000_000, (System.nanoTime() - restarted) / 1_000_000);
                assertThat(read).isBetween(ledger.acknowledged(), ledger.sent());
            }
            assertThat(broker.stop()).as("exit code after SIGTERM").isZero();
            broker.restart();
            assertThat(ledger.checkLog(broker.bootstrapServers())).as("records read after a graceful restart")
                    .isEqualTo(read);
        }
    }
}
