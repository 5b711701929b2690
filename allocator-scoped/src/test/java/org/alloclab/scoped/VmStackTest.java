package org.alloclab.scoped;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.alloclab.api.Frame;
import org.alloclab.api.Registry;
import org.alloclab.api.Sizes;
import org.alloclab.vmem.SimulatedVirtualMemory;
import org.alloclab.vmem.linear.LinearAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** stack.vm: popping and resetting never decommit; decommitSlack gives back all but what is asked to stay. */
class VmStackTest {

    private final SimulatedVirtualMemory vm = new SimulatedVirtualMemory(4 * Sizes.KiB, Sizes.GiB, 64 * Sizes.GiB);

    @AfterEach
    void close() {
        vm.close();
    }

    @Test
    void aFrameLoopMakesNoSystemCallOnceGrownAndDecommitSlackGivesBackTheRest() {
        var s = (LinearAllocator) Registry.strategies().get("stack.vm").create(Map.of("commit-step", "4KiB"), vm);
        for (int frame = 0; frame < 50; frame++) {
            Frame f = s.pushFrame();
            for (int i = 0; i < 64; i++) {
                s.allocate(1000);
            }
            s.popFrame(f);
            if (frame == 0) {
                assertThat(vm.stats().commitCalls()).isPositive();
            }
        }
        long calls = vm.stats().commitCalls() + vm.stats().decommitCalls();
        s.reset();
        assertThat(vm.stats().commitCalls() + vm.stats().decommitCalls()).isEqualTo(calls);   // reset kept it all
        assertThat(vm.stats().committedBytes()).isEqualTo(64 * Sizes.KiB);

        long held = s.allocate(10_000);
        long given = s.decommitSlack(8 * Sizes.KiB);
        assertThat(given).isEqualTo(64 * Sizes.KiB - Sizes.alignUp(10_000 + 8 * Sizes.KiB, 4 * Sizes.KiB));
        assertThat(vm.isCommitted(held, 10_000)).isTrue();
        assertThat(s.decommitSlack(8 * Sizes.KiB)).isZero();
        assertThatThrownBy(() -> s.decommitSlack(-1)).hasMessageContaining("keep");
        s.verify();
    }
}
