package org.alloclab.baselines;

import java.util.Map;

/** The contract for {@code jdk-arena} with confined arenas (not thread-safe, the contract is single-threaded). */
class JdkArenaConfinedContractTest extends BaselineContract {

    @Override
    String strategy() {
        return "jdk-arena";
    }

    @Override
    Map<String, ?> parameters() {
        return Map.of("arena", "confined");
    }
}
