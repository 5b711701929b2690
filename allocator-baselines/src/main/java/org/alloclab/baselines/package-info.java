/**
 * The allocators people use today, behind alloclab's SPI, so the harness measures them side by side with
 * alloclab's strategies: glibc's {@code malloc} ({@code glibc}, FFM downcalls), jemalloc ({@code jemalloc},
 * LWJGL's build from Maven Central), Netty's pooled direct allocator ({@code netty}) and one JDK
 * {@link java.lang.foreign.Arena} per block ({@code jdk-arena}).
 *
 * <h2>What they share</h2>
 * <ul>
 *   <li>Each declares {@link org.alloclab.api.Capability#EXTERNAL_MEMORY}: its memory is the C library's,
 *       jemalloc's, Netty's or the JDK's, never the {@link org.alloclab.api.VirtualMemory} it was created
 *       with, which it ignores. Blocks are reached through {@link org.alloclab.api.SegmentMemory#everything()}.</li>
 *   <li>None of those allocators can tell its caller which addresses it handed out, so each baseline keeps
 *       its own table of live blocks (address → requested size, and the handle where one is needed to
 *       free). The table makes {@code live_bytes}, {@code walk}, {@code owns} and {@code close()} exact and
 *       turns a free of an address never handed out into an
 *       {@link org.alloclab.api.InvalidFreeException} <em>before</em> the native free could corrupt the
 *       process. That bookkeeping is part of every measured operation; each class says what it costs.</li>
 *   <li>{@code committed_bytes} is the allocator's own measure of its footprint, named in each class
 *       comment, since no virtual memory sees it. Peaks of such measures are the highest value a
 *       {@code stats()} call saw: reading them on every operation would cost more than the operation.</li>
 * </ul>
 */
package org.alloclab.baselines;
