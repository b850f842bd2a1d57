package dev.semgrpo.trainer.plan;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The memory a plan is checked against: the GPU's (read from the device, or given as {@code --gpu-memory 80GB}) and
 * the host's RAM (total physical memory).
 *
 * @param gpuBytes memory of one GPU, or 0 when there is none and none was given
 * @param gpuSource where the GPU figure came from
 * @param hostBytes total physical memory of the host
 * @param hostSource where the host figure came from
 */
public record MemoryBudget(long gpuBytes, String gpuSource, long hostBytes, String hostSource) {
    private static final Pattern SIZE = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)");

    /**
     * This machine's budget: {@code gpuOverride} when given, else the memory of the GPU {@code device} names (DJL's
     * CUDA query), else 0 (no GPU); the host's total physical memory.
     *
     * @param device a config's device ({@code cpu}, {@code gpu}, {@code gpu:N}), or null
     * @param gpuOverride e.g. {@code 80GB}, or null
     */
    public static MemoryBudget of(String device, String gpuOverride) {
        long host = hostMemory();
        String hostSource = "total physical memory of this machine";
        if (gpuOverride != null) {
            return new MemoryBudget(parse(gpuOverride, "--gpu-memory"), "--gpu-memory " + gpuOverride.trim(), host,
                    hostSource);
        }
        if (device != null && device.startsWith("gpu")) {
            int index;
            try {
                index = device.contains(":") ? Integer.parseInt(device.substring(device.indexOf(':') + 1)) : 0;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("device must be cpu, gpu or gpu:N, found '" + device + "'", e);
            }
            if (ai.djl.util.cuda.CudaUtils.hasCuda() && index < ai.djl.util.cuda.CudaUtils.getGpuCount()) {
                long total = ai.djl.util.cuda.CudaUtils.getGpuMemory(ai.djl.Device.gpu(index)).getMax();
                return new MemoryBudget(total, "memory of gpu:" + index + " as CUDA reports it", host, hostSource);
            }
            return new MemoryBudget(0, "no CUDA GPU " + index + " found on this machine; give --gpu-memory to plan"
                    + " for another one", host, hostSource);
        }
        return new MemoryBudget(0, "no GPU in use", host, hostSource);
    }

    /** Total physical memory of this machine. */
    public static long hostMemory() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return Runtime.getRuntime().maxMemory();
    }

    /**
     * Parses a size such as {@code 80GB} (GB = 10^9 bytes, as GPU makers count) or {@code 80GiB} (2^30); the unit is
     * required.
     *
     * @param what the option or key, for the error
     */
    public static long parse(String text, String what) {
        Matcher m = SIZE.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(what + " must be a size with a unit such as 80GB, 24GiB or 512MB (GB ="
                    + " 10^9 bytes, GiB = 2^30), found '" + text + "'");
        }
        double v = Double.parseDouble(m.group(1));
        long unit = switch (m.group(2)) {
            case "B" -> 1L;
            case "KB" -> 1_000L;
            case "MB" -> 1_000_000L;
            case "GB" -> 1_000_000_000L;
            case "TB" -> 1_000_000_000_000L;
            case "KiB" -> 1L << 10;
            case "MiB" -> 1L << 20;
            case "GiB" -> 1L << 30;
            default -> 1L << 40;
        };
        double bytes = v * unit;
        if (!(bytes >= 1) || bytes > 1e18) {
            throw new IllegalArgumentException(what + " must be between 1 B and 1000 PB, found '" + text + "'");
        }
        return Math.round(bytes);
    }

    /** {@code 16.09 GB}-style, decimal units. */
    public static String format(long bytes) {
        if (bytes >= 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.2f GB", bytes / 1e9);
        }
        if (bytes >= 1_000_000L) {
            return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
        }
        if (bytes >= 1_000L) {
            return String.format(Locale.ROOT, "%.1f KB", bytes / 1e3);
        }
        return bytes + " B";
    }
}
