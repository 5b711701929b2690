package org.alloclab.harness.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;

import javax.imageio.ImageIO;

import org.alloclab.harness.run.HeapSnapshot;
import org.junit.jupiter.api.Test;

/** The heap map's colours say what the bytes are, and a heap of many scattered pages still fits the picture. */
class HeapMapImageTest {

    private static final long PAGE = 4096;

    @Test
    void liveFreeCommittedAndUncommittedBytesHaveTheirColours() throws IOException {
        long base = 0x1000_0000L;
        // one area of four pages: a live block on page 0, a free span over pages 1-3 of which only page 1 is committed
        var heap = new HeapSnapshot(10, PAGE, PAGE, new long[] {base, base + PAGE}, new long[] {PAGE, 3 * PAGE},
                new byte[] {1, 0}, new long[] {base, base + 4 * PAGE}, new long[] {base, base + 2 * PAGE});
        var map = new HeapMapImage(heap, 64);
        assertThat(map.bytesPerPixel()).isEqualTo(1);
        assertThat(map.freeCommittedBytes()).isEqualTo(PAGE);
        assertThat(map.liveBlockBytes()).isEqualTo(PAGE);
        assertThat(map.committedBytes()).isEqualTo(2 * PAGE);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(map.png()));
        int perRow = 64;
        assertThat(rgb(image, 1, perRow)).isEqualTo(HeapMapImage.LIVE_A);
        assertThat(rgb(image, PAGE + 1, perRow)).isEqualTo(HeapMapImage.FREE_COMMITTED);
        assertThat(rgb(image, 3 * PAGE + 1, perRow)).isEqualTo(HeapMapImage.FREE_UNCOMMITTED);
    }

    private static int rgb(BufferedImage image, long pixel, int width) {
        return image.getRGB((int) (pixel % width), (int) (pixel / width)) & 0xFFFFFF;
    }

    @Test
    void theStrategysOwnBytesAreThoseNoSpanCovers() throws IOException {
        long base = 0x2000_0000L;
        var heap = new HeapSnapshot(1, 16, PAGE, new long[] {base + 64}, new long[] {64}, new byte[] {1},
                new long[] {base, base + PAGE}, new long[] {base, base + PAGE});
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(new HeapMapImage(heap, 64).png()));
        assertThat(rgb(image, 1, 64)).isEqualTo(HeapMapImage.OWN);           // pixel 0 starts a page: drawn lighter
        assertThat(rgb(image, 65, 64)).isEqualTo(HeapMapImage.LIVE_A);
    }

    @Test
    void thousandsOfScatteredPageAreasStillMakeAPictureOfBoundedHeight() throws IOException {
        int areas = 20_000;
        long[] address = new long[areas];
        long[] bytes = new long[areas];
        byte[] allocated = new byte[areas];
        long[] area = new long[2 * areas];
        for (int i = 0; i < areas; i++) {
            long at = 0x3000_0000L + i * 1024 * PAGE;                 // far apart: each page is an area
            address[i] = at;
            bytes[i] = PAGE;
            allocated[i] = (byte) (i % 2);
            area[2 * i] = at;
            area[2 * i + 1] = at + PAGE;
        }
        var heap = new HeapSnapshot(1, 1, PAGE, address, bytes, allocated, area, area.clone());
        var map = new HeapMapImage(heap, 720);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(map.png()));
        assertThat(image.getHeight()).isLessThanOrEqualTo(700);
        assertThat(map.bytesPerPixel()).isGreaterThan(1);
    }
}
