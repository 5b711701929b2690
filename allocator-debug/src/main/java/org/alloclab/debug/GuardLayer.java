package org.alloclab.debug;

import java.util.ArrayList;
import java.util.List;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Capability;
import org.alloclab.api.Memory;
import org.alloclab.api.Region;
import org.alloclab.api.Sizes;
import org.alloclab.api.UncommittedAccessException;
import org.alloclab.api.VirtualMemory;
import org.alloclab.vmem.PageProtection;

/**
 * Guard pages, after Electric Fence: each block gets pages of its own from the strategy, placed so that
 * it ends right where a page that is not committed begins ({@code side = after}), or starts right where
 * one ends ({@code side = before}). An overrun (or underrun) then touches memory that is not there.
 *
 * <ul>
 *   <li>With the simulated virtual memory (or the OS one with {@code checked = true}) the touch is caught
 *       by the memory view; this layer's {@link #memory()} turns it into a
 *       {@link HeapCorruptionException} naming the address, the block it belongs to, its size and its
 *       allocation site.</li>
 *   <li>With OS memory unchecked, the touch is a real fault: the JVM stops with {@code SIGSEGV} and
 *       its {@code hs_err_pid….log} names the faulting address ({@code si_addr}); the guard page is the
 *       one just past (or before) a block. See the README's "Debugging layers".</li>
 * </ul>
 *
 * <p>The guard page lies inside what the strategy handed out, so the strategy itself never touches it
 * while the block lives. It is decommitted through the virtual memory (for a strategy with
 * {@link Capability#EXTERNAL_MEMORY}, protected with {@code mprotect}, and this layer's memory view checks
 * it too), and committed again before the block goes back to the strategy, which may write its free-list
 * links there. Should that commit fail (the physical budget is spent) the block is held, off the
 * caller's books, and given back at a later call. A reset or frame pop drops blocks without a free: their
 * guard pages are committed again before it, or, when the budget does not allow, right after it (when the
 * strategy has given pages back), or at a later call. For a strategy without {@link Capability#FREE}, whose
 * blocks only ever go with a reset or a pop, the layer makes sure of it: for each guard page it keeps one
 * page of its own committed, and lets that one go just before the guard page is committed again.
 *
 * <p>Alignment: with {@code side = after}, a block whose size is not a multiple of its alignment ends
 * that many bytes before the guard page (as in Electric Fence); a red-zone layer inside this one covers
 * them.
 */
public final class GuardLayer extends DebugLayer {

    /** The layer's name. */
    public static final String NAME = "guards";

    private final VirtualMemory vm;
    private final boolean after;
    private final boolean external;
    private final long page;
    private final BlockTable guardPages = new BlockTable();   // page address → slot of its block (external memory)
    private final List<long[]> pending = new ArrayList<>();   // {base, guard}: freed, waiting for their guard to come back
    private final Memory view;
    // A strategy without free drops blocks only with a reset or pop, which must find their guard pages
    // committed again however the budget stands: for each guard page such a strategy holds, the layer keeps
    // one page of its own committed ("held"), and lets it go at the moment the guard page is committed again.
    private final boolean holdsPages;
    private final List<Region> holdRegions = new ArrayList<>();
    private final List<Long> heldPages = new ArrayList<>();
    private final List<Long> spareSlots = new ArrayList<>();
    private long nextSlot;
    private long slotsEnd;

    GuardLayer(Allocator inner, VirtualMemory vm, boolean after, SiteMode sites, int siteFrames, int rememberFrees) {
        super(NAME, inner, sites, siteFrames, rememberFrees);
        this.vm = vm;
        this.after = after;
        this.external = inner.supports(Capability.EXTERNAL_MEMORY);
        this.page = external ? PageProtection.pageSize() : vm.pageSize();
        this.view = new GuardedMemory(inner.memory());
        this.holdsPages = !external && !inner.supports(Capability.FREE);
    }

    /** Commits one page of the layer's own, to be let go when a guard page must be committed again. */
    private boolean hold() {
        long slot;
        if (!spareSlots.isEmpty()) {
            slot = spareSlots.removeLast();
        } else {
            if (nextSlot == slotsEnd) {
                Region r = vm.reserve(256 * page);
                if (r == null) {
                    return false;
                }
                holdRegions.add(r);
                nextSlot = r.address();
                slotsEnd = r.end();
            }
            slot = nextSlot;
            nextSlot += page;
        }
        if (!vm.commit(slot, page)) {
            spareSlots.add(slot);
            return false;
        }
        heldPages.add(slot);
        return true;
    }

    private void letGo() {
        if (!heldPages.isEmpty()) {
            long slot = heldPages.removeLast();
            vm.decommit(slot, page);
            spareSlots.add(slot);
        }
    }

    @Override
    public Memory memory() {
        return view;
    }

    /** Where the guard page of the block at {@code slot} starts. */
    private long guardOf(int slot) {
        return blocks.extra[slot];
    }

    @Override
    protected long place(long size, long alignment) {
        long unit = Math.max(alignment, page);
        long rounded = Sizes.alignUp(size, alignment);
        long data = Sizes.alignUp(rounded, unit);
        if (data > MAX_REQUEST - unit) {
            placedBase = 0;
            return 0;
        }
        if (holdsPages && !hold()) {
            placedBase = 0;
            return 0;
        }
        long base = after ? inner.allocate(data + page, unit) : inner.allocate(unit + Sizes.alignUp(size, page), unit);
        placedBase = base;
        if (base == 0) {
            if (holdsPages) {
                letGo();
            }
            return 0;
        }
        long guard = after ? base + data : base + unit - page;
        long user = after ? base + data - rounded : base + unit;
        protect(guard);
        pendingGuard = guard;
        return user;
    }

    private long pendingGuard;

    @Override
    protected boolean sameAddresses() {
        return false;
    }

    @Override
    protected void prepare(int slot, long kept) {
        blocks.extra[slot] = pendingGuard;
        if (external) {
            guardPages.add(pendingGuard);
        }
    }

    private void protect(long guard) {
        if (external) {
            PageProtection.set(guard, page, false);
        } else {
            vm.decommit(guard, page);
        }
    }

    /** Gives the guard page back; false when it could not be committed again. */
    private boolean unprotect(long guard) {
        if (external) {
            PageProtection.set(guard, page, true);
            return true;
        }
        return vm.commit(guard, page);
    }

    @Override
    protected void retire(int slot) {
        long guard = guardOf(slot);
        if (external) {
            guardPages.remove(guard);
        }
        if (!unprotect(guard)) {
            pending.add(new long[] {blocks.base[slot], guard, blocks.seq[slot]});
            return;
        }
        try {
            innerFree(blocks.base[slot]);
        } catch (RuntimeException e) {
            protect(guard);                  // the strategy refused: the block is still the caller's, guarded
            if (external) {
                guardPages.add(guard);
            }
            throw e;
        }
    }

    @Override
    protected void forget(int slot) {
        long guard = guardOf(slot);
        if (external) {
            guardPages.remove(guard);
        }
        giveBack(guard);
    }

    /**
     * The guard page of a block a reset or pop drops goes back to the strategy, committed: at once (letting
     * go of the page the layer held for it), or once the reset or pop has given pages back ({@link #repay}).
     */
    private void giveBack(long guard) {
        if (holdsPages) {
            letGo();
        }
        if (!unprotect(guard)) {
            owed.add(guard);
        }
    }

    /** Guard pages of blocks a reset or pop dropped that could not be committed again yet. */
    private final List<Long> owed = new ArrayList<>();

    @Override
    protected void afterDrop() {
        repay();
    }

    private void repay() {
        for (int i = owed.size() - 1; i >= 0; i--) {
            if (unprotect(owed.get(i))) {
                owed.remove(i);
            }
        }
    }

    /**
     * Memory of the C library's heap outlives the strategy: its guard pages must be accessible again before
     * the blocks go back with the close, or the next user of that memory would fault.
     */
    @Override
    protected void beforeClose() {
        for (Region r : holdRegions) {
            vm.release(r);
        }
        holdRegions.clear();
        heldPages.clear();
        if (external) {
            for (int slot : blocks.liveSlots()) {
                unprotect(guardOf(slot));
            }
            guardPages.clear();
        }
    }

    /**
     * The strategy's own check, with every guard page committed for its duration: a strategy that keeps
     * track of its committed pages (dsmalloc does) would otherwise take a guard page, decommitted behind its
     * back, for corruption. Should the physical budget not allow that, only the layer's checks are made.
     */
    @Override
    protected void verifyInner() {
        int[] live = blocks.liveSlots();
        int done = 0;
        try {
            for (; done < live.length; done++) {
                if (!unprotect(guardOf(live[done]))) {
                    return;
                }
            }
            inner.verify();
        } finally {
            for (int i = 0; i < done; i++) {
                protect(guardOf(live[i]));
            }
        }
    }

    @Override
    protected void afterOperation() {
        repay();
        for (int i = pending.size() - 1; i >= 0; i--) {
            long[] p = pending.get(i);
            if (unprotect(p[1])) {
                pending.remove(i);
                innerFree(p[0]);
            }
        }
    }

    /**
     * Freed blocks still waiting for their guard page go with the reset or pop that drops them in the
     * strategy: their guard pages are owed back to it like those of live blocks.
     */
    @Override
    protected void dropping(long seq) {
        for (int i = pending.size() - 1; i >= 0; i--) {
            long[] p = pending.get(i);
            if (p[2] > seq) {
                pending.remove(i);
                giveBack(p[1]);
            }
        }
    }

    @Override
    protected void addStats(AllocatorStats.Builder b) {
        b.count("guard_pages", blocks.count(), "pages kept uncommitted after (or before) live blocks");
        b.count("guard_pending_frees", pending.size(), "freed blocks waiting for their guard page to be committed again");
        b.count("guard_held_pages", heldPages.size(), "pages the layer keeps committed so a reset can commit guard pages again");
    }

    /** The block whose guard page holds {@code address}, or -1. */
    private int blockGuarding(long address) {
        for (int slot : blocks.liveSlots()) {
            long g = guardOf(slot);
            if (address >= g && address < g + page) {
                return slot;
            }
        }
        return -1;
    }

    private RuntimeException touched(String access, long address, long bytes, RuntimeException cause) {
        long end = address + Math.max(1, bytes);
        for (long a = address; a < end; a = Sizes.alignDown(a, page) + page) {
            int slot = blockGuarding(a);
            if (slot >= 0) {
                var e = corruption(access + " of " + bytes + " byte" + (bytes == 1 ? "" : "s") + " at "
                        + Sizes.hex(address) + " touches the guard page", slot, a);
                if (cause != null) {
                    e.initCause(cause);
                }
                return e;
            }
        }
        return cause;
    }

    /** The strategy's memory, with touches of guard pages named by their block. */
    private final class GuardedMemory implements Memory {
        private final Memory m;

        GuardedMemory(Memory m) {
            this.m = m;
        }

        private void before(String access, long address, long bytes) {
            if (external && guardPages.count() != 0) {
                long first = Sizes.alignDown(address, page);
                long last = Sizes.alignDown(address + Math.max(1, bytes) - 1, page);
                for (long p = first; p <= last; p += page) {
                    if (guardPages.find(p) >= 0) {
                        throw touched(access, address, bytes, null);
                    }
                }
            }
        }

        private RuntimeException after(UncommittedAccessException e, String access, long address, long bytes) {
            return touched(access, address, bytes, e);
        }

        @Override
        public byte getByte(long address) {
            before("read", address, 1);
            try {
                return m.getByte(address);
            } catch (UncommittedAccessException e) {
                throw after(e, "read", address, 1);
            }
        }

        @Override
        public void putByte(long address, byte value) {
            before("write", address, 1);
            try {
                m.putByte(address, value);
            } catch (UncommittedAccessException e) {
                throw after(e, "write", address, 1);
            }
        }

        @Override
        public int getInt(long address) {
            before("read", address, 4);
            try {
                return m.getInt(address);
            } catch (UncommittedAccessException e) {
                throw after(e, "read", address, 4);
            }
        }

        @Override
        public void putInt(long address, int value) {
            before("write", address, 4);
            try {
                m.putInt(address, value);
            } catch (UncommittedAccessException e) {
                throw after(e, "write", address, 4);
            }
        }

        @Override
        public long getLong(long address) {
            before("read", address, 8);
            try {
                return m.getLong(address);
            } catch (UncommittedAccessException e) {
                throw after(e, "read", address, 8);
            }
        }

        @Override
        public void putLong(long address, long value) {
            before("write", address, 8);
            try {
                m.putLong(address, value);
            } catch (UncommittedAccessException e) {
                throw after(e, "write", address, 8);
            }
        }

        @Override
        public void fill(long address, long bytes, byte value) {
            before("write", address, bytes);
            try {
                m.fill(address, bytes, value);
            } catch (UncommittedAccessException e) {
                throw after(e, "write", address, bytes);
            }
        }

        @Override
        public void copy(long from, long to, long bytes) {
            before("read", from, bytes);
            before("write", to, bytes);
            try {
                m.copy(from, to, bytes);
            } catch (UncommittedAccessException e) {
                RuntimeException r = touched("read", from, bytes, null);
                throw r != null ? r : after(e, "write", to, bytes);
            }
        }
    }
}
