package dev.mintrecorder.worker.storage;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * TEST ONLY: AWS STS's {@code AssumeRoleWithWebIdentity} on a loopback port, as the AWS SDK calls it (a form POST of
 * the Query protocol) and as STS answers it (the XML of the STS API reference). It records each call's parameters and
 * hands out fixed temporary credentials.
 */
final class FakeSts implements AutoCloseable {
    static final String ACCESS_KEY_ID = "ASIAFAKESTSWEBIDENTITY";
    static final String SECRET_ACCESS_KEY = "fake-sts-secret-0123456789";
    static final String SESSION_TOKEN = "fake-sts-session-token";

    private final HttpServer server;
    private final List<Map<String, String>> calls = new CopyOnWriteArrayList<>();

    FakeSts() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Map<String, String> form = new LinkedHashMap<>();
            for (String pair : body.split("&")) {
                String[] kv = pair.split("=", 2);
                if (kv.length == 2) {
                    form.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8), URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
                }
            }
            calls.add(form);
            byte[] answer = ("""
                    <AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
                      <AssumeRoleWithWebIdentityResult>
                        <SubjectFromWebIdentityToken>system:serviceaccount:mint-recorder:mint-recorder-worker</SubjectFromWebIdentityToken>
                        <AssumedRoleUser>
                          <Arn>arn:aws:sts::123456789012:assumed-role/mint-recorder-worker/%s</Arn>
                          <AssumedRoleId>AROAFAKE:%s</AssumedRoleId>
                        </AssumedRoleUser>
                        <Credentials>
                          <AccessKeyId>%s</AccessKeyId>
                          <SecretAccessKey>%s</SecretAccessKey>
                          <SessionToken>%s</SessionToken>
                          <Expiration>2099-01-01T00:00:00Z</Expiration>
                        </Credentials>
                        <Audience>sts.amazonaws.com</Audience>
                      </AssumeRoleWithWebIdentityResult>
                      <ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata>
                    </AssumeRoleWithWebIdentityResponse>
                    """).formatted(form.get("RoleSessionName"), form.get("RoleSessionName"), ACCESS_KEY_ID,
                    SECRET_ACCESS_KEY, SESSION_TOKEN).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/xml");
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The form parameters of each call so far. */
    List<Map<String, String>> calls() {
        return List.copyOf(calls);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
