package io.riverlog.testkit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.partition.PartitionMetrics;
import io.riverlog.actors.partition.PartitionSettings;
import io.riverlog.wal.Storage;

/** Starts partition actors on a data directory inside one actor system, as the broker would. */
public final class PartitionFixture implements AutoCloseable {
    static final Duration TIMEOUT = Duration.ofSeconds(20);
    public static final PartitionSettings DEFAULTS = PartitionSettings.fromConfig(ConfigFactory.load());

    public final ActorTestKit kit = ActorTestKit.create(ConfigFactory.load());
    private final Path dataDir;
    private final PartitionSettings settings;
    private final Storage storage;
    private final PartitionMetrics metrics;

    public PartitionFixture(Path dataDir, PartitionSettings settings) {
        this(dataDir, settings, Storage.LOCAL, PartitionMetrics.NONE);
    }

    public PartitionFixture(Path dataDir, PartitionSettings settings, Storage storage, PartitionMetrics metrics) {
        this.dataDir = dataDir;
        this.settings = settings;
        this.storage = storage;
        this.metrics = metrics;
    }

    public PartitionClient partition(String topic, int partition) {
        PartitionId id = new PartitionId(topic, partition);
        var ref = kit.spawn(PartitionActor.create(id, dataDir.resolve(id.directoryName()), settings, storage, metrics),
                id.directoryName());
        return new PartitionClient(ref, kit.scheduler(), TIMEOUT);
    }

    public List<PartitionClient> partitions(String topic, int count) {
        List<PartitionClient> out = new ArrayList<>();
        for (int p = 0; p < count; p++) {
            out.add(partition(topic, p));
        }
        return out;
    }

    /** Stops the actor system without stopping the partitions first: what a crash of the broker leaves. */
    @Override
    public void close() {
        kit.shutdownTestKit();
    }
}
