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

    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    private Sites() {
    }

    /** The caller's {@code frames} innermost frames, as an immutable list (never empty unless the stack is). */
    static List<StackFrame> capture(int frames) {
        return WALKER.walk(s -> s.dropWhile(Sites::machinery).limit(frames).toList());
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
