package org.alloclab.debug;

import org.alloclab.api.Allocator;

/**
 * Bad-free detection alone: the layer knows every block it handed out, so a double free, a free of an
 * address never handed out and a free of a pointer into a block are each refused with a message that
 * says which — naming the block and where it was allocated — before the strategy sees the call. The
 * strategy is left as it was, whatever it would have made of the call itself (most heaps are corrupted
 * by a double free: glibc aborts, a bump allocator cannot tell). Every other debugging layer does the
 * same; this one adds nothing else, so its cost is the cost of knowing the blocks.
 */
public final class FreeCheckLayer extends DebugLayer {

    /** The layer's name. */
    public static final String NAME = "free-check";

    FreeCheckLayer(Allocator inner, SiteMode sites, int siteFrames, int rememberFrees) {
        super(NAME, inner, sites, siteFrames, rememberFrees);
    }
}
