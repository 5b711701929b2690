package org.alloclab.baselines;

/** The contract for {@code glibc}. */
class GlibcContractTest extends BaselineContract {

    @Override
    String strategy() {
        return "glibc";
    }
}
