/**
 * The virtual-memory layer: where strategies get their pages.
 *
 * <ul>
 *   <li>{@link org.alloclab.vmem.OsVirtualMemory} ({@code os}) — the kernel's, through FFM downcalls:
 *       reserve with {@code mmap(PROT_NONE)}, commit with {@code mprotect}, decommit with
 *       {@code madvise(MADV_DONTNEED)} and {@code mprotect(PROT_NONE)}, release with {@code munmap},
 *       residency from {@code mincore}. Checked on request or with {@code -Dalloclab.checks=true}.</li>
 *   <li>{@link org.alloclab.vmem.SimulatedVirtualMemory} ({@code simulated}) — deterministic addresses,
 *       a physical budget, fault injection, and an always-checked memory.</li>
 * </ul>
 *
 * Both keep their bookkeeping — regions by address, a bit per committed page, the counters — in one
 * package-private class, so that they answer every question about state the same way, and share one
 * package-private base class whose template methods make every operation (checks, bookkeeping, failure
 * handling) the same way, calling the two classes only for what their memory source does.
 */
package org.alloclab.vmem;
