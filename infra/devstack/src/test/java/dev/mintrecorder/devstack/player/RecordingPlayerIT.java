package dev.mintrecorder.devstack.player;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mintrecorder.devstack.conformance.NodeScript;
import dev.mintrecorder.devstack.s3.S3Server;
import dev.mintrecorder.devstack.s3.S3ServerOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** The player's routes against a real S3Proxy: HLS content types, no caching of what changes, read-only, 404s. */
class RecordingPlayerIT {
    private static S3Server s3;
    private static RecordingPlayer player;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        Assumptions.assumeTrue(NodeScript.project().isPresent(), NodeScript.missingReason());
        s3 = S3Server.start(S3ServerOptions.defaults());
        S3ServerOptions o = s3.options();
        try (S3Client client = s3.client()) {
            client.putObject(r -> r.bucket(o.bucket()).key("recordings/m/j/index.m3u8"),
                    RequestBody.fromString("#EXTM3U\n#EXT-X-PLAYLIST-TYPE:EVENT\n"));
            client.putObject(r -> r.bucket(o.bucket()).key("recordings/m/j/seg_000000.ts"),
                    RequestBody.fromBytes(new byte[188]));
        }
        player = RecordingPlayer.start(NodeScript.project().orElseThrow(), RecordingPlayer.Storage.fromEnv(s3.env()));
    }

    @AfterAll
    static void stop() {
        if (player != null) {
            player.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    private static HttpResponse<byte[]> get(String path, String method) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(player.baseUrl().resolve(path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String type(HttpResponse<?> response) {
        return response.headers().firstValue("content-type").orElse("");
    }

    @Test
    void servesRecordingsWithHlsTypesAndThePage() throws Exception {
        HttpResponse<byte[]> playlist = get("/recordings/m/j/index.m3u8", "GET");
        assertEquals(200, playlist.statusCode());
        assertEquals("application/vnd.apple.mpegurl", type(playlist));
        assertEquals("no-cache", playlist.headers().firstValue("cache-control").orElse(""));
        assertTrue(new String(playlist.body(), StandardCharsets.UTF_8).startsWith("#EXTM3U"));

        HttpResponse<byte[]> segment = get("/recordings/m/j/seg_000000.ts", "GET");
        assertEquals(200, segment.statusCode());
        assertEquals("video/mp2t", type(segment));
        assertEquals(188, segment.body().length);

        HttpResponse<byte[]> page = get("/player.html", "GET");
        assertEquals(200, page.statusCode());
        assertTrue(type(page).startsWith("text/html"));
        assertEquals(200, get("/hls.js", "GET").statusCode());
        assertEquals(200, get("/frame-pattern.cjs", "GET").statusCode());
        assertEquals(URI.create(player.baseUrl() + "/player.html?src=%2Frecordings%2Fm%2Fj%2Findex.m3u8"),
                player.pageFor("recordings/m/j/index.m3u8"));
    }

    @Test
    void isReadOnlyAndServesNothingElse() throws Exception {
        assertEquals(404, get("/recordings/m/j/seg_000001.ts", "GET").statusCode());
        assertEquals(404, get("/recordings/m/../../etc/passwd", "GET").statusCode());
        assertEquals(404, get("/package.json", "GET").statusCode());
        assertEquals(405, get("/recordings/m/j/index.m3u8", "PUT").statusCode());
        assertEquals(405, get("/recordings/m/j/index.m3u8", "DELETE").statusCode());
    }
}
