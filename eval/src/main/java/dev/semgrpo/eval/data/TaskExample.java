package dev.semgrpo.eval.data;

import java.util.List;
import java.util.Map;

/**
 * One example of a task, whatever its source layout.
 *
 * @param id the example's id
 * @param line its line in the data file (for error messages)
 * @param vars template variables: every scalar field of the line, plus the layout's names (source, question, ...)
 * @param references gold outputs (translations, answers); empty for perplexity and multiple choice
 * @param choices the choices of a multiple-choice example, else empty
 * @param label index of the correct choice, or -1
 */
public record TaskExample(String id, int line, Map<String, String> vars, List<String> references, List<String> choices,
        int label) {
    public TaskExample {
        vars = Map.copyOf(vars);
        references = List.copyOf(references);
        choices = List.copyOf(choices);
    }
}
