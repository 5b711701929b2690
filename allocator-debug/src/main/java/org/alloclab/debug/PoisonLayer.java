package org.alloclab.debug;

import java.util.ArrayDeque;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Capability;
import org.alloclab.api.Sizes;

/**
 * Poisoning: a freed block is filled with {@code free-pattern} and held in a quarantine, first in first
 * out, until more than {@code quarantine-bytes} are held; only then does it go back to the strategy — and
 * before it does, the pattern is checked. A write after free (through a pointer the program kept) changes
 * it, and the block is reported with its size, its allocation site and the first changed byte: when the
 * block is about to be reused, or at once by {@link #check()} (and {@link #verify()}), which check the
 * whole quarantine. New blocks may be filled with {@code new-pattern}, so a read of memory never written
 * shows a value no program meant.
 *
 * <p>A block in quarantine is not the caller's: it is not in {@code live_bytes}, not in the walk, and
 * freeing it again is a double free. A reallocation that moves a block sends the old one to quarantine
 * too. A strategy without {@link Capability#FREE} has nothing to poison; {@code new-pattern} still applies.
 */
public final class PoisonLayer extends DebugLayer {

    /** The layer's name. */
    public static final String NAME = "poison";

    private final byte freePattern;
    private final int newPattern;          // -1: none
    private final long quarantineLimit;
    private final boolean innerUsable;
    private final ArrayDeque<Held> quarantine = new ArrayDeque<>();
    private long held;
    private long writesAfterFree;

    private record Held(long address, long size, long poisoned, long seq, Object site) {
    }

    PoisonLayer(Allocator inner, byte freePattern, int newPattern, long quarantineLimit, SiteMode sites, int siteFrames,
                int rememberFrees) {
        super(NAME, inner, sites, siteFrames, rememberFrees);
        this.freePattern = freePattern;
        this.newPattern = newPattern;
        this.quarantineLimit = quarantineLimit;
        this.innerUsable = inner.supports(Capability.USABLE_SIZE);
    }

    @Override
    protected void prepare(int slot, long kept) {
        if (newPattern >= 0) {
            fill(blocks.address[slot] + kept, blocks.size[slot] - kept, (byte) newPattern);
        }
    }

    @Override
    protected boolean sameAddresses() {
        // moving reallocations are the layer's own, so the old block goes to quarantine
        return !inner.supports(Capability.FREE);
    }

    @Override
    protected long usable(int slot) {
        return innerUsable ? inner.usableSize(blocks.address[slot]) : blocks.size[slot];
    }

    @Override
    protected void retire(int slot) {
        long a = blocks.address[slot];
        long poisoned = usable(slot);
        fill(a, poisoned, freePattern);
        quarantine.addLast(new Held(a, blocks.size[slot], poisoned, blocks.seq[slot], blocks.site[slot]));
        held += poisoned;
    }

    /**
     * Releases the oldest blocks past the limit, once the operation that pushed them out is complete. A
     * damaged one goes back to the strategy all the same (nothing is lost) and is reported at the end of a
     * free, or — after a reallocation, which must return its block — at the next free, {@code check()} or
     * {@code verify()}.
     */
    @Override
    protected void afterOperation() {
        while (held > quarantineLimit && !quarantine.isEmpty()) {
            Held h = quarantine.removeFirst();
            held -= h.poisoned();
            HeapCorruptionException damage = damage(h);
            innerFree(h.address());
            if (damage != null) {
                writesAfterFree++;
                reportLater(damage.completed());
            }
        }
    }

    private HeapCorruptionException damage(Held h) {
        long bad = firstNot(h.address(), h.poisoned(), freePattern);
        if (bad < 0) {
            return null;
        }
        return new HeapCorruptionException(strategy(), "write after free", h.address(), h.size(), bad,
                Sites.describe(h.site()));
    }

    @Override
    protected void checkHeld() {
        for (Held h : quarantine) {
            HeapCorruptionException e = damage(h);
            if (e != null) {
                writesAfterFree++;
                throw e;
            }
        }
    }

    @Override
    protected void dropping(long seq) {
        // the strategy drops these with a reset or a pop: check them now, they will never be freed
        HeapCorruptionException first = null;
        for (var it = quarantine.iterator(); it.hasNext(); ) {
            Held h = it.next();
            if (h.seq() > seq) {
                if (first == null) {
                    first = damage(h);
                }
                held -= h.poisoned();
                it.remove();
            }
        }
        if (first != null) {
            writesAfterFree++;
            reportLater(first.completed());
        }
    }

    @Override
    protected void addStats(AllocatorStats.Builder b) {
        b.bytes("quarantine_bytes", held, "freed bytes held poisoned before they go back to the strategy");
        b.count("quarantine_blocks", quarantine.size(), "freed blocks held poisoned");
        b.count("writes_after_free", writesAfterFree, "freed blocks found changed");
    }

    @Override
    public String toString() {
        return NAME + "(" + inner + ", quarantine " + Sizes.format(quarantineLimit) + ")";
    }
}
