package org.alloclab.slab;

import static org.assertj.core.api.Assertions.assertThat;

import org.alloclab.api.Sizes;
import org.alloclab.vmem.SimulatedVirtualMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The page heap's refusals: what it cannot do changes nothing. */
class PageHeapTest {

    private final SimulatedVirtualMemory vm = new SimulatedVirtualMemory(4 * Sizes.KiB, Sizes.MiB, 64 * Sizes.GiB);

    @AfterEach
    void close() {
        vm.close();
    }

    @Test
    void aSpanReleasedTwiceIsRefusedTheSecondTime() {
        PageHeap heap = new PageHeap(vm, 16 * Sizes.MiB);
        Span s = heap.allocate(2, 4096, Span.LARGE, 0);
        assertThat(heap.release(s)).isTrue();
        Span reused = heap.allocate(2, 4096, Span.LARGE, 0);      // the same pages, a new span
        assertThat(reused.start).isEqualTo(s.start);
        assertThat(heap.release(s)).isFalse();                      // a racing double free of the old one
        assertThat(heap.spanOf(reused.start)).isSameAs(reused);
        heap.verify("test");
    }

    @Test
    void aRunTooLargeForAPageMapOrForTheBudgetChangesNothing() {
        PageHeap heap = new PageHeap(vm, 16 * Sizes.MiB);
        long reserved = vm.stats().reservedBytes();
        assertThat(heap.allocate(PageHeap.MAX_AREA_PAGES + 1, 4096, Span.LARGE, 0)).isNull();
        assertThat(heap.allocate(1024, 4096, Span.LARGE, 0)).isNull();    // 4 MiB: above the 1 MiB budget
        assertThat(heap.allocate(8192, 4096, Span.LARGE, 0)).isNull();    // 32 MiB: a new area, then no commit
        assertThat(vm.stats().reservedBytes()).isEqualTo(reserved);
        assertThat(heap.reserved()).isEqualTo(16 * Sizes.MiB);
        heap.verify("test");
    }
}
