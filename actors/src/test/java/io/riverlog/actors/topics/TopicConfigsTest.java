package io.riverlog.actors.topics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.typesafe.config.ConfigFactory;

import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.LogConfig;

class TopicConfigsTest {
    private static final LogConfig DEFAULTS = LogConfig.fromConfig(ConfigFactory.load());

    @Test
    void topicConfigsOverrideTheBrokerDefaultsOfTheirLogSettings() {
        LogConfig config = TopicConfigs.logConfig(DEFAULTS,
                Map.of("retention.ms", "60000", "retention.bytes", "1024", "segment.bytes", "4096"));

        assertThat(config.retentionMs()).isEqualTo(60_000);
        assertThat(config.retentionBytes()).isEqualTo(1024);
        assertThat(config.segmentBytes()).isEqualTo(4096);
        assertThat(config.indexIntervalBytes()).isEqualTo(DEFAULTS.indexIntervalBytes());
        assertThat(TopicConfigs.logConfig(DEFAULTS, Map.of())).isEqualTo(DEFAULTS);
    }

    @Test
    void unknownKeysAndValuesOutOfRangeAreExplained() {
        assertThat(TopicConfigs.problemWith(Map.of("cleanup.policy", "delete"))).hasValueSatisfying(
                problem -> assertThat(problem).contains("cleanup.policy", "retention.ms"));
        assertThat(TopicConfigs.problemWith(Map.of("retention.ms", "1h"))).isPresent();
        assertThat(TopicConfigs.problemWith(Map.of("retention.ms", "-2"))).isPresent();
        assertThat(TopicConfigs.problemWith(Map.of("segment.bytes", Integer.toString(BatchFormat.HEADER_BYTES - 1))))
                .isPresent();
        assertThat(TopicConfigs.problemWith(Map.of("segment.bytes", Long.toString(1L << 31)))).isPresent();
        assertThat(TopicConfigs.problemWith(Map.of("retention.ms", "-1", "retention.bytes", " 10 ",
                "segment.bytes", Integer.toString(BatchFormat.HEADER_BYTES)))).isEmpty();
        assertThat(TopicConfigs.problemWithChanges(Map.of("segment.ms", Optional.empty()))).isPresent();
    }

    @Test
    void changesSetPresentValuesAndRemoveEmptyOnes() {
        Map<String, String> result = TopicConfigs.applyChanges(Map.of("retention.ms", "1", "segment.bytes", "4096"),
                Map.of("retention.ms", Optional.empty(), "retention.bytes", Optional.of(" 7 ")));
        assertThat(result).containsExactly(Map.entry("retention.bytes", "7"), Map.entry("segment.bytes", "4096"));
    }
}
