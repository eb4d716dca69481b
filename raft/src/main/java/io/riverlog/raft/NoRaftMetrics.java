package io.riverlog.raft;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.apache.ratis.metrics.LongCounter;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.Timekeeper;
import org.apache.ratis.util.TimeDuration;

/**
 * The consensus engine's metrics, not kept: it times every append, flush and queued task of every
 * group in decaying reservoirs (a skip list each), about an eighth of the Java time of a node
 * under a steady produce, and nothing here reads them. Found by the engine through its service
 * loader ({@code META-INF/services}) in place of its default registry.
 */
public final class NoRaftMetrics extends MetricRegistries {
    private static final Timekeeper.Context STOPPED = () -> 0L;
    private static final Timekeeper TIMER = () -> STOPPED;
    private static final LongCounter COUNTER = new LongCounter() {
        @Override
        public void inc(long n) {
        }

        @Override
        public void dec(long n) {
        }

        @Override
        public long getCount() {
            return 0;
        }
    };

    @Override
    public void clear() {
    }

    @Override
    public RatisMetricRegistry create(MetricRegistryInfo info) {
        return new RatisMetricRegistry() {
            @Override
            public Timekeeper timer(String name) {
                return TIMER;
            }

            @Override
            public LongCounter counter(String name) {
                return COUNTER;
            }

            @Override
            public boolean remove(String name) {
                return false;
            }

            @Override
            public <T> void gauge(String name, Supplier<Supplier<T>> gaugeSupplier) {
            }

            @Override
            public MetricRegistryInfo getMetricRegistryInfo() {
                return info;
            }
        };
    }

    @Override
    public boolean remove(MetricRegistryInfo key) {
        return false;
    }

    @Override
    public Optional<RatisMetricRegistry> get(MetricRegistryInfo info) {
        return Optional.empty();
    }

    @Override
    public Set<MetricRegistryInfo> getMetricRegistryInfos() {
        return Set.of();
    }

    @Override
    public Collection<RatisMetricRegistry> getMetricRegistries() {
        return List.of();
    }

    @Override
    public void addReporterRegistration(Consumer<RatisMetricRegistry> reporterRegistration,
                                        Consumer<RatisMetricRegistry> stopReporter) {
    }

    @Override
    public void enableJmxReporter() {
    }

    @Override
    public void enableConsoleReporter(TimeDuration consoleReportRate) {
    }
}
