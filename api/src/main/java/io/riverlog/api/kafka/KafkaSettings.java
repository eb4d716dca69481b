package io.riverlog.api.kafka;

import com.typesafe.config.Config;

/**
 * Settings of the Kafka protocol listener, from {@code riverlog.kafka} in application.conf.
 *
 * @param host                      the address to bind
 * @param port                      the port to bind (0: any free port)
 * @param advertisedHost            the host clients are told to connect to; the bind host if empty
 * @param nodeId                    this broker's id in Metadata answers
 * @param clusterId                 the cluster id in Metadata answers
 * @param maxFrameBytes             a request larger than this closes its connection
 * @param maxInFlightPerConnection  requests of one connection handled at once (answers stay in order)
 * @param maxMessageBytes           the largest record batch a produce may carry per partition
 * @param autoCreateTopics          whether Metadata creates a topic a client asks for and allows to create
 * @param requestTimeout            how long a handler waits on the registry or a partition
 * @param acceptFailurePause        how long the listener stops accepting after accepting failed
 */
public record KafkaSettings(String host, int port, String advertisedHost, int nodeId, String clusterId,
                            int maxFrameBytes, int maxInFlightPerConnection, int maxMessageBytes,
                            boolean autoCreateTopics, java.time.Duration requestTimeout,
                            java.time.Duration acceptFailurePause) {

    public static KafkaSettings fromConfig(Config config) {
        Config kafka = config.getConfig("riverlog.kafka");
        return new KafkaSettings(
                kafka.getString("host"),
                kafka.getInt("port"),
                kafka.getString("advertised-host"),
                kafka.getInt("node-id"),
                kafka.getString("cluster-id"),
                (int) kafka.getBytes("max-frame-bytes").longValue(),
                kafka.getInt("max-in-flight-requests-per-connection"),
                (int) kafka.getBytes("max-message-bytes").longValue(),
                kafka.getBoolean("auto-create-topics"),
                kafka.getDuration("request-timeout"),
                kafka.getDuration("accept-failure-pause"));
    }

    public String advertisedHostOrBind() {
        return advertisedHost.isBlank() ? host : advertisedHost;
    }
}
