package dev.semgrpo.eval.judge;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.io.Provenance;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * What a judge run records in {@code provenance.json}: {@link Provenance#common()} (time, semgrpo version, git SHA,
 * JVM, OS), then the task and the two compared folders, the judge (model, base URL without credentials, query or
 * fragment, the NAME of the key's environment variable, never the key), the SHA-256 of the settings that decide
 * verdicts ({@link #configHash}), the prompt
 * template (its version when it is the default, "custom" otherwise, and the hashes of both prompts), the number of
 * examples and the accepted share of invalid ones.
 */
public final class JudgeProvenance {
    /** The version of the default prompts and verdict pattern ({@link JudgeConfig#DEFAULT_USER_PROMPT} and others). */
    public static final String DEFAULT_PROMPTS = "mt-bench-pairwise-with-reference-v1";

    private JudgeProvenance() {
    }

    /**
     * The provenance of judging {@code examples} examples of {@code task} with {@code config}.
     *
     * @param a model A as given on the command line ({@code NAME=DIR})
     * @param b model B, the baseline
     */
    public static ObjectNode of(JudgeConfig config, String task, String a, String b, int examples,
            double maxInvalidFraction) {
        ObjectNode o = Provenance.common();
        o.put("command", "judge");
        o.put("task", task);
        o.put("model_a", a);
        o.put("model_b", b);
        ObjectNode judge = o.putObject("judge");
        judge.put("model", config.model());
        judge.put("base_url", withoutSecrets(config.baseUrl()));
        judge.put("api_key_env", config.apiKeyEnv());
        o.put("judge_config_sha256", configHash(config));
        ObjectNode prompts = o.putObject("prompts");
        boolean standard = JudgeConfig.DEFAULT_SYSTEM_PROMPT.equals(config.systemPrompt())
                && JudgeConfig.DEFAULT_USER_PROMPT.equals(config.userPrompt())
                && JudgeConfig.DEFAULT_VERDICT_PATTERN.equals(config.verdictPattern());
        prompts.put("template", standard ? DEFAULT_PROMPTS : "custom");
        prompts.put("system_sha256", Provenance.sha256(config.systemPrompt()));
        prompts.put("user_sha256", Provenance.sha256(config.userPrompt()));
        prompts.put("verdict_pattern", config.verdictPattern());
        o.put("examples", examples);
        o.put("max_invalid_fraction", maxInvalidFraction);
        return o;
    }

    /**
     * The SHA-256 of the settings that decide verdicts: {@code model}, {@code temperature}, {@code max_tokens}, both
     * prompts and {@code verdict_pattern}, as JSON. The endpoint, the key's variable, timeouts, retries and
     * concurrency are left out: a run resumed against the same judge model on another URL reuses the verdicts.
     */
    public static String configHash(JudgeConfig config) {
        ObjectNode decisive = JsonNodeFactory.instance.objectNode();
        decisive.put("model", config.model());
        decisive.put("temperature", config.temperature());
        decisive.put("max_tokens", config.maxTokens());
        decisive.put("system_prompt", config.systemPrompt());
        decisive.put("user_prompt", config.userPrompt());
        decisive.put("verdict_pattern", config.verdictPattern());
        return Provenance.sha256(decisive.toString());
    }

    /** {@code url} without user info, query and fragment. */
    static String withoutSecrets(String url) {
        try {
            URI u = new URI(url);
            return new URI(u.getScheme(), null, u.getHost(), u.getPort(), u.getPath(), null, null).toString();
        } catch (URISyntaxException e) {
            return "(not a URL)";
        }
    }
}
