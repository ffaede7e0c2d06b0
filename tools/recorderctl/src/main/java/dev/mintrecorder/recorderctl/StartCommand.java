package dev.mintrecorder.recorderctl;

import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.RecordingJob;
import dev.mintrecorder.contracts.RecordingJobs;
import dev.mintrecorder.contracts.StartOptions;
import dev.mintrecorder.contracts.Topics;
import dev.mintrecorder.contracts.Validation;
import dev.mintrecorder.contracts.VideoCap;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Callable;

@Command(name = "start", mixinStandardHelpOptions = true, description = "Queue a START job for a mint on " + Topics.JOBS + "; prints the job id.")
final class StartCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    KafkaOptions kafka;

    @Parameters(paramLabel = "MINT_ID", description = "The token's mint address (base58, 32-44 characters).")
    String mintId;

    @Option(names = "--room", description = "LiveKit room (default: the mint id).")
    String room;
    @Option(names = "--target", paramLabel = "IDENTITY", description = "Participant to record (default: the first publisher).")
    String target;
    @Option(names = "--max-duration", paramLabel = "SECONDS", description = "Hard limit, 10-86400 s (default 14400).")
    Integer maxDurationS;
    @Option(names = "--segment", paramLabel = "SECONDS", description = "HLS segment length, 2-60 s (default 6).")
    Integer segmentS;
    @Option(names = "--max-height", paramLabel = "PIXELS", description = "Video height cap, 144-2160 (default 720).")
    Integer maxHeight;
    @Option(names = "--fps", description = "Video frame rate cap, 1-60 (default 30).")
    Integer fps;
    @Option(names = {"-q", "--quiet"}, description = "Print only the job id.")
    boolean quiet;

    @Override
    public Integer call() {
        // Validate everything before touching Kafka: bad input fails the same way with or without a broker.
        StartOptions options = options();
        validate(MintId.of(mintId), options);
        kafka.checkReachable();
        UUID job;
        try (RecordingJobs jobs = kafka.jobs()) {
            job = jobs.start(mintId, options);
        } catch (KafkaException e) {
            throw kafka.failure(e);
        }
        spec.commandLine().getOut().println(quiet ? job.toString()
                : "queued job " + job + " for mint " + mintId + " on " + Topics.JOBS);
        return Exit.OK;
    }

    /** Builds the job the contracts would build, only to run their checks (ranges, segment within duration). */
    private static void validate(MintId mint, StartOptions o) {
        new RecordingJob(UUID.randomUUID(), mint, o.room(), o.targetIdentity(),
                Objects.requireNonNullElse(o.maxDurationS(), Validation.MAX_DURATION_S_DEFAULT),
                Objects.requireNonNullElse(o.segmentS(), Validation.SEGMENT_S_DEFAULT),
                o.video(), Instant.now(), Validation.ATTEMPT_MIN);
    }

    private StartOptions options() {
        StartOptions o = StartOptions.DEFAULTS;
        if (room != null) {
            o = o.withRoom(room);
        }
        if (target != null) {
            o = o.withTarget(target);
        }
        if (maxDurationS != null) {
            o = o.withMaxDurationS(maxDurationS);
        }
        if (segmentS != null) {
            o = o.withSegmentS(segmentS);
        }
        if (maxHeight != null || fps != null) {
            o = o.withVideo(new VideoCap(Objects.requireNonNullElse(maxHeight, Validation.MAX_HEIGHT_DEFAULT),
                    Objects.requireNonNullElse(fps, Validation.FPS_DEFAULT)));
        }
        return o;
    }
}
