package dev.semgrpo.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CsvTest {
    @Test
    void fieldsWithCommasQuotesAndLineEndsAreQuotedWithDoubledQuotes() {
        assertEquals("plain name", Csv.quote("plain name"));
        assertEquals("\"sft, \"\"v2\"\"\"", Csv.quote("sft, \"v2\""));
        assertEquals("\"a\"\"b\"", Csv.quote("a\"b"));
        assertEquals("\"two\nlines\"", Csv.quote("two\nlines"));
        assertEquals("\"cr\rhere\"", Csv.quote("cr\rhere"));
        String text = new Csv("panel", "model").row("t (general, n=3)", "sft, \"v2\"").row("x", "").text();
        assertEquals("panel,model\n\"t (general, n=3)\",\"sft, \"\"v2\"\"\"\nx,\n", text);
        assertEquals(List.of(List.of("panel", "model"), List.of("t (general, n=3)", "sft, \"v2\""), List.of("x", "")),
                Csv.parse(text));
        assertEquals(List.of(List.of("a\nb", "c")), Csv.parse("\"a\nb\",c\r\n"));
    }

    @Test
    void rowsMustMatchTheHeader() {
        Csv csv = new Csv("a", "b");
        assertThrows(IllegalArgumentException.class, () -> csv.row("1"));
        assertThrows(IllegalArgumentException.class, () -> Csv.parse("a,\"open"));
    }

    @Test
    void numbersAreShortWholeOrDoubleToStringAndNaNIsEmpty() {
        assertEquals("12", Csv.number(12.0));
        assertEquals("-3", Csv.number(-3.0));
        assertEquals("0", Csv.number(0.0));
        assertEquals("0.1", Csv.number(0.1));
        assertEquals("1.0E-5", Csv.number(1e-5));
        assertEquals("1.0E15", Csv.number(1e15));
        assertEquals("2.5E20", Csv.number(2.5e20));
        assertEquals("", Csv.number(Double.NaN));
        assertEquals("Infinity", Csv.number(Double.POSITIVE_INFINITY));
        assertEquals(Double.NaN, Csv.parseNumber(""));
    }

    @Test
    void numbersReadBackExactlyInEveryLocale() {
        Locale before = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMANY);
            assertEquals("0.5", Csv.number(0.5), "'.' as decimal separator");
            Random r = new Random(5);
            for (int i = 0; i < 10_000; i++) {
                double v = switch (i % 4) {
                    case 0 -> r.nextGaussian();
                    case 1 -> r.nextGaussian() * 1e12;
                    case 2 -> Math.rint(r.nextGaussian() * 1e6);
                    default -> Double.longBitsToDouble(r.nextLong());
                };
                if (Double.isNaN(v)) {
                    continue;
                }
                assertEquals(v, Csv.parseNumber(Csv.number(v)), 0.0, Csv.number(v));
            }
        } finally {
            Locale.setDefault(before);
        }
    }
}
