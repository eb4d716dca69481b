package io.riverlog.api.kafka;

import com.typesafe.config.Config;

import io.riverlog.settings.ConfigValues;

/**
 * Settings of the Kafka protocol listener, from {@code riverlog.kafka} in api's reference.conf.
 *
 * @param host                      the address to bind
 * @param port                      the port to bind (0: any free port)
 * @param advertisedHost            the host clients are told to connect to; the bind host if empty
 * @param nodeId                    this broker's id in Metadata answers
 * @param clusterId                 the cluster id in Metadata answers
 * @param maxFrameBytes             a request larger than this closes its connection
 * @param maxInFlightPerConnection  requests of one connection handled at once (answers stay in order)
 * @param autoCreateTopics          whether Metadata creates a topic a client asks for and allows to create
 * @param requestTimeout            how long a handler waits on the registry or a partition
 * @param acceptFailurePause        how long the listener stops accepting after accepting failed
 * @param networkThreads            threads that read and decode the connections' requests, each with
 *                                  its own selector (0 in the configuration: one per available processor)
 */
public record KafkaSettings(String host, int port, String advertisedHost, int nodeId, String clusterId,
                            int maxFrameBytes, int maxInFlightPerConnection, boolean autoCreateTopics,
                            java.time.Duration requestTimeout,
                            java.time.Duration acceptFailurePause, int networkThreads) {

    /** The largest port number; 0 binds any free port. */
    public static final int MAX_PORT = 65_535;
    /**
     * The most network threads: far more than a machine has cores to run them at once, so a larger
     * number only adds threads and selectors that wait; it keeps a typo from starting thousands.
     */
    public static final int MAX_NETWORK_THREADS = 256;
    private static final String PATH = "riverlog.kafka.";

    public static KafkaSettings fromConfig(Config config) {
        return new KafkaSettings(
                config.getString(PATH + "host"),
                ConfigValues.intValue(config, PATH + "port", 0, MAX_PORT),
                config.getString(PATH + "advertised-host"),
                ConfigValues.intValue(config, PATH + "node-id", 0, Integer.MAX_VALUE),
                config.getString(PATH + "cluster-id"),
                ConfigValues.intBytes(config, PATH + "max-frame-bytes", 1, ConfigValues.MAX_BUFFER_BYTES),
                ConfigValues.intValue(config, PATH + "max-in-flight-requests-per-connection", 1, Integer.MAX_VALUE),
                config.getBoolean(PATH + "auto-create-topics"),
                ConfigValues.timerDuration(config, PATH + "request-timeout"),
                ConfigValues.positiveDuration(config, PATH + "accept-failure-pause"),
                threadsOrProcessors(ConfigValues.intValue(config, PATH + "network-threads", 0, MAX_NETWORK_THREADS)));
    }

    /** The configured number of threads, 0 meaning one per processor the JVM may use. */
    private static int threadsOrProcessors(int configured) {
        return configured == 0 ? Runtime.getRuntime().availableProcessors() : configured;
    }

    public String advertisedHostOrBind() {
        return advertisedHost.isBlank() ? host : advertisedHost;
    }
}
