package org.alloclab.harness;

import java.nio.file.Path;
import java.util.List;

import com.google.inject.AbstractModule;
import com.google.inject.TypeLiteral;
import com.google.inject.name.Names;
import org.alloclab.harness.config.Experiment;

/**
 * Binds one checked {@link Experiment} — built from the configuration file — and where its results go,
 * so the runner and whatever it needs are wired from the configuration alone.
 */
public final class ExperimentModule extends AbstractModule {

    private final Experiment experiment;
    private final Path output;
    private final List<String> command;

    /**
     * @param experiment the experiment
     * @param output     the run's own folder
     * @param command    the command line that started the run, recorded in results.json
     */
    public ExperimentModule(Experiment experiment, Path output, List<String> command) {
        this.experiment = experiment;
        this.output = output;
        this.command = List.copyOf(command);
    }

    @Override
    protected void configure() {
        bind(Experiment.class).toInstance(experiment);
        bind(Path.class).annotatedWith(Names.named("output")).toInstance(output);
        bind(new TypeLiteral<List<String>>() { }).annotatedWith(Names.named("command")).toInstance(command);
    }
}
