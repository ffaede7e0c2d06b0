package dev.mintrecorder.worker.media;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BoundedFrameQueueTest {

    /** A frame stand-in that counts its releases; a second release fails the test. */
    static final class Item {
        final int seq;
        final long size;
        final AtomicInteger releases = new AtomicInteger();

        Item(int seq, long size) {
            this.seq = seq;
            this.size = size;
        }

        void release() {
            if (releases.incrementAndGet() != 1) {
                throw new AssertionError("item " + seq + " released twice");
            }
        }
    }

    private static BoundedFrameQueue<Item> queue(int frames, long bytes) {
        return new BoundedFrameQueue<>("test", BoundedFrameQueue.Limits.of(frames, bytes), i -> i.size, Item::release);
    }

    @Test
    void dropsTheOldestWhenFramesAreFull() {
        BoundedFrameQueue<Item> q = queue(3, 1000);
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            items.add(new Item(i, 10));
            assertTrue(q.offer(items.get(i)));
        }
        assertEquals(1, items.get(0).releases.get());
        assertEquals(1, items.get(1).releases.get());
        assertEquals(new BoundedFrameQueue.Stats(5, 2, 3, 30, 30), q.stats());
        assertSame(items.get(2), q.poll());
        assertEquals(0, items.get(2).releases.get(), "a polled item is the consumer's to release");
    }

    @Test
    void dropsTheOldestWhenBytesAreFull() {
        BoundedFrameQueue<Item> q = queue(100, 250);
        Item a = new Item(0, 100);
        Item b = new Item(1, 100);
        Item c = new Item(2, 100);
        q.offer(a);
        q.offer(b);
        q.offer(c);
        assertEquals(1, a.releases.get());
        BoundedFrameQueue.Stats stats = q.stats();
        assertEquals(200, stats.bytes());
        assertEquals(1, stats.dropped());
        assertTrue(stats.highWaterBytes() <= 250);
    }

    @Test
    void anElementLargerThanTheBoundIsReleasedOnArrival() {
        BoundedFrameQueue<Item> q = queue(10, 50);
        Item small = new Item(0, 10);
        Item huge = new Item(1, 51);
        q.offer(small);
        assertFalse(q.offer(huge));
        assertEquals(1, huge.releases.get());
        assertEquals(0, small.releases.get());
        assertEquals(1, q.stats().dropped());
    }

    @Test
    void closeReleasesEverythingLeftAndLaterOffers() throws Exception {
        BoundedFrameQueue<Item> q = queue(10, 1000);
        Item a = new Item(0, 1);
        Item b = new Item(1, 1);
        q.offer(a);
        q.offer(b);
        q.close();
        q.close();
        assertEquals(1, a.releases.get());
        assertEquals(1, b.releases.get());
        Item late = new Item(2, 1);
        assertFalse(q.offer(late));
        assertEquals(1, late.releases.get());
        assertNull(q.poll(Duration.ofSeconds(5)), "a closed queue answers at once");
        assertEquals(0, q.stats().bytes());
    }

    @Test
    void finishedInputIsDrainedThenEmpty() throws Exception {
        BoundedFrameQueue<Item> q = queue(10, 1000);
        Item a = new Item(0, 1);
        q.offer(a);
        q.finishInput();
        Item late = new Item(1, 1);
        assertFalse(q.offer(late));
        assertEquals(1, late.releases.get());
        assertFalse(q.isDrained());
        assertSame(a, q.poll(Duration.ofSeconds(5)));
        assertTrue(q.isDrained());
        assertNull(q.poll(Duration.ofSeconds(5)));
    }

    @Test
    void pollTimesOutWhenEmpty() throws Exception {
        BoundedFrameQueue<Item> q = queue(10, 1000);
        assertNull(q.poll(Duration.ofMillis(20)));
    }

    @Test
    void resizeDropsDownToTheNewLimits() {
        BoundedFrameQueue<Item> q = queue(10, 1000);
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            items.add(new Item(i, 100));
            q.offer(items.get(i));
        }
        q.resize(BoundedFrameQueue.Limits.of(10, 250));
        assertEquals(200, q.stats().bytes());
        for (int i = 0; i < 4; i++) {
            assertEquals(1, items.get(i).releases.get());
        }
        assertSame(items.get(4), q.poll());
    }

    @Test
    void unboundedModeNeverDrops() {
        BoundedFrameQueue<Item> q = new BoundedFrameQueue<>("baseline", BoundedFrameQueue.Limits.unbounded(),
                i -> i.size, Item::release);
        for (int i = 0; i < 10_000; i++) {
            q.offer(new Item(i, 1_000_000));
        }
        assertEquals(0, q.stats().dropped());
        assertEquals(10_000L * 1_000_000, q.stats().bytes());
        q.close();
    }

    @Test
    void aFailingReleaseDoesNotStopTheOthers() {
        AtomicInteger released = new AtomicInteger();
        BoundedFrameQueue<Integer> q = new BoundedFrameQueue<>("failing", BoundedFrameQueue.Limits.of(10, 100),
                i -> 1, i -> {
                    released.incrementAndGet();
                    if (i == 0) {
                        throw new IllegalStateException("boom");
                    }
                });
        q.offer(0);
        q.offer(1);
        q.close();
        assertEquals(2, released.get());
    }

    @Test
    void rejectsNonsenseLimits() {
        assertThrows(IllegalArgumentException.class, () -> BoundedFrameQueue.Limits.of(0, 10));
        assertThrows(IllegalArgumentException.class, () -> BoundedFrameQueue.Limits.of(10, 0));
    }

    /**
     * A fast producer, a slow consumer and a close racing both: every item leaves exactly once (consumed by the
     * consumer, or released by the queue), and the bytes held never pass the bound.
     */
    @Test
    void everyItemIsReleasedExactlyOnceUnderConcurrency() throws Exception {
        for (int round = 0; round < 20; round++) {
            BoundedFrameQueue<Item> q = queue(8, 500);
            int total = 20_000;
            List<Item> items = new ArrayList<>(total);
            for (int i = 0; i < total; i++) {
                items.add(new Item(i, 10 + (i % 50)));
            }
            ConcurrentHashMap<Integer, Boolean> consumed = new ConcurrentHashMap<>();
            AtomicLong maxSeen = new AtomicLong();
            CountDownLatch started = new CountDownLatch(2);
            int closeAfter = total / 2 + round * 400;
            Thread producer = Thread.ofPlatform().start(() -> {
                started.countDown();
                for (int i = 0; i < total; i++) {
                    q.offer(items.get(i));
                    maxSeen.accumulateAndGet(q.stats().bytes(), Math::max);
                    if (i == closeAfter) {
                        Thread.ofPlatform().start(q::close);
                    }
                }
            });
            Thread consumer = Thread.ofPlatform().start(() -> {
                started.countDown();
                try {
                    Item item;
                    while ((item = q.poll(Duration.ofMillis(200))) != null || !q.isClosed()) {
                        if (item != null) {
                            if (consumed.put(item.seq, true) != null) {
                                throw new AssertionError("consumed twice: " + item.seq);
                            }
                            item.release();
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            producer.join();
            consumer.join();
            q.close();
            for (Item item : items) {
                assertEquals(1, item.releases.get(), "item " + item.seq + " in round " + round);
            }
            assertTrue(q.stats().highWaterBytes() <= 500, "high water " + q.stats().highWaterBytes());
            assertTrue(maxSeen.get() <= 500);
            BoundedFrameQueue.Stats stats = q.stats();
            assertEquals(0, stats.frames());
            assertTrue(stats.enqueued() + stats.dropped() >= consumed.size());
        }
    }
}
