package io.riverlog.actors.topics;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.riverlog.actors.partition.PartitionId;
import io.riverlog.wal.RecordLog;
import io.riverlog.wal.Storage;

/**
 * What the registry does at start, before it answers anything: open the metadata log, replay it
 * into a {@link TopicTable} and the start of the next block of producer ids, and remove the
 * directories under {@code topics/} that belong to no partition of a known topic (a crash in the
 * middle of a delete leaves them). Blocking file IO, for the blocking-IO dispatcher.
 *
 * <p>One guard: if {@code meta/} does not exist but {@code topics/} holds partition directories, the
 * metadata was lost rather than never written, and removing "unknown" directories would delete
 * every topic's data. The load fails instead and leaves the files to the operator.
 */
final class RegistryLoader {

    /**
     * The opened metadata log, the topics it holds, where the next block of producer ids starts, and
     * what happened to directories of no known partition.
     */
    record Loaded(RecordLog<TopicEvent> log, TopicTable topics, long nextUnreservedProducerId, int events,
                  TopicDirectories.Cleanup cleanup) {
    }

    private RegistryLoader() {
    }

    static Loaded load(RegistrySettings settings, Storage storage, Clock clock) throws IOException {
        boolean metadataExisted = storage.isDirectory(settings.metadataDir());
        storage.createDirectories(settings.topicsDir());
        TopicDirectories directories = new TopicDirectories(storage, settings.topicsDir());
        boolean partitionDataExists = directories.list().stream()
                .anyMatch(dir -> TopicDirectories.isPartitionDirectoryName(dir.getFileName().toString()));
        if (!metadataExisted && partitionDataExists) {
            throw new MetadataLoadException(settings.topicsDir() + " holds partition directories but the metadata log "
                    + settings.metadataDir() + " does not exist; refusing to treat them as unknown and delete them."
                    + " Restore " + settings.metadataDir() + ", or move " + settings.topicsDir()
                    + " away to start empty");
        }
        RecordLog<TopicEvent> log = RecordLog.open(settings.metadataDir(), settings.metadataLog(), clock, storage,
                TopicEvents.CODEC);
        try {
            List<TopicEvent> events = new ArrayList<>();
            log.replay(events::add);
            TopicTable topics = new TopicTable();
            long nextUnreservedProducerId = 0;
            for (TopicEvent event : events) {
                if (event instanceof TopicEvent.ProducerIdsReserved reserved) {
                    nextUnreservedProducerId = Math.max(nextUnreservedProducerId, reserved.nextUnreserved());
                    continue;
                }
                try {
                    topics.apply((TopicEvent.OfTopic) event);
                } catch (IllegalStateException e) {
                    throw new MetadataLoadException("metadata log " + settings.metadataDir() + " contradicts itself: "
                            + e.getMessage());
                }
            }
            Set<String> known = new HashSet<>();
            for (PartitionId id : topics.partitions()) {
                known.add(id.directoryName());
            }
            return new Loaded(log, topics, nextUnreservedProducerId, events.size(), directories.removeUnknown(known));
        } catch (IOException | RuntimeException e) {
            try {
                log.close();
            } catch (IOException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }
}
