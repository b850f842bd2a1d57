package dev.semgrpo.rewards.encoder;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import ai.djl.util.PairList;
import dev.semgrpo.model.Torch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The sentence-transformers pipeline on an ONNX export run by DJL's OnnxRuntime engine. The export must output
 * the last hidden state (first output); inputs are fed by name (input_ids, attention_mask, token_type_ids).
 */
public final class OnnxSentenceEncoder extends PooledSentenceEncoder {
    private final Model model;
    private final Predictor<NDList, NDList> predictor;
    private final PairList<String, Shape> inputs;

    public OnnxSentenceEncoder(Path onnxFile, EncoderSpec spec, EncoderTokenizer tokenizer, int batchSize)
            throws IOException {
        super(spec, tokenizer, Torch.manager(Device.cpu()), batchSize);
        if (!Files.isRegularFile(onnxFile)) {
            throw new IOException(onnxFile + ": no such ONNX file");
        }
        this.model = Model.newInstance("encoder", Device.cpu(), "OnnxRuntime");
        try {
            String name = onnxFile.getFileName().toString();
            model.load(onnxFile.getParent(), name.substring(0, name.length() - ".onnx".length()));
        } catch (MalformedModelException | IOException | RuntimeException e) {
            model.close();
            throw new IOException(onnxFile + ": OnnxRuntime cannot load it: " + e.getMessage(), e);
        }
        this.inputs = model.describeInput();
        for (String n : inputs.keys()) {
            if (!n.equals("input_ids") && !n.equals("attention_mask") && !n.equals("token_type_ids")) {
                model.close();
                throw new IOException(onnxFile + ": unexpected model input '" + n + "'; expected input_ids,"
                        + " attention_mask and optionally token_type_ids");
            }
        }
        this.predictor = model.newPredictor(new NoopTranslator());
    }

    @Override
    protected NDArray tokenStates(NDManager m, long[] ids, long[] mask, int rows, int len) {
        NDManager ort = model.getNDManager();
        try (NDManager batch = ort.newSubManager()) {
            NDList in = new NDList();
            for (String n : inputs.keys()) {
                long[] values = n.equals("input_ids") ? ids : n.equals("attention_mask") ? mask : new long[ids.length];
                NDArray a = batch.create(values, new Shape(rows, len));
                a.setName(n);
                in.add(a);
            }
            NDList out = predictor.predict(in);
            NDArray states = out.get(0);
            long hidden = states.getShape().get(states.getShape().dimension() - 1);
            float[] values = states.toFloatArray();
            out.close();
            return m.create(values, new Shape(rows, len, hidden));
        } catch (TranslateException e) {
            throw new IllegalStateException("OnnxRuntime inference failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        predictor.close();
        model.close();
        super.close();
    }
}
