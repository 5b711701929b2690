package org.alloclab.api;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The locking layer: makes any strategy usable from many threads by holding one lock around every call.
 * A decorator, written once for every strategy: it declares what the strategy it wraps declares, plus
 * {@link Capability#THREAD_SAFE}, and answers to the wrapped strategy's {@link #strategy() name}, so
 * results and error messages still say which strategy ran (a tool that wants to record the wrapping asks
 * {@code allocator instanceof LockingAllocator}; the harness writes {@code "decorators": ["locking"]}).
 *
 * <h2>What the lock covers</h2>
 * Every method of {@link Allocator} except {@link #memory()}, {@link #strategy()} and
 * {@link #capabilities()}, which are fixed at creation. The bytes of a block are not the allocator's state
 * but its caller's: they are read and written through {@link #memory()} without the lock, as a C program
 * writes into what {@code malloc} returned without holding {@code malloc}'s lock. The memories of the
 * virtual memories alloclab ships are safe for that; a strategy whose {@link Memory} is not must say so.
 *
 * <p>One coarse lock is the baseline every finer scheme (per-size-class locks, thread caches, lock-free
 * lists) is measured against: its cost is one uncontended acquire and release per call, and under
 * contention the strategy runs one call at a time. {@link #stats()} adds two counts to the strategy's own
 * metrics so a study sees how often threads collided: {@value #ACQUISITIONS} and {@value #CONTENDED}
 * (acquisitions that found the lock held by another thread and had to wait). The lock is a non-fair
 * {@link ReentrantLock}: reentrant, because a strategy's {@link HeapVisitor} or a nested decorator may call
 * back in; non-fair, because fairness would hand the lock over on every call and measure the scheduler.
 */
public final class LockingAllocator implements Decorator {

    /** The decorator's name in results. */
    public static final String NAME = "locking";
    /** Metric: how many times the lock was taken. */
    public static final String ACQUISITIONS = "lock_acquisitions";
    /** Metric: how many acquisitions found the lock held by another thread and waited. */
    public static final String CONTENDED = "lock_contended";

    private final Allocator inner;
    private final Set<Capability> capabilities;
    private final ReentrantLock lock = new ReentrantLock();
    private long acquisitions;   // guarded by lock
    private long contended;      // guarded by lock

    /** A locking layer over {@code inner}, which no other code may call once it is wrapped. */
    public LockingAllocator(Allocator inner) {
        if (inner == null) {
            throw new IllegalArgumentException("cannot wrap a null allocator");
        }
        this.inner = inner;
        EnumSet<Capability> caps = EnumSet.of(Capability.THREAD_SAFE);
        caps.addAll(inner.capabilities());
        this.capabilities = Collections.unmodifiableSet(caps);
    }

    /**
     * {@code allocator} itself when it is already {@link Capability#THREAD_SAFE}, otherwise a locking layer
     * over it.
     */
    public static Allocator threadSafe(Allocator allocator) {
        return allocator.supports(Capability.THREAD_SAFE) ? allocator : new LockingAllocator(allocator);
    }

    /** The wrapped allocator. */
    @Override
    public Allocator inner() {
        return inner;
    }

    @Override
    public String decoratorName() {
        return NAME;
    }

    private void acquire() {
        if (!lock.tryLock()) {
            lock.lock();
            contended++;
        }
        acquisitions++;
    }

    /** The wrapped strategy's name: the layer changes how it is called, not what it is. */
    @Override
    public String strategy() {
        return inner.strategy();
    }

    @Override
    public Set<Capability> capabilities() {
        return capabilities;
    }

    /** The wrapped allocator's memory, used without the lock (see the class comment). */
    @Override
    public Memory memory() {
        return inner.memory();
    }

    @Override
    public long allocate(long size, long alignment) {
        acquire();
        try {
            return inner.allocate(size, alignment);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void free(long address) {
        acquire();
        try {
            inner.free(address);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long reallocate(long address, long newSize) {
        acquire();
        try {
            return inner.reallocate(address, newSize);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long usableSize(long address) {
        acquire();
        try {
            return inner.usableSize(address);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean owns(long address) {
        acquire();
        try {
            return inner.owns(address);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void reset() {
        acquire();
        try {
            inner.reset();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Frame pushFrame() {
        acquire();
        try {
            return inner.pushFrame();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void popFrame(Frame frame) {
        acquire();
        try {
            inner.popFrame(frame);
        } finally {
            lock.unlock();
        }
    }

    /** Walks the wrapped heap holding the lock, so the walk sees one consistent state. */
    @Override
    public void walk(HeapVisitor visitor) {
        acquire();
        try {
            inner.walk(visitor);
        } finally {
            lock.unlock();
        }
    }

    /** The wrapped strategy's metrics followed by {@value #ACQUISITIONS} and {@value #CONTENDED}. */
    @Override
    public AllocatorStats stats() {
        acquire();
        try {
            AllocatorStats own = inner.stats();
            return AllocatorStats.builder().addAll(own)
                    .count(ACQUISITIONS, acquisitions, "calls that took the locking layer's lock")
                    .count(CONTENDED, contended, "calls that found the lock held by another thread and waited")
                    .build();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void verify() {
        acquire();
        try {
            inner.verify();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        acquire();
        try {
            inner.close();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return NAME + "(" + inner + ")";
    }
}
