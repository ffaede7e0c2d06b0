package dev.mintrecorder.worker.pipeline;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HandoverBudgetTest {
    @Test
    void uploadsGetTheDrainBudgetLessTheMarginAndAtLeastASecond() {
        assertEquals(Duration.ofSeconds(20), PipelineSessionFactory.handoverBudget(Duration.ofSeconds(25)));
        assertEquals(Duration.ofSeconds(1), PipelineSessionFactory.handoverBudget(Duration.ofSeconds(5)));
        assertEquals(Duration.ofSeconds(1), PipelineSessionFactory.handoverBudget(Duration.ofSeconds(2)));
    }
}
