package dev.mintrecorder.recorderctl;

import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.RecordingJobs;
import dev.mintrecorder.contracts.Topics;
import dev.mintrecorder.contracts.Validation;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.UUID;
import java.util.concurrent.Callable;

@Command(name = "stop", mixinStandardHelpOptions = true, description = "Put a STOP for a mint on " + Topics.CONTROL + " (any job of the mint, or one).")
final class StopCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    KafkaOptions kafka;

    @Parameters(paramLabel = "MINT_ID", description = "The token's mint address.")
    String mintId;
    @Option(names = "--job", paramLabel = "JOB_ID", description = "Stop only this job (a UUID); default: whatever records the mint.")
    UUID job;
    @Option(names = "--reason", defaultValue = "stopped by recorderctl", description = "Why (default: ${DEFAULT-VALUE}).")
    String reason;

    @Override
    public Integer call() {
        MintId.of(mintId);
        Validation.text("reason", reason);
        kafka.checkReachable();
        try (RecordingJobs jobs = kafka.jobs()) {
            if (job == null) {
                jobs.stop(mintId, reason);
            } else {
                jobs.stop(mintId, job, reason);
            }
        } catch (KafkaException e) {
            throw kafka.failure(e);
        }
        spec.commandLine().getOut().println("stop requested for mint " + mintId
                + (job == null ? " (any job)" : " job " + job) + " on " + Topics.CONTROL);
        return Exit.OK;
    }
}
