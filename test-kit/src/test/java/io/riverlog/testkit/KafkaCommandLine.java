package io.riverlog.testkit;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

import org.apache.kafka.common.utils.internals.Exit;

/**
 * Runs one of Apache Kafka's command-line tools (its {@code main}) in this JVM against a broker, and
 * returns what it printed. A tool that would end the JVM (a usage error, a failed request) throws
 * {@link ToolExited} with its output instead.
 */
public final class KafkaCommandLine {

    /** The tool called {@code exit}; {@code printed} is everything it wrote. */
    public static final class ToolExited extends RuntimeException {
        private final String printed;

        ToolExited(String message, String printed) {
            super(message + "; it printed:\n" + printed);
            this.printed = printed;
        }

        public String printed() {
            return printed;
        }
    }

    private KafkaCommandLine() {
    }

    /** Runs {@code main} with {@code --bootstrap-server bootstrap} and {@code args}. */
    public static synchronized String run(String name, Consumer<String[]> main, String bootstrap, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--bootstrap-server";
        all[1] = bootstrap;
        System.arraycopy(args, 0, all, 2, args.length);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream out = System.out;
        PrintStream err = System.err;
        Exit.setExitProcedure((status, message) -> {
            throw new ToolExited(name + " exited with status " + status + (message == null ? "" : ": " + message),
                    printed.toString(StandardCharsets.UTF_8));
        });
        try (PrintStream capture = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            System.setErr(capture);
            main.accept(all);
        } finally {
            System.setOut(out);
            System.setErr(err);
            Exit.resetExitProcedure();
        }
        String output = printed.toString(StandardCharsets.UTF_8);
        out.println(name + " " + Arrays.toString(args) + ":\n" + output);
        return output;
    }
}
