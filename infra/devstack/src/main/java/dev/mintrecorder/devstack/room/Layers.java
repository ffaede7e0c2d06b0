package dev.mintrecorder.devstack.room;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import livekit.LivekitModels.TrackInfo;
import livekit.LivekitModels.VideoLayer;
import livekit.LivekitModels.VideoQuality;
import livekit.LivekitRtc.UpdateTrackSettings;

/**
 * Simulcast layers as LiveKit publishes, announces and selects them.
 * <ul>
 *   <li>{@link #cameraDefaults}: the layers livekit-client publishes for a camera by default
 *       ({@code publishUtils.ts computeVideoEncodings}, {@code LocalVideoTrack.ts videoLayersFromEncodings}): absolute
 *       presets (180p, 360p), not fractions of the camera's size.</li>
 *   <li>{@link #announced}: what livekit-server puts in {@code TrackInfo.layers}: the AddTrackRequest's layers sorted
 *       by quality, with {@code spatial_layer} and {@code rid} filled ({@code pkg/rtc/participant.go},
 *       {@code mediatrackreceiver.go}).</li>
 *   <li>{@link #select}: the layer a subscriber's {@code UpdateTrackSettings} gets ({@code subscribedtrack.go
 *       applySettings}): {@code width > 0} picks by height with 0.9 tolerance
 *       ({@code mediatrackreceiver.go GetQualityForDimension}), else {@code quality} picks
 *       ({@code pkg/sfu/buffer/videolayerutils.go GetSpatialLayerForVideoQuality}); {@code fps} picks a temporal
 *       layer ({@code GetTemporalLayerForSpatialFps}).</li>
 * </ul>
 */
public final class Layers {
    /** livekit-server's {@code layerSelectionTolerance}, applied as a float32 product as Go does. */
    static final float TOLERANCE = 0.9f;
    private static final String[] RIDS = {"q", "h", "f"};
    /** livekit-client's {@code VideoPresets.h180/h360} and {@code VideoPresets43.h180/h360} (width, height). */
    private static final int[][] PRESETS_169 = {{320, 180}, {640, 360}};
    private static final int[][] PRESETS_43 = {{240, 180}, {480, 360}};

    private Layers() {
    }

    /**
     * What a subscriber receives: the spatial layer's size and the share of its frames (1 = all, 2 = every second,
     * 4 = every fourth: temporal layers T2, T1, T0). 0×0 means off; -1×-1 passes a relayed stream through as it comes.
     */
    public record Choice(int width, int height, int frameDivisor) {
        public static final Choice OFF = new Choice(0, 0, 1);
        static final Choice PASS_THROUGH = new Choice(-1, -1, 1);
    }

    /** The layers livekit-client publishes for a {@code width}×{@code height} camera with simulcast on (the default). */
    public static List<VideoLayer> cameraDefaults(int width, int height) {
        int size = Math.max(width, height);
        double aspect = size / (double) Math.min(width, height);
        int[][] presets = Math.abs(aspect - 16.0 / 9) < Math.abs(aspect - 4.0 / 3) ? PRESETS_169 : PRESETS_43;
        List<int[]> encodings = new ArrayList<>();
        if (size >= 960) {
            encodings.add(presets[0]);
            encodings.add(presets[1]);
        } else if (size >= 480) {
            encodings.add(presets[0]);
        }
        encodings.add(new int[] {width, height});
        List<VideoLayer> layers = new ArrayList<>();
        for (int i = 0; i < encodings.size(); i++) {
            int[] preset = encodings.get(i);
            // encodingsFromPresets: scaleResolutionDownBy = max(1, min side / preset's min side); the rid's index
            // is the quality (q LOW, h MEDIUM, f HIGH); the announced size is rounded up.
            double scale = Math.max(1, Math.min(width, height) / (double) Math.min(preset[0], preset[1]));
            layers.add(VideoLayer.newBuilder().setQuality(VideoQuality.forNumber(i))
                    .setWidth((int) Math.ceil(width / scale)).setHeight((int) Math.ceil(height / scale)).build());
        }
        return layers;
    }

    /** The publisher's layers as livekit-server announces them in {@code TrackInfo.layers}. */
    public static List<VideoLayer> announced(List<VideoLayer> requested) {
        List<VideoLayer> sorted = requested.stream().sorted(Comparator.comparingInt(VideoLayer::getQualityValue)).toList();
        List<VideoLayer> layers = new ArrayList<>();
        for (VideoLayer layer : sorted) {
            int spatial = spatialLayer(sorted, layer.getQuality());
            layers.add(layer.toBuilder().setSpatialLayer(spatial).setRid(RIDS[Math.min(spatial, RIDS.length - 1)]).build());
        }
        return layers;
    }

    /**
     * What a subscriber with {@code settings} receives of {@code track}, whose layers are {@code track.layers}
     * (announced) and whose publisher sends {@code temporalLayers} temporal layers per spatial layer at
     * {@code fps}. A track without layers is one stream: it passes through at any quality but OFF.
     */
    @SuppressWarnings("deprecation") // TrackInfo.layers: livekit-server still fills it, and clients read it
    public static Choice select(TrackInfo track, int fps, int temporalLayers, UpdateTrackSettings settings) {
        VideoQuality quality = settings.getWidth() > 0
                ? qualityForDimension(track, settings.getWidth(), settings.getHeight()) : settings.getQuality();
        if (settings.getDisabled() || quality == VideoQuality.OFF || quality == VideoQuality.UNRECOGNIZED) {
            return Choice.OFF;
        }
        List<VideoLayer> layers = track.getLayersList();
        if (layers.isEmpty()) {
            return Choice.PASS_THROUGH;
        }
        VideoLayer layer = layers.get(spatialLayer(layers, quality));
        return new Choice(layer.getWidth() & ~1, layer.getHeight() & ~1,
                frameDivisor(fps, temporalLayers, settings.getFps()));
    }

    /** {@code GetQualityForDimension}: the lowest layer whose height is at least 0.9 × the requested one. */
    @SuppressWarnings("deprecation")
    static VideoQuality qualityForDimension(TrackInfo track, int width, int height) {
        List<VideoLayer> layers = track.getLayersList();
        if (track.getHeight() == 0 && layers.isEmpty()) {
            return VideoQuality.HIGH;
        }
        int original = track.getHeight();
        int requested = height;
        if (track.getWidth() < track.getHeight()) {
            // portrait: the server compares widths, unless layers are announced
            original = track.getWidth();
            requested = width;
        }
        List<Integer> sizes = List.of(180, 360, original);
        if (!layers.isEmpty() && layers.getFirst().getHeight() != 0) {
            sizes = layers.stream().map(VideoLayer::getHeight).sorted().toList();
            requested = height;
        }
        int wanted = (int) (requested * TOLERANCE);
        int quality = 0;
        for (int i = 0; i < sizes.size(); i++) {
            quality = i;
            if (i == sizes.size() - 1 || sizes.get(i) >= wanted && !sizes.get(i).equals(sizes.get(i + 1))) {
                break;
            }
        }
        return VideoQuality.forNumber(quality);
    }

    /**
     * {@code GetSpatialLayerForVideoQuality}: the layer with that quality; else, as {@code VideoQualityToSpatialLayer}
     * decides for the qualities present, the lowest layer above it, or the highest when none is.
     */
    private static int spatialLayer(List<VideoLayer> sortedByQuality, VideoQuality quality) {
        for (int i = 0; i < sortedByQuality.size(); i++) {
            if (sortedByQuality.get(i).getQualityValue() >= quality.getNumber()) {
                return i;
            }
        }
        return sortedByQuality.size() - 1;
    }

    /**
     * {@code GetTemporalLayerForSpatialFps}: the lowest temporal layer whose rate covers 0.9 × the requested fps;
     * with three temporal layers (libwebrtc's VP8 simulcast) they run at a quarter, half and all of {@code fps}.
     */
    static int frameDivisor(int fps, int temporalLayers, int requestedFps) {
        if (requestedFps <= 0 || temporalLayers <= 1) {
            return 1;
        }
        float wanted = requestedFps * TOLERANCE;
        for (int t = 0; t < temporalLayers; t++) {
            int divisor = 1 << (temporalLayers - 1 - t);
            if (wanted <= fps / (float) divisor) {
                return divisor;
            }
        }
        return 1;
    }
}
