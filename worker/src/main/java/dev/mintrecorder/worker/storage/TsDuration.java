package dev.mintrecorder.worker.storage;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * The video duration of an MPEG-TS stream, read from its PES timestamps in one streaming pass (188 bytes held at a
 * time). Salvage uses it for segments a dead worker left behind, whose duration nobody reported: the last video
 * PTS minus the first, plus one frame interval (taken from the last two timestamps).
 */
public final class TsDuration {
    private static final int PACKET = 188;
    private static final double PTS_HZ = 90_000.0;

    private TsDuration() {
    }

    /** @return seconds of video, or {@code NaN} when the stream holds fewer than two video timestamps */
    public static double of(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        byte[] p = new byte[PACKET];
        long first = -1;
        long last = -1;
        long previous = -1;
        while (true) {
            try {
                data.readFully(p);
            } catch (EOFException e) {
                break; // a truncated last packet (a salvaged part boundary) ends the scan
            }
            if (p[0] != 0x47 || (p[1] & 0x40) == 0) {
                continue; // not a packet start of a PES
            }
            int afc = (p[3] >> 4) & 0x3;
            int off = 4;
            if (afc == 2 || afc == 0) {
                continue; // no payload
            }
            if (afc == 3) {
                off += 1 + (p[4] & 0xff);
            }
            if (off + 14 > PACKET || p[off] != 0 || p[off + 1] != 0 || p[off + 2] != 1) {
                continue;
            }
            int streamId = p[off + 3] & 0xff;
            if (streamId < 0xE0 || streamId > 0xEF || (p[off + 7] & 0x80) == 0) {
                continue; // not video, or no PTS
            }
            long pts = ((long) (p[off + 9] & 0x0E) << 29) | ((long) (p[off + 10] & 0xff) << 22)
                    | ((long) (p[off + 11] & 0xFE) << 14) | ((long) (p[off + 12] & 0xff) << 7)
                    | ((p[off + 13] & 0xFE) >> 1);
            if (first < 0 || pts < first) {
                first = pts;
            }
            if (pts > last) {
                previous = last;
                last = pts;
            }
        }
        if (first < 0 || previous < 0) {
            return Double.NaN;
        }
        return (last - first + (last - previous)) / PTS_HZ;
    }
}
