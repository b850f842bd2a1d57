package dev.semgrpo.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.pytorch.jni.LibUtils;
import ai.djl.training.GradientCollector;

/**
 * The PyTorch engine, named explicitly. With OnnxRuntime also on the classpath (the ONNX encoder path), DJL's
 * default engine is not guaranteed to be PyTorch, so semgrpo never asks for "the" default.
 */
public final class Torch {
    public static final String ENGINE = "PyTorch";

    /** Every element of an array, for {@link #copyInto}. */
    private static final NDIndex ALL = new NDIndex("...");

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

    /** A device as semgrpo's settings spell it: {@code cpu} or {@code gpu:N}. */
    public static String name(Device device) {
        return device.isGpu() ? "gpu:" + device.getDeviceId() : "cpu";
    }

    /**
     * A PyTorch manager on {@code device}.
     *
     * @throws IllegalStateException for a GPU that the loaded PyTorch cannot use, with the build and variables that
     *     give CUDA (instead of PyTorch's dispatcher dump at the first tensor)
     */
    public static NDManager manager(Device device) {
        requireAvailable(device);
        return NDManager.newBaseManager(device, ENGINE);
    }

    /**
     * Checks that the loaded PyTorch can run on {@code device}: always for the CPU; for {@code gpu:N} a CUDA build of
     * PyTorch that sees more than N devices.
     */
    public static void requireAvailable(Device device) {
        if (!device.isGpu()) {
            return;
        }
        Engine engine = engine();
        boolean cuda = JniUtils.getFeatures().contains("CUDA");
        if (!cuda) {
            throw new IllegalStateException("device " + name(device) + ": the loaded PyTorch is a CPU build (flavour "
                    + Doctor.flavor(LibUtils.getLibtorchPath()) + "), which has no CUDA. To run on a GPU, "
                    + Doctor.cudaFix() + " (README, section CUDA); 'semgrpo doctor' checks the set-up. Or run on the"
                    + " CPU: --device cpu (model.device: cpu in a config)");
        }
        int count = engine.getGpuCount();
        if (device.getDeviceId() >= count) {
            throw new IllegalStateException("device " + name(device) + ": PyTorch sees " + count + " CUDA device"
                    + (count == 1 ? "" : "s") + (count > 0 ? " (gpu:0 to gpu:" + (count - 1) + ")" : "")
                    + "; choose one of them, or check CUDA_VISIBLE_DEVICES and the NVIDIA driver ('semgrpo doctor'"
                    + " lists what PyTorch sees)");
        }
    }

    /** A PyTorch manager on the CPU. */
    public static NDManager manager() {
        return manager(Device.cpu());
    }

    /** Whether PyTorch is recording operations for a backward pass (inside a GradientCollector). */
    public static boolean recordingGradients() {
        return JniUtils.isGradMode();
    }

    /**
     * {@code a[..., start:end, ...]} along {@code axis} as one view op. DJL's indexer spells a slice of one axis as a
     * slice of every axis before it too (three ops for a KV cache's time axis); this is PyTorch's {@code narrow}.
     */
    public static NDArray slice(NDArray a, int axis, long start, long end) {
        return JniUtils.slice((ai.djl.pytorch.engine.PtNDArray) a, axis, start, end, 1);
    }

    /**
     * Copies {@code source} into {@code target} in place (same shape; converted to the target's dtype), also into a
     * parameter that requires gradients, which stays a leaf. DJL's {@code NDArray.set(Buffer)} and {@code copyTo}
     * enter PyTorch's deprecated {@code AutoNonVariableTypeMode}, which prints a deprecation warning on stderr; an
     * index assignment over the whole array does the same copy without it.
     */
    public static void copyInto(NDArray target, NDArray source) {
        if (!target.getShape().equals(source.getShape())) {
            throw new IllegalArgumentException("cannot copy an array of shape " + source.getShape() + " into one of "
                    + target.getShape());
        }
        if (source.getDataType() == target.getDataType()) {
            target.set(ALL, source);
        } else {
            try (NDArray converted = source.toType(target.getDataType(), true)) {
                target.set(ALL, converted);
            }
        }
    }

    /** A gradient collector of the PyTorch engine (one may be open per JVM). */
    public static GradientCollector gradients() {
        return engine().newGradientCollector();
    }
}
