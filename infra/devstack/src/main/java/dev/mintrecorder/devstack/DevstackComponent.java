package dev.mintrecorder.devstack;

import java.util.Map;

/** One piece of infrastructure the devstack runs: it exports its endpoints as the worker's env vars and cleans up on close. */
public interface DevstackComponent extends AutoCloseable {
    /** The env vars (names from the worker's config) that point a worker at this component. */
    Map<String, String> env();

    /** Stops the component and releases its ports, processes and files. */
    @Override
    void close();
}
