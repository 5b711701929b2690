package org.alloclab.harness;

import java.util.EnumSet;

import org.alloclab.api.AbstractAllocator;
import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Frame;
import org.alloclab.api.HeapVisitor;
import org.alloclab.api.Memory;

/** A test strategy that hands every call to another and changes what it overrides: the tests' broken allocators. */
abstract class ForwardingAllocator extends AbstractAllocator {

    final Allocator inner;

    ForwardingAllocator(String name, Allocator inner) {
        super(name, EnumSet.copyOf(inner.capabilities()));
        this.inner = inner;
    }

    @Override
    public Memory memory() {
        return inner.memory();
    }

    @Override
    protected long doAllocate(long size, long alignment) {
        return inner.allocate(size, alignment);
    }

    @Override
    protected long doReallocate(long address, long newSize) {
        return inner.reallocate(address, newSize);
    }

    @Override
    protected boolean doOwns(long address) {
        return inner.owns(address);
    }

    @Override
    protected void doReset() {
        inner.reset();
    }

    @Override
    protected Frame doPushFrame() {
        return inner.pushFrame();
    }

    @Override
    protected void doPopFrame(Frame frame) {
        inner.popFrame(frame);
    }

    @Override
    protected void doWalk(HeapVisitor visitor) {
        inner.walk(visitor);
    }

    @Override
    protected AllocatorStats doStats() {
        return inner.stats();
    }

    @Override
    protected void doVerify() {
        inner.verify();
    }

    @Override
    protected void doClose() {
        inner.close();
    }
}
