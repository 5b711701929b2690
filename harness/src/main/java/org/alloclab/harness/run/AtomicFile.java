package org.alloclab.harness.run;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A file of an experiment's folder written whole or not at all: into a temporary file beside it, then moved
 * over it. When the disk fills or the folder cannot be written, the temporary file is deleted and the error
 * names the file; a reader, a later {@code alloclab report}, or a process killed half-way never sees half a
 * file, and an older complete version stays until the new one is complete.
 */
public final class AtomicFile {

    /** Writes a file's content. */
    @FunctionalInterface
    public interface Body {
        /** Writes into {@code out}; throws what writing throws. */
        void write(OutputStream out) throws IOException;
    }

    /** Writes text lines, as a {@link PrintStream} does (one that swallows its errors: they are checked after). */
    @FunctionalInterface
    public interface Printer {
        /** Prints into {@code out}. */
        void print(PrintStream out) throws IOException;
    }

    private AtomicFile() {
    }

    /**
     * Writes {@code file} through {@code body}, atomically.
     *
     * @throws UncheckedIOException "cannot write FILE: reason" (the disk is full, the folder is read-only, …)
     */
    public static void write(Path file, Body body) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-"
                + Thread.currentThread().threadId());
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                body.write(out);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the first error is the one to report
            }
            throw new UncheckedIOException("cannot write " + file + ": " + reason(e), e);
        }
    }

    /** Writes {@code text} as UTF-8 into {@code file}, atomically. */
    public static void writeString(Path file, String text) {
        write(file, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Writes {@code file} through a UTF-8 {@link PrintStream}, atomically, its swallowed errors raised. */
    public static void print(Path file, Printer printer) {
        write(file, out -> {
            var ps = new PrintStream(out, false, StandardCharsets.UTF_8);
            printer.print(ps);
            ps.flush();
            if (ps.checkError()) {
                throw new IOException("the write failed (is the disk full?)");
            }
        });
    }

    /** The exception's own words: the file system's reason, without the class name. */
    static String reason(IOException e) {
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason() + (f.getFile() != null && !f.getFile().isEmpty() ? " (" + f.getFile() + ")" : "");
        }
        if (e instanceof java.nio.file.FileAlreadyExistsException || e instanceof java.nio.file.NoSuchFileException) {
            return e.getClass().getSimpleName() + " " + e.getMessage();
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }
}
