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
