package io.riverlog.actors.topics;

import java.util.Locale;
import java.util.Optional;

/**
 * The rules Kafka applies to topic names: 1 to 249 characters from {@code [a-zA-Z0-9._-]}, and
 * not {@code "."} or {@code ".."}. The length limit keeps {@code <topic>-<partition>} a legal file
 * name. Two names that differ only by {@code '.'} against {@code '_'} collide, as in Kafka
 * (metric names replace one by the other), so the second one is refused.
 */
final class TopicNames {
    static final int MAX_LENGTH = 249;

    private TopicNames() {
    }

    /** Why {@code name} is not a legal topic name, or empty if it is. */
    static Optional<String> problemWith(String name) {
        if (name == null || name.isEmpty()) {
            return Optional.of("a topic name cannot be empty");
        }
        if (name.equals(".") || name.equals("..")) {
            return Optional.of("a topic name cannot be '.' or '..'");
        }
        if (name.length() > MAX_LENGTH) {
            return Optional.of("topic name is " + name.length() + " characters long, the limit is " + MAX_LENGTH);
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!isLegal(c)) {
                return Optional.of(String.format(Locale.ROOT,
                        "topic name '%s' has the illegal character U+%04X at index %d; legal are ASCII letters,"
                                + " digits, '.', '_' and '-'", name, (int) c, i));
            }
        }
        return Optional.empty();
    }

    /** True if the two names differ but become equal once '.' and '_' are treated alike. */
    static boolean collide(String a, String b) {
        return !a.equals(b) && unified(a).equals(unified(b));
    }

    private static String unified(String name) {
        return name.replace('.', '_');
    }

    private static boolean isLegal(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '.' || c == '_' || c == '-';
    }
}
