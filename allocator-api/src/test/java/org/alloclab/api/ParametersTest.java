package org.alloclab.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ParametersTest {

    private final List<ParameterSpec> specs = List.of(
            ParameterSpec.bytes("capacity", "64MiB", "buffer size"),
            ParameterSpec.count("bins", 32, "number of bins"),
            ParameterSpec.flag("eager", false, "commit at once"),
            ParameterSpec.choice("policy", "first-fit", "placement", "first-fit", "best-fit"));

    @Test
    void fillsDefaultsAndParsesWhatIsGiven() {
        Parameters p = Parameters.resolve("s", specs, Map.of("capacity", "1MiB", "eager", "yes", "bins", 8));
        assertThat(p.bytes("capacity")).isEqualTo(1 << 20);
        assertThat(p.count("bins")).isEqualTo(8);
        assertThat(p.flag("eager")).isTrue();
        assertThat(p.choice("policy")).isEqualTo("first-fit");
        assertThat(p.asMap()).containsOnlyKeys("capacity", "bins", "eager", "policy");
    }

    @Test
    void anUnknownNameIsRejectedListingTheKnownOnes() {
        assertThatThrownBy(() -> Parameters.resolve("s", specs, Map.of("capcity", "1MiB")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'s' has no parameter 'capcity'")
                .hasMessageContaining("capacity, bins, eager, policy");
    }

    @Test
    void aValueOfTheWrongKindIsRejectedNamingTheParameter() {
        assertThatThrownBy(() -> Parameters.resolve("s", specs, Map.of("bins", "-1")))
                .hasMessageContaining("parameter 'bins'").hasMessageContaining("not a whole number");
        assertThatThrownBy(() -> Parameters.resolve("s", specs, Map.of("eager", "maybe")))
                .hasMessageContaining("'maybe' is not true or false");
        assertThatThrownBy(() -> Parameters.resolve("s", specs, Map.of("policy", "worst-fit")))
                .hasMessageContaining("'worst-fit' is not one of [first-fit, best-fit]");
    }
}
