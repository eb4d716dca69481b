package io.riverlog.actors.groups.consumer.assign;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The assignors a broker offers, by name; the first is used when a member names none. */
public final class Assignors {
    private static final Map<String, PartitionAssignor> KNOWN = Map.of(
            UniformAssignor.NAME, new UniformAssignor(),
            RangeAssignor.NAME, new RangeAssignor());

    private final Map<String, PartitionAssignor> offered;

    private Assignors(Map<String, PartitionAssignor> offered) {
        this.offered = offered;
    }

    /**
     * The assignors named, in order.
     *
     * @throws IllegalArgumentException if the list is empty or names an assignor that does not exist
     */
    public static Assignors of(List<String> names) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("riverlog.groups.consumer.assignors must name at least one of "
                    + KNOWN.keySet());
        }
        Map<String, PartitionAssignor> offered = new LinkedHashMap<>();
        for (String name : names) {
            PartitionAssignor assignor = KNOWN.get(name);
            if (assignor == null) {
                throw new IllegalArgumentException("riverlog.groups.consumer.assignors: unknown assignor '" + name
                        + "'; known: " + KNOWN.keySet());
            }
            offered.put(name, assignor);
        }
        return new Assignors(offered);
    }

    public PartitionAssignor defaultAssignor() {
        return offered.values().iterator().next();
    }

    public Optional<PartitionAssignor> byName(String name) {
        return Optional.ofNullable(offered.get(name));
    }

    public List<String> names() {
        return List.copyOf(offered.keySet());
    }
}
