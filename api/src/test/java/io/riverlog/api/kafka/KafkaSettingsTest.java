package io.riverlog.api.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import com.typesafe.config.ConfigFactory;

import io.riverlog.settings.SettingOutOfRangeException;

class KafkaSettingsTest {
    private static final String NETWORK_THREADS = "riverlog.kafka.network-threads";

    @Test
    void zeroNetworkThreadsMeansOnePerAvailableProcessor() {
        assertThat(ConfigFactory.load().getInt(NETWORK_THREADS)).as("the default").isZero();
        assertThat(withNetworkThreads(0).networkThreads()).isEqualTo(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void aPositiveNumberOfNetworkThreadsIsTakenAsItIs() {
        assertThat(withNetworkThreads(3).networkThreads()).isEqualTo(3);
        assertThat(withNetworkThreads(KafkaSettings.MAX_NETWORK_THREADS).networkThreads()).isEqualTo(256);
    }

    @Test
    void networkThreadsOutOfRangeAreRefusedByName() {
        for (int outOfRange : new int[] {-1, KafkaSettings.MAX_NETWORK_THREADS + 1}) {
            assertThatThrownBy(() -> withNetworkThreads(outOfRange)).isInstanceOf(SettingOutOfRangeException.class)
                    .hasMessage(NETWORK_THREADS + " = " + outOfRange
                            + " is out of range: it must be between 0 and 256");
        }
    }

    @Test
    void clientsAreToldTheAdvertisedHostTheBoundHostOrForAWildcardTheMachinesName() {
        assertThat(with(Map.of("riverlog.kafka.host", "0.0.0.0", "riverlog.kafka.advertised-host", "broker-1.example"))
                .advertisedHostOrBind()).isEqualTo("broker-1.example");
        assertThat(with(Map.of("riverlog.kafka.host", "127.0.0.2")).advertisedHostOrBind()).isEqualTo("127.0.0.2");
        for (String wildcard : new String[] {"0.0.0.0", "::", "[::]", "0:0:0:0:0:0:0:0"}) {
            assertThat(with(Map.of("riverlog.kafka.host", wildcard)).advertisedHostOrBind()).as(wildcard)
                    .isEqualTo(MachineName.get()).isNotEqualTo(wildcard).isNotBlank();
        }
        assertThat(KafkaSettings.isWildcard("broker.example")).as("a name is never resolved to decide").isFalse();
    }

    private static KafkaSettings with(Map<String, Object> settings) {
        return KafkaSettings.fromConfig(ConfigFactory.parseMap(settings).withFallback(ConfigFactory.load()));
    }

    private static KafkaSettings withNetworkThreads(int threads) {
        return KafkaSettings.fromConfig(ConfigFactory.parseMap(Map.of(NETWORK_THREADS, threads))
                .withFallback(ConfigFactory.load()));
    }
}
