package dev.semgrpo.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.pytorch.jni.LibUtils;
import ai.djl.util.Utils;
import ai.djl.util.cuda.CudaUtils;
import dev.semgrpo.model.config.Architecture;
import dev.semgrpo.model.config.ModelConfig;
import dev.semgrpo.model.io.Plural;
import dev.semgrpo.model.nn.CausalLM;
import java.lang.management.MemoryUsage;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code semgrpo doctor} checks: the Java, DJL and PyTorch versions, the native flavour DJL actually loaded,
 * CUDA devices, thread counts, the offline and TF32 switches, and a short self-test on each requested device (a
 * matmul against a Java oracle and a tiny model's forward in FP32 and FP16 against the CPU in FP32, each checked for
 * non-finite values). Nothing here throws for a broken set-up: each problem becomes a failed {@link Check} that
 * names the environment variable or file to fix.
 */
public final class Doctor {
    /** The PyTorch version this build's JNI is made for, and the only CUDA flavour DJL builds for it. */
    public static final String PYTORCH_VERSION = "2.7.1";
    public static final String CUDA_FLAVOR = "cu128";

    private static final Pattern CACHE_DIR = Pattern.compile("(\\d+\\.\\d+\\.\\d+)(-\\d{8})?-(.+)-(linux|osx|win)-.+");

    private Doctor() {
    }

    /** One self-test or set-up check; {@code fix} says what to change when it failed (null when ok). */
    public record Check(String name, boolean ok, String detail, String fix) {
        static Check pass(String name, String detail) {
            return new Check(name, true, detail, null);
        }

        static Check fail(String name, String detail, String fix) {
            return new Check(name, false, detail, fix);
        }
    }

    /** A CUDA device as the driver reports it; memory in bytes, -1 when unknown. */
    public record Gpu(int index, String computeCapability, long usedBytes, long totalBytes) {
    }

    /**
     * The findings. Engine fields are null when PyTorch failed to load (then {@code checks} says why).
     *
     * @param flavor native flavour loaded: {@code cpu}, {@code cu128}, ...
     * @param features what the loaded libtorch was built with (CUDA, MKL, ...)
     * @param intraOpThreads PyTorch's intra-op threads ({@code -Dai.djl.pytorch.num_threads}), -1 if not loaded
     * @param interOpThreads PyTorch's inter-op threads ({@code -Dai.djl.pytorch.num_interop_threads}), -1 if not
     * @param env the variables DJL reads to find PyTorch as they are set (PYTORCH_FLAVOR, PYTORCH_VERSION,
     *     PYTORCH_LIBRARY_PATH)
     * @param tf32 whether {@code TORCH_ALLOW_TF32_CUBLAS_OVERRIDE=1} was set when the JVM started
     */
    public record Report(String java, String djl, String pytorch, String flavor, String libtorch, Set<String> features,
            String cacheDir, String env, List<Gpu> gpus, int intraOpThreads, int interOpThreads, int processors,
            boolean offline, boolean tf32, List<Check> checks) {
        public boolean ok() {
            return checks.stream().allMatch(Check::ok);
        }

        /** The report as the command prints it. */
        public List<String> lines() {
            List<String> out = new ArrayList<>();
            out.add("java      " + java + ", " + processors + " processors");
            out.add("djl       " + djl);
            if (pytorch != null) {
                out.add("pytorch   " + pytorch + ", flavour " + flavor + " from " + libtorch);
                out.add("          built with " + String.join(", ", features));
            } else {
                out.add("pytorch   not loaded (see below)");
            }
            out.add("cache     " + cacheDir + " (DJL_CACHE_DIR)");
            out.add("env       " + env);
            if (gpus.isEmpty()) {
                out.add("cuda      no CUDA device visible");
            }
            for (Gpu g : gpus) {
                out.add(String.format(Locale.ROOT, "cuda      gpu:%d compute capability %s, %s used of %s", g.index(),
                        g.computeCapability(), gib(g.usedBytes()), gib(g.totalBytes())));
            }
            out.add(intraOpThreads < 0 ? "threads   PyTorch not loaded"
                    : "threads   intra-op " + intraOpThreads + ", inter-op " + interOpThreads
                            + " (-Dai.djl.pytorch.num_threads, -Dai.djl.pytorch.num_interop_threads)");
            out.add("offline   " + offline + " (ai.djl.offline; the launcher sets it from SEMGRPO_OFFLINE, default"
                    + " true)");
            out.add("tf32      " + (tf32 ? "on (TORCH_ALLOW_TF32_CUBLAS_OVERRIDE=1): FP32 matmuls on Ampere or newer"
                    + " GPUs use TF32" : "off (scripts/semgrpo --tf32 or SEMGRPO_TF32=1 turns it on for FP32 matmuls on"
                            + " Ampere or newer GPUs)"));
            for (Gpu g : gpus) {
                if (tf32 && g.computeCapability().matches("\\d+\\.\\d")
                        && Double.parseDouble(g.computeCapability()) < 8.0) {
                    out.add("          no effect on gpu:" + g.index() + " (compute capability " + g.computeCapability()
                            + ", TF32 needs 8.0 or newer)");
                }
            }
            for (Check c : checks) {
                out.add(String.format(Locale.ROOT, "%-4s  %s: %s", c.ok() ? "ok" : "FAIL", c.name(), c.detail()));
                if (!c.ok()) {
                    out.add("      fix: " + c.fix());
                }
            }
            long failed = checks.stream().filter(c -> !c.ok()).count();
            out.add(failed == 0 ? "all " + checks.size() + " checks passed" : failed + " of " + checks.size()
                    + " checks failed");
            return out;
        }

        private static String gib(long bytes) {
            return bytes < 0 ? "?" : String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
        }
    }

    /**
     * Examines the set-up and self-tests {@code devices} ({@code cpu}, {@code gpu}, {@code gpu:N}); an empty list
     * means the CPU and every CUDA device PyTorch can use.
     */
    public static Report run(List<String> devices) {
        String java = System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")";
        int processors = Runtime.getRuntime().availableProcessors();
        boolean offline = Boolean.parseBoolean(System.getProperty("ai.djl.offline", "false"));
        boolean tf32 = "1".equals(System.getenv("TORCH_ALLOW_TF32_CUBLAS_OVERRIDE"));
        String cacheDir = String.valueOf(Utils.getCacheDir());
        StringBuilder env = new StringBuilder();
        for (String v : List.of("PYTORCH_FLAVOR", "PYTORCH_VERSION", "PYTORCH_LIBRARY_PATH")) {
            String x = System.getenv(v);
            env.append(env.length() == 0 ? "" : " ").append(v).append('=').append(x == null ? "(unset)" : x);
        }
        List<Check> checks = new ArrayList<>();
        List<Gpu> gpus = gpus();
        Engine engine;
        try {
            engine = Torch.engine();
            if (engine == null) {
                throw new IllegalStateException("DJL found no PyTorch engine on the classpath");
            }
        } catch (RuntimeException | LinkageError e) {
            checks.add(Check.fail("load PyTorch", causes(e), engineFix(System.getenv(), offline)));
            return new Report(java, Engine.getDjlVersion(), null, null, null, Set.of(), cacheDir, env.toString(), gpus,
                    -1, -1, processors, offline, tf32, checks);
        }
        String libtorch = LibUtils.getLibtorchPath();
        String flavor = flavor(libtorch);
        Set<String> features = new TreeSet<>(JniUtils.getFeatures());
        boolean cuda = features.contains("CUDA");
        String version = engine.getVersion();
        if (!PYTORCH_VERSION.equals(version)) {
            checks.add(Check.fail("pytorch version", "loaded " + version + ", this build's JNI is for "
                    + PYTORCH_VERSION, "set PYTORCH_VERSION=" + PYTORCH_VERSION + " and point PYTORCH_LIBRARY_PATH at"
                            + " a torch " + PYTORCH_VERSION + " lib folder (or unset both)"));
        }
        Check asked = flavorMismatch(System.getenv("PYTORCH_FLAVOR"), flavor);
        if (asked != null) {
            checks.add(asked);
        }
        Check ignored = libraryPathIgnored(System.getenv("PYTORCH_LIBRARY_PATH"), libtorch);
        if (ignored != null) {
            checks.add(ignored);
        }
        if (!gpus.isEmpty() && !cuda) {
            checks.add(Check.fail("cuda", Plural.of(gpus.size(), "CUDA device")
                    + " visible but the loaded PyTorch (flavour "
                    + flavor + ") is a CPU build", cudaFix()));
        }
        List<Device> targets = new ArrayList<>();
        if (devices.isEmpty()) {
            targets.add(Device.cpu());
            int n = cuda ? engine.getGpuCount() : 0;
            for (int i = 0; i < n; i++) {
                targets.add(Device.gpu(i));
            }
        } else {
            for (String d : devices) {
                try {
                    targets.add(Torch.device(d, "--device"));
                } catch (IllegalArgumentException e) {
                    checks.add(Check.fail("device " + d, e.getMessage(), "pass --device cpu, gpu or gpu:N"));
                }
            }
        }
        for (Device d : targets) {
            checks.addAll(selfTest(d, cuda, flavor, engine, tf32));
        }
        return new Report(java, Engine.getDjlVersion(), version, flavor, libtorch, features, cacheDir, env.toString(),
                gpus,
                JniUtils.getNumThreads(), JniUtils.getNumInteropThreads(), processors, offline, tf32, checks);
    }

    /** An error and its causes, at most three, each once. */
    static String causes(Throwable e) {
        List<String> parts = new ArrayList<>();
        for (Throwable t = e; t != null && parts.size() < 3; t = t.getCause()) {
            String m = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
            if (!parts.contains(m)) {
                parts.add(m);
            }
        }
        return String.join(" <- ", parts);
    }

    /**
     * A failed check when {@code PYTORCH_LIBRARY_PATH} is set but PyTorch was loaded from elsewhere: DJL silently
     * skips a path that holds no libtorch and loads its own natives. Else null.
     */
    static Check libraryPathIgnored(String libraryPath, String loadedFrom) {
        if (libraryPath == null || libraryPath.isEmpty()) {
            return null;
        }
        Path loaded = Path.of(loadedFrom).toAbsolutePath().normalize();
        for (String p : libraryPath.split(java.io.File.pathSeparator)) {
            if (!p.isEmpty() && Path.of(p).toAbsolutePath().normalize().equals(loaded)) {
                return null;
            }
        }
        return Check.fail("PYTORCH_LIBRARY_PATH", "set to " + libraryPath + " but PyTorch was loaded from " + loadedFrom,
                "DJL skips a PYTORCH_LIBRARY_PATH without " + System.mapLibraryName("torch") + ": point it at the lib"
                        + " folder of torch " + PYTORCH_VERSION + " (site-packages/torch/lib), or unset it");
    }

    /**
     * A failed check when {@code PYTORCH_FLAVOR} asked for one flavour and DJL loaded another, else null. DJL ignores
     * PYTORCH_FLAVOR when the jar bundles the CPU natives, and falls back to the CPU build when it finds no CUDA build
     * for the platform.
     */
    static Check flavorMismatch(String requested, String loaded) {
        if (requested == null || requested.isEmpty() || requested.equals(loaded)) {
            return null;
        }
        return Check.fail("flavour", "PYTORCH_FLAVOR=" + requested + " but DJL loaded flavour " + loaded,
                "a jar with the CPU natives inside ignores PYTORCH_FLAVOR: build it with SEMGRPO_MAVEN_ARGS=-Pgpu;"
                        + " and DJL falls back to the CPU build when it finds no " + requested + " build for this"
                        + " platform and PyTorch " + PYTORCH_VERSION + " (it builds only " + CUDA_FLAVOR + "): set"
                        + " PYTORCH_FLAVOR=" + CUDA_FLAVOR);
    }

    /** The flavour DJL loaded (its private record of it, else the cache folder's name, else PYTORCH_FLAVOR). */
    static String flavor(String libtorch) {
        try {
            Field f = LibUtils.class.getDeclaredField("libTorch");
            f.setAccessible(true);
            Object lib = f.get(null);
            Field fl = lib.getClass().getDeclaredField("flavor");
            fl.setAccessible(true);
            Object v = fl.get(lib);
            if (v instanceof String s) {
                return s;
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // a DJL whose internals moved: fall back to the folder name
        }
        String fromDir = flavorOfCacheDir(Paths.get(libtorch).getFileName().toString());
        if (fromDir != null) {
            return fromDir;
        }
        String env = System.getenv("PYTORCH_FLAVOR");
        return env != null ? env : "unknown";
    }

    /** The flavour in a DJL cache folder name such as {@code 2.7.1-20250812-cpu-linux-x86_64}, or null. */
    static String flavorOfCacheDir(String name) {
        Matcher m = CACHE_DIR.matcher(name);
        return m.matches() ? m.group(3) : null;
    }

    private static List<Gpu> gpus() {
        List<Gpu> out = new ArrayList<>();
        int n;
        try {
            n = CudaUtils.getGpuCount();
        } catch (RuntimeException | LinkageError e) {
            return out;
        }
        for (int i = 0; i < n; i++) {
            String cc = "?";
            long used = -1;
            long total = -1;
            try {
                cc = CudaUtils.getComputeCapability(i);
                cc = cc.length() >= 2 ? cc.substring(0, cc.length() - 1) + "." + cc.substring(cc.length() - 1) : cc;
                MemoryUsage mem = CudaUtils.getGpuMemory(Device.gpu(i));
                used = mem.getUsed();
                total = mem.getMax();
            } catch (RuntimeException | LinkageError e) {
                // keep what was read
            }
            out.add(new Gpu(i, cc, used, total));
        }
        return out;
    }

    /** The CUDA route, as the README gives it. */
    static String cudaFix() {
        return "build the jar with SEMGRPO_MAVEN_ARGS=-Pgpu and set PYTORCH_FLAVOR=" + CUDA_FLAVOR + " (fetched once"
                + " into DJL_CACHE_DIR with SEMGRPO_OFFLINE=false), or set PYTORCH_LIBRARY_PATH to a torch "
                + PYTORCH_VERSION
                + "+" + CUDA_FLAVOR + " lib folder with PYTORCH_VERSION=" + PYTORCH_VERSION + " and PYTORCH_FLAVOR="
                + CUDA_FLAVOR;
    }

    /**
     * What to change when PyTorch does not load, read from the environment DJL reads: PYTORCH_LIBRARY_PATH,
     * PYTORCH_VERSION, PYTORCH_FLAVOR, DJL_CACHE_DIR and the offline switch.
     */
    static String engineFix(Map<String, String> env, boolean offline) {
        List<String> fixes = new ArrayList<>();
        String lib = env.get("PYTORCH_LIBRARY_PATH");
        String flavor = env.get("PYTORCH_FLAVOR");
        String version = env.get("PYTORCH_VERSION");
        if (lib != null) {
            boolean found = false;
            for (String p : lib.split(java.io.File.pathSeparator)) {
                found |= !p.isEmpty() && Files.isRegularFile(Path.of(p).resolve(System.mapLibraryName("torch")));
            }
            if (!found) {
                fixes.add("PYTORCH_LIBRARY_PATH=" + lib + " holds no " + System.mapLibraryName("torch")
                        + ": point it at the lib folder of torch " + PYTORCH_VERSION + " (site-packages/torch/lib)");
            }
            if (!PYTORCH_VERSION.equals(version)) {
                fixes.add("PYTORCH_VERSION is " + (version == null ? "unset" : "'" + version + "'") + ": set"
                        + " PYTORCH_VERSION=" + PYTORCH_VERSION + " (the version this jar's JNI is built for)");
            }
            if (flavor == null) {
                fixes.add("PYTORCH_FLAVOR is unset, so DJL looks for a 'cpu-precxx11' JNI that does not exist for "
                        + PYTORCH_VERSION + ": set PYTORCH_FLAVOR=" + CUDA_FLAVOR + " (cpu for a CPU libtorch)");
            }
        } else {
            if (flavor != null && !flavor.equals("cpu") && !flavor.equals(CUDA_FLAVOR)) {
                fixes.add("PYTORCH_FLAVOR=" + flavor + " is not built by DJL for PyTorch " + PYTORCH_VERSION + ": use "
                        + CUDA_FLAVOR + " (or cpu)");
            }
            if (version != null && !PYTORCH_VERSION.equals(version)) {
                fixes.add("PYTORCH_VERSION=" + version + ": unset it or set " + PYTORCH_VERSION);
            }
            if (flavor != null && offline) {
                fixes.add("PYTORCH_FLAVOR=" + flavor + " is fetched into DJL_CACHE_DIR on first use: run once with"
                        + " SEMGRPO_OFFLINE=false (network needed once)");
            }
            if (flavor == null) {
                fixes.add("with no PYTORCH_FLAVOR the CPU natives must be on the classpath: build the jar without"
                        + " -Pgpu (unset SEMGRPO_MAVEN_ARGS), or set PYTORCH_FLAVOR=" + CUDA_FLAVOR);
            }
        }
        String cache = env.getOrDefault("DJL_CACHE_DIR", System.getProperty("user.home") + "/.djl.ai");
        Path c = Path.of(cache);
        Path existing = c;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isDirectory(existing) || !Files.isWritable(existing)) {
            fixes.add("DJL_CACHE_DIR=" + cache + " is not writable: point DJL_CACHE_DIR at a writable folder with"
                    + " about 2 GB free");
        }
        if (fixes.isEmpty()) {
            fixes.add("run with SEMGRPO_DEBUG=1 and SEMGRPO_LOG_LEVEL=debug to see where DJL looked; remove a"
                    + " half-extracted " + cache + "/pytorch folder");
        }
        return String.join("; ", fixes);
    }

    /** A tiny Qwen3: 2 layers, width 64, GQA, q/k norm; big enough to exercise every op the real models use. */
    static ModelConfig tinyConfig() {
        return ModelConfig.builder().setArchitecture(Architecture.QWEN3).setVocabSize(256).setHiddenSize(64)
                .setIntermediateSize(128).setNumLayers(2).setNumHeads(4).optNumKvHeads(2).optHeadDim(16)
                .optRmsNormEps(1e-6).setRopeTheta(1000000.0).optTieWordEmbeddings(true).optMaxPositionEmbeddings(64)
                .optEosTokenIds(List.of(0)).build();
    }

    private static List<Check> selfTest(Device d, boolean cuda, String flavor, Engine engine, boolean tf32) {
        String name = d.isGpu() ? "gpu:" + d.getDeviceId() : "cpu";
        List<Check> out = new ArrayList<>();
        if (d.isGpu()) {
            if (!cuda) {
                out.add(Check.fail(name, "the loaded PyTorch (flavour " + flavor + ") has no CUDA", cudaFix()));
                return out;
            }
            int n = engine.getGpuCount();
            if (d.getDeviceId() >= n) {
                out.add(Check.fail(name, "PyTorch sees " + Plural.of(n, "CUDA device"), "check the NVIDIA driver"
                        + " (nvidia-smi; it must support CUDA 12.8) and CUDA_VISIBLE_DEVICES"));
                return out;
            }
        }
        // TF32 rounds FP32 matmul inputs to 10 mantissa bits on the GPU: allow FP16-like error there
        boolean tf32Here = tf32 && d.isGpu();
        try {
            out.add(matmul(d, name, DataType.FLOAT32, 1e-6));
            out.add(matmul(d, name, DataType.FLOAT16, 5e-3));
            out.add(forward(d, name, DataType.FLOAT32, tf32Here ? 2e-2 : 1e-4));
            out.add(forward(d, name, DataType.FLOAT16, 5e-2));
        } catch (RuntimeException | LinkageError e) {
            out.add(Check.fail(name + " self-test", e.getClass().getSimpleName() + ": " + e.getMessage(), d.isGpu()
                    ? "check the NVIDIA driver (nvidia-smi), free GPU memory and CUDA_VISIBLE_DEVICES; PYTORCH_FLAVOR"
                            + " must be " + CUDA_FLAVOR : "check DJL_CACHE_DIR (a clean re-extract) and the JVM memory"
                                    + " (SEMGRPO_JAVA_OPTS)"));
        }
        return out;
    }

    /**
     * (128 x 96) times (96 x 64) on the device against a Java double oracle (error relative to the largest result),
     * then a larger product timed for throughput.
     */
    private static Check matmul(Device d, String name, DataType dt, double tol) {
        String what = name + " matmul " + dt.name().toLowerCase(Locale.ROOT);
        int m = 128;
        int k = 96;
        int n = 64;
        // multiples of 1/8 in [-4, 4]: exact in FP16, TF32 and FP32, so the oracle sees the inputs as the device does
        Random rng = new Random(7);
        float[] a = new float[m * k];
        float[] b = new float[k * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (rng.nextInt(65) - 32) / 8f;
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (rng.nextInt(65) - 32) / 8f;
        }
        double maxRef = 0;
        double[] ref = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int t = 0; t < k; t++) {
                    s += (double) a[i * k + t] * b[t * n + j];
                }
                ref[i * n + j] = s;
                maxRef = Math.max(maxRef, Math.abs(s));
            }
        }
        try (NDManager nd = Torch.manager(d)) {
            NDArray x = nd.create(a, new Shape(m, k)).toType(dt, false);
            NDArray y = nd.create(b, new Shape(k, n)).toType(dt, false);
            float[] got = x.matMul(y).toType(DataType.FLOAT32, false).toFloatArray();
            double err = 0;
            for (int i = 0; i < got.length; i++) {
                if (!Float.isFinite(got[i])) {
                    return Check.fail(what, "non-finite result at element " + i, fixFor(d));
                }
                err = Math.max(err, Math.abs(got[i] - ref[i]));
            }
            double rel = err / maxRef;
            String speed = throughput(nd, dt);
            String detail = String.format(Locale.ROOT, "max error %.2e of the largest value vs a Java oracle (limit"
                    + " %.0e); %s", rel, tol, speed);
            return rel <= tol ? Check.pass(what, detail) : Check.fail(what, detail, fixFor(d));
        }
    }

    /**
     * Matmul throughput: the size doubles from 256 while one product takes under 50 ms (up to 4096), then products
     * are timed for about a quarter second. Each product ends with a pull, so GPU work is finished when timed.
     */
    private static String throughput(NDManager nd, DataType dt) {
        int s = 256;
        while (true) {
            NDArray x = nd.randomNormal(new Shape(s, s)).toType(dt, false);
            NDArray y = nd.randomNormal(new Shape(s, s)).toType(dt, false).div((float) Math.sqrt(s));
            x.matMul(y).sum().toType(DataType.FLOAT32, false).getFloat(); // warm-up
            long t0 = System.nanoTime();
            x.matMul(y).sum().toType(DataType.FLOAT32, false).getFloat();
            if (System.nanoTime() - t0 < 50_000_000L && s < 4096) {
                x.close();
                y.close();
                s *= 2;
                continue;
            }
            int reps = 1;
            while (System.nanoTime() - t0 < 250_000_000L) {
                x.matMul(y).sum().toType(DataType.FLOAT32, false).getFloat();
                reps++;
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            return String.format(Locale.ROOT, "%d^3 matmul at %.1f GFLOP/s", s,
                    2.0 * s * s * (double) s * reps / seconds / 1e9);
        }
    }

    /** The tiny model's logits for a fixed sequence on the device in {@code dt}, against the CPU in FP32. */
    private static Check forward(Device d, String name, DataType dt, double tol) {
        String what = name + " tiny model " + dt.name().toLowerCase(Locale.ROOT);
        ModelConfig c = tinyConfig();
        int[] tokens = new int[24];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = (i * 37 + 11) % c.vocabSize();
        }
        float[] ref = logits(CausalLM.randomInit(c, 5, 0.05, Device.cpu(), DataType.FLOAT32), tokens, null);
        String[] site = new String[1];
        long t0 = System.nanoTime();
        float[] got = logits(CausalLM.randomInit(c, 5, 0.05, d, dt), tokens, site);
        double ms = (System.nanoTime() - t0) / 1e6;
        if (site[0] != null) {
            return Check.fail(what, "non-finite logits, first at " + site[0], fixFor(d));
        }
        double err = 0;
        double maxRef = 0;
        for (int i = 0; i < ref.length; i++) {
            err = Math.max(err, Math.abs(got[i] - ref[i]));
            maxRef = Math.max(maxRef, Math.abs(ref[i]));
        }
        double rel = err / maxRef;
        String detail = String.format(Locale.ROOT, "logits max error %.2e of the largest vs CPU float32 (limit %.0e),"
                + " %.0f ms", rel, tol, ms);
        return rel <= tol ? Check.pass(what, detail) : Check.fail(what, detail, fixFor(d));
    }

    /** Logits (T * V) of {@code tokens}; {@code site[0]} gets the first non-finite stage, if any. */
    private static float[] logits(CausalLM lm, int[] tokens, String[] site) {
        try (lm; NDManager m = lm.manager().newSubManager()) {
            long[] ids = java.util.Arrays.stream(tokens).asLongStream().toArray();
            float[] out = lm.forward(m.create(ids, new Shape(1, ids.length)), null, null, null, false).toFloatArray();
            for (float v : out) {
                if (!Float.isFinite(v) && site != null) {
                    String s = lm.firstNonFinite(tokens);
                    site[0] = s != null ? s : "the batched forward only";
                    break;
                }
            }
            return out;
        }
    }

    private static String fixFor(Device d) {
        return d.isGpu() ? "the CUDA build computes wrong values: check that PYTORCH_FLAVOR=" + CUDA_FLAVOR
                + " and PYTORCH_LIBRARY_PATH (if set) match torch " + PYTORCH_VERSION + ", and the NVIDIA driver"
                + " (nvidia-smi)" : "the CPU natives compute wrong values: delete the pytorch folder under"
                        + " DJL_CACHE_DIR so they are extracted again";
    }
}
