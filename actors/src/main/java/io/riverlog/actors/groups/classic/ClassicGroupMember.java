package io.riverlog.actors.groups.classic;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.apache.pekko.actor.typed.ActorRef;

import io.riverlog.actors.groups.GroupRequests.JoinGroup;
import io.riverlog.actors.groups.GroupRequests.JoinResult;
import io.riverlog.actors.groups.GroupRequests.Protocol;
import io.riverlog.actors.groups.GroupRequests.SyncResult;

/**
 * One member of a classic group, as its {@link ClassicGroup} keeps it: who it is, what it supports,
 * its assignment, and the JoinGroup or SyncGroup it is waiting on. Mutable; only its group touches it.
 */
final class ClassicGroupMember {
    private static final byte[] NO_BYTES = new byte[0];

    private final String memberId;
    private final Optional<String> groupInstanceId;
    private final String clientId;
    private final String clientHost;
    private int sessionTimeoutMs;
    private int rebalanceTimeoutMs;
    private List<Protocol> protocols;
    private byte[] assignment = NO_BYTES;
    private ActorRef<JoinResult> awaitingJoin;
    private ActorRef<SyncResult> awaitingSync;

    ClassicGroupMember(String memberId, JoinGroup join) {
        this.memberId = memberId;
        this.groupInstanceId = join.groupInstanceId();
        this.clientId = join.clientId();
        this.clientHost = join.clientHost();
        update(join);
    }

    /** Takes the timeouts and protocols of a new JoinGroup, and waits on it. */
    void update(JoinGroup join) {
        this.sessionTimeoutMs = join.sessionTimeoutMs();
        this.rebalanceTimeoutMs = join.rebalanceTimeoutMs();
        this.protocols = join.protocols();
        this.awaitingJoin = join.replyTo();
    }

    String memberId() {
        return memberId;
    }

    Optional<String> groupInstanceId() {
        return groupInstanceId;
    }

    String clientId() {
        return clientId;
    }

    String clientHost() {
        return clientHost;
    }

    int sessionTimeoutMs() {
        return sessionTimeoutMs;
    }

    int rebalanceTimeoutMs() {
        return rebalanceTimeoutMs;
    }

    List<Protocol> protocols() {
        return protocols;
    }

    boolean supports(String protocolName) {
        return protocols.stream().anyMatch(p -> p.name().equals(protocolName));
    }

    /** The member's metadata for the protocol; empty if it does not support it. */
    byte[] metadata(String protocolName) {
        return protocols.stream().filter(p -> p.name().equals(protocolName)).map(Protocol::metadata).findFirst()
                .orElse(NO_BYTES);
    }

    /** The member's most preferred protocol among {@code candidates}. */
    String vote(List<String> candidates) {
        return protocols.stream().map(Protocol::name).filter(candidates::contains).findFirst()
                .orElseThrow(() -> new IllegalStateException("member " + memberId + " supports none of " + candidates));
    }

    /** True if {@code others} are the same protocols, in the same order, with the same metadata. */
    boolean hasProtocols(List<Protocol> others) {
        if (others.size() != protocols.size()) {
            return false;
        }
        for (int i = 0; i < others.size(); i++) {
            Protocol mine = protocols.get(i);
            Protocol theirs = others.get(i);
            if (!mine.name().equals(theirs.name()) || !Arrays.equals(mine.metadata(), theirs.metadata())) {
                return false;
            }
        }
        return true;
    }

    byte[] assignment() {
        return assignment;
    }

    void assign(byte[] bytes) {
        this.assignment = bytes == null ? NO_BYTES : bytes;
    }

    void clearAssignment() {
        this.assignment = NO_BYTES;
    }

    /** The JoinGroup this member waits on, or null. */
    ActorRef<JoinResult> awaitingJoin() {
        return awaitingJoin;
    }

    /** Returns the JoinGroup this member waited on (or null), and stops waiting. */
    ActorRef<JoinResult> takeAwaitingJoin() {
        ActorRef<JoinResult> out = awaitingJoin;
        awaitingJoin = null;
        return out;
    }

    ActorRef<SyncResult> awaitingSync() {
        return awaitingSync;
    }

    void awaitSync(ActorRef<SyncResult> replyTo) {
        this.awaitingSync = replyTo;
    }

    ActorRef<SyncResult> takeAwaitingSync() {
        ActorRef<SyncResult> out = awaitingSync;
        awaitingSync = null;
        return out;
    }

    /** A member waiting on a JoinGroup or SyncGroup answer is alive, whatever its heartbeats. */
    boolean isWaiting() {
        return awaitingJoin != null || awaitingSync != null;
    }
}
