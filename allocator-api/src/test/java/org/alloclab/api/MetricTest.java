package org.alloclab.api;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** A metric's name is snake_case, and a name that is not is refused saying so. */
class MetricTest {

    @Test
    void snakeCaseNamesAreTakenAndOthersRefused() {
        for (String ok : new String[] {"a", "live_bytes", "p99", "span_tail_bytes_2"}) {
            assertThatCode(() -> new Metric(ok, 1, Metric.Unit.COUNT, "d")).doesNotThrowAnyException();
        }
        for (String bad : new String[] {"", "Live", "2x", "_x", "live-bytes", "live bytes", "é"}) {
            assertThatThrownBy(() -> new Metric(bad, 1, Metric.Unit.COUNT, "d"))
                    .hasMessageContaining("snake_case", "'" + bad + "'");
        }
    }
}
