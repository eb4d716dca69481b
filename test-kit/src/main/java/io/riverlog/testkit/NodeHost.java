package io.riverlog.testkit;

import java.util.List;

/**
 * Where a broker process runs: the address it binds and advertises, and the command that launches
 * it there (e.g. {@code ip netns exec <namespace>}), put before {@code java}; none on this host.
 */
public record NodeHost(String address, List<String> launcher) {
    /** This machine's loopback, launched directly. */
    public static final NodeHost LOOPBACK = new NodeHost("127.0.0.1", List.of());

    public NodeHost {
        launcher = List.copyOf(launcher);
    }

    boolean isLoopback() {
        return equals(LOOPBACK);
    }
}
