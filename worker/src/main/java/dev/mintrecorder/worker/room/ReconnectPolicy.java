package dev.mintrecorder.worker.room;

import livekit.LivekitModels.DisconnectReason;
import livekit.LivekitRtc.LeaveRequest;

import java.time.Duration;
import java.util.Objects;

/**
 * What a room does when its connection is in trouble: a pure decision, so that every branch is unit-tested; the
 * room's loop ({@link RoomSession}) only carries it out.
 *
 * <p>It follows client-sdk-js {@code RTCEngine} ({@code handleDisconnect}, {@code attemptReconnect},
 * {@code resumeConnection}, {@code restartConnection}):
 * <ul>
 *   <li>an outage starts at the first trouble and ends only when the peer connection is connected again
 *       ({@code waitForPCReconnected}); its start is not reset by later troubles ({@code reconnectStart} is set on the
 *       first attempt only), so the whole outage is bounded by {@code limit};</li>
 *   <li>a resume that is refused, or whose peer connection does not come back in time, is followed by a full rejoin
 *       ({@code fullReconnectOnNext});</li>
 *   <li>{@code client_configuration.resume_connection = DISABLED} always rejoins;</li>
 *   <li>a {@code leave} with action RECONNECT rejoins at once, RESUME resumes at once, DISCONNECT ends.</li>
 * </ul>
 */
final class ReconnectPolicy {
    /** The pause before retrying a socket that could not be opened (the server may be restarting). */
    static final Duration RETRY_DELAY = Duration.ofSeconds(1);

    /** What went wrong. */
    sealed interface Trouble {
        /**
         * The signal socket is gone. {@code upgradeStatus} is the HTTP status of a refused upgrade, or 0 when the
         * socket failed or closed after opening, or the server did not answer in time (the watchdogs).
         */
        record SignalLost(int upgradeStatus, String why) implements Trouble { }

        /** The server said {@code leave}. */
        record Leave(DisconnectReason reason, LeaveRequest.Action action) implements Trouble { }

        /** The subscriber peer connection reported FAILED. */
        record PeerFailed() implements Trouble { }

        /** The subscriber peer connection did not connect within {@code waited} after a join or a resume. */
        record PeerTimeout(Duration waited) implements Trouble { }
    }

    /** Where the room is. */
    enum Phase {
        /** The first join: no {@code join} answer yet. */
        JOINING,
        /** Joined (or resumed and connected again): no reconnect in progress. */
        CONNECTED,
        /** Resuming the same participant session, until its peer connection is connected again. */
        RESUMING,
        /** Joining again as a new participant session, until its new peer connection is connected. */
        REJOINING
    }

    /**
     * @param phase          where the room is
     * @param resumeDisabled the server's {@code client_configuration.resume_connection} is DISABLED
     * @param mediaConnected the peer connection has been connected at least once in this room session
     * @param outage         how long the current outage has lasted (zero when none is in progress)
     */
    record Situation(Phase phase, boolean resumeDisabled, boolean mediaConnected, Duration outage) {
        Situation {
            Objects.requireNonNull(phase);
            Objects.requireNonNull(outage);
        }
    }

    /** What to do about it. */
    sealed interface Action {
        /** Resume the same participant session ({@code reconnect=1&sid=...}). */
        record Resume() implements Action { }

        /** Join again from scratch: a new participant session and peer connection. */
        record Rejoin() implements Action { }

        /** Do {@code then} (a {@link Resume} or {@link Rejoin}) after {@code delay}. */
        record RetryLater(Duration delay, Action then) implements Action { }

        /**
         * The recording fails. {@code refusedStatus} is non-zero for a refused upgrade: the loop asks
         * {@code /rtc/validate} why, which may name a better kind (invalid token, unknown room).
         */
        record Fail(RoomException.Kind kind, String why, int refusedStatus) implements Action { }

        /** The recording ends normally: the room closed, or the recorder was removed. */
        record End(RoomEnd.Reason reason, String why) implements Action { }

        /** Nothing now: an attempt is already under way and its own deadline decides. */
        record Wait() implements Action { }
    }

    private final Duration limit;

    /** @param limit how long one outage may last in all (resumes, rejoins and retries) before the recording fails */
    ReconnectPolicy(Duration limit) {
        this.limit = Objects.requireNonNull(limit);
    }

    Action decide(Trouble trouble, Situation now) {
        return switch (trouble) {
            case Trouble.Leave leave -> onLeave(leave, now);
            case Trouble.SignalLost lost -> onSignalLost(lost, now);
            case Trouble.PeerFailed failed -> switch (now.phase()) {
                // Media lost while the signal lives (as LiveKit's SDKs do): resume, which restarts ICE.
                case CONNECTED -> now.mediaConnected()
                        ? bounded(resumeOrRejoin(now), now, "subscriber peer connection failed")
                        : new Action.Fail(RoomException.Kind.CONNECT_FAILED, "the subscriber peer connection failed "
                        + "before it ever connected (ICE to the SFU and its TURN servers failed)", 0);
                // The attempt under way waits for the connection to come back (its PeerTimeout decides).
                case JOINING, RESUMING, REJOINING -> new Action.Wait();
            };
            case Trouble.PeerTimeout timeout -> now.mediaConnected()
                    ? bounded(new Action.Rejoin(), now, "the peer connection did not reconnect within " + timeout.waited())
                    : new Action.Fail(RoomException.Kind.CONNECT_FAILED, "the subscriber peer connection did not connect "
                    + "within " + timeout.waited() + " (ICE to the SFU and its TURN servers failed)", 0);
        };
    }

    private Action onLeave(Trouble.Leave leave, Situation now) {
        DisconnectReason reason = leave.reason();
        if (reason == DisconnectReason.ROOM_CLOSED || reason == DisconnectReason.ROOM_DELETED) {
            return new Action.End(RoomEnd.Reason.ROOM_CLOSED, "room ended: " + reason);
        }
        return switch (now.phase()) {
            case JOINING -> new Action.Fail(RoomException.Kind.JOIN_REJECTED, "join rejected: " + reason, 0);
            // livekit-server refuses a resume with a leave (action RECONNECT): join again.
            case RESUMING -> bounded(new Action.Rejoin(), now, "resume refused (" + reason + ")");
            case CONNECTED, REJOINING -> switch (leave.action()) {
                case RESUME -> bounded(resumeOrRejoin(now), now, "server asked to resume (" + reason + ")");
                case RECONNECT -> bounded(new Action.Rejoin(), now, "server asked to reconnect (" + reason + ")");
                // JOIN_FAILURE: the join did not complete in time (livekit-server's join timeout): a failure, not a removal.
                default -> reason == DisconnectReason.JOIN_FAILURE
                        ? new Action.Fail(RoomException.Kind.JOIN_REJECTED, "join failed: " + reason, 0)
                        : new Action.End(RoomEnd.Reason.REMOVED, "removed from the room: " + reason);
            };
        };
    }

    private Action onSignalLost(Trouble.SignalLost lost, Situation now) {
        int status = lost.upgradeStatus();
        if (now.phase() == Phase.JOINING) {
            // A refused first join (bad token, unknown room) or an unreachable server: retrying would not help.
            return status != 0
                    ? new Action.Fail(RoomException.Kind.CONNECT_FAILED, lost.why(), status)
                    : new Action.Fail(RoomException.Kind.CONNECT_FAILED, "could not reach the signal server: " + lost.why(), 0);
        }
        if (status != 0 && now.phase() == Phase.RESUMING) {
            return bounded(new Action.Rejoin(), now, "resume refused (HTTP " + status + ")");
        }
        if (status >= 500) {
            // The server is restarting; the room may come back.
            return bounded(new Action.RetryLater(RETRY_DELAY, new Action.Rejoin()), now, lost.why());
        }
        if (status != 0) {
            return new Action.Fail(RoomException.Kind.CONNECT_FAILED, lost.why(), status);
        }
        return switch (now.phase()) {
            case RESUMING -> bounded(new Action.RetryLater(RETRY_DELAY, new Action.Resume()), now, lost.why());
            case REJOINING -> bounded(new Action.RetryLater(RETRY_DELAY, new Action.Rejoin()), now, lost.why());
            case CONNECTED, JOINING -> bounded(resumeOrRejoin(now), now, lost.why());
        };
    }

    private static Action resumeOrRejoin(Situation now) {
        return now.resumeDisabled() ? new Action.Rejoin() : new Action.Resume();
    }

    /** {@code action}, unless the outage has already lasted longer than the limit. */
    private Action bounded(Action action, Situation now, String why) {
        if (now.outage().compareTo(limit) > 0) {
            return new Action.Fail(RoomException.Kind.SIGNAL_LOST, "could not reconnect within " + limit + ": " + why, 0);
        }
        return action;
    }
}
