package dev.mintrecorder.worker.pipeline;

import dev.mintrecorder.worker.jobs.RecordingSession;
import dev.mintrecorder.worker.jobs.RecordingSessionFactory;
import dev.mintrecorder.worker.jobs.SessionContext;
import dev.mintrecorder.worker.media.BoundedFrameQueue;
import dev.mintrecorder.worker.media.MediaConfig;
import dev.mintrecorder.worker.memory.RoomMemoryRegistry;
import dev.mintrecorder.worker.ops.WorkerConfig;
import dev.mintrecorder.worker.room.RoomClient;
import dev.mintrecorder.worker.room.WebRtcRuntime;
import dev.mintrecorder.worker.storage.FallbackStore;
import dev.mintrecorder.worker.storage.S3Clients;
import dev.mintrecorder.worker.storage.SegmentSpool;
import dev.mintrecorder.worker.storage.UploadConfig;
import dev.mintrecorder.worker.storage.UploadJanitor;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * Makes a {@link RoomRecording} per job attempt, and owns what every recording of this process shares: the WebRTC
 * receive factory, the room client and the S3 client. They are made once, here, and released in {@link #close()}
 * on worker shutdown, after the job engine has ended every recording.
 *
 * <p>{@code WorkerMain} builds it with its dependencies: the worker's meter registry (room, queue and upload meters
 * go there) and the memory governor's room registry (each running recording registers there).
 */
public final class PipelineSessionFactory implements RecordingSessionFactory, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PipelineSessionFactory.class);

    /**
     * What recordings share and use; owned by the factory, never closed by a recording.
     *
     * @param videoQueue the bound of each recording's video queue (the recording creates its queues)
     * @param audioQueue the bound of each recording's audio queue
     * @param registry where the recordings' meters go
     * @param roomMemories where each recording registers its room with the memory governor while it records
     * @param janitor aborts the uploads a recording could not settle before it ended
     * @param spool where segments wait on local disk while S3 cannot take them
     * @param fallback where spooled segments go while the primary store keeps failing, if configured
     * @param handoverUploads how long a handover waits for uploads and the spool: within the worker's drain budget
     */
    record Shared(RoomClient rooms, S3Client s3, String bucket, UploadConfig upload, MediaConfig media,
                  BoundedFrameQueue.Limits videoQueue, BoundedFrameQueue.Limits audioQueue,
                  MeterRegistry registry, RoomMemoryRegistry roomMemories, UploadJanitor janitor,
                  SegmentSpool spool, Optional<FallbackStore> fallback, Duration handoverUploads) {

        /** The worker's settings for them, with these clients and registries. */
        static Shared of(WorkerConfig config, RoomClient rooms, S3Client s3, MeterRegistry registry,
                         RoomMemoryRegistry roomMemories) {
            SegmentSpool spool = new SegmentSpool(config.spool(), registry);
            if (spool.policy().enabled()) {
                roomMemories.watchSpool(spool::alarmState);
            }
            Optional<FallbackStore> fallback = config.storage().fallback().map(f -> new FallbackStore(
                    S3Clients.create(f.store()), f.store().bucket(), f.after(), Clock.systemUTC(), registry));
            return new Shared(rooms, s3, config.storage().bucket(), config.upload(), config.media(),
                    config.room().videoQueue(), config.room().audioQueue(), registry, roomMemories,
                    new UploadJanitor(s3, registry), spool, fallback, handoverBudget(config.jobs().drainGrace()));
        }
    }

    /** What a handover leaves of the drain budget for the rest (lease, job requeue, closing): 5 s. */
    static final Duration HANDOVER_MARGIN = Duration.ofSeconds(5);

    /** The uploads' share of the SIGTERM drain budget: all of it but {@link #HANDOVER_MARGIN}, at least 1 s. */
    static Duration handoverBudget(Duration drainGrace) {
        Duration d = drainGrace.minus(HANDOVER_MARGIN);
        return d.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : d;
    }

    private final WebRtcRuntime webrtc;
    private final Shared shared;

    /**
     * Starts the WebRTC factory (a SYSTEM failure if it cannot: this worker cannot record) and the clients.
     *
     * @param registry the worker's meter registry (what {@code /metrics} serves)
     * @param roomMemories the worker's room registry, the one its memory governor watches
     */
    public PipelineSessionFactory(WorkerConfig config, MeterRegistry registry, RoomMemoryRegistry roomMemories) {
        WebRtcRuntime runtime = WebRtcRuntime.start();
        S3Client s3 = null;
        try {
            s3 = S3Clients.create(config.storage());
            RoomClient rooms = new RoomClient(config.room(), runtime, registry);
            this.webrtc = runtime;
            this.shared = Shared.of(config, rooms, s3, registry, roomMemories);
        } catch (RuntimeException e) {
            if (s3 != null) {
                s3.close();
            }
            runtime.close();
            throw e;
        }
        log.info("recording pipeline ready: S3 bucket {}, LiveKit {}", config.storage().bucket(),
                config.room().livekitUrl());
    }

    /** A factory over parts made elsewhere (the room client must use {@code webrtc}); it owns and closes them. */
    PipelineSessionFactory(WebRtcRuntime webrtc, Shared shared) {
        this.webrtc = webrtc;
        this.shared = shared;
    }

    @Override
    public RecordingSession create(SessionContext context) {
        if (webrtc.isClosed()) {
            throw new IllegalStateException("the recording pipeline is closed");
        }
        return new RoomRecording(shared, context);
    }

    /** The shared spool's: a worker whose spool is CRITICAL or short of a room's share takes no more rooms. */
    @Override
    public Optional<String> refusal() {
        return shared.spool().refusal();
    }

    /**
     * Release order: the room client (no new signal sockets), the WebRTC factory (closes any peer connection still
     * open, then disposes the factory and the audio device; the JVM cannot exit before), then the upload janitor
     * (what it still holds is logged and left to the bucket's lifecycle rule), the spool, the fallback store's client
     * and the S3 client.
     */
    @Override
    public void close() {
        try {
            shared.rooms().close();
            webrtc.close();
        } finally {
            shared.janitor().close();
            shared.spool().close();
            shared.fallback().ifPresent(FallbackStore::close);
            shared.s3().close();
        }
    }
}
