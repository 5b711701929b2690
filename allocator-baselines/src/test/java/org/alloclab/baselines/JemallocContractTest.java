package org.alloclab.baselines;

/** The contract for {@code jemalloc}. */
class JemallocContractTest extends BaselineContract {

    @Override
    String strategy() {
        return "jemalloc";
    }
}
