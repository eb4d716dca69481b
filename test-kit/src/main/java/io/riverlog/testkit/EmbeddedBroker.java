package io.riverlog.testkit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

import io.riverlog.api.broker.Broker;
import io.riverlog.api.broker.BrokerConfig;
import io.riverlog.api.broker.KnownSettings;
import io.riverlog.wal.Storage;

/** A broker in the test's own JVM, on free ports (Kafka and HTTP), with its data in a directory the test owns. */
public final class EmbeddedBroker implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Broker broker;

    private EmbeddedBroker(Broker broker) {
        this.broker = broker;
    }

    public static EmbeddedBroker start(Path dataDir) {
        return start(dataDir, Map.of());
    }

    /**
     * Starts with {@code settings} (paths under {@code riverlog.}, e.g. "riverlog.partition.fsync-policy") overriding
     * the broker's defaults, as {@code --config} does; a key under {@code riverlog.} that is not a setting is refused
     * as {@code bin/riverlog} refuses it. (The rest of the configuration is not checked: the system properties of a
     * test's JVM hold the tests' own keys, such as {@code riverlog.fuzz.seed}.)
     */
    public static EmbeddedBroker start(Path dataDir, Map<String, Object> settings) {
        return start(dataDir, settings, Storage.LOCAL);
    }

    public static EmbeddedBroker start(Path dataDir, Map<String, Object> settings, Storage storage) {
        KnownSettings.check(ConfigFactory.parseMap(settings));
        Config config = ConfigFactory.parseMap(settings)
                .withFallback(ConfigFactory.parseMap(Map.of(
                        "riverlog.data-dir", dataDir.toString(),
                        "riverlog.kafka.port", 0,
                        "riverlog.http.port", 0)))
                .withFallback(BrokerConfig.defaults());
        return new EmbeddedBroker(Await.resultOf(Broker.start(config, storage), START_TIMEOUT));
    }

    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    /** {@code http://127.0.0.1:port} of the broker's HTTP API. */
    public String httpUrl() {
        return broker.httpUrl();
    }

    public java.net.InetSocketAddress httpAddress() {
        return broker.httpAddress();
    }

    public Broker broker() {
        return broker;
    }

    /** Stops gracefully: every partition is written, fsynced and closed. */
    @Override
    public void close() {
        Await.resultOf(broker.stop(), START_TIMEOUT);
    }
}
