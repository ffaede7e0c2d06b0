package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.StatusEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * TEST ONLY: a recording session that writes a small object to S3 every second, so the job engine can be tested
 * without a room or an encoder. The job's target identity steers it: {@code finish-N} ends by itself after N ticks
 * (as if the room closed), {@code fail-N} fails with a SESSION error after N ticks; anything else runs until stopped.
 * Objects go to {@code ticks/{mint}/{job}/a{attempt}-{n}}.
 */
public final class TickSessionFactory implements RecordingSessionFactory {
    private static final Logger log = LoggerFactory.getLogger(TickSessionFactory.class);

    private final S3Client s3;
    private final String bucket;
    private final SessionTracker tracker;

    TickSessionFactory(S3Client s3, String bucket, SessionTracker tracker) {
        this.s3 = s3;
        this.bucket = bucket;
        this.tracker = tracker;
    }

    @Override
    public RecordingSession create(SessionContext context) {
        return new TickSession(context);
    }

    private final class TickSession implements RecordingSession {
        private final SessionContext context;
        private final CompletableFuture<SessionEnd> ended = new CompletableFuture<>();
        private final CountDownLatch stopTicking = new CountDownLatch(1);
        private volatile SessionEnd requestedEnd;
        private Thread ticker;

        TickSession(SessionContext context) {
            this.context = context;
        }

        @Override
        public synchronized void start() {
            tracker.started(context);
            ticker = Thread.ofVirtual().name("tick-" + context.job().jobId()).start(this::tick);
        }

        private void tick() {
            String target = context.job().target().orElse("");
            int limit = target.matches("(finish|fail)-\\d+") ? Integer.parseInt(target.substring(target.indexOf('-') + 1))
                    : Integer.MAX_VALUE;
            SessionEnd end = null;
            try {
                for (int n = 0; end == null; n++) {
                    String key = "ticks/" + context.job().mintId() + "/" + context.job().jobId() + "/a"
                            + context.attempt() + "-" + n;
                    try {
                        s3.putObject(b -> b.bucket(bucket).key(key),
                                RequestBody.fromString(context.workerId() + " " + n, StandardCharsets.UTF_8));
                    } catch (RuntimeException e) {
                        log.warn("tick {} not written: {}", key, e.toString());
                    }
                    if (n + 1 >= limit) {
                        end = target.startsWith("fail") ? new SessionEnd.Failed(StatusEvent.FailureCode.INTERNAL,
                                "test failure after " + limit
                                + " ticks", StatusEvent.Scope.SESSION)
                                : SessionEnd.Finished.of(SessionEnd.Reason.ROOM_CLOSED);
                    } else if (stopTicking.await(1, TimeUnit.SECONDS)) { // the session's pace: one object a second
                        end = requestedEnd;
                    }
                }
            } catch (InterruptedException e) {
                end = new SessionEnd.Failed(StatusEvent.FailureCode.INTERNAL, "interrupted", StatusEvent.Scope.SESSION);
            }
            tracker.ended(context);
            ended.complete(end);
        }

        @Override
        public void stop(SessionEnd.Finished why) {
            requestedEnd = why;
            stopTicking.countDown();
        }

        @Override
        public void handover() {
            requestedEnd = new SessionEnd.HandedOver();
            stopTicking.countDown();
            ended.join(); // the "segment" (the current tick) is written once the ticker has ended
        }

        @Override
        public CompletableFuture<SessionEnd> ended() {
            return ended;
        }
    }
}
