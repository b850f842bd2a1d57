package dev.semgrpo.eval.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExampleRecordTest {
    @Test
    void mapsAreWrittenInKeyOrderWhateverTheInsertionOrder() throws Exception {
        Map<String, Double> scores = new LinkedHashMap<>();
        scores.put("zeta", 1.0);
        scores.put("alpha", 2.0);
        scores.put("mid", 3.0);
        ExampleRecord r = new ExampleRecord("1", "in", "out", List.of("ref"), scores, null, null, null);
        String json = new ObjectMapper().writeValueAsString(r);
        assertTrue(json.contains("\"scores\":{\"alpha\":2.0,\"mid\":3.0,\"zeta\":1.0}"), json);
        assertEquals(r, new ObjectMapper().readValue(json, ExampleRecord.class));
    }

    @Test
    void missingValuesNameTheExample() {
        ExampleRecord r = new ExampleRecord("ex-7", null, null, null, Map.of("a", 1.0), null, null, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.score("b"));
        assertTrue(e.getMessage().contains("ex-7") && e.getMessage().contains("'b'"), e.getMessage());
    }
}
