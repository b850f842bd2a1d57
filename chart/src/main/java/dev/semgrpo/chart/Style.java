package dev.semgrpo.chart;

import java.awt.Color;
import java.awt.Font;
import java.util.List;

/** The fonts and colours every chart draws with; series colours follow the series' position. */
public final class Style {
    static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 17);
    static final Font SMALL_TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 14);
    static final Font PANEL_TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 13);
    static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    static final Font TICK = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    static final Color GRID = new Color(0xe6e6e6);
    static final Color AXIS = Color.DARK_GRAY;

    /**
     * Okabe and Ito's colour-blind-safe palette (Okabe &amp; Ito 2008, "Color Universal Design"), grey first for a
     * base run, then blue, orange, bluish green, reddish purple, sky blue, vermillion, black; yellow is left out
     * (unreadable on white).
     */
    private static final Color[] PALETTE = {
        new Color(0x999999), new Color(0x0072b2), new Color(0xe69f00), new Color(0x009e73), new Color(0xcc79a7),
        new Color(0x56b4e9), new Color(0xd55e00), new Color(0x000000)
    };
    /** The colour that marks a change for the better (Okabe-Ito blue). */
    public static final Color BETTER = new Color(0x0072b2);
    /** The colour that marks a change for the worse (Okabe-Ito vermillion). */
    public static final Color WORSE = new Color(0xd55e00);

    private Style() {
    }

    /**
     * The colour of series {@code index} (0 = grey, for a base run; 1 = blue, the colour of a single line; then
     * Okabe-Ito's order, repeating after 8).
     */
    public static Color color(int index) {
        return PALETTE[index % PALETTE.length];
    }

    /** The palette in series order, as {@code 0xRRGGBB} values. */
    public static List<Integer> palette() {
        return java.util.Arrays.stream(PALETTE).map(c -> c.getRGB() & 0xffffff).toList();
    }

    /** A named series and its colour, as legends and CSV files show it. */
    public record Series(String name, Color color) {
    }
}
