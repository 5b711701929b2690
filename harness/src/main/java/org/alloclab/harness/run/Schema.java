package org.alloclab.harness.run;

/**
 * The keys of {@code results.json}, its cells' files and {@code plan.json}: the one place they are spelt.
 * The writers ({@link ResultsWriter}, the cell runner, the merge) and the readers (the report, the console
 * summary, {@code alloclab collect}) both use these constants, so a key renamed here is renamed for all.
 *
 * <h2>The file</h2>
 * <pre>
 * { alloclab_results_version, started, command, working_directory, configuration_source, seed, …header…,
 *   environment { jdk, os, cpu_model, cpu_count, git_commit, alloclab_home, alloclab_version, timer_overhead_ns, host },
 *   configuration { the effective configuration },
 *   results [ one entry per repetition of a cell: run keys, or failure keys ],
 *   summary [ one entry per strategy × virtual memory × workload × threads: medians and intervals ] }
 * </pre>
 */
public final class Schema {

    private Schema() {
    }

    /** The version of the layout below; 2 is the first with cells, repetitions and a summary. */
    public static final int VERSION = 2;

    // ---- header ------------------------------------------------------------------------------------
    public static final String RESULTS_VERSION = "alloclab_results_version";
    public static final String STARTED = "started";
    public static final String COMMAND = "command";
    /** The folder the command was run from: its relative paths are relative to it. */
    public static final String WORKING_DIRECTORY = "working_directory";
    public static final String CONFIGURATION_SOURCE = "configuration_source";
    public static final String SEED = "seed";
    public static final String WARMUP_RUNS = "warmup_runs";
    public static final String LATENCY_SAMPLING = "latency_sampling";
    public static final String TOUCH = "touch";
    public static final String HEAP_MAP = "heap_map";
    public static final String REPETITIONS = "repetitions";
    public static final String FORK = "fork";
    public static final String JOBS = "jobs";
    public static final String CELL_TIMEOUT_S = "cell_timeout_s";
    public static final String JVM_ARGS = "jvm_args";
    public static final String MEASURED_REPLAYS = "measured_replays";
    /**
     * The {@code max-request} setting as configured (bytes, or a percentage of each machine's physical memory). Each
     * run states the ceiling it resolved to under {@link #MAX_REQUEST_BYTES}.
     */
    public static final String MAX_REQUEST = "max_request";
    public static final String CELLS_PLANNED = "cells_planned";
    /** How the cells stand: planned, ok, failed, crashed, timed_out, missing. */
    public static final String CELL_COUNTS = "cell_counts";
    public static final String ENVIRONMENT = "environment";
    public static final String CONFIGURATION = "configuration";
    public static final String RESULTS = "results";
    public static final String SUMMARY = "summary";

    // ---- environment -------------------------------------------------------------------------------
    public static final String JDK = "jdk";
    public static final String OS = "os";
    public static final String CPU_MODEL = "cpu_model";
    public static final String CPU_COUNT = "cpu_count";
    /** The machine's physical memory as the JVM sees it: what {@code max-request = 25%} is a quarter of. */
    public static final String PHYSICAL_MEMORY_BYTES = "physical_memory_bytes";
    /** The commit of alloclab's own checkout (not of the working directory), or "unknown". */
    public static final String GIT_COMMIT = "git_commit";
    /** The folder alloclab was loaded from: its checkout, holding the launcher. */
    public static final String ALLOCLAB_HOME = "alloclab_home";
    /** alloclab's version from its jar, or "development build". */
    public static final String ALLOCLAB_VERSION = "alloclab_version";
    public static final String TIMER_OVERHEAD_NS = "timer_overhead_ns";
    public static final String HOST = "host";

    // ---- what ran (runs, failures and summary entries) ---------------------------------------------
    public static final String STRATEGY = "strategy";
    public static final String STRATEGY_NAME = "strategy_name";
    public static final String PARAMETERS = "parameters";
    public static final String VIRTUAL_MEMORY = "virtual_memory";
    public static final String WORKLOAD = "workload";
    public static final String THREADS = "threads";
    public static final String DECORATORS = "decorators";
    public static final String EXTERNAL_MEMORY = "external_memory";

    // ---- the cell a run was measured in, and the process that measured it --------------------------
    public static final String CELL = "cell";
    public static final String REPETITION = "repetition";
    public static final String STATUS = "status";
    public static final String PID = "pid";
    public static final String JVM_FLAGS = "jvm_flags";
    public static final String MEASURED_WITH_JOBS = "jobs";
    /** The Slurm job and array task a cell ran in: job_id, array_job_id, array_task_id, node. */
    public static final String SLURM = "slurm";

    /** {@link #STATUS} of a cell that finished. */
    public static final String OK = "ok";
    /** {@link #STATUS} of a cell whose replay threw (a layer's report, a failed verify, bad input). */
    public static final String FAILED = "failed";
    /** {@link #STATUS} of a cell whose process died: a signal, a crash log, an exit code, out of memory. */
    public static final String CRASHED = "crashed";
    /** {@link #STATUS} of a cell killed at its time limit. */
    public static final String TIMED_OUT = "timed_out";

    // ---- a run's figures ---------------------------------------------------------------------------
    public static final String EVENTS = "events";
    public static final String FAILURES = "failures";
    public static final String SKIPPED = "skipped";
    public static final String DEFERRED_FREES = "deferred_frees";
    /**
     * The harness's ceiling in this run: the largest request it sent to the allocator ({@code max-request}, resolved on
     * the machine that ran the cell). Larger ones were not sent but counted under {@link #REFUSED_BY_HARNESS}.
     */
    public static final String MAX_REQUEST_BYTES = "max_request_bytes";
    /**
     * Requests (allocations and resizes) above {@link #MAX_REQUEST_BYTES}, never sent to the allocator. A refused
     * allocation's block does not exist: its later operations are counted under {@link #SKIPPED}; a refused resize
     * leaves its block as it was.
     */
    public static final String REFUSED_BY_HARNESS = "refused_by_harness";
    /**
     * Blocks of which only the first bytes were written although {@code touch = all} asked for every byte, because the
     * bytes written into live blocks would have passed the harness's touch limit (the ceiling, at most half the
     * machine's physical memory): their resident footprint is less than a program writing them would have.
     */
    public static final String TOUCH_LIMITED = "touch_limited";
    public static final String PEAK_LIVE_BYTES = "peak_live_bytes";
    public static final String PEAK_COMMITTED_BYTES = "peak_committed_bytes";
    public static final String FOOTPRINT_RATIO = "footprint_ratio";
    /**
     * The footprint of an ideal allocator on the cell's workload, the floor no strategy can beat: the peak over
     * time of the live blocks' sizes, each rounded up to the alignment its allocation asked for, with no metadata
     * and no holes ({@link org.alloclab.harness.workload.IdealFootprint}). For a threaded cell where {@code T}
     * threads each replay their own copy of the workload, {@code T} × one copy's floor: the floor when the copies'
     * peaks coincide (threads whose peaks do not coincide may need less, and a ratio under 1 is then possible). The
     * same in every repetition.
     */
    public static final String IDEAL_FOOTPRINT_BYTES = "ideal_footprint_bytes";
    /** {@link #PEAK_COMMITTED_BYTES} ÷ {@link #IDEAL_FOOTPRINT_BYTES}: 1.00 is the physical limit. */
    public static final String IDEAL_RATIO = "ideal_ratio";
    public static final String COMMITTED_END_BYTES = "committed_end_bytes";
    public static final String COMMITTED_AFTER_FREE_ALL_BYTES = "committed_after_free_all_bytes";
    public static final String PEAK_RESIDENT_BYTES = "peak_resident_bytes";
    public static final String RESIDENT_RATIO = "resident_ratio";
    public static final String RESIDENT_AFTER_FREE_ALL_BYTES = "resident_after_free_all_bytes";
    public static final String WARMUP_REPLAYS = "warmup_replays";
    /** How long the measured replay waited for the JIT's queue to drain after the warm-ups. */
    public static final String JIT_WAIT_MS = "jit_wait_ms";
    /** With {@code measured-replays} above 1, each measured replay's time; elapsed_ms is their median. */
    public static final String MEASURED_REPLAYS_MS = "measured_replays_ms";
    public static final String ELAPSED_MS = "elapsed_ms";
    public static final String THROUGHPUT = "throughput_ops_per_s";
    public static final String HARNESS_NS_PER_EVENT = "harness_ns_per_event";
    public static final String WORKLOAD_NOTES = "workload_notes";
    public static final String LATENCY_NS = "latency_ns";
    public static final String LATENCY_FILES = "latency_files";
    public static final String HLOG = "hlog";
    public static final String PERCENTILES = "percentiles";
    public static final String HEAP_MAP_FILE = "heap_map_file";
    public static final String STRATEGY_STATS = "strategy_stats";
    public static final String VM_STATS = "vm_stats";
    /**
     * Counters of the virtual memory's layers (a commit cache's), and how residency was sampled:
     * {@code resident_probes}, {@code resident_probes_skipped} (a probe was costly, see FootprintProbe) and
     * {@code resident_probe_us}, a probe's mean time.
     */
    public static final String VM_COUNTERS = "vm_counters";
    public static final String TIMELINE = "timeline";
    public static final String LAYERS = "layers";

    // ---- a failure ---------------------------------------------------------------------------------
    public static final String ERROR = "error";
    public static final String EXIT_CODE = "exit_code";
    public static final String SIGNAL = "signal";
    public static final String CRASH_LOG = "crash_log";
    public static final String OUTPUT_FILE = "output_file";

    // ---- latency percentiles (inside latency_ns.<operation>) ---------------------------------------
    public static final String COUNT = "count";
    public static final String MEAN = "mean";
    public static final String P50 = "p50";
    public static final String P90 = "p90";
    public static final String P99 = "p99";
    public static final String P999 = "p999";
    public static final String MAX = "max";

    // ---- timeline columns --------------------------------------------------------------------------
    public static final String OPERATION = "operation";
    public static final String NANOS = "nanos";
    public static final String LIVE_BYTES = "live_bytes";
    public static final String COMMITTED_BYTES = "committed_bytes";
    public static final String RESIDENT_BYTES = "resident_bytes";

    // ---- a summary entry ---------------------------------------------------------------------------
    /** The ids of the cells (one per repetition) a summary entry is made of. */
    public static final String CELLS = "cells";
    /** How many repetitions finished. */
    public static final String FINISHED = "finished";
    public static final String MEDIAN = "median";
    public static final String CI95_LOW = "ci95_low";
    public static final String CI95_HIGH = "ci95_high";
    public static final String MIN = "min";
    /** Footprint figures that differed between repetitions, each with its min, median and max. */
    public static final String VARYING = "varying";
    /** The hosts the repetitions ran on. */
    public static final String HOSTS = "hosts";
    /** Whether a repetition was measured beside other cells ({@code --jobs} above 1). */
    public static final String CONTENDED = "contended";

    /** The footprint figures a summary compares across repetitions: alloclab's strategies should repeat them exactly. */
    public static final java.util.List<String> FOOTPRINT_KEYS = java.util.List.of(PEAK_LIVE_BYTES, PEAK_COMMITTED_BYTES,
            PEAK_RESIDENT_BYTES, COMMITTED_END_BYTES, COMMITTED_AFTER_FREE_ALL_BYTES, RESIDENT_AFTER_FREE_ALL_BYTES,
            IDEAL_FOOTPRINT_BYTES);

    /** The latency percentiles a summary gives an interval for. */
    public static final java.util.List<String> PERCENTILE_KEYS = java.util.List.of(P50, P90, P99, P999, MAX);
}
