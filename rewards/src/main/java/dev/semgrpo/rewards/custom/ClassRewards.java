package dev.semgrpo.rewards.custom;

import dev.semgrpo.rewards.RewardFunction;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reward functions named by class ({@code type: class}): a public class on the classpath that implements
 * {@link RewardFunction}, built with its public constructor taking a {@code java.util.Map} (the config's {@code
 * args}) or, without {@code args}, its public no-argument constructor (the Map constructor with an empty map when
 * there is none). Every error names the reward, the class and what is wrong, and says how to fix it.
 */
public final class ClassRewards {
    /** How a jar gets onto the classpath, for errors. */
    public static final String CLASSPATH_HINT = "put the jar that holds it (and the jars it needs) on the classpath:"
            + " scripts/semgrpo --cp /path/to/my-rewards.jar train grpo ... (or export SEMGRPO_CLASSPATH="
            + "/path/to/my-rewards.jar; with java itself: java -cp semgrpo.jar:my-rewards.jar dev.semgrpo.cli.Main"
            + " ...)";

    private ClassRewards() {
    }

    /**
     * Loads and builds the class.
     *
     * @param reward the reward's name in the config, for errors (null when it has none)
     * @param className a fully qualified class name
     * @param args the config's {@code args}, or null when it has none
     * @param loader where to look for the class
     * @throws IllegalArgumentException the class is not on the classpath, cannot be loaded, is not a concrete public
     *     RewardFunction, has no suitable constructor, its constructor threw, or its name() is blank
     */
    public static RewardFunction load(String reward, String className, Map<String, Object> args, ClassLoader loader) {
        String what = (reward == null ? "a reward of type class" : "reward '" + reward + "' (type: class)")
                + ": class '" + className + "'";
        Class<?> c;
        try {
            c = Class.forName(className, true, loader);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException(what + " is not on the classpath; check the name (package included) and "
                    + CLASSPATH_HINT, e);
        } catch (ExceptionInInitializerError e) {
            Throwable t = e.getCause() != null ? e.getCause() : e;
            throw new IllegalArgumentException(what + " was found, but its static initialization threw "
                    + describe(t), e);
        } catch (LinkageError e) {
            throw new IllegalArgumentException(what + " was found but could not be loaded: " + describe(e)
                    + (e instanceof NoClassDefFoundError ? "; a class it needs is missing: " + CLASSPATH_HINT
                            : e instanceof UnsupportedClassVersionError ? "; compile it for Java 17" : ""), e);
        }
        if (!RewardFunction.class.isAssignableFrom(c)) {
            throw new IllegalArgumentException(what + " does not implement " + RewardFunction.class.getName()
                    + " (it extends " + (c.getSuperclass() == null ? "nothing" : c.getSuperclass().getName())
                    + (c.getInterfaces().length == 0 ? "" : " and implements " + Arrays.stream(c.getInterfaces())
                            .map(Class::getName).collect(Collectors.joining(", "))) + "); implement its name() and"
                    + " score(List<RewardSample>) methods");
        }
        if (c.isInterface() || Modifier.isAbstract(c.getModifiers())) {
            throw new IllegalArgumentException(what + " is " + (c.isInterface() ? "an interface" : "abstract")
                    + "; name a concrete class");
        }
        if (!Modifier.isPublic(c.getModifiers()) || (c.isMemberClass() && !Modifier.isStatic(c.getModifiers()))) {
            throw new IllegalArgumentException(what + " must be public (and static, when nested in another class)");
        }
        Constructor<?> withMap = constructor(c, Map.class);
        Constructor<?> noArg = constructor(c);
        Object instance;
        String args0 = args == null ? "no args" : "args with keys " + args.keySet();
        try {
            if (args != null || noArg == null) {
                if (withMap == null) {
                    throw new IllegalArgumentException(what + (args != null
                            ? " has no public constructor taking a java.util.Map, which 'args' needs"
                            : " has neither a public no-argument constructor nor one taking a java.util.Map")
                            + " (its public constructors: " + signatures(c) + "); add one, e.g. public "
                            + c.getSimpleName() + "(java.util.Map<String, Object> args)"
                            + (args != null ? ", or remove 'args'" : ""));
                }
                Map<String, Object> a = Collections.unmodifiableMap(new LinkedHashMap<>(args == null ? Map.of()
                        : args));
                instance = withMap.newInstance(a);
            } else {
                instance = noArg.newInstance();
            }
        } catch (InvocationTargetException e) {
            Throwable t = e.getCause() != null ? e.getCause() : e;
            throw new IllegalArgumentException(what + ": its constructor threw " + describe(t) + " (called with "
                    + args0 + ")", t);
        } catch (InstantiationException | IllegalAccessException e) {
            throw new IllegalArgumentException(what + " could not be built: " + describe(e), e);
        }
        RewardFunction f = (RewardFunction) instance;
        String name;
        try {
            name = f.name();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(what + ": its name() threw " + describe(e), e);
        }
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException(what + ": its name() returned " + (name == null ? "null" : "'" + name
                    + "'") + "; return the name used in logs and metrics");
        }
        return f;
    }

    /** The public constructor with exactly these parameter types, or null. */
    private static Constructor<?> constructor(Class<?> c, Class<?>... params) {
        try {
            return c.getConstructor(params);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    private static String signatures(Class<?> c) {
        Constructor<?>[] all = c.getConstructors();
        if (all.length == 0) {
            return "none";
        }
        return Arrays.stream(all).map(k -> c.getSimpleName() + "(" + Arrays.stream(k.getParameterTypes())
                .map(Class::getSimpleName).collect(Collectors.joining(", ")) + ")").collect(Collectors.joining(", "));
    }

    private static String describe(Throwable t) {
        return t.getClass().getName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
