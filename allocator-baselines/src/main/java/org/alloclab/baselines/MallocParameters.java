package org.alloclab.baselines;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * glibc's tunables as a new C process has them: {@code mmap_threshold} and {@code trim_threshold} at
 * 128 KiB and the <em>dynamic</em> threshold on. glibc raises both thresholds as a process frees large
 * mmapped blocks, so a block of that size is next served from the heap; by the time alloclab runs, the
 * JVM has done so. {@code mallopt} can put the values back, but any {@code mallopt} of these parameters
 * also sets {@code mp_.no_dyn_threshold}, which switches the dynamic adjustment off for good — a
 * behaviour no real program run with defaults has. So {@link #makeFresh()} sets the values with
 * {@code mallopt} and then clears that one flag in glibc's {@code mp_} directly.
 *
 * <h2>Finding {@code mp_.no_dyn_threshold}</h2>
 * {@code mp_} is a static of the C library, not exported. Its layout begins, in every glibc since 2.26,
 * with {@code trim_threshold}, {@code top_pad}, {@code mmap_threshold} (words 0, 1, 2), and holds later
 * the ints {@code n_mmaps_max}, {@code max_n_mmaps}, {@code no_dyn_threshold} in a row (where depends on the
 * version: 2.35 added three fields before them). Once per process, distinctive values are set with
 * {@code mallopt} for the trim and mmap thresholds and {@code M_MMAP_MAX}, and the C library's writable
 * data is searched for them; exactly one place must match, twice, with two different sets of values, and
 * the flag two ints after {@code n_mmaps_max} must read 1 (as {@code mallopt} just set it). Anything else
 * — no match, several — leaves the flag alone: {@link #fault()} says why, and the thresholds are then
 * pinned at 128 KiB with the dynamic adjustment off, as before.
 */
final class MallocParameters {

    /** {@code DEFAULT_MMAP_THRESHOLD_MIN} and {@code DEFAULT_TRIM_THRESHOLD}: 128 KiB. */
    static final int DEFAULT_THRESHOLD = 128 * 1024;
    /** {@code DEFAULT_MMAP_MAX}. */
    static final int DEFAULT_MMAP_MAX = 65536;
    static final int M_MMAP_MAX = -4;

    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    /** Address of {@code mp_} as the last search found it. */
    private static long base;
    /** Address of {@code mp_.no_dyn_threshold}, or 0 when not found. */
    private static final long NO_DYN_THRESHOLD;
    private static final String FAULT;

    static {
        long found = 0;
        String fault;
        try {
            long first = locate(0x3A5B000, 0x1C3D000, 0x2B3C1);
            long second = locate(0x4C2D000, 0x0E1F000, 0x1D2E3);
            if (first != second) {
                fault = "two searches of glibc's data for mp_ found different places";
            } else {
                found = first;
                fault = null;
            }
        } catch (IllegalStateException e) {
            fault = e.getMessage();
        }
        NO_DYN_THRESHOLD = found;
        FAULT = fault;
        setDefaults();
    }

    private MallocParameters() {
    }

    /**
     * Puts glibc's thresholds back to a new process's: 128 KiB each, {@code M_MMAP_MAX} 65,536, and the
     * dynamic adjustment on when {@code mp_} was found (see the class comment). Returns whether it was.
     */
    static boolean makeFresh() {
        setDefaults();
        if (NO_DYN_THRESHOLD == 0) {
            return false;
        }
        ALL.set(ValueLayout.JAVA_INT, NO_DYN_THRESHOLD, 0);
        return true;
    }

    /** Why the dynamic threshold cannot be switched back on, or null when it can. */
    static String fault() {
        return FAULT;
    }

    /** {@code mp_.mmap_threshold} now, or -1 when {@code mp_} was not found. */
    static long mmapThreshold() {
        return NO_DYN_THRESHOLD == 0 ? -1 : ALL.get(ValueLayout.JAVA_LONG, base + 16);
    }

    /** Whether glibc's dynamic mmap threshold is on now; false when {@code mp_} was not found. */
    static boolean dynamic() {
        return NO_DYN_THRESHOLD != 0 && ALL.get(ValueLayout.JAVA_INT, NO_DYN_THRESHOLD) == 0;
    }

    private static void setDefaults() {
        Libc.mallopt(Libc.M_TRIM_THRESHOLD, DEFAULT_THRESHOLD);
        Libc.mallopt(Libc.M_MMAP_THRESHOLD, DEFAULT_THRESHOLD);
        Libc.mallopt(M_MMAP_MAX, DEFAULT_MMAP_MAX);
    }

    /** Sets the three values, finds the one place in glibc's data that holds them: the address of no_dyn_threshold. */
    private static long locate(int trim, int mmap, int mmapMax) {
        if (!Libc.mallopt(Libc.M_TRIM_THRESHOLD, trim) || !Libc.mallopt(Libc.M_MMAP_THRESHOLD, mmap)
                || !Libc.mallopt(M_MMAP_MAX, mmapMax)) {
            throw new IllegalStateException("glibc refused a mallopt setting");
        }
        var matches = new ArrayList<Long>();
        for (long[] range : writableData()) {
            for (long a = range[0]; a + 24 <= range[1]; a += 8) {
                if (ALL.get(ValueLayout.JAVA_LONG, a) != trim || ALL.get(ValueLayout.JAVA_LONG, a + 16) != mmap) {
                    continue;
                }
                for (long k = 40; k <= 96 && a + k + 12 <= range[1]; k += 4) {
                    if (ALL.get(ValueLayout.JAVA_INT, a + k) == mmapMax && ALL.get(ValueLayout.JAVA_INT, a + k + 8) == 1) {
                        matches.add(a + k + 8);
                        base = a;
                    }
                }
            }
        }
        if (matches.size() != 1) {
            throw new IllegalStateException("glibc's mp_ not found in its data (" + matches.size() + " places matched)");
        }
        return matches.getFirst();
    }

    /** The C library's writable mappings: its own read-write segment and the anonymous one (.bss) right after. */
    private static List<long[]> writableData() {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc/self/maps"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self/maps: " + e.getMessage());
        }
        var ranges = new ArrayList<long[]>();
        boolean afterLibc = false;
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 5) {
                continue;
            }
            String path = f.length >= 6 ? f[5] : "";
            boolean writable = f[1].startsWith("rw");
            boolean libc = path.contains("/libc.so") || path.contains("/libc-2.");
            if (writable && (libc || afterLibc && path.isEmpty())) {
                String[] span = f[0].split("-");
                ranges.add(new long[] {Long.parseUnsignedLong(span[0], 16), Long.parseUnsignedLong(span[1], 16)});
            }
            afterLibc = libc;
        }
        if (ranges.isEmpty()) {
            throw new IllegalStateException("no writable mapping of the C library in /proc/self/maps");
        }
        return ranges;
    }
}
