package org.alloclab.buddy;

import java.util.List;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorProvider;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;
import org.alloclab.api.VirtualMemory;

/** {@code buddy}: the binary buddy allocator. */
public final class BuddyProvider implements AllocatorProvider {

    @Override
    public String name() {
        return BuddyAllocator.NAME;
    }

    @Override
    public String description() {
        return "binary buddy: power-of-two blocks split on demand and merged with their buddy on free; pages of free"
                + " blocks of a page or more decommitted lazily, past a share of the pages in use and a small floor";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(
                ParameterSpec.count("min-order", 4, "the smallest block is 2^min-order bytes (at least 3)"),
                ParameterSpec.count("max-order", 24, "a zone is 2^max-order bytes (at most 24 orders above min-order);"
                        + " larger requests get regions of their own"),
                ParameterSpec.count("idle-share", 16, "committed pages of free blocks are kept up to 1/idle-share of the"
                        + " pages in use, then the largest free blocks decommitted; 0 decommits each free block of a page or"
                        + " more as it forms"),
                ParameterSpec.bytes("idle-floor", "256KiB", "bytes of such idle pages kept whatever is in use, as a small"
                        + " commit cache: a block freed and allocated again costs no system call"));
    }

    @Override
    public Allocator create(Parameters parameters, VirtualMemory vm) {
        long min = parameters.count("min-order");
        long max = parameters.count("max-order");
        if (min < 3 || min > 40) {
            throw parameters.invalid("min-order", "must be from 3 to 40");
        }
        if (max < min || max > 40 || max - min > 24 || (1L << max) < vm.pageSize()) {
            throw parameters.invalid("max-order", "must be at least min-order, at most 40 and min-order + 24, and make a"
                    + " zone of at least a page (" + vm.pageSize() + " bytes)");
        }
        long idleShare = parameters.count("idle-share");
        if (idleShare < 0) {
            throw parameters.invalid("idle-share", "must be 0 or more");
        }
        long idleFloor = parameters.bytes("idle-floor");
        return new BuddyAllocator(vm, (int) min, (int) max, idleShare, idleFloor);
    }
}
