package org.alloclab.debug;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.alloclab.api.AbstractAllocator;
import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Capability;
import org.alloclab.api.Decorator;
import org.alloclab.api.Frame;
import org.alloclab.api.HeapVisitor;
import org.alloclab.api.Memory;
import org.alloclab.api.Metric;
import org.alloclab.api.Sizes;

/**
 * What every debugging layer shares, written once: it knows each live block the caller holds (its address,
 * the block the wrapped strategy handed out for it, the size asked for, its order and its allocation site),
 * so it can tell any bad free — a double free, an address never handed out, a pointer into a block — from
 * a good one before the wrapped strategy sees it, and name the block in every report.
 *
 * <p>A subclass decides where a block lies in what the strategy hands out ({@link #place}), what happens
 * when it is born ({@link #prepare}), checked ({@link #checkBlock}) and given back ({@link #retire}).
 * The layer answers to the strategy's name, declares the strategy's capabilities (always with
 * {@link Capability#USABLE_SIZE}, which it can answer from what it knows) but never
 * {@link Capability#THREAD_SAFE}: its bookkeeping is for one thread at a time, and the harness puts the
 * locking layer around it when a run has several threads.
 *
 * <h2>What the caller sees</h2>
 * {@code live_bytes}, {@code peak_live_bytes} and {@code live_blocks} are the caller's (without red zones,
 * guard pages or blocks held in quarantine); the strategy's other metrics are passed on as they are, then
 * the layer's own. With {@link Capability#WALK_BLOCKS} the walk reports each block at its caller's address
 * and usable size, and leaves out what only the layer holds; {@link #verify()} checks the strategy, then
 * everything the layer can check ({@link #check()}).
 */
public abstract class DebugLayer extends AbstractAllocator implements Decorator {

    /** Metric: frees and reallocations refused because the address was not a live block. */
    public static final String BAD_FREES = "bad_frees";

    /** How sites of blocks are found. */
    public enum SiteMode {
        /** Walk the caller's stack at every allocation (a recorded site from a trace wins). */
        STACK,
        /** Only sites a trace recorded. */
        RECORDED
    }

    protected final Allocator inner;
    protected final Memory memory;
    final BlockTable blocks = new BlockTable();
    private final String layerName;
    private final boolean innerFrees;
    private final boolean innerUsable;
    private final boolean innerWalksBlocks;
    private final SiteMode siteMode;
    private final int siteFrames;
    private Object nextSite;

    private long seq;
    private long live;
    private long peakLive;
    private long badFrees;
    private final Deque<Mark> frames = new ArrayDeque<>();

    // recently freed blocks, to tell a double free from a stray address: a ring, scanned only on a bad free
    private final long[] freedAddress;
    private final long[] freedSize;
    private final Object[] freedSite;
    private long freedCount;

    private record Mark(Frame frame, long seq) {
    }

    /**
     * @param layerName  the layer's name in results
     * @param inner      the strategy (or layer) wrapped
     * @param sites      how allocation sites are found
     * @param siteFrames how many frames a stack-walked site keeps
     * @param rememberFrees how many freed blocks are remembered to name a double free
     */
    protected DebugLayer(String layerName, Allocator inner, SiteMode sites, int siteFrames, int rememberFrees) {
        super(inner.strategy(), capabilitiesOver(inner));
        this.layerName = layerName;
        this.inner = inner;
        this.memory = inner.memory();
        this.innerFrees = inner.supports(Capability.FREE);
        this.innerUsable = inner.supports(Capability.USABLE_SIZE);
        this.innerWalksBlocks = inner.supports(Capability.WALK_BLOCKS);
        this.siteMode = sites;
        this.siteFrames = Math.max(1, siteFrames);
        int ring = Integer.highestOneBit(Math.max(1, rememberFrees - 1)) << 1;   // a power of two: a mask, not a division
        this.freedAddress = new long[ring];
        this.freedSize = new long[ring];
        this.freedSite = new Object[ring];
    }

    private static Set<Capability> capabilitiesOver(Allocator inner) {
        var caps = EnumSet.of(Capability.USABLE_SIZE);
        caps.addAll(inner.capabilities());
        caps.remove(Capability.THREAD_SAFE);
        return caps;
    }

    @Override
    public final Allocator inner() {
        return inner;
    }

    @Override
    public final String decoratorName() {
        return layerName;
    }

    @Override
    public Memory memory() {
        return memory;
    }

    /**
     * The site of the next allocation or reallocation, as a trace recorded it; it is used once. Replaying
     * a trace, the harness gives every layer in the chain the trace's site before each call.
     */
    public final void nextSite(String site) {
        nextSite = site;
    }

    // ---- what a subclass decides -----------------------------------------------------------------

    /**
     * Gets memory for a block of {@code size} bytes aligned to {@code alignment} from the wrapped strategy
     * and returns the caller's address, or 0. Sets {@link #placedBase} to what the strategy handed out.
     * By default the strategy's block is the caller's.
     */
    protected long place(long size, long alignment) {
        long a = inner.allocate(size, alignment);
        placedBase = a;
        return a;
    }

    /** What the last {@link #place} got from the strategy. */
    protected long placedBase;

    /**
     * A block was just placed and recorded at {@code slot}: fill, protect… Its first {@code kept} bytes
     * already hold the caller's data (a block the strategy moved in a reallocation); 0 for a new block.
     */
    protected void prepare(int slot, long kept) {
    }

    /** Checks one live block; throws {@link HeapCorruptionException} when it finds damage. */
    protected void checkBlock(int slot) {
    }

    /**
     * Gives a block the caller freed back to the strategy (or keeps it, as a quarantine does). Called after
     * {@link #checkBlock}; the block is still in the table.
     */
    protected void retire(int slot) {
        innerFree(blocks.base[slot]);
    }

    /**
     * A block is about to vanish with a reset or a frame pop of the strategy, without a free: undo what
     * {@link #prepare} did to memory the strategy will reuse.
     */
    protected void forget(int slot) {
    }

    /** A block kept its address through a reallocation; its size was {@code oldSize}. */
    protected void resized(int slot, long oldSize) {
    }

    /** The strategy freed a block itself, moving it in a reallocation: forget what the layer kept of it. */
    protected void released(int slot) {
    }

    /** The strategy is about to drop every block (a reset), or those born after {@code seq} (a frame pop). */
    protected void dropping(long seq) {
    }

    /** The strategy is about to be closed with the blocks still live: undo what would outlive it. */
    protected void beforeClose() {
    }

    /** Runs the strategy's own {@link Allocator#verify()}. */
    protected void verifyInner() {
        inner.verify();
    }

    /** A reset or a frame pop is complete: a layer may now report what {@link #dropping} found. */
    protected void afterDrop() {
    }

    /** Checks what the layer holds besides live blocks (a quarantine); nothing by default. */
    protected void checkHeld() {
    }

    /** Whether a new block of {@code bytes} more may be had: a budget says no past its limit. */
    protected boolean admit(long bytes) {
        return true;
    }

    /** Whether the caller's address of a block is the strategy's: then reallocation can be the strategy's own. */
    protected boolean sameAddresses() {
        return true;
    }

    /**
     * Called after every allocation, free and reallocation, once the layer's books are complete: a sampler
     * counts here, a quarantine evicts.
     */
    protected void afterOperation() {
    }

    /** The layer's own metrics, added after the strategy's. */
    protected void addStats(AllocatorStats.Builder b) {
    }

    /** Usable size of the block at {@code slot}: the strategy's when the addresses are its own, else the size asked for. */
    protected long usable(int slot) {
        return sameAddresses() && innerUsable ? inner.usableSize(blocks.base[slot]) : blocks.size[slot];
    }

    // ---- services for subclasses --------------------------------------------------------------

    /**
     * A report of damage found by an operation that took effect anyway — by this layer, or by one inside
     * it — kept until this layer has done its own part: thrown at the end of a free, reset or frame pop, or
     * by the next of those or {@link #check()} after an allocation or reallocation (which must return their
     * block, so they never throw a report).
     */
    private HeapCorruptionException later;

    /** {@code inner.free}, keeping a completed report for the end of the operation. */
    protected final void innerFree(long address) {
        try {
            inner.free(address);
        } catch (HeapCorruptionException e) {
            keepIfCompleted(e);
        }
    }

    /**
     * A report from the layer inside: one made before its operation took effect goes on at once (nothing
     * happened), a completed one waits for the end of this layer's part ({@link #reportLater}).
     */
    private void keepIfCompleted(HeapCorruptionException e) {
        if (!e.isCompleted()) {
            throw e;
        }
        reportLater(e);
    }

    /** Keeps {@code e} (the first one) to be thrown when the operation under way is complete. */
    protected final void reportLater(HeapCorruptionException e) {
        if (later == null) {
            later = e.isCompleted() ? e : e.completed();
        }
    }

    private void reportNow() {
        HeapCorruptionException e = later;
        if (e != null) {
            later = null;
            throw e;
        }
    }

    /** The site of the block at {@code slot}, as a person reads it. */
    protected final String siteOf(int slot) {
        return Sites.describe(blocks.site[slot]);
    }

    /** A corruption report on the block at {@code slot}. */
    protected final HeapCorruptionException corruption(String what, int slot, long damaged) {
        return new HeapCorruptionException(strategy(), what, blocks.address[slot], blocks.size[slot], damaged, siteOf(slot));
    }

    /** The caller's bytes now live. */
    protected final long liveBytes() {
        return live;
    }

    /** The first byte in {@code [from, from + bytes)} that is not {@code pattern}, or -1. */
    protected final long firstNot(long from, long bytes, byte pattern) {
        long word = (pattern & 0xFFL) * 0x0101010101010101L;
        long a = from;
        long end = from + bytes;
        for (; a + 8 <= end; a += 8) {
            if (memory.getLong(a) != word) {
                break;
            }
        }
        for (; a < end; a++) {
            if (memory.getByte(a) != pattern) {
                return a;
            }
        }
        return -1;
    }

    /** Fills with {@code pattern}; nothing for an empty range. */
    protected final void fill(long from, long bytes, byte pattern) {
        if (bytes > 0) {
            memory.fill(from, bytes, pattern);
        }
    }

    // ---- the operations ------------------------------------------------------------------------

    @Override
    protected final long doAllocate(long size, long alignment) {
        Object site = takeSite(size);
        if (!admit(size)) {
            return 0;
        }
        long a = place(size, alignment);
        if (a != 0) {
            record(a, placedBase, size, site, 0);
        }
        afterOperation();
        return a;
    }

    private Object takeSite(long size) {
        Object recorded = nextSite;
        nextSite = null;
        return siteFor(size, recorded);
    }

    /**
     * The site to keep for an allocation of {@code size} bytes, given the one a trace recorded (or null): by
     * default the recorded one, else the caller's frames when sites are walked.
     */
    protected Object siteFor(long size, Object recorded) {
        if (recorded != null) {
            return recorded;
        }
        return siteMode == SiteMode.STACK ? Sites.capture(siteFrames) : null;
    }

    /** The caller's frames now, as many as the layer keeps. */
    protected final Object callerFrames() {
        return Sites.capture(siteFrames);
    }

    private int record(long address, long base, long size, Object site, long kept) {
        int slot = blocks.add(address);
        blocks.base[slot] = base;
        blocks.size[slot] = size;
        blocks.seq[slot] = ++seq;
        blocks.site[slot] = site;
        live += size;
        if (live > peakLive) {
            peakLive = live;
        }
        prepare(slot, kept);
        return slot;
    }

    @Override
    protected final void doFree(long address) {
        int slot = liveSlot(address, "free");
        checkBlock(slot);
        retire(slot);
        drop(slot);
        afterOperation();
        reportNow();
    }

    private void drop(int slot) {
        long a = blocks.address[slot];
        int r = (int) (freedCount++ & (freedAddress.length - 1));
        freedAddress[r] = a;
        freedSize[r] = blocks.size[slot];
        freedSite[r] = blocks.site[slot];
        live -= blocks.size[slot];
        blocks.remove(a);
    }

    @Override
    protected final long doReallocate(long address, long newSize) {
        int slot = liveSlot(address, "reallocate");
        checkBlock(slot);
        Object site = takeSite(newSize);
        long oldSize = blocks.size[slot];
        if (sameAddresses()) {
            if (!admit(innerFrees ? newSize - oldSize : newSize)) {
                return 0;
            }
            long r = inner.reallocate(address, newSize);
            if (r == 0) {
                return 0;                  // the block is as it was
            }
            if (r == address) {
                live += newSize - oldSize;
                blocks.size[slot] = newSize;
                peakLive = Math.max(peakLive, live);
                resized(slot, oldSize);
            } else {
                if (innerFrees) {
                    released(slot);
                    drop(slot);
                }
                record(r, r, newSize, site, Math.min(oldSize, newSize));
            }
            afterOperation();
            return r;
        }
        if (!admit(innerFrees ? newSize - oldSize : newSize)) {
            return 0;
        }
        long moved = place(newSize, DEFAULT_ALIGNMENT);
        if (moved == 0) {
            return 0;
        }
        record(moved, placedBase, newSize, site, 0);
        memory.copy(address, moved, Math.min(oldSize, newSize));
        if (innerFrees) {
            retire(slot);
            drop(slot);
        }
        afterOperation();
        return moved;
    }

    @Override
    protected final long doUsableSize(long address) {
        int slot = liveSlot(address, "tell the usable size of");
        return usable(slot);
    }

    @Override
    protected final boolean doOwns(long address) {
        return inner.owns(address);
    }

    @Override
    protected final void doReset() {
        HeapCorruptionException damage = vanish(blocks.liveSlots(), 0, inner::reset);
        blocks.clear();
        frames.clear();
        live = 0;
        settle(damage);
    }

    /**
     * The first part of a reset or frame pop, whose blocks never see a free: checks the {@code dying} blocks
     * (those born after {@code mark}), lets the layer undo what it did to them, and has the strategy drop
     * them. Returns the first damage found, to be thrown by {@link #settle} once the layer's books follow.
     */
    private HeapCorruptionException vanish(int[] dying, long mark, Runnable strategyDrops) {
        HeapCorruptionException damage = null;
        for (int slot : dying) {
            try {
                checkBlock(slot);
            } catch (HeapCorruptionException e) {
                damage = e;
                break;
            }
        }
        dropping(mark);
        for (int slot : dying) {
            forget(slot);
        }
        try {
            strategyDrops.run();
        } catch (HeapCorruptionException e) {
            keepIfCompleted(e);
        }
        return damage;
    }

    /**
     * The end of a reset or frame pop, the books done: the layer reports what {@link #dropping} found, then
     * the first damage is thrown (the heap has moved on as the caller asked and is consistent).
     */
    private void settle(HeapCorruptionException damage) {
        afterDrop();
        if (damage != null) {
            reportLater(damage);
        }
        reportNow();
    }

    @Override
    protected final Frame doPushFrame() {
        Frame f = inner.pushFrame();
        frames.push(new Mark(f, seq));
        return f;
    }

    @Override
    protected final void doPopFrame(Frame frame) {
        Mark top = frames.peek();
        if (top == null || top.frame() != frame) {
            inner.popFrame(frame);         // the strategy names what is wrong and changes nothing
            throw new IllegalStateException(strategy() + ": " + layerName + " has no open frame " + frame
                    + " but the strategy popped it");
        }
        int[] dying = java.util.Arrays.stream(blocks.liveSlots()).filter(slot -> blocks.seq[slot] > top.seq()).toArray();
        HeapCorruptionException damage = vanish(dying, top.seq(), () -> inner.popFrame(frame));
        frames.pop();
        for (int slot : dying) {
            live -= blocks.size[slot];
            blocks.remove(blocks.address[slot]);
        }
        settle(damage);
    }

    /**
     * Checks every live block and everything the layer holds now, on demand.
     *
     * @throws HeapCorruptionException naming the first damaged block found
     */
    public final void check() {
        ensureOpen();
        reportNow();
        for (int slot : blocks.liveSlots()) {
            checkBlock(slot);
        }
        checkHeld();
    }

    @Override
    protected final void doVerify() {
        verifyInner();
        if (blocks.count() == 0 && live != 0) {
            throw new IllegalStateException(strategy() + ": " + layerName + " counts " + live
                    + " live bytes with no block");
        }
        check();
    }

    @Override
    protected final void doWalk(HeapVisitor visitor) {
        if (!innerWalksBlocks) {
            inner.walk(visitor);
            return;
        }
        Map<Long, Integer> byBase = new HashMap<>();
        for (int slot : blocks.liveSlots()) {
            byBase.put(blocks.base[slot], slot);
        }
        inner.walk(new HeapVisitor() {
            @Override
            public void allocated(long address, long bytes) {
                Integer slot = byBase.get(address);
                if (slot != null) {
                    visitor.allocated(blocks.address[slot], usable(slot));
                }                          // else the layer holds it (quarantine): the caller has no block there
            }

            @Override
            public void free(long address, long bytes) {
                visitor.free(address, bytes);
            }
        });
    }

    @Override
    protected final AllocatorStats doStats() {
        var own = AllocatorStats.builder();
        own.bytes(AllocatorStats.LIVE_BYTES, live, "bytes the caller asked for in live blocks");
        own.bytes(AllocatorStats.PEAK_LIVE_BYTES, peakLive, "the most live_bytes were");
        own.count(AllocatorStats.LIVE_BLOCKS, blocks.count(), "blocks the caller holds");
        own.count(BAD_FREES, badFrees, "frees and reallocations of an address that was not a live block, refused");
        addStats(own);
        // the strategy's metrics in their order, the layer's where it has its own (a layer inside this one
        // reports bad_frees too: those that reach it, none once this one refuses them first)
        var merged = new java.util.LinkedHashMap<String, Metric>();
        for (Metric m : inner.stats().metrics()) {
            merged.put(m.name(), m);
        }
        for (Metric m : own.build().metrics()) {
            Metric inside = merged.get(m.name());
            if (m.name().equals(BAD_FREES) && inside != null) {
                // each layer counts the bad frees it refused itself: together, all that were refused
                merged.put(m.name(), new Metric(m.name(), m.value() + inside.value(), m.unit(), m.description()));
            } else if (inside != null || !m.name().equals(AllocatorStats.LIVE_BLOCKS)) {
                merged.put(m.name(), m);
            }
        }
        var b = AllocatorStats.builder();
        merged.values().forEach(b::add);
        return b.build();
    }

    @Override
    protected final void doClose() {
        beforeClose();
        inner.close();
        blocks.clear();
    }

    // ---- bad frees ---------------------------------------------------------------------------

    /** The slot of the live block at {@code address}, or an exception naming what it is instead. */
    private int liveSlot(long address, String what) {
        int slot = blocks.find(address);
        if (slot < 0) {
            throw badAddress(address, what);
        }
        return slot;
    }

    /** An exception naming what {@code address} is, when it is not a live block. Counts it. */
    private RuntimeException badAddress(long address, String what) {
        badFrees++;
        String why;
        int inside = containing(address);
        if (inside >= 0) {
            long a = blocks.address[inside];
            why = (address < a ? "it points " + (a - address) + " bytes before the start of"
                    : "it points " + (address - a) + " bytes into") + " the " + blocks.size[inside]
                    + "-byte block at " + Sizes.hex(a) + ", allocated at " + siteOf(inside);
        } else {
            int r = recentlyFreed(address);
            why = r >= 0 ? "double free: the " + freedSize[r] + "-byte block at " + Sizes.hex(address)
                    + " was freed already (allocated at " + Sites.describe(freedSite[r]) + ")"
                    : "it is not a block this allocator handed out"
                      + (freedCount > freedAddress.length ? " (or it was freed long ago)" : "");
        }
        return invalidFree(address, "free".equals(what) ? why : "cannot " + what + " it: " + why);
    }

    /** The live block whose memory (its own bytes or what the layer keeps around them) holds {@code address}, or -1. */
    private int containing(long address) {
        for (int slot : blocks.liveSlots()) {
            long lo = Math.min(blocks.base[slot], blocks.address[slot]);
            long hi = blocks.address[slot] + blocks.size[slot];
            if (address >= lo && address < hi) {
                return slot;
            }
        }
        return -1;
    }

    private int recentlyFreed(long address) {
        long n = Math.min(freedCount, freedAddress.length);
        for (long k = 1; k <= n; k++) {
            int r = (int) ((freedCount - k) & (freedAddress.length - 1));
            if (freedAddress[r] == address) {
                return r;
            }
        }
        return -1;
    }



    @Override
    public String toString() {
        return layerName + "(" + inner + ")";
    }
}
