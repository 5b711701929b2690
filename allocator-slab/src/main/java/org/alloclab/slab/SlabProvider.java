package org.alloclab.slab;

import java.util.Arrays;
import java.util.List;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorProvider;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;
import org.alloclab.api.Sizes;
import org.alloclab.api.VirtualMemory;

/** {@code slab}: object caches with per-thread magazines and a depot. */
public final class SlabProvider implements AllocatorProvider {

    @Override
    public String name() {
        return SlabAllocator.NAME;
    }

    @Override
    public String description() {
        return "Bonwick's slab allocator: object caches carved from page runs, optional constructed state, per-thread"
                + " magazines exchanged with a lock-free depot; empty slabs decommitted; thread-safe";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(
                ParameterSpec.text("sizes", "8,16,32,64,96,128,192,256,512,1024,2048,4096,8192,16384,32768", "object sizes of the"
                        + " general caches, ascending, multiples of 8; larger requests get page runs of their own"),
                ParameterSpec.text("constructor", "none", "constructed state of the general caches' objects: none, or a"
                        + " byte (0x00 to 0xff) every object is filled with once, when its slab is made"),
                ParameterSpec.bytes("magazine-bytes", "16KiB", "a magazine holds clamp(magazine-bytes / size, 2, 256)"
                        + " objects; each thread has two per cache"),
                ParameterSpec.count("depot-magazines", 16, "full magazines a cache's depot keeps; more go back to the"
                        + " slabs"),
                ParameterSpec.bytes("area", "1GiB", "address space reserved at a time for slabs"));
    }

    @Override
    public Allocator create(Parameters parameters, VirtualMemory vm) {
        long[] sizes;
        try {
            sizes = Arrays.stream(parameters.text("sizes").split(",")).map(String::trim).mapToLong(Long::parseLong)
                    .toArray();
        } catch (NumberFormatException e) {
            throw parameters.invalid("sizes", "must be a comma-separated list of byte counts (" + e.getMessage() + ")");
        }
        if (sizes.length == 0 || sizes.length > 100) {
            throw parameters.invalid("sizes", "must name from 1 to 100 sizes");
        }
        for (int i = 0; i < sizes.length; i++) {
            if (sizes[i] < 8 || sizes[i] > Sizes.MiB || sizes[i] % 8 != 0 || (i > 0 && sizes[i] <= sizes[i - 1])) {
                throw parameters.invalid("sizes", "must be ascending multiples of 8 from 8 bytes to 1 MiB ("
                        + sizes[i] + " is not)");
            }
        }
        SlotConstructor constructor = constructor(parameters);
        long magazineBytes = parameters.bytes("magazine-bytes");
        if (magazineBytes < 16 || magazineBytes > Sizes.MiB) {
            throw parameters.invalid("magazine-bytes", "must be from 16 bytes to 1 MiB");
        }
        long depot = parameters.count("depot-magazines");
        if (depot < 0 || depot > 1 << 20) {
            throw parameters.invalid("depot-magazines", "must be from 0 to 2^20");
        }
        long area = PageHeap.area(parameters, vm);
        return new SlabAllocator(vm, new PageHeap(vm, area), sizes, constructor, magazineBytes, (int) depot);
    }

    private static SlotConstructor constructor(Parameters parameters) {
        String text = parameters.text("constructor").trim().toLowerCase(java.util.Locale.ROOT);
        if (text.equals("none")) {
            return null;
        }
        int value;
        try {
            value = text.startsWith("0x") ? Integer.parseInt(text.substring(2), 16) : Integer.parseInt(text);
        } catch (NumberFormatException e) {
            value = -1;
        }
        if (value < 0 || value > 255) {
            throw parameters.invalid("constructor", "must be none or a byte from 0x00 to 0xff, was " + text);
        }
        byte b = (byte) value;
        return new FillConstructor(b);
    }

    /** Fills an object with one byte. */
    record FillConstructor(byte value) implements SlotConstructor {
        @Override
        public void construct(org.alloclab.api.Memory memory, long address, int size) {
            memory.fill(address, size, value);
        }
    }
}
