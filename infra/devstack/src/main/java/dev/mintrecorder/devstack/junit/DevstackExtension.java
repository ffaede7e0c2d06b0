package dev.mintrecorder.devstack.junit;

import dev.mintrecorder.devstack.Devstack;
import dev.mintrecorder.devstack.DevstackOptions;
import dev.mintrecorder.devstack.kafka.ShareGroupWarmUp;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

import java.util.EnumSet;
import java.util.List;

/**
 * The devstack lifecycle of an integration-test class, registered by {@link WithDevstack}: one devstack per test
 * class, in the class's {@link ExtensionContext.Store}, started before the class's tests and closed after them, and
 * handed to any {@link Devstack} parameter.
 *
 * <p>Test kits that are extensions themselves (the worker tests' {@code JobTestKit}, {@code PipelineStack}) call
 * {@link #devstack(ExtensionContext, DevstackOptions, boolean)} from their own {@code beforeAll} and need no
 * annotation; the devstack is then closed with the class's store, after every {@code afterAll}.
 *
 * <p>One per class, not one per JVM: the test classes restart the broker, read topics from their beginning and count
 * metrics, so a devstack shared between classes would let one class see another's traffic.
 */
public final class DevstackExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(DevstackExtension.class);

    /** The running devstack and what it was started with; the store closes it with the class. */
    private record Running(Devstack stack, DevstackOptions options, boolean warmedUp) implements AutoCloseable {
        @Override
        public void close() {
            stack.close();
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        devstack(context);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        Running running = context.getStore(NAMESPACE).remove(Running.class, Running.class);
        if (running != null) {
            running.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Devstack.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return devstack(context);
    }

    /** The test class's devstack: the running one, or one started as the class's {@link WithDevstack} asks. */
    public static Devstack devstack(ExtensionContext context) {
        Running running = classContext(context).getStore(NAMESPACE).get(Running.class, Running.class);
        if (running != null) {
            return running.stack();
        }
        Class<?> testClass = classContext(context).getRequiredTestClass();
        WithDevstack spec = AnnotationSupport.findAnnotation(testClass, WithDevstack.class).orElseThrow(() ->
                new ExtensionConfigurationException(testClass.getName() + " needs @WithDevstack"));
        DevstackOptions options = DevstackOptions.forTests();
        if (spec.value().length > 0) {
            options = new DevstackOptions(EnumSet.copyOf(List.of(spec.value())), options.kafka(), options.s3(),
                    options.rooms());
        }
        return devstack(context, options, spec.warmUpShareGroup());
    }

    /**
     * The test class's devstack: started with {@code options} on the first call for the class, the same one after.
     * A later call for other components or another warm-up is a configuration error, not a second devstack.
     */
    public static Devstack devstack(ExtensionContext context, DevstackOptions options, boolean warmUpShareGroup) {
        ExtensionContext.Store store = classContext(context).getStore(NAMESPACE);
        Running running = store.getOrComputeIfAbsent(Running.class, k -> start(options, warmUpShareGroup),
                Running.class);
        if (!running.options().components().equals(options.components())
                || running.warmedUp() != warmUpShareGroup) {
            throw new ExtensionConfigurationException("the devstack of " + context.getRequiredTestClass().getName()
                    + " runs " + running.options().components() + " (share-group warm-up " + running.warmedUp()
                    + "), not " + options.components() + " (" + warmUpShareGroup + ")");
        }
        return running.stack();
    }

    private static Running start(DevstackOptions options, boolean warmUpShareGroup) {
        Devstack stack = Devstack.start(options);
        try {
            if (warmUpShareGroup) {
                ShareGroupWarmUp.run(stack.kafkaBootstrap());
            }
            return new Running(stack, options, warmUpShareGroup);
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
    }

    /** The context of the test class itself: a test method's store would close with the method. */
    private static ExtensionContext classContext(ExtensionContext context) {
        ExtensionContext c = context;
        while (c.getTestMethod().isPresent() && c.getParent().isPresent()) {
            c = c.getParent().get();
        }
        return c;
    }
}
