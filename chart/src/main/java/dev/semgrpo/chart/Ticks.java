package dev.semgrpo.chart;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Tick values and their labels. */
final class Ticks {
    private Ticks() {
    }

    /** A tick: the pixel it stands at on its axis and the text beside it. */
    record Tick(int pixel, String label) {
    }

    /** Round tick values (1, 2, 5 x 10^k steps) covering [min, max]. */
    static double[] nice(double min, double max) {
        if (!(max > min)) {
            double pad = Math.max(1e-9, Math.abs(min) * 0.1 + (min == 0 ? 1 : 0));
            min -= pad;
            max += pad;
        }
        double raw = (max - min) / 5;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
        double start = Math.floor(min / step) * step;
        double end = Math.ceil(max / step - 1e-9) * step;
        int count = (int) Math.round((end - start) / step) + 1;
        double[] out = new double[count];
        for (int i = 0; i < count; i++) {
            out[i] = start + i * step;
            if (Math.abs(out[i]) < step * 1e-9) {
                out[i] = 0;
            }
        }
        return out;
    }

    /** Ticks at {@code values} on {@code scale}, labelled with as many decimals as their step needs. */
    static List<Tick> at(double[] values, Scale scale) {
        double step = values.length > 1 ? values[1] - values[0] : 1;
        int decimals = (int) Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
        List<Tick> out = new ArrayList<>();
        for (double t : values) {
            out.add(new Tick(scale.pixel(t), String.format(Locale.ROOT, "%." + decimals + "f", t)));
        }
        return out;
    }

    /**
     * {@code intervals + 1} evenly spaced ticks from pixel {@code top} (value {@code hi}) down to {@code bottom}
     * (value {@code lo}), pixels truncated, labelled with three significant digits.
     */
    static List<Tick> even(double lo, double hi, int top, int bottom, int intervals) {
        List<Tick> out = new ArrayList<>();
        for (int i = 0; i <= intervals; i++) {
            out.add(new Tick(top + (bottom - top) * i / intervals,
                    String.format(Locale.ROOT, "%.3g", hi - (hi - lo) * i / intervals)));
        }
        return out;
    }
}
