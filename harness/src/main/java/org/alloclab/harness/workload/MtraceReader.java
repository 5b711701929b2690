package org.alloclab.harness.workload;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import org.alloclab.api.Allocator;

/**
 * Reads a glibc {@code mtrace(3)} log — plain or gzipped, told apart by its first bytes — into
 * {@link Operations}. Each line is one of
 * <pre>
 *   [@ CALLER] + 0xADDR 0xSIZE    malloc, calloc, memalign…, realloc(NULL, n);  + (nil) 0xSIZE failed
 *   [@ CALLER] - 0xADDR           free, or realloc(p, 0)
 *   [@ CALLER] &lt; 0xOLD            realloc: this line and the next belong together
 *   [@ CALLER] &gt; 0xNEW 0xSIZE     (NEW == OLD when it grew or shrank in place)
 *   [@ CALLER] ! 0xOLD 0xSIZE     failed realloc: nothing changed
 *   = Start / = End               markers
 * </pre>
 * The caller is optional and may hold spaces; the event is found from the end of the line. The caller of
 * an allocation or reallocation is kept as its site ({@link Operations#site(int)}), for the {@code sites}
 * layer's report.
 *
 * <h2>What does not match</h2>
 * A program's blocks allocated before tracing started are freed or reallocated later without having been
 * seen. Such frees and reallocations are skipped and counted ({@code unmatched_frees},
 * {@code unmatched_reallocs}); a later free of the block an unmatched reallocation returned is unmatched
 * too, and counted with them. Allocations the program saw fail are skipped ({@code failed_in_trace}).
 * {@code malloc(0)} is replayed as one byte ({@code zero_size_requests}), since every alloclab block has
 * an address of its own. An address allocated again without a free in between (a lost free) frees the
 * old block first ({@code lost_frees}). Alignment requests are not in the format: every block asks for
 * the alignment given (16 by default, what {@code malloc} promises on x86-64).
 *
 * <p>Any other line stops the reading with a {@link TraceFormatException} naming the file and line.
 */
public final class MtraceReader {

    private MtraceReader() {
    }

    /**
     * Reads {@code file} into operations named {@code name}.
     *
     * @param alignment the alignment every allocation asks for
     * @throws TraceFormatException naming file and line of the first malformed line
     * @throws UncheckedIOException when the file cannot be read
     */
    public static Operations read(Path file, String name, int alignment) {
        try (InputStream in = open(file);
             var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.ISO_8859_1), 1 << 16)) {
            return parse(reader, file, name, alignment);
        } catch (java.util.zip.ZipException e) {
            throw new IllegalArgumentException(file + ": not a readable gzip file: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read trace " + file + ": " + e.getMessage(), e);
        }
    }

    private static InputStream open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("trace " + file + " does not exist or is not a file");
        }
        var in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        return b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(in, 1 << 16) : in;
    }

    private static Operations parse(BufferedReader reader, Path file, String name, int alignment) throws IOException {
        var ops = Operations.builder(name);
        Map<Long, Integer> slotOf = new HashMap<>(1 << 16);
        long unmatchedFrees = 0;
        long unmatchedReallocs = 0;
        long failed = 0;
        long zero = 0;
        long lost = 0;
        long pendingOld = -1;          // the address of a '<' line waiting for its '>'
        long pendingLine = 0;
        long lineNo = 0;
        String line;
        while ((line = reader.readLine()) != null) {
            lineNo++;
            if (line.isBlank() || line.startsWith("=")) {
                if (pendingOld >= 0 && !line.isBlank()) {
                    throw new TraceFormatException(file, lineNo, line, "a realloc's '<' line (line " + pendingLine
                            + ") must be followed by its '>' line");
                }
                continue;
            }
            Event e = Event.parse(line, file, lineNo);
            if (pendingOld >= 0 && e.op != '>') {
                throw new TraceFormatException(file, lineNo, line, "a realloc's '<' line (line " + pendingLine
                        + ") must be followed by its '>' line");
            }
            switch (e.op) {
                case '+' -> {
                    if (e.address == 0) {
                        failed++;
                        continue;
                    }
                    Integer old = slotOf.remove(e.address);
                    if (old != null) {
                        ops.free(old);
                        lost++;
                    }
                    if (e.size == 0) {
                        zero++;
                    }
                    ops.site(e.site);
                    slotOf.put(e.address, ops.allocate(Math.max(1, Math.min(e.size, Allocator.MAX_REQUEST)), alignment));
                }
                case '-' -> {
                    Integer slot = slotOf.remove(e.address);
                    if (slot == null) {
                        unmatchedFrees++;
                    } else {
                        ops.free(slot);
                    }
                }
                case '<' -> {
                    pendingOld = e.address;
                    pendingLine = lineNo;
                }
                case '>' -> {
                    if (pendingOld < 0) {
                        throw new TraceFormatException(file, lineNo, line, "a '>' line without the '<' line before it");
                    }
                    Integer slot = slotOf.remove(pendingOld);
                    pendingOld = -1;
                    if (slot == null) {
                        unmatchedReallocs++;
                        continue;
                    }
                    if (e.size == 0) {
                        zero++;
                    }
                    ops.site(e.site);
                    ops.reallocate(slot, Math.max(1, Math.min(e.size, Allocator.MAX_REQUEST)));
                    slotOf.put(e.address, slot);
                }
                case '!' -> failed++;
                default -> throw new AssertionError(e.op);
            }
        }
        if (pendingOld >= 0) {
            throw new TraceFormatException(file, pendingLine, "< " + Long.toHexString(pendingOld),
                    "the trace ends after a realloc's '<' line without its '>' line");
        }
        if (ops.size() == 0) {
            throw new IllegalArgumentException(file + ": the trace has no allocation events");
        }
        ops.note("unmatched_frees", unmatchedFrees);
        ops.note("unmatched_reallocs", unmatchedReallocs);
        ops.note("failed_in_trace", failed);
        ops.note("zero_size_requests", zero);
        ops.note("lost_frees", lost);
        ops.note("live_at_end", slotOf.size());
        return ops.build();
    }

    /** One event line, parsed from its end: the caller before it may be anything. */
    private record Event(char op, long address, long size, String site) {

        static Event parse(String line, Path file, long lineNo) {
            String[] t = line.trim().split("\\s+");
            int n = t.length;
            // Events with two numbers: + > !   with one: - <
            if (n >= 3 && isOp(t[n - 3], "+>!") && (n == 3 || t[0].equals("@"))) {
                return new Event(t[n - 3].charAt(0), address(t[n - 2], line, file, lineNo), number(t[n - 1], line, file, lineNo),
                        caller(t, n - 3));
            }
            if (n >= 2 && isOp(t[n - 2], "-<") && (n == 2 || t[0].equals("@"))) {
                return new Event(t[n - 2].charAt(0), address(t[n - 1], line, file, lineNo), 0, null);
            }
            throw new TraceFormatException(file, lineNo, line,
                    "not an mtrace event (expected '[@ caller] + 0xADDR 0xSIZE', '- 0xADDR', '< 0xOLD', '> 0xNEW 0xSIZE' or '! 0xOLD 0xSIZE')");
        }

        /** The caller between the {@code @} and the event (tokens 1 to {@code end}), or null. */
        private static String caller(String[] t, int end) {
            if (end <= 1) {
                return null;
            }
            return end == 2 ? t[1] : String.join(" ", java.util.Arrays.copyOfRange(t, 1, end));
        }

        private static boolean isOp(String token, String ops) {
            return token.length() == 1 && ops.indexOf(token.charAt(0)) >= 0;
        }

        private static long address(String token, String line, Path file, long lineNo) {
            return token.equals("(nil)") ? 0 : number(token, line, file, lineNo);
        }

        private static long number(String token, String line, Path file, long lineNo) {
            if (!token.startsWith("0x") || token.length() < 3 || token.length() > 18) {
                throw new TraceFormatException(file, lineNo, line, "'" + token + "' is not a hexadecimal number like 0x1f");
            }
            try {
                return Long.parseUnsignedLong(token, 2, token.length(), 16);
            } catch (NumberFormatException e) {
                throw new TraceFormatException(file, lineNo, line, "'" + token + "' is not a hexadecimal number like 0x1f");
            }
        }
    }
}
