package dev.mintrecorder.worker.events;

import dev.mintrecorder.contracts.StatusEvent;

import java.util.concurrent.CompletableFuture;

/** Where status events go: {@link EventPublisher} in the worker. Completes when the event is on the topic. */
@FunctionalInterface
public interface StatusSink {
    CompletableFuture<?> status(StatusEvent event);
}
