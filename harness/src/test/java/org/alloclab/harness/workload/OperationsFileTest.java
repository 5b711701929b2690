package org.alloclab.harness.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A workload's streams written to their binary file and read back the same, and a damaged file refused. */
class OperationsFileTest {

    @TempDir
    Path dir;

    private static void assertSame(Operations a, Operations b) {
        assertThat(b.name()).isEqualTo(a.name());
        assertThat(b.size()).isEqualTo(a.size());
        assertThat(b.slotCount()).isEqualTo(a.slotCount());
        assertThat(b.notes()).isEqualTo(a.notes());
        assertThat(b.hasSites()).isEqualTo(a.hasSites());
        for (int i = 0; i < a.size(); i++) {
            assertThat(b.kind(i)).isEqualTo(a.kind(i));
            assertThat(b.slot(i)).isEqualTo(a.slot(i));
            assertThat(b.requestSize(i)).isEqualTo(a.requestSize(i));
            assertThat(b.alignment(i)).isEqualTo(a.alignment(i));
            assertThat(b.site(i)).isEqualTo(a.site(i));
        }
    }

    @Test
    void streamsWithSitesNotesAndEveryKindComeBackAsTheyWere() {
        var builders = Operations.builders("mixed", 2);
        var a = builders.get(0);
        a.site("perl:(Perl_safesysmalloc+26)[0xf6f96]");
        int s0 = a.allocate(48, 16);
        a.frameBegin();
        int s1 = a.allocate(1L << 40, 4096);
        a.site("other");
        a.reallocate(s1, 7);
        a.free(s1);
        a.frameEnd();
        a.barrier();
        a.phaseEnd();
        a.note("unmatched frees", 3);
        var b = builders.get(1);
        b.free(s0);
        b.barrier();
        b.phaseEnd();
        List<Operations> streams = List.of(a.build(), b.build());
        Path file = dir.resolve("ops/mixed.ops");
        OperationsFile.write(file, streams);
        List<Operations> read = OperationsFile.read(file);
        assertThat(read).hasSize(2);
        assertSame(streams.get(0), read.get(0));
        assertSame(streams.get(1), read.get(1));
        assertThat(read.get(0).site(0)).isEqualTo("perl:(Perl_safesysmalloc+26)[0xf6f96]");
        assertThat(read.get(1).hasSites()).isFalse();
    }

    @Test
    void aGeneratedWorkloadComesBackTheSame() {
        var random = new RandomWorkload();
        Operations ops = random.generate("random", random.resolve(java.util.Map.of("operations", 5000)), 42);
        Path file = dir.resolve("random.ops");
        OperationsFile.write(file, List.of(ops));
        assertSame(ops, OperationsFile.read(file).getFirst());
    }

    @Test
    void aStreamWrittenAsItIsMadeAndSpreadOverThreadsComesBackAsOneMadeInMemory() throws Exception {
        // more records than a spilling builder keeps, so they are written in several pieces
        var inMemory = Operations.builder("big");
        Path file = dir.resolve("big.ops");
        try (var w = OperationsFile.Writer.create(file)) {
            var spilled = w.stream("big");
            for (var b : List.of(inMemory, spilled)) {
                for (int i = 0; i < 150_000; i++) {
                    b.site(i % 7 == 0 ? "site " + i % 5 : null);
                    int s = b.allocate(1 + i % 1000, 1 << (i % 13));
                    if (i % 3 == 0) {
                        b.reallocate(s, Operations.MAX_SIZE - i);
                    }
                    b.free(s);
                }
                b.note("n", 7);
                b.warn("look");
            }
            w.end(spilled);
            w.spread(3);
            w.commit();
        }
        Operations expected = inMemory.build();
        List<Operations> read = OperationsFile.read(file);
        assertThat(read).hasSize(3);
        assertSame(expected.inSlotSpace(0, 3 * 150_000), read.get(0));
        assertSame(expected.inSlotSpace(2 * 150_000, 3 * 150_000), read.get(2));
        assertThat(read.get(1).warnings()).containsExactly("look");
        assertThat(Files.size(file)).as("the records once, for every thread").isBetween(24 + 350_000L * 16, 24 + 350_000L * 16 + 1024);
    }

    @Test
    void aFileThatIsNotOneOrIsCutShortIsRefusedNamingIt() throws Exception {
        Path other = Files.writeString(dir.resolve("x.ops"), "not operations at all");
        assertThatThrownBy(() -> OperationsFile.read(other)).hasMessageContaining("x.ops", "not an operations file");
        var b = Operations.builder("w");
        b.allocate(8, 8);
        Path file = dir.resolve("w.ops");
        OperationsFile.write(file, List.of(b.build()));
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 3));
        assertThatThrownBy(() -> OperationsFile.read(file)).hasMessageContaining("w.ops", "cut short");
    }
}
