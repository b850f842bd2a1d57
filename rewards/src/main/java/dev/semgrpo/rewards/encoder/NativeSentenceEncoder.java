package dev.semgrpo.rewards.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.semgrpo.model.encoder.TransformerEncoder;
import java.io.IOException;

/** The sentence-transformers pipeline on semgrpo's own DJL encoder (BERT, RoBERTa, XLM-R). */
public final class NativeSentenceEncoder extends PooledSentenceEncoder {
    private final TransformerEncoder encoder;

    public NativeSentenceEncoder(TransformerEncoder encoder, EncoderSpec spec, EncoderTokenizer tokenizer, int batchSize)
            throws IOException {
        super(spec, tokenizer, encoder.manager().newSubManager(), batchSize);
        this.encoder = encoder;
    }

    public TransformerEncoder encoder() {
        return encoder;
    }

    @Override
    protected NDArray tokenStates(NDManager m, long[] ids, long[] mask, int rows, int len) {
        return encoder.forward(m.create(ids, new Shape(rows, len)), null, m.create(mask, new Shape(rows, len)));
    }

    @Override
    public void close() {
        super.close();
        encoder.close();
    }
}
