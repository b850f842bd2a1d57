package dev.semgrpo.trainer.grpo;

import ai.djl.ndarray.NDArray;
import dev.semgrpo.model.Scalars;
import java.util.Locale;

/**
 * How the per-token clipped surrogate is aggregated into one loss (TRL's loss types).
 * <ul>
 * <li>{@link Grpo}: mean over each completion's tokens, then over completions (sequence-level; long completions
 * weigh less per token).</li>
 * <li>{@link Bnpo}: mean over all tokens of the micro-batch (token-level).</li>
 * <li>{@link DrGrpo}: sum over tokens / (completions x max completion length): no length bias.</li>
 * <li>{@link Dapo}: sum over tokens / tokens of the whole generation batch (token-level across accumulation).</li>
 * </ul>
 */
public sealed interface GrpoLoss permits GrpoLoss.Grpo, GrpoLoss.Bnpo, GrpoLoss.DrGrpo, GrpoLoss.Dapo {
    /**
     * @param perToken (B, T) per-token loss
     * @param mask (B, T) 1 for completion tokens that count
     * @param maxCompletionLength the configured max completion length (Dr. GRPO)
     * @param batchTokens completion tokens in the whole generation batch, across accumulation steps (DAPO)
     */
    NDArray aggregate(NDArray perToken, NDArray mask, int maxCompletionLength, long batchTokens);

    /**
     * The factor a micro-batch's loss is scaled by so that the gradients accumulated over the micro-batches equal
     * the gradient of the whole generation batch's objective.
     *
     * @param microRows completions in this micro-batch
     * @param rows completions in the generation batch
     * @param micros micro-batches in the generation batch
     */
    float share(int microRows, int rows, int micros);

    /** The config value that selects this loss ({@code grpo.loss_type}). */
    String configName();

    /** Sequence-level mean. */
    record Grpo() implements GrpoLoss {
        public String configName() {
            return "grpo";
        }

        public NDArray aggregate(NDArray perToken, NDArray mask, int maxLen, long batchTokens) {
            return perToken.mul(mask).sum(new int[] {1}).div(mask.sum(new int[] {1}).maximum(1f)).mean();
        }

        /** A mean over rows: weight by rows. */
        public float share(int microRows, int rows, int micros) {
            return (float) microRows / rows;
        }
    }

    /** Token-level mean over the micro-batch. */
    record Bnpo() implements GrpoLoss {
        public String configName() {
            return "bnpo";
        }

        public NDArray aggregate(NDArray perToken, NDArray mask, int maxLen, long batchTokens) {
            return perToken.mul(mask).sum().div(mask.sum().maximum(1f));
        }

        /** TRL: the mean of the micro-batch means. */
        public float share(int microRows, int rows, int micros) {
            return 1f / micros;
        }
    }

    /** Sum / (B x max completion length). */
    record DrGrpo() implements GrpoLoss {
        public String configName() {
            return "dr_grpo";
        }

        public NDArray aggregate(NDArray perToken, NDArray mask, int maxLen, long batchTokens) {
            return Scalars.div(perToken.mul(mask).sum(), (float) perToken.getShape().get(0) * maxLen);
        }

        /** A mean over rows (of fixed-length sums): weight by rows. */
        public float share(int microRows, int rows, int micros) {
            return (float) microRows / rows;
        }
    }

    /** Sum / completion tokens of the whole generation batch. */
    record Dapo() implements GrpoLoss {
        public String configName() {
            return "dapo";
        }

        public NDArray aggregate(NDArray perToken, NDArray mask, int maxLen, long batchTokens) {
            return Scalars.div(perToken.mul(mask).sum(), Math.max(1, batchTokens));
        }

        /** Already divided by the whole batch's tokens. */
        public float share(int microRows, int rows, int micros) {
            return 1f;
        }
    }

    static GrpoLoss parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "grpo" -> new Grpo();
            case "bnpo" -> new Bnpo();
            case "dr_grpo" -> new DrGrpo();
            case "dapo" -> new Dapo();
            default -> throw new IllegalArgumentException("loss_type must be grpo, bnpo, dr_grpo or dapo, found '" + s
                    + "'");
        };
    }
}
