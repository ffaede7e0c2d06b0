package dev.mintrecorder.worker.ops;

/** An invalid or missing configuration variable. The message always starts with the variable's name. */
public final class ConfigException extends RuntimeException {
    private final String variable;

    public ConfigException(String variable, String problem) {
        super(variable + " " + problem);
        this.variable = variable;
    }

    public String variable() {
        return variable;
    }
}
