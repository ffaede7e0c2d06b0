package dev.mintrecorder.worker.ops;

import java.util.List;
import java.util.Map;

/**
 * The operations surface's settings.
 *
 * @param port the HTTP port of {@code /metrics}, {@code /health/live} and {@code /health/ready}; 0 picks a free one
 */
public record OpsConfig(int port) {
    static final Setting<Integer> OPS_PORT = Setting.integer("OPS_PORT", 9400, 0, 65535,
            "HTTP port of /metrics (Prometheus), /health/live and /health/ready. 0 picks a free port.");

    public static final List<Setting<?>> SETTINGS = List.of(OPS_PORT);

    public static OpsConfig from(Map<String, String> env) {
        return new OpsConfig(OPS_PORT.read(env));
    }
}
