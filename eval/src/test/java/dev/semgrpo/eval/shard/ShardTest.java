package dev.semgrpo.eval.shard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.eval.results.EvalResults;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShardTest {
    private static String error(String text) {
        return assertThrows(IllegalArgumentException.class, () -> Shard.parse(text)).getMessage();
    }

    @Test
    void parsesIOfNAndNamesWhatIsWrong() {
        assertEquals(new Shard(2, 4), Shard.parse("2/4"));
        assertEquals(new Shard(0, 1), Shard.parse(" 0/1 "));
        assertTrue(Shard.parse("0/1").isWhole());
        assertEquals("2/4", new Shard(2, 4).toString());
        assertTrue(error("0/0").contains("N must be >= 1 (the number of shards), found 0"), error("0/0"));
        assertTrue(error("3/3").contains("i must be < N (shards are numbered 0 .. 2), found i=3"), error("3/3"));
        for (String bad : List.of("a/b", "1", "1/", "/2", "-1/2", "1/2/3", "1.0/2", "")) {
            assertTrue(error(bad).contains("--shard expects i/N, two whole numbers with 0 <= i < N (e.g. 0/4, 1/4, 2/4,"
                    + " 3/4 for four jobs), found '" + bad + "'"), error(bad));
        }
        assertTrue(error("1/99999999999").contains("too large"), error("1/99999999999"));
    }

    @Test
    void blocksGoRoundRobinAndCoverTheTaskOnce() {
        List<Block> blocks = Block.every(3, 10); // [0,3) [3,6) [6,9) [9,10)
        assertEquals(List.of(new Block(0, 3), new Block(3, 6), new Block(6, 9), new Block(9, 10)), blocks);
        assertArrayEquals(new int[] {0, 1, 2, 9}, new Shard(0, 3).slice(10, blocks).indices());
        assertArrayEquals(new int[] {3, 4, 5}, new Shard(1, 3).slice(10, blocks).indices());
        assertArrayEquals(new int[] {6, 7, 8}, new Shard(2, 3).slice(10, blocks).indices());
        assertEquals(0, new Shard(4, 5).slice(10, blocks).size(), "more shards than blocks: an empty slice");
        assertEquals(10, Shard.WHOLE.slice(10, blocks).size());
        assertTrue(new Shard(1, 3).contains(4) && !new Shard(1, 3).contains(3));
        assertThrows(IllegalArgumentException.class, () -> Shard.WHOLE.slice(11, blocks), "blocks end early");
        assertThrows(IllegalArgumentException.class, () -> Shard.WHOLE.slice(10, List.of(new Block(0, 3),
                new Block(4, 10))), "a gap");
        assertThrows(IllegalArgumentException.class, () -> new Block(3, 3));
    }

    @Test
    void shardInfoReadsBackAsWritten() throws Exception {
        ShardInfo info = new ShardInfo("mc", new Shard(1, 3), 7, "sha256:00", List.of(new Block(2, 4),
                new Block(6, 7)));
        String json = EvalResults.JSON.writeValueAsString(info);
        assertTrue(json.contains("\"shard\" : \"1/3\"") && json.contains("\"examples_total\" : 7")
                && json.contains("[ [ 2, 4 ], [ 6, 7 ] ]"), json);
        assertEquals(info, EvalResults.JSON.readValue(json, ShardInfo.class));
        assertEquals(3, info.examples());
        assertFalse(json.contains("examples\""), "the count is derived, not stored: " + json);
    }
}
