package dev.semgrpo.chart;

import java.util.ArrayList;
import java.util.List;

/**
 * The plotted data of a chart as CSV text: a header row, then one row per plotted value; UTF-8, LF line ends. Text
 * fields are quoted as RFC 4180 says (a field holding a comma, a double quote, CR or LF is enclosed in double quotes,
 * its quotes doubled). Numbers do not depend on the locale: {@link #number}.
 */
public final class Csv {
    private final StringBuilder text = new StringBuilder();
    private final int columns;

    /** A table with the given column names as its header row. */
    Csv(String... header) {
        columns = header.length;
        row(header);
    }

    /** Appends a row of already formatted fields (text or {@link #number}s), as many as the header has. */
    Csv row(String... fields) {
        if (fields.length != columns) {
            throw new IllegalArgumentException("a CSV row has " + fields.length + " fields, the header " + columns);
        }
        for (int i = 0; i < fields.length; i++) {
            text.append(i == 0 ? "" : ",").append(quote(fields[i]));
        }
        text.append('\n');
        return this;
    }

    /** The whole table. */
    String text() {
        return text.toString();
    }

    /** A field as RFC 4180 writes it: as is, or in double quotes (doubled inside) when it holds , " CR or LF. */
    public static String quote(String field) {
        if (field.indexOf(',') < 0 && field.indexOf('"') < 0 && field.indexOf('\r') < 0 && field.indexOf('\n') < 0) {
            return field;
        }
        return '"' + field.replace("\"", "\"\"") + '"';
    }

    /**
     * A number as it is written: {@link Double#toString} (which reads back as the same double, '.' as decimal
     * separator in every locale, {@code 1.0E-5} for small and large magnitudes), except that whole numbers below
     * 10^15 in magnitude drop the {@code .0} ({@code 12}, not {@code 12.0}) and NaN, a missing value, is the empty
     * field.
     */
    public static String number(double v) {
        if (Double.isNaN(v)) {
            return "";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    /** Parses a field written by {@link #number}: the empty field is NaN. */
    public static double parseNumber(String field) {
        return field.isEmpty() ? Double.NaN : Double.parseDouble(field);
    }

    /**
     * Reads CSV text as RFC 4180 writes it (quoted fields may hold commas, doubled quotes and line ends) into rows
     * of fields; for tests and tools that read the files back.
     */
    public static List<List<String>> parse(String csv) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < csv.length(); i++) {
            char ch = csv.charAt(i);
            if (quoted) {
                if (ch == '"' && i + 1 < csv.length() && csv.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    field.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                row.add(field.toString());
                field.setLength(0);
            } else if (ch == '\n' || ch == '\r') {
                if (ch == '\r' && i + 1 < csv.length() && csv.charAt(i + 1) == '\n') {
                    i++;
                }
                row.add(field.toString());
                field.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
            } else {
                field.append(ch);
            }
        }
        if (quoted) {
            throw new IllegalArgumentException("CSV text ends inside a quoted field");
        }
        if (field.length() > 0 || !row.isEmpty()) {
            row.add(field.toString());
            rows.add(row);
        }
        return rows;
    }
}
