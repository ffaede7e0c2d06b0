package dev.mintrecorder.recorderctl;

import picocli.CommandLine;

import java.time.Duration;

/** Durations on the command line: {@code 500ms}, {@code 10s}, {@code 5m}, {@code 24h}, {@code 7d} or ISO-8601 {@code PT10S}. */
final class Durations implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    static Duration parse(String value) {
        String s = value.strip();
        try {
            if (s.startsWith("P") || s.startsWith("p")) {
                return positive(Duration.parse(s.toUpperCase()), value);
            }
            if (s.endsWith("ms")) {
                return positive(Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2))), value);
            }
            long n = Long.parseLong(s.substring(0, s.length() - 1));
            return positive(switch (s.charAt(s.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                case 'd' -> Duration.ofDays(n);
                default -> throw new NumberFormatException();
            }, value);
        } catch (RuntimeException e) {
            throw new CommandLine.TypeConversionException(
                    "'" + value + "' is not a duration (like 500ms, 10s, 5m, 24h, 7d)");
        }
    }

    private static Duration positive(Duration d, String value) {
        if (d.isNegative() || d.isZero()) {
            throw new CommandLine.TypeConversionException("'" + value + "' must be a positive duration");
        }
        return d;
    }
}
