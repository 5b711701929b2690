package org.alloclab.harness;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorProvider;
import org.alloclab.api.Memory;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;
import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;

/**
 * {@code test.recording}: {@code dsmalloc} that remembers what the harness asked of it — the largest request and the
 * bytes written into its blocks by {@link Memory#fill} — so a test can show what never reached the allocator. The
 * records are static (a run makes its allocators itself); a test {@link #clear()}s them first.
 */
public final class RecordingProvider implements AllocatorProvider {

    /** The largest size asked of any allocator of this strategy, by allocation or resize. */
    static final AtomicLong LARGEST_REQUEST = new AtomicLong();
    /** The bytes the harness wrote into this strategy's blocks with {@link Memory#fill}. */
    static final AtomicLong BYTES_FILLED = new AtomicLong();

    /** Forgets what was recorded. */
    static void clear() {
        LARGEST_REQUEST.set(0);
        BYTES_FILLED.set(0);
    }

    @Override
    public String name() {
        return "test.recording";
    }

    @Override
    public String description() {
        return "test only: dsmalloc that records the largest request and the bytes written into its blocks";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of();
    }

    @Override
    public Allocator create(Parameters parameters, VirtualMemory vm) {
        return new Recording(Registry.strategies().get("dsmalloc").create(Map.of(), vm));
    }

    private static final class Recording extends ForwardingAllocator {
        private final Memory memory;

        Recording(Allocator inner) {
            super("test.recording", inner);
            Memory below = inner.memory();
            this.memory = new Memory() {
                @Override
                public byte getByte(long address) {
                    return below.getByte(address);
                }

                @Override
                public void putByte(long address, byte value) {
                    below.putByte(address, value);
                }

                @Override
                public int getInt(long address) {
                    return below.getInt(address);
                }

                @Override
                public void putInt(long address, int value) {
                    below.putInt(address, value);
                }

                @Override
                public long getLong(long address) {
                    return below.getLong(address);
                }

                @Override
                public void putLong(long address, long value) {
                    below.putLong(address, value);
                }

                @Override
                public void fill(long address, long bytes, byte value) {
                    BYTES_FILLED.addAndGet(bytes);
                    below.fill(address, bytes, value);
                }

                @Override
                public void copy(long from, long to, long bytes) {
                    below.copy(from, to, bytes);
                }
            };
        }

        @Override
        public Memory memory() {
            return memory;
        }

        @Override
        protected long doAllocate(long size, long alignment) {
            LARGEST_REQUEST.accumulateAndGet(size, Math::max);
            return inner.allocate(size, alignment);
        }

        @Override
        protected void doFree(long address) {
            inner.free(address);
        }

        @Override
        protected long doUsableSize(long address) {
            return inner.usableSize(address);
        }

        @Override
        protected long doReallocate(long address, long newSize) {
            LARGEST_REQUEST.accumulateAndGet(newSize, Math::max);
            return inner.reallocate(address, newSize);
        }
    }
}
