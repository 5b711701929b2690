package org.alloclab.baselines;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * A system shared library opened with {@code dlopen}, for the native peers found on the system
 * (tcmalloc, mimalloc) rather than in a jar. {@link java.lang.foreign.SymbolLookup#libraryLookup} opens with
 * {@code RTLD_LOCAL} only; tcmalloc needs {@code RTLD_DEEPBIND} as well (see {@link Tcmalloc}), so the call
 * is made here. A library opened {@code RTLD_LOCAL} never takes the place of the C library's
 * {@code malloc} for the JVM or any other library: its symbols are reached only through {@link #find}.
 * Libraries are never closed: their heaps live as long as the process.
 */
@SuppressWarnings("restricted")
final class SharedLibrary {

    /** {@code RTLD_NOW}: resolve every symbol at once, so a broken library fails at open. */
    static final int NOW = 0x2;
    /** {@code RTLD_DEEPBIND}: the library's own symbols come before the process's for its own calls. */
    static final int DEEP_BIND = 0x8;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle DLOPEN = LINKER.downcallHandle(LINKER.defaultLookup().find("dlopen").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle DLSYM = LINKER.downcallHandle(LINKER.defaultLookup().find("dlsym").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle DLERROR = LINKER.downcallHandle(LINKER.defaultLookup().find("dlerror").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS));

    private final String name;
    private final MemorySegment handle;

    private SharedLibrary(String name, MemorySegment handle) {
        this.name = name;
        this.handle = handle;
    }

    /**
     * Opens {@code soname} ({@code libmimalloc.so.2}) with {@code RTLD_LOCAL | flags}.
     *
     * @throws IllegalStateException with {@code dlerror()}'s words when it cannot be opened
     */
    static synchronized SharedLibrary open(String soname, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment h = (MemorySegment) DLOPEN.invokeExact(arena.allocateFrom(soname), flags);
            if (h.address() == 0) {
                throw new IllegalStateException(lastError());
            }
            return new SharedLibrary(soname, h);
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("dlopen(" + soname + ") failed: " + t, t);
        }
    }

    /** The address of {@code symbol}, if the library defines it. */
    synchronized Optional<MemorySegment> find(String symbol) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = (MemorySegment) DLSYM.invokeExact(handle, arena.allocateFrom(symbol));
            return s.address() == 0 ? Optional.empty() : Optional.of(s);
        } catch (Throwable t) {
            throw new IllegalStateException("dlsym(" + name + ", " + symbol + ") failed: " + t, t);
        }
    }

    /** The address of {@code symbol}; an error naming the library and the symbol when it is missing. */
    MemorySegment require(String symbol) {
        return find(symbol).orElseThrow(() -> new IllegalStateException(name + " has no symbol " + symbol
                + " (not the version alloclab expects)"));
    }

    /** A downcall to {@code symbol}. */
    MethodHandle downcall(String symbol, FunctionDescriptor descriptor, Linker.Option... options) {
        return LINKER.downcallHandle(require(symbol), descriptor, options);
    }

    private static String lastError() throws Throwable {
        MemorySegment e = (MemorySegment) DLERROR.invokeExact();
        return e.address() == 0 ? "unknown dlopen error" : e.reinterpret(4096).getString(0);
    }
}
