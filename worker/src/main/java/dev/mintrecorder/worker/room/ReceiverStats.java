package dev.mintrecorder.worker.room;

import dev.mintrecorder.worker.ops.Metric;
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
 * {@code recorder_webrtc_frames_decoded}, {@code recorder_webrtc_frames_dropped}, {@code recorder_webrtc_freezes}
 * (video only), {@code recorder_webrtc_packets_lost} and {@code recorder_webrtc_jitter_buffer_delay_seconds} (the
 * mean per emitted frame or sample). They are gauges, not counters, because a rejoin starts a new peer connection from zero.
 * {@link #update} runs on libwebrtc's stats callback: it only stores numbers.
 */
final class ReceiverStats implements AutoCloseable {
    static final List<String> FIELDS = List.of("framesReceived", "framesDecoded", "framesDropped", "freezeCount",
            "packetsLost", "jitterBufferDelay", "jitterBufferEmittedCount");

    private final MeterRegistry registry;
    private final List<Gauge> gauges = new ArrayList<>();
    /** "kind/field" → latest value. */
    private final Map<String, Double> values = new ConcurrentHashMap<>();

    ReceiverStats(MeterRegistry registry, Tags tags) {
        this.registry = registry;
        for (String kind : List.of("video", "audio")) {
            Tags kindTags = tags.and("kind", kind);
            if (kind.equals("video")) {
                gauge(Metric.WEBRTC_FRAMES_DECODED, kindTags, kind, "framesDecoded");
                gauge(Metric.WEBRTC_FRAMES_DROPPED, kindTags, kind, "framesDropped");
                gauge(Metric.WEBRTC_FREEZES, kindTags, kind, "freezeCount");
            }
            gauge(Metric.WEBRTC_PACKETS_LOST, kindTags, kind, "packetsLost");
            gauges.add(Metric.WEBRTC_JITTER_BUFFER_DELAY.gauge(registry, kindTags, this, s -> s.jitterDelay(kind)));
        }
    }

    private void gauge(Metric metric, Tags tags, String kind, String field) {
        gauges.add(metric.gauge(registry, tags, this, s -> s.value(kind, field)));
    }

    double value(String kind, String field) {
        return values.getOrDefault(kind + "/" + field, 0.0);
    }

    /** The video frames received, decoded and dropped by the receiver, as of the last stats read (for the end log). */
    String videoFrames() {
        return String.format("received %.0f, decoded %.0f, dropped %.0f", value("video", "framesReceived"),
                value("video", "framesDecoded"), value("video", "framesDropped"));
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
