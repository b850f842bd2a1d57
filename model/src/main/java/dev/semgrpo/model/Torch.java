package dev.semgrpo.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;

/**
 * The PyTorch engine, named explicitly. With OnnxRuntime also on the classpath (the ONNX encoder path), DJL's
 * default engine is not guaranteed to be PyTorch, so semgrpo never asks for "the" default.
 */
public final class Torch {
    public static final String ENGINE = "PyTorch";

    private Torch() {
    }

    public static Engine engine() {
        return Engine.getEngine(ENGINE);
    }

    /** Parses a device setting: {@code cpu}, {@code gpu} or {@code gpu:N}; errors name the setting. */
    public static Device device(String name, String setting) {
        String d = name == null ? "cpu" : name.trim().toLowerCase(java.util.Locale.ROOT);
        if (d.equals("cpu")) {
            return Device.cpu();
        }
        if (d.equals("gpu")) {
            return Device.gpu();
        }
        if (d.matches("gpu:[0-9]+")) {
            return Device.gpu(Integer.parseInt(d.substring(4)));
        }
        throw new IllegalArgumentException(setting + " must be cpu, gpu or gpu:N, found '" + name + "'");
    }

    /** A PyTorch manager on {@code device}. */
    public static NDManager manager(Device device) {
        return NDManager.newBaseManager(device, ENGINE);
    }

    /** A PyTorch manager on the CPU. */
    public static NDManager manager() {
        return manager(Device.cpu());
    }

    /** A gradient collector of the PyTorch engine (one may be open per JVM). */
    public static GradientCollector gradients() {
        return engine().newGradientCollector();
    }
}
