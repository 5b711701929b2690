package org.alloclab.tck;

import java.util.stream.Stream;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestInstancePostProcessor;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.ArgumentsProvider;
import org.junit.jupiter.params.support.ParameterDeclarations;

/**
 * Hands an {@link AllocatorContract} its {@link ContractSettings} from the JUnit Platform configuration
 * parameters when its (per-class) instance is created.
 */
final class ContractExtension implements TestInstancePostProcessor {

    @Override
    public void postProcessTestInstance(Object testInstance, ExtensionContext context) {
        if (testInstance instanceof AllocatorContract contract) {
            contract.configure(ContractSettings.from(context::getConfigurationParameter));
        }
    }

    /** The virtual memories a contract runs each per-memory property over. */
    static final class VirtualMemoryNames implements ArgumentsProvider {
        @Override
        public Stream<? extends Arguments> provideArguments(ParameterDeclarations parameters, ExtensionContext context) {
            var contract = (AllocatorContract) context.getRequiredTestInstance();
            return contract.effectiveVirtualMemories().stream().map(Arguments::of);
        }
    }
}
