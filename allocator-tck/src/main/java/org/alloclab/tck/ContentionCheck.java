package org.alloclab.tck;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Capability;
import org.alloclab.api.Memory;
import org.alloclab.api.Sizes;

/**
 * Hammers a {@link Capability#THREAD_SAFE} allocator from several threads at once and checks every block.
 *
 * <p>Each thread allocates blocks of random sizes (mostly small, a few above a page), fills each whole block
 * with a pattern derived from the block's identity, and then either frees it itself or hands it over through
 * a shared queue to be freed by whichever thread takes it (a remote free). Threads start together behind a
 * barrier, so their operations interleave from the first. The checker catches:
 * <ul>
 *   <li>two live blocks given the same address (a shared map of live addresses);</li>
 *   <li>overlapping blocks or a block changed while live: every byte is compared with its pattern before
 *       the block is freed, whichever thread frees it;</li>
 *   <li>misaligned blocks and blocks the allocator does not {@linkplain Allocator#owns own};</li>
 *   <li>exceptions from any operation;</li>
 *   <li>books that do not balance afterwards: once every block is freed, {@code live_bytes} and
 *       {@code live_blocks} must be 0 and {@link Allocator#verify()} must pass.</li>
 * </ul>
 */
public final class ContentionCheck {

    /** What a run did. */
    public record Outcome(long allocations, long localFrees, long remoteFrees, long failedAllocations,
            long bytesChecked) {
    }

    private final int threads;
    private final int operationsPerThread;
    private final long seed;
    private final long maxSmall;
    private final long largeSize;

    /**
     * @param threads             threads running at once (more than the cores, to get preemption mid-operation)
     * @param operationsPerThread allocations each thread makes
     * @param seed                seeds every thread's choices
     */
    public ContentionCheck(int threads, int operationsPerThread, long seed) {
        this(threads, operationsPerThread, seed, 2048, 40 * 1024);
    }

    /** As above, with the largest small size and the size of the occasional large block. */
    public ContentionCheck(int threads, int operationsPerThread, long seed, long maxSmall, long largeSize) {
        this.threads = threads;
        this.operationsPerThread = operationsPerThread;
        this.seed = seed;
        this.maxSmall = maxSmall;
        this.largeSize = largeSize;
    }

    private record Block(long address, long size, long id) {
    }

    /**
     * Runs the threads to the end, frees what is left and checks the books.
     *
     * @throws AssertionError describing the first problem any thread saw
     */
    public Outcome run(Allocator allocator) throws InterruptedException {
        if (!allocator.supports(Capability.THREAD_SAFE) || !allocator.supports(Capability.FREE)) {
            throw new IllegalArgumentException(allocator.strategy() + " does not declare THREAD_SAFE and FREE");
        }
        Memory memory = allocator.memory();
        Map<Long, Long> live = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<Block> handover = new ConcurrentLinkedQueue<>();
        AtomicReference<Throwable> problem = new AtomicReference<>();
        AtomicLong allocations = new AtomicLong();
        AtomicLong localFrees = new AtomicLong();
        AtomicLong remoteFrees = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong checked = new AtomicLong();
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < threads; w++) {
            final int worker = w;
            workers.add(Thread.ofPlatform().name("contention-" + w).start(() -> {
                var random = new SplittableRandom(seed * 31 + worker);
                List<Block> mine = new ArrayList<>();
                try {
                    start.await();
                    for (int i = 0; i < operationsPerThread && problem.get() == null; i++) {
                        long size = random.nextInt(20) == 0 ? largeSize + random.nextLong(largeSize)
                                : 1 + random.nextLong(random.nextBoolean() ? 64 : maxSmall);
                        long alignment = random.nextInt(8) == 0 ? 1L << (4 + random.nextInt(4)) : Allocator.DEFAULT_ALIGNMENT;
                        long a = allocator.allocate(size, alignment);
                        if (a == 0) {
                            failed.incrementAndGet();
                        } else {
                            allocations.incrementAndGet();
                            long id = ((long) worker << 40) | i;
                            claim(allocator, live, a, size, alignment);
                            fill(memory, a, size, id);
                            Block b = new Block(a, size, id);
                            if (random.nextInt(3) == 0) {
                                handover.add(b);
                            } else {
                                mine.add(b);
                            }
                        }
                        if (mine.size() > 64 || (!mine.isEmpty() && random.nextInt(3) == 0)) {
                            Block b = mine.remove(random.nextInt(mine.size()));
                            release(allocator, memory, live, b, checked);
                            localFrees.incrementAndGet();
                        }
                        Block other = random.nextBoolean() ? handover.poll() : null;
                        if (other != null) {
                            release(allocator, memory, live, other, checked);
                            remoteFrees.incrementAndGet();
                        }
                    }
                    for (Block b : mine) {
                        release(allocator, memory, live, b, checked);
                        localFrees.incrementAndGet();
                    }
                } catch (Throwable t) {
                    problem.compareAndSet(null, new AssertionError("thread " + worker + ": " + t.getMessage(), t));
                    start.reset();
                }
            }));
        }
        for (Thread t : workers) {
            t.join();
        }
        if (problem.get() != null) {
            throw (AssertionError) problem.get();
        }
        for (Block b; (b = handover.poll()) != null; ) {
            release(allocator, memory, live, b, checked);
            remoteFrees.incrementAndGet();
        }
        AllocatorStats stats = allocator.stats();
        if (stats.get(AllocatorStats.LIVE_BYTES) != 0) {
            throw new AssertionError(allocator.strategy() + ": every block was freed, yet live_bytes = "
                    + stats.get(AllocatorStats.LIVE_BYTES));
        }
        stats.find(AllocatorStats.LIVE_BLOCKS).ifPresent(n -> {
            if (n != 0) {
                throw new AssertionError(allocator.strategy() + ": every block was freed, yet live_blocks = " + n);
            }
        });
        try {
            allocator.verify();
        } catch (IllegalStateException e) {
            throw new AssertionError(allocator.strategy() + ": verify() after the run: " + e.getMessage(), e);
        }
        return new Outcome(allocations.get(), localFrees.get(), remoteFrees.get(), failed.get(), checked.get());
    }

    private static void claim(Allocator allocator, Map<Long, Long> live, long a, long size, long alignment) {
        if ((a & (alignment - 1)) != 0) {
            throw new AssertionError(Sizes.hex(a) + " is not aligned to " + alignment);
        }
        if (!allocator.owns(a) || !allocator.owns(a + size - 1)) {
            throw new AssertionError(Sizes.hex(a) + " + " + size + " is not wholly owned by the allocator");
        }
        Long before = live.putIfAbsent(a, size);
        if (before != null) {
            throw new AssertionError(Sizes.hex(a) + " was handed out while still live (" + before + " bytes)");
        }
    }

    private static void release(Allocator allocator, Memory memory, Map<Long, Long> live, Block b, AtomicLong checked) {
        check(memory, b);
        checked.addAndGet(b.size());
        if (live.remove(b.address()) == null) {
            throw new AssertionError(Sizes.hex(b.address()) + " is freed but the checker holds it as not live");
        }
        allocator.free(b.address());
    }

    private static long pattern(long id, long offset) {
        long x = (id + 1) * 0x9E3779B97F4A7C15L + offset;
        return x ^ (x >>> 29);
    }

    private static void fill(Memory memory, long a, long size, long id) {
        long words = size / 8;
        for (long i = 0; i < words; i++) {
            memory.putLong(a + i * 8, pattern(id, i));
        }
        for (long i = words * 8; i < size; i++) {
            memory.putByte(a + i, (byte) pattern(id, i));
        }
    }

    private static void check(Memory memory, Block b) {
        long words = b.size() / 8;
        for (long i = 0; i < words; i++) {
            long got = memory.getLong(b.address() + i * 8);
            if (got != pattern(b.id(), i)) {
                throw new AssertionError("the block at " + Sizes.hex(b.address()) + " (" + b.size() + " bytes) changed"
                        + " at offset " + i * 8 + " while live: another block overlaps it or its memory was reused");
            }
        }
        for (long i = words * 8; i < b.size(); i++) {
            if (memory.getByte(b.address() + i) != (byte) pattern(b.id(), i)) {
                throw new AssertionError("the block at " + Sizes.hex(b.address()) + " (" + b.size() + " bytes) changed"
                        + " at offset " + i + " while live");
            }
        }
    }
}
