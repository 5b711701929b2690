package org.alloclab.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SizesTest {

    @Test
    void parsesTheNotationsOfConfigurations() {
        assertThat(Sizes.parse("4096")).isEqualTo(4096);
        assertThat(Sizes.parse("64k")).isEqualTo(64 << 10);
        assertThat(Sizes.parse("64KiB")).isEqualTo(64 << 10);
        assertThat(Sizes.parse(" 1 MiB ")).isEqualTo(1 << 20);
        assertThat(Sizes.parse("2g")).isEqualTo(2L << 30);
        assertThat(Sizes.parse("3TB")).isEqualTo(3L << 40);
    }

    @Test
    void rejectsWhatIsNotASizeNamingTheText() {
        assertThatThrownBy(() -> Sizes.parse("lots")).hasMessageContaining("'lots' is not a byte size");
        assertThatThrownBy(() -> Sizes.parse("-4KiB")).hasMessageContaining("'-4KiB'");
        assertThatThrownBy(() -> Sizes.parse("1.5MiB")).hasMessageContaining("'1.5MiB'");
        assertThatThrownBy(() -> Sizes.parse("9999999999999TiB")).hasMessageContaining("too large");
    }

    @Test
    void aSizeTooLargeIsCalledOneAndGivesTheLargest() {
        assertThat(Sizes.parse("64TiB")).isEqualTo(64L << 40);
        assertThat(Sizes.parse("0EiB")).isZero();
        for (String big : new String[] {"1EiB", "2PiB", "65TiB", "99999999999999999999999"}) {
            assertThatThrownBy(() -> Sizes.parse(big)).as(big)
                    .hasMessage("'" + big + "' is a byte size, but too large: the largest is 64 TiB, beyond any space"
                            + " alloclab manages");
        }
    }

    @Test
    void formatsForPeople() {
        assertThat(Sizes.format(512)).isEqualTo("512 B");
        assertThat(Sizes.format(64 << 10)).isEqualTo("64 KiB");
        assertThat(Sizes.format(3 << 19)).isEqualTo("1.5 MiB");
        assertThat(Sizes.format(1L << 40)).isEqualTo("1 TiB");
    }

    @Test
    void alignsToPowersOfTwo() {
        assertThat(Sizes.alignUp(13, 8)).isEqualTo(16);
        assertThat(Sizes.alignUp(16, 8)).isEqualTo(16);
        assertThat(Sizes.alignDown(13, 8)).isEqualTo(8);
        assertThat(Sizes.isPowerOfTwo(1)).isTrue();
        assertThat(Sizes.isPowerOfTwo(24)).isFalse();
        assertThat(Sizes.isPowerOfTwo(0)).isFalse();
        assertThat(Sizes.isPowerOfTwo(Long.MIN_VALUE)).isFalse();
    }
}
