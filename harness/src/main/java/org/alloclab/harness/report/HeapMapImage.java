package org.alloclab.harness.report;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

import javax.imageio.ImageIO;

import org.alloclab.harness.run.HeapSnapshot;

/**
 * Draws a {@link HeapSnapshot} as a picture of the address space: areas (segments or heaps, as seen from
 * outside) in address order, read left to right and top to bottom, and each pixel covers {@link #bytesPerPixel()} bytes. A pixel's colour mixes what its
 * bytes are, in proportion:
 * <pre>
 *   live block        blue (two shades, alternating block by block, so neighbours can be told apart)
 *   free, committed   orange: memory the strategy holds and nobody uses, the cost of fragmentation
 *   free, uncommitted pale grey: address space only, no memory behind it
 *   the strategy's    dark grey: bytes inside an area that no span covers (headers, fenceposts, padding)
 * </pre>
 * When a page is at least eight pixels wide, page boundaries are marked by a lighter pixel, so pages and
 * blocks are seen together. With a few areas each starts a row of its own and a blank row separates them;
 * with many (a composite's page-sized segments) they run on, two black pixels apart.
 */
final class HeapMapImage {

    static final int LIVE_A = 0x1F5FA8;
    static final int LIVE_B = 0x5B9BD5;
    static final int FREE_COMMITTED = 0xF28E2B;
    static final int FREE_UNCOMMITTED = 0xE6E6E6;
    static final int OWN = 0x4D4D4D;
    private static final int SEPARATOR = 0x000000;
    private static final int MAX_ROWS = 700;
    private static final int ROW_PER_AREA_UP_TO = 48;
    private static final int SEPARATOR_PIXELS = 2;

    private final HeapSnapshot heap;
    private final int width;
    private final boolean rowPerArea;
    private final long bytesPerPixel;
    private final long freeCommittedBytes;
    private final long liveBlockBytes;
    private final long committedBytes;
    private final byte[] png;

    HeapMapImage(HeapSnapshot heap, int width) {
        this.heap = heap;
        this.width = width;
        this.rowPerArea = heap.areas().length / 2 <= ROW_PER_AREA_UP_TO;
        long bpp = 1;
        while (layout(bpp, null) > (long) MAX_ROWS * width && bpp < (1L << 40)) {
            bpp *= 2;
        }
        this.bytesPerPixel = bpp;
        long freeCommitted = 0;
        long live = 0;
        for (int i = 0; i < heap.spanAddress().length; i++) {
            if (heap.spanAllocated()[i] == 1) {
                live += heap.spanBytes()[i];
            } else {
                freeCommitted += committedIn(heap.spanAddress()[i], heap.spanAddress()[i] + heap.spanBytes()[i]);
            }
        }
        long committed = 0;
        for (int i = 0; i < heap.committed().length; i += 2) {
            committed += heap.committed()[i + 1] - heap.committed()[i];
        }
        this.freeCommittedBytes = freeCommitted;
        this.liveBlockBytes = live;
        this.committedBytes = committed;
        this.png = draw();
    }

    /**
     * Lays the areas out at {@code bpp} bytes per pixel: with few areas each starts a row and a blank row
     * follows it; with many they run on, {@value #SEPARATOR_PIXELS} black pixels apart. Fills
     * {@code firstPixel} (one per area) when given; returns the pixels used.
     */
    private long layout(long bpp, long[] firstPixel) {
        long[] areas = heap.areas();
        long cursor = 0;
        for (int a = 0; a < areas.length; a += 2) {
            if (rowPerArea) {
                cursor = (cursor + width - 1) / width * width;
            }
            if (firstPixel != null) {
                firstPixel[a / 2] = cursor;
            }
            cursor += (areas[a + 1] - areas[a] + bpp - 1) / bpp;
            cursor = rowPerArea ? (cursor + width - 1) / width * width + width : cursor + SEPARATOR_PIXELS;
        }
        return Math.max(cursor, 1);
    }

    /** Bytes of [from, to) on committed pages. */
    private long committedIn(long from, long to) {
        long sum = 0;
        long[] c = heap.committed();
        for (int i = 0; i < c.length; i += 2) {
            long lo = Math.max(from, c[i]);
            long hi = Math.min(to, c[i + 1]);
            if (hi > lo) {
                sum += hi - lo;
            }
        }
        return sum;
    }

    private byte[] draw() {
        long[] areas = heap.areas();
        long[] first = new long[areas.length / 2];
        long total = layout(bytesPerPixel, first);
        int rows = (int) ((total + width - 1) / width);
        var image = new BufferedImage(width, rows, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < rows; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, rowPerArea ? 0xFFFFFF : SEPARATOR);
            }
        }
        int span = 0;
        long page = heap.pageSize();
        boolean markPages = page / bytesPerPixel >= 8;
        for (int a = 0; a < areas.length; a += 2) {
            long start = areas[a];
            long end = areas[a + 1];
            int pixels = (int) ((end - start + bytesPerPixel - 1) / bytesPerPixel);
            // bytes per pixel of: live (shade A), live (shade B), free committed, free uncommitted
            double[][] w = new double[4][pixels];
            while (span < heap.spanAddress().length && heap.spanAddress()[span] < end) {
                long s = Math.max(heap.spanAddress()[span], start);
                long e = Math.min(heap.spanAddress()[span] + heap.spanBytes()[span], end);
                int kind = heap.spanAllocated()[span] == 1 ? (span % 2) : -1;
                while (s < e) {
                    long pixelEnd = start + ((s - start) / bytesPerPixel + 1) * bytesPerPixel;
                    long pageEnd = (s / page + 1) * page;
                    long to = Math.min(e, Math.min(pixelEnd, pageEnd));
                    int p = (int) ((s - start) / bytesPerPixel);
                    int k = kind >= 0 ? kind : heap.committedAt(s) ? 2 : 3;
                    w[k][p] += to - s;
                    s = to;
                }
                span++;
            }
            for (int p = 0; p < pixels; p++) {
                long from = start + p * bytesPerPixel;
                double covered = w[0][p] + w[1][p] + w[2][p] + w[3][p];
                double own = Math.max(0, Math.min(bytesPerPixel, end - from) - covered);
                int rgb = mix(new double[] {w[0][p], w[1][p], w[2][p], w[3][p], own},
                        new int[] {LIVE_A, LIVE_B, FREE_COMMITTED, FREE_UNCOMMITTED, OWN}, covered + own);
                if (markPages && from % page == 0) {
                    rgb = lighter(rgb);
                }
                long at = first[a / 2] + p;
                image.setRGB((int) (at % width), (int) (at / width), rgb);
            }
        }
        var out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static int mix(double[] weights, int[] colours, double total) {
        if (total <= 0) {
            return 0xFFFFFF;
        }
        double r = 0;
        double g = 0;
        double b = 0;
        for (int i = 0; i < weights.length; i++) {
            double f = weights[i] / total;
            r += f * ((colours[i] >> 16) & 0xFF);
            g += f * ((colours[i] >> 8) & 0xFF);
            b += f * (colours[i] & 0xFF);
        }
        return ((int) Math.round(r) << 16) | ((int) Math.round(g) << 8) | (int) Math.round(b);
    }

    private static int lighter(int rgb) {
        int r = (rgb >> 16) & 0xFF;
        int g = (rgb >> 8) & 0xFF;
        int b = rgb & 0xFF;
        return ((r + (255 - r) / 2) << 16) | ((g + (255 - g) / 2) << 8) | (b + (255 - b) / 2);
    }

    /** The PNG. */
    byte[] png() {
        return png;
    }

    /** Bytes one pixel stands for. */
    long bytesPerPixel() {
        return bytesPerPixel;
    }

    /** Bytes one row stands for. */
    long bytesPerRow() {
        return bytesPerPixel * width;
    }

    /** Bytes of free spans on committed pages. */
    long freeCommittedBytes() {
        return freeCommittedBytes;
    }

    /** Bytes of live blocks as the strategy sizes them (usable, not requested). */
    long liveBlockBytes() {
        return liveBlockBytes;
    }

    /** Committed bytes in the areas. */
    long committedBytes() {
        return committedBytes;
    }

    /** The snapshot drawn. */
    HeapSnapshot heap() {
        return heap;
    }
}
