package org.alloclab.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import javax.tools.ToolProvider;

import org.alloclab.api.AllocatorProvider;
import org.alloclab.api.Registry;
import org.alloclab.harness.config.Experiment;
import org.alloclab.harness.config.ExperimentLoader;
import org.alloclab.harness.workload.WorkloadProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A strategy alloclab has never seen — compiled here from source against the SPI alone, packed into its
 * own jar with a {@code META-INF/services} entry — is found by name and runs an experiment once the jar
 * is on the class path.
 */
class ThirdPartyStrategyTest {

    @TempDir
    Path dir;

    private static final String SOURCE = """
            package com.example.alloc;

            import java.util.*;
            import org.alloclab.api.*;

            /** Hands out one block after another from a committed buffer and never reuses: a toy. */
            public final class Toy implements AllocatorProvider {
                public String name() { return "example.toy"; }
                public String description() { return "a third party's toy strategy"; }
                public List<ParameterSpec> parameters() {
                    return List.of(ParameterSpec.bytes("capacity", "8MiB", "buffer"));
                }
                public Allocator create(Parameters p, VirtualMemory vm) {
                    Region r = vm.reserve(p.bytes("capacity"));
                    if (r == null || !vm.commit(r.address(), r.bytes())) throw new IllegalStateException("no memory");
                    return new AbstractAllocator("example.toy", EnumSet.of(Capability.FREE)) {
                        long top = r.address(), live, peak;
                        final Map<Long, Long> sizes = new HashMap<>();
                        public Memory memory() { return vm.memory(); }
                        protected long doAllocate(long size, long alignment) {
                            long a = Sizes.alignUp(top, alignment);
                            if (a + size > r.end()) return 0;
                            top = a + size; sizes.put(a, size); live += size; peak = Math.max(peak, live);
                            return a;
                        }
                        protected void doFree(long a) {
                            Long s = sizes.remove(a);
                            if (s == null) throw invalidFree(a, "it is not a live block");
                            live -= s;
                        }
                        protected boolean doOwns(long a) { return a >= r.address() && a < r.end(); }
                        protected void doWalk(HeapVisitor v) { }
                        protected AllocatorStats doStats() {
                            return AllocatorStats.builder().bytes(AllocatorStats.LIVE_BYTES, live, "live")
                                    .bytes(AllocatorStats.PEAK_LIVE_BYTES, peak, "peak").build();
                        }
                        protected void doVerify() { }
                        protected void doClose() { vm.release(r); }
                    };
                }
            }
            """;

    @Test
    void aStrategyFromAnUnseenJarIsUsableByName() throws Exception {
        Path src = dir.resolve("src/com/example/alloc/Toy.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, SOURCE);
        Path classes = Files.createDirectories(dir.resolve("classes"));
        var compiler = ToolProvider.getSystemJavaCompiler();
        int rc = compiler.run(null, null, null, "-d", classes.toString(), "-cp", System.getProperty("java.class.path"),
                src.toString());
        assertThat(rc).as("the toy strategy compiles against the SPI").isZero();

        Path jar = dir.resolve("toy.jar");
        try (var out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry("com/example/alloc/Toy.class"));
            out.write(Files.readAllBytes(classes.resolve("com/example/alloc/Toy.class")));
            for (Path inner : Files.list(classes.resolve("com/example/alloc")).filter(p -> p.toString().contains("$")).toList()) {
                out.putNextEntry(new JarEntry("com/example/alloc/" + inner.getFileName()));
                out.write(Files.readAllBytes(inner));
            }
            out.putNextEntry(new JarEntry("META-INF/services/org.alloclab.api.AllocatorProvider"));
            out.write("com.example.alloc.Toy\n".getBytes(StandardCharsets.UTF_8));
        }

        assertThat(Registry.strategies().names()).doesNotContain("example.toy");
        try (var loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, getClass().getClassLoader())) {
            var strategies = Registry.load("strategy", AllocatorProvider.class, loader);
            assertThat(strategies.names()).contains("example.toy", "linear", "linear.vm");
            var experiments = new ExperimentLoader(strategies, Registry.virtualMemories(),
                    Registry.load("workload", WorkloadProvider.class, loader));
            Experiment e = experiments.parse("""
                    alloclab {
                      virtual-memory.kind = simulated
                      strategies = [ { name = example.toy, parameters { capacity = 64MiB } } ]
                      workloads = [ { type = random, operations = 2000 } ]
                    }
                    """, "test").withExecution(Experiment.Execution.IN_PROCESS_ONCE);
            var runner = new org.alloclab.harness.cells.ExperimentRunner(e, dir.resolve("out"), List.of("test"),
                    new java.io.PrintStream(java.io.OutputStream.nullOutputStream()), experiments);
            var results = runner.run();
            assertThat(results).hasSize(1);
            assertThat(results.get(0).subject().strategyName()).isEqualTo("example.toy");
            assertThat(results.get(0).counts().failures()).isZero();
            assertThat(results.get(0).bytes().peakLive()).isPositive();
        }
    }
}
