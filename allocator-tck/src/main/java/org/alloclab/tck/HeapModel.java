package org.alloclab.tck;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

import org.alloclab.api.Capability;
import org.alloclab.api.Frame;
import org.alloclab.api.Memory;
import org.alloclab.api.Sizes;

/**
 * What the allocator under test should hold, kept independently of it: the live blocks with the sizes
 * asked for and the content pattern written into each, the blocks a strategy without
 * {@link Capability#FREE} still holds after a moving reallocation, and the open frames.
 *
 * <h2>Semantics</h2>
 * <ul>
 *   <li>{@code live_bytes} is the sum of the requested sizes of the live and the held blocks.</li>
 *   <li>Every block has a birth number from one clock. A frame remembers the clock when it was
 *       pushed; popping it drops every live or held block born later.</li>
 *   <li>A moving {@code reallocate} gives the block a new birth; with {@link Capability#FREE} the old
 *       block is gone, without it the old block is held until a reset or a pop drops it.</li>
 *   <li>A reallocation that returns 0 changes nothing.</li>
 * </ul>
 *
 * <h2>Content pattern</h2>
 * Each block gets bytes derived from its own seed and the offset, written through the allocator's
 * {@link Memory}: every byte of a block up to 160 bytes, and for larger blocks the first and last 64
 * bytes plus three 8-byte words inside, so big blocks stay cheap to check.
 */
final class HeapModel {

    /** A live block; an in-place reallocation replaces it by a {@link #resized} copy. */
    static final class Block {
        final int token;
        final long address;
        final long size;
        final long alignment;
        final long birth;
        final long seed;

        Block(int token, long address, long size, long alignment, long birth) {
            this.token = token;
            this.address = address;
            this.size = size;
            this.alignment = alignment;
            this.birth = birth;
            this.seed = mix(token * 0x9E3779B97F4A7C15L); // by token: a moved block keeps its pattern
        }

        Block resized(long newSize) {
            return new Block(token, address, newSize, alignment, birth);
        }

        long end() {
            return address + size;
        }

        String name() {
            return "b" + token;
        }

        @Override
        public String toString() {
            return name() + " [" + Sizes.hex(address) + ", " + Sizes.hex(end()) + ") size " + size;
        }
    }

    /** A block a strategy without {@link Capability#FREE} still holds after a moving reallocation. */
    record Held(String name, long address, long size, long birth) {
        long end() {
            return address + size;
        }
    }

    /** An open frame and the clock when it was pushed. */
    record OpenFrame(Frame frame, long mark) {
    }

    /** A span of memory the allocator must keep for the caller. */
    record Occupied(String name, long address, long bytes) {
        long end() {
            return address + bytes;
        }
    }

    private static final int SMALL = 160;
    private static final int EDGE = 64;

    final Set<Capability> capabilities;
    private final TreeMap<Integer, Block> live = new TreeMap<>();
    private final List<Held> held = new ArrayList<>();
    private final Deque<OpenFrame> frames = new ArrayDeque<>();
    private long clock;
    private long allocations;
    private long failedAllocations;

    HeapModel(Set<Capability> capabilities) {
        this.capabilities = Set.copyOf(capabilities);
    }

    boolean has(Capability c) {
        return capabilities.contains(c);
    }

    Block block(int token) {
        return live.get(token);
    }

    /** The live block starting at {@code address}, or null. */
    Block blockAt(long address) {
        for (Block b : live.values()) {
            if (b.address == address) {
                return b;
            }
        }
        return null;
    }

    Collection<Block> liveBlocks() {
        return live.values();
    }

    List<Integer> liveTokens() {
        return List.copyOf(live.keySet());
    }

    List<Held> held() {
        return held;
    }

    int openFrames() {
        return frames.size();
    }

    OpenFrame innermost() {
        return frames.peek();
    }

    long allocations() {
        return allocations;
    }

    long failedAllocations() {
        return failedAllocations;
    }

    /** Sum of the requested sizes of live and held blocks. */
    long liveBytes() {
        long sum = 0;
        for (Block b : live.values()) {
            sum += b.size;
        }
        for (Held h : held) {
            sum += h.size;
        }
        return sum;
    }

    /** Number of live and held blocks. */
    long liveCount() {
        return live.size() + held.size();
    }

    Block newBlock(int token, long address, long size, long alignment) {
        return new Block(token, address, size, alignment, ++clock);
    }

    void added(Block b) {
        live.put(b.token, b);
        allocations++;
    }

    void failed() {
        failedAllocations++;
    }

    void freed(int token) {
        live.remove(token);
    }

    /** A reallocation returned {@code moved} instead of {@code old}. */
    void moved(Block old, Block moved) {
        if (!has(Capability.FREE)) {
            held.add(new Held(old.name() + "'", old.address, old.size, old.birth));
        }
        live.put(moved.token, moved);
        allocations++;
    }

    void resizedInPlace(Block resized) {
        live.put(resized.token, resized);
    }

    void reset() {
        live.clear();
        held.clear();
        frames.clear();
    }

    void pushed(Frame frame) {
        frames.push(new OpenFrame(frame, clock));
    }

    /** The innermost frame was popped: drops every block born after it was pushed. */
    void popped() {
        long mark = frames.pop().mark();
        live.values().removeIf(b -> b.birth > mark);
        held.removeIf(h -> h.birth() > mark);
    }

    /** Every span the allocator must keep: live blocks (at least their requested size) and held blocks. */
    List<Occupied> occupied() {
        var out = new ArrayList<Occupied>();
        for (Block b : live.values()) {
            out.add(new Occupied(b.name(), b.address, b.size));
        }
        for (Held h : held) {
            out.add(new Occupied(h.name(), h.address(), h.size()));
        }
        out.sort((a, b) -> Long.compareUnsigned(a.address(), b.address()));
        return out;
    }

    // ---- content pattern ------------------------------------------------------------------------

    /** Writes the block's pattern. */
    static void writePattern(Memory memory, Block b) {
        forEachOffset(b.size, b.size, off -> memory.putByte(b.address + off, expected(b.seed, off)));
    }

    /**
     * Checks the block's pattern at {@code address} for every sampled offset below {@code upTo}.
     *
     * @return a description of the first wrong byte, or {@code null} when all are right
     */
    static String checkPattern(Memory memory, Block b, long address, long patternSize, long upTo) {
        String[] wrong = new String[1];
        forEachOffset(patternSize, upTo, off -> {
            if (wrong[0] == null) {
                byte actual = memory.getByte(address + off);
                byte want = expected(b.seed, off);
                if (actual != want) {
                    wrong[0] = "byte at offset " + off + " (" + Sizes.hex(address + off) + ") is "
                            + String.format("0x%02x", actual & 0xff) + ", expected "
                            + String.format("0x%02x", want & 0xff);
                }
            }
        });
        return wrong[0];
    }

    interface OffsetConsumer {
        void accept(long offset);
    }

    /** The sampled offsets of a block of {@code size} bytes, those below {@code upTo}. */
    static void forEachOffset(long size, long upTo, OffsetConsumer c) {
        long limit = Math.min(size, upTo);
        if (size <= SMALL) {
            for (long off = 0; off < limit; off++) {
                c.accept(off);
            }
            return;
        }
        for (long off = 0; off < Math.min(EDGE, limit); off++) {
            c.accept(off);
        }
        for (long q = 1; q <= 3; q++) {
            long word = Sizes.alignDown(size * q / 4, 8);
            for (long off = word; off < word + 8 && off < limit; off++) {
                c.accept(off);
            }
        }
        for (long off = size - EDGE; off < limit; off++) {
            c.accept(off);
        }
    }

    static byte expected(long seed, long offset) {
        return (byte) mix(seed + offset * 0xBF58476D1CE4E5B9L);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
