package org.alloclab.baselines;

/** The contract for {@code mimalloc}. */
class MimallocContractTest extends BaselineContract {

    @Override
    String strategy() {
        return "mimalloc";
    }
}
