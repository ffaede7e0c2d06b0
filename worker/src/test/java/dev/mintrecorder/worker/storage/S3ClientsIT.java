package dev.mintrecorder.worker.storage;

import dev.mintrecorder.devstack.Devstack;
import dev.mintrecorder.devstack.junit.WithDevstack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.Part;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The worker's S3 client, with the SDK's default checksums, against the devstack's S3Proxy. */
@WithDevstack(Devstack.Component.S3)
class S3ClientsIT {
    private static final int PART = 5 * 1024 * 1024;

    private static S3Client s3;
    private static String bucket;

    @BeforeAll
    static void connect(Devstack stack) {
        StorageConfig config = StorageConfig.from(stack.env());
        bucket = config.bucket();
        s3 = S3Clients.create(config);
    }

    @AfterAll
    static void close() {
        if (s3 != null) {
            s3.close();
        }
    }

    @Test
    void multipartUploadCreatesListsCompletesAndReadsBack() {
        String prefix = "recordings/mint-a/job-1/";
        String key = prefix + "seg_000000.ts";
        byte[] first = pattern(PART, 1);
        byte[] last = pattern(1000, 7);
        String uploadId = s3.createMultipartUpload(r -> r.bucket(bucket).key(key)).uploadId();

        UploadPartResponse p1 = s3.uploadPart(r -> r.bucket(bucket).key(key).uploadId(uploadId).partNumber(1),
                RequestBody.fromBytes(first));
        UploadPartResponse p2 = s3.uploadPart(r -> r.bucket(bucket).key(key).uploadId(uploadId).partNumber(2),
                RequestBody.fromBytes(last));

        List<MultipartUpload> open = s3.listMultipartUploads(r -> r.bucket(bucket).prefix(prefix)).uploads();
        assertEquals(List.of(uploadId), open.stream().map(MultipartUpload::uploadId).toList());
        List<Part> parts = s3.listParts(r -> r.bucket(bucket).key(key).uploadId(uploadId)).parts();
        assertEquals(List.of(1, 2), parts.stream().map(Part::partNumber).toList());
        assertEquals(List.of((long) PART, 1000L), parts.stream().map(Part::size).toList());

        s3.completeMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(
                CompletedPart.builder().partNumber(1).eTag(p1.eTag()).checksumCRC32(p1.checksumCRC32()).build(),
                CompletedPart.builder().partNumber(2).eTag(p2.eTag()).checksumCRC32(p2.checksumCRC32()).build())));

        assertTrue(s3.listMultipartUploads(r -> r.bucket(bucket).prefix(prefix)).uploads().isEmpty());
        byte[] whole = s3.getObjectAsBytes(r -> r.bucket(bucket).key(key)).asByteArray();
        assertArrayEquals(concat(first, last), whole);
        byte[] range = s3.getObjectAsBytes(r -> r.bucket(bucket).key(key).range("bytes=" + (PART - 10) + "-" + (PART + 9)))
                .asByteArray();
        assertArrayEquals(Arrays.copyOfRange(whole, PART - 10, PART + 10), range);
        assertEquals(List.of(key), s3.listObjectsV2(r -> r.bucket(bucket).prefix(prefix)).contents().stream()
                .map(o -> o.key()).toList());
    }

    @Test
    void abortedUploadLeavesNothingBehind() {
        String prefix = "recordings/mint-b/job-2/";
        String key = prefix + "seg_000001.ts";
        String uploadId = s3.createMultipartUpload(r -> r.bucket(bucket).key(key)).uploadId();
        s3.uploadPart(r -> r.bucket(bucket).key(key).uploadId(uploadId).partNumber(1),
                RequestBody.fromBytes(pattern(4096, 3)));
        assertEquals(1, s3.listMultipartUploads(r -> r.bucket(bucket).prefix(prefix)).uploads().size());

        s3.abortMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId));

        assertTrue(s3.listMultipartUploads(r -> r.bucket(bucket).prefix(prefix)).uploads().isEmpty());
        // AWS answers NoSuchUpload here; S3Proxy's filesystem store answers an empty list. No part survives either way.
        try {
            assertTrue(s3.listParts(r -> r.bucket(bucket).key(key).uploadId(uploadId)).parts().isEmpty());
        } catch (NoSuchUploadException expectedOnAws) {
            // The upload is gone, which is what abort promises.
        }
        assertTrue(s3.listObjectsV2(r -> r.bucket(bucket).prefix(prefix)).contents().isEmpty());
    }

    private static byte[] pattern(int size, int seed) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (i * 31 + seed);
        }
        return bytes;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(a.length + b.length);
        out.writeBytes(a);
        out.writeBytes(b);
        return out.toByteArray();
    }
}
