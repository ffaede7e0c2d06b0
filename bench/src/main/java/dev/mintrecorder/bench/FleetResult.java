package dev.mintrecorder.bench;

import java.util.List;
import java.util.Map;

/**
 * What one fleet run measured.
 *
 * @param plan what was run
 * @param engines engines started (the victim included)
 * @param enginesReady engines ready when the jobs were enqueued
 * @param notReady why the others were not, with how many said so
 * @param notReadyAtWindow the same at the end of the steady window
 * @param jobsEnqueued START jobs produced
 * @param jobsStarted jobs that started (ACCEPTED, or RESUMED where the first delivery was lost)
 * @param startedAsResumed jobs whose first start was a RESUMED: their first delivery started nothing, and the record
 *                         came back after its acquisition lock ran out
 * @param acquisitionS per started job: requested_at → its first ACCEPTED or RESUMED {@code at}, seconds
 * @param activeAtWindow recordings running at the end of the steady window (sum of the engines' active rooms)
 * @param shareMembers members of the share group at the steady window
 * @param membersPerWorkerMax the most members any one worker had
 * @param jobsLag records of the jobs topic not acknowledged by the share group at the steady window
 * @param groups every group on the broker
 * @param window per-worker client figures over the steady window
 * @param windowS the steady window's length, seconds
 * @param brokerCores the broker JVM's CPU over the window, cores
 * @param fleetCores the fleet JVMs' CPU over the window (all of them), cores
 * @param failover the kill of the victim, or null without one
 * @param events status events read, by type
 * @param notes anything the run wants said (deadlines passed, failures)
 */
record FleetResult(FleetPlan plan, int engines, int enginesReady, Map<String, Integer> notReady,
                   Map<String, Integer> notReadyAtWindow, int jobsEnqueued,
                   long jobsStarted, long startedAsResumed, List<Double> acquisitionS, int activeAtWindow, int shareMembers,
                   int membersPerWorkerMax, long jobsLag, List<String> groups, FleetWindow window, double windowS,
                   double brokerCores, double fleetCores, Failover failover, Map<String, Long> events,
                   List<String> notes) {

    /**
     * The victim's kill.
     *
     * @param held recordings the victim held when killed
     * @param resumedS per victim job that was RESUMED elsewhere: SIGKILL → RESUMED {@code at}, seconds
     */
    record Failover(String victim, int held, List<Double> resumedS, double deadlineS) {
    }

    long jobsNeverStarted() {
        return jobsEnqueued - jobsStarted;
    }
}
