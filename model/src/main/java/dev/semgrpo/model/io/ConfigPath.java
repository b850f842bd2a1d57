package dev.semgrpo.model.io;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a config record component that holds a path relative to the config file's folder. {@link
 * YamlConfig#resolvePaths} makes every such value absolute, so that a config written back (a run's
 * {@code config.resolved.yaml}) means the same from anywhere, without the loader knowing any config's schema.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER})
public @interface ConfigPath {
    /**
     * For a component that holds either a path or an inline config (a training config's {@code rewards}): the
     * record type of the inline form, whose own paths are resolved in turn. {@code Void} (the default): a path only.
     */
    Class<?> inline() default Void.class;
}
