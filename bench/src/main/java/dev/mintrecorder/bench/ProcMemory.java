package dev.mintrecorder.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a JVM's resident bytes go: {@code /proc/<pid>/smaps_rollup} and {@code smaps} (resident kB per mapping,
 * grouped by owner), and the JVM's own Native Memory Tracking summary through {@code jcmd} (the child must run with
 * {@code -XX:NativeMemoryTracking=summary}).
 */
final class ProcMemory {
    private static final Pattern NMT = Pattern.compile("^-\\s+(.+?) \\(reserved=(\\d+)KB, committed=(\\d+)KB[,)]");
    private static final Pattern MAPPING = Pattern.compile("[0-9a-f]+-[0-9a-f]+ ");
    private static final Pattern HEAP = Pattern.compile("total (\\d+)K, used (\\d+)K");

    private ProcMemory() {
    }

    /** smaps_rollup's fields in kB (Rss, Pss, Anonymous, Private_Dirty, ...). */
    static Map<String, Long> rollupKb(long pid) throws IOException {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps_rollup"))) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 3 && f[2].equals("kB")) {
                out.put(f[0].replace(":", ""), Long.parseLong(f[1]));
            }
        }
        return out;
    }

    /** Resident kB per owner of the mappings ({@link #owner}), largest first. */
    static Map<String, Long> rssByOwnerKb(long pid) throws IOException {
        Map<String, Long> out = new TreeMap<>();
        String owner = null;
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps"))) {
            if (MAPPING.matcher(line).lookingAt()) {
                String[] f = line.trim().split("\\s+", 6);
                owner = owner(f.length == 6 ? f[5] : "");
            } else if (line.startsWith("Rss:") && owner != null) {
                out.merge(owner, Long.parseLong(line.replaceAll("\\D", "")), Long::sum);
            }
        }
        return sortDescending(out);
    }

    /** A mapping's owner: the library family of a file, or anonymous memory (heap, malloc arenas, stacks). */
    static String owner(String path) {
        if (path.isEmpty() || path.startsWith("[anon") || path.equals("[heap]") || path.equals("[stack]")) {
            return "anonymous (Java heap, metaspace, code, malloc, stacks)";
        }
        String name = path.substring(path.lastIndexOf('/') + 1);
        if (name.startsWith("libjvm")) {
            return "libjvm.so (text and data)";
        }
        if (name.endsWith(".jsa")) {
            return "CDS archive (classes.jsa)";
        }
        if (name.contains("webrtc")) {
            return "libwebrtc-java (text and data)";
        }
        if (name.matches("lib(av|sw|postproc|x264|x265|jniav|jnisw|jnipostproc|openh264|vpx|mp3lame|opus).*")
                || name.contains("javacpp") || name.contains("ffmpeg")) {
            return "FFmpeg and JavaCPP (text and data)";
        }
        if (name.endsWith(".jar") || name.equals("modules")) {
            return "jars and the JDK's modules image";
        }
        if (path.startsWith("[")) {
            return "kernel (" + path + ")";
        }
        return "other libraries (" + (name.startsWith("lib") ? "libc, libstdc++, JDK .so" : "files") + ")";
    }

    /** The Native Memory Tracking summary: committed kB per category, plus "Total". */
    static Map<String, Long> nmtCommittedKb(long pid) throws IOException, InterruptedException {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String line : jcmd(pid, "VM.native_memory", "summary")) {
            String t = line.trim();
            if (t.startsWith("Total: reserved=")) {
                Matcher m = Pattern.compile("committed=(\\d+)KB").matcher(t);
                if (m.find()) {
                    out.put("Total", Long.parseLong(m.group(1)));
                }
            }
            Matcher m = NMT.matcher(t);
            if (m.find()) {
                out.put(m.group(1), Long.parseLong(m.group(3)));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("no Native Memory Tracking summary from pid " + pid);
        }
        return out;
    }

    /** The Java heap in use (all generations), kB, from GC.heap_info. */
    static long heapUsedKb(long pid) throws IOException, InterruptedException {
        long used = 0;
        for (String line : jcmd(pid, "GC.heap_info")) {
            Matcher m = HEAP.matcher(line);
            if (m.find()) {
                used += Long.parseLong(m.group(2));
            }
        }
        return used;
    }

    /** The {@code top} classes by live heap bytes (GC.class_histogram, which collects first): name → bytes. */
    static Map<String, Long> heapTopClasses(long pid, int top) throws IOException, InterruptedException {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String line : jcmd(pid, "GC.class_histogram")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[0].endsWith(":") && out.size() < top) {
                out.put(f[3], Long.parseLong(f[2]));
            }
        }
        return out;
    }

    private static List<String> jcmd(long pid, String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid)));
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> lines = new String(p.getInputStream().readAllBytes()).lines().toList();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("jcmd " + String.join(" ", command) + " failed: " + lines);
        }
        return lines;
    }

    private static Map<String, Long> sortDescending(Map<String, Long> m) {
        Map<String, Long> out = new LinkedHashMap<>();
        m.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }
}
