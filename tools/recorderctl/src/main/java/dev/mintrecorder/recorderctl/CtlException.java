package dev.mintrecorder.recorderctl;

/** A failure the user should read: printed as one line on stderr, and the process exits with {@link #exitCode()}. */
final class CtlException extends RuntimeException {
    private final int exitCode;

    CtlException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
