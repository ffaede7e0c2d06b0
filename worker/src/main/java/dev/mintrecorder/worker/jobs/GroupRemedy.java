package dev.mintrecorder.worker.jobs;

import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.GroupMaxSizeReachedException;

/** The setting that fixes a group member's failure, for its ERROR line: a full group, or access denied. */
final class GroupRemedy {
    private GroupRemedy() {
    }

    /**
     * @param group the consumer or share group
     * @param whenFull what to change when the group is full
     * @param topics the topics the member reads, for the ACL hint
     * @return the remedy, starting with a space, or "" when the failure is neither
     */
    static String of(Throwable e, String group, String whenFull, String topics) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof GroupMaxSizeReachedException) {
                return " The group " + group + " is full: " + whenFull;
            }
            if (t instanceof AuthorizationException || t instanceof AuthenticationException) {
                return " Check the KAFKA_SECURITY_* / KAFKA_SASL_* settings and the ACLs for the group " + group
                        + " and " + topics + ".";
            }
        }
        return "";
    }
}
