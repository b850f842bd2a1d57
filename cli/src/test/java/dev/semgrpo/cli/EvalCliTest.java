package dev.semgrpo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;
import dev.semgrpo.eval.results.EvalResults;
import dev.semgrpo.model.io.Jsonl;
import dev.semgrpo.model.lora.Lora;
import dev.semgrpo.model.lora.LoraConfig;
import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.rewards.train.SyntheticParallel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** eval -> report end to end on a tiny model, an adapter, every task type, and bad input. */
class EvalCliTest {
    @TempDir
    Path dir;

    private Path tasks() throws Exception {
        Path d = dir.resolve("tasks");
        Files.createDirectories(d);
        Files.write(d.resolve("mt.jsonl"), List.of(
                "{\"id\": \"s1\", \"source\": \"你好\", \"target\": \"བཀྲ་ཤིས་བདེ་ལེགས།\"}",
                "{\"id\": \"s2\", \"source\": \"谢谢\", \"target\": [\"ཐུགས་རྗེ་ཆེ།\", \"ཐུགས་རྗེ་ཆེ་ལགས།\"]}",
                "{\"id\": \"s3\", \"source\": \"再见\", \"target\": \"བྱོན་པ་ལེགས།\"}"));
        Files.writeString(d.resolve("mt.yaml"), "type: generate\ncategory: target\ndata: {path: mt.jsonl}\n"
                + "prompt: {template: \"Translate: {source}\", chat: true}\n"
                + "generation: {max_new_tokens: 8, batch_size: 2}\n"
                + "metrics: [\"chrf++\", \"bleu:tok=char\", rouge_l, similarity]\n");
        Files.write(d.resolve("qa.jsonl"), List.of(
                "{\"id\": \"q1\", \"context\": \"北京是中国的首都。\", \"question\": \"中国的首都是哪里？\","
                        + " \"answers\": {\"text\": [\"北京\"], \"answer_start\": [0]}}",
                "{\"id\": \"q2\", \"context\": \"The cat sat.\", \"question\": \"Who sat?\", \"answers\": [\"The cat\"]}"));
        Files.writeString(d.resolve("qa.yaml"), "type: extractive_qa\ndata: {path: qa.jsonl}\nqa: {variant: cmrc}\n"
                + "generation: {max_new_tokens: 6}\n");
        Files.write(d.resolve("mc.jsonl"), List.of(
                "{\"question\": \"2+2?\", \"choices\": [\"4\", \"5\"], \"label\": 0}",
                "{\"question\": \"Sky?\", \"choices\": [\"green\", \"blue\", \"red\"], \"label\": 1}",
                "{\"question\": \"Fire?\", \"choices\": [\"hot\", \"cold\"], \"label\": \"A\"}"));
        Files.writeString(d.resolve("mc.yaml"), "type: multiple_choice\ncategory: general\ndata: {path: mc.jsonl}\n");
        Files.write(d.resolve("ood.jsonl"), List.of("{\"text\": \"An out-of-domain paragraph of English text.\"}",
                "{\"text\": \"另一段中文文本，用来测量遗忘。\"}"));
        Files.writeString(d.resolve("ood.yaml"), "type: perplexity\ndata: {path: ood.jsonl}\n");
        return d;
    }

    @Test
    void evalBaseAndAdapterThenReport() throws Exception {
        Path tasks = tasks();
        Path model = CliRuns.initModel(dir, "model", "qwen3", 2, 3);
        // an adapter with non-zero B, so the tuned model differs from the base
        Path adapter = dir.resolve("adapter");
        try (CausalLM lm = CausalLM.load(model, ai.djl.Device.cpu(), ai.djl.ndarray.types.DataType.FLOAT32)) {
            LoraConfig cfg = new LoraConfig(4, 8, 0.0, List.of("q_proj", "v_proj", "up_proj"), false);
            Lora.attach(lm, cfg, 1);
            Random r = new Random(2);
            for (NDArray p : Lora.parameters(lm)) {
                float[] v = new float[(int) p.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) r.nextGaussian() * 0.3f;
                }
                p.set(v);
            }
            Lora.save(lm, cfg, adapter, model.toString());
        }
        Path encoder = SyntheticParallel.randomEncoder(dir.resolve("enc"), 5);
        String taskList = "mt,qa,mc,ood";
        Path base = dir.resolve("eval-base");
        Path tuned = dir.resolve("eval-tuned");
        assertEquals(0, Main.run("eval", "--model", model.toString(), "--tasks", taskList, "--tasks-dir",
                tasks.toString(), "--encoder", encoder.toString(), "--out", base.toString()));
        assertTrue(Files.readString(base.resolve("eval.json")).contains("\"device\" : \"cpu\""),
                "the device as --device spells it: " + Files.readString(base.resolve("eval.json")));
        assertEquals(0, Main.run("eval", "--model", model.toString(), "--adapter", adapter.toString(), "--tasks",
                taskList, "--tasks-dir", tasks.toString(), "--encoder", encoder.toString(), "--out", tuned.toString()));

        var run = EvalResults.readRun(tuned);
        assertEquals(List.of("mc", "mt", "ood", "qa"), List.copyOf(run.keySet()));
        var mt = run.get("mt");
        assertEquals(List.of("chrf++", "bleu:tok=char", "rouge_l", "similarity"),
                mt.summary().metrics().stream().map(m -> m.name()).toList());
        assertTrue(mt.summary().metrics().get(0).signature().contains("nw:2"), mt.summary().metrics().get(0).signature());
        assertEquals(List.of("ཐུགས་རྗེ་ཆེ།", "ཐུགས་རྗེ་ཆེ་ལགས།"), mt.examples().get(1).references());
        assertTrue(mt.examples().get(0).input().startsWith("<|im_start|>user\nTranslate: 你好"));
        assertEquals("Translate: 你好", mt.examples().get(0).extra().get("prompt").asText());
        for (var e : mt.examples()) {
            assertTrue(e.scores().keySet().containsAll(List.of("chrf++", "similarity")), e.scores().toString());
            assertEquals(10, e.stats().get("bleu:tok=char").length, "4 matches, 4 totals, hyp and ref length");
        }
        assertEquals(List.of("cmrc_em", "cmrc_f1"), run.get("qa").summary().metrics().stream().map(m -> m.name())
                .toList());
        var ood = run.get("ood");
        assertEquals(List.of("nll_mean", "nll_p90", "kl_mean", "kl_p90"), ood.summary().metrics().stream()
                .map(m -> m.name()).toList());
        assertTrue(ood.summary().metric("kl_mean").value() > 0, "the adapter moved the distribution");
        assertTrue(ood.summary().reference().contains("adapter disabled"));
        var baseOod = EvalResults.readRun(base).get("ood");
        assertEquals(2, baseOod.summary().metrics().size(), "no adapter, no reference: NLL only");

        // a second eval run into the same folder skips the complete tasks; another model is refused
        assertEquals(0, Main.run("eval", "--model", model.toString(), "--adapter", adapter.toString(), "--tasks",
                "mc", "--tasks-dir", tasks.toString(), "--out", tuned.toString()));
        String mixed = CliRuns.failing("eval", "--model", model.toString(), "--tasks", "mc", "--tasks-dir",
                tasks.toString(), "--out", tuned.toString());
        assertTrue(mixed.contains("holds results of --model") && mixed.contains("--overwrite"), mixed);

        // the judge reads its key from the environment; an unset variable is named, nothing is sent
        Path judgeCfg = dir.resolve("judge.yaml");
        Files.writeString(judgeCfg, "base_url: http://127.0.0.1:9/v1\nmodel: m\napi_key_env: SEMGRPO_TEST_NO_SUCH_KEY\n");
        String judge = CliRuns.failing("judge", "--config", judgeCfg.toString(), "--task", "mt", "--a",
                "tuned=" + tuned, "--b", "base=" + base, "--out", dir.resolve("j").toString());
        assertTrue(judge.contains("SEMGRPO_TEST_NO_SUCH_KEY"), judge);

        Path report = dir.resolve("report");
        assertEquals(0, Main.run("report", "--base", base.toString(), "--compare", "tuned=" + tuned, "--out",
                report.toString(), "--resamples", "200"));
        for (String f : List.of("report.json", "report.md", "report.html")) {
            assertTrue(Files.size(report.resolve(f)) > 0, f);
        }
        JsonNode json = Jsonl.JSON.readTree(report.resolve("report.json").toFile());
        assertTrue(json.get("alignmentTax").size() >= 4, "mc acc/acc_norm and ood nll: " + json.get("alignmentTax"));
        JsonNode kl = null;
        for (JsonNode c : json.get("alignmentTax")) {
            if (c.get("metric").asText().equals("kl_mean")) {
                kl = c;
            }
        }
        assertTrue(kl != null, "KL to the base is part of the tax: " + json.get("alignmentTax"));
        assertEquals(0.0, kl.get("baseValue").asDouble());
        assertTrue(kl.get("change").asDouble() > 0 && kl.get("lo").asDouble() > 0, kl.toString());
        assertTrue(json.get("targetGains").size() >= 4, "mt metrics");
        String html = Files.readString(report.resolve("report.html"));
        assertTrue(html.contains("data:image/png;base64"));
    }

    @Test
    void badTaskNamesAndFilesAreReportedClearly() throws Exception {
        Path tasks = tasks();
        String unknown = CliRuns.failing("eval", "--model", dir.toString(), "--tasks", "mt,nope", "--tasks-dir",
                tasks.toString(), "--out", dir.resolve("o").toString());
        assertTrue(unknown.contains("no task 'nope'") && unknown.contains("known tasks: [mc, mt, ood, qa]"), unknown);
        Files.writeString(tasks.resolve("bad.yaml"), "type: generate\ndata: {path: mt.jsonl}\nmetrics: [chrf, blue]\n");
        String bad = CliRuns.failing("eval", "--model", dir.toString(), "--tasks", "bad", "--tasks-dir",
                tasks.toString(), "--out", dir.resolve("o").toString());
        assertTrue(bad.contains("bad.yaml") && bad.contains("blue"), bad);
        String compare = CliRuns.failing("report", "--base", dir.toString(), "--compare", "grpo", "--out",
                dir.toString());
        assertTrue(compare.contains("--compare expects NAME=DIR"), compare);
    }
}
