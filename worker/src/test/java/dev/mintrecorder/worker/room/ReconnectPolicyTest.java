package dev.mintrecorder.worker.room;

import dev.mintrecorder.worker.room.ReconnectPolicy.Action;
import dev.mintrecorder.worker.room.ReconnectPolicy.Phase;
import dev.mintrecorder.worker.room.ReconnectPolicy.Situation;
import dev.mintrecorder.worker.room.ReconnectPolicy.Trouble;
import livekit.LivekitModels.DisconnectReason;
import livekit.LivekitRtc.LeaveRequest;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReconnectPolicyTest {
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private final ReconnectPolicy policy = new ReconnectPolicy(LIMIT);

    private static Situation in(Phase phase) {
        return new Situation(phase, false, phase != Phase.JOINING, Duration.ZERO);
    }

    private static Situation late(Phase phase) {
        return new Situation(phase, false, true, LIMIT.plusMillis(1));
    }

    private static Situation resumeDisabled(Phase phase) {
        return new Situation(phase, true, true, Duration.ZERO);
    }

    private static Trouble lost() {
        return new Trouble.SignalLost(0, "socket closed");
    }

    private static Trouble refused(int status) {
        return new Trouble.SignalLost(status, "upgrade refused with HTTP " + status);
    }

    private static Trouble leave(DisconnectReason reason, LeaveRequest.Action action) {
        return new Trouble.Leave(reason, action);
    }

    private static Action.Fail assertFails(RoomException.Kind kind, Action action) {
        Action.Fail fail = assertInstanceOf(Action.Fail.class, action);
        assertEquals(kind, fail.kind(), fail.why());
        return fail;
    }

    private static void assertRetries(Action then, Action action) {
        Action.RetryLater retry = assertInstanceOf(Action.RetryLater.class, action);
        assertEquals(then, retry.then());
        assertTrue(retry.delay().isPositive());
    }

    // ---- the signal socket is lost ----

    @Test
    void aLostSignalResumesOnceJoined() {
        assertEquals(new Action.Resume(), policy.decide(lost(), in(Phase.CONNECTED)));
    }

    @Test
    void aLostSignalRejoinsWhenTheServerDisabledResume() {
        assertEquals(new Action.Rejoin(), policy.decide(lost(), resumeDisabled(Phase.CONNECTED)));
    }

    @Test
    void aSignalThatNeverAnsweredTheFirstJoinFailsAtOnce() {
        Action.Fail fail = assertFails(RoomException.Kind.CONNECT_FAILED, policy.decide(lost(), in(Phase.JOINING)));
        assertEquals(0, fail.refusedStatus());
        assertTrue(fail.why().contains("could not reach"), fail.why());
    }

    @Test
    void aRefusedFirstJoinIsExplainedByValidate() {
        Action.Fail fail = assertFails(RoomException.Kind.CONNECT_FAILED, policy.decide(refused(401), in(Phase.JOINING)));
        assertEquals(401, fail.refusedStatus());
    }

    @Test
    void aRefusedResumeRejoins() {
        assertEquals(new Action.Rejoin(), policy.decide(refused(404), in(Phase.RESUMING)));
    }

    @Test
    void aResumeSocketThatFailsIsRetriedAsAResume() {
        assertRetries(new Action.Resume(), policy.decide(lost(), in(Phase.RESUMING)));
    }

    @Test
    void aRejoinSocketThatFailsIsRetriedAsARejoin() {
        assertRetries(new Action.Rejoin(), policy.decide(lost(), in(Phase.REJOINING)));
    }

    @Test
    void aRestartingServerIsRetriedButARefusedRejoinFails() {
        assertRetries(new Action.Rejoin(), policy.decide(refused(503), in(Phase.REJOINING)));
        assertRetries(new Action.Rejoin(), policy.decide(refused(502), in(Phase.CONNECTED)));
        assertEquals(403, assertFails(RoomException.Kind.CONNECT_FAILED,
                policy.decide(refused(403), in(Phase.REJOINING))).refusedStatus());
    }

    // ---- the server says leave ----

    @Test
    void aClosedOrDeletedRoomEndsInEveryPhase() {
        for (Phase phase : Phase.values()) {
            for (DisconnectReason reason : new DisconnectReason[]{DisconnectReason.ROOM_CLOSED, DisconnectReason.ROOM_DELETED}) {
                Action.End end = assertInstanceOf(Action.End.class,
                        policy.decide(leave(reason, LeaveRequest.Action.DISCONNECT), in(phase)));
                assertEquals(RoomEnd.Reason.ROOM_CLOSED, end.reason());
                assertTrue(end.why().contains(reason.name()), end.why());
            }
        }
    }

    @Test
    void aLeaveInsteadOfTheFirstJoinIsARejectedJoin() {
        assertFails(RoomException.Kind.JOIN_REJECTED,
                policy.decide(leave(DisconnectReason.JOIN_FAILURE, LeaveRequest.Action.DISCONNECT), in(Phase.JOINING)));
    }

    @Test
    void aLeaveDuringAResumeRejoinsWhateverItsAction() {
        for (LeaveRequest.Action action : new LeaveRequest.Action[]{LeaveRequest.Action.RECONNECT,
                LeaveRequest.Action.DISCONNECT, LeaveRequest.Action.RESUME}) {
            assertEquals(new Action.Rejoin(),
                    policy.decide(leave(DisconnectReason.STATE_MISMATCH, action), in(Phase.RESUMING)));
        }
    }

    @Test
    void theLeavesActionDecidesOnceJoined() {
        assertEquals(new Action.Resume(), policy.decide(
                leave(DisconnectReason.MIGRATION, LeaveRequest.Action.RESUME), in(Phase.CONNECTED)));
        assertEquals(new Action.Rejoin(), policy.decide(
                leave(DisconnectReason.MIGRATION, LeaveRequest.Action.RESUME), resumeDisabled(Phase.CONNECTED)));
        assertEquals(new Action.Rejoin(), policy.decide(
                leave(DisconnectReason.UNKNOWN_REASON, LeaveRequest.Action.RECONNECT), in(Phase.CONNECTED)));
        assertEquals(new Action.Rejoin(), policy.decide(
                leave(DisconnectReason.UNKNOWN_REASON, LeaveRequest.Action.RECONNECT), in(Phase.REJOINING)));
        Action.End removed = assertInstanceOf(Action.End.class, policy.decide(
                leave(DisconnectReason.PARTICIPANT_REMOVED, LeaveRequest.Action.DISCONNECT), in(Phase.CONNECTED)));
        assertEquals(RoomEnd.Reason.REMOVED, removed.reason());
        assertEquals(RoomEnd.Reason.REMOVED, assertInstanceOf(Action.End.class, policy.decide(
                leave(DisconnectReason.DUPLICATE_IDENTITY, LeaveRequest.Action.DISCONNECT), in(Phase.REJOINING))).reason());
        assertFails(RoomException.Kind.JOIN_REJECTED, policy.decide(
                leave(DisconnectReason.JOIN_FAILURE, LeaveRequest.Action.DISCONNECT), in(Phase.REJOINING)));
    }

    // ---- the peer connection ----

    @Test
    void aFailedPeerConnectionResumesOnlyWhenNoAttemptIsUnderWay() {
        assertEquals(new Action.Resume(), policy.decide(new Trouble.PeerFailed(), in(Phase.CONNECTED)));
        assertEquals(new Action.Rejoin(), policy.decide(new Trouble.PeerFailed(), resumeDisabled(Phase.CONNECTED)));
        assertEquals(new Action.Wait(), policy.decide(new Trouble.PeerFailed(), in(Phase.RESUMING)));
        assertEquals(new Action.Wait(), policy.decide(new Trouble.PeerFailed(), in(Phase.REJOINING)));
    }

    @Test
    void aPeerConnectionThatDoesNotComeBackAfterAResumeRejoins() {
        assertEquals(new Action.Rejoin(), policy.decide(new Trouble.PeerTimeout(Duration.ofSeconds(15)), in(Phase.RESUMING)));
        assertEquals(new Action.Rejoin(), policy.decide(new Trouble.PeerTimeout(Duration.ofSeconds(15)), in(Phase.REJOINING)));
    }

    @Test
    void aPeerConnectionThatNeverConnectedIsAConnectError() {
        Situation firstJoin = new Situation(Phase.CONNECTED, false, false, Duration.ZERO);
        Action.Fail fail = assertFails(RoomException.Kind.CONNECT_FAILED,
                policy.decide(new Trouble.PeerTimeout(Duration.ofSeconds(15)), firstJoin));
        assertTrue(fail.why().contains("did not connect"), fail.why());
        assertFails(RoomException.Kind.CONNECT_FAILED, policy.decide(new Trouble.PeerFailed(), firstJoin));
    }

    // ---- the bound on one outage ----

    @Test
    void noAttemptStartsOnceTheOutageOutlastsTheLimit() {
        Trouble[] troubles = {lost(), refused(503), refused(404), new Trouble.PeerFailed(),
                new Trouble.PeerTimeout(Duration.ofSeconds(15)),
                leave(DisconnectReason.STATE_MISMATCH, LeaveRequest.Action.RECONNECT),
                leave(DisconnectReason.MIGRATION, LeaveRequest.Action.RESUME)};
        for (Phase phase : new Phase[]{Phase.RESUMING, Phase.REJOINING}) {
            for (Trouble trouble : troubles) {
                Action action = policy.decide(trouble, late(phase));
                assertTrue(action instanceof Action.Fail || action instanceof Action.Wait, phase + " " + trouble + ": " + action);
                if (action instanceof Action.Fail fail && fail.refusedStatus() == 0) {
                    assertEquals(RoomException.Kind.SIGNAL_LOST, fail.kind());
                }
            }
        }
        assertFails(RoomException.Kind.SIGNAL_LOST, policy.decide(new Trouble.PeerFailed(), late(Phase.CONNECTED)));
    }

    @Test
    void withinTheLimitTheSameTroubleIsStillRetried() {
        Situation nearly = new Situation(Phase.RESUMING, false, true, LIMIT);
        assertRetries(new Action.Resume(), policy.decide(lost(), nearly));
    }
}
