package org.alloclab.harness.workload;

import java.util.List;
import java.util.SplittableRandom;

import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;

/**
 * {@code request-scoped}: a server handling requests one after another. Each request allocates a random
 * number of blocks — parsed headers, strings, buffers that grow and are resized, response pieces — of
 * which some temporaries die within the request; when the request is done everything it allocated is
 * freed, newest first, and a phase ends ({@code PHASE_END}), where an arena per request is reset.
 * Optionally each request is also a frame ({@code FRAME_BEGIN} … {@code FRAME_END}), for strategies that
 * push a frame per request instead.
 *
 * <p>The shape is that of region- or pool-per-request servers — Apache httpd's APR pools, nginx's
 * request pools, PostgreSQL's per-query memory contexts — and of the "region" programs Berger, Zorn and
 * McKinley measure in "Reconsidering Custom Memory Allocation" (OOPSLA 2002): nothing survives a
 * request, so freeing is optional for a strategy that can reset.
 *
 * <p>Parameters (defaults): {@code requests} (5000); {@code blocks-per-request} (40, the mean; each
 * request makes a uniform count from 1 to twice it less one); {@code min-size} (16), {@code max-size}
 * (16KiB) and {@code sizes} (log-normal); {@code realloc-percent} (10) of allocations followed by a
 * resize of a random live block of the request to a new size from the same distribution;
 * {@code temporary-percent} (30) of blocks freed inside the request after {@code mean-lifetime} (8) of
 * its allocations, spread as {@code lifetimes} (exponential) says; {@code frames} (false).
 */
public final class RequestScopedWorkload implements WorkloadProvider {

    /** The workload type's name. */
    public static final String NAME = "request-scoped";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "a server's requests: each allocates and resizes blocks, frees them all, and ends a phase (an arena per request)";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(
                ParameterSpec.count("requests", 5000, "requests to handle"),
                ParameterSpec.count("blocks-per-request", 40, "mean allocations per request (uniform from 1 to twice it less one)"),
                ParameterSpec.bytes("min-size", "16", "smallest request"),
                ParameterSpec.bytes("max-size", "16KiB", "largest request"),
                SizeDistribution.parameter(SizeDistribution.Shape.LOG_NORMAL, "min-size and max-size"),
                ParameterSpec.count("realloc-percent", 10, "share of allocations, in percent, followed by a resize of a live block of the request"),
                ParameterSpec.count("temporary-percent", 30, "share of blocks, in percent, freed before the request ends"),
                ParameterSpec.count("mean-lifetime", 8, "allocations of the request a temporary outlives on average"),
                LifetimeDistribution.parameter(),
                ParameterSpec.flag("frames", false, "also make each request a frame (FRAME_BEGIN ... FRAME_END)"));
    }

    @Override
    public Operations generate(String name, Parameters p, long seed) {
        long requests = WorkloadParameters.count(p, "requests", 1, 10_000_000);
        long perRequest = WorkloadParameters.count(p, "blocks-per-request", 1, 10_000_000);
        long reallocPercent = WorkloadParameters.count(p, "realloc-percent", 0, 100);
        long temporaryPercent = WorkloadParameters.count(p, "temporary-percent", 0, 100);
        boolean frames = p.flag("frames");
        SizeDistribution sizes = SizeDistribution.from(p, "min-size", "max-size");
        LifetimeDistribution lifetimes = LifetimeDistribution.from(p, "mean-lifetime");
        WorkloadParameters.checkTotal(p, "requests", (double) requests * perRequest);

        var random = new SplittableRandom(seed);
        var ops = Operations.builder(name);
        var request = new ScopedBlocks(ops);
        for (long r = 0; r < requests; r++) {
            if (frames) {
                ops.frameBegin();
            }
            long count = 1 + random.nextLong(2 * perRequest - 1);
            for (long i = 0; i < count; i++) {
                long size = sizes.next(random);
                long lifetime = random.nextInt(100) < temporaryPercent ? lifetimes.next(random) : 0;
                request.allocate(size, lifetime);
                if (random.nextInt(100) < reallocPercent) {
                    request.reallocateOne(random, sizes.next(random));
                }
            }
            request.close();
            if (frames) {
                ops.frameEnd();
            }
            ops.phaseEnd();
        }
        return ops.build();
    }
}
