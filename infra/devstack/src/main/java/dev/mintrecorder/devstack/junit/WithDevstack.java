package dev.mintrecorder.devstack.junit;

import dev.mintrecorder.devstack.Devstack;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs a devstack for the annotated test class: started before its first test (before its {@code @BeforeAll}
 * methods), closed after its last (after its {@code @AfterAll} methods). Declare a {@link Devstack} parameter on a
 * constructor, a lifecycle method or a test to get it. Kafka runs with the short share-group timings of
 * {@link dev.mintrecorder.devstack.DevstackOptions#forTests()}.
 *
 * <pre>{@code
 * @WithDevstack(Devstack.Component.KAFKA)
 * class SomethingIT {
 *     @Test
 *     void works(Devstack stack) { ... stack.kafkaBootstrap() ... }
 * }
 * }</pre>
 *
 * @see DevstackExtension
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(DevstackExtension.class)
public @interface WithDevstack {
    /** The components to run; all of them when empty. */
    Devstack.Component[] value() default {};

    /**
     * Takes one record through a share group before the tests start, so that the first test does not wait out a
     * fresh broker's slow first share-group assignment.
     */
    boolean warmUpShareGroup() default false;
}
