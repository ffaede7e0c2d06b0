package dev.mintrecorder.worker.pipeline;

import dev.mintrecorder.worker.WorkerMain;
import dev.mintrecorder.worker.room.RoomClient;
import dev.mintrecorder.worker.room.WebRtcRuntime;
import dev.mintrecorder.worker.storage.S3Clients;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * TEST ONLY: the real worker and pipeline, whose S3 client can die in the index-write window on demand. Once the file
 * named by {@code TEST_HALT_AT_INDEX_FILE} exists, the next index write that follows a completed segment upload halts
 * the JVM (as SIGKILL would: no shutdown hook, no cleanup) before the manifest is written: the segment is in S3, the
 * index does not list it.
 */
public final class IndexWindowWorkerMain {
    private IndexWindowWorkerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Path trigger = Path.of(System.getenv("TEST_HALT_AT_INDEX_FILE"));
        WorkerMain.run((config, registry, roomMemories) -> {
            WebRtcRuntime runtime = WebRtcRuntime.start();
            S3Client s3 = haltingAtIndexWrite(S3Clients.create(config.storage()), trigger);
            return new PipelineSessionFactory(runtime, PipelineSessionFactory.Shared.of(config,
                    new RoomClient(config.room(), runtime, registry), s3, registry, roomMemories));
        });
    }

    private static S3Client haltingAtIndexWrite(S3Client real, Path trigger) {
        boolean[] segmentCompleted = {false};
        return (S3Client) Proxy.newProxyInstance(S3Client.class.getClassLoader(), new Class<?>[]{S3Client.class},
                (proxy, method, args) -> {
                    Object first = args == null || args.length == 0 ? null : args[0];
                    if (first instanceof CompleteMultipartUploadRequest) {
                        synchronized (segmentCompleted) {
                            segmentCompleted[0] = true;
                        }
                    } else if (first instanceof PutObjectRequest put && put.key().endsWith("/manifest.json")) {
                        synchronized (segmentCompleted) {
                            if (segmentCompleted[0] && Files.exists(trigger)) {
                                System.err.println("TEST: halting in the index-write window before " + put.key());
                                Runtime.getRuntime().halt(137);
                            }
                            segmentCompleted[0] = false;
                        }
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
