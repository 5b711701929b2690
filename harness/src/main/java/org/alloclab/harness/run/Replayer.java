package org.alloclab.harness.run;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

import org.HdrHistogram.Histogram;
import org.alloclab.api.Allocator;
import org.alloclab.api.Capability;
import org.alloclab.api.Memory;
import org.alloclab.api.VirtualMemory;
import org.alloclab.harness.workload.Operations;
import org.alloclab.harness.workload.Operations.Kind;

/**
 * Replays {@link Operations} against one allocator, timing each call with {@link System#nanoTime()} into
 * an HdrHistogram per operation kind, and keeping its own account of live bytes.
 *
 * <p>Strategies that lack an operation still run the same workload: without {@link Capability#FREE} a
 * free is deferred (the block stays held) and the strategy is reset at each phase end if it can be;
 * without {@link Capability#REALLOCATE} a resize is an allocate, copy and free. At the end every
 * surviving block is freed (or the strategy reset) to measure what the strategy gives back, and
 * {@link Allocator#verify()} is called, so every run is also a correctness check.
 */
public final class Replayer {

    /** What is written into each new block. */
    public enum Touch {
        /** nothing: the block's pages may never become resident */
        NONE,
        /** its first bytes (up to 8) */
        FIRST,
        /** every byte */
        ALL
    }

    private final Touch touch;

    /** A replayer that writes {@code touch} into new blocks. */
    public Replayer(Touch touch) {
        this.touch = touch;
    }

    /**
     * Replays {@code ops}.
     *
     * @param label     the strategy's label for the result
     * @param allocator a fresh allocator over {@code vm}
     * @param vm        the run's own virtual memory
     */
    public RunResult replay(String label, Map<String, Object> parameters, Operations ops, Allocator allocator,
                            VirtualMemory vm) {
        boolean canFree = allocator.supports(Capability.FREE);
        boolean canRealloc = allocator.supports(Capability.REALLOCATE);
        boolean canReset = allocator.supports(Capability.RESET);
        Memory memory = allocator.memory();
        var histograms = new EnumMap<Kind, Histogram>(Kind.class);
        for (Kind k : Kind.values()) {
            histograms.put(k, new Histogram(3));
        }
        Histogram allocateTimes = histograms.get(Kind.ALLOCATE);
        Histogram freeTimes = histograms.get(Kind.FREE);
        Histogram reallocTimes = histograms.get(Kind.REALLOCATE);
        Histogram resetTimes = histograms.get(Kind.PHASE_END);

        long[] address = new long[ops.slotCount()];
        long[] requested = new long[ops.slotCount()];
        long live = 0;
        long peakLive = 0;
        long failures = 0;
        long skipped = 0;
        long deferred = 0;
        long started = System.nanoTime();

        for (int i = 0, n = ops.size(); i < n; i++) {
            int slot = ops.slot(i);
            switch (ops.kind(i)) {
                case ALLOCATE -> {
                    long size = ops.requestSize(i);
                    long t0 = System.nanoTime();
                    long a = allocator.allocate(size, ops.alignment(i));
                    allocateTimes.recordValue(System.nanoTime() - t0);
                    if (a == 0) {
                        failures++;
                        continue;
                    }
                    address[slot] = a;
                    requested[slot] = size;
                    live += size;
                    peakLive = Math.max(peakLive, live);
                    touch(memory, a, size, slot);
                }
                case FREE -> {
                    long a = address[slot];
                    if (a == 0) {
                        skipped++;
                        continue;
                    }
                    if (canFree) {
                        long t0 = System.nanoTime();
                        allocator.free(a);
                        freeTimes.recordValue(System.nanoTime() - t0);
                    } else {
                        deferred++;
                    }
                    address[slot] = 0;
                    live -= requested[slot];
                }
                case REALLOCATE -> {
                    long a = address[slot];
                    if (a == 0) {
                        skipped++;
                        continue;
                    }
                    long size = ops.requestSize(i);
                    long t0 = System.nanoTime();
                    long moved = canRealloc ? allocator.reallocate(a, size) : emulateReallocate(allocator, a, requested[slot], size, canFree);
                    reallocTimes.recordValue(System.nanoTime() - t0);
                    if (moved == 0) {
                        failures++;
                        continue;
                    }
                    address[slot] = moved;
                    live += size - requested[slot];
                    requested[slot] = size;
                    peakLive = Math.max(peakLive, live);
                }
                case PHASE_END -> {
                    if (!canFree && canReset) {
                        long t0 = System.nanoTime();
                        allocator.reset();
                        resetTimes.recordValue(System.nanoTime() - t0);
                    }
                }
            }
        }
        long elapsed = System.nanoTime() - started;
        long committedEnd = vm.stats().committedBytes();

        for (int slot = 0; slot < address.length; slot++) {      // free what survived
            if (address[slot] != 0 && canFree) {
                allocator.free(address[slot]);
            }
        }
        if (!canFree && canReset) {
            allocator.reset();
        }
        long committedAfterFreeAll = vm.stats().committedBytes();
        allocator.verify();

        var latency = new LinkedHashMap<String, Histogram>();
        latency.put("allocate", allocateTimes);
        latency.put("free", freeTimes);
        latency.put("reallocate", reallocTimes);
        latency.put("reset", resetTimes);
        latency.values().removeIf(h -> h.getTotalCount() == 0);
        var vmStats = vm.stats();
        return new RunResult(label, allocator.strategy(), parameters, vm.kind(), ops.name(), ops.size(), failures,
                skipped, deferred, peakLive, vmStats.peakCommittedBytes(), committedEnd, committedAfterFreeAll,
                elapsed, latency, allocator.stats().asMap(), vmStats);
    }

    private static long emulateReallocate(Allocator allocator, long address, long oldSize, long newSize, boolean canFree) {
        long moved = allocator.allocate(newSize);
        if (moved != 0) {
            allocator.memory().copy(address, moved, Math.min(oldSize, newSize));
            if (canFree) {
                allocator.free(address);
            }
        }
        return moved;
    }

    private void touch(Memory memory, long address, long size, int slot) {
        switch (touch) {
            case NONE -> { }
            case FIRST -> {
                if (size >= Long.BYTES) {
                    memory.putLong(address, slot);
                } else {
                    memory.putByte(address, (byte) slot);
                }
            }
            case ALL -> memory.fill(address, size, (byte) slot);
        }
    }
}
