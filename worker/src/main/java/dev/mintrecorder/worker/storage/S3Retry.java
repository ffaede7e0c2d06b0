package dev.mintrecorder.worker.storage;

import dev.mintrecorder.worker.ops.Metric;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.github.resilience4j.retry.RetryConfig;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The storage retry policy: exponential backoff on transient failures only. A network error or a 5xx/429/408 is
 * transient; any other S3 answer (403 bad credentials, 404 no such upload) fails at once.
 */
public final class S3Retry {
    private final Retry retry;
    private final AtomicLong retries = new AtomicLong();

    /** @param registry where every room's retries add up, for the dashboard (the worker's registry) */
    public S3Retry(String name, UploadConfig config, MeterRegistry registry) {
        Counter total = Metric.UPLOAD_RETRIES.counter(registry);
        this.retry = Retry.of(name, RetryConfig.custom()
                .maxAttempts(config.retryAttempts())
                .intervalFunction(IntervalFunction.ofExponentialBackoff(config.retryInitialBackoff(), 2.0,
                        config.retryMaxBackoff()))
                .retryOnException(S3Retry::isTransient)
                .build());
        retry.getEventPublisher().onRetry(e -> {
            retries.incrementAndGet();
            total.increment();
        });
    }

    /** Retries so far (attempts after a transient failure), for metrics. */
    public long retries() {
        return retries.get();
    }

    public <T> T call(Supplier<T> s3Call) {
        return retry.executeSupplier(s3Call);
    }

    static boolean isTransient(Throwable t) {
        if (t instanceof SdkServiceException e) {
            int status = e.statusCode();
            return status >= 500 || status == 429 || status == 408 || e.isThrottlingException();
        }
        // No answer at all: connection refused, reset, timeout.
        return t instanceof SdkClientException;
    }
}
