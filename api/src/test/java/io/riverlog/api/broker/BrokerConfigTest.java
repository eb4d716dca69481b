package io.riverlog.api.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URL;
import java.time.Duration;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.typesafe.config.Config;

/** The broker's defaults: every module's reference.conf, and over them the Pekko settings the broker needs. */
class BrokerConfigTest {
    @Test
    void theDefaultsOfEveryModuleAreThere() {
        Config defaults = BrokerConfig.defaults();

        assertThat(defaults.getBytes("riverlog.log.segment-bytes")).as("wal-io").isEqualTo(1L << 30);
        assertThat(defaults.getString("riverlog.partition.fsync-policy")).as("actors").isEqualTo("batch");
        assertThat(defaults.getString("riverlog.blocking-io-dispatcher.type")).as("actors").isEqualTo("Dispatcher");
        assertThat(defaults.getBoolean("riverlog.streams.follow")).as("streams").isTrue();
        assertThat(defaults.getInt("riverlog.kafka.port")).as("api").isEqualTo(9092);
        assertThat(defaults.getInt("riverlog.callback-threads")).as("api").isEqualTo(4);
    }

    /**
     * Of several reference.conf files the first on the class path wins, and in the merged broker jar
     * Pekko's come after api's; the broker's Pekko settings must not depend on either order.
     */
    @Test
    void theBrokersPekkoSettingsWinOverPekkosOwnWhateverTheOrderOfTheClassPath() {
        ClassLoader loader = BrokerConfigTest.class.getClassLoader();
        for (ClassLoader classPath : List.of(loader, new ReversedResources(loader))) {
            Config defaults = BrokerConfig.defaults(classPath);

            assertThat(defaults.getString("pekko.http.server.parsing.max-content-length")).isEqualTo("infinite");
            assertThat(defaults.getDuration("pekko.http.server.request-timeout")).isEqualTo(Duration.ofSeconds(60));
            assertThat(defaults.getDuration("pekko.http.server.idle-timeout")).isEqualTo(Duration.ofSeconds(120));
            assertThat(defaults.getDuration("pekko.http.server.websocket.periodic-keep-alive-max-idle"))
                    .isEqualTo(Duration.ofSeconds(15));
            assertThat(defaults.getStringList("pekko.loggers"))
                    .containsExactly("org.apache.pekko.event.slf4j.Slf4jLogger");
            assertThat(defaults.getInt("pekko.log-dead-letters")).isZero();
            assertThat(defaults.getInt("riverlog.kafka.port")).isEqualTo(9092);
        }
    }

    /** Finds every resource in the reverse of its parent's order (so Pekko's reference.conf before api's). */
    private static final class ReversedResources extends ClassLoader {
        ReversedResources(ClassLoader parent) {
            super(parent);
        }

        @Override
        public Enumeration<URL> getResources(String name) throws IOException {
            List<URL> urls = Collections.list(getParent().getResources(name));
            Collections.reverse(urls);
            return Collections.enumeration(urls);
        }
    }
}
