package io.riverlog.testkit;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Broker processes ({@link BrokerProcess}) on loopback (or each on a {@link NodeHost} of its own) that
 * form one cluster: nodes 1 to N, each
 * with its data in {@code dir/node-<id>} and its output in {@code dir/node-<id>-broker.out}, its own
 * Kafka and HTTP ports, and an inter-node port chosen before any node starts, so that every node is
 * given the same {@code --cluster} list with its own {@code --node-id}.
 */
public final class BrokerCluster implements AutoCloseable {
    private final Path dir;
    private final int size;
    private final String members;
    private final List<String> jvmArgs;
    private final List<String> extraArgs;
    private final IntFunction<NodeHost> hosts;
    private final NavigableMap<Integer, BrokerProcess> started = new ConcurrentSkipListMap<>();

    private BrokerCluster(Path dir, List<Integer> interNodePorts, IntFunction<NodeHost> hosts, List<String> jvmArgs,
                          List<String> extraArgs) {
        this.dir = dir;
        this.size = interNodePorts.size();
        this.hosts = hosts;
        this.members = IntStream.rangeClosed(1, size)
                .mapToObj(id -> id + "@" + hosts.apply(id).address() + ":" + interNodePorts.get(id - 1))
                .collect(Collectors.joining(","));
        this.jvmArgs = List.copyOf(jvmArgs);
        this.extraArgs = List.copyOf(extraArgs);
    }

    /** Starts a cluster of {@code nodes} nodes and waits until each accepts Kafka and HTTP connections. */
    public static BrokerCluster start(Path dir, int nodes) throws IOException, InterruptedException {
        return start(dir, nodes, List.of());
    }

    /**
     * As {@link #start(Path, int)}, each node with {@code jvmArgs} (e.g. "-Dname=value") before the
     * main class and {@code extraArgs} after its own flags.
     */
    public static BrokerCluster start(Path dir, int nodes, List<String> jvmArgs, String... extraArgs)
            throws IOException, InterruptedException {
        return start(dir, nodes, id -> NodeHost.LOOPBACK, jvmArgs, extraArgs);
    }

    /** A cluster of {@code nodes} nodes of which none runs yet: {@link #startNodes} starts them. */
    public static BrokerCluster configure(Path dir, int nodes, List<String> jvmArgs, String... extraArgs)
            throws IOException {
        if (nodes < 1) {
            throw new IllegalArgumentException("a cluster has at least one node, not " + nodes);
        }
        return new BrokerCluster(dir, freePorts(nodes), id -> NodeHost.LOOPBACK, jvmArgs, List.of(extraArgs));
    }

    /**
     * Starts a cluster of {@code nodes} nodes, node {@code id} on {@code hosts.apply(id)} (each in a
     * network namespace of its own, say), and waits until each accepts Kafka and HTTP connections.
     */
    public static BrokerCluster start(Path dir, int nodes, IntFunction<NodeHost> hosts, List<String> jvmArgs,
                                      String... extraArgs) throws IOException, InterruptedException {
        if (nodes < 1) {
            throw new IllegalArgumentException("a cluster has at least one node, not " + nodes);
        }
        BrokerCluster cluster = new BrokerCluster(dir, freePorts(nodes), hosts, jvmArgs, List.of(extraArgs));
        try {
            cluster.startNodes(IntStream.rangeClosed(1, nodes).toArray());
        } catch (RuntimeException | Error | InterruptedException e) {
            try {
                cluster.close();
            } catch (RuntimeException | Error | InterruptedException stopping) {
                e.addSuppressed(stopping);
            }
            throw e;
        }
        return cluster;
    }

    /**
     * Starts the nodes {@code ids} side by side and waits until each accepts Kafka and HTTP
     * connections (a node binds its listeners before it has joined the others).
     */
    public void startNodes(int... ids) throws InterruptedException {
        List<Integer> toStart = new ArrayList<>();
        for (int id : ids) {
            checkId(id);
            if (started.containsKey(id)) {
                throw new IllegalStateException("node " + id + " was started already");
            }
            toStart.add(id);
        }
        inParallel("starting", toStart, id -> started.put(id, BrokerProcess.start(dir.resolve("node-" + id),
                hosts.apply(id), jvmArgs, args(id))));
    }

    /** The started node {@code id} (1 to the cluster's size). */
    public BrokerProcess node(int id) {
        checkId(id);
        BrokerProcess node = started.get(id);
        if (node == null) {
            throw new IllegalStateException("node " + id + " has not been started");
        }
        return node;
    }

    /** The ids of all the cluster's nodes, 1 to its size, started or not. */
    public List<Integer> ids() {
        return IntStream.rangeClosed(1, size).boxed().toList();
    }

    /** {@code host:port} of every started node's Kafka listener, comma-separated, in the order of their ids. */
    public String bootstrapServers() {
        return started.values().stream().map(BrokerProcess::bootstrapServers).collect(Collectors.joining(","));
    }

    /** kill -9 of node {@code id}. */
    public void kill(int id) throws InterruptedException {
        node(id).kill();
    }

    /** SIGSTOP of node {@code id}. */
    public void pause(int id) throws IOException, InterruptedException {
        node(id).pause();
    }

    /** SIGCONT of node {@code id}, after {@link #pause}. */
    public void resume(int id) throws IOException, InterruptedException {
        node(id).resume();
    }

    /** SIGTERM to node {@code id}, then waits for its exit; returns the exit code. */
    public int stop(int id) throws InterruptedException {
        return node(id).stop();
    }

    /** Starts node {@code id} again on its ports and data directory, once it was stopped or killed. */
    public void restart(int id) throws IOException {
        node(id).restart();
    }

    /** Every running node prints a dump of its threads into its output ({@link BrokerProcess#dumpThreads}). */
    public void dumpThreads() throws InterruptedException {
        inParallel("dumping the threads of", started.keySet(), id -> started.get(id).dumpThreads());
    }

    /** Stops every node that still runs (SIGTERM), all at the same time. */
    @Override
    public void close() throws InterruptedException {
        inParallel("stopping", started.keySet(), id -> started.get(id).close());
    }

    private String[] args(int id) {
        List<String> args = new ArrayList<>(List.of("--node-id", Integer.toString(id), "--cluster", members));
        args.addAll(extraArgs);
        return args.toArray(String[]::new);
    }

    private void checkId(int id) {
        if (id < 1 || id > size) {
            throw new IllegalArgumentException("no node " + id + " in a cluster of " + size);
        }
    }

    @FunctionalInterface
    private interface NodeAction {
        void run(int id) throws Exception;
    }

    /** Runs {@code action} for each of {@code ids} on a thread of its own; fails after all ended if any failed. */
    private static void inParallel(String what, Collection<Integer> ids, NodeAction action)
            throws InterruptedException {
        if (ids.isEmpty()) {
            return;
        }
        ExecutorService threads = Executors.newFixedThreadPool(ids.size());
        try {
            Map<Integer, Future<?>> runs = new LinkedHashMap<>();
            for (int id : ids) {
                runs.put(id, threads.submit(() -> {
                    action.run(id);
                    return null;
                }));
            }
            AssertionError failure = null;
            for (Map.Entry<Integer, Future<?>> run : runs.entrySet()) {
                try {
                    run.getValue().get();
                } catch (ExecutionException e) {
                    AssertionError error = new AssertionError(what + " node " + run.getKey() + " failed: "
                            + e.getCause().getMessage(), e.getCause());
                    if (failure == null) {
                        failure = error;
                    } else {
                        failure.addSuppressed(error);
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            threads.shutdownNow();
        }
    }

    /** {@code count} distinct ports free at the time: all are held open until the last is found. */
    private static List<Integer> freePorts(int count) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket();
                sockets.add(socket);
                socket.setReuseAddress(true);
                socket.bind(null);
            }
            return sockets.stream().map(ServerSocket::getLocalPort).toList();
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }
}
