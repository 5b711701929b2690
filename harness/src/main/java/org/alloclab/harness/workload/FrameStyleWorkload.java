package org.alloclab.harness.workload;

import java.util.List;
import java.util.SplittableRandom;

import org.alloclab.api.Allocator;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;

/**
 * {@code frame-style}: the frame loop of a game engine. Each frame ({@code FRAME_BEGIN} … {@code FRAME_END})
 * makes many short-lived allocations — command lists, strings, particle spawns, scratch buffers — of which
 * a share are temporaries freed a few allocations later, inside the frame; everything still live is freed
 * at the frame's end, newest first. Optionally a frame is split into nested frames (render passes) whose
 * blocks die with the pass. Between frames, never inside one, the level's long-lived data (textures,
 * meshes, entities) changes a little: a few long-lived blocks are freed and replaced; every
 * {@code level-frames} frames the whole level is freed ({@code PHASE_END}) and a new one loaded.
 *
 * <p>The shape is the one frame (linear, per-frame, "double-buffered") allocators are built for, as
 * described in Gregory's <i>Game Engine Architecture</i> (single-frame and double-buffered allocators)
 * and Gyrling's GDC 2015 talk on Naughty Dog's engine: frame-scoped blocks never outlive their frame and
 * long-lived blocks are never allocated inside one, so a strategy with frames but no single-block free
 * can push a frame at {@code FRAME_BEGIN} and pop it at {@code FRAME_END}.
 *
 * <p>Parameters (defaults): {@code frames} (1000); {@code allocations-per-frame} (200, the mean; each
 * frame makes a uniform count from half to one and a half times it); {@code min-size} (16),
 * {@code max-size} (2KiB) and {@code sizes} (log-uniform) for frame blocks; {@code temporary-percent}
 * (40) of frame blocks freed inside the frame after {@code mean-lifetime} (16) allocations of the frame,
 * spread as {@code lifetimes} (exponential) says; {@code passes} (0) nested frames per frame;
 * {@code long-lived-blocks} (256) in the level, sized {@code long-lived-min-size} (1KiB) to
 * {@code long-lived-max-size} (256KiB) with the same {@code sizes} shape; {@code long-lived-churn} (2,
 * the mean number replaced between two frames, uniform from 0 to twice it); {@code level-frames} (250, 0 =
 * one level).
 */
public final class FrameStyleWorkload implements WorkloadProvider {

    /** The workload type's name. */
    public static final String NAME = "frame-style";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "a game frame loop: frames of short-lived blocks freed by the frame's end, long-lived level data changed between frames";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(
                ParameterSpec.count("frames", 1000, "frames to run"),
                ParameterSpec.count("allocations-per-frame", 200, "mean frame-scoped allocations per frame (uniform from half to 1.5 times)"),
                ParameterSpec.bytes("min-size", "16", "smallest frame-scoped request"),
                ParameterSpec.bytes("max-size", "2KiB", "largest frame-scoped request"),
                SizeDistribution.parameter(SizeDistribution.Shape.LOG_UNIFORM, "the min and max sizes, for frame and long-lived blocks"),
                ParameterSpec.count("temporary-percent", 40, "share of frame blocks, in percent, freed inside the frame; the rest live until its end"),
                ParameterSpec.count("mean-lifetime", 16, "allocations of the frame a temporary outlives on average"),
                LifetimeDistribution.parameter(),
                ParameterSpec.count("passes", 0, "nested frames (render passes) per frame, whose blocks die with the pass; 0 = none"),
                ParameterSpec.count("long-lived-blocks", 256, "blocks of level data, allocated before the first frame and after each level change"),
                ParameterSpec.bytes("long-lived-min-size", "1KiB", "smallest long-lived request"),
                ParameterSpec.bytes("long-lived-max-size", "256KiB", "largest long-lived request"),
                ParameterSpec.count("long-lived-churn", 2, "mean long-lived blocks freed and replaced between two frames (uniform from 0 to twice it)"),
                ParameterSpec.count("level-frames", 250, "frames per level; at a level change every long-lived block is freed and a phase ends (0 = one level)"));
    }

    @Override
    public Operations generate(String name, Parameters p, long seed) {
        long frames = WorkloadParameters.count(p, "frames", 1, 10_000_000);
        long perFrame = WorkloadParameters.count(p, "allocations-per-frame", 0, 10_000_000);
        long temporaryPercent = WorkloadParameters.count(p, "temporary-percent", 0, 100);
        int passes = (int) WorkloadParameters.count(p, "passes", 0, 64);
        long longLived = WorkloadParameters.count(p, "long-lived-blocks", 0, 10_000_000);
        long churn = WorkloadParameters.count(p, "long-lived-churn", 0, 1_000_000);
        long levelFrames = p.count("level-frames");
        SizeDistribution sizes = SizeDistribution.from(p, "min-size", "max-size");
        SizeDistribution longLivedSizes = SizeDistribution.from(p, "long-lived-min-size", "long-lived-max-size");
        LifetimeDistribution lifetimes = LifetimeDistribution.from(p, "mean-lifetime");
        long levels = levelFrames == 0 ? 1 : (frames + levelFrames - 1) / levelFrames;
        WorkloadParameters.checkTotal(p, "frames", frames * (1.5 * perFrame + 2.0 * churn) + (double) levels * longLived);

        var random = new SplittableRandom(seed);
        var ops = Operations.builder(name);
        var level = new LiveSlots();
        var frame = new ScopedBlocks(ops);
        var pass = new ScopedBlocks(ops);
        int alignment = (int) Allocator.DEFAULT_ALIGNMENT;

        for (long i = 0; i < longLived; i++) {
            level.add(ops.allocate(longLivedSizes.next(random), alignment));
        }
        for (long f = 0; f < frames; f++) {
            if (f > 0 && levelFrames > 0 && f % levelFrames == 0) {          // a level change
                level.drain(ops::free);
                ops.phaseEnd();
                for (long i = 0; i < longLived; i++) {
                    level.add(ops.allocate(longLivedSizes.next(random), alignment));
                }
            } else if (f > 0) {                                              // streaming between frames
                for (long r = random.nextLong(2 * churn + 1); r > 0; r--) {
                    if (!level.isEmpty()) {
                        int victim = level.pick(random);
                        level.remove(victim);
                        ops.free(victim);
                    }
                    level.add(ops.allocate(longLivedSizes.next(random), alignment));
                }
            }

            long count = perFrame < 2 ? perFrame : perFrame / 2 + random.nextLong(perFrame + 1);
            long chunk = count / (2L * passes + 1);                            // frame, pass, frame, …, pass, frame
            ops.frameBegin();
            for (int k = 0; k < passes; k++) {
                allocate(frame, chunk, random, sizes, lifetimes, temporaryPercent);
                ops.frameBegin();
                allocate(pass, chunk, random, sizes, lifetimes, temporaryPercent);
                pass.close();
                ops.frameEnd();
            }
            allocate(frame, count - 2L * passes * chunk, random, sizes, lifetimes, temporaryPercent);
            frame.close();
            ops.frameEnd();
        }
        return ops.build();   // the last level's blocks are freed by the replayer
    }

    private static void allocate(ScopedBlocks scope, long count, SplittableRandom random, SizeDistribution sizes,
                                 LifetimeDistribution lifetimes, long temporaryPercent) {
        for (long i = 0; i < count; i++) {
            long size = sizes.next(random);
            long lifetime = random.nextInt(100) < temporaryPercent ? lifetimes.next(random) : 0;
            scope.allocate(size, lifetime);
        }
        scope.reap();
    }
}
