package dev.mintrecorder.worker.storage;

import java.util.Optional;

/**
 * The spool's decisions, pure: whether a segment may go to the local spool, and how full the spool is.
 *
 * <p><b>Bounds.</b> The spool holds at most {@code workerMaxBytes} for the whole worker and {@code roomMaxBytes} for
 * one room, so one room in a long outage cannot take the space every other room needs.
 *
 * <p><b>Full policy: keep the oldest, drop the newest.</b> A segment that does not fit is not spooled; it is lost,
 * and nothing already spooled is ever dropped for it. The spool then holds the outage from its start, contiguous, and
 * the loss is one run of segments at its end: the playlist marks it with a discontinuity (a missing sequence number),
 * and the recording reports it. Dropping the oldest instead would punch holes all along the outage and rewrite disk
 * for nothing.
 *
 * <p><b>Levels</b>, as shares of the worker bound: WARN from {@value #WARN}, CRITICAL from {@value #CRITICAL}.
 * They show in {@code recorder_spool_level} and in one log line per change (WARN, ERROR).
 *
 * <p><b>Admission.</b> A worker whose spool is CRITICAL, or has less free than one room's share, takes no more rooms
 * ({@link #refusal}): a new room in the same outage would only spool too, into space the running ones need.
 */
public record SpoolPolicy(long workerMaxBytes, long roomMaxBytes) {
    public static final double WARN = 0.5;
    public static final double CRITICAL = 0.8;

    public enum Level { OK, WARN, CRITICAL }

    /** What to do with a segment that cannot go to S3 now. */
    public enum Decision {
        SPOOL,
        /** Lost: the room's share is full. */
        DROP_ROOM_FULL,
        /** Lost: the worker's spool is full. */
        DROP_WORKER_FULL,
        /** Lost: the spool is off (bounds of 0). */
        DROP_DISABLED
    }

    public SpoolPolicy {
        if (workerMaxBytes < 0 || roomMaxBytes < 0) {
            throw new IllegalArgumentException("spool bounds must not be negative");
        }
    }

    public boolean enabled() {
        return workerMaxBytes > 0 && roomMaxBytes > 0;
    }

    /**
     * @param roomBytes what this room has spooled now
     * @param workerBytes what the whole worker has spooled now
     * @param segmentBytes the segment to spool
     */
    public Decision decide(long roomBytes, long workerBytes, long segmentBytes) {
        if (!enabled()) {
            return Decision.DROP_DISABLED;
        }
        if (workerBytes + segmentBytes > workerMaxBytes) {
            return Decision.DROP_WORKER_FULL;
        }
        if (roomBytes + segmentBytes > roomMaxBytes) {
            return Decision.DROP_ROOM_FULL;
        }
        return Decision.SPOOL;
    }

    /**
     * Why the worker should take no more rooms with {@code workerBytes} spooled; empty when it may. A room's share is
     * capped at the worker bound, so a room bound above it does not shut admission for good.
     */
    public Optional<String> refusal(long workerBytes) {
        if (!enabled()) {
            return Optional.empty();
        }
        if (level(workerBytes) == Level.CRITICAL) {
            return Optional.of("spool CRITICAL: " + workerBytes + " of " + workerMaxBytes
                    + " bytes hold segments S3 has not taken");
        }
        long free = workerMaxBytes - workerBytes;
        long share = Math.min(roomMaxBytes, workerMaxBytes);
        return free < share
                ? Optional.of("spool: " + free + " bytes free, less than one room's share of " + share)
                : Optional.empty();
    }

    public Level level(long workerBytes) {
        if (!enabled()) {
            return Level.OK;
        }
        double share = (double) workerBytes / workerMaxBytes;
        return share >= CRITICAL ? Level.CRITICAL : share >= WARN ? Level.WARN : Level.OK;
    }
}
