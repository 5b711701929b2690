package org.alloclab.harness.run;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * The JIT compiler's queue, as HotSpot's {@code Compiler.queue} diagnostic command shows it ({@code jcmd PID
 * Compiler.queue}): what is being compiled now and what waits. In a JVM of its own per cell the warm-up replays
 * leave a backlog — on two cores the one C2 compiler thread can be seconds behind — and a replay measured while
 * it drains runs partly in code that is not yet compiled, beside a compiler thread using the other core. The
 * measurement waits here until the queue is empty, so the replay it times runs the code that will stay.
 *
 * <p>On a JVM without the command (not HotSpot) there is nothing to wait for and {@link #awaitEmpty} returns at
 * once.
 */
final class JitQueue {

    private JitQueue() {
    }

    /**
     * Starts the platform MBean server on a daemon thread, so that {@link #awaitEmpty} does not: its start
     * loads JMX and registers every platform bean, 100 to 250 ms that would otherwise count as waiting for the
     * JIT in every cell's JVM. Called as a cell's JVM starts, while it reads its configuration and operations.
     */
    static void startInBackground() {
        Thread.ofPlatform().daemon().name("alloclab-jmx-start").start(JitQueue::describe);
    }

    /**
     * Waits until nothing is compiled or queued for compilation, at most {@code limitMillis}; returns the
     * milliseconds waited.
     */
    static long awaitEmpty(long limitMillis) {
        long start = System.nanoTime();
        long end = start + TimeUnit.MILLISECONDS.toNanos(limitMillis);
        while (System.nanoTime() < end) {
            String queue = describe();
            if (queue == null || empty(queue)) {
                break;
            }
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    /** The queue's description, or null when this JVM has no {@code compilerQueue} command. */
    static String describe() {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            Object out = server.invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerQueue",
                    new Object[] {null}, new String[] {String[].class.getName()});
            return String.valueOf(out);
        } catch (JMException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Whether a description lists no compilation: no line names a compiler thread at work ({@code C2
     * CompilerThread0 1506 ...}) or a queued task (a compile id first).
     */
    static boolean empty(String description) {
        for (String line : description.split("\n")) {
            String l = line.strip();
            if (l.matches("C\\d+ CompilerThread.*\\d+.*") || l.matches("\\d+\\s.*")) {
                return false;
            }
        }
        return true;
    }
}
