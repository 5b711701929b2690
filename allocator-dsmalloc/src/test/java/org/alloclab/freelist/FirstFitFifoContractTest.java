package org.alloclab.freelist;

/** The contract for {@code freelist.first-fit-fifo}. */
class FirstFitFifoContractTest extends FreeListContract {
    FirstFitFifoContractTest() {
        super("freelist.first-fit-fifo");
    }
}
