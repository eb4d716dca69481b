package io.riverlog.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Nodes that each run in a Linux network namespace of their own, joined by veth pairs to one bridge
 * in this namespace: node n has address 10.211.S.n of a /24 (S picked at random, so that runs side by
 * side do not meet), this namespace 10.211.S.254, through which clients here reach every node.
 *
 * <p>{@link #isolate} cuts a node off from the other nodes, and {@link #split} a group of nodes off
 * from the rest, both ways, while clients here still reach every node (a network partition between
 * brokers): each side gets a blackhole route to the other, so packets between them are dropped (a new
 * connection is refused at once by the sender's kernel, an open one goes silent). Routes rather than
 * packet filters: they need nothing but the {@code ip} tool, while the kernels tests run on may lack
 * tc's filter actions and netem. {@link #heal} and {@link #healAll} remove them.
 *
 * <p>Creating namespaces takes root (CI runs as root); {@link #unavailableBecause} says why it
 * cannot be done here, for a test to skip saying so.
 */
public final class NetworkNamespaces implements AutoCloseable {
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);
    /** The last octet of this namespace's address on the bridge. */
    private static final int HOST_OCTET = 254;
    private static final int SUBNETS = 250;

    private final String tag;
    private final int subnet;
    private final int nodes;
    /** Each pair of nodes cut apart, as {smaller, larger}. */
    private final Set<List<Integer>> cut = new HashSet<>();

    private NetworkNamespaces(String tag, int subnet, int nodes) {
        this.tag = tag;
        this.subnet = subnet;
        this.nodes = nodes;
    }

    /** Why namespaces cannot be made here (not root, no {@code ip} tool, ...); empty if they can. */
    public static Optional<String> unavailableBecause() {
        String probe = "rl-probe-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 16));
        try {
            run("ip", "netns", "add", probe);
            run("ip", "netns", "delete", probe);
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("a network namespace cannot be created here (it takes root and the ip tool): "
                    + e.getMessage());
        }
    }

    /** Creates the bridge and a namespace for each of nodes 1 to {@code nodes}, each with its address up. */
    public static NetworkNamespaces create(int nodes) throws IOException {
        String tag = Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 16));
        NetworkNamespaces namespaces = new NetworkNamespaces(tag, 1 + ThreadLocalRandom.current().nextInt(SUBNETS),
                nodes);
        try {
            namespaces.build();
        } catch (IOException | RuntimeException e) {
            namespaces.close();
            throw e;
        }
        return namespaces;
    }

    private void build() throws IOException {
        run("ip", "link", "add", bridge(), "type", "bridge");
        run("ip", "addr", "add", address(HOST_OCTET) + "/24", "dev", bridge());
        run("ip", "link", "set", bridge(), "up");
        for (int node = 1; node <= nodes; node++) {
            String namespace = namespace(node);
            run("ip", "netns", "add", namespace);
            run("ip", "link", "add", hostEnd(node), "type", "veth", "peer", "name", "eth0", "netns", namespace);
            run("ip", "link", "set", hostEnd(node), "master", bridge(), "up");
            inside(node, "ip", "addr", "add", address(node) + "/24", "dev", "eth0");
            inside(node, "ip", "link", "set", "eth0", "up");
            inside(node, "ip", "link", "set", "lo", "up");
        }
    }

    /** Where node {@code node} runs: its address, launched inside its namespace. */
    public NodeHost host(int node) {
        return new NodeHost(address(node), List.of("ip", "netns", "exec", namespace(node)));
    }

    /** Cuts node {@code node} off from every other node, both ways; clients in this namespace still reach it. */
    public void isolate(int node) throws IOException {
        split(Set.of(node));
    }

    /** Cuts the nodes of {@code side} off from every node not in it, both ways; each side still reaches itself. */
    public synchronized void split(Set<Integer> side) throws IOException {
        for (int node : side) {
            for (int other = 1; other <= nodes; other++) {
                List<Integer> pair = List.of(Math.min(node, other), Math.max(node, other));
                if (!side.contains(other) && cut.add(pair)) {
                    inside(node, "ip", "route", "add", "blackhole", address(other) + "/32");
                    inside(other, "ip", "route", "add", "blackhole", address(node) + "/32");
                }
            }
        }
    }

    /** Joins node {@code node} to every node it was cut off from ({@link #isolate}, {@link #split}). */
    public synchronized void heal(int node) throws IOException {
        for (int other = 1; other <= nodes; other++) {
            if (cut.remove(List.of(Math.min(node, other), Math.max(node, other)))) {
                inside(node, "ip", "route", "delete", "blackhole", address(other) + "/32");
                inside(other, "ip", "route", "delete", "blackhole", address(node) + "/32");
            }
        }
    }

    /** Joins every node to every other again. */
    public synchronized void healAll() throws IOException {
        for (int node = 1; node <= nodes; node++) {
            heal(node);
        }
    }

    /** Deletes the namespaces (with their veth pairs) and the bridge; what does not exist is skipped. */
    @Override
    public void close() throws IOException {
        List<String> failures = new ArrayList<>();
        for (int node = 1; node <= nodes; node++) {
            try {
                run("ip", "netns", "delete", namespace(node));
            } catch (IOException e) {
                failures.add(e.getMessage());
            }
        }
        try {
            run("ip", "link", "delete", bridge());
        } catch (IOException e) {
            failures.add(e.getMessage());
        }
        if (failures.size() == nodes + 1) {
            throw new IOException("nothing of network namespaces " + tag + " could be deleted: " + failures);
        }
    }

    private String address(int octet) {
        return "10.211." + subnet + "." + octet;
    }

    private String namespace(int node) {
        return "rl-" + tag + "-" + node;
    }

    /** Interface names have at most 15 characters. */
    private String bridge() {
        return "rlb-" + tag;
    }

    private String hostEnd(int node) {
        return "rlv-" + tag + "-" + node;
    }

    private void inside(int node, String... command) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace(node)));
        full.addAll(List.of(command));
        run(full.toArray(String[]::new));
    }

    private static void run(String... command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!process.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not end within " + COMMAND_TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", command) + " was interrupted", e);
        }
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed (exit " + process.exitValue() + "): "
                    + new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
        }
    }
}
