package dev.semgrpo.rewards.custom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.rewards.RewardOutput;
import dev.semgrpo.rewards.RewardSample;
import dev.semgrpo.rewards.config.RewardConfig;
import dev.semgrpo.rewards.config.RewardStack;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code type: class}: a RewardFunction loaded by name, with args; every error names the class and the fix. */
class ClassRewardTest {
    private static final String P = "dev.semgrpo.rewards.custom.TestRewards$";

    @TempDir
    Path dir;

    private RewardStack stack(String yaml) throws IOException {
        return RewardStack.build(RewardConfig.parse(yaml), dir);
    }

    @Test
    void aClassIsLoadedByNameWithItsArgsAndWeighted() throws IOException {
        String yaml = "rewards:\n  - type: class\n    class: " + P + "DistanceToLength\n    weight: 0.5\n"
                + "    args: {target: 3, scale: 2.0}\n  - type: class\n    class: " + P + "One\n    name: bonus\n";
        try (RewardStack s = stack(yaml)) {
            List<RewardSample> batch = List.of(RewardSample.of("abc"), RewardSample.of("abcdef"), RewardSample.of(""));
            RewardOutput out = s.reward().score(batch);
            assertArrayEquals(new float[] {0, -6, -6}, out.components().get("distance_to_length"), 1e-6f);
            assertArrayEquals(new float[] {3, 6, 0}, out.components().get("completion_chars"), 1e-6f);
            assertArrayEquals(new float[] {1, 1, 1}, out.components().get("bonus"), 0f, "renamed by the config");
            assertArrayEquals(new float[] {1, -2, -2}, out.rewards(), 1e-6f, "0.5 x distance + 1 x bonus");
            assertEquals(List.of("distance_to_length", "bonus"), s.reward().parts().stream()
                    .map(w -> w.function().name()).toList());
        }
    }

    private String error(String cls, String extra) {
        Exception e = assertThrows(Exception.class, () -> stack("rewards:\n  - type: class\n    class: " + cls + "\n"
                + extra).close());
        assertTrue(e instanceof IllegalArgumentException || e instanceof IOException, e.toString());
        assertTrue(e.getMessage().contains(cls), e.getMessage());
        return e.getMessage();
    }

    @Test
    void errorsNameTheClassAndWhatIsWrong() {
        String m = error("com.example.Missing", "");
        assertTrue(m.contains("class 'com.example.Missing' is not on the classpath") && m.contains("--cp")
                && m.contains("SEMGRPO_CLASSPATH"), m);
        m = error(P + "NotAReward", "");
        assertTrue(m.contains("does not implement dev.semgrpo.rewards.RewardFunction"), m);
        m = error(P + "Abstract", "");
        assertTrue(m.contains("is abstract"), m);
        m = error(P + "WrongConstructor", "");
        assertTrue(m.contains("has neither a public no-argument constructor nor one taking a java.util.Map")
                && m.contains("WrongConstructor(String)"), m);
        m = error(P + "One", "    args: {x: 1}\n");
        assertTrue(m.contains("has no public constructor taking a java.util.Map, which 'args' needs"), m);
        m = error(P + "DistanceToLength", "    args: {target: -1}\n");
        assertTrue(m.contains("its constructor threw java.lang.IllegalArgumentException: args.target must be a whole"
                + " number >= 0, found -1 (called with args with keys [target])"), m);
        m = error(P + "DistanceToLength", "");
        assertTrue(m.contains("its constructor threw") && m.contains("found null (called with no args)"), m);
        m = error(P + "Nameless", "");
        assertTrue(m.contains("its name() returned ' '"), m);
        m = error("not a class name", "");
        assertTrue(m.contains("needs 'class': the fully qualified name"), m);
    }
}
