package dev.semgrpo.model;

import dev.semgrpo.model.config.ModelConfig;
import dev.semgrpo.model.config.RopeScaling;
import dev.semgrpo.model.nn.WeightLayout;
import java.util.Map;

/**
 * The test oracle: a scalar, loop-by-loop decoder in plain Java (no cache, no batching, double accumulators),
 * written from transformers' Llama/Qwen2/Qwen3 modeling code.
 */
final class ReferenceDecoder {
    private final ModelConfig c;
    private final Map<String, float[]> w;

    ReferenceDecoder(ModelConfig c, Map<String, float[]> weights) {
        this.c = c;
        this.w = weights;
    }

    /** Logits (T, V) for tokens at positions 0..T-1. */
    float[][] forward(int[] tokens) {
        int t = tokens.length;
        int h = c.hiddenSize();
        int d = c.headDim();
        float[][] x = new float[t][];
        float[] emb = w.get("model.embed_tokens.weight");
        for (int i = 0; i < t; i++) {
            x[i] = new float[h];
            System.arraycopy(emb, tokens[i] * h, x[i], 0, h);
        }
        double[] inv = RopeScaling.inverseFrequencies(d, c.ropeTheta(), c.ropeScaling());
        double attention = RopeScaling.attentionScaling(c.ropeScaling());
        for (int l = 0; l < c.numLayers(); l++) {
            String p = WeightLayout.layer(l);
            float[][] q = new float[t][];
            float[][] k = new float[t][];
            float[][] v = new float[t][];
            for (int i = 0; i < t; i++) {
                float[] n = rms(x[i], w.get(p + "input_layernorm.weight"));
                q[i] = lin(n, p + "self_attn.q_proj");
                k[i] = lin(n, p + "self_attn.k_proj");
                v[i] = lin(n, p + "self_attn.v_proj");
                if (c.architecture().hasQkNorm()) {
                    perHeadNorm(q[i], w.get(p + "self_attn.q_norm.weight"));
                    perHeadNorm(k[i], w.get(p + "self_attn.k_norm.weight"));
                }
                rope(q[i], i, inv, attention);
                rope(k[i], i, inv, attention);
            }
            int group = c.numHeads() / c.numKvHeads();
            for (int i = 0; i < t; i++) {
                float[] att = new float[c.qDim()];
                for (int hd = 0; hd < c.numHeads(); hd++) {
                    int kv = hd / group;
                    double[] s = new double[i + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        double dot = 0;
                        for (int e = 0; e < d; e++) {
                            dot += q[i][hd * d + e] * k[j][kv * d + e];
                        }
                        s[j] = dot / Math.sqrt(d);
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= i; j++) {
                        s[j] = Math.exp(s[j] - max);
                        sum += s[j];
                    }
                    for (int e = 0; e < d; e++) {
                        double acc = 0;
                        for (int j = 0; j <= i; j++) {
                            acc += s[j] / sum * v[j][kv * d + e];
                        }
                        att[hd * d + e] = (float) acc;
                    }
                }
                float[] o = lin(att, p + "self_attn.o_proj");
                for (int e = 0; e < h; e++) {
                    x[i][e] += o[e];
                }
                float[] n = rms(x[i], w.get(p + "post_attention_layernorm.weight"));
                float[] g = lin(n, p + "mlp.gate_proj");
                float[] u = lin(n, p + "mlp.up_proj");
                for (int e = 0; e < g.length; e++) {
                    g[e] = (float) (g[e] / (1 + Math.exp(-g[e])) * u[e]);
                }
                float[] dn = lin(g, p + "mlp.down_proj");
                for (int e = 0; e < h; e++) {
                    x[i][e] += dn[e];
                }
            }
        }
        float[] head = c.tieWordEmbeddings() ? emb : w.get("lm_head.weight");
        float[][] logits = new float[t][c.vocabSize()];
        for (int i = 0; i < t; i++) {
            float[] n = rms(x[i], w.get("model.norm.weight"));
            for (int vv = 0; vv < c.vocabSize(); vv++) {
                double acc = 0;
                for (int e = 0; e < h; e++) {
                    acc += n[e] * head[vv * h + e];
                }
                logits[i][vv] = (float) acc;
            }
        }
        return logits;
    }

    private float[] lin(float[] x, String name) {
        float[] wt = w.get(name + ".weight");
        float[] b = w.get(name + ".bias");
        int out = wt.length / x.length;
        float[] y = new float[out];
        for (int o = 0; o < out; o++) {
            double acc = b == null ? 0 : b[o];
            for (int i = 0; i < x.length; i++) {
                acc += x[i] * wt[o * x.length + i];
            }
            y[o] = (float) acc;
        }
        return y;
    }

    private float[] rms(float[] x, float[] weight) {
        double ss = 0;
        for (float f : x) {
            ss += f * f;
        }
        double r = 1 / Math.sqrt(ss / x.length + c.rmsNormEps());
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (float) (x[i] * r * weight[i]);
        }
        return y;
    }

    private void perHeadNorm(float[] x, float[] weight) {
        int d = c.headDim();
        for (int hd = 0; hd < x.length / d; hd++) {
            float[] head = new float[d];
            System.arraycopy(x, hd * d, head, 0, d);
            System.arraycopy(rms(head, weight), 0, x, hd * d, d);
        }
    }

    /** transformers' apply_rotary_pos_emb with cos and sin multiplied by the scaling's attention factor. */
    private void rope(float[] x, int pos, double[] inv, double attention) {
        int d = c.headDim();
        int half = d / 2;
        for (int hd = 0; hd < x.length / d; hd++) {
            for (int i = 0; i < half; i++) {
                double angle = (float) (pos * (float) inv[i]);
                double cs = Math.cos(angle) * attention;
                double sn = Math.sin(angle) * attention;
                float a = x[hd * d + i];
                float b = x[hd * d + i + half];
                x[hd * d + i] = (float) (a * cs - b * sn);
                x[hd * d + i + half] = (float) (b * cs + a * sn);
            }
        }
    }
}
