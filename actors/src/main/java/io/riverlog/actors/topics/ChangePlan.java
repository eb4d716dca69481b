package io.riverlog.actors.topics;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.topics.TopicRegistry.AlterConfigs;
import io.riverlog.actors.topics.TopicRegistry.CreatePartitions;
import io.riverlog.actors.topics.TopicRegistry.CreateTopic;
import io.riverlog.actors.topics.TopicRegistry.DeleteTopic;

/**
 * What a change will write, decided against the topics as they are when its turn comes: the event,
 * and the partitions it creates (whose leftover directories are removed before the event is
 * written); or why it is refused. One {@code of} per kind of change; pure, no IO.
 */
record ChangePlan(Optional<TopicTable.Rejection> rejection, TopicEvent.OfTopic event, List<PartitionId> newPartitions) {

    private static ChangePlan write(TopicEvent.OfTopic event, List<PartitionId> newPartitions) {
        return new ChangePlan(Optional.empty(), event, newPartitions);
    }

    private static ChangePlan refused(TopicTable.Rejection rejection) {
        return new ChangePlan(Optional.of(rejection), null, List.of());
    }

    static ChangePlan of(CreateTopic create, TopicTable topics, RegistrySettings settings, Supplier<UUID> randomIds) {
        int count = create.partitions() == CreateTopic.DEFAULT_PARTITIONS
                ? settings.defaultPartitions() : create.partitions();
        Optional<TopicTable.Rejection> rejection = topics.checkCreate(create.name(), count,
                settings.maxPartitionsPerTopic(), create.configs());
        if (rejection.isPresent()) {
            return refused(rejection.get());
        }
        UUID id = topics.newTopicId(randomIds);
        return write(new TopicEvent.Created(create.name(), id, count, TopicConfigs.normalized(create.configs())),
                TopicTable.partitionsOf(create.name(), 0, count));
    }

    static ChangePlan of(DeleteTopic delete, TopicTable topics) {
        Optional<TopicTable.Rejection> rejection = topics.checkDelete(delete.name());
        if (rejection.isPresent()) {
            return refused(rejection.get());
        }
        TopicInfo topic = topics.get(delete.name()).orElseThrow();
        return write(new TopicEvent.Deleted(topic.name(), topic.topicId()), List.of());
    }

    static ChangePlan of(CreatePartitions create, TopicTable topics, RegistrySettings settings) {
        Optional<TopicTable.Rejection> rejection = topics.checkCreatePartitions(create.name(),
                create.newTotalCount(), settings.maxPartitionsPerTopic());
        if (rejection.isPresent()) {
            return refused(rejection.get());
        }
        TopicInfo topic = topics.get(create.name()).orElseThrow();
        return write(new TopicEvent.PartitionsAdded(topic.name(), topic.topicId(), create.newTotalCount()),
                TopicTable.partitionsOf(topic.name(), topic.partitions(), create.newTotalCount()));
    }

    static ChangePlan of(AlterConfigs alter, TopicTable topics) {
        Optional<TopicTable.Rejection> rejection = topics.checkAlterConfigs(alter.name(), alter.changes());
        if (rejection.isPresent()) {
            return refused(rejection.get());
        }
        TopicInfo topic = topics.get(alter.name()).orElseThrow();
        Map<String, String> configs = TopicConfigs.applyChanges(topic.configs(), alter.changes());
        return write(new TopicEvent.ConfigsReplaced(topic.name(), topic.topicId(), configs), List.of());
    }
}
