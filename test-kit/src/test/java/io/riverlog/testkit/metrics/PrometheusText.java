package io.riverlog.testkit.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Samples read from a scrape in Prometheus' text format, looked up by name and labels. */
final class PrometheusText {
    private record Sample(String name, String labels, double value) {
    }

    private final List<Sample> samples = new ArrayList<>();
    private final String text;

    PrometheusText(String text) {
        this.text = text;
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int valueAt = line.lastIndexOf(' ');
            String series = line.substring(0, valueAt);
            int labelsAt = series.indexOf('{');
            String name = labelsAt < 0 ? series : series.substring(0, labelsAt);
            String labels = labelsAt < 0 ? "" : series.substring(labelsAt);
            samples.add(new Sample(name, labels, Double.parseDouble(line.substring(valueAt + 1))));
        }
    }

    /** The value of the first sample of {@code name} that carries every one of {@code labels} ("key=value"). */
    Optional<Double> value(String name, String... labels) {
        return samples.stream()
                .filter(s -> s.name().equals(name))
                .filter(s -> {
                    for (String label : labels) {
                        int eq = label.indexOf('=');
                        if (!s.labels().contains(label.substring(0, eq) + "=\"" + label.substring(eq + 1) + "\"")) {
                            return false;
                        }
                    }
                    return true;
                })
                .map(Sample::value)
                .findFirst();
    }

    boolean has(String name) {
        return samples.stream().anyMatch(s -> s.name().equals(name));
    }

    @Override
    public String toString() {
        return text;
    }
}
