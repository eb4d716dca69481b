package io.riverlog.raft;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.riverlog.actors.cluster.ClusterMembers;

/**
 * The cluster as the command line names it ({@code --cluster 1@host:9093,2@host:9193,...}): each
 * node's id and inter-node endpoint, and which node this one is ({@code --node-id}).
 */
public record ClusterSpec(int self, List<Member> members) {

    /** One node: its id and the host and port of its inter-node endpoint. */
    public record Member(int id, String host, int port) {
        public String address() {
            return host + ":" + port;
        }
    }

    /**
     * Reads {@code --cluster}.
     *
     * @throws IllegalArgumentException with a message fit for one line, if the list is malformed,
     *                                  names an id twice or an endpoint twice, or lacks this node
     */
    public static ClusterSpec parse(int self, String list) {
        List<Member> members = new ArrayList<>();
        Set<Integer> ids = new HashSet<>();
        Set<String> endpoints = new HashSet<>();
        for (String item : list.split(",", -1)) {
            Member member = member(item.trim());
            if (!ids.add(member.id())) {
                throw new IllegalArgumentException("--cluster names node " + member.id() + " twice");
            }
            if (!endpoints.add(member.address())) {
                throw new IllegalArgumentException("--cluster gives two nodes the endpoint " + member.address());
            }
            members.add(member);
        }
        if (!ids.contains(self)) {
            throw new IllegalArgumentException("--cluster does not name this node (--node-id " + self + "): it names "
                    + members.stream().map(Member::id).sorted().toList());
        }
        return new ClusterSpec(self, List.copyOf(members));
    }

    private static Member member(String item) {
        int at = item.indexOf('@');
        int colon = item.lastIndexOf(':');
        if (at < 1 || colon < at + 2 || colon == item.length() - 1) {
            throw new IllegalArgumentException("--cluster entry '" + item + "' is not id@host:port");
        }
        int id;
        int port;
        try {
            id = Integer.parseInt(item.substring(0, at));
            port = Integer.parseInt(item.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--cluster entry '" + item + "' is not id@host:port");
        }
        if (id < 0) {
            throw new IllegalArgumentException("--cluster entry '" + item + "': a node id is 0 or more");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("--cluster entry '" + item + "': port " + port
                    + " is not between 1 and 65535");
        }
        return new Member(id, item.substring(at + 1, colon), port);
    }

    public Member selfMember() {
        return member(self).orElseThrow();
    }

    public Optional<Member> member(int id) {
        return members.stream().filter(m -> m.id() == id).findFirst();
    }

    public ClusterMembers asMembers() {
        return new ClusterMembers(self, members.stream().map(Member::id).toList(), true);
    }
}
