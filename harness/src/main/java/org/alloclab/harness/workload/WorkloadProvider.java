package org.alloclab.harness.workload;

import org.alloclab.api.Parameters;
import org.alloclab.api.Provider;

/**
 * Generates one type of workload. Found through {@link java.util.ServiceLoader} under
 * {@code META-INF/services/org.alloclab.harness.workload.WorkloadProvider}, by {@link #name()}.
 */
public interface WorkloadProvider extends Provider {

    /**
     * The operations of one workload. The same parameters and seed give the same operations.
     *
     * @param name       the workload's name in reports
     * @param parameters checked against {@link #parameters()}
     * @param seed       the only source of randomness
     */
    Operations generate(String name, Parameters parameters, long seed);
}
