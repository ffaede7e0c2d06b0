package dev.mintrecorder.worker.room;

import livekit.LivekitRtc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * TEST ONLY: a real TURN relay, Debian's coturn ({@code turnserver}, installed by {@code scripts/setup}), as a child
 * process on the test namespace's address: UDP only, long-term credentials, loopback peers allowed (the SFU's
 * candidates are on loopback in the namespace). {@link #close()} stops it.
 */
final class TurnRelay implements AutoCloseable {
    static final Path TURNSERVER = Path.of("/usr/bin/turnserver");
    private static final String USER = "recorder";
    private static final String PASSWORD = "turn-test-password";

    private final Process process;
    private final String host;
    private final int port;
    private final Path log;

    private TurnRelay(Process process, String host, int port, Path log) {
        this.process = process;
        this.host = host;
        this.port = port;
        this.log = log;
    }

    /** Starts the relay on {@code host} and returns once it answers a STUN binding request. */
    static TurnRelay start(String host, Path dir) throws IOException {
        int port = freeUdpPort(host);
        int relayFrom = 40_000 + ThreadLocalRandom.current().nextInt(20_000);
        Path log = dir.resolve("turnserver.log");
        Process process = new ProcessBuilder(TURNSERVER.toString(), "-n", "--no-cli", "--no-tls", "--no-dtls",
                "--listening-ip", host, "--relay-ip", host, "--listening-port", Integer.toString(port),
                "--min-port", Integer.toString(relayFrom), "--max-port", Integer.toString(relayFrom + 100),
                "--allow-loopback-peers", "--lt-cred-mech", "--user", USER + ":" + PASSWORD, "--realm", "mint.test",
                "--fingerprint", "--verbose", "--userdb", dir.resolve("turndb").toString(), "--pidfile", dir.resolve("turn.pid").toString(),
                "--log-file", log.toString(), "--simple-log", "--no-stdout-log")
                .redirectErrorStream(true).redirectOutput(dir.resolve("turnserver.out").toFile()).start();
        TurnRelay relay = new TurnRelay(process, host, port, log);
        try {
            relay.awaitBinding(Duration.ofSeconds(15));
        } catch (IOException | RuntimeException e) {
            relay.close();
            throw e;
        }
        return relay;
    }

    /** The server as livekit-server names it in {@code ice_servers}. */
    LivekitRtc.ICEServer iceServer() {
        return LivekitRtc.ICEServer.newBuilder().addUrls(url()).setUsername(USER).setCredential(PASSWORD).build();
    }

    String url() {
        return "turn:" + host + ":" + port + "?transport=udp";
    }

    /** The relay's log, where allocations and relayed peers show. */
    String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Sends STUN binding requests (RFC 5389) until one is answered or {@code within} passes. */
    private void awaitBinding(Duration within) throws IOException {
        long deadline = System.nanoTime() + within.toNanos();
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(host), 0))) {
            socket.setSoTimeout(200);
            ByteBuffer request = ByteBuffer.allocate(20).putShort((short) 0x0001).putShort((short) 0).putInt(0x2112A442);
            byte[] transaction = new byte[12];
            ThreadLocalRandom.current().nextBytes(transaction);
            request.put(transaction);
            InetSocketAddress target = new InetSocketAddress(InetAddress.getByName(host), port);
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("turnserver exited with " + process.exitValue() + ": " + log());
                }
                socket.send(new DatagramPacket(request.array(), 20, target));
                try {
                    DatagramPacket answer = new DatagramPacket(new byte[512], 512);
                    socket.receive(answer);
                    if (answer.getLength() >= 20 && (answer.getData()[0] & 0xff) == 0x01 && answer.getData()[1] == 0x01) {
                        return; // Binding Success Response
                    }
                } catch (SocketTimeoutException notYet) {
                    // not listening yet: ask again
                }
            }
        }
        throw new IllegalStateException("turnserver did not answer STUN on " + host + ":" + port + " within " + within);
    }

    private static int freeUdpPort(String host) {
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(host), 0))) {
            return probe.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
