package org.alloclab.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import org.alloclab.harness.workload.MtraceReader;
import org.alloclab.harness.workload.Operations;
import org.alloclab.harness.workload.Operations.Kind;
import org.alloclab.harness.workload.TraceFormatException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MtraceReaderTest {

    @TempDir
    Path dir;

    private static final String TRACE = """
            = Start
            @ prog:(main+10)[0x1234] + 0x5596c1e33640 0x20
            @ prog:[0x1234] + 0x5596c1e33700 0x0
            @ ./my prog:(f+1)[0x1] < 0x5596c1e33640
            @ ./my prog:(f+1)[0x1] > 0x5596c1e34000 0x40
            - 0x5596c1e33700
            @ libc.so.6:[0x39221] - 0x7f0000000000
            @ libc.so.6:[0x39221] < 0x7f0000000010
            @ libc.so.6:[0x39221] > 0x7f0000000020 0x10
            @ x:[0x1] + (nil) 0x100
            @ x:[0x1] ! 0x5596c1e34000 0x999999
            @ x:[0x1] + 0x5596c1e34000 0x8
            = End
            """;

    @Test
    void readsEveryEventAndCountsWhatDoesNotMatch() throws Exception {
        Path file = dir.resolve("t.mtrace");
        Files.writeString(file, TRACE);
        Operations ops = MtraceReader.read(file, "t", 16);
        assertThat(kinds(ops)).containsExactly(Kind.ALLOCATE, Kind.ALLOCATE, Kind.REALLOCATE, Kind.FREE,
                Kind.FREE, Kind.ALLOCATE);
        assertThat(ops.requestSize(1)).as("malloc(0) is one byte").isEqualTo(1);
        assertThat(ops.requestSize(2)).isEqualTo(0x40);
        assertThat(ops.slot(2)).as("the realloc resizes the first block").isEqualTo(ops.slot(0));
        assertThat(ops.slot(4)).as("the address realloc'd to is allocated again without a free: a lost free")
                .isEqualTo(ops.slot(0));
        assertThat(ops.alignment(0)).isEqualTo(16);
        assertThat(ops.notes()).containsEntry("unmatched_frees", 1L).containsEntry("unmatched_reallocs", 1L)
                .containsEntry("failed_in_trace", 2L).containsEntry("zero_size_requests", 1L)
                .containsEntry("lost_frees", 1L).containsEntry("live_at_end", 1L);
    }

    @Test
    void gzipIsToldApartByItsBytesNotItsName() throws Exception {
        Path file = dir.resolve("no-extension");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(TRACE.getBytes(StandardCharsets.ISO_8859_1));
        }
        assertThat(MtraceReader.read(file, "t", 16).size()).isEqualTo(6);
    }

    @Test
    void aMalformedLineIsNamedWithFileAndLine() throws Exception {
        Path file = dir.resolve("bad.mtrace");
        Files.writeString(file, "= Start\n@ a:[0x1] + 0x10 0x20\n@ a:[0x1] + 0x30 twenty\n");
        assertThatThrownBy(() -> MtraceReader.read(file, "t", 16)).isInstanceOf(TraceFormatException.class)
                .hasMessageContaining("bad.mtrace:3:").hasMessageContaining("'twenty' is not a hexadecimal number");
        Files.writeString(file, "@ a:[0x1] + 0x10 0x20\nhello world\n");
        assertThatThrownBy(() -> MtraceReader.read(file, "t", 16)).hasMessageContaining("bad.mtrace:2: not an mtrace event");
        Files.writeString(file, "@ a:[0x1] + 0x10 0x20\n@ a:[0x1] < 0x10\n@ a:[0x1] - 0x10\n");
        assertThatThrownBy(() -> MtraceReader.read(file, "t", 16)).hasMessageContaining("bad.mtrace:3:")
                .hasMessageContaining("must be followed by its '>' line");
        Files.writeString(file, "@ a:[0x1] > 0x10 0x20\n");
        assertThatThrownBy(() -> MtraceReader.read(file, "t", 16)).hasMessageContaining("bad.mtrace:1:")
                .hasMessageContaining("without the '<' line");
    }

    @Test
    void aMissingOrEmptyTraceIsNamed() throws Exception {
        assertThatThrownBy(() -> MtraceReader.read(dir.resolve("absent.gz"), "t", 16))
                .hasMessageContaining("absent.gz does not exist");
        Path empty = dir.resolve("empty.mtrace");
        Files.writeString(empty, "= Start\n= End\n");
        assertThatThrownBy(() -> MtraceReader.read(empty, "t", 16)).hasMessageContaining("no allocation events");
        Path notGzip = dir.resolve("broken.gz");
        Files.write(notGzip, new byte[] {0x1f, (byte) 0x8b, 1, 2, 3});
        assertThatThrownBy(() -> MtraceReader.read(notGzip, "t", 16)).hasMessageContaining("broken.gz");
    }

    @Test
    void theSharedPerlTraceMatchesItsReadme() {
        Path perl = Path.of("../../shared/traces/perl-logparse.mtrace.gz");
        Assumptions.assumeTrue(Files.isRegularFile(perl), "the shared traces are not beside this checkout");
        Operations ops = MtraceReader.read(perl, "perl", 16);
        long[] counts = ops.countByKind();
        // the README counts 714,389 '+', 707,745 '-', 227,439 realloc pairs: 1.65 M events
        assertThat(counts[Kind.ALLOCATE.ordinal()]).isEqualTo(714_389);
        assertThat(counts[Kind.REALLOCATE.ordinal()]).isEqualTo(227_439);
        assertThat(counts[Kind.FREE.ordinal()] + ops.notes().get("unmatched_frees")).isEqualTo(707_745);
        long live = 0;
        long peak = 0;
        long[] size = new long[ops.slotCount()];
        for (int i = 0; i < ops.size(); i++) {
            switch (ops.kind(i)) {
                case ALLOCATE -> live += size[ops.slot(i)] = ops.requestSize(i);
                case FREE -> live -= size[ops.slot(i)];
                case REALLOCATE -> {
                    live += ops.requestSize(i) - size[ops.slot(i)];
                    size[ops.slot(i)] = ops.requestSize(i);
                }
                default -> { }
            }
            peak = Math.max(peak, live);
        }
        assertThat(peak / (double) (1 << 20)).as("peak live, MiB (README: 31.7)").isBetween(31.0, 32.5);
    }

    private static java.util.List<Kind> kinds(Operations ops) {
        var list = new java.util.ArrayList<Kind>();
        for (int i = 0; i < ops.size(); i++) {
            list.add(ops.kind(i));
        }
        return list;
    }
}
