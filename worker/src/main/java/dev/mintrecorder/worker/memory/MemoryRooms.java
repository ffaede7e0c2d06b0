package dev.mintrecorder.worker.memory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The rooms the governor watches: the pipeline registers each running room and closes the registration at its end.
 * Listed in registration order, so the levers reach rooms in a stable order. Thread-safe.
 */
public final class MemoryRooms {
    private static final MemoryRooms PROCESS = new MemoryRooms();

    private final Map<UUID, RoomMemory> rooms = new LinkedHashMap<>();
    private final List<Consumer<RoomMemory>> onRegister = new CopyOnWriteArrayList<>();

    /**
     * The worker process's registry. The recording pipeline is built by a {@code ServiceLoader} provider that gets only
     * the configuration, so, like Micrometer's global registry, this is where it registers its rooms and where
     * {@link WorkerMemory} watches them. Tests make their own {@code new MemoryRooms()}.
     */
    public static MemoryRooms process() {
        return PROCESS;
    }

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
