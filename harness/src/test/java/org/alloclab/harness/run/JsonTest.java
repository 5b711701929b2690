package org.alloclab.harness.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.alloclab.api.VirtualMemoryStats;
import org.junit.jupiter.api.Test;

/** The streaming JSON a cell's JVM writes is what Jackson's mapper reads, and the other way round. */
class JsonTest {

    @Test
    void plainValuesRecordsAndArraysRoundTrip() throws Exception {
        var value = new LinkedHashMap<String, Object>();
        value.put("text", "a \"quoted\" line\nand more");
        value.put("int", 7);
        value.put("long", 1L << 40);
        value.put("double", 1.5);
        value.put("nan", Double.NaN);
        value.put("flag", true);
        value.put("none", null);
        value.put("longs", new long[] {1, 2, 3});
        value.put("list", List.of("x", 2));
        value.put("record", new VirtualMemoryStats(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
        var out = new ByteArrayOutputStream();
        Json.write(out, value);
        @SuppressWarnings("unchecked")
        Map<String, Object> mapped = new ObjectMapper().readValue(out.toByteArray(), Map.class);
        assertThat(mapped).containsEntry("text", "a \"quoted\" line\nand more").containsEntry("int", 7)
                .containsEntry("long", 1L << 40).containsEntry("double", 1.5).containsEntry("nan", null)
                .containsEntry("flag", true).containsEntry("none", null).containsEntry("longs", List.of(1, 2, 3))
                .containsEntry("list", List.of("x", 2));
        var mapper = new ObjectMapper();
        assertThat(mapped.get("record")).as("a record as Jackson's mapper writes it").isEqualTo(mapper.readValue(
                mapper.writeValueAsString(new VirtualMemoryStats(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)), Map.class));
        Object read = Json.read(new ByteArrayInputStream(out.toByteArray()));
        assertThat(read).isEqualTo(mapped);
    }
}
