package io.riverlog.raft;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.netty.NettyConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.riverlog.actors.cluster.ReplicatedJournal;
import io.riverlog.actors.cluster.ReplicatedStateMachine;

/**
 * This node's one Raft server (Apache Ratis, Netty transport) on its inter-node endpoint, hosting the
 * cluster's metadata group: every member of {@code --cluster} is a voter. The group's log lives
 * under {@code <data-dir>/raft}; a restarted node finds it there and rejoins.
 *
 * <p>Committed, in Ratis, means written and fsynced on a majority of the group, the leader included
 * (its default; the unsafe flush that would answer before the fsync is never enabled).
 */
public final class RaftNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RaftNode.class);
    /** The metadata group's id: the same on every node of every cluster, which holds one such group. */
    static final UUID METADATA_GROUP = UUID.nameUUIDFromBytes("riverlog-metadata".getBytes(StandardCharsets.UTF_8));
    private static final Duration CLIENT_RETRY_SLEEP = Duration.ofMillis(100);
    /** Closed segments of a group's log kept in memory (the fewest Ratis allows), within raft-log-cache-size. */
    private static final int CACHED_SEGMENTS = 2;
    /** How soon a leader that is not ready yet is asked again: it usually is within a heartbeat. */
    private static final Duration NOT_READY_RETRY = Duration.ofMillis(20);
    /** How soon a leadership transfer that failed (another member was elected meanwhile) is asked again. */
    private static final Duration TRANSFER_RETRY = Duration.ofMillis(200);

    private final RaftServer server;
    private final RaftClient metadataClient;
    private final Duration requestTimeout;
    private final ClusterSpec spec;
    private final ClusterSettings settings;
    /** The partition groups whose division runs on this node, by number; they change as groups move. */
    private final java.util.Map<Integer, RaftGroupId> dataGroups;
    /**
     * A client of every partition group (a member's, for an entry this node took for its own while
     * another node led; any, to move a group's leadership).
     */
    private final java.util.Map<Integer, RaftClient> dataClients;
    /** Runs the consensus engine's blocking admin calls (leadership transfers), off callers' threads. */
    private final java.util.concurrent.ExecutorService adminCalls = java.util.concurrent.Executors.newCachedThreadPool(
            task -> {
                Thread thread = new Thread(task, "raft-admin");
                thread.setDaemon(true);
                return thread;
            });
    /** Submits to this node's own divisions: produce to the partition groups it leads. */
    private final LocalSubmitter local;
    /** This node as the sender of its own requests to its server (group membership, configurations). */
    private final ClientId localClient = ClientId.randomId();
    private final AtomicLong localCalls = new AtomicLong();
    private final InSyncReplicas inSync;
    /** The partition groups without a leader for longer than the warning limit; the sampler's thread owns it. */
    private final LeaderlessGroups leaderless;
    /** Run after each sample ({@link #afterEachSample}); null if none. */
    private volatile Runnable afterSample;
    /** Samples the partition groups' commit indexes for {@link #inSync}. */
    private final java.util.concurrent.ScheduledExecutorService sampler =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(task -> {
                Thread thread = new Thread(task, "raft-isr-sampler");
                thread.setDaemon(true);
                return thread;
            });

    private RaftNode(ClusterSpec spec, ClusterSettings settings, RaftServer server, RaftClient metadataClient,
                     Duration requestTimeout,
                     java.util.Map<Integer, RaftGroupId> dataGroups, java.util.Map<Integer, RaftClient> dataClients,
                     Duration replicaLagTime, LocalSubmitter local) {
        this.spec = spec;
        this.local = local;
        this.settings = settings;
        this.server = server;
        this.metadataClient = metadataClient;
        this.requestTimeout = requestTimeout;
        this.dataGroups = dataGroups;
        this.dataClients = dataClients;
        this.inSync = new InSyncReplicas(replicaLagTime);
        this.leaderless = new LeaderlessGroups(settings.leaderlessWarning().toMillis());
        long every = inSync.sampleInterval().toMillis();
        sampler.scheduleWithFixedDelay(this::sampleCommitIndexes, every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * Starts the Raft server with the metadata group, whose entries {@code metadata} applies. Returns
     * once the server runs: a leader is elected once a majority of the members runs.
     */
    public static RaftNode start(ClusterSpec spec, ClusterSettings settings, Path raftDir,
                                 ReplicatedStateMachine metadata) throws IOException {
        return start(spec, settings, raftDir, metadata, 0, group -> null);
    }

    /**
     * As {@link #start(ClusterSpec, ClusterSettings, Path, ReplicatedStateMachine)}, also hosting this
     * node's share of {@code dataGroups} partition groups ({@link DataGroups}), group g's entries
     * applied by {@code dataMachines.apply(g)}.
     */
    public static RaftNode start(ClusterSpec spec, ClusterSettings settings, Path raftDir,
                                 ReplicatedStateMachine metadata, int dataGroups,
                                 java.util.function.IntFunction<ReplicatedStateMachine> dataMachines)
            throws IOException {
        List<RaftGroup> data = DataGroups.of(spec, dataGroups);
        java.util.Map<RaftGroupId, Integer> numbers = new java.util.HashMap<>();
        java.util.Map<Integer, RaftGroup> mine = new java.util.TreeMap<>();
        for (int g = 0; g < data.size(); g++) {
            RaftGroup group = data.get(g);
            numbers.put(group.getGroupId(), g);
            if (group.getPeer(peerId(spec.self())) != null) {
                mine.put(g, group);
            }
        }
        Files.createDirectories(raftDir);
        RaftGroup group = RaftGroup.valueOf(RaftGroupId.valueOf(METADATA_GROUP),
                spec.members().stream().map(RaftNode::peer).toList());
        ClusterSpec.Member self = spec.selfMember();
        RaftProperties properties = new RaftProperties();
        RaftConfigKeys.Rpc.setType(properties, new NettyTransport());
        NettyConfigKeys.Server.setHost(properties, self.host());
        NettyConfigKeys.Server.setPort(properties, self.port());
        RaftServerConfigKeys.setStorageDir(properties, List.of(raftDir.toFile()));
        RaftServerConfigKeys.setRemovedGroupsDir(properties, raftDir.resolve("removed-groups").toFile());
        RaftServerConfigKeys.Rpc.setTimeoutMin(properties, time(settings.electionTimeoutMin()));
        RaftServerConfigKeys.Rpc.setTimeoutMax(properties, time(settings.electionTimeoutMax()));
        RaftServerConfigKeys.Rpc.setSleepTime(properties, time(settings.appenderRetryInterval()));
        // Ratis' defaults let each group keep hundreds of MB of its log and of pending entries on the
        // heap (a 32 MB segment, 6 cached segments up to 200 MB, 64 MB pending): with several groups
        // per node that outgrows any heap under a sustained produce.
        RaftServerConfigKeys.Log.setSegmentSizeMax(properties, SizeInBytes.valueOf(settings.logSegmentBytes()));
        RaftServerConfigKeys.Log.setSegmentCacheNumMax(properties, CACHED_SEGMENTS);
        RaftServerConfigKeys.Log.setSegmentCacheSizeMax(properties, SizeInBytes.valueOf(settings.logCacheBytes()));
        RaftServerConfigKeys.Write.setByteLimit(properties, SizeInBytes.valueOf(settings.pendingBytes()));
        RaftServerConfigKeys.Log.setLogMetadataEnabled(properties, settings.logCommitIndex());
        // A snapshot is a marker that the partitions' segments hold everything up to an index
        // (JournalStateMachine): a restart applies only the entries after it, and the log is purged up
        // to it, but not past what any member has committed (a member that is down holds the purge
        // back, rather than have to copy whole partitions when it returns), unless that member is more than
        // lagging-member-entries behind (JournalStateMachine purges past it). A member that still needs
        // purged entries is told to install a snapshot, which it copies itself from the leader (notify
        // mode: the consensus engine never sends the partitions' data).
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(properties, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(properties, settings.snapshotEntries());
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(properties, false);
        RaftServerConfigKeys.Log.setPurgeGap(properties, settings.purgeRaftLogs() ? settings.snapshotEntries()
                : Integer.MAX_VALUE);
        RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(properties, false);
        long laggingMemberEntries = settings.purgeRaftLogs() ? settings.laggingMemberEntries()
                : JournalStateMachine.NEVER_PAST_LAGGING_MEMBERS;
        // The groups are formed from --cluster on the first start only; later starts recover them, with
        // their logs and configurations, from the storage directory: those this node hosts then, after
        // partition groups moved, are those whose directories it has.
        boolean fresh = !Files.isDirectory(raftDir.resolve(METADATA_GROUP.toString()));
        LocalSubmitter local = new LocalSubmitter(settings.requestTimeout(), NOT_READY_RETRY);
        RaftServer.Builder builder = RaftServer.newBuilder().setServerId(peerId(self.id()))
                .setProperties(properties)
                .setStateMachineRegistry(groupId -> {
                    if (groupId.getUuid().equals(METADATA_GROUP)) {
                        return new JournalStateMachine(metadata, settings.installRetryInterval(), laggingMemberEntries,
                                settings.logCommitIndex() ? null : local);
                    }
                    Integer number = numbers.get(groupId);
                    if (number == null) {
                        throw new IllegalStateException("group " + groupId + " is neither the metadata group nor one"
                                + " of the " + data.size() + " partition groups (riverlog.cluster.partition-groups)");
                    }
                    return new JournalStateMachine(dataMachines.apply(number), settings.installRetryInterval(),
                            laggingMemberEntries, null);
                });
        if (fresh) {
            builder.setGroup(group);
        }
        RaftServer server = builder.build();
        try {
            server.start();
        } catch (IOException | RuntimeException e) {
            closeQuietly(server);
            throw new IOException("the Raft server on " + self.address() + " did not start: " + e.getMessage(), e);
        }
        log.info("Raft server of node {} listens on {}; metadata group of nodes {} ({})", self.id(), self.address(),
                spec.members().stream().map(ClusterSpec.Member::id).toList(), fresh ? "formed" : "recovered");
        java.util.Map<Integer, RaftGroupId> dataGroupIds = new java.util.concurrent.ConcurrentSkipListMap<>();
        java.util.Map<Integer, RaftClient> dataClients = new java.util.concurrent.ConcurrentHashMap<>();
        long callId = 0;
        for (RaftGroupId recovered : server.getGroupIds()) {
            Integer number = numbers.get(recovered);
            if (number != null) {
                dataGroupIds.put(number, recovered);
            }
        }
        for (java.util.Map.Entry<Integer, RaftGroup> entry : fresh ? mine.entrySet()
                : java.util.Set.<java.util.Map.Entry<Integer, RaftGroup>>of()) {
            RaftGroup dataGroup = entry.getValue();
            if (!Files.isDirectory(raftDir.resolve(dataGroup.getGroupId().getUuid().toString()))) {
                org.apache.ratis.protocol.RaftClientReply added = server.groupManagement(
                        GroupManagementRequest.newAdd(
                                org.apache.ratis.protocol.ClientId.randomId(), peerId(self.id()), callId++, dataGroup,
                                true));
                if (!added.isSuccess()) {
                    closeQuietly(server);
                    throw new IOException("partition group " + entry.getKey() + " could not be added: " + added);
                }
            }
            dataGroupIds.put(entry.getKey(), dataGroup.getGroupId());
        }
        for (int g = 0; g < data.size(); g++) {
            RaftGroup known = data.get(g);
            if (dataGroupIds.containsKey(g)) {
                // A group that moved since the first start has other members than --cluster gives.
                known = server.getDivision(known.getGroupId()).getGroup();
            }
            dataClients.put(g, client(known, settings));
        }
        return new RaftNode(spec, settings, server, client(group, settings), settings.requestTimeout(), dataGroupIds,
                dataClients, settings.replicaLagTime(), local);
    }

    /** The metadata group, as the registry submits to it. */
    public ReplicatedJournal metadataJournal() {
        return this::submitMetadata;
    }

    private CompletionStage<ReplicatedJournal.Committed> submitMetadata(byte[] entry) {
        return submit(metadataClient, entry);
    }

    private CompletionStage<ReplicatedJournal.Committed> submit(RaftClient client, byte[] entry) {
        CompletableFuture<ReplicatedJournal.Committed> result = new CompletableFuture<>();
        client.async().send(Message.valueOf(UnsafeByteOperations.unsafeWrap(entry)))
                .whenComplete((reply, failure) -> complete(result, reply, failure));
        return result.orTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    static void complete(CompletableFuture<ReplicatedJournal.Committed> result, RaftClientReply reply,
                         Throwable failure) {
        if (failure != null) {
            result.completeExceptionally(failure);
        } else if (!reply.isSuccess()) {
            result.completeExceptionally(reply.getException() != null ? reply.getException()
                    : new IOException("the group refused the entry: " + reply));
        } else {
            result.complete(new ReplicatedJournal.Committed(reply.getLogIndex(),
                    reply.getMessage().getContent().toByteArray()));
        }
    }

    /** The partition groups whose division runs on this node. */
    public java.util.Set<Integer> dataGroups() {
        return java.util.Set.copyOf(dataGroups.keySet());
    }

    /**
     * Starts a division of partition group {@code group} on this node, outside the group's configuration
     * ({@code members}, the group's members now, this node not among them): it starts without a role
     * and waits for the leader to send it the log; it counts once a configuration naming it commits.
     */
    public CompletionStage<Void> joinGroup(int group, List<Integer> members) {
        List<RaftPeer> others = members.stream().filter(node -> node != spec.self()).map(this::peerOf).toList();
        RaftGroup joined = RaftGroup.valueOf(DataGroups.id(group), others);
        return groupManagement(GroupManagementRequest.newAdd(localClient, server.getId(),
                localCalls.incrementAndGet(), joined, true)).thenRun(() -> {
                    dataGroups.put(group, joined.getGroupId());
                    replaceClient(group, members);
                    log.info("Node {} joined partition group {} (members {})", spec.self(), group, members);
                });
    }

    /** Stops this node's division of partition group {@code group} and removes its log. */
    public CompletionStage<Void> leaveGroup(int group) {
        RaftGroupId id = DataGroups.id(group);
        dataGroups.remove(group);
        return groupManagement(GroupManagementRequest.newRemove(localClient,
                server.getId(), localCalls.incrementAndGet(), id, true, false))
                .exceptionally(failure -> {
                    // A division the leader told to shut down (it was removed) may be gone already.
                    if (java.util.stream.StreamSupport.stream(server.getGroupIds().spliterator(), false)
                            .anyMatch(id::equals)) {
                        throw new java.util.concurrent.CompletionException(failure);
                    }
                    return null;
                })
                .thenRun(() -> log.info("Node {} left partition group {}", spec.self(), group));
    }

    /**
     * Runs on an admin thread, off the caller's: Ratis removes a group on the calling thread (closing its
     * division waits for the state machine), which must not be an actor's; and never for longer than a
     * request may take.
     */
    private CompletionStage<Void> groupManagement(GroupManagementRequest request) {
        return CompletableFuture.supplyAsync(() -> server.groupManagementAsync(request), adminCalls)
                .thenCompose(reply -> reply).orTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .thenAccept(RaftNode::requireSuccess);
    }

    /** Throws what the group answered if it refused a request (as the exception of the stage it runs in). */
    private static void requireSuccess(RaftClientReply reply) {
        if (!reply.isSuccess()) {
            throw new java.util.concurrent.CompletionException(reply.getException() != null
                    ? reply.getException() : new IOException("refused: " + reply));
        }
    }

    /**
     * Changes partition group {@code group}'s configuration to {@code members} (the first the preferred
     * leader), through this node's division, which must lead: new members catch up with the log before
     * the configuration that counts them is committed (joint consensus). Done once it is.
     */
    public CompletionStage<Void> reconfigure(int group, List<Integer> members) {
        List<RaftPeer> peers = DataGroups.peers(members.stream().map(this::memberOf).toList());
        SetConfigurationRequest request = new SetConfigurationRequest(localClient, server.getId(),
                DataGroups.id(group), localCalls.incrementAndGet(),
                SetConfigurationRequest.Arguments.newBuilder().setServersInNewConf(peers).build());
        return CompletableFuture.supplyAsync(() -> {
            try {
                return server.setConfigurationAsync(request);
            } catch (IOException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, adminCalls).thenCompose(reply -> reply)
                // Given up after a while (the next check asks again, and Ratis answers at once once it is done).
                .orTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS).thenAccept(reply -> {
                    requireSuccess(reply);
                    replaceClient(group, members);
                });
    }

    private void replaceClient(int group, List<Integer> members) {
        RaftClient old = dataClients.put(group, client(RaftGroup.valueOf(DataGroups.id(group),
                members.stream().map(this::peerOf).toList()), settings));
        if (old != null) {
            closeQuietly(old);
        }
    }

    private RaftPeer peerOf(int nodeId) {
        return peer(memberOf(nodeId));
    }

    private ClusterSpec.Member memberOf(int nodeId) {
        return spec.member(nodeId).orElseThrow(() -> new IllegalArgumentException("node " + nodeId
                + " is not a member of the cluster"));
    }

    /**
     * Partition group {@code group} as this node submits its other entries to it (committed offsets of
     * the consumer groups whose shard it is): straight to this node's own division if it leads. No Raft
     * client in between: a client would first try the leader it last knew, which after a failover is
     * the node that failed. Only if this node turns out not to lead (leadership moved since the handler
     * looked) does the entry go through the group's client, which finds the leader. Produce uses
     * {@link #leaderJournal}.
     */
    public ReplicatedJournal dataJournal(int group) {
        RaftGroupId id = dataGroups.get(group);
        if (id == null) {
            return notAMember(group);
        }
        RaftClient client = dataClients.get(group);
        return entry -> local.submit(server, id, entry).handle((committed, failure) -> failure == null
                ? CompletableFuture.completedFuture(committed)
                : failure instanceof NotLeaderException ? submit(client, entry)
                : CompletableFuture.<ReplicatedJournal.Committed>failedFuture(failure)).thenCompose(c -> c);
    }

    /**
     * Partition group {@code group} as a produce submits to it: to this node's own division, only if it
     * leads and is ready; otherwise the entry fails at once ({@code NotLeaderException},
     * {@code LeaderNotReadyException}), and the producer, told NOT_LEADER_OR_FOLLOWER, sends it again.
     * Nothing waits or goes round through the group's client, as {@link #dataJournal}'s entries may:
     * an idempotent producer's batch held back that way was overtaken by its next batch, sent to the
     * new leader meanwhile, which the log then took as the producer's first; the held batch, refused
     * from then on as out of sequence, was never written (the rolling restart test saw it).
     */
    public ReplicatedJournal leaderJournal(int group) {
        RaftGroupId id = dataGroups.get(group);
        return id == null ? notAMember(group) : entry -> local.submitNow(server, id, entry);
    }

    /** The journal of a group this node is not a member of: every entry fails. */
    private ReplicatedJournal notAMember(int group) {
        return entry -> CompletableFuture.failedFuture(new IllegalStateException("node " + server.getId()
                + " is not a member of partition group " + group));
    }

    /** True if this node is a member of partition group {@code group}. */
    public boolean isMember(int group) {
        return dataGroups.containsKey(group);
    }

    /** The node that leads partition group {@code group}, as this node knows it; empty while unknown. */
    public java.util.OptionalInt leaderOf(int group) {
        return leaderAndTerm(group).map(leader -> java.util.OptionalInt.of((int) leader[0]))
                .orElse(java.util.OptionalInt.empty());
    }

    /**
     * The node that leads partition group {@code group} as this node knows it, and its term. This node
     * names itself only once it carried out every entry that earlier leaders committed: until then
     * its partitions are behind what consumers were served (Raft elects a member that holds every
     * committed entry, not one that applied them), and clients wait as during an election.
     */
    public java.util.Optional<long[]> leaderAndTerm(int group) {
        try {
            RaftServer.Division division = server.getDivision(DataGroups.id(group));
            org.apache.ratis.protocol.RaftPeerId leader = division.getInfo().getLeaderId();
            if (leader == null || leader.equals(server.getId()) && !((JournalStateMachine) division.getStateMachine())
                    .caughtUpIn(division.getInfo().getCurrentTerm())) {
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(new long[] {nodeOf(leader),
                division.getInfo().getCurrentTerm()});
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    /**
     * The newest snapshot of partition group {@code group} on this node: everything its entries up to
     * there did is durable in its partitions. Empty if it has taken none, or the group is not here.
     */
    public java.util.Optional<io.riverlog.actors.cluster.SnapshotPoint> latestSnapshot(int group) {
        try {
            org.apache.ratis.statemachine.SnapshotInfo latest = server.getDivision(DataGroups.id(group))
                    .getStateMachine().getLatestSnapshot();
            return latest == null ? java.util.Optional.empty() : java.util.Optional.of(
                    new io.riverlog.actors.cluster.SnapshotPoint(latest.getTerm(), latest.getIndex()));
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    /** The term in which this node leads partition group {@code group} now; empty if it does not lead it. */
    public java.util.OptionalInt leadingTerm(int group) {
        try {
            RaftServer.Division division = server.getDivision(DataGroups.id(group));
            long term = division.getInfo().getCurrentTerm();
            return division.getInfo().isLeader() ? java.util.OptionalInt.of(Math.toIntExact(term))
                    : java.util.OptionalInt.empty();
        } catch (IOException e) {
            return java.util.OptionalInt.empty();
        }
    }

    /**
     * The current Raft term of partition group {@code group} on this node (a member), as an int: the
     * leader epoch of its partitions. -1 if the group is not here.
     */
    public int termOf(int group) {
        try {
            return Math.toIntExact(server.getDivision(DataGroups.id(group)).getInfo().getCurrentTerm());
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * Runs {@code task} on the sampling thread after each sample of the groups' commit indexes (every
     * {@code replica-lag-time} / {@value InSyncReplicas#SAMPLES_PER_LAG}), once the in-sync members are fresh.
     */
    public void afterEachSample(Runnable task) {
        afterSample = task;
    }

    private void sampleCommitIndexes() {
        sampleEach();
        Runnable task = afterSample;
        if (task != null) {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.warn("A task after sampling the partition groups' commit indexes failed: {}", e.toString());
            }
        }
    }

    private void sampleEach() {
        long now = System.nanoTime() / 1_000_000;
        for (java.util.Map.Entry<Integer, RaftGroupId> group : dataGroups.entrySet()) {
            try {
                RaftServer.Division division = server.getDivision(group.getValue());
                inSync.sample(group.getKey(), now, division.getRaftLog().getLastCommittedIndex());
                noteLeader(group.getKey(), division.getInfo().getRoleInfoProto());
            } catch (IOException | RuntimeException e) {
                log.debug("Sampling the commit index of partition group {} failed: {}", group.getKey(), e.toString());
            }
        }
    }

    /** Tells the operator when a partition group has been without a leader for too long, and when it has one again. */
    private void noteLeader(int group, org.apache.ratis.proto.RaftProtos.RoleInfoProto role) {
        long since = LeaderlessGroups.sinceLeaderMs(role);
        switch (leaderless.observe(group, since)) {
            case LEADERLESS -> log.warn("Partition group {} has heard from no leader for {} ms (this node is its {}):"
                    + " its partitions take no records and serve no reads until one is elected, which needs a"
                    + " majority of its members up and in reach of each other ({} groups without a leader here)",
                    group, since, role.getRole(), leaderless.count());
            case LED_AGAIN -> log.info("Partition group {} has a leader again ({} groups without one here)", group,
                    leaderless.count());
            case NONE -> { }
        }
    }

    /**
     * The members of partition group {@code group} that are in sync ({@link InSyncReplicas}), as this
     * node (a member) knows them; empty if it is not a member.
     */
    public java.util.Optional<java.util.Set<Integer>> inSyncReplicas(int group) {
        RaftGroupId id = dataGroups.get(group);
        if (id == null) {
            return java.util.Optional.empty();
        }
        try {
            RaftServer.Division division = server.getDivision(id);
            java.util.Map<Integer, Long> commits = new java.util.HashMap<>();
            division.getCommitInfos().forEach(info -> commits.put(nodeIdOf(info.getServer().getId().toStringUtf8()),
                    info.getCommitIndex()));
            java.util.Set<Integer> silent = new java.util.HashSet<>();
            org.apache.ratis.proto.RaftProtos.RoleInfoProto role = division.getInfo().getRoleInfoProto();
            if (role.hasLeaderInfo()) {
                role.getLeaderInfo().getFollowerInfoList().stream()
                        .filter(follower -> follower.getLastRpcElapsedTimeMs() > inSync.lagMs())
                        .forEach(follower -> silent.add(nodeIdOf(follower.getId().getId().toStringUtf8())));
            }
            RaftPeerId leader = division.getInfo().getLeaderId();
            return java.util.Optional.of(inSync.inSync(leader == null ? -1 : nodeIdOf(leader.toString()), commits,
                    inSync.required(group, System.nanoTime() / 1_000_000), silent));
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    private static int nodeIdOf(String peerId) {
        return Integer.parseInt(peerId.substring("node-".length()));
    }

    /** The index of the first entry partition group {@code group} still keeps in this node's log. */
    long logStartIndex(int group) throws IOException {
        return server.getDivision(DataGroups.id(group)).getRaftLog().getStartIndex();
    }

    /**
     * Asks partition group {@code group}'s leader to hand its leadership to node {@code nodeId} (which
     * must be a member), waiting up to {@code timeout}: done once that node leads, failed otherwise.
     * Leadership moves only to a member that has caught up; meanwhile the leader refuses new entries.
     */
    public CompletionStage<Void> transferLeadership(int group, int nodeId, Duration timeout) {
        RaftClient client = dataClients.get(group);
        if (client == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("no partition group " + group));
        }
        return CompletableFuture.supplyAsync(() -> {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                try {
                    requireSuccess(client.admin().transferLeadership(peerId(nodeId), Math.max(1, left)));
                    return null;
                } catch (IOException | RuntimeException e) {
                    // Another member may win an election while leadership moves (a node restarting under
                    // load: "different leader"); the new leader is asked again while there is time.
                    if (left < 2 * TRANSFER_RETRY.toMillis()) {
                        throw e instanceof RuntimeException runtime ? runtime
                                : new java.util.concurrent.CompletionException(e);
                    }
                    try {
                        TimeUnit.MILLISECONDS.sleep(TRANSFER_RETRY.toMillis());
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        throw new java.util.concurrent.CompletionException(interrupted);
                    }
                }
            }
        }, adminCalls);
    }

    @Override
    public void close() {
        sampler.shutdownNow();
        adminCalls.shutdownNow();
        dataClients.values().forEach(RaftNode::closeQuietly);
        closeQuietly(metadataClient);
        closeQuietly(server);
    }

    private static RaftClient client(RaftGroup group, ClusterSettings settings) {
        RaftProperties properties = new RaftProperties();
        RaftConfigKeys.Rpc.setType(properties, new NettyTransport());
        RaftClientConfigKeys.Rpc.setRequestTimeout(properties, time(settings.electionTimeoutMax()));
        // Retries find the leader (and a new one after a failover), and never give up: a client whose
        // retries ran out fails every later request too. The submitter stops waiting after the request
        // timeout instead (submitMetadata), and hears that the outcome is unknown.
        return RaftClient.newBuilder().setProperties(properties).setRaftGroup(group)
                .setRetryPolicy(RetryPolicies.retryForeverWithSleep(time(CLIENT_RETRY_SLEEP)))
                .build();
    }

    private static RaftPeer peer(ClusterSpec.Member member) {
        return RaftPeer.newBuilder().setId(peerId(member.id())).setAddress(member.address()).build();
    }

    /** The node whose Raft server is {@code peer}. */
    static int nodeOf(RaftPeerId peer) {
        return Integer.parseInt(peer.toString().substring("node-".length()));
    }

    static RaftPeerId peerId(int nodeId) {
        return RaftPeerId.valueOf("node-" + nodeId);
    }

    private static TimeDuration time(Duration duration) {
        return TimeDuration.valueOf(duration.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            log.warn("Closing {} failed: {}", closeable.getClass().getSimpleName(), e.toString());
        }
    }
}
