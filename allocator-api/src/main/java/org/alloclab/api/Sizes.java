package org.alloclab.api;

import java.util.Locale;
import java.util.regex.Pattern;

/** Byte arithmetic and the byte-size notation used in parameters, configurations and reports. */
public final class Sizes {

    /** 1024 bytes. */
    public static final long KiB = 1L << 10;
    /** 1024 KiB. */
    public static final long MiB = 1L << 20;
    /** 1024 MiB. */
    public static final long GiB = 1L << 30;
    /** 1024 GiB. */
    public static final long TiB = 1L << 40;

    /**
     * The largest byte size {@link #parse} accepts: 64 TiB, {@link Allocator#MAX_REQUEST}. No space alloclab
     * manages is larger, and a bound far below {@code Long.MAX_VALUE} keeps the arithmetic done on a size
     * (rounding up, adding a page) from overflowing into a small or negative figure.
     */
    public static final long MAX = Allocator.MAX_REQUEST;

    private static final Pattern SIZE = Pattern.compile(
            "\\s*(\\d+)\\s*(b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib|p|pb|pib|e|eb|eib)?\\s*", Pattern.CASE_INSENSITIVE);

    private Sizes() {
    }

    /** Whether {@code value} is a power of two (1, 2, 4, …). */
    public static boolean isPowerOfTwo(long value) {
        return value > 0 && (value & (value - 1)) == 0;
    }

    /** {@code value} rounded up to a multiple of {@code alignment}, a power of two. */
    public static long alignUp(long value, long alignment) {
        return (value + alignment - 1) & -alignment;
    }

    /** {@code value} rounded down to a multiple of {@code alignment}, a power of two. */
    public static long alignDown(long value, long alignment) {
        return value & -alignment;
    }

    /** An address as {@code 0x} and lower-case hex digits. */
    public static String hex(long address) {
        return "0x" + Long.toHexString(address);
    }

    /**
     * Parses a byte size: digits with an optional unit, {@code 4096}, {@code 64k}, {@code 64KiB},
     * {@code 1 MiB}, {@code 2g}. Units are binary (k = 1024). Every unit up to exbibytes is read, so that a
     * size too large is told apart from text that is no size at all.
     *
     * @throws IllegalArgumentException naming the text when it is not a size, or is one larger than {@link #MAX}
     */
    public static long parse(String text) {
        var m = SIZE.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a byte size (examples: 4096, 64KiB, 1MiB, 2GiB)");
        }
        long shift = switch (m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT).substring(0, 1)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            case "p" -> 50;
            case "e" -> 60;
            default -> 0;
        };
        long number;
        try {
            number = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            number = Long.MAX_VALUE;                       // more digits than a long holds: too large below
        }
        if (number > (MAX >> shift)) {
            throw new IllegalArgumentException("'" + text.strip() + "' is a byte size, but too large: the largest is "
                    + format(MAX) + ", beyond any space alloclab manages");
        }
        return number << shift;
    }

    /** A byte count for people: {@code 512 B}, {@code 64 KiB}, {@code 1.5 MiB}. */
    public static String format(long bytes) {
        long abs = Math.abs(bytes);
        if (abs < KiB) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        int unit = (63 - Long.numberOfLeadingZeros(abs)) / 10 - 1;
        double value = bytes / (double) (1L << (10 * (unit + 1)));
        return (value == Math.rint(value) ? String.format(Locale.ROOT, "%.0f", value)
                : String.format(Locale.ROOT, "%.1f", value)) + " " + units[unit];
    }
}
