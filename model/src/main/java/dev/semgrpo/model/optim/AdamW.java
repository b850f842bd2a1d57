package dev.semgrpo.model.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.semgrpo.model.Torch;
import dev.semgrpo.model.io.DType;
import dev.semgrpo.model.io.SafetensorsFile;
import dev.semgrpo.model.io.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * AdamW (Loshchilov and Hutter) over DJL arrays, as {@code torch.optim.AdamW} computes it:
 * {@code m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr (m_hat / (sqrt(v_hat) + eps) + wd p)}.
 * Moments live in their own manager (never inside a per-step scope). {@link #step} reads each parameter's
 * gradient, updates in place and zeroes the gradient. Optional global-norm gradient clipping.
 */
public final class AdamW implements AutoCloseable {
    private final List<NDArray> params;
    private final NDManager state;
    private final List<NDArray> m = new ArrayList<>();
    private final List<NDArray> v = new ArrayList<>();
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private long step;

    public AdamW(List<NDArray> params, float beta1, float beta2, float eps, float weightDecay) {
        if (params.isEmpty()) {
            throw new IllegalArgumentException("AdamW needs at least one parameter");
        }
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps > 0) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("AdamW needs 0 <= betas < 1, eps > 0, weight_decay >= 0; found "
                    + beta1 + ", " + beta2 + ", " + eps + ", " + weightDecay);
        }
        this.params = List.copyOf(params);
        this.state = params.get(0).getManager().newSubManager();
        for (NDArray p : params) {
            m.add(state.zeros(p.getShape(), p.getDataType()));
            v.add(state.zeros(p.getShape(), p.getDataType()));
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    public long steps() {
        return step;
    }

    /**
     * One update with learning rate {@code lr}.
     *
     * @param maxGradNorm clip the global L2 norm of all gradients to this (<= 0: no clipping)
     * @return the global gradient norm before clipping (one device sync). When it is not finite the update is
     *     skipped (gradients zeroed, step count unchanged): the caller logs it.
     */
    public float step(float lr, float maxGradNorm) {
        try (NDScope scope = new NDScope()) { // closes the gradient wrappers and every temporary
            List<NDArray> grads = new ArrayList<>();
            NDArray sq = null;
            for (NDArray p : params) {
                NDArray g = p.getGradient();
                grads.add(g);
                NDArray s = g.square().sum();
                sq = sq == null ? s : sq.add(s);
            }
            float norm = (float) Math.sqrt(sq.getFloat());
            if (!Float.isFinite(norm) || !Float.isFinite(lr)) {
                // NaN * 0 is NaN: multiplying would leave the poison in the gradient buffers, and the next
                // steps, which accumulate into them, would be non-finite too. Overwrite instead.
                grads.forEach(AdamW::zero);
                return norm;
            }
            step++;
            float clip = maxGradNorm > 0 && norm > maxGradNorm ? maxGradNorm / (norm + 1e-6f) : 1f;
            double bc1 = 1 - Math.pow(beta1, step);
            double bc2 = 1 - Math.pow(beta2, step);
            float stepSize = (float) (lr / bc1);
            for (int i = 0; i < params.size(); i++) {
                NDArray p = params.get(i);
                NDArray g = clip == 1f ? grads.get(i) : grads.get(i).mul(clip);
                m.get(i).muli(beta1).addi(g.mul(1 - beta1));
                v.get(i).muli(beta2).addi(g.square().mul(1 - beta2));
                NDArray denom = v.get(i).div((float) bc2).sqrt().add(eps);
                if (weightDecay > 0) {
                    p.muli(1 - lr * weightDecay);
                }
                p.subi(m.get(i).div(denom).mul(stepSize));
                grads.get(i).muli(0);
            }
            return norm;
        }
    }

    /** Sets every element of a gradient to 0 in place, NaN and infinities included. */
    private static void zero(NDArray g) {
        g.muli(0); // finite -> 0, non-finite -> NaN
        try (NDArray nan = g.isNaN()) {
            g.set(nan, 0f);
        }
    }

    /** Writes the moments and the step count (safetensors, F32). */
    public void save(Path file) throws IOException {
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            entries.add(new SafetensorsWriter.Entry("m." + i, m.get(i), DType.F32));
            entries.add(new SafetensorsWriter.Entry("v." + i, v.get(i), DType.F32));
        }
        SafetensorsWriter.write(file, entries, Map.of("step", Long.toString(step), "params",
                Integer.toString(params.size())));
    }

    /** Restores moments and step count written by {@link #save}; shapes must match the parameters. */
    public void load(Path file) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            String n = f.metadata().get("params");
            if (n == null || Integer.parseInt(n) != params.size()) {
                throw new IOException(file + ": optimizer state for " + n + " parameters, this run has "
                        + params.size() + "; was it written by a different model or LoRA setting, or (full fine-tuning) by a"
                        + " semgrpo build from before q/k/v and gate/up were stacked into one tensor each? Restart"
                        + " that run without --resume, or resume it with the build that wrote it");
            }
            for (int i = 0; i < params.size(); i++) {
                for (String k : new String[] {"m.", "v."}) {
                    NDArray loaded = f.load(state, k + i, params.get(i).getDataType());
                    if (!loaded.getShape().equals(params.get(i).getShape())) {
                        throw new IOException(file + ": '" + k + i + "' has shape " + loaded.getShape()
                                + ", the parameter has " + params.get(i).getShape());
                    }
                    Torch.copyInto((k.equals("m.") ? m : v).get(i), loaded);
                    loaded.close();
                }
            }
            step = Long.parseLong(f.metadata().get("step"));
        }
    }

    @Override
    public void close() {
        state.close();
    }
}
