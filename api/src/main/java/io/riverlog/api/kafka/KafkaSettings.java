package io.riverlog.api.kafka;

import com.typesafe.config.Config;

import io.riverlog.settings.ConfigValues;

/**
 * Settings of the Kafka protocol listener, from {@code riverlog.kafka} in api's reference.conf.
 *
 * @param host                      the address to bind
 * @param port                      the port to bind (0: any free port)
 * @param advertisedHost            the host clients are told to connect to; if empty, the bind host, or the
 *                                  machine's name where the bind host is a wildcard (0.0.0.0, ::)
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

    /**
     * The host clients are told to connect to (Metadata, FindCoordinator, DescribeCluster). A wildcard
     * address is where the broker listens, never where a client can reach it: as Kafka does for a
     * listener without a host, the machine's own name is advertised instead.
     */
    public String advertisedHostOrBind() {
        if (!advertisedHost.isBlank()) {
            return advertisedHost;
        }
        return isWildcard(host) ? MachineName.get() : host;
    }

    /** Whether {@code address} means every interface of the machine. */
    static boolean isWildcard(String address) {
        String bare = address.startsWith("[") && address.endsWith("]")
                ? address.substring(1, address.length() - 1) : address;
        if (bare.isEmpty()) {
            return true;
        }
        if (!bare.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':')) {
            return false;
        }
        try {
            return java.net.InetAddress.getByName(bare).isAnyLocalAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }
}
