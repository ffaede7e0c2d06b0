package dev.mintrecorder.devstack.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import livekit.LivekitModels.VideoQuality;
import livekit.LivekitRtc.UpdateTrackSettings;
import org.junit.jupiter.api.Test;

class LayersTest {

    private static Layers.Size select(UpdateTrackSettings.Builder settings) {
        return Layers.select(1280, 720, settings.build());
    }

    @Test
    void qualityPicksALayer() {
        assertEquals(new Layers.Size(1280, 720), select(UpdateTrackSettings.newBuilder().setQuality(VideoQuality.HIGH)));
        assertEquals(new Layers.Size(640, 360), select(UpdateTrackSettings.newBuilder().setQuality(VideoQuality.MEDIUM)));
        assertEquals(new Layers.Size(320, 180), select(UpdateTrackSettings.newBuilder().setQuality(VideoQuality.LOW)));
        assertEquals(Layers.Size.OFF, select(UpdateTrackSettings.newBuilder().setQuality(VideoQuality.OFF)));
    }

    @Test
    void widthOverridesQualityAndPicksTheSmallestCoveringLayer() {
        assertEquals(new Layers.Size(640, 360),
                select(UpdateTrackSettings.newBuilder().setQuality(VideoQuality.HIGH).setWidth(480).setHeight(270)));
        assertEquals(new Layers.Size(320, 180), select(UpdateTrackSettings.newBuilder().setWidth(320).setHeight(180)));
        assertEquals(new Layers.Size(1280, 720), select(UpdateTrackSettings.newBuilder().setWidth(1920).setHeight(1080)));
    }

    @Test
    void disabledStopsTheTrack() {
        assertEquals(Layers.Size.OFF, select(UpdateTrackSettings.newBuilder().setDisabled(true).setQuality(VideoQuality.HIGH)));
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
