package dev.mintrecorder.contracts;

/**
 * A message (or a value about to become one) broke the contract. {@link #getMessage()} is the precise reason, fit to
 * put in a REJECTED event or a DLQ record: it names the field and the rule, and never echoes more than a short,
 * sanitized excerpt of the offending input.
 */
public final class InvalidMessageException extends IllegalArgumentException {
    public InvalidMessageException(String reason) {
        super(Validation.safeText(reason));
    }

    /** The reason, as sent on the wire. */
    public String reason() {
        return getMessage();
    }
}
