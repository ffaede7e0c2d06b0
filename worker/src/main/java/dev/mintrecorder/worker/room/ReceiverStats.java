package dev.mintrecorder.worker.room;

import dev.onvoid.webrtc.RTCStats;
import dev.onvoid.webrtc.RTCStatsReport;
import dev.onvoid.webrtc.RTCStatsType;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The subscriber's inbound-rtp stats as gauges, tagged by room and kind:
 * {@code mint_webrtc_frames_decoded}, {@code mint_webrtc_frames_dropped}, {@code mint_webrtc_freeze_count},
 * {@code mint_webrtc_packets_lost} and {@code mint_webrtc_jitter_buffer_delay_seconds} (the mean per emitted
 * frame or sample). They are gauges, not counters, because a rejoin starts a new peer connection from zero.
 * {@link #update} runs on libwebrtc's stats callback: it only stores numbers.
 */
final class ReceiverStats implements AutoCloseable {
    static final List<String> FIELDS = List.of("framesDecoded", "framesDropped", "freezeCount", "packetsLost",
            "jitterBufferDelay", "jitterBufferEmittedCount");

    private final MeterRegistry registry;
    private final List<Gauge> gauges = new ArrayList<>();
    /** "kind/field" → latest value. */
    private final Map<String, Double> values = new ConcurrentHashMap<>();

    ReceiverStats(MeterRegistry registry, Tags tags) {
        this.registry = registry;
        for (String kind : List.of("video", "audio")) {
            Tags kindTags = tags.and("kind", kind);
            if (kind.equals("video")) {
                gauge("mint_webrtc_frames_decoded", kindTags, kind, "framesDecoded");
                gauge("mint_webrtc_frames_dropped", kindTags, kind, "framesDropped");
                gauge("mint_webrtc_freeze_count", kindTags, kind, "freezeCount");
            }
            gauge("mint_webrtc_packets_lost", kindTags, kind, "packetsLost");
            gauges.add(Gauge.builder("mint_webrtc_jitter_buffer_delay_seconds", this, s -> s.jitterDelay(kind))
                    .tags(kindTags).description("Mean jitter-buffer delay of the received " + kind).register(registry));
        }
    }

    private void gauge(String name, Tags tags, String kind, String field) {
        gauges.add(Gauge.builder(name, this, s -> s.value(kind, field)).tags(tags)
                .description("WebRTC inbound-rtp " + field + " of the received " + kind).register(registry));
    }

    double value(String kind, String field) {
        return values.getOrDefault(kind + "/" + field, 0.0);
    }

    private double jitterDelay(String kind) {
        double emitted = value(kind, "jitterBufferEmittedCount");
        return emitted == 0 ? 0 : value(kind, "jitterBufferDelay") / emitted;
    }

    void update(RTCStatsReport report) {
        for (RTCStats stats : report.getStats().values()) {
            if (stats.getType() != RTCStatsType.INBOUND_RTP) {
                continue;
            }
            Map<String, Object> attributes = stats.getAttributes();
            Object kind = attributes.get("kind");
            if (kind == null) {
                continue;
            }
            for (String field : FIELDS) {
                if (attributes.get(field) instanceof Number number) {
                    values.put(kind + "/" + field, number.doubleValue());
                }
            }
        }
    }

    @Override
    public void close() {
        gauges.forEach(registry::remove);
    }
}
