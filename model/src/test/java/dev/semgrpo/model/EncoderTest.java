package dev.semgrpo.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.semgrpo.model.encoder.EncoderConfig;
import dev.semgrpo.model.encoder.TransformerEncoder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EncoderTest {
    @TempDir
    Path dir;

    private static final long[] IDS = {2, 17, 9, 33, 5, 3};

    private static float[] run(TransformerEncoder enc, long[][] rows) {
        try (NDManager m = Torch.manager()) {
            int len = Arrays.stream(rows).mapToInt(r -> r.length).max().orElse(0);
            long[] ids = new long[rows.length * len];
            long[] mask = new long[rows.length * len];
            for (int r = 0; r < rows.length; r++) {
                for (int t = 0; t < rows[r].length; t++) {
                    ids[r * len + t] = rows[r][t];
                    mask[r * len + t] = 1;
                }
            }
            NDArray out = enc.forward(m.create(ids, new Shape(rows.length, len)), null,
                    m.create(mask, new Shape(rows.length, len)));
            return out.get(new NDIndex("0, :{}, :", rows[0].length)).toFloatArray();
        }
    }

    @Test
    void xlmRobertaPositionsStartAfterThePaddingIndex() {
        EncoderConfig xlmr = new EncoderConfig("xlm-roberta", 40, 16, 2, 2, 32, 20, 1, 1e-5, 1);
        EncoderConfig bert = new EncoderConfig("bert", 40, 16, 2, 2, 32, 18, 1, 1e-5, 0);
        try (TransformerEncoder x = TransformerEncoder.randomInit(xlmr, 3, 0.2, Device.cpu(), DataType.FLOAT32)) {
            Map<String, float[]> w = new LinkedHashMap<>();
            x.parameters().forEach((k, v) -> w.put(k, v.toFloatArray()));
            // BERT counts positions from 0; RoBERTa from padding_idx + 1 = 2: drop the first two rows
            float[] pos = w.get("embeddings.position_embeddings.weight");
            w.put("embeddings.position_embeddings.weight", Arrays.copyOfRange(pos, 2 * 16, pos.length));
            try (TransformerEncoder b = TransformerEncoder.fromArrays(bert, w, Device.cpu())) {
                float[] a = run(x, new long[][] {IDS});
                float[] c = run(b, new long[][] {IDS});
                for (int i = 0; i < a.length; i++) {
                    assertEquals(c[i], a[i], 1e-5);
                }
            }
        }
    }

    @Test
    void paddingDoesNotChangeTheRealTokensAndSaveLoadRoundTrips() throws Exception {
        for (String type : new String[] {"bert", "xlm-roberta"}) {
            EncoderConfig c = new EncoderConfig(type, 40, 16, 2, 4, 32, 40, 2, 1e-12, type.equals("bert") ? 0 : 1);
            try (TransformerEncoder enc = TransformerEncoder.randomInit(c, 4, 0.2, Device.cpu(), DataType.FLOAT32)) {
                float[] alone = run(enc, new long[][] {IDS});
                float[] padded = run(enc, new long[][] {IDS, {2, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 3}});
                double diff = 0;
                for (int i = 0; i < alone.length; i++) {
                    diff = Math.max(diff, Math.abs(alone[i] - padded[i]));
                }
                assertTrue(diff < 1e-5, type + ": padding changed real tokens by " + diff);
                Path out = dir.resolve(type);
                enc.save(out);
                try (TransformerEncoder back = TransformerEncoder.load(out, Device.cpu(), DataType.FLOAT32)) {
                    assertEquals(c, back.config());
                    assertTrue(Arrays.equals(alone, run(back, new long[][] {IDS})));
                }
            }
        }
    }
}
