package dev.mintrecorder.worker.memory;

import dev.mintrecorder.contracts.MemoryAlarm;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The rooms the governor watches, each as its {@link RoomMemory}: the pipeline registers each running room and closes
 * the registration at its end. Listed in registration order, so the levers reach rooms in a stable order.
 * Thread-safe.
 *
 * <p>One per worker: {@code WorkerMain} makes it and hands the same instance to the recording pipeline (which
 * registers rooms) and to {@link WorkerMemory} (which watches them). The pipeline also names its local segment spool
 * here, so that the governor's alarms carry the spool's state and go out when its level changes.
 */
public final class RoomMemoryRegistry {
    private final Map<UUID, RoomMemory> rooms = new LinkedHashMap<>();
    private final List<Consumer<RoomMemory>> onRegister = new CopyOnWriteArrayList<>();
    private volatile Supplier<MemoryAlarm.Spool> spool;

    /** The worker's local segment spool, as the alarms report it (set once by the pipeline that owns the spool). */
    public void watchSpool(Supplier<MemoryAlarm.Spool> state) {
        this.spool = state;
    }

    /** The spool's state now; empty when the worker has no spool. */
    public Optional<MemoryAlarm.Spool> spool() {
        Supplier<MemoryAlarm.Spool> s = spool;
        return s == null ? Optional.empty() : Optional.of(s.get());
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
