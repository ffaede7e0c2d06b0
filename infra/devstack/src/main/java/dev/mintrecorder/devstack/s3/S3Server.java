package dev.mintrecorder.devstack.s3;

import dev.mintrecorder.devstack.DevstackComponent;
import dev.mintrecorder.devstack.Ports;
import dev.mintrecorder.devstack.TempDirs;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * S3Proxy, a real S3 API server, in-process on 127.0.0.1 with access-key (SigV2/SigV4) authentication, over a
 * filesystem blob store in a temp dir. {@link #stop()} and {@link #start()} keep the port and the data, so tests
 * can take S3 away in the middle of an upload.
 */
public final class S3Server implements DevstackComponent {
    private static final Logger log = LoggerFactory.getLogger(S3Server.class);

    private final S3ServerOptions options;
    private final Path dir;
    private final BlobStore blobStore;
    private int port;
    private S3Proxy proxy;

    private S3Server(S3ServerOptions options, Path dir, BlobStore blobStore) {
        this.options = options;
        this.dir = dir;
        this.blobStore = blobStore;
    }

    /** Starts on a port of the kernel's choosing and creates the bucket. */
    public static S3Server start(S3ServerOptions options) {
        long t0 = System.nanoTime();
        Path dir = TempDirs.create("mint-s3-");
        Properties props = new Properties();
        props.setProperty("jclouds.filesystem.basedir", dir.toString());
        S3Server server = new S3Server(options, dir, BlobStores.create("filesystem", props));
        try {
            server.start();
            server.blobStore.createContainer(options.bucket());
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        log.info("S3Proxy up at {} in {} ms", server.endpoint(), (System.nanoTime() - t0) / 1_000_000);
        return server;
    }

    /** A new path-style client for this server, with its credentials; the caller closes it. */
    public S3Client client() {
        return S3Client.builder().endpointOverride(endpoint()).forcePathStyle(true)
                .region(Region.of(options.region()))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(options.accessKeyId(), options.secretAccessKey())))
                .build();
    }

    /** {@code http://127.0.0.1:port}, stable across {@link #stop()}/{@link #start()}. */
    public URI endpoint() {
        return URI.create("http://" + Ports.LOOPBACK + ":" + port);
    }

    @Override
    public Map<String, String> env() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("S3_ENDPOINT", endpoint().toString());
        env.put("S3_REGION", options.region());
        env.put("S3_BUCKET", options.bucket());
        env.put("S3_ACCESS_KEY_ID", options.accessKeyId());
        env.put("S3_SECRET_ACCESS_KEY", options.secretAccessKey());
        return env;
    }

    public S3ServerOptions options() {
        return options;
    }

    public synchronized boolean isRunning() {
        return proxy != null;
    }

    /** Serves again on the same port, with the data written before {@link #stop()}. */
    public synchronized void start() {
        if (proxy != null) {
            return;
        }
        S3Proxy next = S3Proxy.builder()
                .blobStore(blobStore)
                // Port 0 on the first start; the bound port after that.
                .endpoint(URI.create("http://" + Ports.LOOPBACK + ":" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, options.accessKeyId(), options.secretAccessKey())
                // The AWS SDK sends headers (checksum and SDK telemetry) that S3Proxy rejects unless told to ignore them.
                .ignoreUnknownHeaders(true)
                .build();
        try {
            next.start();
        } catch (Exception e) {
            throw new IllegalStateException("S3Proxy did not start on port " + port, e);
        }
        port = next.getPort();
        proxy = next;
    }

    /** Closes the listener: clients get connection refused until {@link #start()}. */
    public synchronized void stop() {
        if (proxy == null) {
            return;
        }
        try {
            proxy.stop();
        } catch (Exception e) {
            log.warn("S3Proxy stop failed: {}", e.toString());
        }
        proxy = null;
    }

    /** Stops the server and deletes the stored objects. */
    @Override
    public void close() {
        stop();
        blobStore.close();
        TempDirs.deleteRecursively(dir);
    }
}
