package io.riverlog.actors.topics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;

import org.apache.kafka.common.compress.Compression;
import org.junit.jupiter.api.Test;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.partition.AppendPolicy;
import io.riverlog.actors.partition.PartitionSettings;
import io.riverlog.actors.partition.StoredCompression;
import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.LogConfig;

class TopicConfigsTest {
    private static final PartitionSettings SETTINGS = PartitionSettings.fromConfig(ConfigFactory.load());
    private static final LogConfig DEFAULTS = SETTINGS.log();

    @Test
    void topicConfigsOverrideTheBrokerDefaultsOfTheirLogSettings() {
        LogConfig config = TopicConfigs.logConfig(DEFAULTS, Map.of("retention.ms", "60000", "retention.bytes", "1024",
                "segment.bytes", "4096", "segment.ms", "5000", "index.interval.bytes", "512",
                "file.delete.delay.ms", "7"));

        assertThat(config.retentionMs()).isEqualTo(60_000);
        assertThat(config.retentionBytes()).isEqualTo(1024);
        assertThat(config.segmentBytes()).isEqualTo(4096);
        assertThat(config.segmentMs()).isEqualTo(5000);
        assertThat(config.indexIntervalBytes()).isEqualTo(512);
        assertThat(config.segmentDeleteDelayMs()).isEqualTo(7);
        assertThat(config.deletesByRetention()).isTrue();
        assertThat(config.recoveryReadBytes()).isEqualTo(DEFAULTS.recoveryReadBytes());
        assertThat(TopicConfigs.logConfig(DEFAULTS, Map.of())).isEqualTo(DEFAULTS);
    }

    @Test
    void compressionTypeAndItsLevelGiveTheCodecBatchesAreStoredIn() {
        assertThat(TopicConfigs.compression(Map.of())).isEqualTo(StoredCompression.PRODUCER);
        assertThat(TopicConfigs.compression(Map.of("compression.type", "producer", "compression.zstd.level", "9")))
                .isEqualTo(StoredCompression.PRODUCER);
        assertThat(TopicConfigs.compression(Map.of("compression.type", "uncompressed")))
                .isEqualTo(StoredCompression.of(Compression.NONE));
        assertThat(TopicConfigs.compression(Map.of("compression.type", "snappy")))
                .isEqualTo(StoredCompression.of(Compression.snappy().build()));
        assertThat(TopicConfigs.compression(Map.of("compression.type", "gzip")))
                .isEqualTo(StoredCompression.of(Compression.gzip().level(-1).build()));
        assertThat(TopicConfigs.compression(Map.of("compression.type", "lz4", "compression.lz4.level", "17",
                "compression.zstd.level", "1"))).isEqualTo(StoredCompression.of(Compression.lz4().level(17).build()));
        assertThat(TopicConfigs.compression(Map.of("compression.type", " zstd ")))
                .isEqualTo(StoredCompression.of(Compression.zstd().level(3).build()));
        assertThat(TopicConfigs.appendPolicy(SETTINGS.appendPolicy(), Map.of("compression.type", "zstd",
                "compression.zstd.level", "-5")).compression())
                .isEqualTo(StoredCompression.of(Compression.zstd().level(-5).build()));
    }

    @Test
    void aCompactedOnlyTopicIsNotDeletedByRetention() {
        assertThat(TopicConfigs.logConfig(DEFAULTS, Map.of("cleanup.policy", "compact")).deletesByRetention())
                .isFalse();
        assertThat(TopicConfigs.logConfig(DEFAULTS, Map.of("cleanup.policy", "compact,delete")).deletesByRetention())
                .isTrue();
        assertThat(TopicConfigs.logConfig(DEFAULTS, Map.of("cleanup.policy", "delete")).deletesByRetention())
                .isTrue();
    }

    @Test
    void topicConfigsOverrideTheBrokerDefaultsOfTheAppendRules() {
        AppendPolicy defaults = SETTINGS.appendPolicy();
        assertThat(defaults).isEqualTo(new AppendPolicy(1_048_588, false, Long.MAX_VALUE, 3_600_000, false,
                StoredCompression.PRODUCER));

        AppendPolicy policy = TopicConfigs.appendPolicy(defaults, Map.of("max.message.bytes", "2048",
                "message.timestamp.type", "LogAppendTime", "message.timestamp.before.max.ms", "10",
                "message.timestamp.after.max.ms", "20"));

        assertThat(policy).isEqualTo(new AppendPolicy(2048, true, 10, 20, false, StoredCompression.PRODUCER));
        assertThat(TopicConfigs.appendPolicy(defaults, Map.of())).isEqualTo(defaults);
    }

    @Test
    void everyTopicConfigOfKafkaIsTakenWithItsDefault() {
        assertThat(TopicConfigCatalog.keys()).hasSize(37).containsKeys("cleanup.policy", "compression.type",
                "min.insync.replicas", "message.timestamp.type", "segment.ms", "max.message.bytes",
                "unclean.leader.election.enable", "min.cleanable.dirty.ratio", "leader.replication.throttled.replicas");
        TopicConfigCatalog.keys().values().forEach(key -> assertThat(TopicConfigs.problemWith(
                Map.of(key.name(), TopicConfigCatalog.render(key, key.kafkaDefault())))).as(key.name()).isEmpty());
    }

    @Test
    void unknownKeysAndValuesOutOfRangeAreExplainedAsKafkaExplainsThem() {
        assertThat(TopicConfigs.problemWith(Map.of("retention.hours", "1")))
                .hasValue("Unknown topic config name: retention.hours");
        assertThat(TopicConfigs.problemWith(Map.of("cleanup.policy", "shred"))).hasValueSatisfying(
                problem -> assertThat(problem).contains("cleanup.policy", "shred", "compact", "delete"));
        assertThat(TopicConfigs.problemWith(Map.of("message.timestamp.type", "Now"))).hasValueSatisfying(
                problem -> assertThat(problem).contains("message.timestamp.type", "CreateTime", "LogAppendTime"));
        assertThat(TopicConfigs.problemWith(Map.of("min.cleanable.dirty.ratio", "1.5"))).isPresent();
        assertThat(TopicConfigs.problemWith(Map.of("min.insync.replicas", "0"))).isPresent();
        assertThat(TopicConfigs.problemWith(Map.of("compression.gzip.level", "10"))).isPresent();
        assertThat(TopicConfigs.problemWith(Map.of("compression.gzip.level", "-1"))).isEmpty();
        assertThat(TopicConfigs.problemWith(Map.of("preallocate", "maybe"))).isPresent();
        assertThat(TopicConfigs.problemWith(Map.of("remote.storage.enable", "true"))).isPresent();
        assertThat(TopicConfigs.problemWith(Map.of("leader.replication.throttled.replicas", "0:1,1:1"))).isEmpty();
        assertThat(TopicConfigs.problemWith(Map.of("leader.replication.throttled.replicas", "0-1"))).isPresent();
        assertThat(TopicConfigs.problemWith(Map.of("retention.ms", "1h"))).isPresent();
        assertThat(TopicConfigs.problemWith(Map.of("retention.ms", "-2"))).isPresent();
        assertThat(TopicConfigs.problemWith(Map.of("segment.bytes", Integer.toString(BatchFormat.HEADER_BYTES - 1))))
                .isPresent();
        assertThat(TopicConfigs.problemWith(Map.of("segment.bytes", Long.toString(1L << 31)))).isPresent();
        assertThat(TopicConfigs.problemWith(Map.of("retention.ms", "-1", "retention.bytes", " 10 ",
                "segment.bytes", Integer.toString(BatchFormat.HEADER_BYTES), "cleanup.policy", "compact,delete")))
                .isEmpty();
    }

    @Test
    void changesAreCheckedAgainstTheConfigsTheyApplyTo() {
        assertThat(TopicConfigs.problemWithChanges(Map.of(), Map.of("segment.hours", Optional.empty())))
                .isPresent();
        assertThat(TopicConfigs.problemWithChanges(Map.of(), Map.of("segment.ms", Optional.empty()))).isEmpty();
        assertThat(TopicConfigs.problemWithChanges(Map.of("max.compaction.lag.ms", "100"),
                Map.of("min.compaction.lag.ms", Optional.of("200")))).hasValueSatisfying(
                        problem -> assertThat(problem).contains("min.compaction.lag.ms", "max.compaction.lag.ms"));
    }

    @Test
    void changesSetPresentValuesAndRemoveEmptyOnes() {
        Map<String, String> result = TopicConfigs.applyChanges(Map.of("retention.ms", "1", "segment.bytes", "4096"),
                Map.of("retention.ms", Optional.empty(), "retention.bytes", Optional.of(" 7 ")));
        assertThat(result).containsExactly(Map.entry("retention.bytes", "7"), Map.entry("segment.bytes", "4096"));
    }
}
