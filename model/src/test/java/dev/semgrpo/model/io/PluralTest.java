package dev.semgrpo.model.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PluralTest {
    @Test
    void oneIsSingularEveryOtherCountPlural() {
        assertEquals("1 sample", Plural.of(1, "sample"));
        assertEquals("0 samples", Plural.of(0, "sample"));
        assertEquals("8 samples", Plural.of(8, "sample"));
        assertEquals("1 entry", Plural.of(1, "entry", "entries"));
        assertEquals("2 entries", Plural.of(2, "entry", "entries"));
        assertEquals("is", Plural.isAre(1));
        assertEquals("are", Plural.isAre(0));
        assertEquals("are", Plural.isAre(2));
    }

    @Test
    void problemsNameTheirCountInTheRightNumber() {
        Problems one = new Problems();
        one.add("a");
        assertEquals("1 weight problem: fix\n  a", one.describe("weight problem", "weight problems", "fix"));
        Problems two = new Problems();
        two.add("a");
        two.add("b");
        assertEquals("2 weight problems: fix\n  a\n  b", two.describe("weight problem", "weight problems", "fix"));
    }
}
