package dev.mintrecorder.recorderctl;

import dev.mintrecorder.contracts.InvalidMessageException;
import dev.mintrecorder.contracts.Messages;
import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.StatusEvent;
import dev.mintrecorder.contracts.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The latest status events of one mint. Events are keyed by mint_id, so they all sit in the one partition the
 * default partitioner picks for that key: only that partition is read, from {@code --since} ago to its end.
 */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show the latest events of a mint from " + Topics.STATUS + ".")
final class StatusCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    KafkaOptions kafka;

    @Parameters(paramLabel = "MINT_ID", description = "The token's mint address.")
    String mintId;
    @Option(names = "--since", paramLabel = "DURATION", defaultValue = "24h", converter = Durations.class,
            description = "How far back to look (default: ${DEFAULT-VALUE}).")
    Duration since;
    @Option(names = {"-n", "--limit"}, defaultValue = "20", description = "Show at most this many events (default: ${DEFAULT-VALUE}).")
    int limit;
    @Option(names = "--heartbeats", description = "List HEARTBEAT events too (by default only the latest one is summarised).")
    boolean heartbeats;
    @Option(names = "--json", description = "One JSON object per line.")
    boolean json;

    @Override
    public Integer call() {
        MintId mint = MintId.of(mintId);
        if (limit < 1) {
            throw new CtlException(Exit.USAGE, "--limit must be at least 1");
        }
        kafka.checkReachable();
        List<ConsumerRecord<String, byte[]>> records;
        try (KafkaConsumer<String, byte[]> consumer = kafka.consumer()) {
            List<TopicPartition> partitions = kafka.partitions(consumer, Topics.STATUS);
            TopicPartition tp = partitions.get(partitionFor(mint, partitions.size()));
            records = Records.readToEnd(consumer, Map.of(tp, startOffset(consumer, tp)), kafka).stream()
                    .filter(r -> mint.value().equals(r.key()))
                    .toList();
        } catch (KafkaException e) {
            throw kafka.failure(e);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (records.isEmpty()) {
            throw new CtlException(Exit.FAILED, "no status events for mint " + mint + " in the last " + human(since));
        }
        List<Decoded> events = records.stream().map(Decoded::of).toList();
        List<Decoded> shown = events.stream().filter(d -> heartbeats || !d.isHeartbeat()).toList();
        for (Decoded d : shown.subList(Math.max(0, shown.size() - limit), shown.size())) {
            out.println(json ? Render.json(d.record()) : d.line());
        }
        if (!json && !heartbeats) {
            events.reversed().stream().filter(Decoded::isHeartbeat).findFirst().map(Decoded::event).ifPresent(hb ->
                    out.println("last heartbeat " + hb.at() + " (" + human(Duration.between(hb.at(), Instant.now()))
                            + " ago) from " + hb.workerId() + " for job " + hb.jobId()));
        }
        out.flush();
        return Exit.OK;
    }

    /** A status record and its decoded event, or why it could not be decoded (shown, never hidden). */
    private record Decoded(ConsumerRecord<String, byte[]> record, StatusEvent event, String error) {
        static Decoded of(ConsumerRecord<String, byte[]> r) {
            try {
                return new Decoded(r, Messages.decodeStatus(r.value()), null);
            } catch (InvalidMessageException e) {
                return new Decoded(r, null, e.reason());
            }
        }

        boolean isHeartbeat() {
            return event instanceof StatusEvent.Heartbeat;
        }

        String line() {
            return event != null ? Render.status(event) : Render.undecodable(record, error);
        }
    }

    /** The partition Kafka's default partitioner gives a non-null key (murmur2 of the serialized key). */
    static int partitionFor(MintId mint, int partitions) {
        return Utils.toPositive(Utils.murmur2(mint.value().getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    private long startOffset(KafkaConsumer<String, byte[]> consumer, TopicPartition tp) {
        long from = Instant.now().minus(since).toEpochMilli();
        OffsetAndTimestamp at = consumer.offsetsForTimes(Map.of(tp, from), kafka.timeout).get(tp);
        // null: no record at or after that time, so there is nothing to read.
        return at != null ? at.offset() : consumer.endOffsets(List.of(tp), kafka.timeout).get(tp);
    }

    static String human(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 120) {
            return s + " s";
        }
        if (s < 7200) {
            return s / 60 + " min";
        }
        return s / 3600 + " h";
    }
}
