/**
 * The boundary-tag free-list family: {@link org.alloclab.freelist.FreeListAllocator}, one explicit
 * free-list allocator over a fixed heap whose placement policy — first fit over a LIFO, FIFO or
 * address-ordered list, next fit, best fit — is a parameter, and its providers
 * ({@link org.alloclab.freelist.FreeListProvider}: {@code freelist} and {@code freelist.<policy>}).
 */
package org.alloclab.freelist;
