package io.riverlog.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class ClusterSpecTest {

    @Test
    void readsEachNodesIdHostAndPort() {
        ClusterSpec spec = ClusterSpec.parse(2, "1@127.0.0.1:9093, 2@host-b:9193,3@[::1]:9293");

        assertThat(spec.members()).containsExactly(new ClusterSpec.Member(1, "127.0.0.1", 9093),
                new ClusterSpec.Member(2, "host-b", 9193), new ClusterSpec.Member(3, "[::1]", 9293));
        assertThat(spec.selfMember().address()).isEqualTo("host-b:9193");
        assertThat(spec.asMembers().nodeIds()).isEqualTo(List.of(1, 2, 3));
        assertThat(spec.asMembers().majority()).isEqualTo(2);
    }

    @Test
    void aListWithoutThisNodeIsRefusedNamingTheIdsItHas() {
        assertThatThrownBy(() -> ClusterSpec.parse(4, "1@a:1,2@a:2,3@a:3"))
                .hasMessage("--cluster does not name this node (--node-id 4): it names [1, 2, 3]");
    }

    @Test
    void anIdOrAnEndpointTwiceIsRefused() {
        assertThatThrownBy(() -> ClusterSpec.parse(1, "1@a:1,2@a:2,2@a:3")).hasMessage("--cluster names node 2 twice");
        assertThatThrownBy(() -> ClusterSpec.parse(1, "1@a:1,2@a:1"))
                .hasMessage("--cluster gives two nodes the endpoint a:1");
    }

    @Test
    void malformedEntriesAreRefusedOneByOne() {
        for (String bad : List.of("x", "1@a", "@a:1", "1@:1", "1@a:", "one@a:1", "1@a:port", "-1@a:1", "1@a:0",
                "1@a:65536", "1@a:1,")) {
            assertThatThrownBy(() -> ClusterSpec.parse(1, bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("--cluster entry '");
        }
    }
}
