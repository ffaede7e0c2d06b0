package dev.mintrecorder.recorderctl;

/** recorderctl's exit codes; {@link #USAGE} is picocli's own code for a bad command line. */
final class Exit {
    private Exit() {}

    static final int OK = 0;
    /** The operation ran and failed, or found nothing (no status for a mint, no record at an offset). */
    static final int FAILED = 1;
    /** Bad input: an unknown option, or a value the contracts reject (their reason is printed). */
    static final int USAGE = 2;
    /** Kafka did not answer within {@code --timeout}. */
    static final int UNREACHABLE = 3;
}
