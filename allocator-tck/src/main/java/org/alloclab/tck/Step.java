package org.alloclab.tck;

import java.util.ArrayList;
import java.util.List;

/**
 * One action of a model-based run, with its arguments fixed, so a run can be replayed and shrunk.
 * Blocks are named by a <em>token</em> given when the allocating step was generated; a step naming a
 * token that is not live when the step is replayed (its allocation was shrunk away, or failed) is
 * skipped, which keeps every shrunk sequence meaningful.
 */
sealed interface Step {

    /**
     * Variants of this step that are simpler (smaller sizes, weaker alignments), simplest first.
     *
     * @param minSize the smallest size the contract may request
     */
    default List<Step> simpler(long minSize) {
        return List.of();
    }

    /** {@code token = allocate(size, alignment)}. */
    record Allocate(int token, long size, long alignment) implements Step {
        @Override
        public List<Step> simpler(long minSize) {
            var out = new ArrayList<Step>();
            for (long s : smaller(size, minSize)) {
                out.add(new Allocate(token, s, alignment));
            }
            for (long a : new long[] {1, 8, alignment / 2}) {
                if (a >= 1 && a < alignment && out.stream().noneMatch(st -> ((Allocate) st).alignment == a)) {
                    out.add(new Allocate(token, size, a));
                }
            }
            return out;
        }
    }

    /** {@code free(token)}. */
    record Free(int token) implements Step {
    }

    /** {@code token = reallocate(token, newSize)}. */
    record Reallocate(int token, long newSize) implements Step {
        @Override
        public List<Step> simpler(long minSize) {
            return smaller(newSize, minSize).stream().<Step>map(s -> new Reallocate(token, s)).toList();
        }
    }

    /** {@code reset()}; replayed only when no frame is open. */
    record Reset() implements Step {
    }

    /** {@code pushFrame()}. */
    record PushFrame() implements Step {
    }

    /** {@code popFrame(innermost)}; replayed only when a frame is open. */
    record PopFrame() implements Step {
    }

    /**
     * Smaller sizes to try while shrinking, biggest jump first: the minimum, the power of two below,
     * then {@code size - d} for {@code d} = half the distance to the minimum, a quarter, … 1 — so a
     * size that must stay above some threshold reaches it in logarithmically many steps.
     */
    private static List<Long> smaller(long size, long minSize) {
        var out = new ArrayList<Long>();
        out.add(minSize);
        out.add(Long.highestOneBit(Math.max(1, size - 1)));
        for (long d = (size - minSize) / 2; d >= 1; d /= 2) {
            out.add(size - d);
        }
        out.add(size - 1);
        return out.stream().filter(c -> c >= minSize && c < size).distinct().toList();
    }
}
