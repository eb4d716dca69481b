package io.riverlog.testkit.configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.ConfigException;

import io.riverlog.testkit.EmbeddedBroker;

/**
 * A test's settings for an embedded broker are checked as {@code bin/riverlog} checks a config file: a
 * key under {@code riverlog} that is not a setting is refused before anything starts, so that a test
 * cannot run with a default it meant to change.
 */
class EmbeddedBrokerSettingsTest {
    @TempDir
    Path dataDir;

    @Test
    void aKeyThatIsNotASettingIsRefusedBeforeTheBrokerStarts() {
        assertThatThrownBy(() -> EmbeddedBroker.start(dataDir, Map.of("riverlog.kafka.max-message-bytes", 2_000_000)))
                .isInstanceOf(ConfigException.class)
                .hasMessage("riverlog.kafka.max-message-bytes (hardcoded value)"
                        + " was moved to riverlog.partition.max-message-bytes");
        assertThat(dataDir).isEmptyDirectory();
    }
}
