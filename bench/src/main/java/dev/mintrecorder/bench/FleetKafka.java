package dev.mintrecorder.bench;

import dev.mintrecorder.contracts.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListShareGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ShareGroupDescription;
import org.apache.kafka.clients.admin.SharePartitionOffsetInfo;
import org.apache.kafka.common.TopicPartition;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** What the {@code fleet} scenario asks the broker: the share group's members and lag, the groups, the broker's pid. */
final class FleetKafka {
    private static final long TIMEOUT_S = 20;

    private FleetKafka() {
    }

    /** The members of the workers' share group, by client id. */
    static List<String> shareMembers(Admin admin) throws Exception {
        ShareGroupDescription d = admin.describeShareGroups(List.of(Topics.WORKER_SHARE_GROUP)).describedGroups()
                .get(Topics.WORKER_SHARE_GROUP).get(TIMEOUT_S, TimeUnit.SECONDS);
        return d.members().stream().map(m -> m.clientId()).toList();
    }

    /**
     * Records of {@code recording.jobs} the share group has not acknowledged yet (held under a lock or waiting): the
     * sum of the partitions' lag; -1 if the broker does not say.
     */
    static long jobsLag(Admin admin) throws Exception {
        TopicPartition tp = new TopicPartition(Topics.JOBS, 0);
        Map<TopicPartition, SharePartitionOffsetInfo> info = admin.listShareGroupOffsets(Map.of(
                        Topics.WORKER_SHARE_GROUP, new ListShareGroupOffsetsSpec().topicPartitions(List.of(tp))))
                .partitionsToOffsetInfo(Topics.WORKER_SHARE_GROUP).get(TIMEOUT_S, TimeUnit.SECONDS);
        SharePartitionOffsetInfo i = info.get(tp);
        return i == null ? -1 : i.lag().orElse(-1L);
    }

    /** Every group on the broker as {@code id (type)}. */
    static List<String> groups(Admin admin) throws Exception {
        return admin.listGroups().all().get(TIMEOUT_S, TimeUnit.SECONDS).stream()
                .map(g -> g.groupId() + " (" + g.type().map(Object::toString).orElse("?") + ")").sorted().toList();
    }

    /** The devstack broker: this JVM's child process that runs {@code KafkaBrokerMain}. */
    static long brokerPid() {
        return ProcessHandle.current().children()
                .filter(p -> cmdline(p.pid()).contains("KafkaBrokerMain"))
                .findFirst().orElseThrow(() -> new IllegalStateException("no Kafka broker child process")).pid();
    }

    /** {@code /proc/<pid>/cmdline} (ProcessHandle's copy is empty for a command line as long as a class path). */
    private static String cmdline(long pid) {
        try {
            return new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc", Long.toString(pid),
                    "cmdline")), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
