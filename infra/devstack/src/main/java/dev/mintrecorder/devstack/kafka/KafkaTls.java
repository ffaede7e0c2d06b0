package dev.mintrecorder.devstack.kafka;

import dev.mintrecorder.devstack.Ports;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * TLS and SASL for the devstack broker's secure listeners ({@link KafkaBrokerOptions#withTls()}): self-signed
 * certificates the broker makes in its own directory when it is created, with the JDK's {@code keytool}, so nothing
 * secret is committed; they live as long as the broker.
 *
 * <ul>
 *   <li>The broker's certificate is for {@code CN=localhost} with the subject alternative names {@code IP:127.0.0.1}
 *       and {@code DNS:localhost}, so clients keep host name verification on.</li>
 *   <li>The client's certificate is what mutual TLS presents; the broker trusts exactly it.</li>
 *   <li>Every store is PKCS12 with one password.</li>
 *   <li>The SASL_SSL listener takes SASL/PLAIN logins from {@link #plainUsers()}.</li>
 * </ul>
 *
 * @param brokerKeystore the broker's certificate and key
 * @param brokerTruststore the certificates the broker trusts from clients (the client's)
 * @param clientKeystore the client's certificate and key (mutual TLS)
 * @param clientTruststore the certificates a client trusts (the broker's)
 * @param password the password of every store and key
 * @param plainUsers SASL/PLAIN user names and passwords the SASL_SSL listener accepts
 */
public record KafkaTls(Path brokerKeystore, Path brokerTruststore, Path clientKeystore, Path clientTruststore,
                       String password, Map<String, String> plainUsers) {

    public KafkaTls {
        plainUsers = Map.copyOf(plainUsers);
    }

    /** Fresh certificates in {@code dir} (created if missing), and one SASL/PLAIN user {@code worker}. */
    static KafkaTls generate(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String password = "devstack-" + Long.toHexString(System.nanoTime());
        KafkaTls tls = new KafkaTls(dir.resolve("broker.keystore.p12"), dir.resolve("broker.truststore.p12"),
                dir.resolve("client.keystore.p12"), dir.resolve("client.truststore.p12"), password,
                Map.of("worker", "worker-" + Long.toHexString(System.nanoTime())));
        tls.keypair(tls.brokerKeystore, "broker", "CN=localhost,OU=mint-recorder devstack",
                "SAN=IP:" + Ports.LOOPBACK + ",DNS:localhost");
        tls.keypair(tls.clientKeystore, "client", "CN=mint-recorder-worker,OU=mint-recorder devstack", null);
        Path brokerCert = dir.resolve("broker.pem");
        Path clientCert = dir.resolve("client.pem");
        tls.keytool("-exportcert", "-rfc", "-alias", "broker", "-keystore", tls.brokerKeystore.toString(),
                "-storepass", password, "-file", brokerCert.toString());
        tls.keytool("-exportcert", "-rfc", "-alias", "client", "-keystore", tls.clientKeystore.toString(),
                "-storepass", password, "-file", clientCert.toString());
        tls.keytool("-importcert", "-noprompt", "-alias", "broker", "-file", brokerCert.toString(),
                "-keystore", tls.clientTruststore.toString(), "-storetype", "PKCS12", "-storepass", password);
        tls.keytool("-importcert", "-noprompt", "-alias", "client", "-file", clientCert.toString(),
                "-keystore", tls.brokerTruststore.toString(), "-storetype", "PKCS12", "-storepass", password);
        return tls;
    }

    /** The JAAS line a SASL/PLAIN client logs in with as {@code user}. */
    public String plainJaasConfig(String user) {
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + user
                + "\" password=\"" + plainUsers.get(user) + "\";";
    }

    /** The broker's properties for its SSL (mutual TLS) and SASL_SSL (PLAIN) listeners. */
    Map<String, String> brokerProperties() {
        StringBuilder users = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required");
        plainUsers.forEach((user, pw) -> users.append(" user_").append(user).append("=\"").append(pw).append('"'));
        users.append(';');
        return Map.ofEntries(
                Map.entry("ssl.keystore.location", brokerKeystore.toString()),
                Map.entry("ssl.keystore.type", "PKCS12"),
                Map.entry("ssl.keystore.password", password),
                Map.entry("ssl.key.password", password),
                Map.entry("ssl.truststore.location", brokerTruststore.toString()),
                Map.entry("ssl.truststore.type", "PKCS12"),
                Map.entry("ssl.truststore.password", password),
                // The SSL listener wants the client's certificate; the SASL_SSL one authenticates with PLAIN instead.
                Map.entry("listener.name.ssl.ssl.client.auth", "required"),
                Map.entry("listener.name.sasl_ssl.ssl.client.auth", "none"),
                Map.entry("sasl.enabled.mechanisms", "PLAIN"),
                Map.entry("listener.name.sasl_ssl.sasl.enabled.mechanisms", "PLAIN"),
                Map.entry("listener.name.sasl_ssl.plain.sasl.jaas.config", users.toString()));
    }

    private void keypair(Path keystore, String alias, String dname, String san) {
        List<String> args = new ArrayList<>(List.of("-genkeypair", "-alias", alias, "-keyalg", "RSA", "-keysize", "2048",
                "-validity", "7", "-dname", dname, "-keystore", keystore.toString(), "-storetype", "PKCS12",
                "-storepass", password, "-keypass", password));
        if (san != null) {
            args.addAll(List.of("-ext", san));
        }
        keytool(args.toArray(String[]::new));
    }

    private void keytool(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("keytool " + args[0] + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run keytool", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running keytool", e);
        }
    }
}
