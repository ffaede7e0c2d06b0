package dev.mintrecorder.devstack.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import livekit.LivekitModels.TrackInfo;
import livekit.LivekitModels.TrackType;
import livekit.LivekitModels.VideoLayer;
import livekit.LivekitModels.VideoQuality;
import livekit.LivekitRtc.UpdateTrackSettings;
import org.junit.jupiter.api.Test;

@SuppressWarnings("deprecation") // TrackInfo.layers, as livekit-server fills it
class LayersTest {

    private static String sizes(List<VideoLayer> layers) {
        return String.join(" ", layers.stream().map(l -> l.getQuality() + ":" + l.getWidth() + "x" + l.getHeight()).toList());
    }

    /** A camera as livekit-server announces it when livekit-client publishes it with its default layers. */
    private static TrackInfo camera(int width, int height) {
        return TrackInfo.newBuilder().setType(TrackType.VIDEO).setWidth(width).setHeight(height)
                .addAllLayers(Layers.announced(Layers.cameraDefaults(width, height))).build();
    }

    private static String select(TrackInfo track, UpdateTrackSettings.Builder settings) {
        Layers.Choice choice = Layers.select(track, 30, 3, settings.build());
        return choice.width() + "x" + choice.height();
    }

    private static String forHeight(TrackInfo track, int height) {
        return select(track, UpdateTrackSettings.newBuilder().setWidth((height * 16 + 8) / 9).setHeight(height));
    }

    @Test
    void livekitClientsDefaultLayersAreAbsolutePresets() {
        assertEquals("LOW:320x180 MEDIUM:640x360 HIGH:1280x720", sizes(Layers.cameraDefaults(1280, 720)));
        assertEquals("LOW:320x180 MEDIUM:640x360 HIGH:1920x1080", sizes(Layers.cameraDefaults(1920, 1080)));
        assertEquals("LOW:240x180 MEDIUM:480x360 HIGH:960x720", sizes(Layers.cameraDefaults(960, 720)));
        // Below 960 only two layers: q (the 180p preset) and h (the camera itself).
        assertEquals("LOW:240x180 MEDIUM:640x480", sizes(Layers.cameraDefaults(640, 480)));
        assertEquals("LOW:320x180 MEDIUM:640x360", sizes(Layers.cameraDefaults(640, 360)));
        // Below 480 one layer.
        assertEquals("LOW:320x240", sizes(Layers.cameraDefaults(320, 240)));
    }

    @Test
    void theServerAnnouncesLayersSortedWithSpatialLayerAndRid() {
        List<VideoLayer> announced = Layers.announced(List.of(
                VideoLayer.newBuilder().setQuality(VideoQuality.HIGH).setWidth(1280).setHeight(720).build(),
                VideoLayer.newBuilder().setQuality(VideoQuality.LOW).setWidth(320).setHeight(180).build()));
        assertEquals("LOW:320x180 HIGH:1280x720", sizes(announced));
        assertEquals(List.of(0, 1), announced.stream().map(VideoLayer::getSpatialLayer).toList());
        assertEquals(List.of("q", "h"), announced.stream().map(VideoLayer::getRid).toList());
    }

    @Test
    void aRequestedHeightPicksTheLowestLayerCoveringNinetyPercentOfIt() {
        TrackInfo hd = camera(1280, 720);
        assertEquals("1280x720", forHeight(hd, 720));
        assertEquals("1280x720", forHeight(hd, 1080));
        assertEquals("640x360", forHeight(hd, 400), "0.9 × 400 = 360");
        assertEquals("1280x720", forHeight(hd, 402), "0.9 × 402 > 360");
        assertEquals("640x360", forHeight(hd, 360));
        assertEquals("320x180", forHeight(hd, 180));
        assertEquals("320x180", forHeight(hd, 90), "never below the lowest layer");

        TrackInfo fullHd = camera(1920, 1080);
        assertEquals("1920x1080", forHeight(fullHd, 1080));
        assertEquals("1920x1080", forHeight(fullHd, 720), "no 720p layer: the next one up");
        assertEquals("1920x1080", forHeight(fullHd, 540), "half of 1080p still gets 1080p");
        assertEquals("640x360", forHeight(fullHd, 360));

        TrackInfo vga = camera(640, 480);
        assertEquals("640x480", forHeight(vga, 480));
        assertEquals("640x480", forHeight(vga, 360), "two layers: 180p and the camera");
        assertEquals("240x180", forHeight(vga, 180));
    }

    @Test
    void qualityForDimensionFollowsLivekitServersOwnCases() {
        // pkg/rtc/mediatrack_test.go TestGetQualityForDimension: no layers, then layers provided.
        TrackInfo landscape = TrackInfo.newBuilder().setType(TrackType.VIDEO).setWidth(1080).setHeight(720).build();
        assertEquals(VideoQuality.LOW, Layers.qualityForDimension(landscape, 120, 120));
        assertEquals(VideoQuality.LOW, Layers.qualityForDimension(landscape, 300, 200));
        assertEquals(VideoQuality.MEDIUM, Layers.qualityForDimension(landscape, 200, 250));
        assertEquals(VideoQuality.HIGH, Layers.qualityForDimension(landscape, 700, 480));
        assertEquals(VideoQuality.HIGH, Layers.qualityForDimension(landscape, 500, 1000));
        TrackInfo portrait = TrackInfo.newBuilder().setType(TrackType.VIDEO).setWidth(540).setHeight(960).build();
        assertEquals(VideoQuality.LOW, Layers.qualityForDimension(portrait, 200, 400));
        assertEquals(VideoQuality.MEDIUM, Layers.qualityForDimension(portrait, 400, 400));
        assertEquals(VideoQuality.MEDIUM, Layers.qualityForDimension(portrait, 400, 700));
        assertEquals(VideoQuality.HIGH, Layers.qualityForDimension(portrait, 600, 900));
        TrackInfo layered = landscape.toBuilder().addAllLayers(Layers.announced(List.of(
                VideoLayer.newBuilder().setQuality(VideoQuality.LOW).setWidth(480).setHeight(270).build(),
                VideoLayer.newBuilder().setQuality(VideoQuality.MEDIUM).setWidth(960).setHeight(540).build(),
                VideoLayer.newBuilder().setQuality(VideoQuality.HIGH).setWidth(1080).setHeight(720).build()))).build();
        assertEquals(VideoQuality.LOW, Layers.qualityForDimension(layered, 120, 120));
        assertEquals(VideoQuality.LOW, Layers.qualityForDimension(layered, 300, 300));
        assertEquals(VideoQuality.MEDIUM, Layers.qualityForDimension(layered, 800, 500));
        assertEquals(VideoQuality.HIGH, Layers.qualityForDimension(layered, 1000, 700));
    }

    @Test
    void qualityPicksALayerWhenNoWidthIsGiven() {
        TrackInfo hd = camera(1280, 720);
        assertEquals("1280x720", select(hd, UpdateTrackSettings.newBuilder().setQuality(VideoQuality.HIGH)));
        assertEquals("640x360", select(hd, UpdateTrackSettings.newBuilder().setQuality(VideoQuality.MEDIUM)));
        assertEquals("320x180", select(hd, UpdateTrackSettings.newBuilder().setQuality(VideoQuality.LOW)));
        assertEquals("0x0", select(hd, UpdateTrackSettings.newBuilder().setQuality(VideoQuality.OFF)));
        // Only width > 0 switches to dimensions: a height alone leaves the quality (LOW, the proto3 default).
        assertEquals("320x180", select(hd, UpdateTrackSettings.newBuilder().setHeight(720)));
        // HIGH of a two-layer track is its top layer.
        assertEquals("640x480", select(camera(640, 480), UpdateTrackSettings.newBuilder().setQuality(VideoQuality.HIGH)));
    }

    @Test
    void disabledStopsTheTrackAndATrackWithoutLayersPassesThrough() {
        TrackInfo hd = camera(1280, 720);
        assertEquals("0x0", select(hd, UpdateTrackSettings.newBuilder().setDisabled(true).setQuality(VideoQuality.HIGH)));
        TrackInfo single = TrackInfo.newBuilder().setType(TrackType.VIDEO).setWidth(320).setHeight(240).build();
        assertEquals("-1x-1", select(single, UpdateTrackSettings.newBuilder().setQuality(VideoQuality.LOW)));
        assertEquals("0x0", select(single, UpdateTrackSettings.newBuilder().setQuality(VideoQuality.OFF)));
    }

    @Test
    void fpsPicksATemporalLayer() {
        assertEquals(1, Layers.frameDivisor(30, 3, 30));
        assertEquals(1, Layers.frameDivisor(30, 3, 0), "no fps: all temporal layers");
        assertEquals(2, Layers.frameDivisor(30, 3, 15));
        assertEquals(2, Layers.frameDivisor(30, 3, 16), "0.9 × 16 ≤ 15");
        assertEquals(1, Layers.frameDivisor(30, 3, 17));
        assertEquals(4, Layers.frameDivisor(30, 3, 5));
        assertEquals(1, Layers.frameDivisor(30, 1, 5), "a single stream has one temporal layer");
        assertEquals(1, Layers.frameDivisor(15, 3, 60), "more than the publisher sends: everything");
    }

    @Test
    void queryBooleansFollowLivekit() {
        assertTrue(RoomServer.flag(null, true));
        assertFalse(RoomServer.flag(null, false));
        assertTrue(RoomServer.flag("1", false));
        assertTrue(RoomServer.flag("true", false));
        assertFalse(RoomServer.flag("0", true));
        assertFalse(RoomServer.flag("yes", true));
    }
}
