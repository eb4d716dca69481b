package io.riverlog.actors.groups.consumer.assign;

import java.util.Comparator;

import io.riverlog.actors.partition.PartitionId;

/** Partitions sorted by topic, then partition number: the order assignments are computed and shown in. */
enum PartitionOrder implements Comparator<PartitionId> {
    INSTANCE;

    @Override
    public int compare(PartitionId a, PartitionId b) {
        int byTopic = a.topic().compareTo(b.topic());
        return byTopic != 0 ? byTopic : Integer.compare(a.partition(), b.partition());
    }
}
