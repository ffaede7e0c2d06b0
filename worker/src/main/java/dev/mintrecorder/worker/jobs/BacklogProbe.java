package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.worker.ops.KafkaClientConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListShareGroupOffsetsSpec;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.SharePartitionOffsetInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Reads the share group's backlog on the jobs topic with the Admin API: the sum of the per-partition lag from
 * {@code listShareGroupOffsets}. A partition the group never fetched has no share state and no lag (null); its backlog
 * is then every record on it (end offset minus earliest offset), since the group starts from the earliest record.
 */
final class BacklogProbe implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BacklogProbe.class);
    private static final long TIMEOUT_S = 10;

    private final Admin admin;
    private final String group;
    private final String topic;
    private volatile double backlog = Double.NaN;

    BacklogProbe(KafkaClientConfig kafka, String clientId, String group, String topic) {
        Map<String, Object> config = new HashMap<>(kafka.clientProperties());
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
        this.admin = Admin.create(config);
        this.group = group;
        this.topic = topic;
    }

    /** The last backlog read, NaN before the first successful read. */
    double backlog() {
        return backlog;
    }

    /** Reads the backlog now; keeps the previous value if the broker does not answer. */
    void refresh() {
        try {
            backlog = read();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.debug("share-group backlog not read: {}", e.toString());
        }
    }

    private double read() throws Exception {
        TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames()
                .get(TIMEOUT_S, TimeUnit.SECONDS).get(topic);
        List<TopicPartition> partitions = description.partitions().stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        Map<TopicPartition, SharePartitionOffsetInfo> offsets = admin
                .listShareGroupOffsets(Map.of(group, new ListShareGroupOffsetsSpec().topicPartitions(partitions)))
                .partitionsToOffsetInfo(group).get(TIMEOUT_S, TimeUnit.SECONDS);
        long total = 0;
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        for (TopicPartition tp : partitions) {
            SharePartitionOffsetInfo info = offsets.get(tp);
            if (info != null && info.lag().isPresent()) {
                total += info.lag().get();
            } else {
                earliest.put(tp, OffsetSpec.earliest());
            }
        }
        if (!earliest.isEmpty()) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            earliest.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
            var from = admin.listOffsets(earliest).all().get(TIMEOUT_S, TimeUnit.SECONDS);
            var to = admin.listOffsets(latest).all().get(TIMEOUT_S, TimeUnit.SECONDS);
            for (TopicPartition tp : earliest.keySet()) {
                total += to.get(tp).offset() - from.get(tp).offset();
            }
        }
        return total;
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(2));
    }
}
