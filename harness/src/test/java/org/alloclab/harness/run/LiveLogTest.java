package org.alloclab.harness.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

/** Merging the threads' logs of live bytes: the peak of their sum, and its least value inside each sample's window. */
class LiveLogTest {

    private static LiveLog log(long... stampsAndDeltas) {
        var log = new LiveLog(stampsAndDeltas.length / 2);
        for (int i = 0; i < stampsAndDeltas.length; i += 2) {
            log.add(stampsAndDeltas[i], stampsAndDeltas[i + 1]);
        }
        return log;
    }

    @Test
    void thePeakIsTheHighestSumAtAnyMomentNotTheSumOfEachThreadsPeak() {
        LiveLog a = log(10, 100, 20, -100, 30, 50);     // a's own peak 100, at 10..20
        LiveLog b = log(15, 10, 25, 200, 40, -210);     // b's own peak 210, at 25..40
        LiveLog.Merged m = LiveLog.merge(List.of(a, b), List.of());
        assertThat(m.peak()).isEqualTo(260);              // 30..40: a 50 + b 210; never 100 + 210
    }

    @Test
    void aWindowGetsTheLeastSumInsideItIncludingTheValueHeldWhenItOpened() {
        LiveLog a = log(10, 100, 20, -100, 30, 50);
        LiveLog b = log(15, 10, 25, 200, 40, -210);
        LiveLog.Merged m = LiveLog.merge(List.of(a, b), List.of(
                new LiveLog.Window(5, 8),                // before anything: 0
                new LiveLog.Window(12, 16),              // 100, then 110
                new LiveLog.Window(19, 26),              // 110, 10 after a's free, then 210
                new LiveLog.Window(31, 35),              // 260 throughout, no change inside
                new LiveLog.Window(50, 60)));            // after everything: 50
        assertThat(m.during()).containsExactly(0, 100, 10, 260, 50);
    }

    @Test
    void changesStampedAlikeAreTakenInThreadOrder() {
        LiveLog a = log(10, 100, 20, -100);
        LiveLog b = log(5, 50, 10, -50);
        assertThat(LiveLog.merge(List.of(a, b), List.of()).peak()).isEqualTo(150);   // a's allocation, then b's free
        assertThat(LiveLog.merge(List.of(b, a), List.of()).peak()).isEqualTo(100);   // b's free, then a's allocation
    }
}
