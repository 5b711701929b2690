package org.alloclab.api;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;

/**
 * Hammers one allocator from several threads at once and checks what a correct thread-safe allocator
 * guarantees: each thread keeps up to {@code held} blocks of its own, fills every new block with a byte
 * no other block has at that moment (its thread and a counter), and checks every byte of it before
 * freeing it — so a block handed to two threads at once shows as the other thread's bytes. Any exception
 * from the allocator counts too. After the threads stop, the blocks still held are checked the same way,
 * then sorted by address to check that no two overlap, and the allocator's own {@code verify()} runs.
 *
 * <p>Bounded twice: every thread stops after {@code steps} steps, and all stop at a deadline, or at the
 * first problem any of them sees. It asserts nothing about time: a slow machine only makes fewer steps.
 */
final class ContentionChecker {

    /** What a hammering found. */
    record Report(long steps, List<String> problems) {
        boolean clean() {
            return problems.isEmpty();
        }
    }

    private record Block(long address, long size, byte pattern) {
    }

    private final int threads;
    private final long steps;
    private final int held;
    private final long maxSize;
    private final long deadlineNanos;

    /**
     * @param threads  threads hammering at once, started together
     * @param steps    steps per thread at most (an allocation, or a check and free)
     * @param held     blocks each thread holds at most
     * @param maxSize  largest request
     * @param deadline the most time all threads together may take
     */
    ContentionChecker(int threads, long steps, int held, long maxSize, java.time.Duration deadline) {
        this.threads = threads;
        this.steps = steps;
        this.held = held;
        this.maxSize = maxSize;
        this.deadlineNanos = deadline.toNanos();
    }

    /** Hammers {@code allocator}; the report lists every problem seen (the first few per thread). */
    Report hammer(Allocator allocator, long seed) throws InterruptedException {
        Memory memory = allocator.memory();
        var problems = Collections.synchronizedList(new ArrayList<String>());
        var start = new CountDownLatch(1);
        var stepsDone = new java.util.concurrent.atomic.AtomicLong();
        @SuppressWarnings("unchecked")
        List<Block>[] kept = new List[threads];
        long deadline = System.nanoTime() + deadlineNanos;
        var workers = new ArrayList<Thread>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            kept[t] = new ArrayList<>();
            workers.add(Thread.ofPlatform().name("hammer-" + t).start(() -> {
                var random = new SplittableRandom(seed + id);
                List<Block> mine = kept[id];
                int counter = 0;
                long done = 0;
                try {
                    start.await();
                    for (; done < steps && problems.isEmpty(); done++) {
                        if ((done & 255) == 0 && System.nanoTime() > deadline) {
                            break;
                        }
                        if (mine.size() < held && (mine.isEmpty() || random.nextBoolean())) {
                            long size = 1 + random.nextLong(maxSize);
                            long a = allocator.allocate(size, 8);
                            if (a == 0) {
                                continue;   // out of memory is allowed; a later free makes room
                            }
                            // Patterns 1..255 cycle per thread and the threads' ranges interleave, so no two
                            // blocks live at once share one while a thread holds fewer than 255/threads blocks.
                            byte pattern = (byte) (1 + (id + threads * (counter++ % (254 / threads))) % 255);
                            memory.fill(a, size, pattern);
                            mine.add(new Block(a, size, pattern));
                        } else {
                            Block b = mine.remove(random.nextInt(mine.size()));
                            String bad = check(memory, b);
                            if (bad != null) {
                                problems.add("thread " + id + ": " + bad);
                                break;
                            }
                            allocator.free(b.address());
                        }
                    }
                } catch (RuntimeException | Error | InterruptedException e) {
                    problems.add("thread " + id + ": the allocator threw " + e);
                } finally {
                    stepsDone.addAndGet(done);
                }
            }));
        }
        start.countDown();
        for (Thread w : workers) {
            if (!w.join(java.time.Duration.ofNanos(deadlineNanos).plusSeconds(30))) {
                problems.add(w.getName() + " did not stop: the allocator hangs");
                return new Report(stepsDone.get(), List.copyOf(problems));
            }
        }
        var all = new ArrayList<Block>();
        for (List<Block> list : kept) {
            all.addAll(list);
        }
        if (problems.isEmpty()) {
            for (Block b : all) {
                String bad = check(memory, b);
                if (bad != null) {
                    problems.add("at the end: " + bad);
                }
            }
            all.sort(Comparator.comparingLong(Block::address));
            for (int i = 1; i < all.size(); i++) {
                Block before = all.get(i - 1);
                Block after = all.get(i);
                if (before.address() + before.size() > after.address()) {
                    problems.add(String.format("at the end: blocks [0x%x, +%d) and [0x%x, +%d) overlap",
                            before.address(), before.size(), after.address(), after.size()));
                }
            }
            try {
                for (Block b : all) {
                    allocator.free(b.address());
                }
                allocator.verify();
            } catch (RuntimeException e) {
                problems.add("at the end: " + e);
            }
        }
        return new Report(stepsDone.get(), List.copyOf(problems));
    }

    /** Null when every byte of {@code b} still holds its pattern, else what was found. */
    private static String check(Memory memory, Block b) {
        for (long k = 0; k < b.size(); k++) {
            byte found = memory.getByte(b.address() + k);
            if (found != b.pattern()) {
                return String.format("block [0x%x, +%d): byte +%d is %d, written %d — another block overlaps it",
                        b.address(), b.size(), k, found, b.pattern());
            }
        }
        return null;
    }
}
