package dev.mintrecorder.worker.ops;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * One environment variable, declared once: its name, default, rule and documentation.
 *
 * <p>Like Kafka's {@code ConfigDef}: the README's configuration table is generated from these
 * declarations ({@link ConfigDoc}), and reading a value either returns a valid one or throws a
 * {@link ConfigException} that names the variable.
 *
 * @param name the environment variable
 * @param defaultValue the text used when the variable is unset or blank; {@code null} means required
 * @param rule what a valid value looks like, shown in errors and in the docs
 * @param doc what the variable does
 * @param secret whether its value must never be printed
 * @param formerName the variable's name before it took its capability's prefix, still read for one release (with a
 *                   warning) when {@code name} is unset; {@code null} when it never had another name
 */
public record Setting<T>(String name, String defaultValue, String rule, String doc, boolean secret,
                         Function<String, T> parser, String formerName) {
    public Setting {
        Objects.requireNonNull(name);
        Objects.requireNonNull(rule);
        Objects.requireNonNull(doc);
        Objects.requireNonNull(parser);
    }

    public Setting(String name, String defaultValue, String rule, String doc, boolean secret,
                   Function<String, T> parser) {
        this(name, defaultValue, rule, doc, secret, parser, null);
    }

    /** This setting, also read under its former name {@code formerName} (deprecated: one WARN line when used). */
    public Setting<T> was(String formerName) {
        return new Setting<>(name, defaultValue, rule, doc, secret, parser, Objects.requireNonNull(formerName));
    }

    /**
     * Reads and validates this setting from {@code env}. The new name wins over the former one; a former name that is
     * set logs one WARN line naming the new one. An invalid value is reported under the name it was set as.
     */
    public T read(Map<String, String> env) {
        String from = name;
        String raw = env.get(name);
        if (formerName != null && !isBlank(env.get(formerName))) {
            if (isBlank(raw)) {
                log().warn("{} is deprecated and will not be read after the next release: set {} instead",
                        formerName, name);
                from = formerName;
                raw = env.get(formerName);
            } else {
                log().warn("{} is deprecated and ignored because {} is set: remove {}", formerName, name, formerName);
            }
        }
        if (isBlank(raw)) {
            if (defaultValue == null) {
                throw new ConfigException(name, "is required (" + rule + ")");
            }
            raw = defaultValue;
        }
        try {
            return parser.apply(raw.strip());
        } catch (ConfigException e) {
            throw e;
        } catch (RuntimeException e) {
            String shown = secret ? "<redacted>" : "'" + raw + "'";
            throw new ConfigException(from, "must be " + rule + ", got " + shown);
        }
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }

    public static Setting<String> string(String name, String defaultValue, String doc) {
        return new Setting<>(name, defaultValue, "text", doc, false, s -> s);
    }

    public static Setting<String> secret(String name, String defaultValue, String doc) {
        return new Setting<>(name, defaultValue, "text", doc, true, s -> s);
    }

    public static Setting<Integer> integer(String name, int defaultValue, int min, int max, String doc) {
        return new Setting<>(name, Integer.toString(defaultValue), "an integer in [" + min + ", " + max + "]", doc, false,
                s -> inRange(Integer.parseInt(s), min, max));
    }

    public static Setting<Long> bytes(String name, long defaultValue, long min, long max, String doc) {
        return new Setting<>(name, Long.toString(defaultValue), "a byte count in [" + min + ", " + max + "]", doc, false,
                s -> inRange(Long.parseLong(s), min, max));
    }

    public static Setting<Double> fraction(String name, double defaultValue, double min, double max, String doc) {
        return new Setting<>(name, Double.toString(defaultValue), "a number in [" + min + ", " + max + "]", doc, false,
                s -> inRange(Double.parseDouble(s), min, max));
    }

    public static Setting<Boolean> flag(String name, boolean defaultValue, String doc) {
        return new Setting<>(name, Boolean.toString(defaultValue), "true or false", doc, false, s -> switch (s.toLowerCase()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(s);
        });
    }

    /** A duration in ISO-8601 ({@code PT30S}) or a number with a unit suffix: {@code 500ms}, {@code 30s}, {@code 5m}. */
    public static Setting<Duration> duration(String name, String defaultValue, Duration min, Duration max, String doc) {
        String rule = "a duration like 500ms, 30s or 5m, in [" + min + ", " + max + "]";
        return new Setting<>(name, defaultValue, rule, doc, false, s -> inRange(parseDuration(s), min, max));
    }

    static Duration parseDuration(String s) {
        if (s.startsWith("P") || s.startsWith("p")) {
            return Duration.parse(s.toUpperCase());
        }
        if (s.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
        }
        long n = Long.parseLong(s.substring(0, s.length() - 1));
        return switch (s.charAt(s.length() - 1)) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            default -> throw new IllegalArgumentException(s);
        };
    }

    private static <V extends Comparable<V>> V inRange(V value, V min, V max) {
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new IllegalArgumentException(String.valueOf(value));
        }
        return value;
    }

    /**
     * Looked up when a warning is due, not when the class loads: the logging configuration's secret masker reads every
     * declared setting, so a static logger here made the first *Config class to load (before anything had logged, as
     * in a bench child) see its own settings list still null.
     */
    private static Logger log() {
        return LoggerFactory.getLogger(Setting.class);
    }
}
