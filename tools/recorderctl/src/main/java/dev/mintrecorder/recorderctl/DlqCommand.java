package dev.mintrecorder.recorderctl;

import dev.mintrecorder.contracts.InvalidMessageException;
import dev.mintrecorder.contracts.Messages;
import dev.mintrecorder.contracts.RecordingJob;
import dev.mintrecorder.contracts.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

@Command(name = "dlq", mixinStandardHelpOptions = true, description = "Dead-lettered jobs: list them, or replay one onto " + Topics.JOBS + ".",
        subcommands = {DlqCommand.ListCommand.class, DlqCommand.ReplayCommand.class})
final class DlqCommand {

    /** Which dead-letter topic a command reads. */
    static final class Source {
        @Option(names = "--broker", description = "Use " + Topics.JOBS_BROKER_DLQ
                + " (jobs the broker archived after the delivery limit) instead of " + Topics.JOBS_DLQ + ".")
        boolean broker;

        String topic() {
            return broker ? Topics.JOBS_BROKER_DLQ : Topics.JOBS_DLQ;
        }

        /** For the broker's topic, the workers' reasons are read first, to explain the broker's copies. */
        Function<ConsumerRecord<String, byte[]>, DeadLetter> parser(KafkaOptions kafka) {
            if (!broker) {
                return DeadLetter::fromWorkerDlq;
            }
            Map<String, String> reasons = new java.util.HashMap<>();
            try (KafkaConsumer<String, byte[]> consumer = kafka.consumer()) {
                List<TopicPartition> partitions = kafka.partitions(consumer, Topics.JOBS_DLQ);
                for (ConsumerRecord<String, byte[]> r : Records.readToEnd(consumer,
                        consumer.beginningOffsets(partitions, kafka.timeout), kafka)) {
                    DeadLetter d = DeadLetter.fromWorkerDlq(r);
                    reasons.put(d.sourceKey(), d.reason());
                }
            } catch (KafkaException e) {
                throw kafka.failure(e);
            }
            return r -> DeadLetter.fromBrokerDlq(r, reasons);
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List dead-lettered jobs with their offsets and reasons.")
    static final class ListCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        KafkaOptions kafka;
        @Mixin
        Source source;
        @Option(names = {"-n", "--limit"}, defaultValue = "50", description = "Show the last N (default: ${DEFAULT-VALUE}).")
        int limit;
        @Option(names = "--json", description = "One JSON object per line.")
        boolean json;

        @Override
        public Integer call() {
            kafka.checkReachable();
            List<ConsumerRecord<String, byte[]>> records;
            try (KafkaConsumer<String, byte[]> consumer = kafka.consumer()) {
                List<TopicPartition> partitions = kafka.partitions(consumer, source.topic());
                Map<TopicPartition, Long> from = consumer.beginningOffsets(partitions, kafka.timeout);
                records = Records.readToEnd(consumer, from, kafka);
            } catch (KafkaException e) {
                throw kafka.failure(e);
            }
            PrintWriter out = spec.commandLine().getOut();
            if (records.isEmpty()) {
                out.println("no dead letters on " + source.topic());
            }
            Function<ConsumerRecord<String, byte[]>, DeadLetter> parser = json ? null : source.parser(kafka);
            for (ConsumerRecord<String, byte[]> r : records.subList(Math.max(0, records.size() - limit), records.size())) {
                out.println(json ? Render.json(r) : parser.apply(r).human());
            }
            out.flush();
            return Exit.OK;
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true, description = {
            "Re-produce a dead-lettered job's raw bytes onto " + Topics.JOBS + " under its original key.",
            "The bytes must decode as a valid job under this tool's contracts, unless --force."})
    static final class ReplayCommand implements Callable<Integer> {
        static final String REPLAYED_FROM_HEADER = "recorderctl.replayed-from";

        @Spec
        CommandSpec spec;
        @Mixin
        KafkaOptions kafka;
        @Mixin
        Source source;
        @Parameters(paramLabel = "OFFSET", description = "The dead letter's offset (as `dlq list` shows it).")
        long offset;
        @Option(names = {"-p", "--partition"}, defaultValue = "0", description = "Its partition (default: ${DEFAULT-VALUE}).")
        int partition;
        @Option(names = "--force", description = "Replay even if the job is still invalid (the workers will dead-letter it again).")
        boolean force;

        @Override
        public Integer call() {
            if (offset < 0 || partition < 0) {
                throw new CtlException(Exit.USAGE, "offset and partition must not be negative");
            }
            kafka.checkReachable();
            DeadLetter letter = source.parser(kafka).apply(read());
            if (letter.raw() == null) {
                throw new CtlException(Exit.FAILED, "dead letter at " + where() + " has no job to replay: " + letter.reason());
            }
            String key = letter.record().key();
            try {
                RecordingJob job = Messages.decodeJob(letter.raw());
                key = job.mintId().value();
            } catch (InvalidMessageException e) {
                if (!force) {
                    throw new CtlException(Exit.FAILED, "the job at " + where() + " is still invalid: " + e.reason()
                            + " (fix its producer, or pass --force to replay it anyway)");
                }
            }
            RecordMetadata sent = send(new ProducerRecord<>(Topics.JOBS, null, key, letter.raw()));
            spec.commandLine().getOut().println("replayed " + where() + " to " + sent.topic() + "-" + sent.partition()
                    + "@" + sent.offset() + " (key " + key + ")");
            return Exit.OK;
        }

        private String where() {
            return source.topic() + "-" + partition + "@" + offset;
        }

        private ConsumerRecord<String, byte[]> read() {
            TopicPartition tp = new TopicPartition(source.topic(), partition);
            try (KafkaConsumer<String, byte[]> consumer = kafka.consumer()) {
                if (partition >= kafka.partitions(consumer, source.topic()).size()) {
                    throw new CtlException(Exit.USAGE, source.topic() + " has no partition " + partition);
                }
                long first = consumer.beginningOffsets(List.of(tp), kafka.timeout).get(tp);
                long end = consumer.endOffsets(List.of(tp), kafka.timeout).get(tp);
                if (offset < first || offset >= end) {
                    throw new CtlException(Exit.FAILED, "no record at " + where() + ": the partition holds offsets "
                            + (first == end ? "none (it is empty)" : first + " to " + (end - 1)));
                }
                return Records.readAt(consumer, tp, offset, end, kafka)
                        .orElseThrow(() -> new CtlException(Exit.FAILED, "no record at " + where()
                                + " (compacted away or a transaction marker)"));
            } catch (KafkaException e) {
                throw kafka.failure(e);
            }
        }

        private RecordMetadata send(ProducerRecord<String, byte[]> record) {
            record.headers().add(REPLAYED_FROM_HEADER, where().getBytes(StandardCharsets.UTF_8));
            try (KafkaProducer<String, byte[]> producer = kafka.rawProducer()) {
                return producer.send(record).get(kafka.timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw kafka.failure(e.getCause());
            } catch (java.util.concurrent.TimeoutException | KafkaException e) {
                throw kafka.failure(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CtlException(Exit.FAILED, "interrupted");
            }
        }
    }
}
