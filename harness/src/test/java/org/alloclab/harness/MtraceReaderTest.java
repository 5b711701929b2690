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

    // ---- every line form glibc's malloc/mtrace-impl.c (2.34 to 2.38) writes ----

    @Test
    void aZeroSizeMallocIsWrittenAsAPlainZero() throws Exception {
        // malloc(0): "+ %p %#lx" and %#lx writes 0 as "0", not "0x0"
        Operations ops = read("""
                = Start
                @ ./prog:(main+1a)[0x1139] + 0x55d0c0 0
                @ ./prog:(main+2b)[0x114a] + 0x55d0e0 0x0
                @ ./prog:(main+3c)[0x115b] - 0x55d0c0
                = End
                """);
        assertThat(kinds(ops)).containsExactly(Kind.ALLOCATE, Kind.ALLOCATE, Kind.FREE);
        assertThat(ops.requestSize(0)).as("malloc(0) is replayed as one byte").isEqualTo(1);
        assertThat(ops.requestSize(1)).isEqualTo(1);
        assertThat(ops.slot(2)).isEqualTo(ops.slot(0));
        assertThat(ops.site(0)).isEqualTo("./prog:(main+1a)[0x1139]");
        assertThat(ops.notes()).containsEntry("zero_size_requests", 2L).containsEntry("failed_in_trace", 0L)
                .containsEntry("live_at_end", 1L);
    }

    @Test
    void aReallocToZeroThatReturnsABlockIsReplayedAsOneByte() throws Exception {
        Operations ops = read("""
                @ ./prog:[0x1139] + 0x1000 0x40
                @ ./prog:[0x1140] < 0x1000
                @ ./prog:[0x1140] > 0x2000 0
                @ ./prog:[0x1150] - 0x2000
                """);
        assertThat(kinds(ops)).containsExactly(Kind.ALLOCATE, Kind.REALLOCATE, Kind.FREE);
        assertThat(ops.requestSize(1)).isEqualTo(1);
        assertThat(ops.slot(1)).isEqualTo(ops.slot(0));
        assertThat(ops.slot(2)).as("the block is known by its new address").isEqualTo(ops.slot(0));
        assertThat(ops.notes()).containsEntry("zero_size_requests", 1L).containsEntry("unmatched_frees", 0L)
                .containsEntry("live_at_end", 0L);
    }

    @Test
    void aFailedMallocIsANilPointerAndChangesNothing() throws Exception {
        // malloc, calloc or memalign that returned NULL: "+ (nil) 0x…" (also for a failed malloc(0))
        Operations ops = read("""
                = Start
                @ ./prog:(main+1a)[0x1139] + (nil) 0x10
                @ ./prog:(main+1a)[0x1139] + (nil) 0xffffffffffffff00
                @ ./prog:(main+1a)[0x1139] + (nil) 0
                @ ./prog:(main+2b)[0x114a] + 0x55d0c0 0x10
                = End
                """);
        assertThat(kinds(ops)).containsExactly(Kind.ALLOCATE);
        assertThat(ops.requestSize(0)).isEqualTo(0x10);
        assertThat(ops.notes()).containsEntry("failed_in_trace", 3L).containsEntry("zero_size_requests", 0L)
                .containsEntry("lost_frees", 0L).containsEntry("live_at_end", 1L);
    }

    @Test
    void aReallocToZeroThatFreesIsAMinusLine() throws Exception {
        // realloc(p, 0) returns NULL and frees p: "- %p", as a free writes it
        Operations ops = read("""
                @ ./prog:(main+1a)[0x1139] + 0x55d0c0 0x20
                @ ./prog:(grow+10)[0x1200] - 0x55d0c0
                @ ./prog:(main+2b)[0x114a] + 0x55d0c0 0x30
                """);
        assertThat(kinds(ops)).containsExactly(Kind.ALLOCATE, Kind.FREE, Kind.ALLOCATE);
        assertThat(ops.slot(1)).isEqualTo(ops.slot(0));
        assertThat(ops.slot(2)).as("a freed block's slot is used again").isEqualTo(ops.slot(0));
        assertThat(ops.slotCount()).isEqualTo(1);
        assertThat(ops.site(1)).as("frees keep no site").isNull();
        assertThat(ops.notes()).containsEntry("lost_frees", 0L).containsEntry("unmatched_frees", 0L)
                .containsEntry("failed_in_trace", 0L).containsEntry("live_at_end", 1L);
    }

    @Test
    void aReallocOfNullIsAPlusLine() throws Exception {
        // realloc(NULL, n) that worked: "+ %p %#lx", like malloc; the block is then an ordinary one
        Operations ops = read("""
                @ ./prog:(grow+10)[0x1200] + 0x55d0c0 0x30
                @ ./prog:(grow+10)[0x1200] < 0x55d0c0
                @ ./prog:(grow+10)[0x1200] > 0x55e000 0x60
                @ ./prog:(main+2b)[0x114a] - 0x55e000
                """);
        assertThat(kinds(ops)).containsExactly(Kind.ALLOCATE, Kind.REALLOCATE, Kind.FREE);
        assertThat(ops.requestSize(0)).isEqualTo(0x30);
        assertThat(ops.requestSize(1)).isEqualTo(0x60);
        assertThat(ops.slot(1)).isEqualTo(ops.slot(0));
        assertThat(ops.slot(2)).isEqualTo(ops.slot(0));
        assertThat(ops.site(1)).isEqualTo("./prog:(grow+10)[0x1200]");
        assertThat(ops.notes()).containsEntry("unmatched_reallocs", 0L).containsEntry("live_at_end", 0L);
    }

    @Test
    void aFailedReallocIsABangLineWithANilOrARealPointer() throws Exception {
        // realloc that returned NULL for a size > 0: "! %p %#lx" with the old pointer, (nil) for realloc(NULL, n)
        Operations ops = read("""
                @ ./prog:(main+1a)[0x1139] + 0x55d0c0 0x20
                @ ./prog:(grow+10)[0x1200] ! (nil) 0x100
                @ ./prog:(grow+10)[0x1200] ! 0x55d0c0 0x7fffffffffff
                @ ./prog:(main+2b)[0x114a] - 0x55d0c0
                """);
        assertThat(kinds(ops)).as("the block stays as it was and is freed later").containsExactly(Kind.ALLOCATE, Kind.FREE);
        assertThat(ops.requestSize(0)).isEqualTo(0x20);
        assertThat(ops.slot(1)).isEqualTo(ops.slot(0));
        assertThat(ops.notes()).containsEntry("failed_in_trace", 2L).containsEntry("unmatched_frees", 0L)
                .containsEntry("live_at_end", 0L);
    }

    @Test
    void aFailedReallocOfNullToZeroIsAMinusNil() throws Exception {
        // realloc(NULL, 0) that returned NULL: "- %p" of the old pointer, (nil)
        Operations ops = read("""
                @ ./prog:(main+1a)[0x1139] + 0x55d0c0 0x20
                @ ./prog:(grow+10)[0x1200] - (nil)
                """);
        assertThat(kinds(ops)).containsExactly(Kind.ALLOCATE);
        assertThat(ops.notes()).containsEntry("failed_in_trace", 1L).containsEntry("unmatched_frees", 0L)
                .containsEntry("live_at_end", 1L);
    }

    @Test
    void theMemalignFamilyAndCallocArePlusLines() throws Exception {
        // calloc, memalign, posix_memalign, aligned_alloc, valloc, pvalloc all write "+ %p %#lx"
        Operations ops = read("""
                = Start
                @ ./prog:(use_calloc+12)[0x1100] + 0x55d0c0 0x80
                @ ./prog:(use_memalign+12)[0x1200] + 0x55e000 0x40
                @ ./prog:(use_posix_memalign+1c)[0x1300] + 0x55f000 0x100
                @ ./prog:(use_aligned_alloc+9)[0x1400] + 0x560000 0x200
                @ ./prog:(use_valloc+9)[0x1500] + 0x561000 0x1000
                @ ./prog:(use_pvalloc+9)[0x1600] + 0x563000 0x2000
                @ ./prog:(use_memalign+30)[0x1218] - 0x55e000
                = End
                """, 64);
        assertThat(kinds(ops)).containsExactly(Kind.ALLOCATE, Kind.ALLOCATE, Kind.ALLOCATE, Kind.ALLOCATE,
                Kind.ALLOCATE, Kind.ALLOCATE, Kind.FREE);
        assertThat(ops.requestSize(5)).isEqualTo(0x2000);
        assertThat(ops.slot(6)).isEqualTo(ops.slot(1));
        for (int i = 0; i < 6; i++) {
            assertThat(ops.alignment(i)).as("every block asks for the alignment given").isEqualTo(64);
        }
        assertThat(ops.site(3)).isEqualTo("./prog:(use_aligned_alloc+9)[0x1400]");
        assertThat(ops.notes()).containsEntry("live_at_end", 5L);
    }

    @Test
    void markersMayComeAnywhereAndAnyNumberOfTimes() throws Exception {
        // mtrace() / muntrace() called again: "= Start" and "= End" between events, even "= End" first
        Operations ops = read("""
                = End
                = Start
                @ ./prog:[0x1100] + 0x1000 0x10
                = End
                = Start
                @ ./prog:[0x1100] + 0x2000 0x20
                @ ./prog:[0x1200] - 0x1000
                =   End
                = Start
                @ ./prog:[0x1200] - 0x2000
                = End
                """);
        assertThat(kinds(ops)).containsExactly(Kind.ALLOCATE, Kind.ALLOCATE, Kind.FREE, Kind.FREE);
        assertThat(ops.slot(2)).isEqualTo(ops.slot(0));
        assertThat(ops.slot(3)).isEqualTo(ops.slot(1));
        assertThat(ops.notes()).containsEntry("unmatched_frees", 0L).containsEntry("live_at_end", 0L);
    }

    @Test
    void markersMayBeMissingEntirely() throws Exception {
        Operations ops = read("""
                @ ./prog:[0x1100] + 0x1000 0x10
                @ ./prog:[0x1200] - 0x1000
                @ ./prog:[0x1100] + 0x1000 0x30
                """);
        assertThat(kinds(ops)).containsExactly(Kind.ALLOCATE, Kind.FREE, Kind.ALLOCATE);
        assertThat(ops.notes()).containsEntry("live_at_end", 1L).containsEntry("lost_frees", 0L);
    }

    @Test
    void aTraceMayBeginWithFreesAndReallocsOfBlocksNeverSeen() throws Exception {
        // mtrace() called in a running program: its older blocks are freed or reallocated without a '+'
        Operations ops = read("""
                @ libc.so.6:[0x39221] - 0x7f0000000000
                @ ./prog:(f+1)[0x1] < 0x7f0000000010
                @ ./prog:(f+1)[0x1] > 0x7f0000000020 0x10
                @ libc.so.6:[0x39221] - 0x7f0000000020
                = Start
                @ ./prog:[0x1100] + 0x1000 0x10
                @ ./prog:[0x1200] - 0x7f0000000030
                """);
        assertThat(kinds(ops)).containsExactly(Kind.ALLOCATE);
        assertThat(ops.notes()).containsEntry("unmatched_frees", 3L).containsEntry("unmatched_reallocs", 1L)
                .containsEntry("live_at_end", 1L);
    }

    @Test
    void crlfLineEndsReadAsLf() throws Exception {
        Path lf = dir.resolve("lf.mtrace");
        Path crlf = dir.resolve("crlf.mtrace");
        Files.writeString(lf, TRACE);
        Files.writeString(crlf, TRACE.replace("\n", "\r\n"));
        Operations a = MtraceReader.read(lf, "t", 16);
        Operations b = MtraceReader.read(crlf, "t", 16);
        assertThat(kinds(b)).isEqualTo(kinds(a));
        for (int i = 0; i < a.size(); i++) {
            assertThat(b.slot(i)).isEqualTo(a.slot(i));
            assertThat(b.requestSize(i)).isEqualTo(a.requestSize(i));
            assertThat(b.site(i)).isEqualTo(a.site(i));
        }
        assertThat(b.site(0)).isEqualTo("prog:(main+10)[0x1234]");
        assertThat(b.notes()).isEqualTo(a.notes());
        // and the zero size at a line's end, where the '\r' sits
        Files.writeString(crlf, "= Start\r\n@ ./prog:[0x1] + 0x55d0c0 0\r\n- 0x55d0c0\r\n= End\r\n");
        Operations z = MtraceReader.read(crlf, "t", 16);
        assertThat(kinds(z)).containsExactly(Kind.ALLOCATE, Kind.FREE);
        assertThat(z.notes()).containsEntry("zero_size_requests", 1L).containsEntry("unmatched_frees", 0L);
    }

    @Test
    void aCallersFileMayHoldSpacesParenthesesAndBrackets() throws Exception {
        // tr_where writes "@ FILE:(SYM+OFF)[0xADDR] " with FILE the object's path, as it is
        Operations ops = read("""
                @ /home/a b/my (copy) [2]/prog:(main+1a)[0x1139] + 0x1000 0x10
                @ /opt/x - 0x5/lib (old).so:[0x2a0] + 0x2000 0x20
                @ /tmp/[weird] + 0x1 0x2/p:(f+1)[0x1] < 0x1000
                @ /tmp/[weird] + 0x1 0x2/p:(f+1)[0x1] > 0x3000 0x40
                @ /home/a b/my (copy) [2]/prog:(main+2b)[0x114a] - 0x2000
                """);
        assertThat(kinds(ops)).containsExactly(Kind.ALLOCATE, Kind.ALLOCATE, Kind.REALLOCATE, Kind.FREE);
        assertThat(ops.site(0)).isEqualTo("/home/a b/my (copy) [2]/prog:(main+1a)[0x1139]");
        assertThat(ops.site(1)).isEqualTo("/opt/x - 0x5/lib (old).so:[0x2a0]");
        assertThat(ops.site(2)).isEqualTo("/tmp/[weird] + 0x1 0x2/p:(f+1)[0x1]");
        assertThat(ops.requestSize(2)).isEqualTo(0x40);
        assertThat(ops.slot(2)).isEqualTo(ops.slot(0));
        assertThat(ops.slot(3)).isEqualTo(ops.slot(1));
        assertThat(ops.notes()).containsEntry("unmatched_frees", 0L).containsEntry("unmatched_reallocs", 0L)
                .containsEntry("live_at_end", 1L);
    }

    @Test
    void everyCallerFormOfTrWhereIsRead() throws Exception {
        // "@ [%p] " when dladdr knows nothing; "(SYM-OFF)" when the caller lies before the symbol; no FILE
        // when dladdr gives none, "FILE:" with an empty FILE; glibc writes OFF without 0x, some tools with
        Operations ops = read("""
                @ [0x7f3a2c4e1139] + 0x1000 0x10
                @ ./prog:(helper-1a)[0x1129] + 0x2000 0x20
                @ ./prog:(helper-0x10)[0x1129] + 0x3000 0x30
                @ (helper+8)[0x1129] + 0x4000 0x40
                @ :[0x1129] + 0x5000 0x50
                @ [0x7f3a2c4e1139] - 0x1000
                @ ./prog:(helper-1a)[0x1129] < 0x2000
                @ ./prog:(helper-1a)[0x1129] > 0x2000 0x80
                """);
        assertThat(kinds(ops)).containsExactly(Kind.ALLOCATE, Kind.ALLOCATE, Kind.ALLOCATE, Kind.ALLOCATE,
                Kind.ALLOCATE, Kind.FREE, Kind.REALLOCATE);
        assertThat(ops.site(0)).isEqualTo("[0x7f3a2c4e1139]");
        assertThat(ops.site(1)).isEqualTo("./prog:(helper-1a)[0x1129]");
        assertThat(ops.site(2)).isEqualTo("./prog:(helper-0x10)[0x1129]");
        assertThat(ops.site(3)).isEqualTo("(helper+8)[0x1129]");
        assertThat(ops.site(4)).isEqualTo(":[0x1129]");
        assertThat(ops.slot(5)).isEqualTo(ops.slot(0));
        assertThat(ops.slot(6)).as("grown in place").isEqualTo(ops.slot(1));
        assertThat(ops.requestSize(6)).isEqualTo(0x80);
        assertThat(ops.notes()).containsEntry("unmatched_frees", 0L).containsEntry("live_at_end", 4L);
    }

    @Test
    void aReallocOntoAnAddressStillLiveIsALostFree() throws Exception {
        // two threads: B's block is allocated at A's old address before A's realloc is written
        Operations ops = read("""
                @ ./prog:[0x1] + 0x1000 0x10
                @ ./prog:[0x1] + 0x2000 0x10
                @ ./prog:[0x2] < 0x1000
                @ ./prog:[0x2] > 0x2000 0x20
                @ ./prog:[0x3] - 0x2000
                """);
        assertThat(kinds(ops)).containsExactly(Kind.ALLOCATE, Kind.ALLOCATE, Kind.FREE, Kind.REALLOCATE, Kind.FREE);
        assertThat(ops.slot(2)).isEqualTo(ops.slot(1));
        assertThat(ops.slot(3)).isEqualTo(ops.slot(0));
        assertThat(ops.slot(4)).isEqualTo(ops.slot(0));
        assertThat(ops.notes()).containsEntry("lost_frees", 1L).containsEntry("live_at_end", 0L);
    }

    @Test
    void malformedLinesAreRefusedWithFileAndLine() throws Exception {
        String ok = "= Start\n@ a:[0x1] + 0x10 0x20\n";
        assertRefused(ok + "@ a:[0x1] + 0x30 12\n", 3, "'12' is not a hexadecimal number");
        assertRefused(ok + "+ 0x30 0xZZ\n", 3, "'0xZZ' is not a hexadecimal number");
        assertRefused(ok + "+ 0x30 00\n", 3, "'00' is not a hexadecimal number");
        assertRefused(ok + "+ 0x30 0x\n", 3, "'0x' is not a hexadecimal number");
        assertRefused(ok + "+ 0x30 0x10000000000000000\n", 3, "'0x10000000000000000' has 17 hexadecimal digits: more than 64 bits");
        assertRefused(ok + "- 0x000000000000000030\n", 3, "has 18 hexadecimal digits: more than 64 bits");
        assertRefused(ok + "+ 0 0x10\n", 3, "'0' is not an address");
        assertRefused(ok + "- nil\n", 3, "'nil' is not an address");
        assertRefused(ok + "@ a:[0x1] ? 0x10\n", 3, "not an mtrace event");
        assertRefused(ok + "? 0x10 0x20\n", 3, "not an mtrace event");
        assertRefused(ok + "+ 0x10\n", 3, "not an mtrace event");
        assertRefused(ok + "a:[0x1] + 0x30 0x20\n", 3, "must be a caller '@");
        assertRefused(ok + "@a:[0x1] + 0x30 0x20\n", 3, "must be a caller '@");
        assertRefused(ok + "@ + 0x30 0x20\n", 3, "the caller after '@' is empty");
        assertRefused(ok + "@ a:[0x1] < 0x10\n@ a:[0x1] + 0x40 0x20\n", 4, "must be followed by its '>' line");
        assertRefused(ok + "@ a:[0x1] < 0x10\n= End\n", 4, "must be followed by its '>' line");
        assertRefused(ok + "\n@ a:[0x1] < 0x10\n", 4, "without its '>' line");
        assertRefused(ok + "@ a:[0x1] < (nil)\n@ a:[0x1] > 0x10 0x20\n", 3, "never has a null pointer");
        assertRefused(ok + "@ a:[0x1] < 0x10\n@ a:[0x1] > (nil) 0x20\n", 4, "never has a null pointer");
        assertRefused(ok + "@ prog:[0x12", 3, "not an mtrace event");
    }

    @Test
    void aSizeIsReplayedAsWrittenOrSkippedAndNamedNeverAltered() throws Exception {
        Operations ops = read("""
                + 0x10 0x8000000000000000
                + 0x20 0x400000000001
                + 0x30 0x400000000000
                + 0x40 0xffffffffffffffff
                - 0x10
                < 0x30
                > 0x50 0x7fffffffffffffff
                < 0x20
                > 0x60 0x8
                - 0x60
                - 0x50
                """);
        // 2^63, 2^46 + 1 and 2^64 - 1 are left out (and their frees and reallocations with them); 2^46 itself is
        // the largest request there is, replayed as written; the reallocation to 2^63 - 1 leaves it as it was
        assertThat(kinds(ops)).containsExactly(Kind.ALLOCATE, Kind.FREE);
        assertThat(ops.requestSize(0)).isEqualTo(1L << 46);
        assertThat(ops.notes()).containsEntry("oversized_requests", 4L).containsEntry("unmatched_frees", 0L)
                .containsEntry("unmatched_reallocs", 0L).containsEntry("live_at_end", 1L);
        assertThat(ops.warnings()).singleElement().asString()
                .contains("4 requests of more than 70368744177664 bytes", "oversized_requests",
                        "t.mtrace:1, t.mtrace:2, t.mtrace:4, …");
    }

    @Test
    void aDoubleFreeIsCountedAsOneNotAsABlockFromBeforeTracing() throws Exception {
        Operations ops = read("""
                + 0x10 0x20
                - 0x10
                - 0x10
                - 0x99
                + 0x20 0x8
                < 0x20
                > 0x30 0x10
                - 0x20
                + 0x10 0x8
                - 0x10
                """);
        assertThat(ops.notes()).containsEntry("double_frees", 2L).containsEntry("unmatched_frees", 1L)
                .containsEntry("live_at_end", 1L);
        assertThat(ops.warnings()).singleElement().asString()
                .contains("2 frees of a block the trace had already freed", "double_frees", "t.mtrace:3, t.mtrace:8");
        assertThat(kinds(ops)).as("an address allocated again is a block again")
                .containsExactly(Kind.ALLOCATE, Kind.FREE, Kind.ALLOCATE, Kind.REALLOCATE, Kind.ALLOCATE, Kind.FREE);
    }

    @Test
    void aGzippedTraceCutShortOrDamagedIsNamedWithFileAndLine() throws Exception {
        var text = new StringBuilder();
        for (int i = 0; i < 200_000; i++) {
            text.append("@ prog:(main+").append(Integer.toHexString(i)).append(")[0x1139] + 0x")
                    .append(Long.toHexString(0x10000 + 16L * i)).append(" 0x20\n");
        }
        Path whole = dir.resolve("whole.mtrace.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(whole))) {
            out.write(text.toString().getBytes(StandardCharsets.US_ASCII));
        }
        byte[] gz = Files.readAllBytes(whole);
        Path cut = Files.write(dir.resolve("trunc.gz"), java.util.Arrays.copyOf(gz, gz.length / 2));
        assertThatThrownBy(() -> MtraceReader.read(cut, "t", 16)).isInstanceOf(TraceFormatException.class)
                .hasMessageMatching(".*trunc\\.gz:\\d+: the gzip stream ends early \\(the file is truncated\\)")
                .hasMessageNotContaining(":1: ");
        Path header = Files.write(dir.resolve("header.gz"), java.util.Arrays.copyOf(gz, 5));
        assertThatThrownBy(() -> MtraceReader.read(header, "t", 16)).isInstanceOf(TraceFormatException.class)
                .hasMessageEndingWith("header.gz:1: the gzip stream ends early (the file is truncated)");
        byte[] damaged = gz.clone();
        for (int i = gz.length / 3; i < gz.length / 3 + 64; i++) {
            damaged[i] = (byte) 0xff;
        }
        Path bad = Files.write(dir.resolve("bad.gz"), damaged);
        assertThatThrownBy(() -> MtraceReader.read(bad, "t", 16)).isInstanceOf(TraceFormatException.class)
                .hasMessageMatching(".*bad\\.gz:\\d+: the gzip stream is damaged \\(.+\\)");
    }

    private void assertRefused(String trace, int line, String reason) throws Exception {
        Path file = dir.resolve("bad.mtrace");
        Files.writeString(file, trace);
        assertThatThrownBy(() -> MtraceReader.read(file, "t", 16)).as(trace).isInstanceOf(TraceFormatException.class)
                .hasMessageContaining("bad.mtrace:" + line + ": ").hasMessageContaining(reason);
    }

    private Operations read(String trace) throws Exception {
        return read(trace, 16);
    }

    private Operations read(String trace, int alignment) throws Exception {
        Path file = dir.resolve("t.mtrace");
        Files.writeString(file, trace);
        return MtraceReader.read(file, "t", alignment);
    }

    private static java.util.List<Kind> kinds(Operations ops) {
        var list = new java.util.ArrayList<Kind>();
        for (int i = 0; i < ops.size(); i++) {
            list.add(ops.kind(i));
        }
        return list;
    }
}
