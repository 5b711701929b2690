package org.alloclab.baselines;

/** The contract for {@code tcmalloc}. */
class TcmallocContractTest extends BaselineContract {

    @Override
    String strategy() {
        return "tcmalloc";
    }
}
