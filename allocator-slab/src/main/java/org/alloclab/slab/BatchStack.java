package org.alloclab.slab;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * A lock-free stack of batches of block addresses (a Treiber stack): the transfer cache between thread
 * caches and a class's central list, and a slab cache's depot of full and empty magazines. A batch is an
 * array laid out as the caches are: its height at {@code [0]}, the addresses at {@code [1…height]}.
 *
 * <h2>Why it is safe without epochs or hazard pointers</h2>
 * <ul>
 *   <li><b>ABA.</b> A compare-and-set on the head succeeds only if the head is still the node that was
 *       read. Every push makes a new {@link Node}, and a popped node is never pushed again, so while a
 *       thread holds a reference to a node that node cannot come back as the head with a different
 *       {@code next}: the garbage collector does not reuse an object anyone can still reach. Its
 *       {@code next} is final, so reading it after another thread popped it gives the value it was built
 *       with, and the compare-and-set that would act on it then fails.</li>
 *   <li><b>Reclamation.</b> Nodes live on the Java heap and are reclaimed by the collector only when no
 *       thread can reach them, so no thread ever reads a node that was freed under it. The addresses are
 *       held in Java arrays, never in the blocks themselves: the stack never reads managed memory, so a
 *       block that is handed out, written and freed again by its user cannot be misread as a link.</li>
 *   <li><b>Ownership.</b> A batch's array belongs to whoever pushed it until the push succeeds, and then to
 *       whoever pops it; the pusher never touches it again. A node's array is therefore read by one thread
 *       at a time, and the compare-and-set publishes its contents.</li>
 * </ul>
 * The cost is one small object per pushed batch (a batch moves 2 to 256 blocks), which the young
 * generation absorbs.
 */
final class BatchStack {

    /** An immutable link holding one batch. */
    static final class Node {
        final long[] items;
        final Node next;
        final int depth;      // batches from this node to the bottom, this one included

        Node(long[] items, Node next) {
            this.items = items;
            this.next = next;
            this.depth = next == null ? 1 : next.depth + 1;
        }
    }

    private final AtomicReference<Node> head = new AtomicReference<>();

    /**
     * Pushes a batch unless the stack already holds {@code limit} batches.
     *
     * @return whether it was pushed; if not, the caller still owns {@code items}
     */
    boolean push(long[] items, int limit) {
        while (true) {
            Node h = head.get();
            if ((h == null ? 0 : h.depth) >= limit) {
                return false;
            }
            if (head.compareAndSet(h, new Node(items, h))) {
                return true;
            }
        }
    }

    /** Pops a batch, or returns {@code null} when the stack is empty. */
    Node pop() {
        while (true) {
            Node h = head.get();
            if (h == null || head.compareAndSet(h, h.next)) {
                return h;
            }
        }
    }

    /** Takes every batch at once; the stack is empty afterwards. */
    Node takeAll() {
        return head.getAndSet(null);
    }

    /** How many batches the stack holds now. */
    int depth() {
        Node h = head.get();
        return h == null ? 0 : h.depth;
    }

    /** Visits every address held now (a snapshot: batches pushed or popped meanwhile may be missed). */
    void forEachAddress(Consumer<long[]> batch) {
        for (Node n = head.get(); n != null; n = n.next) {
            batch.accept(SlotAllocator.cached(n.items));
        }
    }
}
