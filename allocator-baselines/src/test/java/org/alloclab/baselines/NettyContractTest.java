package org.alloclab.baselines;

/** The contract for {@code netty}. */
class NettyContractTest extends BaselineContract {

    @Override
    String strategy() {
        return "netty";
    }
}
