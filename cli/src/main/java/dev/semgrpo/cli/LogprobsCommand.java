package dev.semgrpo.cli;

import dev.semgrpo.model.io.Jsonl;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.generate.LogProbScorer;
import dev.semgrpo.model.generate.NonFiniteLogitsException;
import dev.semgrpo.model.io.Plural;
import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Per-token log-probs of given completions. */
@Command(name = "logprobs", mixinStandardHelpOptions = true,
        description = "Score completions: per-token log-probs and entropies of \"completion\" given \"prompt\".",
        footer = {"", "Examples:",
                "  semgrpo logprobs --model runs/tiny --data pairs.jsonl --out scores.jsonl",
                "",
                "Output fields: index, token_ids, token_logprobs, token_entropies,",
                "sum_logprob, mean_logprob."})
final class LogprobsCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, description = "JSONL with \"prompt\" and \"completion\" per line")
    Path data;

    @Mixin
    OutputFile out;

    @Option(names = "--batch-size", defaultValue = "8", description = "rows per forward. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Mixin
    ModelOptions modelOptions;

    @Override
    public Integer call() throws Exception {
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be >= 1, found " + batchSize);
        }
        out.check(new OutputPaths.Input("--data", data), new OutputPaths.Input("--model", modelOptions.model));
        List<Jsonl.Line> lines = Jsonl.read(data);
        try (TextTokenizer tok = modelOptions.tokenizer(); CausalLM lm = modelOptions.load()) {
            List<int[]> prompts = new ArrayList<>();
            List<int[]> completions = new ArrayList<>();
            for (Jsonl.Line line : lines) {
                JsonNode n = line.node();
                if (!n.path("prompt").isTextual() || !n.path("completion").isTextual()) {
                    throw new IllegalArgumentException(data + ":" + line.number()
                            + ": needs string fields \"prompt\" and \"completion\"");
                }
                int[] p = tok.encode(n.get("prompt").asText());
                if (p.length == 0) {
                    throw new IllegalArgumentException(data + ":" + line.number() + ": \"prompt\" encodes to no tokens");
                }
                prompts.add(p);
                completions.add(tok.encodeRaw(n.get("completion").asText()));
            }
            ProgressBar bar = new ProgressBar("logprobs", lines.size(), "rows");
            List<ObjectNode> records = new ArrayList<>();
            for (int start = 0; start < lines.size(); start += batchSize) {
                int end = Math.min(lines.size(), start + batchSize);
                try (NDManager m = lm.manager().newSubManager()) {
                    LogProbScorer.Scores s = LogProbScorer.score(lm, m, prompts.subList(start, end),
                            completions.subList(start, end), 1.0, true);
                    float[] lp = s.logprobs().toFloatArray();
                    float[] ent = s.entropy().toFloatArray();
                    int tc = (int) s.logprobs().getShape().get(1);
                    for (int r = 0; r < end - start; r++) {
                        int[] c = completions.get(start + r);
                        ObjectNode o = Jsonl.JSON.createObjectNode();
                        o.put("index", start + r);
                        ArrayNode ids = o.putArray("token_ids");
                        ArrayNode lps = o.putArray("token_logprobs");
                        ArrayNode ents = o.putArray("token_entropies");
                        double sum = 0;
                        for (int j = 0; j < c.length; j++) {
                            ids.add(c[j]);
                            lps.add(lp[r * tc + j]);
                            ents.add(ent[r * tc + j]);
                            sum += lp[r * tc + j];
                        }
                        if (!Double.isFinite(sum)) {
                            throw NonFiniteLogitsException.diagnose(lm, "scoring " + data + ":"
                                    + lines.get(start + r).number(), prompts.get(start + r), c);
                        }
                        o.put("sum_logprob", sum);
                        o.put("mean_logprob", c.length == 0 ? 0.0 : sum / c.length);
                        records.add(o);
                    }
                }
                bar.update(end);
            }
            out.write(records);
            System.out.printf("wrote %s to %s%n", Plural.of(records.size(), "scored row"), out);
        }
        return 0;
    }
}
