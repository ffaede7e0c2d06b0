package dev.mintrecorder.worker.ops;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * One condition of {@code /health/live} or {@code /health/ready}: empty when healthy, else the reason, which the
 * endpoint returns. For example {@code engine::notReadyReason} (Kafka intake runs, no SYSTEM error) or
 * {@code governor::notReadyReason} (below EMERGENCY).
 */
@FunctionalInterface
public interface HealthCheck extends Supplier<Optional<String>> {}
