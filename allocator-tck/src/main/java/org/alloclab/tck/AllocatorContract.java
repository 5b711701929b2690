package org.alloclab.tck;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.IntFunction;

import org.alloclab.api.Allocator;
import org.alloclab.api.Capability;
import org.alloclab.api.Frame;
import org.alloclab.api.HeapVisitor;
import org.alloclab.api.InvalidFreeException;
import org.alloclab.api.Memory;
import org.alloclab.api.Region;
import org.alloclab.api.Sizes;
import org.alloclab.api.VirtualMemory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * The allocator contract: every rule of {@link Allocator}, checked by random model-based runs with
 * shrinking, a catalogue of bad inputs, exhaustion under a small budget and under an injected commit
 * failure, and a check that {@code close()} gives every page back.
 *
 * <h2>Use</h2>
 * A strategy gets the whole suite by extending this class in its tests and saying how to create one:
 * <pre>{@code
 * class LinearContractTest extends AllocatorContract {
 *     @Override
 *     protected Allocator create(VirtualMemory vm) {
 *         return new LinearProvider().create(Map.of("capacity", "16MiB"), vm);
 *     }
 * }
 * }</pre>
 * The class name must match Surefire's includes ({@code *Test}, {@code *Contract*}, …). Optional
 * overrides: {@link #virtualMemories()} (by default {@code simulated} and {@code os}, found through
 * {@link org.alloclab.api.Registry#virtualMemories()}), {@link #virtualMemoryParameters(String)},
 * {@link #minSize()}/{@link #maxSize()}/{@link #maxAlignment()} (1 B … 64 KiB, alignments to 16 KiB),
 * {@link #defaultTries()}, {@link #defaultMaxSteps()}, {@link #exhaustionVirtualMemory()},
 * {@link #exhaustionBudget()}, {@link #detectsInteriorPointers()} and {@link #regressionSeeds()}.
 * Tries, seed, run length and virtual memories can also be set without code through
 * {@link ContractSettings} (JUnit configuration parameters or {@code -Dalloclab.tck.…} system
 * properties); {@link ContractRunner} runs this suite for a strategy named on the command line.
 *
 * <h2>What it checks</h2>
 * <ul>
 *   <li><b>modelBasedRun</b> — random sequences of allocate, free, reallocate, reset, push and pop
 *       frame (as the capabilities allow), against a model of the heap kept by the suite. After
 *       every step: alignment; no two held blocks overlap (with usable sizes); every block lies in
 *       committed memory of a region the allocator reserved and {@code owns} it; contents are
 *       preserved (a per-block pattern written at allocation, checked after every step, before free,
 *       and over the kept prefix after reallocate); usable size ≥ requested; {@code live_bytes} equals
 *       the model's; {@code walk} reports ordered, disjoint spans with every block inside an allocated
 *       span and none in a free one (with {@link Capability#WALK_BLOCKS}: exactly one span per block);
 *       {@code verify()} passes. At the end, {@code close()} must give everything back. A failure is
 *       shrunk to a short sequence that breaks the same rule, reported with the seed.</li>
 *   <li><b>badSizes</b>, <b>badAlignments</b>, <b>foreignAddresses</b>, <b>doubleFreeAndInteriorPointers</b>,
 *       <b>missingCapabilities</b>, <b>framesOutOfOrder</b>, <b>useAfterClose</b> — each bad call, made
 *       on a random heap, must throw the right exception with a message naming the problem, and leave
 *       the allocator consistent (every invariant above), its blocks intact and still usable.</li>
 *   <li><b>exhaustionUnderBudget</b>, <b>exhaustionUnderCommitFailure</b> — allocate returns 0, never
 *       throws, and the allocator stays consistent and usable afterwards.</li>
 *   <li><b>closeGivesEverythingBack</b> — after {@code close()} the virtual memory's reserved and
 *       committed bytes are back where they were, every region the allocator reserved is released and
 *       none of its pages is resident.</li>
 * </ul>
 *
 * <h2>External memory</h2>
 * A strategy with {@link Capability#EXTERNAL_MEMORY} (glibc malloc, jemalloc, Netty, JDK arenas) ignores
 * the virtual memory it is given. For it the checks against that memory are not made — that every block
 * lies in committed memory of a region the allocator reserved, and that its usable size reaches only
 * committed memory — and <b>exhaustionUnderBudget</b> and <b>exhaustionUnderCommitFailure</b> are
 * skipped, saying why. Everything else runs as for any strategy; {@code closeGivesEverythingBack} holds
 * trivially, since such an allocator never took anything from the virtual memory.
 *
 * <h2>Model semantics</h2>
 * {@code live_bytes} is the sum of requested sizes of the blocks the allocator still holds. Without
 * {@link Capability#FREE}, a block left behind by a moving reallocation is still held until a reset or
 * the pop of a frame pushed before it. A reallocation returning 0 leaves the old block live and intact;
 * an allocation returning 0 is a normal outcome. Popping a frame drops every block born after its push.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(ContractExtension.class)
public abstract class AllocatorContract {

    static final String ENTRY_PROPERTY = "property";
    static final String ENTRY_TRIES = "tries";
    static final String ENTRY_SEED = "seed";
    static final String ENTRY_FAILURE = "failure";
    static final String ENTRY_SAMPLE = "sample";
    static final String ENTRY_NOTE = "note";

    private ContractSettings settings = ContractSettings.none();
    private long seed = ThreadLocalRandom.current().nextLong();

    /** Creates the allocator under test, drawing its memory from {@code vm}. Called once per run. */
    protected abstract Allocator create(VirtualMemory vm);

    /** The virtual memories (provider names) every per-memory property runs over. */
    protected List<String> virtualMemories() {
        return List.of("simulated", "os");
    }

    /**
     * Parameters of the virtual memory called {@code virtualMemory}: by default a 4 KiB page, a 1 GiB
     * budget and 64 GiB of address space for {@code simulated}, checked access for {@code os}.
     */
    protected Map<String, ?> virtualMemoryParameters(String virtualMemory) {
        return switch (virtualMemory) {
            case "simulated" -> Map.of("page-size", "4KiB", "budget", "1GiB", "address-space", "64GiB");
            case "os" -> Map.of("checked", "true");
            default -> Map.of();
        };
    }

    /** Smallest size requested. */
    protected long minSize() {
        return 1;
    }

    /** Largest size requested. */
    protected long maxSize() {
        return 64 * Sizes.KiB;
    }

    /** Largest alignment requested; above the page size, so alignments past a page are drawn too. */
    protected long maxAlignment() {
        return 16 * Sizes.KiB;
    }

    /** Tries of {@code modelBasedRun} per virtual memory; the other properties make fewer. */
    protected int defaultTries() {
        return 100;
    }

    /** The longest model-based run, in steps. */
    protected int defaultMaxSteps() {
        return 50;
    }

    /** The virtual memory of the exhaustion properties; it needs the {@code budget} and {@code fail-commit-at} parameters. */
    protected String exhaustionVirtualMemory() {
        return "simulated";
    }

    /**
     * The physical memory {@code exhaustionUnderBudget} leaves the strategy beyond what it commits at
     * creation (measured first), so a strategy that commits a whole buffer up front runs out of that
     * buffer, and one that commits on demand runs out of the budget.
     */
    protected long exhaustionBudget() {
        return Sizes.MiB;
    }

    /**
     * Whether the strategy tells a pointer into the middle of a live block from a block (to reject its
     * free). When false the interior-pointer cases are not run, since freeing one corrupts most heaps.
     */
    protected boolean detectsInteriorPointers() {
        return false;
    }

    /** Try seeds of {@code modelBasedRun} that once failed; run first, before the random tries. */
    protected List<Long> regressionSeeds() {
        return List.of();
    }

    /** The settings this run was given. */
    protected final ContractSettings settings() {
        return settings;
    }

    /** The seed every property of this run derives its tries from. */
    protected final long seed() {
        return seed;
    }

    void configure(ContractSettings s) {
        this.settings = s;
        s.seed().ifPresent(v -> this.seed = v);
    }

    /** Called before each property; aborts it when it cannot run. */
    void checkRunnable() {
    }

    List<String> effectiveVirtualMemories() {
        return settings.virtualMemories().isEmpty() ? virtualMemories() : settings.virtualMemories();
    }

    private int tries() {
        return settings.tries().orElse(defaultTries());
    }

    private int maxSteps() {
        return settings.maxSteps().orElse(defaultMaxSteps());
    }

    // ---- properties -----------------------------------------------------------------------------

    /** Random model-based runs with invariants after every step; failures are shrunk. */
    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(ContractExtension.VirtualMemoryNames.class)
    public final void modelBasedRun(String virtualMemory, TestReporter reporter) {
        Property p = begin(reporter, "modelBasedRun", virtualMemory);
        Subject subject = subject(virtualMemory);
        var seeds = new ArrayList<>(regressionSeeds());
        seeds.addAll(trySeeds(tries()));
        int ran = 0;
        for (long trySeed : seeds) {
            ran++;
            ModelRun.Outcome outcome = ModelRun.generate(subject, trySeed, maxSteps());
            if (outcome.failed()) {
                ModelRun.Shrunk shrunk = ModelRun.shrink(subject, outcome, 3000, 30_000);
                p.fail(ran, seeds.size(), trySeed, shrunk.shrunk().failure(), shrunkReport(shrunk));
            }
        }
        p.pass(ran, null);
    }

    /** Sizes below 1 or above {@link Allocator#MAX_REQUEST}, to allocate and reallocate. */
    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(ContractExtension.VirtualMemoryNames.class)
    public final void badSizes(String virtualMemory, TestReporter reporter) {
        onRandomHeap(virtualMemory, reporter, "badSizes", s -> {
            Allocator a = s.allocator;
            for (long size : new long[] {0, -1, Long.MIN_VALUE, Allocator.MAX_REQUEST + 1, Long.MAX_VALUE}) {
                expect(s, IllegalArgumentException.class, "allocate(" + size + ", 8)", () -> a.allocate(size, 8),
                        "size", Long.toString(size));
            }
            if (s.has(Capability.REALLOCATE)) {
                HeapModel.Block b = someBlock(s);
                for (long size : new long[] {0, -1, Allocator.MAX_REQUEST + 1}) {
                    expect(s, IllegalArgumentException.class, "reallocate(" + b.name() + ", " + size + ")",
                            () -> a.reallocate(b.address, size), "size", Long.toString(size));
                }
            }
            return true;
        });
    }

    /** Alignments that are not powers of two or are above {@link Allocator#MAX_ALIGNMENT}. */
    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(ContractExtension.VirtualMemoryNames.class)
    public final void badAlignments(String virtualMemory, TestReporter reporter) {
        onRandomHeap(virtualMemory, reporter, "badAlignments", s -> {
            for (long alignment : new long[] {0, 3, 24, -8, Long.MIN_VALUE, Allocator.MAX_ALIGNMENT << 1}) {
                expect(s, IllegalArgumentException.class, "allocate(64, " + alignment + ")",
                        () -> s.allocator.allocate(64, alignment), "alignment", Long.toString(alignment));
            }
            return true;
        });
    }

    /** An address in memory the allocator never managed: not owned, and rejected by free and friends. */
    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(ContractExtension.VirtualMemoryNames.class)
    public final void foreignAddresses(String virtualMemory, TestReporter reporter) {
        onRandomHeap(virtualMemory, reporter, "foreignAddresses", s -> {
            long page = s.raw.pageSize();
            Region region = s.raw.reserve(2 * page);
            if (region == null) {
                throw new ContractViolation("setup", "could not reserve a foreign region from the virtual memory");
            }
            try {
                if (!s.raw.commit(region.address(), region.bytes())) {
                    throw new ContractViolation("setup", "could not commit a foreign region");
                }
                long foreign = region.address() + page;
                Memory memory = s.raw.memory();
                memory.fill(region.address(), region.bytes(), (byte) 0x5a);
                Allocator a = s.allocator;
                if (a.owns(foreign)) {
                    throw new ContractViolation("ownership", "owns(" + Sizes.hex(foreign)
                            + ") is true for an address in a region the allocator never reserved");
                }
                if (s.has(Capability.FREE)) {
                    expect(s, InvalidFreeException.class, "free(" + Sizes.hex(foreign) + ") (foreign)",
                            () -> a.free(foreign), Sizes.hex(foreign));
                    s.note("free(0)");
                    try {
                        a.free(0);
                    } catch (RuntimeException e) {
                        throw new ContractViolation("bad-input", "free(0) must do nothing, but threw " + e, e);
                    }
                }
                if (s.has(Capability.REALLOCATE)) {
                    expect(s, s.has(Capability.FREE) ? InvalidFreeException.class : IllegalArgumentException.class,
                            "reallocate(" + Sizes.hex(foreign) + ", 16) (foreign)", () -> a.reallocate(foreign, 16));
                }
                if (s.has(Capability.USABLE_SIZE)) {
                    expect(s, IllegalArgumentException.class, "usableSize(" + Sizes.hex(foreign) + ") (foreign)",
                            () -> a.usableSize(foreign));
                }
                for (long off = 0; off < region.bytes(); off += 8) {
                    if (memory.getLong(region.address() + off) != 0x5a5a5a5a5a5a5a5aL) {
                        throw new ContractViolation("bad-input", "rejecting a foreign address changed memory at "
                                + Sizes.hex(region.address() + off) + ", which the allocator does not own");
                    }
                }
            } finally {
                s.raw.release(region);
            }
            return true;
        });
    }

    /** Freeing a block twice, and (where the strategy can tell) a pointer into a block. Needs FREE. */
    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(ContractExtension.VirtualMemoryNames.class)
    public final void doubleFreeAndInteriorPointers(String virtualMemory, TestReporter reporter) {
        onRandomHeap(virtualMemory, reporter, "doubleFreeAndInteriorPointers", needs(Capability.FREE, s -> {
            Allocator a = s.allocator;
            HeapModel.Block b = newBlock(s, 48);
            s.execute(new Step.Free(b.token));
            s.checkAll();
            expect(s, InvalidFreeException.class, "free(" + b.name() + ") a second time", () -> a.free(b.address),
                    Sizes.hex(b.address));
            if (s.has(Capability.REALLOCATE)) {
                expect(s, InvalidFreeException.class, "reallocate(" + b.name() + ", 16) after its free",
                        () -> a.reallocate(b.address, 16), Sizes.hex(b.address));
            }
            if (detectsInteriorPointers()) {
                s.checkAll();
                HeapModel.Block c = newBlock(s, 64);
                expect(s, InvalidFreeException.class, "free(" + c.name() + " + 8) (interior pointer)",
                        () -> a.free(c.address + 8), Sizes.hex(c.address + 8));
                if (s.has(Capability.REALLOCATE)) {
                    expect(s, IllegalArgumentException.class, "reallocate(" + c.name() + " + 8, 16) (interior pointer)",
                            () -> a.reallocate(c.address + 8, 16));
                }
            }
            return true;
        }));
    }

    /** Every optional operation the strategy does not declare throws UnsupportedOperationException. */
    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(ContractExtension.VirtualMemoryNames.class)
    public final void missingCapabilities(String virtualMemory, TestReporter reporter) {
        onRandomHeap(virtualMemory, reporter, "missingCapabilities", new HeapCheck() {
            @Override
            public String skip(Session s) {
                return missing(s).isEmpty() ? "the strategy declares every optional operation" : null;
            }

            @Override
            public boolean run(Session s) {
                return checkMissing(s, missing(s));
            }
        });
    }

    private static EnumSet<Capability> missing(Session s) {
        var missing = EnumSet.of(Capability.FREE, Capability.REALLOCATE, Capability.USABLE_SIZE, Capability.RESET,
                Capability.FRAMES);
        missing.removeAll(s.allocator.capabilities());
        return missing;
    }

    private static boolean checkMissing(Session s, EnumSet<Capability> missing) {
        Allocator a = s.allocator;
        HeapModel.Block b = newBlock(s, 32);
        for (Capability c : missing) {
            switch (c) {
                case FREE -> expect(s, UnsupportedOperationException.class, "free(" + b.name() + ") without FREE",
                        () -> a.free(b.address));
                case REALLOCATE -> expect(s, UnsupportedOperationException.class,
                        "reallocate(" + b.name() + ", 64) without REALLOCATE", () -> a.reallocate(b.address, 64));
                case USABLE_SIZE -> expect(s, UnsupportedOperationException.class,
                        "usableSize(" + b.name() + ") without USABLE_SIZE", () -> a.usableSize(b.address));
                case RESET -> expect(s, UnsupportedOperationException.class, "reset() without RESET", a::reset);
                case FRAMES -> {
                    expect(s, UnsupportedOperationException.class, "pushFrame() without FRAMES", a::pushFrame);
                    expect(s, UnsupportedOperationException.class, "popFrame(…) without FRAMES",
                            () -> a.popFrame(() -> 0));
                }
                default -> throw new AssertionError(c);
            }
        }
        return true;
    }

    /** Popping a frame that is not the innermost open one throws IllegalStateException. Needs FRAMES. */
    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(ContractExtension.VirtualMemoryNames.class)
    public final void framesOutOfOrder(String virtualMemory, TestReporter reporter) {
        onRandomHeap(virtualMemory, reporter, "framesOutOfOrder", needs(Capability.FRAMES, s -> {
            Allocator a = s.allocator;
            s.execute(new Step.PushFrame());
            Frame outer = s.model.innermost().frame();
            newBlock(s, 32);
            s.execute(new Step.PushFrame());
            Frame inner = s.model.innermost().frame();
            newBlock(s, 64);
            s.checkAll();
            expect(s, IllegalStateException.class, "popFrame(outer) while an inner frame is open",
                    () -> a.popFrame(outer));
            s.checkAll();
            Frame stranger = inner::depth;
            expect(s, IllegalStateException.class, "popFrame(a frame this allocator never pushed)",
                    () -> a.popFrame(stranger));
            s.checkAll();
            s.execute(new Step.PopFrame());
            s.checkAll();
            expect(s, IllegalStateException.class, "popFrame(inner) a second time", () -> a.popFrame(inner));
            s.checkAll();
            s.execute(new Step.PopFrame());
            return true;
        }));
    }

    /** After close() every operation throws IllegalStateException, and close() again does nothing. */
    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(ContractExtension.VirtualMemoryNames.class)
    public final void useAfterClose(String virtualMemory, TestReporter reporter) {
        onRandomHeap(virtualMemory, reporter, "useAfterClose", s -> {
            Allocator a = s.allocator;
            HeapModel.Block b = newBlock(s, 32);
            long x = b.address;
            s.closeAndCheck();
            String c = "closed";
            expect(s, IllegalStateException.class, "allocate(16, 8) after close", () -> a.allocate(16, 8), c);
            expect(s, IllegalStateException.class, "allocate(16) after close", () -> a.allocate(16), c);
            expect(s, IllegalStateException.class, "free(…) after close", () -> a.free(x), c);
            expect(s, IllegalStateException.class, "reallocate(…) after close", () -> a.reallocate(x, 64), c);
            expect(s, IllegalStateException.class, "usableSize(…) after close", () -> a.usableSize(x), c);
            expect(s, IllegalStateException.class, "owns(…) after close", () -> a.owns(x), c);
            expect(s, IllegalStateException.class, "reset() after close", a::reset, c);
            expect(s, IllegalStateException.class, "pushFrame() after close", a::pushFrame, c);
            expect(s, IllegalStateException.class, "popFrame(…) after close", () -> a.popFrame(() -> 0), c);
            expect(s, IllegalStateException.class, "walk(…) after close", () -> a.walk(new HeapVisitor() {
                @Override
                public void allocated(long address, long bytes) {
                }

                @Override
                public void free(long address, long bytes) {
                }
            }), c);
            expect(s, IllegalStateException.class, "stats() after close", a::stats, c);
            expect(s, IllegalStateException.class, "verify() after close", a::verify, c);
            try {
                a.close();
            } catch (RuntimeException e) {
                throw new ContractViolation("close", "close() a second time threw " + e, e);
            }
            return false;
        });
    }

    /** After close() the virtual memory has back every byte the allocator reserved or committed. */
    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(ContractExtension.VirtualMemoryNames.class)
    public final void closeGivesEverythingBack(String virtualMemory, TestReporter reporter) {
        onRandomHeap(virtualMemory, reporter, "closeGivesEverythingBack", s -> {
            var rnd = new SplittableRandom(s.allocator.hashCode());
            var generator = new ModelRun.Generator(s.subject, rnd, 0);
            for (int i = 0; i < 32; i++) {
                s.allocate(generator.size(s), generator.alignment(s));
            }
            s.checkAll();
            s.closeAndCheck();
            return false;
        });
    }

    /** Under a small physical budget allocate returns 0, never throws, and the allocator stays usable. */
    @Test
    public final void exhaustionUnderBudget(TestReporter reporter) {
        String vmName = exhaustionVirtualMemory();
        Property p = begin(reporter, "exhaustionUnderBudget", vmName);
        Subject base = subject(vmName);
        if (!base.vmHasParameter("budget")) {
            Assumptions.abort("virtual memory '" + vmName + "' has no 'budget' parameter");
        }
        long atCreation;
        try (Session probe = Session.open(base)) {
            skipIfExternal(probe);
            atCreation = probe.raw.stats().committedBytes();
        }
        long budget = atCreation + exhaustionBudget();
        Subject subject = base.withVmParameters(Map.of("budget", Long.toString(budget)));
        int tries = Math.max(2, tries() / 25);
        eachTry(p, tries, 40, tryNumber -> subject, trySubject -> {
            try {
                return Session.open(trySubject);
            } catch (ContractViolation v) {
                throw new ContractViolation(v.check(), v.getMessage().substring(v.check().length() + 2)
                        + " (under a budget of "
                        + Sizes.format(budget) + "; override exhaustionBudget() if the strategy needs more at"
                        + " creation)", v.getCause());
            }
        }, (s, tryNumber, trySeed) -> {
            frameIfNeeded(s);
            var generator = new ModelRun.Generator(subject, new SplittableRandom(trySeed), 0);
            long requested = 0;
            int steps = 0;
            boolean refused = false;
            while (!refused && requested <= 4 * budget + maxSize()) {
                long size = generator.size(s);
                long address = s.allocate(size, generator.alignment(s));
                requested += size;
                refused = address == 0;
                if (++steps < 32 || Integer.bitCount(steps) == 1 || refused) {   // then at powers of two: a big buffer stays quick
                    s.checkAll();
                }
            }
            if (!refused) {
                throw new ContractViolation("exhaustion", "allocate never returned 0 although "
                        + Sizes.format(requested) + " were requested under a budget of " + Sizes.format(budget));
            }
            s.note("-- exhausted after " + steps + " allocations, " + Sizes.format(requested) + " requested --");
            stillUsable(s, "after exhaustion");
            s.closeAndCheck();
            return 0;
        });
        p.pass(tries, null);
    }

    /** When the Nth commit fails, allocate returns 0, never throws, and later requests succeed again. */
    @Test
    public final void exhaustionUnderCommitFailure(TestReporter reporter) {
        String vmName = exhaustionVirtualMemory();
        Property p = begin(reporter, "exhaustionUnderCommitFailure", vmName);
        Subject base = subject(vmName);
        if (!base.vmHasParameter("fail-commit-at")) {
            Assumptions.abort("virtual memory '" + vmName + "' has no 'fail-commit-at' parameter");
        }
        long commitsAtCreation;
        try (Session probe = Session.open(base)) {
            skipIfExternal(probe);
            commitsAtCreation = probe.raw.stats().commitCalls() + probe.raw.stats().failedCommits();
        }
        int tries = Math.max(3, tries() / 25);
        // try n makes commit number commitsAtCreation + n fail; a try counts when that commit did fail
        IntFunction<Subject> failingCommit = tryNumber -> base.withVmParameters(
                Map.of("fail-commit-at", Long.toString(commitsAtCreation + tryNumber)));
        int injected = eachTry(p, tries, 40, failingCommit, Session::open, (s, tryNumber, trySeed) -> {
            s.note("-- commit number " + (commitsAtCreation + tryNumber) + " fails --");
            frameIfNeeded(s);
            var generator = new ModelRun.Generator(s.subject, new SplittableRandom(trySeed), 0);
            int afterFailure = -1;
            boolean satisfiedAfter = false;
            for (int i = 0; i < 400 && (afterFailure < 0 || afterFailure < 32) && !satisfiedAfter; i++) {
                long address = s.allocate(generator.size(s), generator.alignment(s));
                if (afterFailure >= 0) {
                    afterFailure++;
                    satisfiedAfter = address != 0;
                } else if (s.raw.stats().failedCommits() > 0) {
                    afterFailure = 0;
                }
                if (i < 32 || i % 16 == 0 || afterFailure >= 0) {
                    s.checkAll();
                }
            }
            if (afterFailure >= 0 && !satisfiedAfter) {
                throw new ContractViolation("exhaustion", "after the one injected commit failure the allocator"
                        + " satisfied none of the next " + afterFailure + " requests");
            }
            stillUsable(s, "after an injected commit failure");
            s.closeAndCheck();
            return afterFailure >= 0 ? 1 : 0;
        });
        p.pass(tries, injected == 0 ? "no commit failed: the strategy commits nothing after creation" : null);
    }

    // ---- plumbing -------------------------------------------------------------------------------

    /** A property in progress: reports its name, tries and seed, and fails with a report. */
    private final class Property {
        private final TestReporter reporter;
        private final String name;

        Property(TestReporter reporter, String name) {
            this.reporter = reporter;
            this.name = name;
        }

        void pass(int tries, String note) {
            reporter.publishEntry(Map.of(ENTRY_TRIES, Integer.toString(tries), ENTRY_SEED, Long.toString(seed)));
            if (note != null) {
                reporter.publishEntry(ENTRY_NOTE, note);
            }
        }

        void fail(int tryNumber, int tries, long trySeed, Throwable failure, String sample) {
            String message = String.valueOf(failure.getMessage());
            reporter.publishEntry(Map.of(ENTRY_TRIES, Integer.toString(tryNumber), ENTRY_SEED, Long.toString(seed)));
            reporter.publishEntry(ENTRY_FAILURE, message);
            if (!sample.isEmpty()) {
                reporter.publishEntry(ENTRY_SAMPLE, sample);
            }
            throw new AssertionError(name + " failed on try " + tryNumber + " of " + tries + " (seed " + seed
                    + ", try seed " + trySeed + ")\n" + (failure instanceof ContractViolation ? "" :
                    failure.getClass().getName() + ": ") + message + "\n" + sample
                    + "\nrerun with -D" + ContractSettings.SEED + "=" + seed + ", or keep " + trySeed
                    + "L in regressionSeeds()", failure);
        }
    }

    private Property begin(TestReporter reporter, String property, String virtualMemory) {
        checkRunnable();
        String name = property + "[" + virtualMemory + "]";
        reporter.publishEntry(ENTRY_PROPERTY, name);
        return new Property(reporter, name);
    }

    private Subject subject(String virtualMemory) {
        return Subject.of(virtualMemory, virtualMemoryParameters(virtualMemory), this::create, minSize(), maxSize(),
                maxAlignment());
    }

    /** The try seeds of a property: {@code count} values derived from the run's seed. */
    private List<Long> trySeeds(int count) {
        var rnd = new SplittableRandom(seed);
        var out = new ArrayList<Long>(count);
        for (int i = 0; i < count; i++) {
            out.add(rnd.nextLong());
        }
        return out;
    }

    /** What one try of a property does with its session. */
    @FunctionalInterface
    private interface TryBody {
        /**
         * @param tryNumber the try, counted from 1
         * @param trySeed   the try's seed
         * @return what this try adds to the count {@link #eachTry} returns (0 when the property counts nothing)
         */
        int run(Session session, int tryNumber, long trySeed);
    }

    /**
     * The tries of a property that runs each try on a session of its own: for each of
     * {@link #trySeeds trySeeds(tries)}, in order, takes the try's subject from {@code subjectOfTry} (try
     * numbers count from 1), opens a session on it with {@code open}, runs {@code body} on that session and
     * closes it, whatever happened. An aborted assumption (in {@code open} or {@code body}) aborts the
     * property; any other {@link AssertionError} or {@link RuntimeException} from {@code open} or
     * {@code body} fails it at that try, with the last {@code transcriptLines} lines of the session's
     * transcript as sample (none when opening failed); what {@code subjectOfTry} throws propagates as it
     * is. Reporting the pass is left to the caller: when this
     * returns, all {@code tries} tries passed.
     *
     * @return the sum of what the bodies returned
     */
    private int eachTry(Property p, int tries, int transcriptLines, IntFunction<Subject> subjectOfTry,
                        Function<Subject, Session> open, TryBody body) {
        int ran = 0;
        int counted = 0;
        for (long trySeed : trySeeds(tries)) {
            ran++;
            Subject subject = subjectOfTry.apply(ran);
            Session s = null;
            try {
                s = open.apply(subject);
                counted += body.run(s, ran, trySeed);
            } catch (AssertionError | RuntimeException e) {
                rethrowAbort(e);
                p.fail(ran, tries, trySeed, e, s == null ? "" : numbered(s.transcript(), transcriptLines));
            } finally {
                if (s != null) {
                    s.close();
                }
            }
        }
        return counted;
    }

    private interface HeapCheck {
        /** @return whether the allocator is still open, to be checked for usability and closed */
        boolean run(Session session);

        /** Why the check does not apply to this allocator, or null when it does. */
        default String skip(Session session) {
            return null;
        }
    }

    /** A check that applies only when the allocator declares {@code capability}. */
    private static HeapCheck needs(Capability capability, HeapCheck check) {
        return new HeapCheck() {
            @Override
            public boolean run(Session session) {
                return check.run(session);
            }

            @Override
            public String skip(Session session) {
                return session.has(capability) ? null : "the strategy has no " + capability + " capability";
            }
        };
    }

    /**
     * Runs {@code check} on allocators carrying a random heap; afterwards every invariant must hold, the
     * allocator must still allocate, and close must give everything back.
     */
    private void onRandomHeap(String virtualMemory, TestReporter reporter, String property, HeapCheck check) {
        Property p = begin(reporter, property, virtualMemory);
        Subject subject = subject(virtualMemory);
        int tries = Math.max(2, tries() / 20);
        eachTry(p, tries, 60, tryNumber -> subject, Session::open, (s, tryNumber, trySeed) -> {
            String skip = check.skip(s);
            if (skip != null) {
                Assumptions.abort(skip);
            }
            ModelRun.populate(s, trySeed, Math.min(12, maxSteps()));
            s.note("-- " + property + " --");
            if (check.run(s)) {
                s.checkAll();
                stillUsable(s, "after " + property);
                s.closeAndCheck();
            }
            return 0;
        });
        p.pass(tries, null);
    }

    /**
     * Gives back what the allocator holds — frees every block, or resets, or pops every frame — and, when
     * that left nothing held, checks that a new request is satisfied.
     */
    private void stillUsable(Session s, String when) {
        s.checkAll();
        if (s.has(Capability.FREE)) {
            for (int token : s.model.liveTokens()) {
                s.execute(new Step.Free(token));
            }
        } else if (s.has(Capability.RESET) && s.model.openFrames() == 0) {
            s.execute(new Step.Reset());
        } else {
            while (s.model.openFrames() > 0) {
                s.execute(new Step.PopFrame());
            }
        }
        s.checkAll();
        if (s.model.liveCount() > 0) {
            s.note("-- the strategy cannot give back what it holds: no request checked " + when + " --");
            return;
        }
        if (s.allocate(minSize(), Allocator.DEFAULT_ALIGNMENT) == 0) {
            throw new ContractViolation("usable", "allocate(" + minSize() + ") returned 0 " + when
                    + ", with everything given back");
        }
        s.checkAll();
    }

    /**
     * Aborts a property about the virtual memory's budget or its faults: an allocator with
     * {@link Capability#EXTERNAL_MEMORY} never draws on that memory, so neither can reach it.
     */
    private static void skipIfExternal(Session s) {
        if (s.has(Capability.EXTERNAL_MEMORY)) {
            Assumptions.abort("the strategy has EXTERNAL_MEMORY: its memory is not the virtual memory's, whose"
                    + " budget and commit failures never reach it");
        }
    }

    /** Opens a frame first when frames are the only way the strategy gives memory back. */
    private static void frameIfNeeded(Session s) {
        if (s.has(Capability.FRAMES) && !s.has(Capability.FREE) && !s.has(Capability.RESET)) {
            s.execute(new Step.PushFrame());
        }
    }

    private static HeapModel.Block someBlock(Session s) {
        var live = s.model.liveBlocks();
        return live.isEmpty() ? newBlock(s, 24) : live.iterator().next();
    }

    private static HeapModel.Block newBlock(Session s, long size) {
        long address = s.allocate(size, Allocator.DEFAULT_ALIGNMENT);
        if (address == 0) {
            throw new ContractViolation("usable", "allocate(" + size + ") returned 0 on a nearly empty heap");
        }
        s.checkAll();
        return s.model.blockAt(address);
    }

    private static void expect(Session s, Class<? extends Throwable> type, String call, Runnable body,
                               String... mentions) {
        try {
            body.run();
        } catch (RuntimeException e) {
            if (!type.isInstance(e)) {
                throw new ContractViolation("bad-input", call + " threw " + e + ", expected " + type.getSimpleName(), e);
            }
            String message = e.getMessage();
            if (message == null || message.isBlank()) {
                throw new ContractViolation("bad-input", call + " threw " + type.getSimpleName()
                        + " without a message naming the problem", e);
            }
            for (String m : mentions) {
                if (!message.toLowerCase(java.util.Locale.ROOT).contains(m.toLowerCase(java.util.Locale.ROOT))) {
                    throw new ContractViolation("bad-input", call + " threw " + type.getSimpleName() + " \"" + message
                            + "\", which does not mention '" + m + "'", e);
                }
            }
            s.note(call + " -> " + e.getClass().getSimpleName() + ": " + message);
            return;
        }
        throw new ContractViolation("bad-input", call + " returned normally; expected " + type.getSimpleName());
    }

    private static void rethrowAbort(Throwable e) {
        if (e.getClass().getName().startsWith("org.opentest4j.TestAbort")) {
            throw (RuntimeException) e;
        }
    }

    private static String shrunkReport(ModelRun.Shrunk s) {
        return "shrunk from " + s.original().steps().size() + " to " + s.shrunk().steps().size() + " steps ("
                + s.replays() + " runs):\n" + numbered(s.shrunk().transcript(), Integer.MAX_VALUE);
    }

    private static String numbered(List<String> lines, int last) {
        var sb = new StringBuilder();
        int from = Math.max(0, lines.size() - last);
        if (from > 0) {
            sb.append("  … ").append(from).append(" earlier steps\n");
        }
        for (int i = from; i < lines.size(); i++) {
            sb.append(String.format("  %3d. %s%n", i + 1, lines.get(i)));
        }
        return sb.toString();
    }
}
