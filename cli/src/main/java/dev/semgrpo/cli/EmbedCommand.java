package dev.semgrpo.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.io.Jsonl;
import dev.semgrpo.model.io.Plural;
import dev.semgrpo.rewards.encoder.PooledSentenceEncoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Sentence embeddings of a JSONL text field. */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = "Embed a text field of every JSONL record with a sentence encoder.",
        footer = {"", "Examples:",
                "  semgrpo embed --model runs/encoder --data texts.jsonl --out emb.jsonl",
                "  semgrpo embed --model e5-dir --data q.jsonl --field question \\",
                "      --prompt-name query --out q.jsonl",
                "",
                "Output fields: index, embedding."})
final class EmbedCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "sentence-transformers / HF encoder directory")
    Path model;

    @Option(names = "--data", required = true, description = "JSONL records")
    Path data;

    @Option(names = "--field", defaultValue = "text", description = "the text field. Default: ${DEFAULT-VALUE}.")
    String field;

    @Mixin
    OutputFile out;

    @Mixin
    EncoderOptions encoder;

    @Override
    public Integer call() throws Exception {
        out.check(new OutputPaths.Input("--data", data), new OutputPaths.Input("--model", model));
        List<String> texts = new ArrayList<>();
        for (Jsonl.Line line : Jsonl.read(data)) {
            JsonNode t = line.node().get(field);
            if (t == null || !t.isTextual()) {
                throw new IllegalArgumentException(data + ":" + line.number() + ": needs a string \"" + field + "\"");
            }
            texts.add(t.asText());
        }
        try (PooledSentenceEncoder enc = encoder.open(model)) {
            String prefix = encoder.prefix(enc);
            ProgressBar bar = new ProgressBar("embed", texts.size(), "texts");
            List<ObjectNode> records = new ArrayList<>();
            int chunk = 1024;
            for (int start = 0; start < texts.size(); start += chunk) {
                int end = Math.min(texts.size(), start + chunk);
                float[][] e = enc.encode(texts.subList(start, end), prefix);
                for (int i = 0; i < e.length; i++) {
                    ObjectNode o = Jsonl.JSON.createObjectNode();
                    o.put("index", start + i);
                    ArrayNode a = o.putArray("embedding");
                    for (float f : e[i]) {
                        a.add(f);
                    }
                    records.add(o);
                }
                bar.update(end);
            }
            out.write(records);
            long[] t = enc.truncation();
            System.out.printf("wrote %s of dimension %d to %s; %d of %s truncated to %d tokens%n",
                    Plural.of(records.size(), "embedding"), enc.dimension(), out, t[0], Plural.of(t[1], "text"),
                    enc.spec().maxSeqLength());
        }
        return 0;
    }
}
