package org.alloclab.harness.run;

import java.util.ArrayList;
import java.util.List;

/**
 * The footprint of one run over time: live, committed and resident bytes sampled at roughly even steps
 * of the operation count, and again each time live bytes pass a new high by 2%, so that the
 * peaks of the sampled figures are found without probing after every operation. A run with several
 * threads samples at even steps of time instead, each sample's live bytes the least that all threads held
 * while its committed bytes were read (see {@link ThreadedReplay}).
 */
public final class Timeline {

    /**
     * One sample.
     *
     * @param operation the operations done when it was taken
     * @param nanos     replay time when it was taken (probing excluded)
     * @param live      live bytes
     * @param committed committed bytes
     * @param resident  resident bytes, or -1 when not known
     */
    public record Sample(long operation, long nanos, long live, long committed, long resident) {
    }

    private final List<Sample> samples = new ArrayList<>();

    void add(Sample s) {
        samples.add(s);
    }

    /** How many samples there are. */
    int size() {
        return samples.size();
    }

    /** Every sample, in order. */
    public List<Sample> samples() {
        return List.copyOf(samples);
    }

    /** The highest committed bytes sampled. */
    long peakCommitted() {
        return samples.stream().mapToLong(Sample::committed).max().orElse(0);
    }

    /** The highest resident bytes sampled, or -1 when not known. */
    long peakResident() {
        return samples.stream().mapToLong(Sample::resident).max().orElse(-1);
    }
}
