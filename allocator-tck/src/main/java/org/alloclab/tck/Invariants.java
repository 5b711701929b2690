package org.alloclab.tck;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Capability;
import org.alloclab.api.HeapVisitor;
import org.alloclab.api.Sizes;

/**
 * The rules the contract checks after every step, against a {@link HeapModel}. Each broken rule is a
 * {@link ContractViolation} whose check name is one of: {@code alignment}, {@code ownership},
 * {@code committed}, {@code overlap}, {@code contents}, {@code usable-size}, {@code stats},
 * {@code live-bytes}, {@code walk}, {@code verify}.
 *
 * <p>An allocator with {@link Capability#EXTERNAL_MEMORY} takes its memory from elsewhere (the C
 * library, a native allocator, the JDK), so the two checks against the virtual memory are not made for
 * it: that a block lies in a region the allocator reserved, and that a block (up to its usable size) is
 * committed there. {@code owns()} and every other rule still apply.
 */
final class Invariants {

    private final Allocator allocator;
    private final RecordingVirtualMemory vm;
    private final HeapModel model;
    private final boolean external;

    Invariants(Allocator allocator, RecordingVirtualMemory vm, HeapModel model) {
        this.allocator = allocator;
        this.vm = vm;
        this.model = model;
        this.external = model.has(Capability.EXTERNAL_MEMORY);
    }

    /**
     * Checks a block just handed out, before the contract writes into it: aligned, owned, in one of the
     * allocator's regions and committed (unless its memory is external), and clear of every block the
     * allocator still holds.
     *
     * @param except the name of a block it may overlap (the old block of a moving reallocation), or null
     */
    void checkNewBlock(String name, long address, long size, long alignment, String except) {
        checkPlacement(name, address, size, alignment);
        for (HeapModel.Occupied o : model.occupied()) {
            if (!o.name().equals(except) && address < o.end() && o.address() < address + size) {
                throw new ContractViolation("overlap", name + " [" + Sizes.hex(address) + ", "
                        + Sizes.hex(address + size) + ") handed out over " + o.name() + " ["
                        + Sizes.hex(o.address()) + ", " + Sizes.hex(o.end()) + "), which the allocator still holds");
            }
        }
    }

    /** Checks the pattern of {@code b} at {@code address} for its first {@code upTo} bytes. */
    void checkContents(HeapModel.Block b, long address, long upTo, String when) {
        String wrong = HeapModel.checkPattern(allocator.memory(), b, address, b.size, upTo);
        if (wrong != null) {
            throw new ContractViolation("contents", b.name() + " (size " + b.size + ") " + when + ": " + wrong);
        }
    }

    /** Every rule, in the order: placement, overlap, contents, usable size, stats, walk, verify. */
    void checkAll() {
        Map<Integer, Long> usable = new HashMap<>();
        for (HeapModel.Block b : model.liveBlocks()) {
            checkPlacement(b.name(), b.address, b.size, b.alignment);
            if (model.has(Capability.USABLE_SIZE)) {
                long u = call("usable-size", () -> allocator.usableSize(b.address), "usableSize(" + b.name() + ")");
                if (u < b.size) {
                    throw new ContractViolation("usable-size", b.name() + ": usableSize is " + u
                            + ", below the " + b.size + " bytes asked for");
                }
                if (!external && !vm.isCommitted(b.address, u)) {
                    throw new ContractViolation("committed", b.name() + ": its usable size " + u
                            + " reaches memory that is not committed");
                }
                usable.put(b.token, u);
            }
        }
        checkNoOverlap(usable);
        for (HeapModel.Block b : model.liveBlocks()) {
            checkContents(b, b.address, b.size, "changed while live");
        }
        checkStats();
        checkWalk(usable);
        try {
            allocator.verify();
        } catch (RuntimeException e) {
            throw new ContractViolation("verify", "verify() threw " + e, e);
        }
    }

    private void checkPlacement(String name, long address, long size, long alignment) {
        if (address % alignment != 0) {
            throw new ContractViolation("alignment", name + " at " + Sizes.hex(address) + " is not aligned to "
                    + alignment);
        }
        if (!allocator.owns(address) || !allocator.owns(address + size - 1)) {
            throw new ContractViolation("ownership", name + " [" + Sizes.hex(address) + ", "
                    + Sizes.hex(address + size) + "): owns() says the allocator does not manage it");
        }
        if (external) {
            return;
        }
        if (!vm.inLiveRegion(address, size)) {
            throw new ContractViolation("ownership", name + " [" + Sizes.hex(address) + ", "
                    + Sizes.hex(address + size) + ") is not inside a region the allocator reserved (it has "
                    + vm.liveRegions() + ")");
        }
        if (!vm.isCommitted(address, size)) {
            throw new ContractViolation("committed", name + " [" + Sizes.hex(address) + ", "
                    + Sizes.hex(address + size) + ") is not entirely in committed memory");
        }
    }

    private void checkNoOverlap(Map<Integer, Long> usable) {
        var spans = new ArrayList<HeapModel.Occupied>();
        for (HeapModel.Occupied o : model.occupied()) {
            spans.add(o);
        }
        for (HeapModel.Block b : model.liveBlocks()) {
            Long u = usable.get(b.token);
            if (u != null && u > b.size) {
                spans.add(new HeapModel.Occupied(b.name() + " (usable size)", b.address, u));
            }
        }
        spans.sort((a, b) -> Long.compare(a.address(), b.address()));
        HeapModel.Occupied reach = null;
        for (HeapModel.Occupied o : spans) {
            if (reach != null && reach.end() > o.address() && !sameBlock(reach, o)) {
                throw new ContractViolation("overlap", reach.name() + " [" + Sizes.hex(reach.address()) + ", "
                        + Sizes.hex(reach.end()) + ") overlaps " + o.name() + " [" + Sizes.hex(o.address()) + ", "
                        + Sizes.hex(o.end()) + ")");
            }
            if (reach == null || o.end() > reach.end()) {
                reach = o;
            }
        }
    }

    private static boolean sameBlock(HeapModel.Occupied a, HeapModel.Occupied b) {
        return a.address() == b.address() && a.name().split(" ")[0].equals(b.name().split(" ")[0]);
    }

    private void checkStats() {
        AllocatorStats stats = call("stats", allocator::stats, "stats()");
        for (String required : List.of(AllocatorStats.LIVE_BYTES, AllocatorStats.PEAK_LIVE_BYTES,
                AllocatorStats.COMMITTED_BYTES, AllocatorStats.PEAK_COMMITTED_BYTES,
                AllocatorStats.RESERVED_BYTES, AllocatorStats.OVERHEAD_BYTES)) {
            if (stats.find(required).isEmpty()) {
                throw new ContractViolation("stats", "stats() does not report " + required + " (it reports "
                        + stats.asMap().keySet() + ")");
            }
        }
        long live = stats.get(AllocatorStats.LIVE_BYTES);
        if (live != model.liveBytes()) {
            throw new ContractViolation("live-bytes", "stats() reports live_bytes = " + live + ", the model holds "
                    + model.liveBytes() + " (" + model.liveBlocks().size() + " live blocks"
                    + (model.held().isEmpty() ? "" : ", " + model.held().size() + " held after moving reallocations")
                    + ")");
        }
        long peak = stats.get(AllocatorStats.PEAK_LIVE_BYTES);
        if (peak < live) {
            throw new ContractViolation("live-bytes", "peak_live_bytes " + peak + " is below live_bytes " + live);
        }
        var blocks = stats.find(AllocatorStats.LIVE_BLOCKS);
        if (blocks.isPresent() && blocks.getAsLong() != model.liveCount()) {
            throw new ContractViolation("live-bytes", "stats() reports live_blocks = " + blocks.getAsLong()
                    + ", the model holds " + model.liveCount());
        }
    }

    private record Span(boolean allocated, long address, long bytes) {
        long end() {
            return address + bytes;
        }

        @Override
        public String toString() {
            return (allocated ? "allocated" : "free") + " [" + Sizes.hex(address) + ", " + Sizes.hex(end()) + ")";
        }
    }

    private void checkWalk(Map<Integer, Long> usable) {
        var spans = new TreeMap<Long, Span>();
        var order = new ArrayList<Span>();
        try {
            allocator.walk(new HeapVisitor() {
                @Override
                public void allocated(long address, long bytes) {
                    order.add(new Span(true, address, bytes));
                }

                @Override
                public void free(long address, long bytes) {
                    order.add(new Span(false, address, bytes));
                }
            });
        } catch (RuntimeException e) {
            throw new ContractViolation("walk", "walk() threw " + e, e);
        }
        Span previous = null;
        for (Span s : order) {
            if (s.bytes() <= 0) {
                throw new ContractViolation("walk", "a " + s + " span of " + s.bytes() + " bytes");
            }
            if (previous != null && s.address() < previous.end()) {
                throw new ContractViolation("walk", "spans out of address order or overlapping: " + previous
                        + " then " + s);
            }
            spans.put(s.address(), s);
            previous = s;
        }
        int allocatedSpans = 0;
        for (Span s : order) {
            if (s.allocated()) {
                allocatedSpans++;
            }
        }
        for (HeapModel.Occupied o : model.occupied()) {
            var floor = spans.floorEntry(o.address());
            Span s = floor == null ? null : floor.getValue();
            for (Span later : spans.subMap(o.address(), false, o.end(), false).values()) {
                if (!later.allocated()) {
                    throw new ContractViolation("walk", o.name() + " [" + Sizes.hex(o.address()) + ", "
                            + Sizes.hex(o.end()) + ") intersects the " + later);
                }
            }
            if (s == null || s.end() < o.end() || s.end() <= o.address()) {
                throw new ContractViolation("walk", o.name() + " [" + Sizes.hex(o.address()) + ", "
                        + Sizes.hex(o.end()) + ") is not inside any span walk() reports"
                        + (s == null ? "" : " (nearest below: " + s + ")"));
            }
            if (!s.allocated()) {
                throw new ContractViolation("walk", o.name() + " [" + Sizes.hex(o.address()) + ", "
                        + Sizes.hex(o.end()) + ") lies in the " + s);
            }
            if (model.has(Capability.WALK_BLOCKS)) {
                if (s.address() != o.address()) {
                    throw new ContractViolation("walk", "with WALK_BLOCKS, " + o.name() + " at "
                            + Sizes.hex(o.address()) + " should be its own span, but lies in the " + s);
                }
                Long u = usableOf(o, usable);
                if (u != null && s.bytes() != u) {
                    throw new ContractViolation("walk", "with WALK_BLOCKS, the span of " + o.name() + " is "
                            + s.bytes() + " bytes, its usable size is " + u);
                }
            }
        }
        if (model.has(Capability.WALK_BLOCKS) && allocatedSpans != model.occupied().size()) {
            throw new ContractViolation("walk", "with WALK_BLOCKS, walk() reports " + allocatedSpans
                    + " allocated spans, the allocator holds " + model.occupied().size() + " blocks");
        }
    }

    private Long usableOf(HeapModel.Occupied o, Map<Integer, Long> usable) {
        for (HeapModel.Block b : model.liveBlocks()) {
            if (b.address == o.address() && b.name().equals(o.name())) {
                return usable.get(b.token);
            }
        }
        return null;
    }

    interface Call<T> {
        T get();
    }

    private static <T> T call(String check, Call<T> call, String what) {
        try {
            return call.get();
        } catch (RuntimeException e) {
            throw new ContractViolation(check, what + " threw " + e, e);
        }
    }
}
