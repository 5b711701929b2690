package org.alloclab.baselines;

/** The contract for {@code jdk-arena}. */
class JdkArenaContractTest extends BaselineContract {

    @Override
    String strategy() {
        return "jdk-arena";
    }
}
