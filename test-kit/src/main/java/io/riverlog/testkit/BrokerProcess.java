package io.riverlog.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A broker in a child JVM, started through {@code io.riverlog.api.Main} as {@code bin/riverlog}
 * would, so that a test can stop it with SIGTERM or kill it with SIGKILL (kill -9) and start it
 * again on the same data directory. Its output goes to {@code broker.out} beside the data.
 */
public final class BrokerProcess implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(50);

    private final Path dataDir;
    private final int kafkaPort;
    private final int httpPort;
    private final List<String> extraArgs;
    private final List<String> jvmArgs;
    private final NodeHost host;
    private Process process;

    private BrokerProcess(Path dataDir, int kafkaPort, int httpPort, List<String> jvmArgs, List<String> extraArgs) {
        this(dataDir, NodeHost.LOOPBACK, kafkaPort, httpPort, jvmArgs, extraArgs);
    }

    private BrokerProcess(Path dataDir, NodeHost host, int kafkaPort, int httpPort, List<String> jvmArgs,
                          List<String> extraArgs) {
        this.host = host;
        this.jvmArgs = List.copyOf(jvmArgs);
        this.dataDir = dataDir;
        this.kafkaPort = kafkaPort;
        this.httpPort = httpPort;
        this.extraArgs = extraArgs;
    }

    /** Starts a broker on free ports and waits until it accepts Kafka and HTTP connections. */
    public static BrokerProcess start(Path dataDir, String... extraArgs) throws IOException {
        return start(dataDir, List.of(), extraArgs);
    }

    /** As {@link #start(Path, String...)}, with {@code jvmArgs} (e.g. "-Xmx256m") before the main class. */
    public static BrokerProcess start(Path dataDir, List<String> jvmArgs, String... extraArgs) throws IOException {
        BrokerProcess broker = new BrokerProcess(dataDir, freePort(), freePort(), jvmArgs, List.of(extraArgs));
        broker.launch();
        return broker;
    }

    /**
     * As {@link #start(Path, List, String...)}, on {@code host}: bound to its address (flag
     * {@code --host}) and launched through its launcher.
     */
    public static BrokerProcess start(Path dataDir, NodeHost host, List<String> jvmArgs, String... extraArgs)
            throws IOException {
        BrokerProcess broker = new BrokerProcess(dataDir, host, freePort(), freePort(), jvmArgs, List.of(extraArgs));
        broker.launch();
        return broker;
    }

    /** How a broker process that ended by itself ended: its exit code and what it printed on standard error. */
    public record Exit(int code, String errors) {
    }

    /**
     * Runs a broker with {@code extraArgs} that is expected to end by itself (a bad flag or setting)
     * within {@code timeout}; fails if it is still running then. Its standard output goes to
     * {@link #outputFile()}, its standard error to a file beside it.
     */
    public static Exit runUntilExit(Path dataDir, Duration timeout, String... extraArgs)
            throws IOException, InterruptedException {
        return runUntilExit(dataDir, timeout, List.of(), extraArgs);
    }

    /** As {@link #runUntilExit(Path, Duration, String...)}, with {@code jvmArgs} (e.g. "-Dname=value"). */
    public static Exit runUntilExit(Path dataDir, Duration timeout, List<String> jvmArgs, String... extraArgs)
            throws IOException, InterruptedException {
        BrokerProcess broker = new BrokerProcess(dataDir, freePort(), freePort(), jvmArgs, List.of(extraArgs));
        Files.createDirectories(dataDir.getParent());
        Path errors = dataDir.resolveSibling(dataDir.getFileName() + "-broker.err");
        Process process = new ProcessBuilder(broker.command()).redirectOutput(broker.outputFile().toFile())
                .redirectError(errors.toFile()).start();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the broker was still running after " + timeout + "; see " + broker.outputFile());
        }
        return new Exit(process.exitValue(), Files.readString(errors));
    }

    public String bootstrapServers() {
        return host.address() + ":" + kafkaPort;
    }

    /** The broker process's id (for JDK tools such as jcmd). */
    public long pid() {
        return process.pid();
    }

    public int httpPort() {
        return httpPort;
    }

    /** {@code http://host:port} of the broker's HTTP API. */
    public String httpUrl() {
        return "http://" + host.address() + ":" + httpPort;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Everything the broker printed so far, across its restarts. */
    public String output() throws IOException {
        Path output = outputFile();
        return Files.exists(output) ? Files.readString(output) : "";
    }

    /** kill -9: no shutdown hook runs, nothing is flushed or closed. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            throw new AssertionError("broker did not die after SIGKILL");
        }
    }

    /** SIGSTOP: the process stops where it is, its sockets open, until {@link #resume}. */
    public void pause() throws IOException, InterruptedException {
        signal("STOP");
    }

    /**
     * SIGQUIT: the broker's JVM prints a dump of its threads into its output and goes on; for a
     * failure that needs to show where a node was stuck. Nothing is done if the process is not running.
     */
    public void dumpThreads() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            signal("QUIT");
        }
    }

    /** SIGCONT after {@link #pause}. */
    public void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (!kill.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new AssertionError("kill -" + name + " of the broker failed");
        }
    }

    /** SIGTERM, then waits for the exit; returns the exit code. */
    public int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("broker did not stop within " + STOP_TIMEOUT + " after SIGTERM");
        }
        return process.exitValue();
    }

    /** Starts the broker again on the same ports and data directory. */
    public void restart() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("the broker is still running");
        }
        launch();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            stop();
        }
    }

    private void launch() throws IOException {
        Files.createDirectories(dataDir);
        Path output = outputFile();
        process = new ProcessBuilder(command()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile())).start();
        try {
            Await.until("the broker accepts connections", START_TIMEOUT, () -> {
                if (!process.isAlive()) {
                    throw new AssertionError(
                            "broker exited with " + process.exitValue() + " while starting; see " + output);
                }
                return accepts(kafkaPort) && accepts(httpPort);
            }, () -> "; see " + output);
        } catch (AssertionError e) {
            process.destroyForcibly();
            throw e;
        }
    }

    private List<String> command() {
        List<String> command = new ArrayList<>(host.launcher());
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m"));
        // A later -Xmx wins: the caller's limits override the default one.
        command.addAll(jvmArgs);
        command.addAll(List.of(
                "-cp", System.getProperty("java.class.path"),
                "io.riverlog.api.Main",
                "--data-dir", dataDir.toString(),
                "--kafka-port", Integer.toString(kafkaPort),
                "--http-port", Integer.toString(httpPort)));
        if (!host.isLoopback()) {
            command.addAll(List.of("--host", host.address()));
        }
        command.addAll(extraArgs);
        return command;
    }

    /** The file the broker's standard output and error go to, across restarts. */
    public Path outputFile() {
        return dataDir.resolveSibling(dataDir.getFileName() + "-broker.out");
    }

    private boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host.address(), port), (int) POLL.toMillis());
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }
}
