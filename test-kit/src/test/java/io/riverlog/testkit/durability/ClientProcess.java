package io.riverlog.testkit.durability;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A client program (such as kcat) run by a test: its standard output collected line by line and its
 * standard error as text while it runs, so that a test can wait on what it printed, then end it.
 */
final class ClientProcess {
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
    private final List<String> command;
    private final Process process;
    private final List<String> stdout = new CopyOnWriteArrayList<>();
    private final StringBuffer stderr = new StringBuffer();
    private final List<Thread> readers;

    private ClientProcess(List<String> command) throws IOException {
        this.command = command;
        this.process = new ProcessBuilder(command).start();
        process.getOutputStream().close();
        readers = List.of(drain(process.getInputStream(), stdout::add),
                drain(process.getErrorStream(), line -> stderr.append(line).append('\n')));
    }

    static ClientProcess start(String... command) throws IOException {
        return new ClientProcess(List.of(command));
    }

    /** Waits for the exit; its code. Killed and failed if it does not exit within {@code timeout}. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not exit within " + timeout + "; it said: "
                    + stderr);
        }
        joinReaders(timeout);
        return process.exitValue();
    }

    /** Ends it (SIGKILL) and waits until it is gone and its output is read. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
        joinReaders(READ_TIMEOUT);
    }

    /** The output is read to its end once the process is gone. */
    private void joinReaders(Duration timeout) throws InterruptedException {
        for (Thread reader : readers) {
            reader.join(timeout.toMillis());
        }
    }

    List<String> stdoutLines() {
        return List.copyOf(stdout);
    }

    String stderr() {
        return stderr.toString();
    }

    private static Thread drain(InputStream stream, java.util.function.Consumer<String> lines) {
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.accept(line);
                }
            } catch (IOException closed) {
                // The process ended: what it printed was read.
            }
        }, "client-output");
        reader.setDaemon(true);
        reader.start();
        return reader;
    }
}
