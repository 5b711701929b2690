package org.alloclab.scoped;

import org.alloclab.api.Region;
import org.alloclab.api.VirtualMemory;

/** What the arena and the segmented stack both do to grow: take a region committed whole. */
final class Chunks {

    private Chunks() {
    }

    /**
     * A region of {@code bytes} reserved and committed whole, or null when the virtual memory refuses
     * either (then nothing is held: a reserved region whose commit is refused is released).
     */
    static Region reserveCommitted(VirtualMemory vm, long bytes) {
        Region r = vm.reserve(bytes);
        if (r == null) {
            return null;
        }
        if (!vm.commit(r.address(), r.bytes())) {
            vm.release(r);
            return null;
        }
        return r;
    }
}
