package dev.mintrecorder.devstack.player;

import dev.mintrecorder.devstack.Ports;
import dev.mintrecorder.devstack.conformance.NodeScript;
import dev.mintrecorder.devstack.s3.S3Server;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * A read-only web player for recordings: {@code GET /player.html?src=/recordings/<mint>/<job>/index.m3u8} plays a
 * recording (finished, or live while it records) in a browser through hls.js. Test tooling for the devstack, also what
 * the demo points a person at.
 *
 * <p>Routes: {@code /player.html}, {@code /hls.js} (hls.js's dist build) and {@code /frame-pattern.cjs} from the
 * conformance project ({@code infra/conformance}, installed by {@code scripts/setup}); {@code
 * /recordings/...} read from the S3 bucket with HLS content types, the playlist and manifest uncached (they change
 * while a recording runs). Nothing can be written.
 */
public final class RecordingPlayer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RecordingPlayer.class);
    private static final Map<String, String> TYPES = Map.of(
            ".m3u8", "application/vnd.apple.mpegurl",
            ".ts", "video/mp2t",
            ".json", "application/json",
            ".html", "text/html; charset=utf-8",
            ".js", "text/javascript; charset=utf-8",
            ".cjs", "text/javascript; charset=utf-8");

    private final Path conformance;
    private final String bucket;
    private final S3Client s3;
    private final Server jetty = new Server();
    private int port;

    /** Where the recordings are: an S3 endpoint (path-style), its bucket and credentials. */
    public record Storage(URI endpoint, String region, String bucket, String accessKeyId, String secretAccessKey) {
        public static Storage of(S3Server server) {
            return new Storage(server.endpoint(), server.options().region(), server.options().bucket(),
                    server.options().accessKeyId(), server.options().secretAccessKey());
        }

        /** From the variables the devstack prints ({@code S3_ENDPOINT}, {@code S3_REGION}, {@code S3_BUCKET}, ...). */
        public static Storage fromEnv(Map<String, String> env) {
            return new Storage(URI.create(require(env, "S3_ENDPOINT")), require(env, "S3_REGION"),
                    require(env, "S3_BUCKET"), require(env, "S3_ACCESS_KEY_ID"), require(env, "S3_SECRET_ACCESS_KEY"));
        }

        private static String require(Map<String, String> env, String name) {
            String value = env.get(name);
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException(name + " is not set");
            }
            return value;
        }
    }

    private RecordingPlayer(Path conformance, Storage storage) {
        this.conformance = conformance;
        this.bucket = storage.bucket();
        this.s3 = S3Client.builder().endpointOverride(storage.endpoint()).forcePathStyle(true)
                .region(Region.of(storage.region()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        storage.accessKeyId(), storage.secretAccessKey())))
                .build();
    }

    /** Serves an in-process S3Proxy's bucket; see {@link #start(Path, Storage)}. */
    public static RecordingPlayer start(Path conformance, S3Server storage) {
        return start(conformance, Storage.of(storage));
    }

    /**
     * Serves {@code storage}'s bucket on a free loopback port. {@code conformance} is the installed conformance
     * project folder (see {@code NodeScript.project()}), where the page and hls.js live.
     */
    public static RecordingPlayer start(Path conformance, Storage storage) {
        RecordingPlayer player = new RecordingPlayer(conformance, storage);
        try {
            ServerConnector connector = new ServerConnector(player.jetty);
            connector.setHost(Ports.LOOPBACK);
            connector.setPort(0);
            player.jetty.addConnector(connector);
            player.jetty.setHandler(new Handler.Abstract() {
                @Override
                public boolean handle(Request request, Response response, Callback callback) {
                    return player.handle(request, response, callback);
                }
            });
            player.jetty.start();
            player.port = connector.getLocalPort();
        } catch (Exception e) {
            player.close();
            throw new IllegalStateException("recording player did not start", e);
        }
        log.info("recording player on {}", player.baseUrl());
        return player;
    }

    public URI baseUrl() {
        return URI.create("http://" + Ports.LOOPBACK + ":" + port);
    }

    /** The page that plays the recording whose playlist is at S3 key {@code playlistKey} (recordings/.../index.m3u8). */
    public URI pageFor(String playlistKey) {
        return baseUrl().resolve("/player.html?src=" + URLEncoder.encode("/" + playlistKey, StandardCharsets.UTF_8));
    }

    private boolean handle(Request request, Response response, Callback callback) {
        if (!HttpMethod.GET.is(request.getMethod()) && !HttpMethod.HEAD.is(request.getMethod())) {
            return status(response, 405, callback);
        }
        String path = Request.getPathInContext(request);
        try {
            return switch (path) {
                case "/", "/player.html" -> file(conformance.resolve("player.html"), response, callback);
                case "/hls.js" -> file(conformance.resolve("node_modules/hls.js/dist/hls.min.js"), response, callback);
                case "/frame-pattern.cjs" -> file(conformance.resolve("frame-pattern.cjs"), response, callback);
                default -> path.startsWith("/recordings/") && !path.contains("..")
                        ? object(path.substring(1), response, callback)
                        : status(response, 404, callback);
            };
        } catch (IOException | RuntimeException e) {
            log.warn("recording player: {} failed: {}", path, e.toString());
            return status(response, 502, callback);
        }
    }

    private boolean file(Path file, Response response, Callback callback) throws IOException {
        if (!Files.isRegularFile(file)) {
            return status(response, 404, callback);
        }
        return send(response, type(file.toString()), false, Files.readAllBytes(file), callback);
    }

    private boolean object(String key, Response response, Callback callback) throws IOException {
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(GetObjectRequest.builder().bucket(bucket).key(key).build())) {
            return send(response, type(key), key.endsWith(".m3u8") || key.endsWith(".json"), in.readAllBytes(), callback);
        } catch (NoSuchKeyException e) {
            return status(response, 404, callback);
        }
    }

    private static String type(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "application/octet-stream" : TYPES.getOrDefault(name.substring(dot), "application/octet-stream");
    }

    private static boolean send(Response response, String type, boolean live, byte[] body, Callback callback) {
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, live ? "no-cache" : "max-age=3600");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }

    private static boolean status(Response response, int status, Callback callback) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        Content.Sink.write(response, true, status + "\n", callback);
        return true;
    }

    /**
     * Runs the player beside a running devstack, for the demo: reads the devstack's {@code S3_*} variables, prints
     * {@code export PLAYER_URL=http://127.0.0.1:port}, and serves until killed. Append
     * {@code /player.html?src=/recordings/<mint>/<job>/index.m3u8} to watch a recording, live or finished.
     */
    public static void main(String[] args) throws InterruptedException {
        Path conformance = NodeScript.project().orElseThrow(
                () -> new IllegalStateException(NodeScript.missingReason()));
        RecordingPlayer player = start(conformance, Storage.fromEnv(System.getenv()));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            player.close();
            stopped.countDown();
        }, "player-shutdown"));
        System.out.println("export PLAYER_URL=" + player.baseUrl());
        System.out.flush();
        stopped.await();
    }

    /** Stops the listener, then the S3 client. */
    @Override
    public void close() {
        try {
            jetty.stop();
        } catch (Exception e) {
            log.warn("stopping the recording player", e);
        }
        s3.close();
    }
}
