package dev.mintrecorder.worker.storage;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.zip.CRC32C;

/**
 * CRC32C as S3 writes it ({@code x-amz-checksum-crc32c}: the 4 bytes big-endian, base64). CRC32C is the checksum AWS
 * S3, MinIO and S3Proxy all verify on {@code UploadPart} (and combine on {@code CompleteMultipartUpload}), and the JDK
 * computes it with the CPU's CRC instruction.
 */
public final class Crc32c {
    private Crc32c() {
    }

    /** The base64 form of a finished {@link CRC32C}'s value. */
    public static String base64(CRC32C crc) {
        return Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    public static String of(byte[] data, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(data, offset, length);
        return base64(crc);
    }
}
