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
 */
public record KafkaSettings(String host, int port, String advertisedHost, int nodeId, String clusterId,
                            int maxFrameBytes, int maxInFlightPerConnection) {

    public static KafkaSettings fromConfig(Config config) {
        Config kafka = config.getConfig("riverlog.kafka");
        return new KafkaSettings(
                kafka.getString("host"),
                kafka.getInt("port"),
                kafka.getString("advertised-host"),
                kafka.getInt("node-id"),
                kafka.getString("cluster-id"),
                (int) kafka.getBytes("max-frame-bytes").longValue(),
                kafka.getInt("max-in-flight-requests-per-connection"));
    }

    public String advertisedHostOrBind() {
        return advertisedHost.isBlank() ? host : advertisedHost;
    }

    public KafkaSettings withPort(int newPort) {
        return new KafkaSettings(host, newPort, advertisedHost, nodeId, clusterId, maxFrameBytes, maxInFlightPerConnection);
    }
}
