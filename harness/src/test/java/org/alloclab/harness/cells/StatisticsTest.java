package org.alloclab.harness.cells;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** The median and the 95% interval a summary gives, against values worked out by hand. */
class StatisticsTest {

    @Test
    void studentsQuantilesAreTheTablesAndTheExpansionJoinsThemPastThirty() {
        assertThat(Statistics.t975(1)).isEqualTo(12.706);
        assertThat(Statistics.t975(2)).isEqualTo(4.303);
        assertThat(Statistics.t975(30)).isEqualTo(2.042);
        assertThat(Statistics.t975(31)).isCloseTo(2.040, within(0.001));
        assertThat(Statistics.t975(120)).isCloseTo(1.980, within(0.001));
        assertThat(Statistics.t975(100_000)).isCloseTo(1.960, within(0.001));
    }

    @Test
    void theMedianOfAnOddAndAnEvenCount() {
        assertThat(Statistics.median(new double[] {30, 10, 20})).isEqualTo(20);
        assertThat(Statistics.median(new double[] {40, 10, 20, 30})).isEqualTo(25);
    }

    @Test
    void theIntervalIsStudentsTOnTheLogarithms() {
        // logs of 10, 20, 40: mean ln 20, sd ln 2; half width t(2) * ln 2 / sqrt 3
        double half = 4.303 * Math.log(2) / Math.sqrt(3);
        double[] ci = Statistics.interval95(new double[] {10, 20, 40});
        assertThat(ci[0]).isCloseTo(20 * Math.exp(-half), within(1e-9));
        assertThat(ci[1]).isCloseTo(20 * Math.exp(half), within(1e-9));
        assertThat(Statistics.interval95(new double[] {5, 5, 5})).containsExactly(5, 5);
        assertThat(Statistics.interval95(new double[] {7})).as("one repetition has no interval").isNull();
    }

    @Test
    void aFigureWithZeroOrLessFallsBackToTOnTheValues() {
        double[] ci = Statistics.interval95(new double[] {-1, 0, 1});
        double half = 4.303 * 1 / Math.sqrt(3);
        assertThat(ci[0]).isCloseTo(-half, within(1e-9));
        assertThat(ci[1]).isCloseTo(half, within(1e-9));
    }

    @Test
    void aDescriptionHasTheMedianItsIntervalAndTheExtremes() {
        Map<String, Object> d = Statistics.describe(new double[] {12.0, 10.0, 11.0}, 1);
        assertThat(d).containsEntry("median", 11.0).containsEntry("min", 10.0).containsEntry("max", 12.0)
                .containsKeys("ci95_low", "ci95_high");
        assertThat((Double) d.get("ci95_low")).isLessThan(11.0);
        assertThat(Statistics.describe(new double[] {3}, 0)).containsEntry("median", 3L).containsEntry("ci95_low", null);
    }
}
