package dev.mintrecorder.devstack;

import java.security.SecureRandom;

/** Mint ids for the demo, the tests and the benchmarks. */
public final class Mints {
    private static final String BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    private static final SecureRandom RANDOM = new SecureRandom();

    private Mints() {
    }

    /** A fresh random mint id: 44 base58 characters, as long as a Solana address. */
    public static String random() {
        StringBuilder b = new StringBuilder(44);
        for (int i = 0; i < 44; i++) {
            b.append(BASE58.charAt(RANDOM.nextInt(BASE58.length())));
        }
        return b.toString();
    }
}
