package dev.mintrecorder.devstack;

import java.util.concurrent.CountDownLatch;

/**
 * Runs the devstack standalone: prints each endpoint as {@code export NAME=value} (the worker's env var names),
 * then {@code READY}, and stays up until killed. SIGTERM or Ctrl-C stops every component cleanly.
 */
public final class DevstackMain {
    private DevstackMain() {}

    public static void main(String[] args) throws InterruptedException {
        // Before the first logger exists: keep Kafka and S3Proxy at WARN so the exports stay readable.
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "dev/mintrecorder/devstack/devstack-logback.xml");
        }
        long t0 = System.nanoTime();
        Devstack stack = Devstack.start(DevstackOptions.defaults());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stack.close();
            stopped.countDown();
        }, "devstack-shutdown"));
        stack.env().forEach((name, value) -> System.out.println("export " + name + "=" + shellQuote(value)));
        System.err.printf("devstack started in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        System.out.println("READY");
        System.out.flush();
        stopped.await();
    }

    /** Single-quotes a value unless it is plainly safe, so {@code eval "$(...)"} reads it back unchanged. */
    static String shellQuote(String value) {
        if (value.matches("[A-Za-z0-9_./:@%+=,-]+")) {
            return value;
        }
        return "'" + value.replace("'", "'\\''") + "'";
    }
}
