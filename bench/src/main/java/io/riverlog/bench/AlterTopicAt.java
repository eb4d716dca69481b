package io.riverlog.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;

/**
 * Sets configs of a topic at a given moment, for the log compaction benchmark (bench/compaction.sh):
 * it connects first, then waits, so that the JVM's start and the client's connection are over by
 * then and cost nothing in the window being measured. Works against any Kafka-compatible broker.
 *
 * <pre>
 *   java -cp bench/target/benchmarks.jar io.riverlog.bench.AlterTopicAt BOOTSTRAP TOPIC AT_EPOCH_MS name=value...
 * </pre>
 * Prints one {@code RESULT} line: when the request was sent and when it was answered (epoch ms).
 * Exits 1 if the broker refused it.
 */
public final class AlterTopicAt {

    private AlterTopicAt() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: AlterTopicAt BOOTSTRAP TOPIC AT_EPOCH_MS name=value...");
            System.exit(2);
        }
        long at = Long.parseLong(args[2]);
        Collection<AlterConfigOp> ops = new ArrayList<>();
        for (int i = 3; i < args.length; i++) {
            String[] setting = args[i].split("=", 2);
            if (setting.length != 2) {
                throw new IllegalArgumentException("not name=value: " + args[i]);
            }
            ops.add(new AlterConfigOp(new ConfigEntry(setting[0], setting[1]), AlterConfigOp.OpType.SET));
        }
        ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, args[1]);
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        try (Admin admin = Admin.create(props)) {
            // Connected, and the topic's configs read once, before the moment comes.
            admin.describeConfigs(List.of(topic)).all().get();
            long wait = at - System.currentTimeMillis();
            if (wait > 0) {
                Thread.sleep(wait);
            }
            long sent = System.currentTimeMillis();
            admin.incrementalAlterConfigs(Map.of(topic, ops)).all().get();
            System.out.printf("RESULT sent_ms=%d answered_ms=%d late_ms=%d%n", sent, System.currentTimeMillis(),
                    Math.max(0, sent - at));
        }
    }
}
