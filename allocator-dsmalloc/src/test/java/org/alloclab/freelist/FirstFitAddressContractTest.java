package org.alloclab.freelist;

/** The contract for {@code freelist.first-fit-address}. */
class FirstFitAddressContractTest extends FreeListContract {
    FirstFitAddressContractTest() {
        super("freelist.first-fit-address");
    }
}
