package dev.mintrecorder.recorderctl;

import dev.mintrecorder.contracts.InvalidMessageException;
import dev.mintrecorder.contracts.Messages;
import dev.mintrecorder.contracts.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Follows status events and memory alarms as they arrive, until Ctrl-C (or {@code --count} records). */
@Command(name = "tail", mixinStandardHelpOptions = true, description = "Follow " + Topics.STATUS + " and " + Topics.ALARMS + " (human-readable, or --json).")
final class TailCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    KafkaOptions kafka;

    @Option(names = "--json", description = "One JSON object per line: topic, partition, offset, key and value.")
    boolean json;
    @Option(names = "--from-beginning", description = "Start at the oldest retained records instead of now.")
    boolean fromBeginning;
    @Option(names = "--heartbeats", description = "Show HEARTBEAT events too (hidden by default: one per recording every few seconds).")
    boolean heartbeats;
    @Option(names = {"-c", "--count"}, paramLabel = "N", description = "Exit after N records have been shown.")
    Integer count;

    @Override
    public Integer call() {
        if (count != null && count < 1) {
            throw new CtlException(Exit.USAGE, "--count must be at least 1");
        }
        kafka.checkReachable();
        PrintWriter out = spec.commandLine().getOut();
        try (KafkaConsumer<String, byte[]> consumer = kafka.consumer()) {
            List<TopicPartition> partitions = new ArrayList<>(kafka.partitions(consumer, Topics.STATUS));
            partitions.addAll(kafka.partitions(consumer, Topics.ALARMS));
            consumer.assign(partitions);
            if (fromBeginning) {
                consumer.seekToBeginning(partitions);
            } else {
                consumer.seekToEnd(partitions);
            }
            // Ctrl-C: wake the poll, then let the loop flush and close the consumer before the JVM halts.
            CountDownLatch finished = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                consumer.wakeup();
                try {
                    finished.await(2, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Runtime.getRuntime().addShutdownHook(hook);
            int shown = 0;
            try {
                while (count == null || shown < count) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                        String line = render(r);
                        if (line != null) {
                            out.println(line);
                            shown++;
                            if (count != null && shown >= count) {
                                break;
                            }
                        }
                    }
                    out.flush();
                }
            } catch (WakeupException e) {
                // Ctrl-C
            } finally {
                out.flush();
                finished.countDown();
                removeHook(hook);
            }
        } catch (KafkaException e) {
            throw kafka.failure(e);
        }
        return Exit.OK;
    }

    /** The line to show for a record, or null to skip it (heartbeats unless asked for). */
    private String render(ConsumerRecord<String, byte[]> r) {
        try {
            if (r.topic().equals(Topics.ALARMS)) {
                var alarm = Messages.decodeAlarm(r.value());
                return json ? Render.json(r) : Render.alarm(alarm);
            }
            var event = Messages.decodeStatus(r.value());
            if (!heartbeats && event instanceof dev.mintrecorder.contracts.StatusEvent.Heartbeat) {
                return null;
            }
            return json ? Render.json(r) : Render.status(event);
        } catch (InvalidMessageException e) {
            return json ? Render.json(r) : Render.undecodable(r, e.reason());
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook is running
        }
    }
}
