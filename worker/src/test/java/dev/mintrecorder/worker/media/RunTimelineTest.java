package dev.mintrecorder.worker.media;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The run's clock fed a synthetic publisher for hours, as the encoder feeds it (in timestamp order), without encoding:
 * 29.97 fps video and 10 ms audio chunks captured on a publisher clock 100 ppm fast or slow, stamped on arrival with
 * the receive path's delay and jitter, with dropped frames. The reference is the true (wall-clock) capture time of
 * each frame and chunk.
 */
class RunTimelineTest {
    private static final long NANOS = 1_000_000_000L;
    private static final long HOURS = 3;
    private static final Instant WALL_BASE = Instant.parse("2026-12-06T00:00:00Z");
    /** The receiver's monotonic clock reads this at true time 0. */
    private static final long MONO_BASE = 987_654_321_000L;
    /** Capture to the encoder's timestamp: the receive path (network, jitter buffer, decode), equal for both tracks. */
    private static final long DELAY = 80_000_000L;

    /** What one simulated run measured, in nanoseconds. */
    record Drift(long videoMin, long videoMax, long audioMin, long audioMax, long avMin, long avMax, long frames,
                 long chunks, long silenceSamples, long trimmedSamples, long naiveAudioEnd, long naiveVideoEnd) {
        String describe() {
            return String.format("video PDT+media-capture %.1f..%.1f ms, audio %.1f..%.1f ms, A/V %.1f..%.1f ms, "
                            + "%d frames, %d chunks, %.1f ms silence inserted, %.1f ms trimmed; a sample counter ends "
                            + "%.0f ms off, a frame counter %.0f ms", ms(videoMin), ms(videoMax), ms(audioMin),
                    ms(audioMax), ms(avMin), ms(avMax), frames, chunks, silenceSamples / 48.0, trimmedSamples / 48.0,
                    ms(naiveAudioEnd), ms(naiveVideoEnd));
        }

        private static double ms(long nanos) {
            return nanos / 1e6;
        }
    }

    @ParameterizedTest(name = "publisher clock {0} ppm")
    @ValueSource(ints = {100, -100, 0})
    void hoursOfMediaStayOnTheWallClockAndInSync(int ppm) {
        Drift d = simulate(ppm, HOURS * 3600, 42 + ppm);
        System.out.printf("RunTimelineTest %d h, publisher %+d ppm: %s%n", HOURS, ppm, d.describe());
        // PDT + media time against the true capture time: within 250 ms from start to end (the constant receive delay
        // included), and the spread over the hours (the drift) far below it.
        assertTrue(Math.max(Math.abs(d.videoMin()), Math.abs(d.videoMax())) <= 250_000_000L, d.describe());
        assertTrue(Math.max(Math.abs(d.audioMin()), Math.abs(d.audioMax())) <= 250_000_000L, d.describe());
        assertTrue(d.videoMax() - d.videoMin() <= 20_000_000L, "video drift: " + d.describe());
        // Audio and video of the same instant within 20 ms of each other, start to end.
        assertTrue(Math.max(Math.abs(d.avMin()), Math.abs(d.avMax())) <= 20_000_000L, "A/V: " + d.describe());
        if (ppm != 0) {
            // The same input drifts by seconds when counted instead: the test can fail.
            assertTrue(Math.abs(d.naiveAudioEnd()) > 1_000_000_000L, d.describe());
        }
        assertTrue(Math.abs(d.naiveVideoEnd()) > 1_000_000_000L, d.describe());
    }

    @Test
    void eachRunTakesItsOwnWallClockReading() {
        long zero = 5 * NANOS;
        RunTimeline first = RunTimeline.start(zero, WALL_BASE.plusMillis(30), zero + 30_000_000L);
        assertEquals(WALL_BASE, first.wallAtZero());
        assertEquals(WALL_BASE.plusMillis(1500), first.wallAt(zero + 1_500_000_000L));
        assertEquals(WALL_BASE.plusMillis(1500), first.wallAt(1.5));
        assertEquals(135_000, first.videoPts(zero + 1_500_000_000L));
        assertEquals(72_000, first.audioSample(zero + 1_500_000_000L));
        // After a gap the wall clock was stepped 2 s forward (NTP): the next run carries the step, the first never.
        long zero2 = zero + 10 * NANOS;
        RunTimeline second = RunTimeline.start(zero2, WALL_BASE.plusSeconds(12), zero2);
        assertEquals(WALL_BASE.plusSeconds(12), second.wallAtZero());
        assertEquals(WALL_BASE.plusSeconds(10), first.wallAt(zero2));
    }

    @Test
    void audioJumpsAreCorrectedAtOnceAndJitterNever() {
        RunTimeline t = RunTimeline.start(0, WALL_BASE, 0);
        // The run's first chunk, 30 ms after the first frame: placed at its timestamp.
        assertEquals(new RunTimeline.AudioPlacement(false, 1440, 0), t.placeAudio(30_000_000L, 0));
        long position = 1440 + 480;
        // On time, then 40 ms late (jitter): written as they are.
        assertEquals(RunTimeline.AudioPlacement.AS_IS, t.placeAudio(40_000_000L, position));
        position += 480;
        assertEquals(RunTimeline.AudioPlacement.AS_IS, t.placeAudio(90_000_000L, position));
        position += 480;
        // 200 ms of audio missing: silence in front at once.
        long at = 350_000_000L;
        RunTimeline.AudioPlacement jump = t.placeAudio(at, position);
        assertEquals(at * 48_000 / NANOS - position, jump.silenceBefore());
        position = at * 48_000 / NANOS + 480;
        assertEquals(RunTimeline.AudioPlacement.AS_IS, t.placeAudio(360_000_000L, position));
        // 200 ms ahead of the timeline: dropped.
        assertTrue(t.placeAudio(370_000_000L, position + 480 + 200 * 48).discard());
        // Before the run's zero: dropped.
        assertTrue(t.placeAudio(-1, 0).discard());
    }

    /** Runs one simulated run of {@code seconds} through the timeline as {@code RoomEncoder} drives it. */
    private static Drift simulate(int ppm, long seconds, long seed) {
        Random random = new Random(seed);
        double rate = 1 + ppm * 1e-6; // publisher seconds per true second
        long frameNanos = Math.round(NANOS * 1001.0 / 30_000); // 29.97 fps on the publisher's clock
        long chunkNanos = NANOS / 100;
        long end = seconds * NANOS;
        RunTimeline timeline = null;
        long position = 0;
        long frame = 0;
        long chunk = 0;
        long framesEncoded = 0;
        long chunksWritten = 0;
        long silence = 0;
        long trimmed = 0;
        long vMin = Long.MAX_VALUE;
        long vMax = Long.MIN_VALUE;
        long aMin = Long.MAX_VALUE;
        long aMax = Long.MIN_VALUE;
        long avMin = Long.MAX_VALUE;
        long avMax = Long.MIN_VALUE;
        long lastVideoError = 0;
        long naiveAudioEnd = 0;
        long naiveVideoEnd = 0;
        long nextVideoTs = Long.MIN_VALUE;
        long nextAudioTs = Long.MIN_VALUE;
        long videoTrue = 0;
        long audioTrue = 0;
        while (true) {
            if (nextVideoTs == Long.MIN_VALUE) {
                videoTrue = Math.round(frame * frameNanos / rate);
                // webrtc's render time is smoothed: a little jitter either way.
                nextVideoTs = MONO_BASE + videoTrue + DELAY + (long) (random.nextGaussian() * 1_000_000L);
            }
            if (nextAudioTs == Long.MIN_VALUE) {
                audioTrue = Math.round(chunk * chunkNanos / rate);
                // The sink's arrival time: only ever late, by up to 8 ms, and 1 % of chunks by up to 40 ms more.
                long jitter = (long) (random.nextDouble() * 8_000_000L)
                        + (random.nextInt(100) == 0 ? (long) (random.nextDouble() * 40_000_000L) : 0);
                nextAudioTs = MONO_BASE + audioTrue + DELAY + jitter;
            }
            if (videoTrue > end && audioTrue > end) {
                break;
            }
            if (nextVideoTs <= nextAudioTs) {
                long ts = nextVideoTs;
                long capture = videoTrue;
                long k = frame++;
                nextVideoTs = Long.MIN_VALUE;
                // 1 % of frames lost at random, and a 1 s burst every 20 minutes (below the gap threshold).
                boolean dropped = k > 0 && (random.nextInt(100) == 0 || k % 36_000 < 30 && k >= 36_000);
                if (dropped) {
                    continue;
                }
                if (timeline == null) {
                    long nanoNow = ts + 3_000_000L; // the encoder reads both clocks a little after the frame's time
                    timeline = RunTimeline.start(ts, WALL_BASE.plusNanos(nanoNow - MONO_BASE), nanoNow);
                }
                long pts = timeline.videoPts(ts);
                Instant shown = timeline.wallAt(pts / (double) VideoEncoder.TIME_BASE);
                long error = Duration.between(WALL_BASE.plusNanos(capture), shown).toNanos();
                vMin = Math.min(vMin, error);
                vMax = Math.max(vMax, error);
                lastVideoError = error;
                naiveVideoEnd = Math.round(framesEncoded * 1e9 * 1001 / 30_000) - (ts - timeline.zeroNanos());
                framesEncoded++;
            } else {
                long ts = nextAudioTs;
                long capture = audioTrue;
                chunk++;
                nextAudioTs = Long.MIN_VALUE;
                if (timeline == null) {
                    continue; // before the first video frame: dropped
                }
                RunTimeline.AudioPlacement place = timeline.placeAudio(ts, position);
                if (place.discard()) {
                    continue;
                }
                position += place.silenceBefore();
                silence += place.silenceBefore();
                // The encoder's FIFO holds what is not yet encoded (under a 1024-sample frame) plus this chunk.
                long trim = Math.min(place.trimAfter(), 480 + position % 1024);
                long start = position - trim;
                position += 480 - trim;
                trimmed += trim;
                chunksWritten++;
                Instant heard = timeline.wallAt(start / (double) AudioEncoder.SAMPLE_RATE);
                long error = Duration.between(WALL_BASE.plusNanos(capture), heard).toNanos();
                aMin = Math.min(aMin, error);
                aMax = Math.max(aMax, error);
                avMin = Math.min(avMin, error - lastVideoError);
                avMax = Math.max(avMax, error - lastVideoError);
                naiveAudioEnd = (chunksWritten - 1) * chunkNanos - (capture - (timeline.zeroNanos() - MONO_BASE - DELAY));
            }
        }
        return new Drift(vMin, vMax, aMin, aMax, avMin, avMax, framesEncoded, chunksWritten, silence, trimmed,
                naiveAudioEnd, naiveVideoEnd);
    }
}
