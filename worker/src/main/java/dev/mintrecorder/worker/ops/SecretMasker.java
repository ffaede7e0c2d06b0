package dev.mintrecorder.worker.ops;

import com.fasterxml.jackson.core.JsonStreamContext;
import net.logstash.logback.mask.ValueMasker;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps tokens and secrets out of the JSON logs. {@code logback.xml} installs it in the encoder's masking decorator,
 * so it sees every string value of every line: the message, the stack trace, MDC values. It masks
 * <ul>
 *   <li>the value of every secret {@link Setting} ({@link WorkerConfig#settings()}) set in the environment, wherever
 *       it appears (a record's {@code toString}, an exception message);</li>
 *   <li>{@code access_token=...} query parameters (the signal URL), {@code Bearer ...} credentials, and anything
 *       shaped like a JWT;</li>
 *   <li>{@code name=value} pairs whose name ends in secret, password or token (optionally followed by key or
 *       access key), as records print their secrets ({@code apiSecret=...}, {@code secretAccessKey=...}).</li>
 * </ul>
 * Secrets shorter than {@value #MIN_SECRET_LENGTH} characters are masked only by the patterns: masking such a short
 * literal everywhere would garble the logs.
 */
public final class SecretMasker implements ValueMasker {
    static final String MASK = "****";
    static final int MIN_SECRET_LENGTH = 4;

    private static final List<Pattern> SHAPES = List.of(
            Pattern.compile("(access_token=)[^&\\s\"'<>]+"),
            Pattern.compile("(?i)(bearer\\s+)[A-Za-z0-9._~+/=-]+"),
            Pattern.compile("()eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*"),
            Pattern.compile("(?i)(\\b\\w*(?:secret|password|token)(?:_?access_?key|_?key)?\\s*[=:]\\s*\"?)"
                    + "(?!\\*\\*\\*\\*)[^\\s,;&\"')}\\]]+"));
    private static final List<String> SECRETS = new CopyOnWriteArrayList<>();

    static {
        registerSecrets(System.getenv());
    }

    /**
     * Adds the values of the secret settings found in {@code env}. The process environment is registered when the
     * class loads; a configuration read from elsewhere (a test) registers its map here.
     */
    public static void registerSecrets(Map<String, String> env) {
        for (Setting<?> s : WorkerConfig.settings()) {
            String value = env.get(s.name());
            if (s.secret() && value != null && value.strip().length() >= MIN_SECRET_LENGTH
                    && !SECRETS.contains(value.strip())) {
                SECRETS.add(value.strip());
            }
        }
    }

    /** {@code text} with every secret and token masked; the same instance when nothing matched. */
    public static String mask(String text) {
        String out = text;
        for (String secret : SECRETS) {
            if (out.contains(secret)) {
                out = out.replace(secret, MASK);
            }
        }
        for (Pattern shape : SHAPES) {
            Matcher m = shape.matcher(out);
            if (m.find()) {
                out = m.replaceAll("$1" + MASK);
            }
        }
        return out;
    }

    @Override
    public Object mask(JsonStreamContext context, Object value) {
        if (value instanceof CharSequence text) {
            String s = text.toString();
            String masked = mask(s);
            return masked.equals(s) ? null : masked;
        }
        return null;
    }
}
