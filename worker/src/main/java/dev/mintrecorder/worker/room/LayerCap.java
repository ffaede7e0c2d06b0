package dev.mintrecorder.worker.room;

import dev.mintrecorder.contracts.VideoCap;
import java.util.List;
import livekit.LivekitModels.TrackInfo;
import livekit.LivekitModels.VideoLayer;

/**
 * The most video the recorder asks the SFU for: a height (width follows at 16:9) and a frame rate.
 * The SFU picks the layer; receivers cannot limit resolution locally.
 *
 * <p>Made from the job's {@link VideoCap} ({@link #of}), which is the one video cap of the contracts. This is the
 * room's own value because it goes where a job's cap may not: the memory governor {@link #lower lowers} it to the
 * publisher's next lower layer, and the room tests ask for layers below the job range (90p). It checks only that
 * both figures are positive.
 *
 * <p>livekit-server picks the layer from the height alone (when a width is sent): the lowest announced layer whose
 * height is at least 0.9 × the requested one, else the highest ({@code pkg/rtc/mediatrackreceiver.go
 * GetQualityForDimension}). Layers are absolute (livekit-client publishes 180p and 360p under its camera), so a
 * lower cap only helps if it reaches the next layer down.
 */
public record LayerCap(int maxHeight, int fps) {
    static final int MIN_HEIGHT = 180;
    /** livekit-server's {@code layerSelectionTolerance}, applied as a float32 product as Go does. */
    private static final float TOLERANCE = 0.9f;

    public LayerCap {
        if (maxHeight < 1 || fps < 1) {
            throw new IllegalArgumentException("video cap must be positive: " + maxHeight + "p" + fps);
        }
    }

    /** The job's cap, as asked of the SFU. */
    public static LayerCap of(VideoCap video) {
        return new LayerCap(video.maxHeight(), video.fps());
    }

    /** Width for {@code maxHeight} at 16:9, rounded up to even (what encoders want). */
    public int maxWidth() {
        int w = (maxHeight * 16 + 8) / 9;
        return w + (w & 1);
    }

    /**
     * One layer down: the height of the announced layer below the one the server sends for this cap. The same cap
     * when there is none (a single layer, or already the lowest) or when it would be below 180p.
     *
     * @param layerHeights the heights of the layers the server announces for the camera ({@link #announcedHeights})
     */
    public LayerCap lower(List<Integer> layerHeights) {
        List<Integer> heights = layerHeights.stream().filter(h -> h > 0).distinct().sorted().toList();
        int sent = sentLayer(heights);
        if (sent <= 0 || heights.get(sent - 1) < MIN_HEIGHT) {
            return this;
        }
        return new LayerCap(heights.get(sent - 1), fps);
    }

    /** The index (in ascending {@code heights}) of the layer livekit-server sends for this cap; -1 with no layers. */
    int sentLayer(List<Integer> heights) {
        int wanted = (int) (maxHeight * TOLERANCE);
        for (int i = 0; i < heights.size(); i++) {
            if (heights.get(i) >= wanted) {
                return i;
            }
        }
        return heights.size() - 1;
    }

    /**
     * The size of the layer the server sends for this cap, {width, height}: the announced layer it picks, else the
     * track's own size; {0, 0} when neither is announced.
     */
    public int[] sentSize(TrackInfo video) {
        List<VideoLayer> layers = announcedLayers(video).stream().filter(l -> l.getHeight() > 0)
                .sorted(java.util.Comparator.comparingInt(VideoLayer::getHeight)).toList();
        int sent = sentLayer(layers.stream().map(VideoLayer::getHeight).toList());
        if (sent >= 0) {
            return new int[] {layers.get(sent).getWidth(), layers.get(sent).getHeight()};
        }
        return new int[] {video.getWidth(), video.getHeight()};
    }

    /**
     * The layer heights the server announces for a video track: its primary codec's layers, else the track's own
     * ({@code pkg/sfu/buffer/videolayerutils.go GetVideoLayersForMimeType} reads them in that order).
     */
    public static List<Integer> announcedHeights(TrackInfo video) {
        return announcedLayers(video).stream().map(VideoLayer::getHeight).toList();
    }

    @SuppressWarnings("deprecation") // TrackInfo.layers: livekit-server still fills it for the primary codec
    private static List<VideoLayer> announcedLayers(TrackInfo video) {
        return video.getCodecsCount() > 0 && video.getCodecs(0).getLayersCount() > 0
                ? video.getCodecs(0).getLayersList() : video.getLayersList();
    }
}
