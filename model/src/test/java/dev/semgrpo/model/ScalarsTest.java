package dev.semgrpo.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.semgrpo.model.generate.LogProbScorer;
import dev.semgrpo.model.lora.Lora;
import dev.semgrpo.model.lora.LoraConfig;
import dev.semgrpo.model.nn.CausalLM;
import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A garbage collection between a forward and its backward must not change any gradient. DJL's own
 * {@code mul(Number)} fails this: its scalar's memory is freed by the collection and the backward reads whatever was
 * allocated there since ({@link Scalars}). These tests collect, then fill freshly freed native memory with a poison
 * value, before every backward.
 */
class ScalarsTest {
    private static final float POISON = 7f;

    @Test
    void scalarOperandsSurviveACollectionBeforeTheBackward() throws InterruptedException {
        assertEquals(0.5f, gradient(x -> Scalars.mul(x, 0.5f)), 0);
        assertEquals(0.25f, gradient(x -> Scalars.div(x, 4f)), 0);
        assertEquals(1f, gradient(x -> Scalars.maximum(x, -1f)), 0, "x = 1 is above the floor");
        assertEquals(0f, gradient(x -> Scalars.maximum(x, 3f)), 0, "x = 1 is below the floor");
        assertEquals(1f, gradient(x -> Scalars.minimum(x, 3f)), 0, "x = 1 is below the ceiling");
    }

    /** d/dx of {@code f(x)} at x = 1, with a collection and poisoned memory between forward and backward. */
    private static float gradient(Function<NDArray, NDArray> f) throws InterruptedException {
        try (NDManager m = Torch.manager(); GradientCollector gc = Torch.gradients()) {
            NDArray x = m.create(new float[] {1f});
            x.setRequiresGradient(true);
            NDArray y = f.apply(x).sum();
            List<ByteBuffer> poison = collectAndPoison();
            gc.backward(y);
            Reference.reachabilityFence(poison);
            return x.getGradient().getFloat();
        }
    }

    @Test
    void decoderGradientsDoNotDependOnACollectionBeforeTheBackward() throws InterruptedException {
        LoraConfig lora = new LoraConfig(4, 8, 0.0, List.of("q_proj", "v_proj", "down_proj"), false);
        for (var c : TinyModels.all()) {
            try (CausalLM model = TinyModels.random(c, 17)) {
                List<NDArray> params = new ArrayList<>(model.trainableWeights());
                params.forEach(p -> p.setRequiresGradient(true));
                params.addAll(Lora.attach(model, lora, 3));
                List<float[]> calm = decoderGradients(model, params, false);
                List<float[]> collected = decoderGradients(model, params, true);
                for (int i = 0; i < params.size(); i++) {
                    assertArrayEquals(calm.get(i), collected.get(i), c.architecture() + " parameter " + i);
                }
            }
        }
    }

    /** Gradients of the tempered log-likelihood of two completions (attention, LoRA and temperature scaling). */
    private static List<float[]> decoderGradients(CausalLM model, List<NDArray> params, boolean collect)
            throws InterruptedException {
        List<int[]> prompts = List.of(new int[] {5, 9, 13}, new int[] {7, 2});
        List<int[]> completions = List.of(new int[] {21, 34, 55}, new int[] {89, 44});
        List<float[]> grads = new ArrayList<>();
        try (NDManager m = model.manager().newSubManager(); GradientCollector gc = Torch.gradients()) {
            LogProbScorer.Scores sc = LogProbScorer.score(model, m, prompts, completions, 0.7, false);
            NDArray loss = Scalars.div(sc.logprobs().sum().neg(), 5f);
            List<ByteBuffer> poison = collect ? collectAndPoison() : List.of();
            gc.backward(loss);
            Reference.reachabilityFence(poison);
            for (NDArray p : params) {
                try (NDArray g = p.getGradient()) {
                    grads.add(g.toFloatArray());
                    g.muli(0);
                }
            }
        }
        return grads;
    }

    /**
     * Runs a garbage collection until a dropped direct buffer's memory has been released, then allocates small direct
     * buffers (the size of a scalar's) holding {@link #POISON}, so freed scalar memory now holds that value. Keep the
     * returned list reachable until the backward has run.
     */
    private static List<ByteBuffer> collectAndPoison() throws InterruptedException {
        ReferenceQueue<ByteBuffer> queue = new ReferenceQueue<>();
        PhantomReference<ByteBuffer> dropped = new PhantomReference<>(ByteBuffer.allocateDirect(4), queue);
        while (queue.remove(10) == null) {
            System.gc();
        }
        Reference.reachabilityFence(dropped);
        List<ByteBuffer> poison = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(i % 2 == 0 ? 4 : 8).order(ByteOrder.nativeOrder());
            b.putFloat(0, POISON);
            poison.add(b);
        }
        return poison;
    }
}
