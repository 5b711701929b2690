package org.alloclab.freelist;

/** The contract for {@code freelist.best-fit}. */
class BestFitContractTest extends FreeListContract {
    BestFitContractTest() {
        super("freelist.best-fit");
    }
}
