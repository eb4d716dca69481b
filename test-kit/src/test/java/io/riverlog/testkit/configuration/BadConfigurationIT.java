package io.riverlog.testkit.configuration;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.testkit.BrokerProcess;

/**
 * A setting the broker cannot use ends the broker process at start, as a bad flag does: one line
 * on standard error that names the setting, and exit code 2; nothing is created in the data directory.
 * So does a key under {@code riverlog} that is not a setting, from a config file or a system property.
 */
class BadConfigurationIT {
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(60);
    private static final int EXIT_USAGE = 2;

    @TempDir
    Path dir;

    @Test
    void aSegmentSizeOutOfRangeInAConfigFileIsOneLineAndExitCodeTwo() throws Exception {
        assertRefusedAtStart("riverlog.log.segment-bytes = 4.5 GiB",
                "riverlog: bad configuration: riverlog.log.segment-bytes = 4831838208"
                + " is out of range: it must be between 61 and 2147483647 bytes\n");
    }

    /** Read before the broker starts, to size the JVM's common pool, from the same configuration. */
    @Test
    void aCallbackPoolSizeOutOfRangeInAConfigFileEndsItTheSameWay() throws Exception {
        assertRefusedAtStart("riverlog.callback-threads = 0",
                "riverlog: bad configuration: riverlog.callback-threads = 0"
                + " is out of range: it must be between 1 and 32767\n");
    }

    @Test
    void aNumberOfNetworkThreadsOutOfRangeEndsItTheSameWay() throws Exception {
        assertRefusedAtStart("riverlog.kafka.network-threads = 257",
                "riverlog: bad configuration: riverlog.kafka.network-threads = 257"
                + " is out of range: it must be between 0 and 256\n");
    }

    @Test
    void aMistypedKeyInAConfigFileIsNamedWithItsFileAndLine() throws Exception {
        Path configFile = dir.resolve("riverlog.conf");
        assertRefusedAtStart("riverlog.kafka.prot = 9093", "riverlog: bad configuration: riverlog.kafka.prot ("
                + configFile + ": 1) is not a setting (did you mean riverlog.kafka.port?)\n");
    }

    @Test
    void aKeyThatMovedSaysWhereTo() throws Exception {
        Path configFile = dir.resolve("riverlog.conf");
        assertRefusedAtStart("riverlog.kafka.max-message-bytes = 2000000",
                "riverlog: bad configuration: riverlog.kafka.max-message-bytes (" + configFile
                + ": 1) was moved to riverlog.partition.max-message-bytes\n");
    }

    @Test
    void anUnknownKeyInASystemPropertyEndsItTheSameWay() throws Exception {
        assertRefused(List.of("-Driverlog.kafka.max-message-bytes=2000000"),
                "riverlog: bad configuration: riverlog.kafka.max-message-bytes"
                + " (system properties) was moved to riverlog.partition.max-message-bytes\n");
    }

    @Test
    void aBadFlagEndsItTheSameWay() throws Exception {
        BrokerProcess.Exit exit = BrokerProcess.runUntilExit(dir.resolve("data"), EXIT_TIMEOUT, "--kafka-port", "many");

        assertThat(exit.code()).as(exit.errors()).isEqualTo(EXIT_USAGE);
        assertThat(exit.errors()).startsWith("riverlog: ").contains("--kafka-port").hasLineCount(1);
    }

    /** A broker started with {@code setting} in a config file ends with {@code errors} and exit code 2. */
    private void assertRefusedAtStart(String setting, String errors) throws Exception {
        Path configFile = dir.resolve("riverlog.conf");
        Files.writeString(configFile, setting + "\n");
        assertRefused(List.of(), errors, "--config", configFile.toString());
    }

    /** A broker started with {@code jvmArgs} and {@code args} ends with {@code errors} and exit code 2. */
    private void assertRefused(List<String> jvmArgs, String errors, String... args) throws Exception {
        Path dataDir = dir.resolve("data");

        BrokerProcess.Exit exit = BrokerProcess.runUntilExit(dataDir, EXIT_TIMEOUT, jvmArgs, args);

        assertThat(exit.code()).as(exit.errors()).isEqualTo(EXIT_USAGE);
        assertThat(exit.errors()).isEqualTo(errors);
        assertThat(dataDir).doesNotExist();
    }
}
