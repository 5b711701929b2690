package org.alloclab.debug;

import java.util.Map;

/**
 * A layer with something to report beyond its metrics — sites, a budget's use, a series of samples — as
 * values a JSON writer takes as they are (numbers, strings, lists and maps of them). The harness writes
 * them into a run's results under the layer's name and draws them in the report.
 */
public interface Findings {

    /** The layer's name. */
    String decoratorName();

    /** What the layer found so far. */
    Map<String, Object> findings();
}
