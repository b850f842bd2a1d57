package dev.semgrpo.trainer.grpo;

/**
 * {@link PolicyLoss.Stats} of a whole generation batch, as logged: each micro-batch's values weighted by its counted
 * tokens ({@link TokenMean}), then averaged over the {@code num_iterations} passes ({@link #plusShare}).
 *
 * @param kl mean per-token KL estimate to the reference
 * @param clipLow share of tokens clipped low
 * @param clipHigh share of tokens clipped high
 * @param clipRegion share of tokens clipped either way
 * @param ratioMean mean importance ratio
 */
public record PolicyStats(double kl, double clipLow, double clipHigh, double clipRegion, double ratioMean) {
    /** The start of a sum over iterations. */
    public static final PolicyStats ZERO = new PolicyStats(0, 0, 0, 0, 0);
    /** A batch with no counted token: nothing clipped, ratio 1. */
    public static final PolicyStats NO_TOKENS = new PolicyStats(0, 0, 0, 0, 1);

    /** {@code this + pass / passes}: one pass's share of the mean over {@code passes} passes. */
    public PolicyStats plusShare(PolicyStats pass, int passes) {
        return new PolicyStats(kl + pass.kl / passes, clipLow + pass.clipLow / passes,
                clipHigh + pass.clipHigh / passes, clipRegion + pass.clipRegion / passes,
                ratioMean + pass.ratioMean / passes);
    }

    /** Token-weighted mean of micro-batch values over one pass over the batch. */
    public static final class TokenMean {
        private double kl;
        private double clipLow;
        private double clipHigh;
        private double clipRegion;
        private double ratioMean;
        private double tokens;

        /** Adds a micro-batch's values, which are means over its {@code counted} tokens. */
        public void add(PolicyLoss.Values v, float counted) {
            kl += v.kl() * counted; // float products, as pulled, summed in double
            clipLow += v.clipLow() * counted;
            clipHigh += v.clipHigh() * counted;
            clipRegion += v.clipRegion() * counted;
            ratioMean += v.ratioMean() * counted;
            tokens += counted;
        }

        /** The means over every counted token added, or {@link #NO_TOKENS}. */
        public PolicyStats mean() {
            if (tokens <= 0) {
                return NO_TOKENS;
            }
            return new PolicyStats(kl / tokens, clipLow / tokens, clipHigh / tokens, clipRegion / tokens,
                    ratioMean / tokens);
        }
    }
}
