package dev.mintrecorder.devstack.media;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.function.Consumer;

/** The room server's view of the media process: commands out, events in per peer connection (see {@link MediaEngine}). */
public interface MediaControl {
    void send(ObjectNode command);

    /** Routes the events of peer connection {@code pc} to {@code listener} until {@link #unlisten(String)}. */
    void listen(String pc, Consumer<JsonNode> listener);

    void unlisten(String pc);
}
