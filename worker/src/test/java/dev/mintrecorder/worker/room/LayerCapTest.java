package dev.mintrecorder.worker.room;

import java.util.List;
import livekit.LivekitModels.SimulcastCodecInfo;
import livekit.LivekitModels.TrackInfo;
import livekit.LivekitModels.VideoLayer;
import livekit.LivekitModels.VideoQuality;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class LayerCapTest {
    /** livekit-client's default layers (publishUtils.ts): 180p and 360p under the camera, from 960 pixels wide. */
    private static final List<Integer> CAMERA_720 = List.of(180, 360, 720);
    private static final List<Integer> CAMERA_1080 = List.of(180, 360, 1080);
    /** Below 960 wide: the 180p layer and the camera. */
    private static final List<Integer> CAMERA_480 = List.of(180, 480);

    @Test
    void widthFollowsSixteenByNineAndStaysEven() {
        assertEquals(1280, new LayerCap(720, 30).maxWidth());
        assertEquals(640, new LayerCap(360, 30).maxWidth());
        assertEquals(1920, new LayerCap(1080, 30).maxWidth());
        assertEquals(428, new LayerCap(240, 15).maxWidth());
    }

    @Test
    void theSentLayerIsTheLowestCoveringNinetyPercentOfTheCap() {
        assertEquals(2, new LayerCap(720, 30).sentLayer(CAMERA_720));
        assertEquals(2, new LayerCap(540, 30).sentLayer(CAMERA_1080), "half of 1080p still gets the 1080p layer");
        assertEquals(1, new LayerCap(400, 30).sentLayer(CAMERA_1080), "0.9 × 400 = 360");
        assertEquals(2, new LayerCap(402, 30).sentLayer(CAMERA_1080));
        assertEquals(0, new LayerCap(90, 30).sentLayer(CAMERA_1080));
        assertEquals(2, new LayerCap(2160, 30).sentLayer(CAMERA_1080), "above every layer: the highest");
    }

    @Test
    void lowersToTheNextAnnouncedLayerFor720pAnd1080pPublishers() {
        assertEquals(new LayerCap(360, 30), new LayerCap(720, 30).lower(CAMERA_720));
        assertEquals(new LayerCap(180, 30), new LayerCap(360, 30).lower(CAMERA_720));
        assertEquals(new LayerCap(180, 30), new LayerCap(180, 30).lower(CAMERA_720), "the lowest layer: unchanged");

        // A 1080p job on a 1080p publisher: halving (540p) would still select the 1080p layer.
        assertEquals(new LayerCap(360, 30), new LayerCap(1080, 30).lower(CAMERA_1080));
        assertEquals(new LayerCap(360, 30), new LayerCap(720, 30).lower(CAMERA_1080));
        assertEquals(new LayerCap(180, 15), new LayerCap(480, 15).lower(CAMERA_480));
    }

    @Test
    void withoutALowerLayerTheCapStays() {
        assertEquals(new LayerCap(1080, 30), new LayerCap(1080, 30).lower(List.of()), "nothing announced");
        assertEquals(new LayerCap(1080, 30), new LayerCap(1080, 30).lower(List.of(1080)), "one layer: no simulcast");
        assertEquals(new LayerCap(720, 30), new LayerCap(720, 30).lower(List.of(90, 720)), "never below 180p");
        assertEquals(new LayerCap(90, 30), new LayerCap(90, 30).lower(CAMERA_720), "already below the lowest");
    }

    @Test
    @SuppressWarnings("deprecation") // TrackInfo.layers, as livekit-server fills it
    void announcedHeightsPreferThePrimaryCodecsLayers() {
        VideoLayer low = VideoLayer.newBuilder().setQuality(VideoQuality.LOW).setWidth(320).setHeight(180).build();
        VideoLayer high = VideoLayer.newBuilder().setQuality(VideoQuality.HIGH).setWidth(1280).setHeight(720).build();
        TrackInfo legacy = TrackInfo.newBuilder().addLayers(low).addLayers(high).build();
        assertEquals(List.of(180, 720), LayerCap.announcedHeights(legacy));
        TrackInfo codecs = TrackInfo.newBuilder().addLayers(high)
                .addCodecs(SimulcastCodecInfo.newBuilder().setMimeType("video/VP8").addLayers(low).addLayers(high)).build();
        assertEquals(List.of(180, 720), LayerCap.announcedHeights(codecs));
        assertEquals(List.of(), LayerCap.announcedHeights(TrackInfo.getDefaultInstance()));
    }

    /** The recording is sized for the layer the server sends, not for a first frame of a layer still ramping up. */
    @Test
    void theSentSizeIsTheAnnouncedLayerTheServerPicksElseTheTracksOwn() {
        VideoLayer low = VideoLayer.newBuilder().setQuality(VideoQuality.LOW).setWidth(320).setHeight(180).build();
        VideoLayer mid = VideoLayer.newBuilder().setQuality(VideoQuality.MEDIUM).setWidth(640).setHeight(360).build();
        VideoLayer high = VideoLayer.newBuilder().setQuality(VideoQuality.HIGH).setWidth(1280).setHeight(720).build();
        TrackInfo camera = TrackInfo.newBuilder().setWidth(1280).setHeight(720)
                .addCodecs(SimulcastCodecInfo.newBuilder().setMimeType("video/VP8").addLayers(high).addLayers(low)
                        .addLayers(mid)).build();
        assertArrayEquals(new int[] {1280, 720}, new LayerCap(720, 30).sentSize(camera));
        assertArrayEquals(new int[] {640, 360}, new LayerCap(360, 30).sentSize(camera));
        assertArrayEquals(new int[] {640, 360}, new LayerCap(400, 30).sentSize(camera), "360 >= 0.9 x 400");
        assertArrayEquals(new int[] {1280, 720}, new LayerCap(1080, 30).sentSize(camera), "above the top: the top");
        assertArrayEquals(new int[] {640, 480},
                new LayerCap(720, 30).sentSize(TrackInfo.newBuilder().setWidth(640).setHeight(480).build()));
        assertArrayEquals(new int[] {0, 0}, new LayerCap(720, 30).sentSize(TrackInfo.getDefaultInstance()));
    }
}
