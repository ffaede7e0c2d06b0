package dev.mintrecorder.recorderctl;

import dev.mintrecorder.contracts.InvalidMessageException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * recorderctl: the operator's and other services' command line for mint-recorder. Every command talks to Kafka only
 * (the same topics and contracts the workers use); nothing here needs a worker to be reachable.
 *
 * <p>Exit codes: {@value Exit#OK} done, {@value Exit#FAILED} failed or found nothing, {@value Exit#USAGE} bad input,
 * {@value Exit#UNREACHABLE} Kafka unreachable.
 */
@Command(name = "recorderctl", mixinStandardHelpOptions = true, versionProvider = RecorderCtl.Version.class,
        description = "Start and stop mint-recorder recordings, read their status and alarms, and manage dead letters.",
        subcommands = {StartCommand.class, StopCommand.class, StatusCommand.class, TailCommand.class,
                DlqCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 done, 1 failed or nothing found, 2 bad input, 3 Kafka unreachable."})
public final class RecorderCtl {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests call {@code setOut}/{@code setErr} on it and {@code execute}. */
    public static CommandLine commandLine() {
        return new CommandLine(new RecorderCtl())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(RecorderCtl::handle);
    }

    /** One clear line on stderr instead of a stack trace; the exception decides the exit code. */
    private static int handle(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        int code;
        if (e instanceof CtlException ctl) {
            err.println("recorderctl: " + ctl.getMessage());
            code = ctl.exitCode();
        } else if (e instanceof InvalidMessageException invalid) {
            err.println("recorderctl: invalid input: " + invalid.reason());
            code = Exit.USAGE;
        } else {
            err.println("recorderctl: unexpected error: " + e);
            code = Exit.FAILED;
        }
        err.flush();
        return code;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = RecorderCtl.class.getPackage().getImplementationVersion();
            return new String[] {"recorderctl " + (v == null ? "(development build)" : v)};
        }
    }
}
