package dev.mintrecorder.devstack;

import dev.mintrecorder.devstack.kafka.KafkaBrokerOptions;
import dev.mintrecorder.devstack.room.RoomServerOptions;
import dev.mintrecorder.devstack.s3.S3ServerOptions;

import java.util.EnumSet;
import java.util.Set;

/**
 * What to start and how.
 *
 * @param components the components to run
 * @param kafka broker timings
 * @param s3 bucket and credentials
 * @param rooms the LiveKit-protocol room server (address, API key and secret, room creation mode)
 */
public record DevstackOptions(Set<Devstack.Component> components, KafkaBrokerOptions kafka, S3ServerOptions s3,
                              RoomServerOptions rooms) {
    public DevstackOptions {
        components = components.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(components));
    }

    /** Everything, with Kafka's default timings: what the standalone jar runs. */
    public static DevstackOptions defaults() {
        return new DevstackOptions(EnumSet.allOf(Devstack.Component.class), KafkaBrokerOptions.defaults(),
                S3ServerOptions.defaults(), RoomServerOptions.defaults());
    }

    /** Everything, with short share-group timings ({@link KafkaBrokerOptions#fastForTests()}). */
    public static DevstackOptions forTests() {
        return defaults().withKafka(KafkaBrokerOptions.fastForTests());
    }

    public DevstackOptions only(Devstack.Component first, Devstack.Component... rest) {
        return new DevstackOptions(EnumSet.of(first, rest), kafka, s3, rooms);
    }

    public DevstackOptions withKafka(KafkaBrokerOptions options) {
        return new DevstackOptions(components, options, s3, rooms);
    }

    public DevstackOptions withS3(S3ServerOptions options) {
        return new DevstackOptions(components, kafka, options, rooms);
    }

    public DevstackOptions withRooms(RoomServerOptions options) {
        return new DevstackOptions(components, kafka, s3, options);
    }
}
