package org.alloclab.tck;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import org.alloclab.api.Allocator;
import org.alloclab.api.Capability;
import org.alloclab.api.Frame;
import org.alloclab.api.Sizes;
import org.alloclab.api.VirtualMemory;
import org.alloclab.api.VirtualMemoryStats;

/**
 * One allocator under test over a fresh virtual memory, with its {@link HeapModel}: executes
 * {@link Step}s on both, checks each result, and keeps a transcript for reports.
 */
final class Session implements AutoCloseable {

    final Subject subject;
    final VirtualMemory raw;
    final RecordingVirtualMemory vm;
    final VirtualMemoryStats baseline;
    final Allocator allocator;
    final HeapModel model;
    final Invariants invariants;
    private final List<String> transcript = new ArrayList<>();
    private int nextToken = 1;
    private boolean closed;

    private Session(Subject subject) {
        this.subject = subject;
        this.raw = subject.newVirtualMemory();
        this.baseline = raw.stats();
        this.vm = new RecordingVirtualMemory(raw);
        Allocator a;
        try {
            a = subject.factory().apply(vm);
        } catch (RuntimeException e) {
            raw.close();
            if (e.getClass().getName().startsWith("org.opentest4j.")) {
                throw e;
            }
            throw new ContractViolation("create", "creating the allocator over " + raw.kind() + " virtual memory threw "
                    + e, e);
        }
        if (a == null) {
            raw.close();
            throw new ContractViolation("create", "the factory returned null");
        }
        this.allocator = a;
        this.model = new HeapModel(a.capabilities());
        this.invariants = new Invariants(a, vm, model);
    }

    /** A fresh virtual memory and allocator. */
    static Session open(Subject subject) {
        return new Session(subject);
    }

    boolean has(Capability c) {
        return model.has(c);
    }

    long pageSize() {
        return raw.pageSize();
    }

    /** A token no step has used yet. */
    int newToken() {
        return nextToken++;
    }

    /** What was executed, one line per step, with results. */
    List<String> transcript() {
        return transcript;
    }

    /** Adds a line to the transcript, for calls made outside steps. */
    void note(String line) {
        transcript.add(line);
    }

    /** Whether {@code step} can run now: its block is live, its frame open, its capability declared. */
    boolean applicable(Step step) {
        return switch (step) {
            case Step.Allocate a -> true;
            case Step.Free f -> has(Capability.FREE) && model.block(f.token()) != null;
            case Step.Reallocate r -> has(Capability.REALLOCATE) && model.block(r.token()) != null;
            case Step.Reset r -> has(Capability.RESET) && model.openFrames() == 0;
            case Step.PushFrame p -> has(Capability.FRAMES);
            case Step.PopFrame p -> has(Capability.FRAMES) && model.openFrames() > 0;
        };
    }

    /**
     * Runs {@code step} on the allocator and the model and checks what the allocator returned (not yet
     * the whole heap: see {@link Invariants#checkAll()}).
     *
     * @return false when the step was not applicable and nothing was done
     */
    boolean execute(Step step) {
        if (!applicable(step)) {
            return false;
        }
        if (step instanceof Step.Allocate a) {
            nextToken = Math.max(nextToken, a.token() + 1);
        }
        transcript.add(describe(step));
        String result = switch (step) {
            case Step.Allocate a -> allocate(a);
            case Step.Free f -> free(f);
            case Step.Reallocate r -> reallocate(r);
            case Step.Reset r -> {
                call("reset()", () -> {
                    allocator.reset();
                    return null;
                });
                model.reset();
                yield "";
            }
            case Step.PushFrame p -> push();
            case Step.PopFrame p -> {
                call("popFrame(depth " + model.innermost().frame().depth() + ")", () -> {
                    allocator.popFrame(model.innermost().frame());
                    return null;
                });
                model.popped();
                yield "";
            }
        };
        if (!result.isEmpty()) {
            result(result);
        }
        return true;
    }

    /** Appends what the allocator returned to the current step's line, before anything is checked. */
    private void result(String result) {
        String line = transcript.getLast();
        transcript.set(transcript.size() - 1, line + pad(line) + result);
    }

    /** Allocates through a step and returns the address (0 when not satisfied). */
    long allocate(long size, long alignment) {
        int token = newToken();
        execute(new Step.Allocate(token, size, alignment));
        HeapModel.Block b = model.block(token);
        return b == null ? 0 : b.address;
    }

    private String allocate(Step.Allocate a) {
        long address = call(describe(a), () -> allocator.allocate(a.size(), a.alignment()));
        if (address == 0) {
            model.failed();
            return "-> 0 (not satisfied)";
        }
        result("-> " + Sizes.hex(address));
        String name = "b" + a.token();
        invariants.checkNewBlock(name, address, a.size(), a.alignment(), null);
        HeapModel.Block b = model.newBlock(a.token(), address, a.size(), a.alignment());
        model.added(b);
        HeapModel.writePattern(allocator.memory(), b);
        return "";
    }

    private String free(Step.Free f) {
        HeapModel.Block b = model.block(f.token());
        invariants.checkContents(b, b.address, b.size, "before free");
        call("free(" + b.name() + ")", () -> {
            allocator.free(b.address);
            return null;
        });
        model.freed(f.token());
        return "";
    }

    private String reallocate(Step.Reallocate r) {
        HeapModel.Block b = model.block(r.token());
        invariants.checkContents(b, b.address, b.size, "before reallocate");
        long address = call(describe(r), () -> allocator.reallocate(b.address, r.newSize()));
        long kept = Math.min(b.size, r.newSize());
        if (address == 0) {
            return "-> 0 (old block kept)";
        }
        if (address == b.address) {
            result("-> in place");
            invariants.checkNewBlock(b.name(), address, r.newSize(), b.alignment, b.name());
            invariants.checkContents(b, address, kept, "after reallocate in place to " + r.newSize());
            HeapModel.Block resized = b.resized(r.newSize());
            model.resizedInPlace(resized);
            HeapModel.writePattern(allocator.memory(), resized);
            return "";
        }
        result("-> moved to " + Sizes.hex(address));
        invariants.checkNewBlock(b.name(), address, r.newSize(), Allocator.DEFAULT_ALIGNMENT,
                has(Capability.FREE) ? b.name() : null);
        invariants.checkContents(b, address, kept, "after moving reallocate to " + Sizes.hex(address));
        HeapModel.Block moved = model.newBlock(b.token, address, r.newSize(), Allocator.DEFAULT_ALIGNMENT);
        model.moved(b, moved);
        HeapModel.writePattern(allocator.memory(), moved);
        return "";
    }

    private String push() {
        Frame f = call("pushFrame()", allocator::pushFrame);
        result(f == null ? "-> null" : "-> depth " + f.depth());
        if (f == null) {
            throw new ContractViolation("frames", "pushFrame() returned null");
        }
        if (f.depth() != model.openFrames()) {
            throw new ContractViolation("frames", "pushFrame() returned a frame of depth " + f.depth() + " with "
                    + model.openFrames() + " frames open");
        }
        model.pushed(f);
        return "";
    }

    /** Checks every invariant of the heap. */
    void checkAll() {
        invariants.checkAll();
    }

    /**
     * Closes the allocator and checks it gave everything back: the virtual memory's reserved and
     * committed bytes are where they were before the allocator was created, every region it reserved
     * is released and none of their pages was resident once it was, and a second {@code close()} is harmless.
     */
    void closeAndCheck() {
        closed = true;
        transcript.add("close()");
        call("close()", () -> {
            allocator.close();
            return null;
        });
        VirtualMemoryStats after = raw.stats();
        if (after.reservedBytes() != baseline.reservedBytes() || after.committedBytes() != baseline.committedBytes()) {
            throw new ContractViolation("close", "after close() the " + raw.kind() + " virtual memory still has "
                    + Sizes.format(after.reservedBytes() - baseline.reservedBytes()) + " reserved and "
                    + Sizes.format(after.committedBytes() - baseline.committedBytes())
                    + " committed that the allocator took (regions still reserved: " + vm.liveRegions() + ")");
        }
        if (!vm.liveRegions().isEmpty()) {
            throw new ContractViolation("close", "after close() these regions are still reserved: " + vm.liveRegions());
        }
        for (String r : vm.residentAfterRelease()) {     // the kernel's word (mincore) for OS memory
            throw new ContractViolation("close", "right after its release " + r + " were still resident");
        }
        call("a second close()", () -> {
            allocator.close();
            return null;
        });
    }

    @Override
    public void close() {
        try {
            if (!closed) {
                closed = true;
                allocator.close();
            }
        } catch (RuntimeException ignored) {
            // the run already failed or passed; the virtual memory is closed below either way
        } finally {
            raw.close();
        }
    }

    /** The step as it reads in a report. */
    static String describe(Step step) {
        return switch (step) {
            case Step.Allocate a -> "b" + a.token() + " = allocate(" + a.size() + ", " + a.alignment() + ")";
            case Step.Free f -> "free(b" + f.token() + ")";
            case Step.Reallocate r -> "b" + r.token() + " = reallocate(b" + r.token() + ", " + r.newSize() + ")";
            case Step.Reset r -> "reset()";
            case Step.PushFrame p -> "pushFrame()";
            case Step.PopFrame p -> "popFrame(innermost)";
        };
    }

    private static String pad(String line) {
        return " ".repeat(Math.max(1, 36 - line.length()));
    }

    /** Calls the allocator; an exception it throws where none is allowed is a violation. */
    private static <T> T call(String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (RuntimeException e) {
            throw new ContractViolation("exception", what + " threw " + e, e);
        }
    }
}
