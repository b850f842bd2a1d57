package dev.semgrpo.chart;

import java.awt.Color;
import java.awt.Font;

/** The fonts and colours every chart draws with; series colours follow the series' position. */
public final class Style {
    static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 17);
    static final Font SMALL_TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 14);
    static final Font PANEL_TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 13);
    static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    static final Font TICK = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    static final Color GRID = new Color(0xe6e6e6);
    static final Color AXIS = Color.DARK_GRAY;

    private static final Color[] PALETTE = {
        new Color(0x7f7f7f), new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
        new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf)
    };

    private Style() {
    }

    /** The colour of series {@code index} (0 = grey, for a base run; 1 = blue, the colour of a single line). */
    public static Color color(int index) {
        return PALETTE[index % PALETTE.length];
    }

    /** A named series and its colour, as legends and CSV files show it. */
    public record Series(String name, Color color) {
    }
}
