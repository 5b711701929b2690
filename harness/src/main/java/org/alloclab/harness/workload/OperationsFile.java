package org.alloclab.harness.workload;

import java.io.IOException;
import java.io.UncheckedIOException;
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
 * (the perl trace's 1.6 million operations are a few seconds of text and gzip, a few tens of milliseconds
 * from this file).
 *
 * <h2>Layout</h2>
 * Little-endian, the operations' own arrays one after the other:
 * <pre>
 * "ALLOCOPS" version:int streams:int
 * per stream:
 *   name:str size:int slotCount:int notes:int (key:str value:long)×notes sites:int (site:str)×sites
 *   kinds:byte×size slots:int×size sizes:long×size alignments:int×size [siteIndex:int×size when sites > 0]
 * str = length:int, then UTF-8 bytes
 * </pre>
 * A stream with sites has at least one site name; a stream without has none and no site indices.
 */
public final class OperationsFile {

    private static final byte[] MAGIC = "ALLOCOPS".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;

    private OperationsFile() {
    }

    /** Writes {@code streams} to {@code file}, through a temporary file moved into place. */
    public static void write(Path file, List<Operations> streams) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                var head = new Chunk(64);
                head.bytes(MAGIC).putInt(VERSION).putInt(streams.size());
                head.drain(out);
                for (Operations ops : streams) {
                    writeStream(out, ops);
                }
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the first error is the one to report
            }
            throw new UncheckedIOException("cannot write the operations file " + file + ": " + e.getMessage(), e);
        }
    }

    private static void writeStream(FileChannel out, Operations ops) throws IOException {
        int n = ops.size();
        var head = new Chunk(256);
        head.string(ops.name()).putInt(n).putInt(ops.slotCount()).putInt(ops.notes().size());
        for (Map.Entry<String, Long> e : ops.notes().entrySet()) {
            head.string(e.getKey()).putLong(e.getValue());
        }
        String[] siteNames = ops.hasSites() ? ops.siteNameArray() : new String[0];
        head.putInt(siteNames.length);
        for (String site : siteNames) {
            head.string(site);
        }
        head.drain(out);
        drain(out, ByteBuffer.wrap(ops.kindArray(), 0, n));
        ByteBuffer ints = order(ByteBuffer.allocate(n * Integer.BYTES));
        ints.asIntBuffer().put(ops.slotArray(), 0, n);
        drain(out, ints);
        ByteBuffer longs = order(ByteBuffer.allocate(n * Long.BYTES));
        longs.asLongBuffer().put(ops.sizeArray(), 0, n);
        drain(out, longs);
        ints.clear();
        ints.asIntBuffer().put(ops.alignmentArray(), 0, n);
        drain(out, ints);
        if (siteNames.length > 0) {
            ints.clear();
            ints.asIntBuffer().put(ops.siteArray(), 0, n);
            drain(out, ints);
        }
    }

    /**
     * The streams in {@code file}.
     *
     * @throws IllegalArgumentException naming the file when it is not an operations file of this version,
     *                                  is cut short, or cannot be read
     */
    public static List<Operations> read(Path file) {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long length = in.size();
            if (length > Integer.MAX_VALUE - 16) {
                throw new IllegalArgumentException(file + " holds " + length + " bytes: more than one operations file"
                        + " can (2 GiB); split the workload");
            }
            ByteBuffer all = ByteBuffer.allocate((int) length);
            while (all.hasRemaining() && in.read(all) >= 0) {
                // read it whole: a mapping would stay until the collector finds it
            }
            all.flip();
            return readFrom(all, file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the operations file " + file + ": " + e.getMessage(), e);
        }
    }

    private static List<Operations> readFrom(ByteBuffer in, Path file) {
        order(in);
        try {
            byte[] magic = new byte[MAGIC.length];
            in.get(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw new IllegalArgumentException(file + " is not an operations file of alloclab");
            }
            int version = in.getInt();
            if (version != VERSION) {
                throw new IllegalArgumentException(file + " is an operations file of version " + version + "; this alloclab"
                        + " reads version " + VERSION + " (delete it and the workload is made again)");
            }
            int count = in.getInt();
            var streams = new ArrayList<Operations>(count);
            for (int s = 0; s < count; s++) {
                String name = string(in);
                int n = in.getInt();
                int slotCount = in.getInt();
                int notes = in.getInt();
                var noteMap = new LinkedHashMap<String, Long>();
                for (int i = 0; i < notes; i++) {
                    noteMap.put(string(in), in.getLong());
                }
                String[] siteNames = new String[in.getInt()];
                for (int i = 0; i < siteNames.length; i++) {
                    siteNames[i] = string(in);
                }
                byte[] kinds = new byte[n];
                in.get(kinds);
                int[] slots = new int[n];
                in.asIntBuffer().get(slots);
                in.position(in.position() + n * Integer.BYTES);
                long[] sizes = new long[n];
                in.asLongBuffer().get(sizes);
                in.position(in.position() + n * Long.BYTES);
                int[] alignments = new int[n];
                in.asIntBuffer().get(alignments);
                in.position(in.position() + n * Integer.BYTES);
                int[] sites = null;
                if (siteNames.length > 0) {
                    sites = new int[n];
                    in.asIntBuffer().get(sites);
                    in.position(in.position() + n * Integer.BYTES);
                }
                streams.add(new Operations(name, kinds, slots, sizes, alignments, slotCount, noteMap, sites,
                        siteNames.length > 0 ? siteNames : null));
            }
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(file + " has " + in.remaining() + " bytes after its last stream");
            }
            return List.copyOf(streams);
        } catch (BufferUnderflowException | IndexOutOfBoundsException | NegativeArraySizeException e) {
            throw new IllegalArgumentException(file + " is cut short or damaged: delete it and the workload is made again", e);
        }
    }

    private static String string(ByteBuffer in) {
        byte[] b = new byte[in.getInt()];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static ByteBuffer order(ByteBuffer b) {
        return b.order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void drain(FileChannel out, ByteBuffer b) throws IOException {
        b.rewind();
        while (b.hasRemaining()) {
            out.write(b);
        }
    }

    /** A growing little-endian buffer for the small parts of the file. */
    private static final class Chunk {
        private ByteBuffer b;

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

        void drain(FileChannel out) throws IOException {
            b.flip();
            while (b.hasRemaining()) {
                out.write(b);
            }
        }
    }
}
