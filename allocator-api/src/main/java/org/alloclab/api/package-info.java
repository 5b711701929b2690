/**
 * The service-provider interface of alloclab: what every allocator strategy implements and what every
 * tool (the contract suite, the harness, the benchmarks) programs against.
 *
 * <h2>Vocabulary</h2>
 * <ul>
 *   <li><b>address</b> — a plain {@code long}; {@code 0} means "no block". Memory behind an address is
 *       read and written through a {@link org.alloclab.api.Memory}, never by casting.</li>
 *   <li><b>strategy</b> — an allocation algorithm with a stable name ({@code linear},
 *       {@code linear.vm}, …), created by its {@link org.alloclab.api.AllocatorProvider}.</li>
 *   <li><b>virtual memory</b> — where a strategy gets its pages: address space is <em>reserved</em>,
 *       then pages are <em>committed</em> (backed by physical memory) and <em>decommitted</em>; see
 *       {@link org.alloclab.api.VirtualMemory}.</li>
 *   <li><b>live bytes</b> — the sum of the requested sizes of the blocks an allocator still holds.</li>
 * </ul>
 *
 * <p>This module has no dependency beyond the JDK, so a third party can implement a strategy against it
 * and put the jar on alloclab's class path; {@link org.alloclab.api.Registry#strategies()} finds it by name.
 */
package org.alloclab.api;
