package org.alloclab.vmem;

import java.util.List;

import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;
import org.alloclab.api.VirtualMemory;
import org.alloclab.api.VirtualMemoryProvider;

/**
 * The provider of {@link OsVirtualMemory}, named {@code os}.
 *
 * <table>
 *   <caption>Parameters</caption>
 *   <tr><th>name</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code granularity}</td><td>{@code 0}</td><td>the commit page: 0 for the OS page, else a
 *       power of two of at least the OS page (64KiB, 1MiB …)</td></tr>
 *   <tr><td>{@code checked}</td><td>{@code false}</td><td>check every access of {@code memory()}
 *       against the committed pages (also on whenever {@code -Dalloclab.checks=true})</td></tr>
 *   <tr><td>{@code huge-pages}</td><td>{@code false}</td><td>ask for transparent huge pages on regions of
 *       at least 2 MiB ({@code madvise(MADV_HUGEPAGE)})</td></tr>
 *   <tr><td>{@code commit-cache}</td><td>{@code 0}</td><td>bytes of a {@link CommitCache} over it; 0 for none</td></tr>
 * </table>
 */
public final class OsVirtualMemoryProvider implements VirtualMemoryProvider {

    private static final List<ParameterSpec> PARAMETERS = List.of(
            ParameterSpec.bytes("granularity", "0",
                    "commit granularity: 0 for the OS page, else a power of two of at least the OS page"),
            ParameterSpec.flag("checked", false,
                    "check every memory access against the committed pages (also on with -Dalloclab.checks=true)"),
            ParameterSpec.flag("huge-pages", false,
                    "ask for transparent huge pages (2 MiB): regions of at least 2 MiB are aligned and advised MADV_HUGEPAGE"),
            CommitCache.PARAMETER);

    /** For {@link java.util.ServiceLoader}. */
    public OsVirtualMemoryProvider() {
    }

    /** {@code os}. */
    @Override
    public String name() {
        return "os";
    }

    /** One line for listings. */
    @Override
    public String description() {
        return "the kernel's virtual memory: mmap/mprotect/madvise/munmap through FFM, residency by mincore";
    }

    /** {@code granularity}, {@code checked}, {@code huge-pages} and {@code commit-cache}. */
    @Override
    public List<ParameterSpec> parameters() {
        return PARAMETERS;
    }

    /**
     * A new {@link OsVirtualMemory}.
     *
     * @throws IllegalArgumentException naming {@code granularity} when it is not 0 nor a power of two of
     *                                  at least the OS page
     */
    @Override
    public VirtualMemory create(Parameters parameters) {
        long granularity = parameters.bytes("granularity");
        String problem = OsVirtualMemory.granularityProblem(granularity);
        if (problem != null) {
            throw parameters.invalid("granularity", problem);
        }
        long cache = parameters.bytes("commit-cache");
        if (cache < 0) {
            throw parameters.invalid("commit-cache", "must be 0 or a size of at least one page");
        }
        var os = new OsVirtualMemory(granularity, parameters.flag("checked"), parameters.flag("huge-pages"));
        if (cache != 0 && cache < os.pageSize()) {
            os.close();
            throw parameters.invalid("commit-cache", "must be 0 or at least one page (" + os.pageSize() + " bytes)");
        }
        return CommitCache.over(os, cache);
    }
}
