package dev.mintrecorder.worker.storage;

import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.S3Keys;
import dev.mintrecorder.worker.media.FrameLoss;
import dev.mintrecorder.worker.media.SegmentDone;
import dev.mintrecorder.worker.media.SegmentOutput;
import dev.mintrecorder.worker.ops.LogContext;
import dev.mintrecorder.worker.ops.Metric;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

/**
 * Streams one room's segments into S3, each segment as ONE multipart upload, with no temp files.
 *
 * <ul>
 *   <li>{@link #open} starts {@code CreateMultipartUpload} (asynchronously, so the encoder never waits on it);</li>
 *   <li>the stream uploads a part whenever its buffer reaches the part size (at least 5 MiB);</li>
 *   <li>{@code finish(done)} uploads the last (possibly small) part and completes the upload, again asynchronously;
 *       once it is complete the segment is reported to the listener, once, as its writer described it.</li>
 * </ul>
 * At most {@link UploadConfig#maxPartsInFlight()} parts of this room upload at once: a writer that needs another
 * waits (backpressure on the encoder thread), so the room's segment memory is bounded by
 * {@code (maxPartsInFlight + 1) * partSize}; {@link #bytesHeld()} reports the actual figure. Each S3 call goes
 * through {@link S3Retry}; a segment whose upload still fails is aborted (never left open) and reported.
 *
 * <p><b>Checksums.</b> Each upload is created with the CRC32C algorithm and every part carries its CRC32C, which S3
 * verifies before it stores the part (400 BadDigest otherwise, not retried); the completion lists the parts'
 * checksums, which S3 checks against what it stored. The whole segment's CRC32C, computed as the bytes are written,
 * goes to the listener for the manifest, so a reader can verify a downloaded segment end to end.
 *
 * <p><b>No orphaned uploads.</b> Every upload this sink opens is completed or aborted. One it could not settle (the
 * abort failed, or the sink was closed while S3 was down) goes to the worker's {@link UploadJanitor}, which aborts
 * it once S3 answers. On a handover ({@link #handOver}) open uploads stay for the next attempt's {@link Salvage}.
 *
 * <p><b>The spool.</b> With a {@link SegmentSpool}, a finished segment that fits one part never waits on S3 for long:
 * when no upload slot frees within the spool's deadline, when its upload could not be created, or when segments are
 * spooled already (order), its bytes go to the local spool instead and its multipart upload is abandoned (the
 * janitor aborts it). A segment begun while segments are spooled creates no upload until it needs one, so an outage
 * costs one retrying call (the drain's), not one per segment. A segment whose direct upload fails with a transient
 * error after the retries is spooled too. One drain thread puts spooled segments into S3 in sequence order, one PUT
 * each with its CRC32C, retrying with backoff for as long as the recording runs, and only after every direct upload
 * of a lower sequence has settled; a spooled segment is reported to the listener once it is in S3. A segment the
 * spool refuses ({@link SpoolPolicy}) is reported lost. A segment longer than one part (its parts stream while it is
 * written) is never spooled: it waits for S3 as without a spool.
 *
 * <p><b>The fallback store.</b> With a {@link FallbackStore}, the drain puts spooled segments there instead once the
 * primary has failed for {@code S3_FALLBACK_AFTER}, and reports them with
 * {@link SegmentUploadListener#uploadedToFallback}; a put that the primary takes (a probe every few seconds, or a
 * direct upload) sends them to the primary again.
 *
 * <p><b>Copy-back.</b> Every segment this sink put in the fallback is copied back once the primary answers, by the
 * same drain thread, lowest sequence first, after the spool's backlog (local disk is the scarcer store): read from
 * the fallback and checked against the CRC32C its writer computed, put to the primary with that CRC32C (which the
 * primary verifies), reported with {@link SegmentUploadListener#copiedToPrimary}, and only then deleted from the
 * fallback. Each step is retried with backoff until the recording stops; what is still in the fallback then stays
 * there, named by the manifest ({@link FallbackCopies}).
 */
public final class MultipartSegmentSink implements SegmentOutput, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MultipartSegmentSink.class);
    private static final int INITIAL_BUFFER = 256 * 1024;

    private final S3Client s3;
    private final String bucket;
    private final MintId mint;
    private final UUID jobId;
    private final UploadConfig config;
    private final S3Retry retry;
    private final SegmentUploadListener listener;
    /** Segment closed by the muxer → its upload completed: how long a finished segment waits to become playable. */
    private final Timer uploadLatency;
    private final Semaphore partsInFlight;
    private final ExecutorService uploadThreads = Executors.newVirtualThreadPerTaskExecutor();
    /** Each upload task carries the MDC (mint_id/job_id) of the thread that submitted it. */
    private final Executor uploads = task -> uploadThreads.execute(LogContext.propagate(task));
    private final AtomicLong bytesHeld = new AtomicLong();
    /** One buffer being written, one uploading: more idle than that is rarely taken again. */
    private final SegmentBuffers buffers = new SegmentBuffers(2);
    private final Set<CompletableFuture<?>> pending = ConcurrentHashMap.newKeySet();
    /** Streams whose upload is neither completed nor aborted yet. */
    private final Set<SegmentStream> unsettled = ConcurrentHashMap.newKeySet();
    private final UploadJanitor janitor;
    private final SegmentSpool.Room spool;
    private final boolean spoolEnabled;
    private final Duration spoolDeadline;
    /** Finished segments uploading directly: the drain never overtakes a lower one. */
    private final ConcurrentSkipListSet<Long> directInFlight = new ConcurrentSkipListSet<>();
    private final Thread drain;
    /** Where spooled segments go while the primary keeps failing; empty without one. */
    private final Optional<FallbackStore> fallback;
    /** This room's segments in the fallback store, until they are copied back. */
    private final FallbackCopies copies = new FallbackCopies();
    private volatile boolean stopped;

    /**
     * @param registry the worker's registry: upload latency and retries of every room add up there
     * @param janitor the worker's owner of uploads to abort later
     * @param spool the worker's spool (this sink takes its own room in it); off when its policy has no room
     */
    public MultipartSegmentSink(S3Client s3, String bucket, MintId mint, UUID jobId, UploadConfig config,
                                SegmentUploadListener listener, MeterRegistry registry, UploadJanitor janitor,
                                SegmentSpool spool) {
        this(s3, bucket, mint, jobId, config, listener, registry, janitor, spool, Optional.empty());
    }

    /** @param fallback the worker's fallback store, which the drain uses once the primary has kept failing */
    public MultipartSegmentSink(S3Client s3, String bucket, MintId mint, UUID jobId, UploadConfig config,
                                SegmentUploadListener listener, MeterRegistry registry, UploadJanitor janitor,
                                SegmentSpool spool, Optional<FallbackStore> fallback) {
        this.fallback = fallback;
        this.janitor = janitor;
        this.spool = spool.room(jobId);
        this.spoolEnabled = spool.policy().enabled();
        this.spoolDeadline = spool.deadline();
        this.s3 = s3;
        this.bucket = bucket;
        this.mint = mint;
        this.jobId = jobId;
        this.config = config;
        this.retry = new S3Retry("s3-" + jobId, config, registry);
        this.listener = listener;
        this.uploadLatency = Metric.UPLOAD_LATENCY.timer(registry);
        this.partsInFlight = new Semaphore(config.maxPartsInFlight());
        this.drain = spoolEnabled ? Thread.ofVirtual().name("spool-drain-" + jobId)
                .unstarted(LogContext.propagate(this::drain)) : null;
        if (drain != null) {
            drain.start();
        }
    }

    /** Bytes of this room's segments in the local spool. */
    public long spooledBytes() {
        return spool.bytes();
    }

    /** S3 calls retried so far for this room. */
    public long retries() {
        return retry.retries();
    }

    /** Segment bytes buffered or uploading. */
    public long bytesHeld() {
        return bytesHeld.get();
    }

    /**
     * What this room's segments occupy in memory: {@link #bytesHeld()} plus the idle buffers kept for its next
     * segments. Count it in the room's memory.
     */
    public long memoryBytes() {
        return bytesHeld.get() + buffers.idleBytes();
    }

    @Override
    public SegmentOutput.Segment open(long sequence) {
        return new SegmentStream(sequence, S3Keys.segment(mint, jobId, sequence));
    }

    /**
     * Waits up to {@code timeout} for every started upload to complete, abort or go to the spool, and then for the
     * spool to drain.
     *
     * @return whether everything finished in time
     */
    public boolean awaitUploads(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            // failures were reported per segment and their uploads aborted
        }
        return spool.awaitEmpty(Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
    }

    /**
     * Segments an earlier attempt of this recording left in the fallback store (its manifest names them, with their
     * CRC32C): they are copied back like this sink's own once the primary answers, so a resumed recording's playlist
     * lists them. Without a fallback store (or a drain) they stay where they are, and the manifest keeps naming it.
     */
    public void copyBackLater(List<Manifest.Segment> segments) {
        List<Manifest.Segment> inFallback = segments.stream().filter(Manifest.Segment::inFallback).toList();
        if (inFallback.isEmpty()) {
            return;
        }
        if (fallback.isEmpty() || drain == null) {
            log.error("the manifest names segments {} in the fallback store, but this worker has no fallback store "
                    + "(or no spool): they stay there", inFallback.stream().map(Manifest.Segment::seq).toList());
            return;
        }
        for (Manifest.Segment s : inFallback) {
            copies.add(s.key(), new SegmentDone(s.seq(), s.durationS(), s.discontinuity(), s.bytes(),
                    s.programDateTime(), FrameLoss.NONE), s.crc32c(), s.bytes());
            fallback.get().adoptedOne();
        }
        log.info("segments {} of an earlier attempt are in the fallback store: copying them back once the primary "
                + "answers", inFallback.stream().map(Manifest.Segment::seq).toList());
    }

    /**
     * Waits up to {@code timeout} for every segment in the fallback store to be copied back to the primary (call
     * {@link #awaitUploads} first: the spool's backlog goes first).
     *
     * @return whether every one is in the primary (a fallback copy may be left to delete)
     */
    public boolean awaitCopyBack(Duration timeout) throws InterruptedException {
        return copies.awaitCopied(timeout.toMillis());
    }

    /**
     * Stops the upload threads; uploads not yet completed are aborted, by the {@link UploadJanitor} once S3 answers.
     * Call {@link #awaitUploads} first.
     */
    @Override
    public void close() {
        stopWork();
        for (SegmentStream stream : unsettled) {
            stream.abortLater();
        }
    }

    /**
     * Stops the upload threads and leaves uploads not yet completed open: the attempt that continues the job
     * completes them with their parts ({@link Salvage}).
     */
    public void handOver() {
        stopWork();
        if (!unsettled.isEmpty()) {
            log.warn("{} segment upload(s) left open for the next attempt's salvage", unsettled.size());
        }
    }

    /** Stops the upload threads and the drain; what is still spooled is lost (logged and counted). */
    private void stopWork() {
        stopped = true;
        uploadThreads.shutdownNow();
        if (drain != null) {
            drain.interrupt();
        }
        List<SegmentSpool.Entry> left = spool.discard();
        if (!left.isEmpty()) {
            log.error("{} spooled segment(s) never reached S3 before the recording ended and are lost: {}",
                    left.size(), left.stream().map(SegmentSpool.Entry::sequence).toList());
        }
        List<FallbackCopies.Copy> inFallback = copies.clear();
        List<Long> notCopied = inFallback.stream().filter(c -> !c.inPrimary()).map(FallbackCopies.Copy::sequence)
                .toList();
        if (!notCopied.isEmpty()) {
            fallback.ifPresent(f -> f.leftHere(notCopied.size()));
            log.error("{} segment(s) stay in the fallback store, bucket {}: the primary did not answer before the "
                    + "recording ended; the manifest names their store: {}", notCopied.size(),
                    fallback.map(FallbackStore::bucket).orElse("?"), notCopied);
        }
        if (notCopied.size() < inFallback.size()) {
            log.warn("the fallback store keeps stray copies of segments {} that are in the primary too: their delete "
                    + "did not succeed before the recording ended", inFallback.stream()
                    .filter(FallbackCopies.Copy::inPrimary).map(FallbackCopies.Copy::sequence).toList());
        }
    }

    /** A finished segment that S3 cannot take now: to the spool, or lost if the policy refuses it. */
    private void spoolOrLose(String key, SegmentDone done, String crc32c, byte[] data, int length) {
        SpoolPolicy.Decision decision;
        try {
            decision = spool.put(key, done, crc32c, data, length);
        } catch (IOException e) {
            log.error("could not write segment {} to the spool: {}", key, e.toString());
            decision = null;
        }
        if (decision == SpoolPolicy.Decision.SPOOL) {
            log.warn("S3 cannot take segment {} now: spooled ({} bytes; this room's spool holds {} bytes)", key,
                    length, spool.bytes());
            return;
        }
        String why = decision == null ? "the spool could not be written" : switch (decision) {
            case DROP_ROOM_FULL -> "this recording's share of the spool is full";
            case DROP_WORKER_FULL -> "the worker's spool is full";
            case DROP_DISABLED -> "the spool is off";
            case SPOOL -> throw new IllegalStateException();
        };
        log.error("segment {} is lost: S3 cannot take it now and {} ({} s of media)", key, why,
                done.durationSeconds());
        tell(() -> listener.lost(done, key, why));
    }

    /**
     * The drain: puts spooled segments into S3 in sequence order, each once every direct upload of a lower sequence
     * has settled, retrying a transient failure with backoff until the recording stops.
     */
    private void drain() {
        long backoffMs = 0;
        while (!stopped) {
            try {
                if (backoffMs > 0) {
                    Thread.sleep(backoffMs);
                }
                SegmentSpool.Entry next = spool.first().orElse(null);
                if (next == null) {
                    FallbackCopies.Copy c = copies.first().orElse(null);
                    // The copy-back's put to the primary is the probe while failed over: asking takes its slot.
                    if (c != null && (c.inPrimary() || fallback.orElseThrow().target() == StoreSelector.Store.PRIMARY)) {
                        backoffMs = copyBack(fallback.orElseThrow(), c) ? 0 : nextBackoff(backoffMs);
                        continue;
                    }
                    next = spool.awaitFirst(500).orElse(null);
                    if (next == null) {
                        continue;
                    }
                }
                SegmentSpool.Entry e = next;
                Long lower = directInFlight.lower(e.sequence());
                if (lower != null) {
                    backoffMs = 50; // its direct upload settles first: uploaded, or spooled ahead of this one
                    continue;
                }
                RequestBody data = RequestBody.fromFile(spool.file(e));
                StoreSelector.Store store = fallback.map(FallbackStore::target).orElse(StoreSelector.Store.PRIMARY);
                if (store == StoreSelector.Store.FALLBACK) {
                    FallbackStore f = fallback.orElseThrow();
                    put(f.client(), f.bucket(), e.key(), e.crc32c(), data);
                    copies.add(e.key(), e.done(), e.crc32c(), e.bytes());
                    f.storedOne();
                    log.info("spooled segment {} is in the fallback store now ({} bytes)", e.key(), e.bytes());
                    tell(() -> listener.uploadedToFallback(e.key(), e.done(), e.crc32c()));
                } else {
                    try {
                        put(s3, bucket, e.key(), e.crc32c(), data);
                    } catch (SdkException ex) {
                        if (S3Retry.isTransient(ex)) {
                            fallback.ifPresent(FallbackStore::primaryFailed);
                            // Failed over (now or before): the fallback takes this segment without a backoff. The
                            // put that just failed counts as the probe, so asking for the target here takes its slot.
                            if (fallback.map(f -> f.target() == StoreSelector.Store.FALLBACK).orElse(false)) {
                                continue;
                            }
                        }
                        throw ex;
                    }
                    fallback.ifPresent(FallbackStore::primaryAnswered);
                    janitor.s3Answered();
                    log.info("spooled segment {} is in S3 now ({} bytes)", e.key(), e.bytes());
                    tell(() -> listener.uploaded(e.key(), e.done(), e.crc32c()));
                }
                spool.remove(e);
                backoffMs = 0;
            } catch (InterruptedException ex) {
                return;
            } catch (SdkException ex) {
                if (!S3Retry.isTransient(ex)) {
                    log.error("S3 refuses the spooled segments: {}", ex.toString());
                    SegmentSpool.Entry e = spool.first().orElse(null);
                    if (e != null) {
                        tell(() -> listener.failed(e.sequence(), e.key(), ex));
                    }
                    return;
                }
                backoffMs = nextBackoff(backoffMs);
            } catch (IOException ex) {
                SegmentSpool.Entry e = spool.first().orElse(null);
                log.error("could not read spooled segment {}: {}", e == null ? "?" : e.key(), ex.toString());
                if (e != null) {
                    spool.remove(e);
                    tell(() -> listener.lost(e.done(), e.key(), "the spool could not be read"));
                }
            }
        }
    }

    private long nextBackoff(long backoffMs) {
        return backoffMs < config.retryInitialBackoff().toMillis() ? config.retryInitialBackoff().toMillis()
                : Math.min(backoffMs * 2, config.retryMaxBackoff().toMillis());
    }

    /**
     * One step of copying {@code c} back: read it from the fallback, verify it, put it to the primary (which verifies
     * its CRC32C) and report it; then delete it from the fallback. Never throws.
     *
     * @return whether it made progress; false after a transient failure, to back off and retry
     */
    private boolean copyBack(FallbackStore f, FallbackCopies.Copy c) {
        String step = "read it from the fallback store";
        try {
            if (!c.inPrimary()) {
                byte[] data = f.client().getObjectAsBytes(r -> r.bucket(f.bucket()).key(c.key())).asByteArray();
                Optional<String> bad = FallbackCopies.mismatch(c, data);
                if (bad.isPresent()) {
                    f.copyBackFailed();
                    f.leftHere(1);
                    copies.remove(c);
                    log.error("segment {} cannot be copied back: {}; it stays in the fallback store, bucket {}, and "
                            + "the manifest keeps naming that store", c.key(), bad.get(), f.bucket());
                    return true;
                }
                step = "put it to the primary store";
                String stored = put(s3, bucket, c.key(), c.crc32c(), RequestBody.fromBytes(data)).checksumCRC32C();
                if (stored != null && !stored.equals(c.crc32c())) {
                    f.copyBackFailed();
                    log.error("copy-back of segment {}: the primary stored CRC32C {}, not {}; retrying", c.key(),
                            stored, c.crc32c());
                    return false;
                }
                f.primaryAnswered();
                f.copiedBackOne();
                log.info("segment {} is copied back to the primary store, CRC32C verified ({} bytes)", c.key(),
                        c.bytes());
                tell(() -> listener.copiedToPrimary(c.key(), c.done(), c.crc32c()));
                copies.copied(c); // last: awaitCopyBack returns once the listener knows
            }
            step = "delete it from the fallback store";
            f.client().deleteObject(r -> r.bucket(f.bucket()).key(c.key()));
            copies.remove(c);
            return true;
        } catch (SdkException ex) {
            f.copyBackFailed();
            boolean transientFailure = S3Retry.isTransient(ex);
            if (transientFailure && step.startsWith("put")) {
                f.primaryFailed();
            }
            if (transientFailure) {
                log.warn("copy-back of segment {} from the fallback store: could not {} (retried with backoff): {}",
                        c.key(), step, ex.toString());
                return false;
            }
            copies.remove(c);
            if (!c.inPrimary()) {
                f.leftHere(1);
            }
            log.error("copy-back of segment {} from the fallback store: could not {}, and S3 refuses for good: {}; "
                    + "{}", c.key(), step, ex.toString(), c.inPrimary()
                    ? "the fallback keeps a stray copy (the primary holds the segment)"
                    : "it stays in the fallback store, and the manifest keeps naming that store");
            return true;
        }
    }

    /** A whole segment in one PUT, with the CRC32C the store verifies. */
    static PutObjectResponse put(S3Client client, String bucket, String key, String crc32c, RequestBody data) {
        return client.putObject(PutObjectRequest.builder().bucket(bucket).key(key).contentType("video/mp2t")
                .checksumCRC32C(crc32c).build(), data);
    }

    private <T> CompletableFuture<T> track(CompletableFuture<T> f) {
        pending.add(f);
        f.whenComplete((v, e) -> pending.remove(f));
        return f;
    }

    /** One segment: one multipart upload. Written by the encoder thread only. */
    private final class SegmentStream extends SegmentOutput.Segment {
        private final long sequence;
        private final String key;
        /**
         * The multipart upload; null until one is needed when the stream began behind the spool. Set on the encoder
         * thread, read by the upload threads' callbacks.
         */
        private volatile CompletableFuture<String> uploadId;
        private final List<CompletableFuture<CompletedPart>> parts = new ArrayList<>();
        private byte[] buffer = SegmentBuffers.NONE;
        private int length;
        /** The whole segment's checksum, over every byte written. */
        private final CRC32C checksum = new CRC32C();
        private boolean closed;
        /** What the writer reported on finish; null for a stream only closed (not reported). */
        private SegmentDone report;
        private volatile Exception failure;

        SegmentStream(long sequence, String key) {
            this.sequence = sequence;
            this.key = key;
            // Segments already spooled: S3 is failing, and a one-part segment follows them into the spool. Its upload
            // is created only if it is needed after all (a part, or S3 back by the close). Created up front, each
            // segment of an outage ran a retry chain of its own against the failing store, and each upload it did
            // create was aborted once S3 returned.
            if (!spoolEnabled || spool.isEmpty()) {
                createUpload();
            }
            unsettled.add(this);
        }

        private void createUpload() {
            CompletableFuture<String> created = track(CompletableFuture.supplyAsync(() -> retry.call(() ->
                    s3.createMultipartUpload(CreateMultipartUploadRequest.builder().bucket(bucket).key(key)
                            .contentType("video/mp2t").checksumAlgorithm(ChecksumAlgorithm.CRC32_C).build())
                    .uploadId()), uploads));
            created.exceptionally(e -> {
                failure = unwrap(e);
                return null;
            });
            uploadId = created;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (!(spoolEnabled && parts.isEmpty())) {
                failIfFailed(); // a segment still all in the buffer can go to the spool instead
            }
            checksum.update(b, off, len);
            while (len > 0) {
                int room = (int) Math.min(config.partSizeBytes() - length, len);
                ensureCapacity(length + room);
                System.arraycopy(b, off, buffer, length, room);
                length += room;
                bytesHeld.addAndGet(room);
                off += room;
                len -= room;
                if (length == config.partSizeBytes()) {
                    sendPart(false, false);
                }
            }
        }

        private void ensureCapacity(int needed) {
            if (buffer.length == 0) {
                buffer = buffers.take();
            }
            if (needed > buffer.length) {
                int size = (int) Math.min(config.partSizeBytes(), Math.max(needed, Math.max(INITIAL_BUFFER, buffer.length * 2L)));
                buffer = Arrays.copyOf(buffer, size);
            }
        }

        /**
         * Hands the buffer to an upload thread; waits while this room already has the maximum in flight, unless
         * {@code slotHeld}. The buffer goes back to the room's buffers once the part is uploaded, unless
         * {@code keepBuffer}: then whoever kept it gives it back.
         */
        private void sendPart(boolean slotHeld, boolean keepBuffer) throws IOException {
            if (!slotHeld) {
                try {
                    partsInFlight.acquire();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted waiting for a part upload slot");
                }
            }
            if (uploadId == null) {
                createUpload();
            }
            int partNumber = parts.size() + 1;
            byte[] data = buffer;
            int size = length;
            buffer = SegmentBuffers.NONE;
            length = 0;
            CompletableFuture<CompletedPart> part = uploadId.thenApplyAsync(id -> {
                // Given as a header, S3 checks the part against it; the SDK then computes no trailer of its own.
                String crc = Crc32c.of(data, 0, size);
                UploadPartResponse r = retry.call(() -> s3.uploadPart(UploadPartRequest.builder()
                                .bucket(bucket).key(key).uploadId(id).partNumber(partNumber).contentLength((long) size)
                                .checksumCRC32C(crc).build(),
                        // A fresh stream over the same bytes per attempt: no copy, and retries resend from the start.
                        RequestBody.fromContentProvider(() -> new ByteArrayInputStream(data, 0, size), size,
                                "application/octet-stream")));
                return CompletedPart.builder().partNumber(partNumber).eTag(r.eTag()).checksumCRC32C(crc).build();
            }, uploads);
            part.whenComplete((p, e) -> {
                partsInFlight.release();
                bytesHeld.addAndGet(-size);
                if (!keepBuffer) {
                    buffers.give(data);
                }
                if (e != null) {
                    failure = unwrap(e);
                }
            });
            parts.add(track(part));
        }

        /** Completes the upload like {@link #close()}, then reports the segment as {@code done} once it is stored. */
        @Override
        public void finish(SegmentDone done) throws IOException {
            if (!closed) {
                report = done;
                close();
            }
        }

        /** Sends the last part and completes the upload in the background; never blocks on S3 beyond the slot wait. */
        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            long closedAt = System.nanoTime();
            SegmentDone finished = report;
            String crc32c = Crc32c.base64(checksum);
            boolean onePart = parts.isEmpty();
            boolean slotHeld = false;
            if (onePart && spoolEnabled) {
                // The upload's creation may fail while this waits for a slot: checked again once it holds one.
                if (failure != null || !spool.isEmpty() || !(slotHeld = tryAcquireSlot()) || failure != null) {
                    if (slotHeld) {
                        partsInFlight.release();
                    }
                    toSpool(finished, crc32c);
                    return;
                }
            }
            boolean sending = failure == null && (length > 0 || parts.isEmpty());
            // Kept for the spool should the direct upload fail: the part holds these bytes until then anyway.
            byte[] whole = sending && onePart ? buffer : null;
            int wholeLength = length;
            if (sending) {
                sendPart(slotHeld, whole != null);
            } else {
                if (slotHeld) {
                    partsInFlight.release(); // failed since the check above: no part takes the slot
                }
                bytesHeld.addAndGet(-length);
                buffers.give(buffer);
                buffer = SegmentBuffers.NONE;
                length = 0;
            }
            CompletableFuture<Void> done = CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                    .thenCombineAsync(uploadId, (ignored, id) -> {
                        List<CompletedPart> completed = parts.stream().map(CompletableFuture::join).toList();
                        retry.call(() -> s3.completeMultipartUpload(CompleteMultipartUploadRequest.builder()
                                .bucket(bucket).key(key).uploadId(id)
                                .multipartUpload(CompletedMultipartUpload.builder().parts(completed).build()).build()));
                        return null;
                    }, uploads);
            if (finished != null) {
                directInFlight.add(sequence);
            }
            track(done.handle((ok, e) -> {
                if (e == null) {
                    unsettled.remove(this);
                    fallback.ifPresent(FallbackStore::primaryAnswered);
                    janitor.s3Answered();
                    uploadLatency.record(System.nanoTime() - closedAt, TimeUnit.NANOSECONDS);
                    if (finished != null) {
                        tell(() -> listener.uploaded(key, finished, crc32c));
                    }
                    directInFlight.remove(sequence);
                } else if (spoolEnabled && whole != null && finished != null && S3Retry.isTransient(unwrap(e))) {
                    abandonUpload();
                    spoolOrLose(key, finished, crc32c, whole, wholeLength);
                    directInFlight.remove(sequence);
                } else {
                    directInFlight.remove(sequence);
                    Exception error = unwrap(e);
                    failure = error;
                    abort();
                    log.error("segment {} upload failed; aborted", key, error);
                    tell(() -> listener.failed(sequence, key, error));
                }
                if (whole != null) {
                    buffers.give(whole); // its part is settled, and the spool has copied it if it needed to
                }
                return null;
            }));
        }

        /** Waits up to the spool's deadline for an upload slot; true when it holds one. */
        private boolean tryAcquireSlot() throws IOException {
            try {
                return partsInFlight.tryAcquire(spoolDeadline.toNanos(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted waiting for a part upload slot");
            }
        }

        /** The whole segment, still in the buffer, goes to the spool; its multipart upload is abandoned. */
        private void toSpool(SegmentDone finished, String crc32c) {
            byte[] data = buffer;
            int size = length;
            bytesHeld.addAndGet(-size);
            buffer = SegmentBuffers.NONE;
            length = 0;
            abandonUpload();
            if (finished != null) {
                spoolOrLose(key, finished, crc32c, data, size);
            }
            buffers.give(data); // the spool wrote it to disk before returning
        }

        /** The upload will not be completed: the janitor aborts it once it exists and S3 answers. */
        private void abandonUpload() {
            unsettled.remove(this);
            CompletableFuture<String> upload = uploadId;
            if (upload != null) {
                upload.thenAccept(id -> janitor.abortLater(new UploadJanitor.Orphan(bucket, key, id)));
            }
        }

        private void abort() {
            String id = createdId();
            if (id == null) {
                unsettled.remove(this); // never created: nothing to abort
                return;
            }
            try {
                retry.call(() -> s3.abortMultipartUpload(AbortMultipartUploadRequest.builder()
                        .bucket(bucket).key(key).uploadId(id).build()));
                unsettled.remove(this);
            } catch (RuntimeException e) {
                log.error("could not abort the upload of {}: {}", key, e.toString());
                abortLater();
            }
        }

        /** The upload's id once S3 created it; null while creating, when the creation failed, or never asked for. */
        private String createdId() {
            CompletableFuture<String> upload = uploadId;
            return upload != null && upload.isDone() && !upload.isCompletedExceptionally() ? upload.join() : null;
        }

        /** Hands the upload to the janitor; one whose creation never answered is left to the lifecycle rule. */
        void abortLater() {
            if (unsettled.remove(this)) {
                String id = createdId();
                if (id != null) {
                    janitor.abortLater(new UploadJanitor.Orphan(bucket, key, id));
                } else if (uploadId != null) { // asked for, never confirmed; none asked for: nothing to abort
                    log.warn("the upload of {} was never confirmed created: left to the bucket's lifecycle rule", key);
                }
            }
        }

        private void failIfFailed() throws IOException {
            Exception e = failure;
            if (e != null) {
                throw new IOException("upload of " + key + " failed", e);
            }
        }
    }

    /** A listener that throws must not turn a finished upload into a silently failed future. */
    private static void tell(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            log.error("segment upload listener failed", e);
        }
    }

    private static Exception unwrap(Throwable e) {
        while ((e instanceof java.util.concurrent.CompletionException || e instanceof java.util.concurrent.ExecutionException)
                && e.getCause() != null) {
            e = e.getCause();
        }
        return e instanceof Exception ex ? ex : new RuntimeException(e);
    }
}
