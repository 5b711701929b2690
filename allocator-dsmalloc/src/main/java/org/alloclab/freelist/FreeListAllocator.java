package org.alloclab.freelist;

import static org.alloclab.freelist.BoundaryTag.MIN_BLOCK;
import static org.alloclab.freelist.BoundaryTag.NEXT;
import static org.alloclab.freelist.BoundaryTag.PREV;
import static org.alloclab.freelist.BoundaryTag.STAMP;
import static org.alloclab.freelist.BoundaryTag.TAGS;
import static org.alloclab.freelist.BoundaryTag.WORD;

import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;

import org.alloclab.api.AbstractAllocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Capability;
import org.alloclab.api.HeapVisitor;
import org.alloclab.api.Memory;
import org.alloclab.api.Region;
import org.alloclab.api.Sizes;
import org.alloclab.api.VirtualMemory;

/**
 * The classic boundary-tag allocator with an explicit free list, over one plain fixed heap, and the
 * sequential-fit placement policies that fragmentation research compares: first fit over a LIFO, a FIFO
 * or an address-ordered list, next fit, best fit. One implementation; the {@link Policy} chooses how the
 * free list is ordered and how it is searched, nothing else, so differences between policies in a study
 * are differences of policy (Wilson, Johnstone, Neely and Boles, "Dynamic Storage Allocation: A Survey
 * and Critical Review", IWMM 1995, separate exactly these two from mechanism).
 *
 * <h2>Heap</h2>
 * The whole capacity is reserved from the {@link VirtualMemory} at creation. By default ({@code heap = grow})
 * it is committed as its high-water mark rises, a page at a time, as {@code sbrk} grows a C program's heap —
 * its first and last pages at creation, the last because the top free block's footer lives there — and
 * never given back: the footprint is the highest address the policy used, which is how Johnstone and Wilson
 * measured placement policies. Each placement commits, before it writes anything, up to the end of the
 * block plus a minimum block (the tags and links of a remainder); should the virtual memory refuse, the
 * allocation fails and nothing changed. With {@code heap = fixed} the whole heap is committed at creation,
 * the setting of fragmentation studies ("first fit over a 10 MiB buffer"). Running out of heap is
 * {@code allocate} returning 0.
 * <pre>
 *  base                                                                                 limit
 *   | P | hdr | payload ........ | ftr | hdr | next prev stamp ... | ftr | hdr | ... | E |
 *   |   '------ allocated block ------' '---------- free block ---------'       |   |
 *   prologue tag (allocated, size 0)                       epilogue tag (allocated, size 0)
 * </pre>
 * Every block carries a header and a footer word ({@link BoundaryTag}: size, in-use bit, the slack
 * between usable and requested size, and a 23-bit check), read and written through the virtual memory's
 * {@link Memory} like any other byte of the heap. Sizes are multiples of 8 and headers 8-byte aligned,
 * so every payload is 8-byte aligned; the smallest block is 32 bytes. The prologue and epilogue tags
 * look allocated, so coalescing needs no edge test. A free block keeps its list links and a stamp in
 * its payload: the free list costs no memory of its own, and {@code overhead_bytes} is exactly
 * 16 bytes per allocated block.
 *
 * <h2>Operations (Knuth, TAOCP vol. 1, §2.5)</h2>
 * <ol>
 *   <li><b>Allocate</b> {@code n} bytes: the block needed is {@code max(32, roundUp8(n + 16))}. The
 *       policy picks a free block it fits in. The allocated block is carved from the low end; the rest
 *       becomes a free block when it is at least 32 bytes (otherwise the whole block is handed out, and
 *       the extra bytes count as internal fragmentation). The remainder takes the list position of the
 *       block it came from and keeps its stamp: it is old free memory, not a newly freed block (Knuth's
 *       Algorithm A, which hands out the upper end instead, likewise leaves the remainder in its place
 *       on the list).</li>
 *   <li><b>Aligned</b> allocation (alignment above 8): the payload goes at the lowest aligned address of
 *       the block that leaves either no leading gap or a gap of at least 32 bytes; that gap stays a free
 *       block in the original's place, so alignment never wastes a byte inside an allocated block. A
 *       block fits when the request fits after its gap.</li>
 *   <li><b>Free</b>: the boundary tags of the two neighbours say in O(1) whether they are free, and
 *       the block is merged at once with each free one (Knuth's Algorithm C), so no two free blocks
 *       are ever adjacent.</li>
 *   <li><b>Reallocate</b>: shrinking stays in place and frees the tail when it makes a 32-byte block;
 *       growing stays in place when the next block is free and big enough (taking what is needed, the
 *       rest stays free in the next block's list position); otherwise allocate with the policy, copy,
 *       free.</li>
 * </ol>
 *
 * <h2>Policies (Wilson et al. 1995, "Sequential fits"; Knuth §2.5)</h2>
 * <table>
 *   <caption>Placement policies</caption>
 *   <tr><th>{@code policy}</th><th>search</th><th>list order (where a freed block goes)</th></tr>
 *   <tr><td>{@code first-fit-lifo}</td><td>from the head, the first block that fits</td>
 *       <td>LIFO: at the head</td></tr>
 *   <tr><td>{@code first-fit-fifo}</td><td>from the head, the first block that fits</td>
 *       <td>FIFO: at the tail</td></tr>
 *   <tr><td>{@code first-fit-address}</td><td>from the head, the first block that fits: the fitting
 *       block of lowest address</td><td>address order</td></tr>
 *   <tr><td>{@code next-fit}</td><td>first fit starting at a roving pointer left where the previous
 *       search ended (at the remainder of the block it split, or the block after the one it used),
 *       wrapping round at the end of the list (the roving pointer Knuth proposes as an improvement of
 *       Algorithm A)</td><td>address order, as in the Algorithm A the rover modifies</td></tr>
 *   <tr><td>{@code best-fit}</td><td>the smallest block that fits: an exhaustive search of the whole
 *       list, ended early only by an exact fit; ties go to the first found, the lowest address</td>
 *       <td>address order</td></tr>
 * </table>
 * A block merged on free counts as newly freed: in a LIFO or FIFO list it goes to the head or the tail;
 * in an address-ordered list it takes the place of the free neighbour it absorbed, or is inserted at its
 * address.
 *
 * <h2>Mechanisms</h2>
 * The policies above are defined by the list and its walk, and {@code mechanism = list} runs exactly
 * that: the specification, whose {@code search_probes} count the blocks the literature's search
 * examines. At O(F) a search it is far too slow to replay a real program's trace (hundreds of
 * microseconds an event on a long free list), so the default, {@code mechanism = tree}, keeps the same
 * list and adds {@link FitTree}s that find the same block in O(log F): the free blocks keyed by list
 * position with each node holding its subtree's largest size (the first block in list order that fits
 * is one descent; next fit starts the descent at the rover's key and wraps), and for best fit a tree
 * keyed by (size, address), whose least key of at least the request is the list walk's choice (the
 * smallest fitting block, ties to the lowest address). An address-ordered insertion finds its place in
 * the tree too. The placements are identical, which a differential test checks on long random
 * sequences; only {@code search_probes} differs (tree nodes examined).
 *
 * <h2>Costs</h2>
 * F is the number of free blocks; the figures are the list mechanism's, the tree mechanism's follow.
 * <ul>
 *   <li>allocate: O(F) for every policy in the worst case (best fit: always O(F) unless an exact fit
 *       turns up); the split is O(1).</li>
 *   <li>free: O(1) for LIFO and FIFO; for the address-ordered lists (first-fit-address, next-fit,
 *       best-fit) O(1) when a neighbour is free (its list position is known), else an O(F) walk to the
 *       insertion point.</li>
 *   <li>reallocate in place and usable size: O(1); a moving reallocation costs an allocate, a copy and
 *       a free.</li>
 *   <li>stats: O(F) (the largest free block is found by a walk of the list); verify: O(heap blocks);
 *       reset: O(1).</li>
 * </ul>
 * With {@code mechanism = tree}: allocate and free O(log F) (an aligned request may pass over blocks
 * big enough by size but not after their alignment gap, each O(log F)); stats O(1); verify also checks
 * the trees against the list, O(F log F).
 *
 * <h2>Bad frees</h2>
 * An address outside the heap, not 8-byte aligned, not preceded by a valid tag whose footer agrees (an
 * interior pointer: caught unless user data happens to hold a valid tag for that address, probability
 * 2<sup>-23</sup>), or of a free block, is refused with an {@link org.alloclab.api.InvalidFreeException}
 * before anything changes. Freed and merged blocks leave free tags behind, never allocated ones, and a
 * reset changes the generation every tag's check depends on, so a stale address is refused too.
 *
 * <h2>Metrics</h2>
 * Beyond the standard ones: {@code live_blocks}, {@code usable_bytes} (Σ usable sizes of live blocks:
 * with {@code live_bytes} the internal fragmentation), {@code free_bytes}, {@code free_blocks} and
 * {@code largest_free_block} (whole free blocks, tags included: external fragmentation is
 * {@code 1 - largest_free_block / free_bytes}), {@code search_probes}, {@code splits}, {@code coalesces},
 * {@code in_place_reallocations}, {@code resets}.
 *
 * <p>Not thread-safe.
 */
public final class FreeListAllocator extends AbstractAllocator {

    /** The placement policies; {@link #id()} is the value of the {@code policy} parameter. */
    public enum Policy {
        /** First fit over a LIFO list: freed blocks are pushed at the head. */
        FIRST_FIT_LIFO("first-fit-lifo", Order.LIFO, Search.FIRST),
        /** First fit over a FIFO list: freed blocks are appended at the tail. */
        FIRST_FIT_FIFO("first-fit-fifo", Order.FIFO, Search.FIRST),
        /** First fit over an address-ordered list: the fitting block of lowest address. */
        FIRST_FIT_ADDRESS("first-fit-address", Order.ADDRESS, Search.FIRST),
        /** First fit from a roving pointer over an address-ordered list. */
        NEXT_FIT("next-fit", Order.ADDRESS, Search.NEXT),
        /** The smallest fitting block, by exhaustive search of an address-ordered list; exact fit stops it. */
        BEST_FIT("best-fit", Order.ADDRESS, Search.BEST);

        private final String id;
        private final Order order;
        private final Search search;

        Policy(String id, Order order, Search search) {
            this.id = id;
            this.order = order;
            this.search = search;
        }

        /** The parameter value, e.g. {@code first-fit-address}. */
        public String id() {
            return id;
        }

        /**
         * The policy called {@code id}.
         *
         * @throws IllegalArgumentException listing the policies when there is none of that name
         */
        public static Policy of(String id) {
            for (Policy p : values()) {
                if (p.id.equals(id)) {
                    return p;
                }
            }
            throw new IllegalArgumentException("freelist: no placement policy '" + id + "' (policies: "
                    + String.join(", ", ids()) + ")");
        }

        /** Every policy's id, in declaration order. */
        public static String[] ids() {
            var ids = new String[values().length];
            for (Policy p : values()) {
                ids[p.ordinal()] = p.id;
            }
            return ids;
        }
    }

    /**
     * How a policy's choice is found. Both make exactly the same choices (the differential tests
     * replay long sequences through both and require the same address for every allocation); they
     * differ only in cost.
     */
    public enum Mechanism {
        /**
         * The specification: the free list alone, walked from its head (or the rover) as the literature
         * describes, O(F) a search.
         */
        LIST("list"),
        /**
         * The list plus a {@link FitTree} over it in list order, each node holding its subtree's largest
         * block, that finds the first fitting block in list order in O(log F), and for best fit a second
         * tree ordered by size then address; an address-ordered insertion finds its place in the tree
         * instead of walking the list.
         */
        TREE("tree");

        private final String id;

        Mechanism(String id) {
            this.id = id;
        }

        /** The parameter value: {@code list} or {@code tree}. */
        public String id() {
            return id;
        }

        /**
         * The mechanism called {@code id}.
         *
         * @throws IllegalArgumentException when there is none of that name
         */
        public static Mechanism of(String id) {
            for (Mechanism m : values()) {
                if (m.id.equals(id)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("freelist: no mechanism '" + id + "' (mechanisms: list, tree)");
        }
    }

    /** Where a newly freed block goes in the list. */
    private enum Order { LIFO, FIFO, ADDRESS }

    /** How the list is searched. */
    private enum Search { FIRST, NEXT, BEST }

    private static final Set<Capability> CAPABILITIES = EnumSet.of(Capability.FREE, Capability.REALLOCATE,
            Capability.USABLE_SIZE, Capability.RESET, Capability.WALK_BLOCKS);

    private final VirtualMemory vm;
    private final Region region;
    private final Memory memory;
    private final Policy policy;
    private final Mechanism mechanism;
    private final FitTree inOrder;   // tree mechanism: the free blocks in list order; null for the list
    private final FitTree bySize;    // tree mechanism, best fit: the free blocks by size, then address
    private final long base;
    private final long limit;
    private final long firstBlock;   // base + 8, after the prologue tag
    private final long end;          // limit - 8: the epilogue tag, one past the last block
    /** Whether the heap is committed as its high-water mark rises (as {@code sbrk} grows a C heap) or at once. */
    private final boolean grows;
    /** The start of the heap's last page, committed from creation: the top free block's footer lives there. */
    private final long lastPage;
    /** {@code [base, committedTop)} is committed (and the last page); the heap's high-water mark, in pages. */
    private long committedTop;
    private long growCalls;

    private long head;               // free list, 0 when empty
    private long tail;
    private long rover;              // next fit: where the next search starts; 0 means the head
    private long generation;         // bumped by reset; every tag's check depends on it
    private long clock;              // stamps of freed blocks

    private long liveBytes;
    private long peakLiveBytes;
    private long liveBlocks;
    private long usableBytes;
    private long freeBytes;
    private long freeBlocks;
    private long allocations;
    private long failedAllocations;
    private long probes;
    private long splits;
    private long coalesces;
    private long inPlaceReallocations;
    private long resets;

    private FreeListAllocator(VirtualMemory vm, Region region, Policy policy, Mechanism mechanism, boolean grows) {
        super("freelist." + policy.id, CAPABILITIES);
        this.vm = vm;
        this.region = region;
        this.memory = vm.memory();
        this.policy = policy;
        this.mechanism = mechanism;
        this.inOrder = mechanism == Mechanism.TREE ? new FitTree() : null;
        this.bySize = mechanism == Mechanism.TREE && policy.search == Search.BEST ? new FitTree() : null;
        this.base = region.address();
        this.limit = region.end();
        this.firstBlock = base + WORD;
        this.end = limit - WORD;
        this.grows = grows;
        long page = vm.pageSize();
        this.lastPage = Math.max(base, limit - page);
        this.committedTop = grows ? Math.min(lastPage, base + page) : limit;
        format();
    }

    /**
     * A free-list allocator over {@code capacity} bytes (rounded up to the page size) reserved and
     * committed at once from {@code vm}. Its strategy name is {@code freelist.} and the policy's id.
     *
     * @throws IllegalArgumentException when the capacity is not positive or above 32 GiB
     * @throws IllegalStateException    when {@code vm} cannot reserve or commit that much
     */
    public static FreeListAllocator create(VirtualMemory vm, long capacity, Policy policy) {
        return create(vm, capacity, policy, Mechanism.TREE);
    }

    /**
     * As {@link #create(VirtualMemory, long, Policy)}, searching with {@code mechanism}: the same
     * placements either way, {@link Mechanism#LIST} being the plain specification.
     */
    public static FreeListAllocator create(VirtualMemory vm, long capacity, Policy policy, Mechanism mechanism) {
        return create(vm, capacity, policy, mechanism, true);
    }

    /**
     * As {@link #create(VirtualMemory, long, Policy, Mechanism)}; with {@code grows} the heap is reserved at once
     * but committed only as its high-water mark rises (its first and last pages at creation), as {@code sbrk}
     * grows a C program's heap, so the footprint measures the policy rather than the capacity; without it the
     * whole heap is committed at creation.
     */
    public static FreeListAllocator create(VirtualMemory vm, long capacity, Policy policy, Mechanism mechanism,
                                           boolean grows) {
        String name = "freelist." + policy.id;
        if (capacity < 1 || capacity > BoundaryTag.MAX_HEAP) {
            throw new IllegalArgumentException(name + ": capacity must be from 1 byte to "
                    + Sizes.format(BoundaryTag.MAX_HEAP) + ", was " + capacity);
        }
        Region region = vm.reserve(Math.max(capacity, MIN_BLOCK + TAGS));
        if (region == null) {
            throw new IllegalStateException(name + ": could not reserve " + Sizes.format(capacity)
                    + " of address space from " + vm.kind() + " virtual memory");
        }
        if (region.bytes() > BoundaryTag.MAX_HEAP) {
            vm.release(region);
            throw new IllegalArgumentException(name + ": a capacity of " + Sizes.format(capacity)
                    + " rounds up past the largest heap, " + Sizes.format(BoundaryTag.MAX_HEAP));
        }
        long page = vm.pageSize();
        boolean committed = grows && region.bytes() > 2 * page
                ? vm.commit(region.address(), page) && vm.commit(region.end() - page, page)
                : vm.commit(region.address(), region.bytes());
        if (!committed) {
            vm.release(region);
            throw new IllegalStateException(name + ": could not commit its " + Sizes.format(region.bytes())
                    + " heap from " + vm.kind() + " virtual memory");
        }
        return new FreeListAllocator(vm, region, policy, mechanism, grows && region.bytes() > 2 * page);
    }

    /** The placement policy. */
    public Policy policy() {
        return policy;
    }

    /** How the policy's choices are found. */
    public Mechanism mechanism() {
        return mechanism;
    }

    /** The address of the heap's first byte (the prologue tag). */
    public long heapBase() {
        return base;
    }

    /** One past the heap's last byte. */
    public long heapLimit() {
        return limit;
    }

    @Override
    public Memory memory() {
        return memory;
    }

    // ---- the heap and its tags ----------------------------------------------------------------------

    /** One free block over the whole heap, between the prologue and epilogue tags. */
    private void format() {
        memory.putLong(base, BoundaryTag.encode(base, 0, true, 0, generation));
        memory.putLong(end, BoundaryTag.encode(end, 0, true, 0, generation));
        head = 0;
        tail = 0;
        rover = 0;
        freeBlocks = 0;
        if (inOrder != null) {
            inOrder.clear();
            if (bySize != null) {
                bySize.clear();
            }
        }
        long size = end - firstBlock;
        tag(firstBlock, size, false, 0);
        setStamp(firstBlock, ++clock);
        linkAfter(0, firstBlock);
        freeBytes = size;
    }

    /**
     * Commits the heap up to {@code address} (whole pages) when it grows: every tag and link a placement writes
     * lies below the block's end plus a minimum block, or in the last page, committed from creation. False when
     * the virtual memory refuses the commit (its budget is spent): nothing changed.
     */
    private boolean reach(long address) {
        if (address <= committedTop || committedTop >= lastPage) {
            return true;
        }
        long page = vm.pageSize();
        long top = Math.min(lastPage, (address + page - 1) / page * page);
        if (top <= committedTop) {
            return true;
        }
        if (!vm.commit(committedTop, top - committedTop)) {
            return false;
        }
        growCalls++;
        committedTop = top;
        return true;
    }

    /** Bytes of the heap committed now: up to the high-water mark, and the last page. */
    private long committedBytes() {
        return committedTop >= lastPage ? limit - base : committedTop - base + (limit - lastPage);
    }

    private void tag(long block, long size, boolean inUse, long slack) {
        long t = BoundaryTag.encode(block, size, inUse, slack, generation);
        memory.putLong(block, t);
        memory.putLong(block + size - WORD, t);
    }

    private long header(long block) {
        return memory.getLong(block);
    }

    private long sizeOf(long block) {
        return BoundaryTag.size(header(block));
    }

    /** The block size for a request: payload plus tags, a multiple of 8, at least the minimum. */
    private static long blockSize(long requested) {
        return Math.max(MIN_BLOCK, Sizes.alignUp(requested + TAGS, WORD));
    }

    // ---- the free list --------------------------------------------------------------------------------

    private int link(long block) {
        return block == 0 ? 0 : (int) ((block - base) >>> 3);
    }

    private long block(int link) {
        return link == 0 ? 0 : base + (Integer.toUnsignedLong(link) << 3);
    }

    private long next(long block) {
        return block(memory.getInt(block + NEXT));
    }

    private long prev(long block) {
        return block(memory.getInt(block + PREV));
    }

    private void setNext(long block, long next) {
        memory.putInt(block + NEXT, link(next));
    }

    private void setPrev(long block, long prev) {
        memory.putInt(block + PREV, link(prev));
    }

    private long stamp(long block) {
        return memory.getLong(block + STAMP);
    }

    private void setStamp(long block, long stamp) {
        memory.putLong(block + STAMP, stamp);
    }

    // ---- the tree mechanism's keys and index ------------------------------------------------------------

    /**
     * The key of free {@code block} in {@link #inOrder}: its position in the list. In an address-ordered
     * list that is the address. In a LIFO or FIFO list it is the stamp (descending or ascending), then the
     * address: stamps follow list order ({@link #doVerify()} checks it), and the only blocks that share a
     * stamp are the pieces one block was split into, which sit on the list in address order (a leading
     * gap keeps the block's place and the remainder goes right after it; a block replaced by a remainder
     * of itself moves up within its own bytes, never past the next piece). Stamps count frees, so they
     * stay below 2<sup>31</sup> for any replay and the pair fits one {@code long}. The stamp is read from
     * the block, so this must be called while the block's stamp is intact.
     */
    private long orderKey(long block) {
        return switch (policy.order) {
            case ADDRESS -> block;
            case FIFO -> (stamp(block) << 32) | ((block - base) >>> 3);
            case LIFO -> (-stamp(block) << 32) | ((block - base) >>> 3);
        };
    }

    /** The key of a free block in {@link #bySize}: size, then address, compared as one unsigned number. */
    private long sizeKey(long block, long size) {
        return ((size >>> 3) << 32 | ((block - base) >>> 3)) ^ Long.MIN_VALUE;
    }

    /**
     * The largest request of 16-byte alignment that fits free {@code block} after its alignment gap:
     * {@code fits(block, size, need, 16)} exactly when {@code need <= room16(block, size)}.
     */
    private static long room16(long block, long size) {
        return block + size - (payloadIn(block, 16) - WORD);
    }

    private void indexAdd(long block, long size) {
        long room = room16(block, size);
        inOrder.add(orderKey(block), block, size, room);
        if (bySize != null) {
            bySize.add(sizeKey(block, size), block, size, room);
        }
    }

    private void indexRemove(long key, long block) {
        long size = inOrder.remove(key);
        if (bySize != null) {
            bySize.remove(sizeKey(block, size));
        }
    }

    /** Records a new size of free {@code block}, which stays in its list place. */
    private void resizeFree(long block, long size) {
        if (inOrder != null) {
            long old = inOrder.resize(orderKey(block), size, room16(block, size));
            if (bySize != null) {
                bySize.remove(sizeKey(block, old));
                bySize.add(sizeKey(block, size), block, size, room16(block, size));
            }
        }
    }

    /** Links {@code block} (already tagged and stamped) after {@code after}, or at the head when {@code after} is 0. */
    private void linkAfter(long after, long block) {
        if (inOrder != null) {
            indexAdd(block, sizeOf(block));
        }
        long next = after == 0 ? head : next(after);
        setPrev(block, after);
        setNext(block, next);
        if (after == 0) {
            head = block;
        } else {
            setNext(after, block);
        }
        if (next == 0) {
            tail = block;
        } else {
            setPrev(next, block);
        }
        freeBlocks++;
    }

    /** Unlinks {@code block}; a rover on it moves to the block after it. */
    private void unlink(long block) {
        if (inOrder != null) {
            indexRemove(orderKey(block), block);
        }
        long next = next(block);
        long prev = prev(block);
        if (prev == 0) {
            head = next;
        } else {
            setNext(prev, next);
        }
        if (next == 0) {
            tail = prev;
        } else {
            setPrev(next, prev);
        }
        if (rover == block) {
            rover = next;
        }
        freeBlocks--;
    }

    /**
     * Puts {@code block}, of {@code size} bytes, in the list position of {@code old}, keeping its stamp.
     * Reads {@code old}'s links and stamp before writing {@code block}'s, so {@code block} may start
     * inside {@code old}'s first words; {@code block}'s header and stamp are the caller's to write
     * afterwards.
     */
    private void replace(long old, long block, long size) {
        if (inOrder != null) {
            long oldKey = orderKey(old);
            indexRemove(oldKey, old);
            long key = policy.order == Order.ADDRESS ? block : (oldKey & -(1L << 32)) | ((block - base) >>> 3);
            inOrder.add(key, block, size, room16(block, size));
            if (bySize != null) {
                bySize.add(sizeKey(block, size), block, size, room16(block, size));
            }
        }
        long next = next(old);
        long prev = prev(old);
        setPrev(block, prev);
        setNext(block, next);
        if (prev == 0) {
            head = block;
        } else {
            setNext(prev, block);
        }
        if (next == 0) {
            tail = block;
        } else {
            setPrev(next, block);
        }
        if (rover == old) {
            rover = block;
        }
    }

    /** Inserts a newly freed block (already tagged) where the policy's order puts it. */
    private void insert(long block) {
        setStamp(block, ++clock);
        switch (policy.order) {
            case LIFO -> linkAfter(0, block);
            case FIFO -> linkAfter(tail, block);
            case ADDRESS -> {
                long after = 0;
                if (inOrder != null) {
                    int below = inOrder.below(block);
                    after = below == 0 ? 0 : inOrder.block(below);
                } else {
                    for (long b = head; b != 0 && b < block; b = next(b)) {
                        after = b;
                    }
                }
                linkAfter(after, block);
            }
        }
    }

    // ---- placement ----------------------------------------------------------------------------------

    /** The payload address a request aligned to {@code alignment} gets in the free block at {@code block}. */
    private static long payloadIn(long block, long alignment) {
        long payload = Sizes.alignUp(block + WORD, alignment);
        if (payload != block + WORD && payload - WORD - block < MIN_BLOCK) {
            payload = Sizes.alignUp(block + WORD + MIN_BLOCK, alignment);   // the gap must make a block
        }
        return payload;
    }

    private static boolean fits(long block, long size, long need, long alignment) {
        if (alignment <= WORD) {
            return size >= need;
        }
        return payloadIn(block, alignment) - WORD + need <= block + size;
    }

    /** The free block the policy chooses for a block of {@code need} bytes, or 0. */
    private long search(long need, long alignment) {
        if (inOrder != null) {
            long chosen = treeSearch(need, alignment);
            probes += inOrder.takeVisits() + (bySize != null ? bySize.takeVisits() : 0);
            return chosen;
        }
        switch (policy.search) {
            case FIRST -> {
                for (long b = head; b != 0; b = next(b)) {
                    probes++;
                    if (fits(b, sizeOf(b), need, alignment)) {
                        return b;
                    }
                }
                return 0;
            }
            case NEXT -> {
                long start = rover != 0 ? rover : head;
                if (start == 0) {
                    return 0;
                }
                long b = start;
                do {
                    probes++;
                    if (fits(b, sizeOf(b), need, alignment)) {
                        return b;
                    }
                    b = next(b);
                    if (b == 0) {
                        b = head;
                    }
                } while (b != start);
                return 0;
            }
            case BEST -> {
                long best = 0;
                long bestSize = Long.MAX_VALUE;
                for (long b = head; b != 0; b = next(b)) {
                    probes++;
                    long size = sizeOf(b);
                    if (size < bestSize && fits(b, size, need, alignment)) {
                        best = b;
                        bestSize = size;
                        if (size == need) {
                            break;               // an exact fit: nothing can be better
                        }
                    }
                }
                return best;
            }
            default -> throw new AssertionError(policy);
        }
    }

    /**
     * The list search's choice, found in the trees. First fit: the first block in list order whose size
     * is at least {@code need}, one descent of {@link #inOrder}. Next fit: the same from the rover's key,
     * then from the head (a block found there lies before the rover, as the list's wrapped walk finds
     * it). Best fit: the smallest (size, address) of at least (need, 0) in {@link #bySize}, which is the
     * list's choice because its walk keeps the first, lowest-addressed, of the smallest fitting blocks.
     * An aligned request fits a block only if it fits after the block's alignment gap, which the size
     * alone does not tell: for 16-byte alignment the trees keep each block's room after its gap, for
     * larger ones the candidates big enough by size are visited in the order the list would visit them
     * and the first that fits is taken, as the list takes it (fitting implies {@code size >= need}).
     */
    private long treeSearch(long need, long alignment) {
        switch (policy.search) {
            case FIRST -> {
                return firstFitFrom(Long.MIN_VALUE, need, alignment);
            }
            case NEXT -> {
                if (rover != 0) {
                    long b = firstFitFrom(rover, need, alignment);
                    if (b != 0) {
                        return b;
                    }
                }
                return firstFitFrom(Long.MIN_VALUE, need, alignment);
            }
            case BEST -> {
                boolean aligned16 = alignment == 16;
                for (int n = bySize.firstFit(sizeKey(base, need), need, aligned16); n != 0;
                        n = bySize.firstFit(bySize.key(n) + 1, need, aligned16)) {
                    long b = bySize.block(n);
                    if (fits(b, bySize.size(n), need, alignment)) {
                        return b;
                    }
                }
                return 0;
            }
            default -> throw new AssertionError(policy);
        }
    }

    /**
     * The first block at or after list key {@code key} that fits, or 0. A 16-byte alignment, malloc's,
     * which every replayed call asks for, is answered by the trees' second maximum in one descent;
     * larger ones visit the candidates big enough by size until one fits after its gap.
     */
    private long firstFitFrom(long key, long need, long alignment) {
        boolean aligned16 = alignment == 16;
        for (int n = inOrder.firstFit(key, need, aligned16); n != 0;
                n = inOrder.firstFit(inOrder.key(n) + 1, need, aligned16)) {
            long b = inOrder.block(n);
            if (fits(b, inOrder.size(n), need, alignment)) {
                return b;
            }
        }
        return 0;
    }

    /**
     * Carves an allocated block for {@code requested} bytes out of the free {@code block}: a leading gap
     * (aligned requests) stays free in the block's list place, a trailing remainder of at least the
     * minimum block becomes free after it; both keep the block's stamp.
     *
     * @return the payload address
     */
    private long place(long block, long need, long alignment, long requested) {
        long size = sizeOf(block);
        long stamp = stamp(block);
        long start = (alignment <= WORD ? block + WORD : payloadIn(block, alignment)) - WORD;
        long gap = start - block;
        long rest = size - gap;
        long remainder = rest - need >= MIN_BLOCK ? rest - need : 0;
        long allocated = rest - remainder;
        long after;                              // the list block the search should continue from
        if (gap > 0) {
            splits++;
            tag(block, gap, false, 0);
            resizeFree(block, gap);
            after = next(block);
            if (remainder > 0) {
                long r = start + allocated;
                tag(r, remainder, false, 0);
                setStamp(r, stamp);
                linkAfter(block, r);
                splits++;
                after = r;
            }
        } else if (remainder > 0) {
            long r = block + allocated;
            replace(block, r, remainder);
            tag(r, remainder, false, 0);
            setStamp(r, stamp);
            splits++;
            after = r;
        } else {
            after = next(block);
            unlink(block);
        }
        if (policy.search == Search.NEXT) {
            rover = after;
        }
        tag(start, allocated, true, allocated - TAGS - requested);
        freeBytes -= allocated;
        return start + WORD;
    }

    @Override
    protected long doAllocate(long size, long alignment) {
        long need = blockSize(size);
        long block = need <= end - firstBlock ? search(need, alignment) : 0;
        if (block == 0) {
            failedAllocations++;
            return 0;
        }
        long start = (alignment <= WORD ? block + WORD : payloadIn(block, alignment)) - WORD;
        if (!reach(Math.min(start + need + MIN_BLOCK, block + sizeOf(block)))) {
            failedAllocations++;                 // the heap could not grow to hold the block: nothing changed
            return 0;
        }
        long payload = place(block, need, alignment, size);
        allocations++;
        liveBlocks++;
        usableBytes += sizeOf(payload - WORD) - TAGS;
        addLive(size);
        return payload;
    }

    private void addLive(long delta) {
        liveBytes += delta;
        peakLiveBytes = Math.max(peakLiveBytes, liveBytes);
    }

    // ---- free and reallocate ------------------------------------------------------------------------

    /**
     * Why {@code address} is not the payload of a live block, or null when it is. Reads at most the two
     * tags of the block it would be; changes nothing.
     */
    private String problemWith(long address) {
        if (address < base || address >= limit) {
            return "it lies outside this allocator's heap [" + Sizes.hex(base) + ", " + Sizes.hex(limit) + ")";
        }
        if ((address & (WORD - 1)) != 0) {
            return "it is not 8-byte aligned, so no block starts there";
        }
        long block = address - WORD;
        if (block < firstBlock || block > end - MIN_BLOCK) {
            return "it is not the start of a block (it lies on the heap's edge tags)";
        }
        long tag = header(block);
        if (!BoundaryTag.valid(block, tag, generation)) {
            return "it is not the start of a block: the word before it is not a boundary tag"
                    + " (an interior pointer, or a block freed before a reset)";
        }
        if (!BoundaryTag.inUse(tag)) {
            return "it is already free";    // a free block's header, or the tag a free left when it merged
        }
        long size = BoundaryTag.size(tag);
        if (size < MIN_BLOCK || size > end - block || memory.getLong(block + size - WORD) != tag) {
            return "it is not the start of a block: the tags around it disagree";
        }
        return null;
    }

    /** The header of the live block whose payload is {@code address}; a bad address is an invalid free. */
    private long liveBlock(long address) {
        String problem = problemWith(address);
        if (problem != null) {
            throw invalidFree(address, problem);
        }
        return address - WORD;
    }

    @Override
    protected void doFree(long address) {
        long block = liveBlock(address);
        long tag = header(block);
        long size = BoundaryTag.size(tag);
        liveBlocks--;
        usableBytes -= size - TAGS;
        liveBytes -= size - TAGS - BoundaryTag.slack(tag);
        release(block, size);
    }

    /**
     * Makes {@code [block, block + size)} free: tags it free (so its old header can never pass for an
     * allocated block again), merges it with a free neighbour on either side, and puts the result on the
     * list as the policy says.
     */
    private void release(long block, long size) {
        tag(block, size, false, 0);
        freeBytes += size;
        long leftTag = memory.getLong(block - WORD);          // the prologue looks allocated
        long right = block + size;
        long rightTag = header(right);                        // the epilogue looks allocated
        long left = BoundaryTag.inUse(leftTag) ? 0 : block - BoundaryTag.size(leftTag);
        long rightSize = BoundaryTag.inUse(rightTag) ? 0 : BoundaryTag.size(rightTag);
        if (policy.order == Order.ADDRESS) {
            if (left != 0) {                                   // the left block keeps its place
                coalesces++;
                if (rightSize > 0) {
                    coalesces++;
                    if (rover == right) {
                        rover = left;
                    }
                    unlink(right);
                }
                long merged = block + size + rightSize - left;
                tag(left, merged, false, 0);
                resizeFree(left, merged);
                setStamp(left, ++clock);
            } else if (rightSize > 0) {                        // takes the right block's place
                coalesces++;
                replace(right, block, size + rightSize);
                tag(block, size + rightSize, false, 0);
                setStamp(block, ++clock);
            } else {
                insert(block);
            }
            return;
        }
        long start = block;
        long merged = size;
        if (left != 0) {
            coalesces++;
            unlink(left);
            start = left;
            merged += block - left;
        }
        if (rightSize > 0) {
            coalesces++;
            unlink(right);
            merged += rightSize;
        }
        tag(start, merged, false, 0);
        insert(start);
    }

    @Override
    protected long doReallocate(long address, long newSize) {
        long block = liveBlock(address);
        long tag = header(block);
        long size = BoundaryTag.size(tag);
        long oldRequested = size - TAGS - BoundaryTag.slack(tag);
        long need = blockSize(newSize);
        if (need <= size) {
            long tail = size - need;
            long kept = tail >= MIN_BLOCK ? need : size;
            tag(block, kept, true, kept - TAGS - newSize);
            if (kept < size) {
                release(block + kept, tail);
                splits++;
            }
            resized(size, kept, newSize - oldRequested);
            return address;
        }
        long right = block + size;
        long rightTag = header(right);
        if (!BoundaryTag.inUse(rightTag) && size + BoundaryTag.size(rightTag) >= need
                && reach(Math.min(block + need + MIN_BLOCK, right + BoundaryTag.size(rightTag)))) {
            long combined = size + BoundaryTag.size(rightTag);
            long kept = combined - need >= MIN_BLOCK ? need : combined;
            if (kept < combined) {
                long r = block + kept;
                long stamp = stamp(right);
                replace(right, r, combined - kept);
                tag(r, combined - kept, false, 0);
                setStamp(r, stamp);
                splits++;
            } else {
                unlink(right);
            }
            freeBytes -= kept - size;
            tag(block, kept, true, kept - TAGS - newSize);
            resized(size, kept, newSize - oldRequested);
            return address;
        }
        long moved = doAllocate(newSize, DEFAULT_ALIGNMENT);
        if (moved != 0) {
            memory.copy(address, moved, Math.min(oldRequested, newSize));
            doFree(address);
        }
        return moved;
    }

    private void resized(long oldBlock, long newBlock, long liveDelta) {
        inPlaceReallocations++;
        usableBytes += newBlock - oldBlock;
        addLive(liveDelta);
    }

    @Override
    protected long doUsableSize(long address) {
        String problem = problemWith(address);
        if (problem != null) {
            throw new IllegalArgumentException(strategy() + ": " + Sizes.hex(address) + " is not a live block: "
                    + problem);
        }
        return sizeOf(address - WORD) - TAGS;
    }

    @Override
    protected boolean doOwns(long address) {
        return address >= base && address < limit;
    }

    @Override
    protected void doReset() {
        generation++;
        resets++;
        liveBytes = 0;
        liveBlocks = 0;
        usableBytes = 0;
        format();
    }

    // ---- walking, metrics, invariants ---------------------------------------------------------------

    @Override
    protected void doWalk(HeapVisitor visitor) {
        for (long b = firstBlock; b < end; ) {
            long tag = header(b);
            long size = BoundaryTag.size(tag);
            if (BoundaryTag.inUse(tag)) {
                visitor.allocated(b + WORD, size - TAGS);
            } else {
                visitor.free(b + WORD, size - TAGS);
            }
            b += size;
        }
    }

    @Override
    protected AllocatorStats doStats() {
        long largest = 0;
        if (inOrder != null) {
            largest = inOrder.largest();
        } else {
            for (long b = head; b != 0; b = next(b)) {
                largest = Math.max(largest, sizeOf(b));
            }
        }
        long heap = limit - base;
        long committed = committedBytes();
        return AllocatorStats.builder()
                .bytes(AllocatorStats.LIVE_BYTES, liveBytes, "requested bytes of live blocks")
                .bytes(AllocatorStats.PEAK_LIVE_BYTES, peakLiveBytes, "highest live_bytes")
                .count(AllocatorStats.LIVE_BLOCKS, liveBlocks, "live blocks")
                .bytes(AllocatorStats.COMMITTED_BYTES, committed, grows ? "the heap up to its high-water mark (it never shrinks, as sbrk's), and its last page"
                        : "the heap, committed at creation")
                .bytes(AllocatorStats.PEAK_COMMITTED_BYTES, committed, "highest committed_bytes: the heap never gives pages back")
                .count("grow_calls", growCalls, "commits that raised the heap's high-water mark")
                .bytes(AllocatorStats.RESERVED_BYTES, heap, "address space held: the heap")
                .bytes(AllocatorStats.OVERHEAD_BYTES, liveBlocks * TAGS, "header and footer words of live blocks")
                .bytes("usable_bytes", usableBytes, "usable sizes of live blocks (minus live_bytes: internal fragmentation)")
                .bytes("free_bytes", freeBytes, "bytes in free blocks, their tags included")
                .count("free_blocks", freeBlocks, "blocks on the free list")
                .bytes("largest_free_block", largest, "the largest free block, tags included"
                        + " (external fragmentation = 1 - largest_free_block / free_bytes)")
                .count(AllocatorStats.ALLOCATIONS, allocations, "blocks handed out, moved reallocations included")
                .count(AllocatorStats.FAILED_ALLOCATIONS, failedAllocations, "requests that returned 0")
                .count("search_probes", probes, mechanism == Mechanism.LIST
                        ? "free blocks examined by placement searches"
                        : "tree nodes examined by placement searches (mechanism = tree)")
                .count("splits", splits, "free blocks split by allocations, aligned gaps and shrinking reallocations")
                .count("coalesces", coalesces, "merges of a freed block with a free neighbour")
                .count("in_place_reallocations", inPlaceReallocations, "reallocations that did not move the block")
                .count("resets", resets, "calls of reset()")
                .build();
    }

    @Override
    protected void doVerify() {
        check(header(base) == BoundaryTag.encode(base, 0, true, 0, generation), base, "the prologue tag is intact");
        check(header(end) == BoundaryTag.encode(end, 0, true, 0, generation), end, "the epilogue tag is intact");
        var free = new HashSet<Long>();
        long live = 0;
        long blocks = 0;
        long usable = 0;
        long freeTotal = 0;
        boolean previousFree = false;
        long b = firstBlock;
        while (b < end) {
            long tag = header(b);
            check(BoundaryTag.valid(b, tag, generation), b, "the header is a valid tag");
            long size = BoundaryTag.size(tag);
            check(size >= MIN_BLOCK && size <= end - b, b, "the block size " + size + " lies within the heap");
            check(memory.getLong(b + size - WORD) == tag, b, "the footer equals the header");
            if (BoundaryTag.inUse(tag)) {
                blocks++;
                usable += size - TAGS;
                live += size - TAGS - BoundaryTag.slack(tag);
                previousFree = false;
            } else {
                check(!previousFree, b, "no two adjacent blocks are free");
                free.add(b);
                freeTotal += size;
                previousFree = true;
            }
            b += size;
        }
        check(b == end, b, "the blocks tile the heap up to the epilogue");
        check(live == liveBytes && blocks == liveBlocks && usable == usableBytes, b,
                "live bytes, blocks and usable bytes (" + live + ", " + blocks + ", " + usable + ") agree with the"
                        + " counters (" + liveBytes + ", " + liveBlocks + ", " + usableBytes + ")");
        check(freeTotal == freeBytes && free.size() == freeBlocks, b, "free bytes and blocks (" + freeTotal + ", "
                + free.size() + ") agree with the counters (" + freeBytes + ", " + freeBlocks + ")");
        var seen = new HashSet<Long>();
        long previous = 0;
        for (long f = head; f != 0; f = next(f)) {
            check(free.contains(f), f, "every block on the free list is a free block of the heap");
            check(seen.add(f), f, "every free block is on the list once");
            check(prev(f) == previous, f, "the previous link points back to the block before");
            if (previous != 0) {
                switch (policy.order) {
                    case ADDRESS -> check(f > previous, f, "the list is in address order");
                    case FIFO -> check(stamp(f) >= stamp(previous), f, "the list is in FIFO order (stamps ascend)");
                    case LIFO -> check(stamp(f) <= stamp(previous), f, "the list is in LIFO order (stamps descend)");
                }
            }
            previous = f;
        }
        check(tail == previous, tail, "the tail is the last block of the list");
        check(seen.size() == free.size(), head, "every free block is on the list (" + seen.size() + " of "
                + free.size() + ")");
        check(rover == 0 || seen.contains(rover), rover, "the rover is on the list");
        if (inOrder != null) {
            verifyTrees();
        }
        check(vm.isCommitted(base, committedTop - base) && vm.isCommitted(lastPage, limit - lastPage), base,
                "the heap is committed up to its high-water mark and in its last page");
        for (long blk = firstBlock; blk < end && (blk < committedTop || committedTop >= lastPage); blk += sizeOf(blk)) {
            check(!BoundaryTag.inUse(header(blk)) || blk + sizeOf(blk) <= committedTop || committedTop >= lastPage, blk,
                    "a live block lies below the high-water mark");
        }
    }

    /** The trees hold exactly the list's blocks, in list order, with their sizes. */
    private void verifyTrees() {
        check(inOrder.count() == freeBlocks, head, "the list-order tree holds " + inOrder.count() + " blocks, the"
                + " list " + freeBlocks);
        int n = inOrder.ceiling(Long.MIN_VALUE);
        for (long f = head; f != 0; f = next(f)) {
            check(n != 0 && inOrder.block(n) == f, f, "the list-order tree has the list's blocks in list order");
            check(inOrder.key(n) == orderKey(f), f, "the block's key in the list-order tree is its list key");
            check(inOrder.size(n) == sizeOf(f), f, "the list-order tree has the block's size");
            check(inOrder.room16(n) == room16(f, sizeOf(f)), f, "the list-order tree has the block's aligned room");
            if (bySize != null) {
                int s = bySize.find(sizeKey(f, sizeOf(f)));
                check(s != 0 && bySize.block(s) == f, f, "the size-ordered tree has the block under its size");
            }
            n = inOrder.key(n) == Long.MAX_VALUE ? 0 : inOrder.ceiling(inOrder.key(n) + 1);
        }
        check(n == 0, head, "the list-order tree has no block beyond the list's");
        check(bySize == null || bySize.count() == freeBlocks, head, "the size-ordered tree holds every free block once");
        inOrder.takeVisits();
        if (bySize != null) {
            bySize.takeVisits();
        }
    }

    private void check(boolean invariant, long at, String what) {
        if (!invariant) {
            throw new IllegalStateException(strategy() + ": broken invariant at " + Sizes.hex(at) + ": " + what);
        }
    }

    @Override
    protected void doClose() {
        vm.release(region);
        head = 0;
        tail = 0;
        rover = 0;
    }
}
