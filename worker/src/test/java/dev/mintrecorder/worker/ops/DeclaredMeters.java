package dev.mintrecorder.worker.ops;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** Test helper: compares the meters a registry holds with the {@link Metric} declarations. */
public final class DeclaredMeters {
    private DeclaredMeters() {}

    /** The meters in {@code registry} that no {@link Metric} declares with that name, type and tag keys. */
    public static List<String> undeclared(MeterRegistry registry) {
        return registry.getMeters().stream().map(Meter::getId).filter(id -> !declared(id))
                .map(id -> id.getName() + " " + id.getType() + " " + id.getTags()).sorted().toList();
    }

    /** The declarations that have at least one meter in {@code registry}. */
    public static Set<Metric> present(MeterRegistry registry) {
        return Arrays.stream(Metric.values())
                .filter(m -> !registry.find(m.meterName()).meters().isEmpty())
                .collect(Collectors.toSet());
    }

    private static boolean declared(Meter.Id id) {
        Set<String> keys = id.getTags().stream().map(Tag::getKey).collect(Collectors.toSet());
        return Arrays.stream(Metric.values()).anyMatch(m -> m.meterName().equals(id.getName())
                && m.type() == id.getType() && Set.copyOf(m.tagKeys()).equals(keys));
    }
}
