package org.alloclab.debug;

import org.alloclab.api.Sizes;

/**
 * A debugging layer found memory that a program changed where it had no right to: a red zone around a
 * block, a freed block in quarantine, a guard page. It names the block — its address, the size that was
 * asked for and where it was allocated — and where in it the damage starts.
 */
public class HeapCorruptionException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final long block;
    private final long size;
    private final long damaged;
    private final String site;
    private boolean completed;

    /**
     * @param what    the kind of damage ("red zone after the block damaged", …)
     * @param block   the block's address, as its caller holds it
     * @param size    the bytes that were asked for
     * @param damaged the first damaged (or touched) byte
     * @param site    where the block was allocated, as {@link Sites#describe(Object)} writes it
     */
    public HeapCorruptionException(String strategy, String what, long block, long size, long damaged, String site) {
        super(strategy + ": " + what + " at " + Sizes.hex(damaged) + " (" + where(block, size, damaged)
                + ") of the " + size + "-byte block at " + Sizes.hex(block) + ", allocated at " + site);
        this.block = block;
        this.size = size;
        this.damaged = damaged;
        this.site = site;
    }

    private static String where(long block, long size, long damaged) {
        if (damaged < block) {
            return (block - damaged) + " byte" + (block - damaged == 1 ? "" : "s") + " before the start";
        }
        if (damaged >= block + size) {
            long past = damaged - (block + size);
            return past + " byte" + (past == 1 ? "" : "s") + " past the end";
        }
        return "offset " + (damaged - block);
    }

    /**
     * Marks the report as made after the operation that found the damage took effect (a free that
     * evicted a poisoned block, a reset): a layer around the one that threw finishes its own part of the
     * operation before passing the report on. Returns this exception.
     */
    public HeapCorruptionException completed() {
        this.completed = true;
        return this;
    }

    /** Whether the operation that found the damage took effect before the report. */
    public boolean isCompleted() {
        return completed;
    }

    /** The address of the block, as its caller holds it. */
    public long block() {
        return block;
    }

    /** The size the block was asked for. */
    public long size() {
        return size;
    }

    /** The first byte found damaged or touched. */
    public long damaged() {
        return damaged;
    }

    /** Where the block was allocated. */
    public String site() {
        return site;
    }
}
