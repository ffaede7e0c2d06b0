package dev.mintrecorder.devstack;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DevstackMainTest {
    @Test
    void plainValuesStayUnquoted() {
        assertEquals("http://127.0.0.1:9000", DevstackMain.shellQuote("http://127.0.0.1:9000"));
        assertEquals("127.0.0.1:9092", DevstackMain.shellQuote("127.0.0.1:9092"));
    }

    @Test
    void otherValuesAreSingleQuotedForEval() {
        assertEquals("'a b'", DevstackMain.shellQuote("a b"));
        assertEquals("'it'\\''s $HOME'", DevstackMain.shellQuote("it's $HOME"));
        assertEquals("''", DevstackMain.shellQuote(""));
    }
}
