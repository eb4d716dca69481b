package io.riverlog.testkit;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.apache.kafka.common.utils.internals.Exit;

/**
 * Runs one of Apache Kafka's command-line tools in this JVM, as its script would run it, and returns
 * what it printed (with whatever this JVM logged meanwhile). A tool that exits with a status other
 * than 0 fails the test instead of ending the JVM; one that exits with 0 just returns.
 */
public final class KafkaTool {

    /** A tool's {@code main}. */
    @FunctionalInterface
    public interface Main {
        void run(String[] args) throws Exception;
    }

    private KafkaTool() {
    }

    /** Runs {@code main} with {@code args}; {@code name} is how the output is labelled in the test's log. */
    public static synchronized String run(String name, Main main, String... args) throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream out = System.out;
        PrintStream err = System.err;
        Exit.setExitProcedure((status, message) -> {
            if (status != 0) {
                throw new AssertionError(name + " exited with status " + status + ": " + message + "\n"
                        + printed.toString(StandardCharsets.UTF_8));
            }
        });
        try (PrintStream capture = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            System.setErr(capture);
            main.run(args);
        } finally {
            System.setOut(out);
            System.setErr(err);
            Exit.resetExitProcedure();
        }
        String output = printed.toString(StandardCharsets.UTF_8);
        out.println(name + " " + Arrays.toString(args) + ":\n" + output);
        return output;
    }

    /** {@code --bootstrap-server bootstrap} followed by {@code args}, as most tools take them. */
    public static String[] withBootstrap(String bootstrap, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--bootstrap-server";
        all[1] = bootstrap;
        System.arraycopy(args, 0, all, 2, args.length);
        return all;
    }
}
