package org.alloclab.debug;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.alloclab.api.Allocator;
import org.alloclab.api.Decorator;
import org.alloclab.api.LayerProvider;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;
import org.alloclab.api.VirtualMemory;

/**
 * The providers of the debugging and profiling layers, found by name through
 * {@link org.alloclab.api.Registry#layers()}: {@code guards}, {@code red-zones}, {@code poison},
 * {@code free-check}, {@code sites}, {@code budget} and {@code fragmentation}. Each takes the parameters
 * every layer shares ({@code sites}, {@code site-frames}, {@code remember-frees}) and its own.
 */
public final class Layers {

    private Layers() {
    }

    /**
     * {@code inner} wrapped in the layer {@code spec} names, as a command line writes it: a layer's name
     * ({@code red-zones}), or a name, a colon and parameters ({@code budget:bytes=8MiB},
     * {@code poison:quarantine-bytes=64KiB,new-pattern=0xcd}).
     *
     * @throws IllegalArgumentException naming the layer or parameter when one is unknown or a value invalid
     */
    public static Decorator wrap(Allocator inner, String spec, VirtualMemory vm) {
        int colon = spec.indexOf(':');
        String name = (colon < 0 ? spec : spec.substring(0, colon)).trim();
        var parameters = new java.util.LinkedHashMap<String, String>();
        if (colon >= 0 && colon < spec.length() - 1) {
            for (String kv : spec.substring(colon + 1).split(",")) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("layer " + name + ": '" + kv + "' is not key=value");
                }
                parameters.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
            }
        }
        return org.alloclab.api.Registry.layers().get(name).wrap(inner, parameters, vm);
    }

    /** What every layer provider shares: the common parameters and how they are read. */
    abstract static class Base implements LayerProvider {
        private final String name;
        private final String description;
        private final List<ParameterSpec> parameters;

        Base(String name, String description, ParameterSpec... own) {
            this(name, description, "stack", own);
        }

        Base(String name, String description, String sitesDefault, ParameterSpec... own) {
            this.name = name;
            this.description = description;
            var all = new ArrayList<>(List.of(own));
            if (!name.equals(SiteLayer.NAME)) {
                all.add(ParameterSpec.choice("sites", sitesDefault, "how each block's allocation site is found for"
                        + " reports: stack (walk the caller's stack at every allocation) or recorded (only"
                        + " sites a replayed trace recorded; no cost)", "stack", "recorded"));
            }
            all.add(ParameterSpec.count("site-frames", 3, "frames of the caller a stack-walked site keeps"));
            all.add(ParameterSpec.count("remember-frees", 4096, "freed blocks remembered to name a double free (rounded up to a power of two)"));
            this.parameters = List.copyOf(all);
        }

        @Override
        public final String name() {
            return name;
        }

        @Override
        public final String description() {
            return description;
        }

        @Override
        public final List<ParameterSpec> parameters() {
            return parameters;
        }

        static DebugLayer.SiteMode sites(Parameters p) {
            return DebugLayer.SiteMode.valueOf(p.choice("sites").toUpperCase(Locale.ROOT));
        }

        static int frames(Parameters p) {
            long n = p.count("site-frames");
            if (n < 1 || n > 64) {
                throw p.invalid("site-frames", "must be from 1 to 64, was " + n);
            }
            return (int) n;
        }

        static int remember(Parameters p) {
            long n = p.count("remember-frees");
            if (n < 1 || n > 1 << 24) {
                throw p.invalid("remember-frees", "must be from 1 to 16777216, was " + n);
            }
            return (int) n;
        }

        /** A byte pattern: {@code 0x00} … {@code 0xff}, or -1 for {@code none} when allowed. */
        static int pattern(Parameters p, String name, boolean noneAllowed) {
            String t = p.text(name).trim().toLowerCase(Locale.ROOT);
            if (noneAllowed && t.equals("none")) {
                return -1;
            }
            try {
                int v = t.startsWith("0x") ? Integer.parseInt(t.substring(2), 16) : Integer.parseInt(t);
                if (v >= 0 && v <= 0xFF) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // named below
            }
            throw p.invalid(name, "must be " + (noneAllowed ? "none or " : "") + "a byte from 0x00 to 0xff, was " + t);
        }

        @Override
        public final Decorator wrap(Allocator inner, Parameters p, VirtualMemory vm) {
            if (inner == null) {
                throw new IllegalArgumentException(name + ": cannot wrap a null allocator");
            }
            return create(inner, p, vm);
        }

        abstract Decorator create(Allocator inner, Parameters p, VirtualMemory vm);
    }

    /** {@code guards}: a page that is not committed after (or before) each block. */
    public static final class Guards extends Base {
        public Guards() {
            super(GuardLayer.NAME, "a guard page, not committed, after (or before) every block, so an overrun"
                            + " touches memory that is not there (after Electric Fence)",
                    ParameterSpec.choice("side", "after", "where the guard page is: after the block's end (overruns)"
                            + " or before its start (underruns)", "after", "before"));
        }

        @Override
        Decorator create(Allocator inner, Parameters p, VirtualMemory vm) {
            return new GuardLayer(inner, vm, p.choice("side").equals("after"), sites(p), frames(p), remember(p));
        }
    }

    /** {@code red-zones}: patterned bytes around each block, checked on free and on demand. */
    public static final class RedZones extends Base {
        public RedZones() {
            super(RedZoneLayer.NAME, "bytes before and after every block filled with a pattern, checked on free,"
                            + " reallocation, reset, verify and on demand",
                    ParameterSpec.bytes("bytes", "16", "bytes of red zone on each side (the front one is rounded"
                            + " up to the block's alignment)"),
                    ParameterSpec.text("pattern", "0xfa", "the byte red zones are filled with"));
        }

        @Override
        Decorator create(Allocator inner, Parameters p, VirtualMemory vm) {
            long zone = p.bytes("bytes");
            if (zone < 1 || zone > 1 << 20) {
                throw p.invalid("bytes", "must be from 1 byte to 1MiB, was " + zone);
            }
            return new RedZoneLayer(inner, zone, (byte) pattern(p, "pattern", false), sites(p), frames(p), remember(p));
        }
    }

    /** {@code poison}: freed blocks filled and held in quarantine, checked before reuse. */
    public static final class Poison extends Base {
        public Poison() {
            super(PoisonLayer.NAME, "freed blocks filled with a pattern and held in a quarantine; a write after"
                            + " free is found when they leave it to be reused, or on demand",
                    ParameterSpec.text("free-pattern", "0xdd", "the byte freed blocks are filled with"),
                    ParameterSpec.text("new-pattern", "none", "the byte new blocks are filled with, or none"),
                    ParameterSpec.bytes("quarantine-bytes", "1MiB", "freed bytes held before the oldest goes back"
                            + " to the strategy"));
        }

        @Override
        Decorator create(Allocator inner, Parameters p, VirtualMemory vm) {
            return new PoisonLayer(inner, (byte) pattern(p, "free-pattern", false), pattern(p, "new-pattern", true),
                    p.bytes("quarantine-bytes"), sites(p), frames(p), remember(p));
        }
    }

    /** {@code free-check}: bad frees refused and named, nothing else. */
    public static final class FreeCheck extends Base {
        public FreeCheck() {
            super(FreeCheckLayer.NAME, "double frees, frees of addresses never handed out and of pointers into"
                    + " blocks refused and named before the strategy sees them");
        }

        @Override
        Decorator create(Allocator inner, Parameters p, VirtualMemory vm) {
            return new FreeCheckLayer(inner, sites(p), frames(p), remember(p));
        }
    }

    /** {@code sites}: allocation sites sampled by bytes. */
    public static final class SiteProfile extends Base {
        public SiteProfile() {
            super(SiteLayer.NAME, "allocation sites, sampled by bytes as jemalloc's profiler samples (a trace's"
                            + " recorded sites exactly): top sites by live bytes and by churn",
                    ParameterSpec.bytes("sample-bytes", "512KiB", "mean bytes allocated between two samples; 0"
                            + " samples every allocation"),
                    ParameterSpec.count("top", 20, "sites listed in each of the report's tables"),
                    ParameterSpec.count("seed", 1, "seed of the sampling gaps"));
        }

        @Override
        Decorator create(Allocator inner, Parameters p, VirtualMemory vm) {
            long top = p.count("top");
            if (top < 1 || top > 10_000) {
                throw p.invalid("top", "must be from 1 to 10000, was " + top);
            }
            return new SiteLayer(inner, p.bytes("sample-bytes"), frames(p), (int) top, p.count("seed"), remember(p));
        }
    }

    /** {@code budget}: a byte budget for the strategy instance. */
    public static final class Budget extends Base {
        public Budget() {
            super(BudgetLayer.NAME, "a byte budget for the instance's live blocks: requests past it fail, usage"
                            + " against it is reported", "recorded",
                    ParameterSpec.bytes("bytes", "64MiB", "the budget: most bytes the live blocks may ask for"));
        }

        @Override
        Decorator create(Allocator inner, Parameters p, VirtualMemory vm) {
            long bytes = p.bytes("bytes");
            if (bytes < 1) {
                throw p.invalid("bytes", "must be at least 1 byte, was " + bytes);
            }
            return new BudgetLayer(inner, bytes, sites(p), frames(p), remember(p));
        }
    }

    /** {@code fragmentation}: internal, external fragmentation and overhead sampled over a run. */
    public static final class Fragmentation extends Base {
        public Fragmentation() {
            super(FragmentationLayer.NAME, "internal and external fragmentation and overhead sampled through a run,"
                            + " for the report's charts", "recorded",
                    ParameterSpec.count("every", 4096, "operations between two samples (each walks the heap)"));
        }

        @Override
        Decorator create(Allocator inner, Parameters p, VirtualMemory vm) {
            long every = p.count("every");
            if (every < 1) {
                throw p.invalid("every", "must be at least 1, was " + every);
            }
            return new FragmentationLayer(inner, every, sites(p), frames(p), remember(p));
        }
    }
}
