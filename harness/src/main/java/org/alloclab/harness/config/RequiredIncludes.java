package org.alloclab.harness.config;

import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigIncluderClasspath;
import com.typesafe.config.ConfigIncluderFile;
import com.typesafe.config.ConfigIncluderURL;
import com.typesafe.config.ConfigObject;

/**
 * Makes every {@code include} of a configuration required. HOCON treats {@code include "x.conf"} as optional
 * unless it is written {@code include required("x.conf")}: a misspelt or moved file is skipped without a
 * word, and the experiment runs on the defaults it was meant to override — a wrong figure nobody asked
 * for. Here a missing include is refused with the file and line of the {@code include} and the path that
 * was looked for.
 *
 * <p>The includer is told what to include, never from where; it keeps a stack of the files being read (the
 * configuration itself at the bottom) so that it can name the file the {@code include} is in, and finds its
 * line by reading that file for the statement. One instance serves one parse.
 */
final class RequiredIncludes implements ConfigIncluder, ConfigIncluderFile, ConfigIncluderURL, ConfigIncluderClasspath {

    /** The extensions HOCON tries, in its order, for an include without one ({@code include "base"}). */
    private static final List<String> EXTENSIONS = List.of(".conf", ".json", ".properties");

    /** A text being parsed: how to name it, what it says (to find an include's line), where its includes are. */
    record Source(String name, String text, Path directory) {
    }

    private final Deque<Source> reading;
    private final ConfigIncluder fallback;

    private RequiredIncludes(Deque<Source> reading, ConfigIncluder fallback) {
        this.reading = reading;
        this.fallback = fallback;
    }

    /** An includer for the parse of {@code top}; HOCON's own includer becomes its fallback. */
    static RequiredIncludes reading(Source top) {
        var stack = new ArrayDeque<Source>();
        stack.push(top);
        return new RequiredIncludes(stack, null);
    }

    @Override
    public ConfigIncluder withFallback(ConfigIncluder next) {
        return fallback == next ? this : new RequiredIncludes(reading, next);
    }

    /** {@code include "name"}: a file beside the including one (HOCON tries the class path after it). */
    @Override
    public ConfigObject include(ConfigIncludeContext context, String what) {
        Path dir = reading.peek().directory();
        Path named = dir == null ? null : dir.resolve(what).normalize();
        List<Path> candidates = named == null ? List.of() : hasExtension(what) ? List.of(named)
                : EXTENSIONS.stream().map(e -> named.resolveSibling(named.getFileName() + e)).toList();
        Path found = candidates.stream().filter(Files::exists).findFirst().orElse(null);
        return including('"' + what + '"', what, found, candidates,
                () -> fallback.include(strict(context), what));
    }

    /** {@code include file("path")}: relative to the working directory, as HOCON reads it. */
    @Override
    public ConfigObject includeFile(ConfigIncludeContext context, File what) {
        Path path = what.toPath().toAbsolutePath().normalize();
        return including("file(\"" + what + "\")", what.toString(), Files.exists(path) ? path : null, List.of(path),
                () -> ((ConfigIncluderFile) fallback).includeFile(strict(context), what));
    }

    @Override
    public ConfigObject includeURL(ConfigIncludeContext context, URL what) {
        return including("url(\"" + what + "\")", what.toString(), null, List.of(),
                () -> ((ConfigIncluderURL) fallback).includeURL(strict(context), what));
    }

    @Override
    public ConfigObject includeResources(ConfigIncludeContext context, String what) {
        return including("classpath(\"" + what + "\")", what, null, List.of(),
                () -> ((ConfigIncluderClasspath) fallback).includeResources(strict(context), what));
    }

    /**
     * Reads an include through HOCON's own includer, with a missing file an error, and {@code found} (when
     * it is a file) on the stack while its own includes are read.
     */
    private ConfigObject including(String statement, String what, Path found, List<Path> lookedFor,
                                   Supplier<ConfigObject> read) {
        Source from = reading.peek();
        if (found != null) {
            String text;
            try {
                text = Files.readString(found);
            } catch (IOException | RuntimeException e) {
                text = "";                                  // HOCON says below why it cannot read it
            }
            reading.push(new Source(found.toString(), text, found.getParent()));
        }
        try {
            return read.get();
        } catch (ConfigException.IO e) {
            String where = from.name() + lineOf(from.text(), what) + ": include " + statement;
            if (found != null) {
                throw new ConfigurationException(where + " cannot be read: " + e.getMessage(), e);
            }
            throw new ConfigurationException(where + " names a file that does not exist"
                    + (lookedFor.isEmpty() ? "" : " (looked for " + String.join(", ",
                    lookedFor.stream().map(Path::toString).toList()) + ")")
                    + "; alloclab refuses a missing include instead of running without it", e);
        } finally {
            if (found != null) {
                reading.pop();
            }
        }
    }

    private static ConfigIncludeContext strict(ConfigIncludeContext context) {
        return context.setParseOptions(context.parseOptions().setAllowMissing(false));
    }

    private static boolean hasExtension(String name) {
        String last = Path.of(name).getFileName().toString();
        return last.lastIndexOf('.') > 0;
    }

    /** ":N" for the first line of {@code text} that includes {@code what}, or "" when none is found. */
    private static String lineOf(String text, String what) {
        Pattern statement = Pattern.compile("\\binclude\\b.*\"" + Pattern.quote(what) + "\"");
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (statement.matcher(lines[i]).find()) {
                return ":" + (i + 1);
            }
        }
        return "";
    }
}
