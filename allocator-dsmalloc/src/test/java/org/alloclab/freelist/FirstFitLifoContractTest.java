package org.alloclab.freelist;

/** The contract for {@code freelist.first-fit-lifo}. */
class FirstFitLifoContractTest extends FreeListContract {
    FirstFitLifoContractTest() {
        super("freelist.first-fit-lifo");
    }
}
