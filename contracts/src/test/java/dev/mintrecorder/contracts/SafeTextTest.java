package dev.mintrecorder.contracts;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@link Validation#safeText}: any text in, valid free text out; and {@link Messages#identify} on broken input. */
class SafeTextTest {

    @Test
    void plainTextIsUnchanged() {
        assertEquals("invalid room: empty", Validation.safeText("invalid room: empty"));
    }

    @Test
    void controlCharactersAndLoneSurrogatesAreEscaped() {
        assertEquals("a\\nb\\rc\\td\\u0007e\\u007F\\u0085", Validation.safeText("a\nb\rc\td\u0007e\u007f\u0085"));
        assertEquals("x\\uD800y", Validation.safeText("x\ud800y"));
        assertEquals("emoji \uD83D\uDE00 kept", Validation.safeText("emoji \uD83D\uDE00 kept"));
    }

    @Test
    void blankOrNullBecomesAPlaceholder() {
        assertEquals("(no detail)", Validation.safeText(null));
        assertEquals("(no detail)", Validation.safeText(""));
        assertEquals("(no detail)", Validation.safeText(" \t "));
    }

    @Test
    void longTextIsCutToTheLimitWithAnEllipsis() {
        String out = Validation.safeText("k".repeat(30_000));
        assertEquals(Validation.TEXT_MAX_LENGTH, out.length());
        assertEquals('…', out.charAt(out.length() - 1));
        assertEquals("k".repeat(Validation.TEXT_MAX_LENGTH), Validation.safeText("k".repeat(Validation.TEXT_MAX_LENGTH)));
        // An escape is never cut in half, and the result is still within the limit.
        assertEquals("a\\n".repeat(170) + "a…", Validation.safeText("a\n".repeat(600)));
    }

    @Test
    void everyResultIsValidFreeText() {
        for (String s : new String[] {"\n", "\u0000".repeat(600), "a".repeat(511) + "\n", "\uD83D\uDE00".repeat(400),
                " \u0001 ", "\u2028"}) {
            assertDoesNotThrow(() -> Validation.text("reason", Validation.safeText(s)), s);
        }
    }

    @Test
    void exceptionReasonsAreAlwaysSafe() {
        assertEquals("a\\nb", new InvalidMessageException("a\nb").reason());
        assertEquals("(no detail)", new InvalidMessageException(null).reason());
    }

    @Test
    void identifyReadsIdsOfAnOtherwiseInvalidJob() {
        String json = "{\"schema\":1,\"job_id\":\"" + Samples.JOB + "\",\"mint_id\":\"" + Samples.MINT
                + "\",\"x\":1,\"x\":2,\"room\":12345}";
        Messages.Identity id = Messages.identify(json.getBytes(StandardCharsets.UTF_8));
        assertEquals(Optional.of(Samples.JOB), id.jobId());
        assertEquals(Optional.of(Samples.MINT), id.mintId());
    }

    @Test
    void identifyKeepsOnlyValidIds() {
        Messages.Identity id = Messages.identify("{\"job_id\":\"job-1\",\"mint_id\":\"0OIl\"}".getBytes(StandardCharsets.UTF_8));
        assertEquals(Messages.Identity.UNKNOWN, id);
        assertEquals(Messages.Identity.UNKNOWN, Messages.identify(new byte[] {1, 2, 3}));
        assertEquals(Messages.Identity.UNKNOWN, Messages.identify(null));
        assertEquals(Messages.Identity.UNKNOWN, Messages.identify("[\"job_id\"]".getBytes(StandardCharsets.UTF_8)));
    }
}
