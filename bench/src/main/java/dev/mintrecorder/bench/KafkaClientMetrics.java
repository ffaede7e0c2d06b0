package dev.mintrecorder.bench;

import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Every Kafka client of this JVM, read from the metrics the clients register in JMX ({@code kafka.consumer},
 * {@code kafka.producer}, {@code kafka.admin.client}), whoever created them: the benchmark cannot reach the job
 * engine's clients, and need not.
 */
final class KafkaClientMetrics {
    private static final List<String> DOMAINS = List.of("kafka.consumer", "kafka.producer", "kafka.admin.client");
    private static final String CLIENT_ID = "client-id";
    private static final Set<String> RECORD_BYTES = Set.of("bytes-consumed-total", "bytes-fetched-total");

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    /** One reading of every client's cumulative counters. */
    List<FleetSnapshot.ClientStat> read() {
        Map<String, List<ObjectName>> byClient = new TreeMap<>();
        for (ObjectName name : names()) {
            byClient.computeIfAbsent(name.getKeyProperty(CLIENT_ID), k -> new ArrayList<>()).add(name);
        }
        List<FleetSnapshot.ClientStat> out = new ArrayList<>();
        byClient.forEach((id, names) -> out.add(new FleetSnapshot.ClientStat(id, kind(names),
                max(names, RECORD_BYTES, true), max(names, Set.of("incoming-byte-total"), false))));
        return out;
    }

    /** Writes every client MBean with its attribute names (to learn what a client version registers). */
    void dump(Path file) throws IOException {
        List<String> lines = new ArrayList<>();
        for (ObjectName name : names()) {
            try {
                lines.add(name + " " + java.util.Arrays.stream(server.getMBeanInfo(name).getAttributes())
                        .map(MBeanAttributeInfo::getName).sorted().collect(Collectors.joining(",")));
            } catch (Exception e) {
                lines.add(name + " (" + e + ")");
            }
        }
        Files.write(file, lines.stream().sorted().toList());
    }

    private List<ObjectName> names() {
        List<ObjectName> names = new ArrayList<>();
        for (String domain : DOMAINS) {
            try {
                server.queryNames(new ObjectName(domain + ":*"), null).stream()
                        .filter(n -> n.getKeyProperty(CLIENT_ID) != null).forEach(names::add);
            } catch (javax.management.MalformedObjectNameException e) {
                throw new IllegalStateException(e);
            }
        }
        return names;
    }

    private static String kind(List<ObjectName> names) {
        if (names.stream().anyMatch(n -> String.valueOf(n.getKeyProperty("type")).contains("share"))) {
            return "share";
        }
        return switch (names.get(0).getDomain()) {
            case "kafka.consumer" -> "consumer";
            case "kafka.producer" -> "producer";
            default -> "admin";
        };
    }

    /**
     * The largest value of any of {@code attributes} on the client's MBeans that are per client (not per node, topic
     * or partition). {@code fetchOnly}: only the fetch managers' MBeans.
     */
    private long max(List<ObjectName> names, Set<String> attributes, boolean fetchOnly) {
        long best = 0;
        for (ObjectName n : names) {
            if (n.getKeyPropertyList().size() != 2 || fetchOnly && !String.valueOf(n.getKeyProperty("type")).contains("fetch")) {
                continue;
            }
            for (String a : attributes) {
                try {
                    Object v = server.getAttribute(n, a);
                    if (v instanceof Number num && Double.isFinite(num.doubleValue())) {
                        best = Math.max(best, num.longValue());
                    }
                } catch (javax.management.AttributeNotFoundException e) {
                    // this MBean does not carry it
                } catch (Exception e) {
                    // the client closed meanwhile
                }
            }
        }
        return best;
    }
}
