package io.riverlog.api.kafka.handlers;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData.OngoingPartitionReassignment;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData.OngoingTopicReassignment;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ListPartitionReassignmentsRequest;

import io.riverlog.actors.cluster.Placement;
import io.riverlog.actors.topics.TopicInfo;
import io.riverlog.api.kafka.codec.KafkaRequest;
import io.riverlog.api.topics.BrokerTopics;

/**
 * ListPartitionReassignments, served by any node: the partitions whose group is moving, as Kafka lists
 * them: every replica involved (the target, then those being removed), those being added and those
 * being removed. Asked for all partitions (null topics) it lists every partition of every moving
 * group; asked for some, those of them that move. A single node has none.
 */
final class ListPartitionReassignmentsHandler implements KafkaRequestHandler {
    private final BrokerTopics topics;

    ListPartitionReassignmentsHandler(BrokerTopics topics) {
        this.topics = topics;
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        ListPartitionReassignmentsRequestData data = request.bodyAs(ListPartitionReassignmentsRequest.class).data();
        ListPartitionReassignmentsResponseData out = new ListPartitionReassignmentsResponseData().setThrottleTimeMs(0)
                .setErrorCode(Errors.NONE.code());
        if (!topics.cluster().isCluster()) {
            return CompletableFuture.completedFuture(Optional.of(out));
        }
        Placement placement = topics.cluster().placement();
        return topics.list().thenApply(known -> {
            for (TopicInfo topic : known) {
                Set<Integer> asked = askedOf(data, topic);
                List<OngoingPartitionReassignment> moving = new ArrayList<>();
                for (int partition = 0; partition < topic.partitions(); partition++) {
                    if (asked != null && !asked.contains(partition)) {
                        continue;
                    }
                    int group = placement.groupOf(topic.topicId(), partition);
                    int index = partition;
                    placement.targetOfGroup(group).ifPresent(target -> moving.add(ongoing(index,
                            placement.replicasOf(topic.topicId(), index), placement.replicasOfGroup(group), target)));
                }
                if (!moving.isEmpty()) {
                    out.topics().add(new OngoingTopicReassignment().setName(topic.name()).setPartitions(moving));
                }
            }
            return Optional.<ApiMessage>of(out);
        });
    }

    /** The partitions of {@code topic} the request asks about; null for all, empty for none. */
    private static Set<Integer> askedOf(ListPartitionReassignmentsRequestData data, TopicInfo topic) {
        if (data.topics() == null) {
            return null;
        }
        Set<Integer> asked = new HashSet<>();
        data.topics().stream().filter(t -> t.name().equals(topic.name()))
                .forEach(t -> asked.addAll(t.partitionIndexes()));
        return asked;
    }

    private static OngoingPartitionReassignment ongoing(int partition, List<Integer> all, List<Integer> members,
                                                        List<Integer> target) {
        List<Integer> adding = target.stream().filter(node -> !members.contains(node)).toList();
        List<Integer> removing = members.stream().filter(node -> !target.contains(node)).toList();
        return new OngoingPartitionReassignment().setPartitionIndex(partition).setReplicas(all)
                .setAddingReplicas(adding).setRemovingReplicas(removing);
    }
}
