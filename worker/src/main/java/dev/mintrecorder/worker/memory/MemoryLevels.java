package dev.mintrecorder.worker.memory;

import dev.mintrecorder.contracts.MemoryAlarm.Level;

/**
 * The governor's level logic, pure: which level a used share of the budget means, given the level held now.
 *
 * <p>Rising is immediate: the level is the highest whose threshold the share reaches. Falling has hysteresis: a level
 * is left only once the share is below its threshold minus {@code hysteresis}, and then the new level is the highest
 * one whose lowered threshold the share still reaches. So a share hovering at a threshold cannot flap the actions
 * (pausing intake, lowering layers) on and off each second.
 */
public final class MemoryLevels {

    /** Thresholds as fractions of the budget, strictly rising, and the hysteresis band below each. */
    public record Thresholds(double warn, double critical, double emergency, double hysteresis) {
        public Thresholds {
            if (!(0 < warn && warn < critical && critical < emergency)) {
                throw new IllegalArgumentException("thresholds must rise: " + warn + " < " + critical + " < " + emergency);
            }
            if (hysteresis < 0 || hysteresis >= warn) {
                throw new IllegalArgumentException("hysteresis must be in [0, warn): " + hysteresis);
            }
        }

        public static Thresholds defaults() {
            return new Thresholds(0.70, 0.85, 0.95, 0.05);
        }

        /** The share at which {@code level} is entered; OK's is 0. */
        public double enter(Level level) {
            return switch (level) {
                case OK -> 0;
                case WARN -> warn;
                case CRITICAL -> critical;
                case EMERGENCY -> emergency;
            };
        }

        /** The share below which {@code level} is left. */
        public double leave(Level level) {
            return level == Level.OK ? 0 : enter(level) - hysteresis;
        }
    }

    private final Thresholds thresholds;

    public MemoryLevels(Thresholds thresholds) {
        this.thresholds = thresholds;
    }

    public Thresholds thresholds() {
        return thresholds;
    }

    /** The level for {@code share} (used / budget) when {@code current} is held now. */
    public Level next(Level current, double share) {
        Level rising = highest(share, false);
        if (rising.compareTo(current) > 0) {
            return rising;
        }
        if (share >= thresholds.leave(current)) {
            return current;
        }
        return highest(share, true);
    }

    private Level highest(double share, boolean falling) {
        Level[] levels = Level.values();
        for (int i = levels.length - 1; i > 0; i--) {
            double bound = falling ? thresholds.leave(levels[i]) : thresholds.enter(levels[i]);
            if (share >= bound) {
                return levels[i];
            }
        }
        return Level.OK;
    }
}
