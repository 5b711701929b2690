package org.alloclab.harness.cells;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

import org.alloclab.harness.run.Json;

/**
 * JSON files an experiment's folder holds, written whole or not at all: to a temporary file beside the
 * target, then moved over it, so a reader (or a process killed half-way) never sees half a file.
 */
final class JsonFiles {

    private JsonFiles() {
    }

    /** Writes {@code value} as indented JSON into {@code file}, atomically. */
    static void write(Path file, Object value) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-"
                + Thread.currentThread().threadId());
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            try (var out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp))) {
                Json.write(out, value);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the first error is the one to report
            }
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The JSON object in {@code file}.
     *
     * @throws IllegalArgumentException naming the file when it cannot be read or is not an object
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> read(Path file) {
        Object value;
        try (var in = new java.io.BufferedInputStream(Files.newInputStream(file))) {
            value = Json.read(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (!(value instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException(file + " does not hold a JSON object");
        }
        return (Map<String, Object>) m;
    }
}
