package io.riverlog.api;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ForkJoinPool;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import io.riverlog.api.broker.Broker;
import io.riverlog.api.broker.BrokerConfig;
import io.riverlog.api.broker.BrokerSettings;
import io.riverlog.api.broker.KnownSettings;

/**
 * The broker's command line. Flags override the config file, which overrides the defaults
 * ({@link BrokerConfig}: each module's reference.conf); the whole configuration is built before any
 * setting is read. A bad flag, a key under {@code riverlog} that is not a setting ({@link KnownSettings}),
 * a setting that is missing, of the wrong type or out of range, or an unusable data directory ends it
 * with one line and exit code 2.
 * SIGTERM stops it gracefully (every partition fsynced and closed cleanly) with exit code 0.
 */
@Command(name = "riverlog", mixinStandardHelpOptions = true, version = "Riverlog 0.1.0",
        description = "A Kafka-compatible message broker. Settings and their meaning: each module's"
                + " reference.conf (README.md names them).")
public final class Main implements Callable<Integer> {
    static final int EXIT_USAGE = 2;
    private static final String BAD_CONFIGURATION = "riverlog: bad configuration: ";
    private static final Logger log = LoggerFactory.getLogger(Main.class);

    @Option(names = "--data-dir", paramLabel = "DIR", description = "where data is stored (default ./data)")
    Path dataDir;

    @Option(names = "--kafka-port", paramLabel = "N",
            description = "Kafka protocol port (default 9092; 0: any free port)")
    Integer kafkaPort;

    @Option(names = "--http-port", paramLabel = "N", description = "HTTP API port (default 8080; 0: any free port)")
    Integer httpPort;

    @Option(names = "--host", paramLabel = "ADDRESS", description = "address both listeners bind (default 127.0.0.1)")
    String host;

    @Option(names = "--advertised-host", paramLabel = "HOST", description = "host Kafka clients are told to"
            + " connect to (default: --host, or this machine's name where --host is a wildcard such as 0.0.0.0)")
    String advertisedHost;

    @Option(names = "--node-id", paramLabel = "N", description = "this node's id (default 1); in a cluster, one"
            + " of the ids of --cluster")
    Integer nodeId;

    @Option(names = "--cluster", paramLabel = "ID@HOST:PORT,...", description = "every node of the cluster as"
            + " id@host:port of its inter-node endpoint, the same list on every node (default: none, a single node)")
    String cluster;

    @Option(names = "--config", paramLabel = "FILE", description = "a HOCON file overriding any default setting")
    Path configFile;

    public static void main(String[] args) {
        CommandLine commandLine = new CommandLine(new Main());
        commandLine.setParameterExceptionHandler((e, arguments) -> {
            System.err.println("riverlog: " + e.getMessage() + " (see --help)");
            return EXIT_USAGE;
        });
        System.exit(commandLine.execute(args));
    }

    @Override
    public Integer call() {
        Config config;
        try {
            config = config();
            KnownSettings.check(config);
            // Every setting is read and checked here, so that a bad one is reported before anything starts;
            // the callback pool first, before anything uses it.
            CallbackPool.configure(config);
            BrokerSettings.fromConfig(config);
        } catch (ConfigException | IllegalArgumentException e) {
            System.err.println(BAD_CONFIGURATION + e.getMessage());
            return EXIT_USAGE;
        }
        log.info("Callbacks of asynchronous replies run on {} threads of the JVM's common pool",
                ForkJoinPool.getCommonPoolParallelism());
        Path data = Path.of(config.getString("riverlog.data-dir"));
        String problem = unusable(data);
        if (problem != null) {
            System.err.println("riverlog: data directory " + data.toAbsolutePath() + " is not usable: " + problem);
            return EXIT_USAGE;
        }
        Broker broker;
        try {
            broker = Broker.start(config).toCompletableFuture().join();
        } catch (CompletionException e) {
            System.err.println("riverlog: could not start: " + e.getCause().getMessage());
            return 1;
        }
        log.info("Riverlog is serving Kafka clients on {} and HTTP on {} with data in {}", broker.bootstrapServers(),
                broker.httpUrl(), data.toAbsolutePath());
        stopOnSignal(broker, "TERM");
        stopOnSignal(broker, "INT");
        broker.system().getWhenTerminated().toCompletableFuture().join();
        return 0;
    }

    /**
     * A signal stops the broker gracefully and the process then exits 0, rather than with the code
     * the JVM gives a process ended by a signal.
     */
    @SuppressWarnings("restriction")
    private static void stopOnSignal(Broker broker, String name) {
        sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
            log.info("SIG{} received: stopping", name);
            broker.stop();
        });
    }

    private Config config() {
        Map<String, Object> flags = new HashMap<>();
        if (dataDir != null) {
            flags.put("riverlog.data-dir", dataDir.toString());
        }
        if (kafkaPort != null) {
            flags.put("riverlog.kafka.port", kafkaPort);
        }
        if (httpPort != null) {
            flags.put("riverlog.http.port", httpPort);
        }
        if (nodeId != null) {
            flags.put("riverlog.kafka.node-id", nodeId);
        }
        if (cluster != null) {
            flags.put("riverlog.cluster.members", cluster);
        }
        if (advertisedHost != null) {
            flags.put("riverlog.kafka.advertised-host", advertisedHost);
        }
        if (host != null) {
            flags.put("riverlog.kafka.host", host);
            flags.put("riverlog.http.host", host);
        }
        Config base = BrokerConfig.defaults();
        if (configFile != null) {
            if (!Files.isRegularFile(configFile)) {
                throw new IllegalArgumentException("config file " + configFile + " does not exist");
            }
            base = ConfigFactory.parseFile(configFile.toFile()).withFallback(base).resolve();
        }
        return ConfigFactory.parseMap(flags).withFallback(base);
    }

    /** Why the data directory cannot be used, or null if it can. */
    static String unusable(Path data) {
        try {
            Files.createDirectories(data);
        } catch (IOException e) {
            return "cannot create it (" + e + ")";
        }
        if (!Files.isDirectory(data)) {
            return "it is not a directory";
        }
        Path probe = data.resolve(".riverlog-write-check");
        try {
            Files.deleteIfExists(probe);
            Files.createFile(probe);
            Files.delete(probe);
        } catch (IOException e) {
            return "cannot write in it (" + e + ")";
        }
        return null;
    }
}
