package io.riverlog.api.http;

import java.time.Duration;

import com.typesafe.config.Config;

import io.riverlog.actors.partition.AppendPolicy;
import io.riverlog.api.kafka.KafkaSettings;
import io.riverlog.settings.ConfigValues;

/**
 * Settings of the HTTP/SSE/WebSocket API, from {@code riverlog.http} in api's reference.conf.
 *
 * @param host                the address to bind
 * @param port                the port to bind (0: any free port)
 * @param maxRequestBytes     the largest JSON request body; larger ones are answered 413
 * @param maxMessageBytes     the largest record batch an HTTP produce appends to one partition
 *                            ({@code riverlog.partition.max-message-bytes}); a record that cannot fit is answered 413
 * @param requestTimeout      how long a request waits on the topic registry or a partition
 * @param readyCheckTimeout   how long {@code /v1/ready} waits on the registry and partitions before it
 *                            answers that the broker is still recovering
 * @param shutdownDeadline    how long open requests and streams may go on once the broker stops
 * @param heartbeatInterval   an idle Server-Sent Events stream gets a comment line this often
 * @param ndjsonBatchRecords  records of a streamed NDJSON produce appended together, at most
 * @param ndjsonBatchLinger   how long a streamed NDJSON produce waits for more lines before it appends what it has
 * @param leaderWait          in a cluster, how long a request waits for a partition that elects a leader
 */
public record HttpSettings(String host, int port, long maxRequestBytes, int maxMessageBytes, Duration requestTimeout,
                           Duration readyCheckTimeout, Duration shutdownDeadline,
                           Duration heartbeatInterval, int ndjsonBatchRecords, Duration ndjsonBatchLinger,
                           Duration leaderWait) {

    public static HttpSettings fromConfig(Config config) {
        String http = "riverlog.http.";
        return new HttpSettings(
                config.getString(http + "host"),
                ConfigValues.intValue(config, http + "port", 0, KafkaSettings.MAX_PORT),
                // A body is held in memory whole, and an NDJSON line in one buffer.
                ConfigValues.bytes(config, http + "max-request-bytes", 1, ConfigValues.MAX_BUFFER_BYTES),
                AppendPolicy.fromConfig(config).maxMessageBytes(),
                ConfigValues.timerDuration(config, http + "request-timeout"),
                ConfigValues.timerDuration(config, http + "ready-check-timeout"),
                ConfigValues.timerDurationOrZero(config, http + "shutdown-deadline"),
                ConfigValues.timerDuration(config, http + "heartbeat-interval"),
                ConfigValues.intValue(config, http + "ndjson-batch-records", 1, Integer.MAX_VALUE),
                ConfigValues.timerDuration(config, http + "ndjson-batch-linger"),
                ConfigValues.timerDuration(config, http + "leader-wait"));
    }
}
