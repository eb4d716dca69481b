package io.riverlog.testkit.configuration;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.ConfigFactory;

import io.riverlog.testkit.BrokerProcess;

/**
 * A {@code --config} file overrides every setting of a broker process, {@code riverlog.callback-threads}
 * included, which sizes the JVM's common pool before the broker starts; the broker states the pool's
 * size in its log at start. (One out of range is refused as any other is: BadConfigurationIT.)
 */
class ConfigFileIT {
    private static final String CALLBACK_THREADS = "riverlog.callback-threads";

    @TempDir
    Path dir;

    @Test
    void theCallbackThreadsOfAConfigFileSizeTheCommonPool() throws Exception {
        // The pool has at least one thread per core; above both that and the default, the file's value shows.
        int threads = Math.max(Runtime.getRuntime().availableProcessors(),
                ConfigFactory.load().getInt(CALLBACK_THREADS)) + 3;
        Path configFile = dir.resolve("riverlog.conf");
        Files.writeString(configFile, CALLBACK_THREADS + " = " + threads + "\n");

        try (BrokerProcess broker = BrokerProcess.start(dir.resolve("data"), "--config", configFile.toString())) {
            assertThat(broker.output()).contains(
                    "Callbacks of asynchronous replies run on " + threads + " threads of the JVM's common pool");
        }
    }
}
