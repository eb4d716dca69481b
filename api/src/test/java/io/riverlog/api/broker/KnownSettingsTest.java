package io.riverlog.api.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;

/**
 * A key under {@code riverlog} that no reference.conf has is refused, named with where it was set, as
 * the configuration {@code Main} builds holds it: a {@code --config} file over the defaults.
 */
class KnownSettingsTest {
    @TempDir
    Path dir;

    @Test
    void everyDefaultIsASetting() {
        assertThatCode(() -> KnownSettings.check(BrokerConfig.defaults())).doesNotThrowAnyException();
    }

    @Test
    void aKnownSettingInAFileIsTaken() {
        assertThatCode(() -> KnownSettings.check(withFile("riverlog.kafka.port = 9093\n"
                + "riverlog.groups.consumer.assignors = [range]\n"))).doesNotThrowAnyException();
    }

    @Test
    void aTypoIsNamedWithItsFileAndLineAndTheSettingItMisses() throws IOException {
        Path file = dir.resolve("riverlog.conf");
        Files.writeString(file, "# ports\nriverlog.kafka.prot = 9093\n");

        assertThatThrownBy(() -> KnownSettings.check(withFile(file)))
                .isInstanceOf(KnownSettings.UnknownSettingException.class)
                .hasMessage("riverlog.kafka.prot (" + file + ": 2) is not a setting"
                        + " (did you mean riverlog.kafka.port?)");
    }

    @Test
    void aMovedSettingSaysWhereItMoved() throws IOException {
        Path file = dir.resolve("riverlog.conf");
        Files.writeString(file, "riverlog {\n  kafka {\n    max-message-bytes = 2000000\n  }\n}\n");

        assertThatThrownBy(() -> KnownSettings.check(withFile(file))).hasMessage("riverlog.kafka.max-message-bytes ("
                + file + ": 3) was moved to riverlog.partition.max-message-bytes");
    }

    @Test
    void aSettingUnderAnotherParentIsSuggested() {
        assertThatThrownBy(() -> KnownSettings.check(withFile("riverlog.kafka.fsync-policy = os")))
                .hasMessageEndingWith(" is not a setting (did you mean riverlog.partition.fsync-policy?)");
        assertThatThrownBy(() -> KnownSettings.check(withFile("riverlog.streams.request-timeout = 1s")))
                .hasMessageEndingWith(
                        " (did you mean riverlog.cluster.request-timeout or riverlog.http.request-timeout or"
                        + " riverlog.kafka.request-timeout?)");
        assertThatThrownBy(() -> KnownSettings.check(withFile("riverlog.colour = blue")))
                .hasMessageEndingWith("riverlog.colour (String: 1) is not a setting");
    }

    /** One line for all of them, in the order of their keys; an unknown sub-tree is named once, at its top. */
    @Test
    void everyUnknownKeyIsNamedInOneLine() {
        Config config = withFile("riverlog {\n  kafak { port = 1, host = a }\n  log.segment-byte = 1 GiB\n"
                + "  \"odd.key\" = 1\n  typo {}\n}\n");

        assertThatThrownBy(() -> KnownSettings.check(config)).hasMessage(
                "riverlog.kafak (String: 2) is not a setting (did you mean riverlog.kafka?); "
                + "riverlog.log.segment-byte (String: 3) is not a setting (did you mean riverlog.log.segment-bytes?); "
                + "riverlog.\"odd.key\" (String: 4) is not a setting; "
                + "riverlog.typo (String: 5) is not a setting");
    }

    @Test
    void systemPropertiesCountToo() {
        Properties properties = new Properties();
        properties.setProperty("riverlog.kafka.max-message-bytes", "2000000");
        properties.setProperty("riverlog.fuzz.seed", "7");
        Config config = ConfigFactory.parseProperties(properties,
                ConfigParseOptions.defaults().setOriginDescription("system properties"))
                .withFallback(BrokerConfig.defaults());

        assertThatThrownBy(() -> KnownSettings.check(config)).hasMessage(
                "riverlog.fuzz (system properties) is not a setting; riverlog.kafka.max-message-bytes"
                + " (system properties) was moved to riverlog.partition.max-message-bytes");
    }

    /** Pekko reads the dispatcher's configuration, with keys of its own; and keys outside riverlog are Pekko's. */
    @Test
    void theDispatchersSubTreeAndOtherNamespacesAreOpen() {
        assertThatCode(() -> KnownSettings.check(withFile("""
                riverlog.blocking-io-dispatcher {
                  executor = fork-join-executor
                  fork-join-executor { parallelism-min = 2, parallelism-max = 8 }
                }
                pekko.actor.some-setting-pekko-knows = 1
                """))).doesNotThrowAnyException();
    }

    /** A value where a sub-tree belongs, or the other way round, is left to the reader of the setting. */
    @Test
    void aValueOfTheWrongShapeIsNotAnUnknownKey() {
        assertThatCode(() -> KnownSettings.check(withFile("riverlog.log.segment-bytes { size = 1 }")))
                .doesNotThrowAnyException();
        assertThatCode(() -> KnownSettings.check(withFile("riverlog.log = 1"))).doesNotThrowAnyException();
    }

    @Test
    void everyRetiredKeyIsGoneAndEveryKeyItNamesIsASetting() {
        Config defaults = BrokerConfig.defaults();
        Pattern settings = Pattern.compile("riverlog\\.[a-z.-]*[a-z]");
        KnownSettings.RETIRED.forEach((key, fate) -> {
            assertThat(defaults.hasPath(key)).as(key).isFalse();
            Matcher named = settings.matcher(fate);
            while (named.find()) {
                assertThat(defaults.hasPath(named.group())).as("%s %s", key, fate).isTrue();
            }
        });
    }

    @Test
    void editsCountInsertionsDeletionsAndSubstitutions() {
        assertThat(KnownSettings.edits("port", "port")).isZero();
        assertThat(KnownSettings.edits("prot", "port")).isEqualTo(2);
        assertThat(KnownSettings.edits("segment-byte", "segment-bytes")).isEqualTo(1);
        assertThat(KnownSettings.edits("", "log")).isEqualTo(3);
        assertThat(KnownSettings.edits("kafka", "http")).isEqualTo(5);
    }

    /** {@code file} over the broker's defaults, as {@code Main} builds them. */
    private static Config withFile(Path file) {
        return ConfigFactory.parseFile(file.toFile()).withFallback(BrokerConfig.defaults()).resolve();
    }

    private static Config withFile(String text) {
        return ConfigFactory.parseString(text).withFallback(BrokerConfig.defaults()).resolve();
    }
}
