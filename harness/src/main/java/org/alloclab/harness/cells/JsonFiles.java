package org.alloclab.harness.cells;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

import org.alloclab.harness.run.AtomicFile;
import org.alloclab.harness.run.Json;

/**
 * JSON files an experiment's folder holds, written whole or not at all: to a temporary file beside the
 * target, then moved over it, so a reader (or a process killed half-way) never sees half a file.
 */
final class JsonFiles {

    private JsonFiles() {
    }

    /** Writes {@code value} as indented JSON into {@code file}, atomically ({@link AtomicFile}). */
    static void write(Path file, Object value) {
        AtomicFile.write(file, out -> Json.write(out, value));
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
