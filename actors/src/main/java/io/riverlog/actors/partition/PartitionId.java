package io.riverlog.actors.partition;

/** A partition of a topic; its log lives in the directory {@code <topic>-<partition>}. */
public record PartitionId(String topic, int partition) {

    public String directoryName() {
        return topic + "-" + partition;
    }

    @Override
    public String toString() {
        return directoryName();
    }
}
