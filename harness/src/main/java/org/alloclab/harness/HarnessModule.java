package org.alloclab.harness;

import java.io.PrintStream;
import java.util.List;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.TypeLiteral;
import com.google.inject.name.Names;
import org.alloclab.api.AllocatorProvider;
import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemoryProvider;
import org.alloclab.harness.workload.WorkloadProvider;

/**
 * What every command needs: the registries of strategies, virtual memories and workloads found on the
 * class path, and where to print. Experiment-specific bindings come from {@link ExperimentModule}.
 */
public final class HarnessModule extends AbstractModule {

    private final PrintStream out;
    private final List<String> arguments;

    /**
     * @param out       where commands print
     * @param arguments the command line, recorded in results so a run can be repeated
     */
    public HarnessModule(PrintStream out, List<String> arguments) {
        this.out = out;
        this.arguments = List.copyOf(arguments);
    }

    @Override
    protected void configure() {
        bind(PrintStream.class).toInstance(out);
        bind(new TypeLiteral<List<String>>() { }).annotatedWith(Names.named("arguments")).toInstance(arguments);
    }

    @Provides
    @Singleton
    Registry<AllocatorProvider> strategies() {
        return Registry.strategies();
    }

    @Provides
    @Singleton
    Registry<VirtualMemoryProvider> virtualMemories() {
        return Registry.virtualMemories();
    }

    @Provides
    @Singleton
    Registry<org.alloclab.api.LayerProvider> layers() {
        return Registry.layers();
    }

    @Provides
    @Singleton
    Registry<WorkloadProvider> workloads() {
        return Registry.load("workload", WorkloadProvider.class, HarnessModule.class.getClassLoader());
    }
}
