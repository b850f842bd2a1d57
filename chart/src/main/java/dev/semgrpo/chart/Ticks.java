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
        return nice(min, max, 0);
    }

    /**
     * Round tick values (1, 2, 5 x 10^k steps, about five intervals) covering [min, max], the step at least
     * {@code minStep} (1 for an axis of whole numbers such as training steps; 0 for no bound).
     */
    static double[] nice(double min, double max, double minStep) {
        if (!(max > min)) {
            double pad = Math.max(1e-9, Math.abs(min) * 0.1 + (min == 0 ? 1 : 0));
            min -= pad;
            max += pad;
        }
        double raw = (max - min) / 5;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
        step = Math.max(step, minStep);
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

    /** Ticks at {@code values} on {@code scale}, labelled by {@link #labels}. */
    static List<Tick> at(double[] values, Scale scale) {
        List<String> labels = labels(values);
        List<Tick> out = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            out.add(new Tick(scale.pixel(values[i]), labels.get(i)));
        }
        return out;
    }

    /**
     * Labels of evenly spaced round values: with as many decimals as their step needs ({@code 0.25}, {@code 1.5},
     * {@code 200}), or in scientific notation with as many digits as the step needs when the step is below 10^-4
     * or the largest magnitude reaches 10^6 ({@code 2e-05}, {@code 1.5e+06}).
     */
    static List<String> labels(double[] values) {
        double step = values.length > 1 ? Math.abs(values[1] - values[0]) : 1;
        double maxAbs = 0;
        for (double v : values) {
            maxAbs = Math.max(maxAbs, Math.abs(v));
        }
        List<String> out = new ArrayList<>();
        if (step > 0 && (step < 1e-4 || maxAbs >= 1e6)) {
            int digits = (int) Math.max(0, Math.floor(Math.log10(maxAbs)) - Math.floor(Math.log10(step) + 1e-9));
            for (double v : values) {
                out.add(v == 0 ? "0" : String.format(Locale.ROOT, "%." + digits + "e", v));
            }
            return out;
        }
        int decimals = step > 0 ? (int) Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9))) : 0;
        // a step like 0.25 or 2.5 needs one more decimal than its power of ten
        if (step > 0 && Math.abs(step * Math.pow(10, decimals) - Math.rint(step * Math.pow(10, decimals))) > 1e-6) {
            decimals++;
        }
        for (double v : values) {
            out.add(String.format(Locale.ROOT, "%." + decimals + "f", v));
        }
        return out;
    }
}
