package dev.mintrecorder.contracts;

import java.time.Instant;
import java.util.regex.Pattern;

/**
 * Every rule on user-supplied values, in one place. The records call these from their compact constructors, so an
 * instance of a contract type is valid by construction, whether it was decoded from Kafka or built in Java.
 * The JSON Schemas under {@code schemas/} state the same ranges for non-Java producers; {@code SchemaAgreementTest}
 * keeps the two in step.
 */
public final class Validation {
    private Validation() {}

    /** Largest message accepted on any topic, checked before parsing. */
    public static final int MAX_MESSAGE_BYTES = 64 * 1024;
    /**
     * Largest dead letter: it holds a rejected value of up to {@link #MAX_MESSAGE_BYTES} as base64 (4/3 of it), plus
     * its reason and source; 96 KiB leaves room for all of that with margin.
     */
    public static final int MAX_DLQ_MESSAGE_BYTES = 96 * 1024;

    /** A Solana mint: base58, 32–44 characters. */
    public static final int MINT_ID_MIN_LENGTH = 32;
    public static final int MINT_ID_MAX_LENGTH = 44;
    private static final String BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    /** HLS segment length in seconds. */
    public static final int SEGMENT_S_MIN = 2;
    public static final int SEGMENT_S_MAX = 60;
    public static final int SEGMENT_S_DEFAULT = 6;

    /** Recording length limit in seconds: 10 s to 24 h. */
    public static final int MAX_DURATION_S_MIN = 10;
    public static final int MAX_DURATION_S_MAX = 24 * 3600;
    public static final int MAX_DURATION_S_DEFAULT = 4 * 3600;

    /** Video cap: the layer asked of the SFU and the encoder's scale limit. */
    public static final int MAX_HEIGHT_MIN = 144;
    public static final int MAX_HEIGHT_MAX = 2160;
    public static final int MAX_HEIGHT_DEFAULT = 720;
    public static final int FPS_MIN = 1;
    public static final int FPS_MAX = 60;
    public static final int FPS_DEFAULT = 30;

    /** Attempts of one job (1 = first, more = a resume after handover); bounded so a loop cannot run forever. */
    public static final int ATTEMPT_MIN = 1;
    public static final int ATTEMPT_MAX = 100;

    /**
     * Room names and participant identities: 1–128 characters of {@code A-Z a-z 0-9 _ - . : @}, starting with a letter
     * or digit. No slash, space, control character or {@code ..}, so a name is safe in a URL query, a log line and a
     * metric label.
     */
    public static final int NAME_MAX_LENGTH = 128;
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:@-]*");

    /** Free text (reasons, errors): at most 512 characters, no control characters. */
    public static final int TEXT_MAX_LENGTH = 512;

    public static <T> T required(String field, T value) {
        if (value == null) {
            throw new InvalidMessageException("missing field " + field);
        }
        return value;
    }

    public static String mintId(String value) {
        required("mint_id", value);
        int n = value.length();
        if (n < MINT_ID_MIN_LENGTH || n > MINT_ID_MAX_LENGTH) {
            throw new InvalidMessageException("invalid mint_id: length " + n + ", must be "
                    + MINT_ID_MIN_LENGTH + "-" + MINT_ID_MAX_LENGTH + " base58 characters");
        }
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (BASE58.indexOf(c) < 0) {
                throw new InvalidMessageException("invalid mint_id: character " + describe(c) + " at index " + i
                        + " is not base58 (no 0, O, I, l)");
            }
        }
        return value;
    }

    public static int range(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw new InvalidMessageException("invalid " + field + ": " + value + " is outside " + min + "-" + max);
        }
        return value;
    }

    public static long nonNegative(String field, long value) {
        if (value < 0) {
            throw new InvalidMessageException("invalid " + field + ": " + value + " is negative");
        }
        return value;
    }

    /** A room name, participant identity or worker id; see {@link #SAFE_NAME}. */
    public static String safeName(String field, String value) {
        required(field, value);
        if (value.isEmpty()) {
            throw new InvalidMessageException("invalid " + field + ": empty");
        }
        if (value.length() > NAME_MAX_LENGTH) {
            throw new InvalidMessageException("invalid " + field + ": length " + value.length()
                    + " exceeds " + NAME_MAX_LENGTH);
        }
        if (!SAFE_NAME.matcher(value).matches() || value.contains("..")) {
            throw new InvalidMessageException("invalid " + field
                    + ": only A-Z a-z 0-9 _ - . : @ allowed, starting with a letter or digit, no '..'");
        }
        return value;
    }

    public static String text(String field, String value) {
        required(field, value);
        if (value.isBlank()) {
            throw new InvalidMessageException("invalid " + field + ": blank");
        }
        if (value.length() > TEXT_MAX_LENGTH) {
            throw new InvalidMessageException("invalid " + field + ": length " + value.length()
                    + " exceeds " + TEXT_MAX_LENGTH);
        }
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                throw new InvalidMessageException("invalid " + field + ": control character at index " + i);
            }
        }
        return value;
    }

    /**
     * Turns any text (a library's error message, a field name taken from the input) into text that {@link #text}
     * accepts: control characters and lone surrogates are escaped (a newline becomes backslash-n, others a
     * backslash-u escape), the result is cut to {@link #TEXT_MAX_LENGTH} characters ending in an ellipsis, and null or
     * blank text becomes {@code "(no detail)"}. The one place where untrusted text is bounded and escaped, so that it
     * is safe in a contract field and in a log line.
     */
    public static String safeText(String raw) {
        if (raw == null || raw.isBlank()) {
            return "(no detail)";
        }
        StringBuilder out = new StringBuilder(Math.min(raw.length(), TEXT_MAX_LENGTH) + 8);
        int cut = -1; // where the text ends if an ellipsis must follow
        for (int i = 0; i < raw.length(); ) {
            int cp = raw.codePointAt(i);
            String piece = escape(cp);
            if (out.length() + piece.length() > TEXT_MAX_LENGTH - 1 && cut < 0) {
                cut = out.length();
            }
            if (out.length() + piece.length() > TEXT_MAX_LENGTH) {
                out.setLength(cut);
                return out.append('…').toString();
            }
            out.append(piece);
            i += Character.charCount(cp);
        }
        return out.toString();
    }

    private static String escape(int cp) {
        return switch (cp) {
            case '\n' -> "\\n";
            case '\r' -> "\\r";
            case '\t' -> "\\t";
            default -> Character.isISOControl(cp) || (cp <= 0xFFFF && Character.isSurrogate((char) cp))
                    ? String.format("\\u%04X", cp) : Character.toString(cp);
        };
    }

    public static Instant timestamp(String field, Instant value) {
        return required(field, value);
    }

    /** Renders an offending character without letting control characters into logs. */
    private static String describe(char c) {
        return c >= 0x21 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
    }
}
