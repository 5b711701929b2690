package org.alloclab.harness.workload;

import java.util.ArrayList;
import java.util.List;

import org.alloclab.harness.workload.Operations.Kind;

/**
 * The streams of a workload for several threads (one {@link Operations} per thread over one slot space)
 * taken together: their sizes, and the check of the rules in {@link Operations}' class comment.
 */
public final class Streams {

    private Streams() {
    }

    /** The size of the slot space the streams share: the largest {@link Operations#slotCount()}. */
    public static int slotSpace(List<Operations> streams) {
        int space = 0;
        for (Operations o : streams) {
            space = Math.max(space, o.slotCount());
        }
        return space;
    }

    /** Operations of all streams together. */
    public static long operations(List<Operations> streams) {
        long n = 0;
        for (Operations o : streams) {
            n += o.size();
        }
        return n;
    }

    /** Whether operation {@code i} of {@code ops} is a meeting point when there are several threads. */
    public static boolean meets(Operations ops, int i) {
        Kind k = ops.kind(i);
        return k == Kind.BARRIER || k == Kind.PHASE_END;
    }

    /** How many meeting points {@code ops} has when it is one stream of several. */
    public static int meetingPoints(Operations ops) {
        int n = 0;
        for (int i = 0; i < ops.size(); i++) {
            if (meets(ops, i)) {
                n++;
            }
        }
        return n;
    }

    /**
     * The streams, each with {@link Kind#BARRIER}s appended until it has as many meeting points as the one
     * with most: for streams generated independently, whose phase counts may differ.
     */
    public static List<Operations> balance(List<Operations> streams) {
        int most = 0;
        int[] points = new int[streams.size()];
        for (int t = 0; t < streams.size(); t++) {
            points[t] = meetingPoints(streams.get(t));
            most = Math.max(most, points[t]);
        }
        var balanced = new ArrayList<Operations>(streams.size());
        for (int t = 0; t < streams.size(); t++) {
            balanced.add(streams.get(t).withBarriersAppended(most - points[t]));
        }
        return List.copyOf(balanced);
    }

    /**
     * Checks the rules of {@link Operations}' class comment by replaying the streams in the abstract: each
     * stream runs as far as it can (an operation on a slot another stream has not allocated yet waits;
     * with several streams, a meeting point waits for all), round after round, until all have finished.
     * Waits only ever end, never start again, so if this replay gets stuck, every real one would too: the
     * workload has a cyclic wait, or frees a block before (or without) its allocation.
     *
     * @throws IllegalArgumentException naming the stream, operation and slot of the first broken rule, or
     *                                  every waiting stream when they cannot finish
     */
    public static void check(List<Operations> streams) {
        int threads = streams.size();
        if (threads == 0) {
            throw new IllegalArgumentException("a workload needs at least one stream");
        }
        boolean meetings = threads > 1;
        int space = slotSpace(streams);
        byte[] state = new byte[space];              // 0 not allocated yet, 1 allocated, 2 freed
        int[] allocatedBy = new int[space];
        int[] user = new int[space];
        java.util.Arrays.fill(user, -1);
        int[] position = new int[threads];
        int meetingsPassed = 0;
        while (true) {
            boolean moved = false;
            int atMeeting = 0;
            int finished = 0;
            for (int t = 0; t < threads; t++) {
                Operations ops = streams.get(t);
                int i = position[t];
                run:
                while (i < ops.size()) {
                    int slot = ops.slot(i);
                    switch (ops.kind(i)) {
                        case ALLOCATE -> {
                            requireSlot(slot, space, t, i);
                            if (state[slot] == 2 && allocatedBy[slot] == t && user[slot] == t) {
                                user[slot] = -1;                         // used again by the stream that had it
                            } else if (state[slot] != 0) {
                                throw broken(t, i, "allocates slot " + slot + ", already allocated by stream "
                                        + allocatedBy[slot] + (state[slot] == 2 ? " and freed by stream " + user[slot] : ""));
                            }
                            state[slot] = 1;
                            allocatedBy[slot] = t;
                        }
                        case FREE, REALLOCATE -> {
                            requireSlot(slot, space, t, i);
                            if (state[slot] == 0) {
                                break run;                               // waits for the allocation
                            }
                            if (state[slot] == 2) {
                                throw broken(t, i, "uses slot " + slot + " after it was freed");
                            }
                            if (user[slot] == -1) {
                                user[slot] = t;
                            } else if (user[slot] != t) {
                                throw broken(t, i, "uses slot " + slot + ", which stream " + user[slot]
                                        + " uses too: a block is handed over at most once");
                            }
                            if (ops.kind(i) == Kind.FREE) {
                                state[slot] = 2;
                            }
                        }
                        case BARRIER, PHASE_END -> {
                            if (meetings) {
                                break run;                               // waits for the others
                            }
                        }
                        case FRAME_BEGIN, FRAME_END -> { }
                    }
                    i++;
                }
                moved |= i != position[t];
                position[t] = i;
                if (i == ops.size()) {
                    finished++;
                } else if (meets(ops, i) && meetings) {
                    atMeeting++;
                }
            }
            if (finished == threads) {
                return;
            }
            if (atMeeting + finished == threads) {
                if (finished > 0) {
                    throw new IllegalArgumentException("stream " + firstFinished(streams, position)
                            + " ends while others wait at meeting point " + (meetingsPassed + 1)
                            + ": every stream must have the same number of meeting points");
                }
                for (int t = 0; t < threads; t++) {
                    position[t]++;
                }
                meetingsPassed++;
            } else if (!moved) {
                throw stuck(streams, position, state, meetingsPassed);
            }
        }
    }

    private static int firstFinished(List<Operations> streams, int[] position) {
        for (int t = 0; t < streams.size(); t++) {
            if (position[t] == streams.get(t).size()) {
                return t;
            }
        }
        return -1;
    }

    private static IllegalArgumentException stuck(List<Operations> streams, int[] position, byte[] state,
                                                  int meetingsPassed) {
        var sb = new StringBuilder("the streams cannot finish (a cyclic wait, or a block freed before or"
                + " without its allocation):");
        for (int t = 0; t < streams.size(); t++) {
            Operations ops = streams.get(t);
            int i = position[t];
            if (i == ops.size()) {
                sb.append(" stream ").append(t).append(" has finished;");
            } else if (meets(ops, i)) {
                sb.append(" stream ").append(t).append(" waits at meeting point ").append(meetingsPassed + 1)
                        .append(" (operation ").append(i).append(");");
            } else {
                int slot = ops.slot(i);
                sb.append(" stream ").append(t).append(" waits at operation ").append(i).append(" (")
                        .append(ops.kind(i)).append(" of slot ").append(slot).append(", ")
                        .append(whereAllocated(streams, slot)).append(");");
            }
        }
        sb.setLength(sb.length() - 1);
        return new IllegalArgumentException(sb.toString());
    }

    private static String whereAllocated(List<Operations> streams, int slot) {
        for (int t = 0; t < streams.size(); t++) {
            Operations ops = streams.get(t);
            for (int i = 0; i < ops.size(); i++) {
                if (ops.kind(i) == Kind.ALLOCATE && ops.slot(i) == slot) {
                    return "allocated by stream " + t + " at operation " + i;
                }
            }
        }
        return "allocated by no stream";
    }

    private static void requireSlot(int slot, int space, int stream, int i) {
        if (slot < 0 || slot >= space) {
            throw broken(stream, i, "names slot " + slot + ", outside the slot space [0, " + space + ")");
        }
    }

    private static IllegalArgumentException broken(int stream, int i, String what) {
        return new IllegalArgumentException("stream " + stream + ", operation " + i + ": " + what);
    }
}
