package dev.mintrecorder.recorderctl;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Bounded reads: from given offsets up to the end offsets as they were when the read began. */
final class Records {
    private Records() {}

    private static final Duration POLL = Duration.ofMillis(200);

    /**
     * Reads every record between {@code from} and the partitions' current end. Positions, not record offsets, decide
     * when a partition is done, so compaction gaps and transaction markers cannot make it wait forever.
     */
    static List<ConsumerRecord<String, byte[]>> readToEnd(KafkaConsumer<String, byte[]> consumer,
            Map<TopicPartition, Long> from, KafkaOptions kafka) {
        consumer.assign(from.keySet());
        Map<TopicPartition, Long> end = consumer.endOffsets(from.keySet(), kafka.timeout);
        from.forEach(consumer::seek);
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        long deadline = System.nanoTime() + kafka.timeout.toNanos();
        while (!reached(consumer, end)) {
            int before = out.size();
            for (ConsumerRecord<String, byte[]> r : consumer.poll(POLL)) {
                if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                    out.add(r);
                }
            }
            // The deadline bounds a stall, not a long read: any progress extends it.
            if (out.size() > before) {
                deadline = System.nanoTime() + kafka.timeout.toNanos();
            } else if (System.nanoTime() > deadline) {
                throw kafka.unreachable(new java.util.concurrent.TimeoutException(
                        "no progress reading " + from.keySet() + " up to " + end));
            }
        }
        return out;
    }

    /** The record at exactly {@code offset}, if there is one before {@code end}. */
    static Optional<ConsumerRecord<String, byte[]>> readAt(KafkaConsumer<String, byte[]> consumer, TopicPartition tp,
            long offset, long end, KafkaOptions kafka) {
        consumer.assign(List.of(tp));
        consumer.seek(tp, offset);
        long deadline = System.nanoTime() + kafka.timeout.toNanos();
        while (consumer.position(tp) < end) {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(POLL)) {
                if (r.offset() >= offset) {
                    return r.offset() == offset ? Optional.of(r) : Optional.empty();
                }
            }
            if (System.nanoTime() > deadline) {
                throw kafka.unreachable(new java.util.concurrent.TimeoutException("no record arrived from " + tp));
            }
        }
        return Optional.empty();
    }

    private static boolean reached(KafkaConsumer<String, byte[]> consumer, Map<TopicPartition, Long> end) {
        return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }
}
