package dev.semgrpo.model.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The strict YAML/JSON setup: no coercion, no duplicates, no trailing content, finite numbers, named errors. */
class StrictJacksonTest {
    /** A config shaped like the project's: wrappers for optional keys, a nested section, a list and a map. */
    record Section(Integer maxSteps, Boolean packing, Double lr, String name, List<Integer> sizes,
            Map<String, Object> kwargs, Long seed) {
    }

    record Root(Section run) {
    }

    private static final ObjectMapper YAML = StrictJackson.yaml()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    private static String error(String yaml) {
        JsonProcessingException e = assertThrows(JsonProcessingException.class, () -> YAML.readValue(yaml,
                Root.class), yaml);
        return ConfigErrors.describe(e, "", yaml, "");
    }

    private static String invalid(String yaml) {
        return assertThrows(IOException.class, () -> ConfigErrors.readTree(YAML, yaml, "c", "a mapping"), yaml)
                .getMessage();
    }

    @Test
    void validConfigLoads() throws IOException {
        Root r = YAML.readValue("run:\n  max_steps: 3\n  packing: true\n  lr: 1\n  name: 'yes'\n  sizes: [1, 2]\n"
                + "  kwargs: {enable_thinking: false}\n  seed: 9007199254740993\n", Root.class);
        assertEquals(new Section(3, true, 1.0, "yes", List.of(1, 2), Map.of("enable_thinking", false),
                9007199254740993L), r.run());
    }

    @Test
    void scalarsAreNotCoerced() {
        assertEquals("near line 2: run.max_steps: expected a whole number, found the number 1.7",
                error("run:\n  max_steps: 1.7\n"));
        assertTrue(error("run:\n  max_steps: '5'\n").contains("expected a whole number, found the string \"5\""));
        assertTrue(error("run:\n  packing: \"yes\"\n").contains("run.packing: expected true or false"));
        assertTrue(error("run:\n  packing: yes\n").contains("expected true or false, found the string"));
        assertTrue(error("run:\n  packing: 1\n").contains("expected true or false, found the number 1"));
        assertTrue(error("run:\n  lr: '0.05'\n").contains("run.lr: expected a number"));
        assertTrue(error("run:\n  name: 5\n").contains("run.name: expected a string"));
        assertTrue(error("run:\n  name: true\n").contains("run.name: expected a string"));
        assertTrue(error("run:\n  sizes: [1, '2']\n").contains("run.sizes[1]: expected a whole number"));
        assertTrue(error("run:\n  sizes: 1\n").contains("run.sizes: expected a list"));
        assertTrue(error("run: [1]\n").contains("run: expected a Section section, found a list"),
                error("run: [1]\n"));
    }

    @Test
    void rangesNullsAndNonFiniteNumbersAreRejected() {
        assertTrue(error("run:\n  max_steps: 10000000000\n").contains("out of range"));
        assertTrue(error("run:\n  seed: 18446744073709551616\n").contains("out of range"));
        assertTrue(error("run:\n  lr: .nan\n").contains("expected a finite number, found '.nan'"));
        assertTrue(error("run:\n  lr: 1e400\n").contains("expected a finite number"));
        assertTrue(invalid("run:\n  max_steps: null\n").contains("run.max_steps: found null"));
        assertTrue(invalid("run:\n  max_steps:\n").startsWith("c: near line 2: run.max_steps: found null"));
        assertTrue(invalid("run:\n  sizes: [1, null]\n").contains("run.sizes[1]: found null"));
        assertEquals("c: expected a mapping, found an empty file", invalid("# nothing\n"));
        assertEquals("c: expected a mapping, found array", invalid("- 1\n"));
        assertTrue(invalid("run:\n  lr: 1\n}\n").matches("c: near line \\d: not valid YAML: while parsing a block"
                + " mapping; expected <block end>, but found '}'"), invalid("run:\n  lr: 1\n}\n"));
    }

    @Test
    void duplicatesAndTrailingContentAreRejected() {
        assertEquals("near line 3: duplicate key 'run': the key is set twice in the same section; keep one",
                error("run:\n  lr: 1\nrun:\n  lr: 2\n"));
        assertTrue(error("run: {lr: 1, lr: 2}\n").contains("duplicate key 'lr'"));
        assertTrue(error("run: {lr: 1}\n---\nrun: {lr: 2}\n").contains("content after the end"));
    }

    @Test
    void jsonRejectsTrailingValuesDuplicatesAndNaN() {
        ObjectMapper json = StrictJackson.json();
        assertThrows(JsonProcessingException.class, () -> json.readTree("{\"a\": 1} {\"a\": 2}"));
        assertThrows(JsonProcessingException.class, () -> json.readTree("{\"a\": 1, \"a\": 2}"));
        assertThrows(JsonProcessingException.class, () -> json.readTree("{\"a\": NaN}"));
        assertEquals("a.b[1]", StrictJackson.invalid(YAML.createObjectNode().set("a", YAML.createObjectNode()
                .set("b", YAML.createArrayNode().add(1.0).add(Double.POSITIVE_INFINITY))), true).path());
    }

    @Test
    void lineOfFindsNestedKeysInBlockAndFlowStyle() {
        String src = "# comment\nrun:\n  name: x\nrewards:\n  rewards:\n    - {type: chrf, weight: 1}\n"
                + "    - type: language\n      scripts: [latin]\n";
        assertEquals(3, ConfigErrors.lineOf(src, "run.name"));
        assertEquals(6, ConfigErrors.lineOf(src, "rewards.rewards[0].weight"));
        assertEquals(8, ConfigErrors.lineOf(src, "rewards.rewards[1].scripts"));
        assertEquals(2, ConfigErrors.lineOf(src, "run.missing"), "the nearest ancestor");
    }

    @Test
    void notUtf8NamesFileLineAndByte(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("c.yaml");
        Files.write(f, new byte[] {'a', ':', ' ', '1', '\n', 'b', ':', ' ', (byte) 0xC3, '(', '\n'});
        IOException e = assertThrows(IOException.class, () -> Utf8Files.read(f));
        assertEquals(f + ":2: not valid UTF-8 (byte 0xC3 at byte 4 of the line); save the file as UTF-8",
                e.getMessage());
        Files.write(f, "a: é\r\nb: 2".getBytes(StandardCharsets.UTF_8));
        assertEquals("a: é\r\nb: 2\n", Utf8Files.read(f));
    }

    @Test
    void problemsAreBounded() {
        Problems p = new Problems(2);
        for (int i = 0; i < 1_000_000; i++) {
            p.add("problem " + i);
        }
        assertEquals(1_000_000, p.count());
        assertEquals("problem 0; problem 1; ... and 999998 more", p.shown("; "));
    }
}
