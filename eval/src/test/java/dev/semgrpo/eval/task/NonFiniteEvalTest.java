package dev.semgrpo.eval.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.semgrpo.eval.data.TaskData;
import dev.semgrpo.eval.data.TaskExample;
import dev.semgrpo.eval.shard.Shard;
import dev.semgrpo.model.generate.NonFiniteLogitsException;
import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.model.tokenizer.ByteLevelTokenizer;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each task type stops on an FP16 overflow with the task, the example and the layer named, and runs the same
 * model in float32.
 */
class NonFiniteEvalTest {
    @TempDir
    Path dir;

    /** TinyEval's model with layer 1's MLP scaled by 1000: finite in float32, past 65504 in float16. */
    private static CausalLM hot(DataType dtype) {
        CausalLM fp32 = TinyEval.model(6);
        CausalLM m = CausalLM.randomInit(fp32.config(), 6, 0.2, Device.cpu(), dtype);
        fp32.close();
        for (String p : new String[] {"gate_proj", "up_proj", "down_proj"}) {
            m.parameters().get("model.layers.1.mlp." + p + ".weight").muli(1000f);
        }
        return m;
    }

    private TaskConfig task(String name, String yaml) throws IOException {
        Path f = dir.resolve(name + ".yaml");
        Files.writeString(f, yaml);
        return TaskConfig.load(f).config();
    }

    private static EvalContext ctx(CausalLM m, TextTokenizer tok) {
        return EvalContext.local(m, tok, null, false, null, null, Progress.NONE);
    }

    @Test
    void everyTaskTypeStopsOnFloat16OverflowAndNamesTheLayer() throws IOException {
        Path tokDir = dir.resolve("tok");
        ByteLevelTokenizer.write(tokDir);
        Files.write(dir.resolve("mc.jsonl"), List.of(
                "{\"id\": \"q1\", \"question\": \"Pick\", \"choices\": [\"apple\", \"zebra\"], \"label\": 1}"));
        Files.write(dir.resolve("ood.jsonl"), List.of("{\"id\": \"t1\", \"text\": \"The quick brown fox.\"}"));
        Files.write(dir.resolve("mt.jsonl"), List.of("{\"id\": \"s1\", \"source\": \"hello\", \"target\": \"hallo\"}"));
        TaskConfig mc = task("mc", "type: multiple_choice\ndata: {path: mc.jsonl}\n");
        TaskConfig ood = task("ood", "type: perplexity\ndata: {path: ood.jsonl}\n");
        TaskConfig mt = task("mt", "type: generate\ndata: {path: mt.jsonl}\nprompt: {template: \"{source}\"}\n"
                + "generation: {max_new_tokens: 3}\nmetrics: [chrf]\n");
        try (TextTokenizer tok = TextTokenizer.load(tokDir); CausalLM half = hot(DataType.FLOAT16);
                CausalLM full = hot(DataType.FLOAT32)) {
            List<TaskExample> mcEx = TaskData.read(dir.resolve("mc.jsonl"), mc.formatOrDefault(), Map.of(), null,
                    null, "mc");
            List<TaskExample> oodEx = TaskData.read(dir.resolve("ood.jsonl"), ood.formatOrDefault(), Map.of(), null,
                    null, "ood");
            List<TaskExample> mtEx = TaskData.read(dir.resolve("mt.jsonl"), mt.formatOrDefault(), Map.of(), null,
                    null, "mt");

            NonFiniteLogitsException e = assertThrows(NonFiniteLogitsException.class, () -> MultipleChoiceTask.run(
                    "mc", mc, mcEx, Shard.WHOLE, new Prompts("mc", mc, mcEx, tok), ctx(half, tok)));
            assertTrue(e.getMessage().startsWith("non-finite logits (NaN or infinity) while scoring task 'mc',"
                    + " example '" + mcEx.get(0).id() + "', choice 0: the first non-finite output is"
                    + " model.layers.1.mlp"), e.getMessage());
            assertTrue(e.getMessage().contains("--dtype float32"), e.getMessage());

            e = assertThrows(NonFiniteLogitsException.class, () -> PerplexityTask.run("ood", ood, oodEx, Shard.WHOLE,
                    ctx(half, tok)));
            assertTrue(e.getMessage().startsWith("non-finite logits (NaN or infinity) while scoring task 'ood',"
                    + " example '" + oodEx.get(0).id() + "', tokens 0.."), e.getMessage());
            assertTrue(e.site().startsWith("model.layers.1.mlp"), e.site());

            // a float32 model whose float16 reference overflows: the KL names the reference
            e = assertThrows(NonFiniteLogitsException.class, () -> PerplexityTask.run("ood", ood, oodEx, Shard.WHOLE,
                    EvalContext.local(full, tok, half, false, null, null, Progress.NONE)));
            assertTrue(e.getMessage().contains("(reference model, for KL): the first non-finite output is"
                    + " model.layers.1.mlp"), e.getMessage());

            e = assertThrows(NonFiniteLogitsException.class, () -> GenerateTask.run("mt", mt, mtEx,
                    Shard.WHOLE, new Prompts("mt", mt, mtEx, tok), ctx(half, tok)));
            assertTrue(e.getMessage().startsWith("task 'mt': non-finite logits (NaN or infinity) while generating"
                    + " prompt 0, sample 0, new token 0: the first non-finite output is model.layers.1.mlp"),
                    e.getMessage());

            // the same weights in float32 evaluate
            assertEquals(1, MultipleChoiceTask.run("mc", mc, mcEx, Shard.WHOLE, new Prompts("mc", mc, mcEx, tok),
                    ctx(full, tok)).records().size());
            assertEquals(1, PerplexityTask.run("ood", ood, oodEx, Shard.WHOLE, ctx(full, tok)).records().size());
            assertEquals(1, GenerateTask.run("mt", mt, mtEx, Shard.WHOLE, new Prompts("mt", mt, mtEx, tok),
                    ctx(full, tok)).records().size());
        }
    }
}
