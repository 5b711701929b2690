package org.alloclab.debug;

import java.lang.StackWalker.StackFrame;
import java.util.List;

import org.alloclab.api.Allocator;

/**
 * Where an allocation came from. A site is either what a trace recorded (a {@code String}, e.g.
 * {@code perl:(Perl_safesysmalloc+26)[0xf6f96]}) or the caller's frames found by walking the stack: the
 * first frames that do not belong to an {@link Allocator} (the strategy and every layer around it), so the site is the code that asked for memory, not the machinery that served it.
 */
public final class Sites {

    // the estimated depth sizes the first batch of frames the walker fetches: enough for the layers, the
    // strategy and a few frames of the caller in one go
    private static final StackWalker WALKER = StackWalker.getInstance(
            java.util.Set.of(StackWalker.Option.RETAIN_CLASS_REFERENCE), 16);

    private Sites() {
    }

    /** The caller's {@code frames} innermost frames, as an immutable list (never empty unless the stack is). */
    static List<StackFrame> capture(int frames) {
        return WALKER.walk(s -> {
            var it = s.iterator();
            StackFrame[] kept = new StackFrame[frames];
            int n = 0;
            while (it.hasNext() && n < frames) {
                StackFrame f = it.next();
                if (n > 0 || !machinery(f)) {
                    kept[n++] = f;
                }
            }
            return List.of(java.util.Arrays.copyOf(kept, n));
        });
    }

    private static boolean machinery(StackFrame f) {
        Class<?> c = f.getDeclaringClass();
        return Allocator.class.isAssignableFrom(c) || c == Sites.class;
    }

    /** A site as a person reads it: a recorded site as it was, frames innermost first joined by {@code  < }. */
    public static String describe(Object site) {
        if (site == null) {
            return "unknown site";
        }
        if (site instanceof List<?> frames) {
            if (frames.isEmpty()) {
                return "unknown site";
            }
            var b = new StringBuilder();
            for (Object o : frames) {
                StackFrame f = (StackFrame) o;
                if (!b.isEmpty()) {
                    b.append(" < ");
                }
                String cls = f.getClassName();
                b.append(cls.substring(cls.lastIndexOf('.') + 1)).append('.').append(f.getMethodName())
                        .append('(').append(f.getFileName() == null ? "?" : f.getFileName());
                if (f.getLineNumber() > 0) {
                    b.append(':').append(f.getLineNumber());
                }
                b.append(')');
            }
            return b.toString();
        }
        return site.toString();
    }
}
