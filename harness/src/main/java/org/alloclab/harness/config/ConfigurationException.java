package org.alloclab.harness.config;

/** A configuration is invalid; the message names the key, and the file and line where it was written. */
public final class ConfigurationException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** @param message names the key, file and line */
    public ConfigurationException(String message) {
        super(message);
    }

    /**
     * @param message names the key, file and line
     * @param cause   what the parser said
     */
    public ConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
