package org.alloclab.harness.workload;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The ideal footprint: the peak of the live blocks' sizes rounded up to their alignment, no metadata, no holes. */
class IdealFootprintTest {

    @Test
    void roundsEachBlockUpToItsAlignmentAndTakesThePeakNotTheEnd() {
        var b = Operations.builder("w");
        int a = b.allocate(1, 16);          // 16
        int c = b.allocate(17, 16);         // 32 → 48
        b.reallocate(a, 40);                // a: 16 → 48, live 80: the peak
        b.free(c);                          // 48
        b.allocate(8, 8);                   // 56 at the end
        b.phaseEnd();
        Operations ops = b.build();
        assertThat(IdealFootprint.of(ops)).isEqualTo(80);
    }

    @Test
    void eightByteAlignmentRoundsToEight() {
        var b = Operations.builder("w");
        int a = b.allocate(1, 8);           // 8
        b.allocate(9, 8);                   // 16 → 24
        b.allocate(16, 8);                  // 16 → 40
        b.reallocate(a, 17);                // 8 → 24: 56
        assertThat(IdealFootprint.of(b.build())).isEqualTo(56);
        assertThat(IdealFootprint.rounded(24, 8)).isEqualTo(24);
        assertThat(IdealFootprint.rounded(25, 16)).isEqualTo(32);
        assertThat(IdealFootprint.rounded(0, 16)).isZero();
    }

    @Test
    void aReallocationKeepsTheAlignmentItsAllocationAskedFor() {
        var b = Operations.builder("w");
        int a = b.allocate(10, 64);         // 64
        b.reallocate(a, 70);                // 128
        b.reallocate(a, 1);                 // 64
        assertThat(IdealFootprint.of(b.build())).isEqualTo(128);
    }

    @Test
    void freesAndFramesBringItDownAndItComesBackUp() {
        var b = Operations.builder("w");
        b.frameBegin();
        int x = b.allocate(100, 16);        // 112
        int y = b.allocate(100, 16);        // 224
        b.free(x);
        b.free(y);
        b.frameEnd();
        int z = b.allocate(200, 16);        // 208
        b.free(z);
        assertThat(IdealFootprint.of(b.build())).isEqualTo(224);
    }

    @Test
    void threadsEachReplayingTheirOwnCopyHaveTimesTheOneCopyFloor() {
        var b = Operations.builder("w");
        int a = b.allocate(100, 16);
        int c = b.allocate(50, 16);
        b.free(a);
        b.allocate(10, 16);
        b.free(c);
        b.barrier();
        Operations one = b.build();
        long floor = IdealFootprint.of(one);
        assertThat(floor).isEqualTo(112 + 64);
        int slots = one.slotCount();
        List<Operations> copies = List.of(one.inSlotSpace(0, 3 * slots), one.inSlotSpace(slots, 3 * slots),
                one.inSlotSpace(2 * slots, 3 * slots));
        assertThat(IdealFootprint.of(copies)).isEqualTo(3 * floor);
    }

    @Test
    void independentThreadsAddTheirPeaksBetweenTheSameMeetingPoints() {
        List<Operations.Builder> streams = Operations.builders("phases", 2);
        var first = streams.get(0);
        var second = streams.get(1);
        first.free(first.allocate(100, 16));        // 112 in the first phase
        first.phaseEnd();
        first.free(first.allocate(10, 16));         // 16 in the second
        second.free(second.allocate(10, 16));       // 16 in the first
        second.phaseEnd();
        second.free(second.allocate(100, 16));      // 112 in the second
        List<Operations> ops = List.of(first.build(), second.build());
        Streams.check(ops);
        // the big blocks are in different phases, which no thread leaves before the other: never both at once
        assertThat(IdealFootprint.of(ops)).isEqualTo(128);
    }

    @Test
    void blocksHandedOverCountUntilTheThreadTheyWentToFreesThem() {
        List<Operations.Builder> streams = Operations.builders("handover", 2);
        var producer = streams.get(0);
        var consumer = streams.get(1);
        int a = producer.allocate(16, 16);
        int b = producer.allocate(16, 16);
        int c = producer.allocate(16, 16);
        producer.barrier();
        consumer.free(a);                           // each waits for its allocation
        consumer.reallocate(b, 40);                 // 16 → 48 in the consumer's hands
        consumer.free(b);
        consumer.free(c);
        consumer.barrier();
        int d = producer.allocate(10, 16);          // 16
        producer.barrier();
        consumer.barrier();
        consumer.free(d);
        // the consumer is counted first: the sizes of handed-over blocks do not depend on the order streams are counted
        List<Operations> ops = List.of(consumer.build(), producer.build());
        Streams.check(ops);
        // the producer may run ahead to the meeting before the consumer frees anything (48), then the consumer frees
        // a (-16) and grows b (+32); a lockstep replay would have had at most two blocks at once
        assertThat(IdealFootprint.of(ops)).isEqualTo(48 - 16 + 32);
        assertThat(IdealFootprint.of(List.of(ops.get(1), ops.get(0)))).isEqualTo(64);
    }

    @Test
    void requestsAboveTheHarnessCeilingAreNotInTheFloorAsTheAllocatorNeverHoldsThem() {
        var b = Operations.builder("w");
        int small = b.allocate(32, 16);     // 32
        int huge = b.allocate(1L << 40, 16); // refused: never made
        b.reallocate(huge, 64);             // a block that does not exist
        b.reallocate(small, 1L << 41);      // refused: small stays 32
        b.free(huge);
        b.reallocate(small, 48);            // 48: the peak
        b.free(small);
        List<Operations> ops = List.of(b.build());
        assertThat(IdealFootprint.of(ops, 1 << 20)).isEqualTo(48);
        assertThat(IdealFootprint.of(ops)).isEqualTo((1L << 41) + 64);
    }
}
