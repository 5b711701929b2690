package org.alloclab.harness.workload;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A workload's streams of operations in a compact binary file, written once before an experiment's cells
 * run and read by each cell's JVM, so that no cell spends its time generating a workload or parsing a trace
 * (the perl trace's 1.6 million operations are a few seconds of text and gzip, a few milliseconds from this
 * file). A trace is written here as it is read ({@link Writer}), never held whole, and the file is mapped
 * into memory when read back, never copied into the heap: a workload of any length costs its 16 bytes per
 * operation of disk and page cache, and no heap.
 *
 * <h2>Layout</h2>
 * <pre>
 * "ALLOCOPS" version:int order:int directoryAt:long       (24 bytes, little-endian)
 * records: 16 bytes per operation (see Operations#WORD), in the byte order of the machine that wrote them
 *   ('order' is 1 written in that order), each stream's one after another from byte 24
 * directory at directoryAt, little-endian:
 *   streams:int, per stream:
 *     name:str size:int slotCount:int slotOffset:int recordsAt:long notes:int (key:str value:long)×notes
 *     sites:int (site:str)×sites warnings:int (line:str)×warnings
 * str = length:int, then UTF-8 bytes
 * </pre>
 * Streams may share records: a trace replayed by {@code T} threads is one copy of its records and {@code T}
 * entries, each with a slot offset of its own.
 */
public final class OperationsFile {

    private static final byte[] MAGIC = "ALLOCOPS".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 2;
    private static final int HEADER_BYTES = 24;

    private OperationsFile() {
    }

    /** Writes {@code streams} to {@code file}, through a temporary file moved into place. */
    public static void write(Path file, List<Operations> streams) {
        try (var w = Writer.create(file)) {
            var written = new java.util.IdentityHashMap<MemorySegment, Long>();
            for (Operations ops : streams) {
                Long at = written.get(ops.records());
                if (at == null) {
                    at = w.records(ops.records());
                    written.put(ops.records(), at);
                }
                w.entries.add(new Entry(ops.name(), ops.size(), ops.slotCount(), ops.slotOffset(), at, ops.notes(),
                        ops.hasSites() ? ops.siteNameArray() : new String[0], ops.warnings()));
            }
            w.commit();
        }
    }

    /** A stream's entry in the directory. */
    private record Entry(String name, int size, int slotCount, int slotOffset, long recordsAt, Map<String, Long> notes,
                         String[] sites, List<String> warnings) {
    }

    /**
     * An operations file being written: records first, as they come, then the directory once every stream is
     * complete ({@link #commit()}); into a temporary file moved into place, deleted if never committed.
     */
    public static final class Writer implements AutoCloseable {
        private final Path file;
        private final Path tmp;
        private final FileChannel out;
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.nativeOrder());
        private final List<Entry> entries = new ArrayList<>();
        private long position = HEADER_BYTES;
        private boolean committed;

        private Writer(Path file, Path tmp, FileChannel out) {
            this.file = file;
            this.tmp = tmp;
            this.out = out;
        }

        /** A writer of {@code file} (its folder made when missing). */
        public static Writer create(Path file) {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp-" + ProcessHandle.current().pid());
            try {
                Files.createDirectories(file.toAbsolutePath().getParent());
                var out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING);
                return new Writer(file, tmp, out);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the operations file " + file + ": " + e.getMessage(), e);
            }
        }

        /**
         * A builder whose records are written here as they are appended, for one stream at a time; its
         * entry is made by {@link #end(Operations.Builder)}.
         */
        public Operations.Builder stream(String name) {
            return Operations.Builder.spilling(name, (words, count) -> {
                var source = MemorySegment.ofArray(words).asSlice(0, (long) count * Operations.RECORD_BYTES);
                write(source);
            });
        }

        /**
         * Ends the stream {@code b} wrote (made by {@link #stream(String)}): its entry in the directory, with
         * its slot space; returns the entry's index.
         */
        public int end(Operations.Builder b) {
            b.flush();
            long recordsAt = position - (long) b.size() * Operations.RECORD_BYTES;     // one stream at a time
            entries.add(new Entry(b.name(), b.size(), b.slotCount(), 0, recordsAt, Map.copyOf(b.noteMap()),
                    b.siteNames() == null ? new String[0] : b.siteNames(), List.copyOf(b.warningList())));
            return entries.size() - 1;
        }

        /**
         * Makes the last stream ended the first of {@code threads} that replay the same records, each in a
         * part of the slot space of its own (as {@link Operations#inSlotSpace(int, int)} does).
         */
        public void spread(int threads) {
            Entry e = entries.removeLast();
            int space;
            try {
                space = Math.multiplyExact(e.slotCount, threads);
            } catch (ArithmeticException x) {
                throw new IllegalArgumentException(e.name + " names " + e.slotCount + " blocks; " + threads + " threads would"
                        + " name more than " + Integer.MAX_VALUE, x);
            }
            for (int t = 0; t < threads; t++) {
                entries.add(new Entry(e.name, e.size, space, e.slotOffset + t * e.slotCount, e.recordsAt, e.notes, e.sites,
                        e.warnings));
            }
        }

        /** Writes {@code records}; returns where they begin. */
        private long records(MemorySegment records) {
            long at = position;
            write(records);
            return at;
        }

        private void write(MemorySegment source) {
            try {
                for (long done = 0; done < source.byteSize(); ) {
                    var target = MemorySegment.ofBuffer(buffer.clear());
                    long n = Math.min(buffer.capacity(), source.byteSize() - done);
                    MemorySegment.copy(source, done, target, 0, n);
                    buffer.clear().limit((int) n);
                    while (buffer.hasRemaining()) {
                        position += out.write(buffer, position);
                    }
                    done += n;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the operations file " + file + ": " + e.getMessage(), e);
            }
        }

        /** Writes the directory and the header and moves the file into place. */
        public void commit() {
            try {
                var dir = new Chunk(4096);
                dir.putInt(entries.size());
                for (Entry e : entries) {
                    dir.string(e.name).putInt(e.size).putInt(e.slotCount).putInt(e.slotOffset).putLong(e.recordsAt)
                            .putInt(e.notes.size());
                    for (Map.Entry<String, Long> n : e.notes.entrySet()) {
                        dir.string(n.getKey()).putLong(n.getValue());
                    }
                    dir.putInt(e.sites.length);
                    for (String site : e.sites) {
                        dir.string(site);
                    }
                    dir.putInt(e.warnings.size());
                    for (String line : e.warnings) {
                        dir.string(line);
                    }
                }
                long directoryAt = position;
                dir.drain(out, directoryAt);
                var head = new Chunk(HEADER_BYTES);
                head.bytes(MAGIC).putInt(VERSION);
                head.b.order(ByteOrder.nativeOrder()).putInt(1).order(ByteOrder.LITTLE_ENDIAN);
                head.putLong(directoryAt);
                head.drain(out, 0);
                out.force(false);
                out.close();
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                committed = true;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the operations file " + file + ": " + e.getMessage(), e);
            }
        }

        /** Deletes the temporary file unless {@link #commit()} moved it into place. */
        @Override
        public void close() {
            if (committed) {
                return;
            }
            try {
                out.close();
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the first error is the one to report
            }
        }
    }

    /**
     * The streams in {@code file}, their records mapped from it (a mapping ends when the last of its
     * operations is no longer used).
     *
     * @throws IllegalArgumentException naming the file when it is not an operations file of this version,
     *                                  is cut short, or cannot be read
     */
    public static List<Operations> read(Path file) {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long length = in.size();
            MemorySegment all = length == 0 ? MemorySegment.NULL : in.map(FileChannel.MapMode.READ_ONLY, 0, length, Arena.ofAuto());
            return readFrom(all, length, file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the operations file " + file + ": " + e.getMessage(), e);
        }
    }

    private static List<Operations> readFrom(MemorySegment all, long length, Path file) {
        try {
            if (length < HEADER_BYTES) {
                throw new IllegalArgumentException(file + " is not an operations file of alloclab");
            }
            ByteBuffer head = order(all.asSlice(0, HEADER_BYTES).asByteBuffer());
            byte[] magic = new byte[MAGIC.length];
            head.get(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw new IllegalArgumentException(file + " is not an operations file of alloclab");
            }
            int version = head.getInt();
            if (version != VERSION) {
                throw new IllegalArgumentException(file + " is an operations file of version " + version + "; this alloclab"
                        + " reads version " + VERSION + " (delete it and the workload is made again)");
            }
            if (head.order(ByteOrder.nativeOrder()).getInt() != 1) {
                throw new IllegalArgumentException(file + " was written on a machine of the other byte order (delete it and"
                        + " the workload is made again)");
            }
            long directoryAt = head.order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (directoryAt < HEADER_BYTES || directoryAt > length || length - directoryAt > Integer.MAX_VALUE) {
                throw damaged(file, null);
            }
            ByteBuffer in = order(all.asSlice(directoryAt, length - directoryAt).asByteBuffer());
            int count = in.getInt();
            var streams = new ArrayList<Operations>(Math.max(0, Math.min(count, 1024)));
            for (int s = 0; s < count; s++) {
                String name = string(in);
                int n = in.getInt();
                int slotCount = in.getInt();
                int slotOffset = in.getInt();
                long recordsAt = in.getLong();
                int notes = in.getInt();
                var noteMap = new LinkedHashMap<String, Long>();
                for (int i = 0; i < notes; i++) {
                    noteMap.put(string(in), in.getLong());
                }
                String[] siteNames = new String[in.getInt()];
                for (int i = 0; i < siteNames.length; i++) {
                    siteNames[i] = string(in);
                }
                var warnings = new ArrayList<String>();
                for (int i = in.getInt(); i > 0; i--) {
                    warnings.add(string(in));
                }
                long bytes = (long) n * Operations.RECORD_BYTES;
                if (n < 0 || recordsAt < HEADER_BYTES || recordsAt + bytes > directoryAt) {
                    throw damaged(file, null);
                }
                streams.add(new Operations(name, all.asSlice(recordsAt, bytes), n, slotCount, slotOffset, noteMap,
                        siteNames, warnings));
            }
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(file + " has " + in.remaining() + " bytes after its last stream");
            }
            return List.copyOf(streams);
        } catch (BufferUnderflowException | IndexOutOfBoundsException | NegativeArraySizeException e) {
            throw damaged(file, e);
        }
    }

    private static IllegalArgumentException damaged(Path file, RuntimeException cause) {
        return new IllegalArgumentException(file + " is cut short or damaged: delete it and the workload is made again", cause);
    }

    private static String string(ByteBuffer in) {
        int n = in.getInt();
        if (n < 0 || n > in.remaining()) {
            throw new BufferUnderflowException();
        }
        byte[] b = new byte[n];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static ByteBuffer order(ByteBuffer b) {
        return b.order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A growing little-endian buffer for the small parts of the file. */
    private static final class Chunk {
        ByteBuffer b;

        Chunk(int capacity) {
            b = order(ByteBuffer.allocate(capacity));
        }

        private void room(int bytes) {
            if (b.remaining() < bytes) {
                ByteBuffer bigger = order(ByteBuffer.allocate(Math.max(b.capacity() * 2, b.position() + bytes)));
                b.flip();
                bigger.put(b);
                b = bigger;
            }
        }

        Chunk putInt(int v) {
            room(Integer.BYTES);
            b.putInt(v);
            return this;
        }

        Chunk putLong(long v) {
            room(Long.BYTES);
            b.putLong(v);
            return this;
        }

        Chunk bytes(byte[] v) {
            room(v.length);
            b.put(v);
            return this;
        }

        Chunk string(String s) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            return putInt(utf8.length).bytes(utf8);
        }

        void drain(FileChannel out, long at) throws IOException {
            b.flip();
            while (b.hasRemaining()) {
                at += out.write(b, at);
            }
        }
    }
}
