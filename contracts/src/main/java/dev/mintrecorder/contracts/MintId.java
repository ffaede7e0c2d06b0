package dev.mintrecorder.contracts;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A validated Solana mint address (base58, 32–44 characters). Holding one proves the check ran, which is why
 * {@link S3Keys} and room names take this type and never a raw string.
 */
public record MintId(@JsonValue String value) {
    public MintId {
        Validation.mintId(value);
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static MintId of(String value) {
        return new MintId(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
