package dev.mintrecorder.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mintrecorder.devstack.Proc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportTest {
    @TempDir
    Path dir;

    @Test
    void writesJsonMarkdownAndThePlotWithGoalsJudged() throws Exception {
        Report report = new Report("demo", "A scenario.")
                .figure("rss_peak_mb", 123.45678)
                .goal(new Report.Goal("rooms per 2 cores", false, 8, 6, "rooms"))
                .goal(new Report.Goal("RSS per room", true, 64, 48, "MB"))
                .note("a note")
                .rssSeries("bounded", List.of(new double[] {0, 200}, new double[] {1, 210}, new double[] {2, 210}))
                .table(List.of("rooms", "cores"), List.of(List.of("1", "0.3")));

        Path md = report.write(dir);

        JsonNode json = new ObjectMapper().readTree(dir.resolve("demo.json").toFile());
        assertEquals("demo", json.get("scenario").asText());
        assertEquals(123.457, json.get("figures").get("rss_peak_mb").asDouble(), 1e-9);
        assertFalse(json.get("goals").get(0).get("pass").asBoolean());
        assertEquals(0.75, json.get("goals").get(0).get("ratio_measured_to_target").asDouble(), 1e-9);
        assertTrue(json.get("goals").get(1).get("pass").asBoolean());
        assertEquals(3, json.get("machine").get("load_average_start_1_5_15").size());
        assertEquals(3, json.get("rss_mb_over_time_s").get("bounded").size());

        String text = Files.readString(md);
        assertTrue(text.contains("| rooms per 2 cores | ≥ 8 rooms | 6 rooms | 0.750 | **miss** |"), text);
        assertTrue(text.contains("| RSS per room | ≤ 64 MB | 48 MB | 0.750 | **pass** |"), text);
        assertTrue(text.contains("![RSS over time](demo-rss.svg)"), text);
        assertTrue(text.contains("load average"), text);

        String svg = Files.readString(dir.resolve("demo-rss.svg"));
        assertTrue(svg.startsWith("<svg"), svg);
        assertTrue(svg.contains("<polyline"), svg);
        assertTrue(svg.contains(">bounded</text>"), svg);
    }

    @Test
    void theSummaryListsEveryGoalOfEveryReport() throws Exception {
        new Report("latency", "x").goal(new Report.Goal("enqueue → JOINED, p95", true, 1.5, 0.9, "s")).write(dir);
        new Report("stall", "y").goal(new Report.Goal("growth", true, 1, 3, "MB/min")).write(dir);
        new Report("failover", "z").headline("gap", 3.5, "s").write(dir);

        String text = Files.readString(Summary.write(dir));

        int stall = text.indexOf("| [stall](stall.md) | growth | <= 1 MB/min | 3 MB/min | 3 | **miss** |");
        int latency = text.indexOf("| [latency](latency.md) | enqueue → JOINED, p95 | <= 1.50 s | 0.900 s | 0.600 | pass |");
        int failover = text.indexOf("| [failover](failover.md) | gap | — | 3.50 s | — | — |");
        assertTrue(stall > 0 && latency > stall && failover > latency, text);
    }

    @Test
    void aZeroTargetHasNoRatio() {
        assertNull(new Report.Goal("growth", true, 0, 0.5, "MB/min").ratio());
    }

    @Test
    void theilSenSlopeIgnoresASingleSpike() {
        List<Sampler.Sample> samples = new java.util.ArrayList<>();
        for (int i = 0; i <= 60; i++) {
            samples.add(new Sampler.Sample(i, (long) ((200 + (i == 30 ? 50 : 0)) * 1e6), 0));
        }
        assertEquals(0, Sampler.growthMbPerMinute(samples), 1e-9);
        samples.clear();
        for (int i = 0; i <= 60; i++) {
            samples.add(new Sampler.Sample(i, (long) ((200 + i) * 1e6), 0));
        }
        assertEquals(60, Sampler.growthMbPerMinute(samples), 1e-6);
    }

    @Test
    void procParsesStatLinesWithSpacesInTheName() {
        String stat = "1234 (x264 thr 1) S 1 1 1 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 100 0 0";
        assertEquals(3.0, Proc.cpuOfStat(stat), 1e-9);
        assertEquals("x# thr #", Proc.threadGroup("x264 thr 12"));
        assertEquals("encoder-*", Proc.threadGroup("encoder-3baf4e"));
        assertEquals("ForkJoinPool-*", Proc.threadGroup("ForkJoinPool-1-worker-3"));
        assertEquals("DecodingQueue", Proc.threadGroup("DecodingQueue"));
    }

    @Test
    void plotTicksAreRound() {
        assertEquals(500, SvgPlot.niceStep(3000), 1e-9);
        assertEquals(20, SvgPlot.niceStep(100), 1e-9);
    }
}
