package org.alloclab.freelist;

/** The contract for {@code freelist.next-fit}. */
class NextFitContractTest extends FreeListContract {
    NextFitContractTest() {
        super("freelist.next-fit");
    }
}
