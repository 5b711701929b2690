package org.alloclab.harness.workload;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

import org.alloclab.api.Allocator;

/**
 * Reads a glibc {@code mtrace(3)} log — plain or gzipped, told apart by its first bytes — into
 * {@link Operations}. It accepts every line glibc's {@code malloc/mtrace-impl.c} writes (2.34 to 2.38; 2.33's
 * {@code mtrace.c} and later ones write the same forms), that is pointers as {@code %p} ({@code 0x…}, a null
 * one {@code (nil)}) and sizes as {@code %#lx} ({@code 0x…}, a zero size plain {@code 0}):
 * <pre>
 *   [@ CALLER] + 0xADDR 0xSIZE    malloc, calloc, memalign, posix_memalign, aligned_alloc, valloc, pvalloc,
 *                                 and realloc(NULL, n) that worked; malloc(0) is  + 0xADDR 0
 *   [@ CALLER] + (nil) 0xSIZE     any of those that failed (also  + (nil) 0)
 *   [@ CALLER] - 0xADDR           free, or realloc(p, 0) that freed p (free(NULL) writes nothing)
 *   [@ CALLER] - (nil)            realloc(NULL, 0) that failed
 *   [@ CALLER] &lt; 0xOLD            realloc(p, n) that worked: this line and the next belong together
 *   [@ CALLER] &gt; 0xNEW 0xSIZE     (NEW == OLD when it grew or shrank in place; a size of 0 is taken too)
 *   [@ CALLER] ! 0xOLD 0xSIZE     failed realloc: nothing changed (OLD is (nil) for realloc(NULL, n))
 *   = Start / = End               markers: anywhere, any number of times, or missing (any line
 *                                 starting with = is taken as a marker and skipped)
 *   (a blank line)                skipped
 * </pre>
 * The caller, written by glibc's {@code tr_where}, is one of {@code @ FILE:(SYM+OFF)[0xADDR]},
 * {@code @ FILE:(SYM-OFF)[0xADDR]}, {@code @ FILE:[0xADDR]}, {@code @ (SYM+OFF)[0xADDR]} or {@code @ [0xADDR]}
 * (OFF is hexadecimal, glibc writes it without {@code 0x}; FILE may be empty). FILE is a path and may hold
 * spaces, parentheses or brackets, so the event is found from the end of the line and the caller is
 * everything between the {@code @} and the event (glibc's ends with {@code ]}; any text is taken). The caller of an allocation
 * or reallocation is kept as its site ({@link Operations#site(int)}), for the {@code sites} layer's report.
 * Leading and trailing white space, CRLF line ends included, is ignored. Sizes and addresses are hexadecimal
 * with {@code 0x} (either case), at most 16 digits (more would be past 64 bits: refused); the one number
 * without {@code 0x} taken is a size of {@code 0}.
 *
 * <h2>What does not match</h2>
 * A program's blocks allocated before tracing started (a trace begun by {@code mtrace()} in a running
 * program, or a stretch between {@code = End} and the next {@code = Start}) are freed or reallocated later
 * without having been seen. Such frees and reallocations are skipped and counted ({@code unmatched_frees},
 * {@code unmatched_reallocs}); a later free of the block an unmatched reallocation returned is unmatched
 * too, and counted with them. Calls the program saw fail ({@code + (nil) …}, {@code - (nil)},
 * {@code ! …}) change nothing and are counted ({@code failed_in_trace}). A size of 0 ({@code malloc(0)},
 * or a reallocation to 0 that returned a block) is replayed as one byte ({@code zero_size_requests}), since
 * every alloclab block has an address of its own. Every other size is replayed as written, or not at all:
 * a size above {@link Allocator#MAX_REQUEST} (64 TiB; glibc's sizes are unsigned, so a size of 2^63 or more
 * is one too) is more than any strategy is ever asked for, and more than the traced program's machine can
 * have given: a damaged trace or a program bug, never a request worth measuring. Replaying it as an
 * allocation expected to fail would only measure a strategy's argument check, and would leave every later
 * operation on the block with nothing to act on; so it is skipped and counted ({@code oversized_requests}),
 * the first lines are named in a warning when the workload is prepared, and its block is left out with it
 * (its free and reallocations are skipped too). A reallocation to such a size leaves the block as it was.
 * A free of a block the trace had already freed (and nothing allocated there since) is a double free,
 * skipped and counted ({@code double_frees}, the first lines named in the warning), not mistaken for a block
 * from before tracing; the last {@value #FREES_REMEMBERED} freed addresses are remembered for that, so
 * a double free more frees than that after the first counts as unmatched. An address allocated, or reallocated to, again without a
 * free in between (a lost free) frees the old block first ({@code lost_frees}). Alignment requests are not
 * in the format: every block asks for the alignment given (16 by default, what {@code malloc} promises on
 * x86-64).
 *
 * <p>Any other line stops the reading with a {@link TraceFormatException} naming the file, the line and
 * why: an unknown event, a number that is not {@code 0x…} hexadecimal (a size of {@code 12}, {@code 0xZZ}),
 * a null pointer where glibc never writes one ({@code <} and {@code >} lines), text before the event that
 * is not a caller {@code @ …}, or a {@code <} line not followed by its {@code >} line.
 */
public final class MtraceReader {

    /** How many of a kind of event the warnings name by line. */
    private static final int LINES_NAMED = 3;
    /**
     * How many of the latest freed addresses are remembered to tell a double free from an unmatched free
     * (about 20 MB): a double free comes after more frees than this only in a trace far longer than any
     * tried, and is then counted as unmatched.
     */
    static final int FREES_REMEMBERED = 1 << 20;
    /** The slot of a block the reader left out (an oversized request): its free and reallocations are skipped with it. */
    private static final int LEFT_OUT = -2;

    private MtraceReader() {
    }

    /**
     * Reads {@code file} into operations named {@code name}, held in memory (see
     * {@link #read(Path, Operations.Builder, int)} for a trace of any length).
     *
     * @param alignment the alignment every allocation asks for
     * @throws TraceFormatException naming file and line of the first malformed line
     * @throws UncheckedIOException when the file cannot be read
     */
    public static Operations read(Path file, String name, int alignment) {
        var ops = Operations.builder(name);
        read(file, ops, alignment);
        return ops.build();
    }

    /**
     * Reads {@code file} into {@code ops} as it goes, line after line: the reader holds only what the
     * traced program has live (about 40 bytes a block) and the last {@link #FREES_REMEMBERED} freed
     * addresses, so a builder that spills ({@link OperationsFile.Writer#stream}) takes a trace of any length.
     *
     * @param alignment the alignment every allocation asks for
     * @throws TraceFormatException naming file and line of the first malformed line, or of the line where a
     *                              gzipped trace is cut short or damaged
     * @throws IllegalArgumentException when the Java heap runs out, saying how to give it more
     * @throws UncheckedIOException when the file cannot be read
     */
    public static void read(Path file, Operations.Builder ops, int alignment) {
        try (InputStream in = open(file);
             var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.ISO_8859_1), 1 << 16)) {
            new Parse(file, ops, alignment, in instanceof GZIPInputStream).run(reader);
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
        if (b0 == 0x1f && b1 == 0x8b) {
            try {
                return new GZIPInputStream(in, 1 << 16);
            } catch (EOFException e) {
                in.close();
                throw new TraceFormatException(file, 1, "the gzip stream ends early (the file is truncated)");
            } catch (ZipException e) {
                in.close();
                throw new TraceFormatException(file, 1, "the gzip stream is damaged (" + e.getMessage() + ")");
            }
        }
        return in;
    }

    /** One reading of a trace: the state between its lines. */
    private static final class Parse {
        private final Path file;
        private final Operations.Builder ops;
        private final int alignment;
        private final boolean gzip;
        private final AddressMap slotOf = new AddressMap();        // live address -> slot (or LEFT_OUT)
        private final RecentlyFreed freed = new RecentlyFreed(FREES_REMEMBERED);
        private int[] freeSlots = new int[1024];                    // slots whose blocks were freed, to use again
        private int freeSlotCount;
        private final Line e;
        private long unmatchedFrees;
        private long unmatchedReallocs;
        private long failed;
        private long zero;
        private long lost;
        private long oversized;
        private long doubleFrees;
        private final List<Long> oversizedLines = new ArrayList<>();
        private final List<Long> doubleFreeLines = new ArrayList<>();
        private long lineNo;

        Parse(Path file, Operations.Builder ops, int alignment, boolean gzip) {
            this.file = file;
            this.ops = ops;
            this.alignment = alignment;
            this.gzip = gzip;
            this.e = new Line(file);
        }

        void run(BufferedReader reader) {
            try {
                lines(reader);
            } catch (OutOfMemoryError oom) {
                long live = slotOf.size();
                throw new IllegalArgumentException(file + ":" + lineNo + ": the Java heap (at most "
                        + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB) ran out reading the trace, with " + live
                        + " blocks live (about 40 bytes each are kept while reading); give alloclab a larger heap,"
                        + " e.g. ALLOCLAB_JAVA_OPTS=-Xmx8g ./alloclab ...", oom);
            }
        }

        private String next(BufferedReader reader) {
            try {
                return reader.readLine();
            } catch (EOFException ex) {
                throw new TraceFormatException(file, lineNo + 1, gzip ? "the gzip stream ends early (the file is truncated)"
                        : "the file ends early: " + ex.getMessage());
            } catch (ZipException ex) {
                throw new TraceFormatException(file, lineNo + 1, "the gzip stream is damaged (" + ex.getMessage() + ")");
            } catch (IOException ex) {
                throw new UncheckedIOException("cannot read trace " + file + " at line " + (lineNo + 1) + ": "
                        + ex.getMessage(), ex);
            }
        }

        private void lines(BufferedReader reader) {
            boolean pending = false;       // a '<' line waits for its '>'
            long pendingOld = 0;           // its address,
            long pendingLine = 0;          // its line number
            String pendingText = null;     // and its text
            String line;
            while ((line = next(reader)) != null) {
                lineNo++;
                char op = e.parse(line, lineNo);
                if (op == Line.BLANK) {
                    continue;
                }
                if (pending && op != '>') {
                    throw new TraceFormatException(file, lineNo, line, "a realloc's '<' line (line " + pendingLine
                            + ") must be followed by its '>' line");
                }
                switch (op) {
                    case '+' -> {
                        if (e.address == 0) {
                            failed++;
                            continue;
                        }
                        int old = slotOf.remove(e.address);
                        if (old >= 0) {
                            free(old);
                            lost++;
                        }
                        freed.forget(e.address);
                        if (oversized(e.size)) {
                            slotOf.put(e.address, LEFT_OUT);
                            continue;
                        }
                        if (e.size == 0) {
                            zero++;
                        }
                        ops.site(e.site);
                        long bytes = Math.max(1, e.size);
                        int slot;
                        if (freeSlotCount > 0) {
                            slot = freeSlots[--freeSlotCount];
                            ops.allocateAgain(slot, bytes, alignment);
                        } else {
                            slot = ops.allocate(bytes, alignment);
                        }
                        slotOf.put(e.address, slot);
                    }
                    case '-' -> {
                        if (e.address == 0) {
                            failed++;          // realloc(NULL, 0) that failed; free(NULL) writes nothing
                            continue;
                        }
                        int slot = slotOf.remove(e.address);
                        if (slot == AddressMap.ABSENT) {
                            if (freed.contains(e.address)) {
                                doubleFrees++;
                                if (doubleFreeLines.size() < LINES_NAMED) {
                                    doubleFreeLines.add(lineNo);
                                }
                            } else {
                                unmatchedFrees++;
                            }
                        } else {
                            if (slot >= 0) {
                                free(slot);
                            }
                            freed.add(e.address);
                        }
                    }
                    case '<' -> {
                        pending = true;
                        pendingOld = e.address;
                        pendingLine = lineNo;
                        pendingText = line;
                    }
                    case '>' -> {
                        if (!pending) {
                            throw new TraceFormatException(file, lineNo, line, "a '>' line without the '<' line before it");
                        }
                        pending = false;
                        int slot = slotOf.remove(pendingOld);
                        if (slot == AddressMap.ABSENT) {
                            unmatchedReallocs++;
                            continue;
                        }
                        if (e.address != pendingOld) {
                            freed.add(pendingOld);
                            int other = slotOf.remove(e.address);
                            if (other >= 0) {
                                free(other);
                                lost++;
                            }
                            freed.forget(e.address);
                        }
                        if (slot >= 0 && !oversized(e.size)) {
                            if (e.size == 0) {
                                zero++;
                            }
                            ops.site(e.site);
                            ops.reallocate(slot, Math.max(1, e.size));
                        }
                        slotOf.put(e.address, slot);
                    }
                    case '!' -> failed++;
                    case '=' -> { }
                    default -> throw new AssertionError(op);
                }
            }
            if (pending) {
                throw new TraceFormatException(file, pendingLine, pendingText,
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
            ops.note("oversized_requests", oversized);
            ops.note("double_frees", doubleFrees);
            ops.note("live_at_end", slotOf.size());
            if (oversized > 0) {
                ops.warn(file + ": " + oversized + " request" + (oversized == 1 ? "" : "s") + " of more than "
                        + Allocator.MAX_REQUEST + " bytes (64 TiB, the most any strategy is asked for) skipped with "
                        + (oversized == 1 ? "its block" : "their blocks") + " (oversized_requests), at " + where(oversizedLines, oversized));
            }
            if (doubleFrees > 0) {
                ops.warn(file + ": " + doubleFrees + " free" + (doubleFrees == 1 ? "" : "s") + " of a block the trace"
                        + " had already freed skipped (double_frees), at " + where(doubleFreeLines, doubleFrees));
            }
        }

        /**
         * Whether {@code size} (unsigned: glibc writes a size_t) is more than any strategy is asked for; then
         * the request is counted and its line kept for the warning.
         */
        private boolean oversized(long size) {
            if (Long.compareUnsigned(size, Allocator.MAX_REQUEST) <= 0) {
                return false;
            }
            oversized++;
            if (oversizedLines.size() < LINES_NAMED) {
                oversizedLines.add(lineNo);
            }
            return true;
        }

        private String where(List<Long> lines, long count) {
            var s = new StringBuilder();
            for (long l : lines) {
                s.append(s.isEmpty() ? "" : ", ").append(file.getFileName()).append(':').append(l);
            }
            return count > lines.size() ? s + ", …" : s.toString();
        }

        private void free(int slot) {
            ops.free(slot);
            if (freeSlotCount == freeSlots.length) {
                freeSlots = java.util.Arrays.copyOf(freeSlots, freeSlotCount * 2);
            }
            freeSlots[freeSlotCount++] = slot;
        }
    }

    /**
     * The last {@code capacity} addresses freed and not allocated again since: a ring of them in the order
     * freed, and a map from each to its place in the ring. An address pushed out of the ring is forgotten.
     */
    private static final class RecentlyFreed {
        private final long[] ring;
        private final AddressMap at = new AddressMap();
        private int next;

        RecentlyFreed(int capacity) {
            ring = new long[capacity];
        }

        void add(long address) {
            long out = ring[next];
            if (out != 0 && at.get(out) == next) {
                at.remove(out);
            }
            ring[next] = address;
            at.put(address, next);
            next = (next + 1) % ring.length;
        }

        boolean contains(long address) {
            return at.get(address) != AddressMap.ABSENT;
        }

        void forget(long address) {
            at.remove(address);
        }
    }

    /**
     * One line, parsed in place from its end (the caller before the event may hold anything), without
     * splitting it: {@link #parse} fills the fields and returns the event's character. One is reused for
     * every line of a trace.
     */
    private static final class Line {
        static final char BLANK = 0;

        private final Path file;
        private String text;
        private long lineNo;
        /** The event: one of {@code + - < > ! =}. */
        char op;
        /** The address, 0 for {@code (nil)}. */
        long address;
        /** The size of a {@code +}, {@code >} or {@code !} line. */
        long size;
        /** The caller of a {@code +} or {@code >} line, or null. */
        String site;

        Line(Path file) {
            this.file = file;
        }

        char parse(String line, long number) {
            text = line;
            lineNo = number;
            site = null;
            address = 0;
            size = 0;
            int end = line.length();
            while (end > 0 && line.charAt(end - 1) <= ' ') {
                end--;
            }
            if (end == 0) {
                return op = BLANK;
            }
            int start = 0;
            while (line.charAt(start) <= ' ') {
                start++;
            }
            if (line.charAt(start) == '=') {
                // glibc writes '= Start' and '= End'; any line starting with '=' is a marker (a note a
                // recording tool added, say): it carries no event
                return op = '=';
            }
            // the last three tokens, [s1, end) the last; an absent one is empty (any text before start is blank)
            int s1 = tokenStart(line, end);
            int e2 = blankStart(line, s1);
            int s2 = tokenStart(line, e2);
            int e3 = blankStart(line, s2);
            int s3 = tokenStart(line, e3);
            int opAt;
            if (e3 - s3 == 1 && isOneOf(line.charAt(s3), "+>!")) {
                opAt = s3;
                op = line.charAt(s3);
                address = address(s2, e2);
                size = size(s1, end);
            } else if (e2 - s2 == 1 && isOneOf(line.charAt(s2), "-<")) {
                opAt = s2;
                op = line.charAt(s2);
                address = address(s1, end);
            } else {
                throw fail("not an mtrace event (expected '[@ caller] + 0xADDR 0xSIZE', '- 0xADDR', '< 0xOLD', "
                        + "'> 0xNEW 0xSIZE', '! 0xOLD 0xSIZE' or '= Start')");
            }
            if (address == 0 && (op == '<' || op == '>')) {
                throw fail("a realloc's '" + op + "' line never has a null pointer");
            }
            if (opAt > start) {
                caller(start, opAt);
            }
            return op;
        }

        /** Checks the caller in {@code [start, opAt)}, kept as the site of {@code +} and {@code >} lines. */
        private void caller(int start, int opAt) {
            String line = text;
            if (line.charAt(start) != '@' || line.charAt(start + 1) > ' ') {
                throw fail("not an mtrace event: the text before the event must be a caller '@ …'");
            }
            int from = start + 1;
            while (line.charAt(from) <= ' ') {
                from++;
            }
            int to = blankStart(line, opAt);
            if (to <= from) {
                throw fail("the caller after '@' is empty (glibc writes one like 'prog:(main+1a)[0x1139]')");
            }
            if (op == '+' || op == '>') {
                site = line.substring(from, to);
            }
        }

        /** A pointer written with {@code %p}: {@code 0x…}, or {@code (nil)} for null (0). */
        private long address(int from, int to) {
            if (to - from == 5 && text.startsWith("(nil)", from)) {
                return 0;
            }
            return hex(from, to, "an address like 0x55d0c0 or (nil)");
        }

        /** A size written with {@code %#lx}: {@code 0x…}, or {@code 0} for zero. */
        private long size(int from, int to) {
            if (to - from == 1 && text.charAt(from) == '0') {
                return 0;
            }
            return hex(from, to, "a hexadecimal number like 0x1f (or 0)");
        }

        /** {@code 0x} and 1 to 16 hexadecimal digits in {@code [from, to)}; anything else is refused as not {@code what}. */
        private long hex(int from, int to, String what) {
            int n = to - from;
            if (n < 3 || text.charAt(from) != '0' || text.charAt(from + 1) != 'x') {
                throw notA(from, to, what);
            }
            long v = 0;
            for (int i = from + 2; i < to; i++) {
                int c = text.charAt(i);
                int lower = c | 0x20;
                if (c >= '0' && c <= '9') {
                    v = v << 4 | (c - '0');
                } else if (lower >= 'a' && lower <= 'f') {
                    v = v << 4 | (lower - 'a' + 10);
                } else {
                    throw notA(from, to, what);
                }
            }
            if (n > 18) {
                // checked after the digits, so that '0x12zz…' is told apart as not a number at all
                throw fail("'" + text.substring(from, to) + "' has " + (n - 2) + " hexadecimal digits: more than 64 bits,"
                        + " which no pointer or size_t holds");
            }
            return v;
        }

        private TraceFormatException notA(int from, int to, String what) {
            return fail("'" + text.substring(from, to) + "' is not " + what);
        }

        private TraceFormatException fail(String reason) {
            return new TraceFormatException(file, lineNo, text, reason);
        }

        private static boolean isOneOf(char c, String chars) {
            return chars.indexOf(c) >= 0;
        }

        /** The start of the run of non-blank characters that ends at {@code end}. */
        private static int tokenStart(String s, int end) {
            int i = end;
            while (i > 0 && s.charAt(i - 1) > ' ') {
                i--;
            }
            return i;
        }

        /** The start of the run of blank characters that ends at {@code end}. */
        private static int blankStart(String s, int end) {
            int i = end;
            while (i > 0 && s.charAt(i - 1) <= ' ') {
                i--;
            }
            return i;
        }
    }
}
