package dev.mintrecorder.worker.room;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class VideoCapTest {
    @Test
    void widthFollowsSixteenByNineAndStaysEven() {
        assertEquals(1280, new VideoCap(720, 30).maxWidth());
        assertEquals(640, new VideoCap(360, 30).maxWidth());
        assertEquals(1920, new VideoCap(1080, 30).maxWidth());
        assertEquals(428, new VideoCap(240, 15).maxWidth());
    }

    @Test
    void lowersByHalvesDownTo180p() {
        assertEquals(new VideoCap(360, 30), new VideoCap(720, 30).lower());
        assertEquals(new VideoCap(180, 30), new VideoCap(360, 30).lower());
        assertEquals(new VideoCap(180, 30), new VideoCap(180, 30).lower());
        assertEquals(new VideoCap(120, 30), new VideoCap(120, 30).lower(), "already below the floor: unchanged");
    }
}
