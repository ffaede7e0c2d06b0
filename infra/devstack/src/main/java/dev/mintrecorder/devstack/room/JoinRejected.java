package dev.mintrecorder.devstack.room;

/** A join the server refuses before the upgrade, with the HTTP status livekit-server would answer. */
public final class JoinRejected extends Exception {
    private final int status;

    public JoinRejected(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
