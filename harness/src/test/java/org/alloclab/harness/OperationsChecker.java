package org.alloclab.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Map;

import org.alloclab.harness.workload.Operations;
import org.alloclab.harness.workload.WorkloadProvider;

/**
 * Checks the rules {@link Operations.Kind} sets for a generator, once for every workload test:
 * <ul>
 *   <li>every {@code ALLOCATE} names a new slot, a size within the given bounds and a power-of-two
 *       alignment;</li>
 *   <li>every {@code FREE} and {@code REALLOCATE} names a live slot, and a reallocation's size is within
 *       the bounds;</li>
 *   <li>every {@code PHASE_END} comes with no block live and outside any frame;</li>
 *   <li>frames are balanced, and every block allocated inside a frame (its innermost one) is freed before
 *       that frame's {@code FRAME_END} — which is also to say a block that outlives a frame was not
 *       allocated inside it.</li>
 * </ul>
 * A broken rule fails with the index of the operation. What it saw comes back as a {@link Report}.
 */
final class OperationsChecker {

    private OperationsChecker() {
    }

    /**
     * What a valid sequence contained.
     *
     * @param allocationSizes        the size of every allocation, in order
     * @param allocationsInFrames    allocations made inside a frame
     * @param maxFrameDepth          the deepest nesting of frames
     * @param maxLiveAcrossFrame     the most blocks live through a whole outermost frame (allocated before
     *                               its begin, still live at its end)
     * @param maxLive                the most blocks live at once
     * @param liveAtEnd              blocks still live after the last operation (the replayer frees them)
     */
    record Report(long allocations, long frees, long reallocations, long phases, long frames,
                  long allocationsInFrames, int maxFrameDepth, int maxLiveAcrossFrame, int maxLive, int liveAtEnd,
                  long[] allocationSizes) {

        /** The median allocation size. */
        long medianSize() {
            long[] sorted = allocationSizes.clone();
            Arrays.sort(sorted);
            return sorted[sorted.length / 2];
        }

        /** The share of allocation sizes {@code size} satisfies. */
        double shareOfSizes(java.util.function.LongPredicate size) {
            return (double) Arrays.stream(allocationSizes).filter(size).count() / allocationSizes.length;
        }
    }

    /** Checks {@code ops} with sizes anywhere from 1 to {@code Long.MAX_VALUE}. */
    static Report check(Operations ops) {
        return check(ops, 1, Long.MAX_VALUE);
    }

    /** Checks {@code ops}, every requested size within {@code [minSize, maxSize]}. */
    static Report check(Operations ops, long minSize, long maxSize) {
        int slots = ops.slotCount();
        boolean[] seen = new boolean[slots];
        boolean[] live = new boolean[slots];
        int[] openFrames = new int[16];               // per depth: how many blocks were allocated in the open frame
        int[][] frameSlots = new int[16][];           // per depth: their slots
        int depth = 0;
        int liveCount = 0;
        long allocations = 0, frees = 0, reallocations = 0, phases = 0, frames = 0, inFrames = 0;
        int maxDepth = 0, maxAcross = 0, maxLive = 0;
        long[] sizes = new long[Math.max(16, slots)];

        for (int i = 0; i < ops.size(); i++) {
            int slot = ops.slot(i);
            switch (ops.kind(i)) {
                case ALLOCATE -> {
                    require(slot >= 0 && slot < slots && !seen[slot], i, "allocation into a used or unknown slot " + slot);
                    requireSize(ops.requestSize(i), minSize, maxSize, i);
                    long alignment = ops.alignment(i);
                    require(alignment > 0 && Long.bitCount(alignment) == 1, i, "alignment " + alignment + " is not a power of two");
                    seen[slot] = true;
                    live[slot] = true;
                    maxLive = Math.max(maxLive, ++liveCount);
                    sizes[(int) allocations++] = ops.requestSize(i);
                    if (depth > 0) {
                        inFrames++;
                        int n = openFrames[depth]++;
                        if (frameSlots[depth] == null) {
                            frameSlots[depth] = new int[64];
                        } else if (n == frameSlots[depth].length) {
                            frameSlots[depth] = Arrays.copyOf(frameSlots[depth], n * 2);
                        }
                        frameSlots[depth][n] = slot;
                    }
                }
                case FREE -> {
                    require(slot >= 0 && slot < slots && live[slot], i, "free of slot " + slot + ", which is not live");
                    live[slot] = false;
                    liveCount--;
                    frees++;
                }
                case REALLOCATE -> {
                    require(slot >= 0 && slot < slots && live[slot], i, "reallocation of slot " + slot + ", which is not live");
                    requireSize(ops.requestSize(i), minSize, maxSize, i);
                    reallocations++;
                }
                case PHASE_END -> {
                    require(liveCount == 0, i, "a phase ends with " + liveCount + " blocks live");
                    require(depth == 0, i, "a phase ends inside a frame");
                    phases++;
                }
                case FRAME_BEGIN -> {
                    depth++;
                    if (depth == openFrames.length) {
                        openFrames = Arrays.copyOf(openFrames, depth * 2);
                        frameSlots = Arrays.copyOf(frameSlots, depth * 2);
                    }
                    openFrames[depth] = 0;
                    maxDepth = Math.max(maxDepth, depth);
                    frames++;
                }
                case FRAME_END -> {
                    require(depth > 0, i, "a frame ends that never began");
                    for (int k = 0; k < openFrames[depth]; k++) {
                        int s = frameSlots[depth][k];
                        require(!live[s], i, "block " + s + ", allocated inside the frame, outlives it");
                    }
                    openFrames[depth] = 0;
                    depth--;
                    if (depth == 0) {
                        maxAcross = Math.max(maxAcross, liveCount);   // only blocks from before the frame can be live
                    }
                }
            }
        }
        require(depth == 0, ops.size(), depth + " frames never end");
        return new Report(allocations, frees, reallocations, phases, frames, inFrames, maxDepth, maxAcross, maxLive,
                liveCount, Arrays.copyOf(sizes, (int) allocations));
    }

    /** Whether {@code a} and {@code b} are the same operations. */
    static boolean same(Operations a, Operations b) {
        if (a.size() != b.size() || a.slotCount() != b.slotCount()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (a.kind(i) != b.kind(i) || a.slot(i) != b.slot(i) || a.requestSize(i) != b.requestSize(i)
                    || a.alignment(i) != b.alignment(i)) {
                return false;
            }
        }
        return true;
    }

    /** A hash of every operation, to pin a generator's output for a seed. */
    static long fingerprint(Operations ops) {
        long h = 1125899906842597L;
        for (int i = 0; i < ops.size(); i++) {
            h = 31 * h + ops.kind(i).ordinal();
            h = 31 * h + ops.slot(i);
            h = 31 * h + ops.requestSize(i);
            h = 31 * h + ops.alignment(i);
        }
        return h;
    }

    /** Asserts that {@code provider} with {@code given} makes the same operations from a seed, and others from another. */
    static void assertSeeded(WorkloadProvider provider, Map<String, ?> given) {
        var p = provider.resolve(given);
        Operations a = provider.generate("w", p, 1);
        assertThat(same(a, provider.generate("w", p, 1))).as("the same seed gives the same operations").isTrue();
        assertThat(same(a, provider.generate("w", p, 2))).as("another seed gives other operations").isFalse();
        assertThat(a.name()).isEqualTo("w");
    }

    private static void requireSize(long size, long min, long max, int i) {
        require(size >= min && size <= max, i, "size " + size + " is outside [" + min + ", " + max + "]");
    }

    private static void require(boolean rule, int i, String what) {
        if (!rule) {
            throw new AssertionError("operation " + i + ": " + what);
        }
    }
}
