package dev.mintrecorder.contracts;

import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Reads every partition of one topic, with no consumer group, on its own thread, and hands each record to a handler:
 * how a worker keeps a local view of a topic (the control table, the live recordings), and how a client follows the
 * status events ({@link StatusFeed}).
 *
 * <p>{@link #sync()} answers "have I seen everything that is on the topic now?": it completes once the follower has
 * handled every record written before the call. The job intake syncs before it decides, so a STOP or a heartbeat
 * written before a job was acquired is always seen. The follower rides out broker outages (the consumer reconnects;
 * pending syncs wait).
 */
public final class TopicFollower implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TopicFollower.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration RETRY = Duration.ofMillis(500);

    private final String topic;
    private final Duration lookback;
    private final Clock clock;
    private final Consumer<ConsumerRecord<byte[], byte[]>> handler;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Queue<CompletableFuture<Void>> newSyncs = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean closed;

    /**
     * @param lookback how far back to start reading; {@code null} reads from the beginning (a table)
     */
    public TopicFollower(String bootstrapServers, String clientId, String topic, Duration lookback, Clock clock,
                         Consumer<ConsumerRecord<byte[], byte[]>> handler) {
        this(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), clientId, topic, lookback, clock,
                handler);
    }

    /**
     * @param clientProperties the connection settings every client of the caller shares: bootstrap servers and any
     *                         security settings (the worker's {@code KafkaClientConfig.clientProperties()})
     */
    public TopicFollower(Map<String, Object> clientProperties, String clientId, String topic, Duration lookback,
                         Clock clock, Consumer<ConsumerRecord<byte[], byte[]>> handler) {
        this.topic = topic;
        this.lookback = lookback;
        this.clock = clock;
        this.handler = handler;
        Map<String, Object> config = new HashMap<>(clientProperties);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1_000);
        this.consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.thread = Thread.ofVirtual().name("follow-" + topic).unstarted(this::run);
    }

    public void start() {
        thread.start();
    }

    /** Completes when every record on the topic at the time of the call has been handled. */
    public CompletableFuture<Void> sync() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        newSyncs.add(f);
        return f;
    }

    private void run() {
        try {
            List<TopicPartition> partitions = assign();
            List<PendingSync> pending = new ArrayList<>();
            while (!closed) {
                for (CompletableFuture<Void> f; (f = newSyncs.poll()) != null; ) {
                    pending.add(new PendingSync(f));
                }
                try {
                    for (PendingSync p : pending) {
                        if (p.target == null) {
                            p.target = consumer.endOffsets(partitions, METADATA_TIMEOUT);
                        }
                    }
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                        handle(r);
                    }
                    for (Iterator<PendingSync> it = pending.iterator(); it.hasNext(); ) {
                        PendingSync p = it.next();
                        if (p.target != null && reached(p.target)) {
                            p.future.complete(null);
                            it.remove();
                        }
                    }
                } catch (WakeupException e) {
                    break;
                } catch (KafkaException e) {
                    // Broker away: the consumer reconnects on the next call; pending syncs wait for it.
                    log.debug("{} follower: {}", topic, e.toString());
                }
            }
            pending.forEach(p -> p.future.cancel(false));
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            log.error("{} follower stopped", topic, e);
        } finally {
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(2)));
            newSyncs.forEach(f -> f.cancel(false));
        }
    }

    private List<TopicPartition> assign() {
        List<TopicPartition> partitions = List.of();
        while (!closed && partitions.isEmpty()) {
            try {
                List<PartitionInfo> infos = consumer.partitionsFor(topic, METADATA_TIMEOUT);
                partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            } catch (KafkaException e) {
                log.info("{} follower waiting for the topic: {}", topic, e.toString());
            }
            if (partitions.isEmpty()) {
                LockSupport.parkNanos(RETRY.toNanos()); // retry backoff while the topic does not exist yet
            }
        }
        consumer.assign(partitions);
        if (lookback == null) {
            consumer.seekToBeginning(partitions);
        } else {
            long since = clock.millis() - lookback.toMillis();
            Map<TopicPartition, Long> query = new HashMap<>();
            partitions.forEach(tp -> query.put(tp, since));
            Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query, METADATA_TIMEOUT);
            List<TopicPartition> atEnd = new ArrayList<>();
            found.forEach((tp, ot) -> {
                if (ot == null) {
                    atEnd.add(tp);
                } else {
                    consumer.seek(tp, ot.offset());
                }
            });
            consumer.seekToEnd(atEnd);
        }
        return partitions;
    }

    private boolean reached(Map<TopicPartition, Long> target) {
        for (Map.Entry<TopicPartition, Long> e : target.entrySet()) {
            if (consumer.position(e.getKey(), METADATA_TIMEOUT) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private void handle(ConsumerRecord<byte[], byte[]> r) {
        try {
            handler.accept(r);
        } catch (RuntimeException e) {
            log.warn("{} follower skipped offset {}-{}: {}", topic, r.partition(), r.offset(), e.toString());
        }
    }

    @Override
    public void close() {
        closed = true;
        if (thread.getState() == Thread.State.NEW) {
            consumer.close(CloseOptions.timeout(Duration.ZERO));
            return;
        }
        consumer.wakeup();
        try {
            thread.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final class PendingSync {
        final CompletableFuture<Void> future;
        Map<TopicPartition, Long> target;

        PendingSync(CompletableFuture<Void> future) {
            this.future = future;
        }
    }
}
