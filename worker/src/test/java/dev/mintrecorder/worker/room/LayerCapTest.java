package dev.mintrecorder.worker.room;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LayerCapTest {
    @Test
    void widthFollowsSixteenByNineAndStaysEven() {
        assertEquals(1280, new LayerCap(720, 30).maxWidth());
        assertEquals(640, new LayerCap(360, 30).maxWidth());
        assertEquals(1920, new LayerCap(1080, 30).maxWidth());
        assertEquals(428, new LayerCap(240, 15).maxWidth());
    }

    @Test
    void lowersByHalvesDownTo180p() {
        assertEquals(new LayerCap(360, 30), new LayerCap(720, 30).lower());
        assertEquals(new LayerCap(180, 30), new LayerCap(360, 30).lower());
        assertEquals(new LayerCap(180, 30), new LayerCap(180, 30).lower());
        assertEquals(new LayerCap(120, 30), new LayerCap(120, 30).lower(), "already below the floor: unchanged");
    }
}
