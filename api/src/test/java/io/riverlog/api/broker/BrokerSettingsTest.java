package io.riverlog.api.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;

class BrokerSettingsTest {
    /** Read by Pekko for its dispatchers, not by the broker's settings. */
    private static final List<String> DISPATCHERS = List.of("riverlog.blocking-io-dispatcher.",
            "riverlog.cleaner-dispatcher.");
    /** Read by CallbackPool, which sizes the JVM's common pool before the broker starts; not a broker setting. */
    private static final String CALLBACK_THREADS = "riverlog.callback-threads";

    @Test
    void theDefaultsOfEveryModuleAreInRange() {
        BrokerSettings settings = BrokerSettings.fromConfig(ConfigFactory.load());
        assertThat(settings.topics().partition().log().segmentBytes()).isEqualTo(1 << 30);
    }

    @Test
    void everyNumberSizeAndDurationOfTheBrokerIsCheckedAndRefusedByItsFullPath() {
        Config defaults = ConfigFactory.load();
        List<String> checked = new ArrayList<>();
        for (Map.Entry<String, ConfigValue> setting : defaults.getConfig("riverlog").entrySet()) {
            String path = "riverlog." + setting.getKey();
            Object belowEveryRange = belowEveryRange(defaults, path);
            boolean notTheBrokers = DISPATCHERS.stream().anyMatch(path::startsWith) || path.equals(CALLBACK_THREADS);
            if (notTheBrokers || belowEveryRange == null) {
                continue;
            }
            Config config = ConfigFactory.parseMap(Map.of(path, belowEveryRange)).withFallback(defaults);
            assertThatThrownBy(() -> BrokerSettings.fromConfig(config)).as(path).isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith(path + " = ");
            checked.add(path);
        }
        assertThat(checked).contains("riverlog.log.segment-bytes", "riverlog.log.retention-ms",
                "riverlog.partition.all-buffers-max-bytes", "riverlog.kafka.port", "riverlog.http.ndjson-batch-linger",
                "riverlog.groups.consumer.heartbeat-interval", "riverlog.metrics.latency-buckets",
                "riverlog.streams.max-bytes-per-read", "riverlog.shutdown-timeout").hasSizeGreaterThan(40);
    }

    /**
     * -2 for a number or size, -2s for a duration (or each of a list of them): below the range of
     * every such setting. Null for a setting that is none of these (a name, a flag, a path).
     */
    private static Object belowEveryRange(Config config, String path) {
        ConfigValue value = config.getValue(path);
        switch (value.valueType()) {
            case NUMBER:
                return -2;
            case LIST:
                return parses(() -> config.getDurationList(path)) ? List.of("-2s") : null;
            case STRING:
                if (parses(() -> config.getDuration(path))) {
                    return "-2s";
                }
                return parses(() -> config.getBytes(path)) ? -2 : null;
            default:
                return null;
        }
    }

    private static boolean parses(Runnable read) {
        try {
            read.run();
            return true;
        } catch (ConfigException e) {
            return false;
        }
    }
}
