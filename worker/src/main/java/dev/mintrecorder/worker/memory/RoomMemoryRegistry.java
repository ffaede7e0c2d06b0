package dev.mintrecorder.worker.memory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The rooms the governor watches, each as its {@link RoomMemory}: the pipeline registers each running room and closes
 * the registration at its end. Listed in registration order, so the levers reach rooms in a stable order.
 * Thread-safe.
 *
 * <p>One per worker: {@code WorkerMain} makes it and hands the same instance to the recording pipeline (which
 * registers rooms) and to {@link WorkerMemory} (which watches them).
 */
public final class RoomMemoryRegistry {
    private final Map<UUID, RoomMemory> rooms = new LinkedHashMap<>();
    private final List<Consumer<RoomMemory>> onRegister = new CopyOnWriteArrayList<>();

    /** Calls {@code listener} with each room registered from now on (a room registers once it runs). */
    public void onRegister(Consumer<RoomMemory> listener) {
        onRegister.add(listener);
    }

    /** Adds {@code room}; closing the returned registration removes it (idempotent). */
    public Registration register(RoomMemory room) {
        synchronized (this) {
            rooms.put(room.jobId(), room);
        }
        onRegister.forEach(l -> l.accept(room));
        return () -> {
            synchronized (this) {
                rooms.remove(room.jobId(), room);
            }
        };
    }

    /** The rooms registered now. */
    public synchronized List<RoomMemory> list() {
        return List.copyOf(rooms.values());
    }

    /** A room's place in the registry. */
    @FunctionalInterface
    public interface Registration extends AutoCloseable {
        @Override
        void close();
    }
}
