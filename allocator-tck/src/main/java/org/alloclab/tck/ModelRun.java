package org.alloclab.tck;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.alloclab.api.Capability;

/**
 * Model-based runs: generate a random sequence of weighted {@link Step}s against a fresh allocator,
 * checking every invariant after every step, and, when one breaks, shrink the sequence to a short one
 * that still breaks the same rule.
 *
 * <h2>Generation</h2>
 * Each step is drawn from the actions the allocator's capabilities allow and the model's state makes
 * possible, with weights: allocate 10, free a live block 6, reallocate a live block 4, reset 1 (only
 * with no open frame), push a frame 2, pop the innermost frame 2. "Free" and "reallocate" draw their
 * block from the model's live set. Sizes mix edge cases (1, powers of two and their neighbours, the
 * page size ± 1, the largest size), log-uniform and uniform draws; alignments are mostly 8, then 1,
 * 16, any power of two to 4 KiB, and sometimes above the page.
 *
 * <h2>Shrinking</h2>
 * Delete chunks of steps (halves, quarters, … single steps), then simplify single steps (smaller sizes,
 * weaker alignments), and repeat while anything helps. A candidate is kept only when its replay fails
 * the same check. Steps whose block no longer exists are skipped on replay and dropped.
 */
final class ModelRun {

    /**
     * What one run did.
     *
     * @param steps      the steps executed, up to and including the failing one
     * @param transcript the steps as text, with results
     * @param failure    what broke, or null when the run passed
     */
    record Outcome(List<Step> steps, List<String> transcript, Throwable failure) {
        boolean failed() {
            return failure != null;
        }
    }

    /**
     * A shrunk failure.
     *
     * @param original the run that first failed
     * @param shrunk   the shortest failing run found, with renumbered blocks
     * @param replays  how many runs shrinking made
     */
    record Shrunk(Outcome original, Outcome shrunk, int replays) {
    }

    private interface Source {
        /** The next step, or null to stop. */
        Step next(Session session);
    }

    private ModelRun() {
    }

    /** Generates and runs up to {@code maxSteps} steps drawn from {@code seed}. */
    static Outcome generate(Subject subject, long seed, int maxSteps) {
        var rnd = new SplittableRandom(seed);
        int length = 1 + rnd.nextInt(maxSteps);
        return run(subject, new Generator(subject, rnd, length));
    }

    /** Runs exactly {@code steps}, skipping those not applicable. */
    static Outcome replay(Subject subject, List<Step> steps) {
        var it = steps.iterator();
        return run(subject, session -> it.hasNext() ? it.next() : null);
    }

    private static Outcome run(Subject subject, Source source) {
        var done = new ArrayList<Step>();
        Session session;
        try {
            session = Session.open(subject);
        } catch (ContractViolation v) {
            return new Outcome(done, List.of(), v);
        }
        try (session) {
            try {
                session.checkAll();
                for (Step step = source.next(session); step != null; step = source.next(session)) {
                    if (!session.applicable(step)) {
                        continue;
                    }
                    done.add(step);
                    session.execute(step);
                    session.checkAll();
                }
                session.closeAndCheck();
                return new Outcome(done, List.copyOf(session.transcript()), null);
            } catch (AssertionError | RuntimeException e) {
                if (e.getClass().getName().startsWith("org.opentest4j.TestAbort")) {
                    throw e;
                }
                return new Outcome(done, List.copyOf(session.transcript()), e);
            }
        }
    }

    /** The rule a failure broke, for telling whether a shrunk run fails "the same way". */
    static String key(Throwable failure) {
        return failure instanceof ContractViolation v ? v.check() : failure.getClass().getName();
    }

    /**
     * Shrinks a failing run.
     *
     * @param maxReplays  the most runs to spend
     * @param maxMillis   the most time to spend
     */
    static Shrunk shrink(Subject subject, Outcome failing, int maxReplays, long maxMillis) {
        String key = key(failing.failure());
        long deadline = System.currentTimeMillis() + maxMillis;
        int replays = 0;
        Outcome best = failing;
        List<Step> current = failing.steps();
        boolean progress = true;
        while (progress && replays < maxReplays && System.currentTimeMillis() < deadline) {
            progress = false;
            for (int chunk = Math.max(1, current.size() / 2); chunk >= 1; chunk /= 2) {
                int i = 0;
                while (i < current.size() && replays < maxReplays && System.currentTimeMillis() < deadline) {
                    var candidate = new ArrayList<>(current.subList(0, i));
                    candidate.addAll(current.subList(Math.min(current.size(), i + chunk), current.size()));
                    Outcome o = replay(subject, candidate);
                    replays++;
                    if (o.failed() && key(o.failure()).equals(key) && o.steps().size() < current.size()) {
                        best = o;
                        current = o.steps();
                        progress = true;
                    } else {
                        i += chunk;
                    }
                }
            }
            for (int i = 0; i < current.size() && replays < maxReplays && System.currentTimeMillis() < deadline; i++) {
                for (Step simpler : current.get(i).simpler(subject.minSize())) {
                    var candidate = new ArrayList<>(current);
                    candidate.set(i, simpler);
                    Outcome o = replay(subject, candidate);
                    replays++;
                    if (o.failed() && key(o.failure()).equals(key) && o.steps().size() <= current.size()) {
                        best = o;
                        current = o.steps();
                        progress = true;
                        break;
                    }
                }
            }
        }
        Outcome renumbered = replay(subject, renumber(best.steps()));
        replays++;
        if (renumbered.failed() && key(renumbered.failure()).equals(key)) {
            best = renumbered;
        }
        return new Shrunk(failing, best, replays);
    }

    /** Names blocks b1, b2, … in the order they are first allocated. */
    static List<Step> renumber(List<Step> steps) {
        Map<Integer, Integer> names = new HashMap<>();
        var out = new ArrayList<Step>();
        for (Step s : steps) {
            out.add(switch (s) {
                case Step.Allocate a -> new Step.Allocate(names.computeIfAbsent(a.token(), t -> names.size() + 1),
                        a.size(), a.alignment());
                case Step.Free f -> new Step.Free(names.getOrDefault(f.token(), -f.token()));
                case Step.Reallocate r -> new Step.Reallocate(names.getOrDefault(r.token(), -r.token()), r.newSize());
                default -> s;
            });
        }
        return out;
    }

    /**
     * Runs {@code steps} generated steps on an open session, checking every invariant after each: a
     * random heap for properties that need one to start from.
     */
    static void populate(Session session, long seed, int steps) {
        var generator = new Generator(session.subject, new SplittableRandom(seed), steps);
        for (Step step = generator.next(session); step != null; step = generator.next(session)) {
            if (session.execute(step)) {
                session.checkAll();
            }
        }
    }

    /** Draws steps from a random source according to the allocator's capabilities and the model. */
    static final class Generator implements Source {
        private final Subject subject;
        private final SplittableRandom rnd;
        private int remaining;
        private long[] edgeSizes;

        Generator(Subject subject, SplittableRandom rnd, int length) {
            this.subject = subject;
            this.rnd = rnd;
            this.remaining = length;
        }

        @Override
        public Step next(Session session) {
            if (remaining-- <= 0) {
                return null;
            }
            HeapModel model = session.model;
            List<Integer> live = model.liveTokens();
            int wAlloc = 10;
            int wFree = model.has(Capability.FREE) && !live.isEmpty() ? 6 : 0;
            int wRealloc = model.has(Capability.REALLOCATE) && !live.isEmpty() ? 4 : 0;
            int wReset = model.has(Capability.RESET) && model.openFrames() == 0 ? 1 : 0;
            int wPush = model.has(Capability.FRAMES) && model.openFrames() < 8 ? 2 : 0;
            int wPop = model.has(Capability.FRAMES) && model.openFrames() > 0 ? 2 : 0;
            int pick = rnd.nextInt(wAlloc + wFree + wRealloc + wReset + wPush + wPop);
            if ((pick -= wAlloc) < 0) {
                return new Step.Allocate(session.newToken(), size(session), alignment(session));
            }
            if ((pick -= wFree) < 0) {
                return new Step.Free(live.get(rnd.nextInt(live.size())));
            }
            if ((pick -= wRealloc) < 0) {
                int token = live.get(rnd.nextInt(live.size()));
                return new Step.Reallocate(token, reallocSize(session, model.block(token).size));
            }
            if ((pick -= wReset) < 0) {
                return new Step.Reset();
            }
            if ((pick -= wPush) < 0) {
                return new Step.PushFrame();
            }
            return new Step.PopFrame();
        }

        long size(Session session) {
            long min = subject.minSize();
            long max = subject.maxSize();
            int r = rnd.nextInt(100);
            if (r < 35) {
                long[] edges = edges(session.pageSize());
                if (edges.length > 0) {
                    return edges[rnd.nextInt(edges.length)];
                }
            }
            if (r < 85) {
                int lo = 64 - Long.numberOfLeadingZeros(min);
                int hi = 64 - Long.numberOfLeadingZeros(max);
                int bits = lo + rnd.nextInt(hi - lo + 1);
                long from = Math.max(min, bits <= 1 ? 1 : 1L << (bits - 1));
                long to = Math.min(max, bits >= 63 ? Long.MAX_VALUE : (1L << bits) - 1);
                return from >= to ? from : rnd.nextLong(from, to + 1);
            }
            return min == max ? min : rnd.nextLong(min, max + 1);
        }

        private long reallocSize(Session session, long current) {
            long min = subject.minSize();
            long max = subject.maxSize();
            return switch (rnd.nextInt(4)) {
                case 0 -> current <= min ? min : rnd.nextLong(min, current + 1);           // shrink
                case 1 -> Math.min(max, current + 1 + rnd.nextInt(64));                   // grow a little
                default -> size(session);
            };
        }

        long alignment(Session session) {
            long maxAlign = subject.maxAlignment();
            long page = session.pageSize();
            int r = rnd.nextInt(100);
            long a;
            if (r < 45) {
                a = 8;
            } else if (r < 60) {
                a = 1;
            } else if (r < 70) {
                a = 16;
            } else if (r < 92 || maxAlign <= page) {
                a = 1L << rnd.nextInt(13); // 1 … 4 KiB
            } else {
                int lo = Long.numberOfTrailingZeros(page) + 1;
                int hi = Long.numberOfTrailingZeros(Long.highestOneBit(maxAlign));
                a = 1L << (lo + rnd.nextInt(Math.max(1, hi - lo + 1)));
            }
            return Math.min(a, Long.highestOneBit(maxAlign));
        }

        private long[] edges(long page) {
            if (edgeSizes == null) {
                var list = new ArrayList<Long>();
                for (long v : new long[] {1, 2, 3, 7, 9, page - 1, page, page + 1, subject.maxSize(), subject.minSize()}) {
                    list.add(v);
                }
                for (long p = 8; p > 0 && p <= subject.maxSize() * 2; p <<= 1) {
                    list.add(p - 1);
                    list.add(p);
                    list.add(p + 1);
                }
                edgeSizes = list.stream().mapToLong(Long::longValue)
                        .filter(v -> v >= subject.minSize() && v <= subject.maxSize()).distinct().toArray();
            }
            return edgeSizes;
        }
    }
}
