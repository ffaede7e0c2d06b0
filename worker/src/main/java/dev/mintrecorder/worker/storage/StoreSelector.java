package dev.mintrecorder.worker.storage;

import java.time.Duration;
import java.time.Instant;

/**
 * Which store the spooled segments go to, pure: the primary while it answers, the fallback once the primary has kept
 * failing for {@code after}, and the primary again as soon as it answers. While failed over, one put in every
 * {@code probeEvery} tries the primary first, so the worker learns that it is back. One per worker: the primary's
 * health is the worker's, not one recording's. Thread-safe.
 */
public final class StoreSelector {
    /** Where a segment is stored; the manifest names the store of each segment. */
    public enum Store { PRIMARY, FALLBACK }

    private final Duration after;
    private final Duration probeEvery;
    private Instant failingSince;
    private Instant lastProbe;

    public StoreSelector(Duration after, Duration probeEvery) {
        this.after = after;
        this.probeEvery = probeEvery;
    }

    /** The store for the next put at {@code now}. */
    public synchronized Store target(Instant now) {
        if (!failedOver(now)) {
            return Store.PRIMARY;
        }
        if (lastProbe == null || !now.isBefore(lastProbe.plus(probeEvery))) {
            lastProbe = now;
            return Store.PRIMARY;
        }
        return Store.FALLBACK;
    }

    /** Whether the primary has failed for {@code after} and not answered since. */
    public synchronized boolean failedOver(Instant now) {
        return failingSince != null && !now.isBefore(failingSince.plus(after));
    }

    /** A put to the primary failed transiently at {@code now}. */
    public synchronized void primaryFailed(Instant now) {
        if (failingSince == null) {
            failingSince = now;
        }
    }

    /** The primary took a put: segments go there again. */
    public synchronized void primaryAnswered() {
        failingSince = null;
        lastProbe = null;
    }
}
