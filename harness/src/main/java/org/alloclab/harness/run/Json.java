package org.alloclab.harness.run;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Array;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/**
 * Plain values (maps, lists, arrays, numbers, strings, booleans, records, null) to and from JSON with
 * Jackson's streaming parser and generator. A cell's JVM reads its plan and writes its result with these
 * rather than Jackson's object mapper, whose start-up (a few hundred milliseconds of reflection before the
 * first value) would otherwise be paid by every one of an experiment's cells.
 *
 * <p>Written: a map's keys as strings, in the map's order; a record as an object of its components; an enum
 * as its name; a float or double that is not finite as null; anything else as its {@code toString()}. Read:
 * objects as {@link LinkedHashMap}s, arrays as {@link ArrayList}s, whole numbers as {@code Integer} or
 * {@code Long} (as they fit), others as {@code Double}.
 */
public final class Json {

    private static final JsonFactory FACTORY = new JsonFactory();

    private Json() {
    }

    /** Writes {@code value} to {@code out} as indented JSON; {@code out} is left open. */
    public static void write(OutputStream out, Object value) throws IOException {
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.useDefaultPrettyPrinter();
            value(g, value);
        }
    }

    /** Reads one JSON value from {@code in}. */
    public static Object read(InputStream in) throws IOException {
        try (JsonParser p = FACTORY.createParser(in)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw new IOException("no JSON value: the input is empty");
            }
            return value(p, t);
        }
    }

    private static void value(JsonGenerator g, Object v) throws IOException {
        switch (v) {
            case null -> g.writeNull();
            case String s -> g.writeString(s);
            case Boolean b -> g.writeBoolean(b);
            case Integer i -> g.writeNumber(i);
            case Long l -> g.writeNumber(l);
            case Short s -> g.writeNumber(s);
            case Byte b -> g.writeNumber(b);
            case Double d -> {
                if (d.isNaN() || d.isInfinite()) {
                    g.writeNull();
                } else {
                    g.writeNumber(d);
                }
            }
            case Float f -> {
                if (f.isNaN() || f.isInfinite()) {
                    g.writeNull();
                } else {
                    g.writeNumber(f);
                }
            }
            case Number n -> g.writeNumber(n.toString());
            case Map<?, ?> m -> {
                g.writeStartObject();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    g.writeFieldName(String.valueOf(e.getKey()));
                    value(g, e.getValue());
                }
                g.writeEndObject();
            }
            case Iterable<?> list -> {
                g.writeStartArray();
                for (Object o : list) {
                    value(g, o);
                }
                g.writeEndArray();
            }
            case Enum<?> e -> g.writeString(e.name());
            case Record r -> {
                g.writeStartObject();
                for (RecordComponent c : r.getClass().getRecordComponents()) {
                    g.writeFieldName(c.getName());
                    try {
                        c.getAccessor().setAccessible(true);
                        value(g, c.getAccessor().invoke(r));
                    } catch (ReflectiveOperationException | RuntimeException e) {
                        throw new IOException("cannot read " + c.getName() + " of " + r.getClass().getSimpleName(), e);
                    }
                }
                g.writeEndObject();
            }
            default -> {
                if (v.getClass().isArray()) {
                    g.writeStartArray();
                    for (int i = 0, n = Array.getLength(v); i < n; i++) {
                        value(g, Array.get(v, i));
                    }
                    g.writeEndArray();
                } else {
                    g.writeString(v.toString());
                }
            }
        }
    }

    private static Object value(JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case START_OBJECT -> {
                var m = new LinkedHashMap<String, Object>();
                for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
                    String name = p.currentName();
                    m.put(name, value(p, p.nextToken()));
                }
                yield m;
            }
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                    list.add(value(p, e));
                }
                yield list;
            }
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> p.getNumberType() == JsonParser.NumberType.INT ? (Object) p.getIntValue()
                    : p.getNumberType() == JsonParser.NumberType.LONG ? (Object) p.getLongValue() : p.getBigIntegerValue();
            case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw new IOException("unexpected " + t + " at " + p.currentLocation());
        };
    }
}
