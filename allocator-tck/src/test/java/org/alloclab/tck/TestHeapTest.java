package org.alloclab.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;

import org.alloclab.api.Region;
import org.alloclab.api.UncommittedAccessException;
import org.junit.jupiter.api.Test;

/** The test-scope virtual memory the TCK's own tests rely on, and the settings parser. */
class TestHeapTest {

    @Test
    void budgetInjectedFailureAndUncommittedAccess() {
        try (TestHeap heap = TestHeap.of(Map.of("budget", "8KiB", "fail-commit-at", "2"))) {
            Region r = heap.reserve(64 * 1024);
            assertThat(heap.commit(r.address(), 4096)).isTrue();
            assertThat(heap.commit(r.address() + 4096, 4096)).as("the 2nd commit is injected to fail").isFalse();
            assertThat(heap.commit(r.address() + 4096, 4096)).isTrue();
            assertThat(heap.commit(r.address() + 8192, 4096)).as("past the budget").isFalse();
            assertThat(heap.stats().failedCommits()).isEqualTo(2);
            heap.memory().putLong(r.address() + 8184, 42);
            assertThat(heap.memory().getLong(r.address() + 8184)).isEqualTo(42);
            assertThatThrownBy(() -> heap.memory().getLong(r.address() + 8190))
                    .isInstanceOf(UncommittedAccessException.class)
                    .hasMessageContaining(Long.toHexString(r.address() + 8192));
            heap.decommit(r.address(), 4096);
            assertThat(heap.isCommitted(r.address(), 1)).isFalse();
            assertThat(heap.residentBytes(r.address(), 64 * 1024)).isEqualTo(4096);
            heap.release(r);
            assertThat(heap.stats().reservedBytes()).isZero();
            assertThat(heap.stats().committedBytes()).isZero();
            assertThatThrownBy(() -> heap.release(r)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void settingsParseAndNameBadValues() {
        var s = ContractSettings.from(key -> Optional.ofNullable(Map.of(
                ContractSettings.TRIES, "1_000", ContractSettings.SEED, "-42",
                ContractSettings.VIRTUAL_MEMORIES, "simulated, os").get(key)));
        assertThat(s.tries()).hasValue(1000);
        assertThat(s.seed()).hasValue(-42);
        assertThat(s.virtualMemories()).containsExactly("simulated", "os");
        assertThat(s.maxSteps()).isEmpty();
        assertThatThrownBy(() -> ContractSettings.from(key -> key.equals(ContractSettings.TRIES)
                ? Optional.of("0") : Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(ContractSettings.TRIES);
        assertThatThrownBy(() -> ContractSettings.from(key -> key.equals(ContractSettings.SEED)
                ? Optional.of("abc") : Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("abc");
    }
}
