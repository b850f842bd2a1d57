package dev.semgrpo.model.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The part of Jinja2 that HF chat templates use, interpreted in Java with transformers' settings
 * ({@code trim_blocks}, {@code lstrip_blocks}, loop controls, an immutable sandbox). Statements: if/elif/else, for
 * (with loop variables, unpacking, else), set (including namespace attributes and block set), macro, break, continue,
 * generation. Expressions: literals, lists, dicts, tuples, attribute and item access, slices with steps, calls,
 * filters, tests, arithmetic, comparison, {@code in}, {@code ~}, and/or/not, inline if. Python string and dict methods
 * (startswith, split, strip, items, get, ...) work on values. Errors name the template line.
 */
public final class Jinja {
    /** The value of a missing name or attribute: prints as "", is false, is not defined. */
    public static final Object UNDEFINED = new Object() {
        @Override
        public String toString() {
            return "";
        }
    };

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<Node> body;
    private final Map<String, Object> globals = new HashMap<>();

    /** A template error, with the template line. */
    public static final class TemplateException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public TemplateException(String message) {
            super(message);
        }
    }

    /** A function callable from templates. */
    @FunctionalInterface
    public interface Callable {
        Object call(List<Object> args, Map<String, Object> kwargs);
    }

    public Jinja(String source) {
        this.body = new Parser(lex(source)).parseBody(Set.of());
        globals.put("namespace", (Callable) (a, kw) -> new Namespace(kw));
        globals.put("range", (Callable) (a, kw) -> range(a));
        globals.put("dict", (Callable) (a, kw) -> new LinkedHashMap<>(kw));
    }

    /** Adds a global function or value. */
    public Jinja global(String name, Object value) {
        globals.put(name, value);
        return this;
    }

    public String render(Map<String, Object> context) {
        Scope scope = new Scope(null);
        scope.vars.putAll(globals);
        scope.vars.putAll(context);
        StringBuilder out = new StringBuilder();
        try {
            renderAll(body, scope, out);
        } catch (LoopControl c) {
            throw new TemplateException("line " + c.line + ": " + c.kind + " outside a loop");
        }
        return out.toString();
    }

    // ------------------------------------------------------------------ lexing: text, {{ }}, {% %}, {# #}

    private enum Kind { TEXT, VAR, BLOCK }

    private record Tok(Kind kind, String text, int line) {
    }

    static List<Tok> lex(String src) {
        List<Tok> out = new ArrayList<>();
        int i = 0;
        int line = 1;
        StringBuilder text = new StringBuilder();
        boolean trimNextLeading = false;
        boolean trimNextNewline = false;
        while (i < src.length()) {
            int open = nextOpen(src, i);
            String chunk = open < 0 ? src.substring(i) : src.substring(i, open);
            if (trimNextLeading) {
                chunk = stripLeading(chunk);
            } else if (trimNextNewline) {
                if (chunk.startsWith("\r\n")) {
                    chunk = chunk.substring(2);
                } else if (chunk.startsWith("\n")) {
                    chunk = chunk.substring(1);
                }
            }
            trimNextLeading = false;
            trimNextNewline = false;
            if (open < 0) {
                text.append(chunk);
                break;
            }
            char type = src.charAt(open + 1);
            String close = type == '{' ? "}}" : type == '%' ? "%}" : "#}";
            int start = open + 2;
            boolean leftTrim = start < src.length() && src.charAt(start) == '-';
            boolean plus = start < src.length() && src.charAt(start) == '+';
            if (leftTrim || plus) {
                start++;
            }
            int end = src.indexOf(close, start);
            if (end < 0) {
                throw new TemplateException("line " + (line + count(chunk)) + ": unclosed '" + src.substring(open, open + 2)
                        + "'");
            }
            boolean rightTrim = end > start && src.charAt(end - 1) == '-';
            String inner = src.substring(start, rightTrim ? end - 1 : end).trim();
            if (leftTrim) {
                chunk = stripTrailing(chunk);
            } else if (type != '{' && !plus) {
                // lstrip_blocks: spaces and tabs between the line start and a block tag go
                int k = open;
                while (k > 0 && (src.charAt(k - 1) == ' ' || src.charAt(k - 1) == '\t')) {
                    k--;
                }
                if (k == 0 || src.charAt(k - 1) == '\n') {
                    int e = chunk.length();
                    while (e > 0 && (chunk.charAt(e - 1) == ' ' || chunk.charAt(e - 1) == '\t')) {
                        e--;
                    }
                    chunk = chunk.substring(0, e);
                }
            }
            text.append(chunk);
            line += count(src.substring(i, open));
            if (text.length() > 0) {
                out.add(new Tok(Kind.TEXT, text.toString(), line));
                text.setLength(0);
            }
            if (type == '{') {
                out.add(new Tok(Kind.VAR, inner, line));
            } else if (type == '%') {
                out.add(new Tok(Kind.BLOCK, inner, line));
            }
            line += count(src.substring(open, end));
            i = end + 2;
            if (rightTrim) {
                trimNextLeading = true;
            } else if (type != '{') {
                trimNextNewline = true; // trim_blocks
            }
        }
        if (text.length() > 0) {
            out.add(new Tok(Kind.TEXT, text.toString(), line));
        }
        return out;
    }

    private static int nextOpen(String s, int from) {
        for (int i = s.indexOf('{', from); i >= 0 && i + 1 < s.length(); i = s.indexOf('{', i + 1)) {
            char c = s.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
        }
        return -1;
    }

    private static int count(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\n') {
                n++;
            }
        }
        return n;
    }

    private static String stripLeading(String s) {
        int i = 0;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return s.substring(i);
    }

    private static String stripTrailing(String s) {
        int i = s.length();
        while (i > 0 && Character.isWhitespace(s.charAt(i - 1))) {
            i--;
        }
        return s.substring(0, i);
    }

    // ------------------------------------------------------------------ statements

    private interface Node {
        void render(Scope scope, StringBuilder out);
    }

    private interface Expr {
        Object eval(Scope scope);
    }

    private static final class Scope {
        final Scope parent;
        final Map<String, Object> vars = new HashMap<>();

        Scope(Scope parent) {
            this.parent = parent;
        }

        Object get(String name) {
            for (Scope s = this; s != null; s = s.parent) {
                if (s.vars.containsKey(name)) {
                    return s.vars.get(name);
                }
            }
            return UNDEFINED;
        }
    }

    private static final class Namespace extends LinkedHashMap<String, Object> {
        private static final long serialVersionUID = 1L;

        Namespace(Map<String, Object> init) {
            super(init);
        }
    }

    private static final class LoopControl extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String kind;
        final int line;

        LoopControl(String kind, int line) {
            super(kind, null, false, false);
            this.kind = kind;
            this.line = line;
        }
    }

    private static void renderAll(List<Node> nodes, Scope scope, StringBuilder out) {
        for (Node n : nodes) {
            n.render(scope, out);
        }
    }

    private record Text(String text) implements Node {
        public void render(Scope scope, StringBuilder out) {
            out.append(text);
        }
    }

    private record Output(Expr expr, int line) implements Node {
        public void render(Scope scope, StringBuilder out) {
            out.append(str(at(line, () -> expr.eval(scope))));
        }
    }

    private record If(List<Expr> conds, List<List<Node>> branches, List<Node> otherwise, int line) implements Node {
        public void render(Scope scope, StringBuilder out) {
            for (int i = 0; i < conds.size(); i++) {
                Expr c = conds.get(i);
                if (truthy(at(line, () -> c.eval(scope)))) {
                    renderAll(branches.get(i), scope, out);
                    return;
                }
            }
            renderAll(otherwise, scope, out);
        }
    }

    private record For(List<String> targets, Expr iterable, Expr filter, List<Node> body, List<Node> otherwise,
            int line) implements Node {
        public void render(Scope scope, StringBuilder out) {
            List<Object> items = new ArrayList<>(iterate(at(line, () -> iterable.eval(scope)), line));
            if (filter != null) {
                List<Object> kept = new ArrayList<>();
                for (Object item : items) {
                    Scope s = new Scope(scope);
                    bind(s, item);
                    if (truthy(at(line, () -> filter.eval(s)))) {
                        kept.add(item);
                    }
                }
                items = kept;
            }
            if (items.isEmpty()) {
                renderAll(otherwise, scope, out);
                return;
            }
            for (int i = 0; i < items.size(); i++) {
                Scope s = new Scope(scope);
                bind(s, items.get(i));
                Map<String, Object> loop = new LinkedHashMap<>();
                int n = items.size();
                loop.put("index", (long) i + 1);
                loop.put("index0", (long) i);
                loop.put("revindex", (long) (n - i));
                loop.put("revindex0", (long) (n - i - 1));
                loop.put("first", i == 0);
                loop.put("last", i == n - 1);
                loop.put("length", (long) n);
                loop.put("previtem", i > 0 ? items.get(i - 1) : UNDEFINED);
                loop.put("nextitem", i < n - 1 ? items.get(i + 1) : UNDEFINED);
                final int idx = i;
                loop.put("cycle", (Callable) (a, kw) -> a.isEmpty() ? UNDEFINED : a.get(idx % a.size()));
                s.vars.put("loop", loop);
                try {
                    renderAll(body, s, out);
                } catch (LoopControl c) {
                    if (c.kind.equals("break")) {
                        break;
                    }
                }
            }
        }

        private void bind(Scope s, Object item) {
            if (targets.size() == 1) {
                s.vars.put(targets.get(0), item);
                return;
            }
            List<Object> parts = new ArrayList<>(iterate(item, line));
            if (parts.size() != targets.size()) {
                throw new TemplateException("line " + line + ": cannot unpack " + parts.size() + " values into "
                        + targets);
            }
            for (int k = 0; k < targets.size(); k++) {
                s.vars.put(targets.get(k), parts.get(k));
            }
        }
    }

    private record Assign(String name, String attr, Expr value, List<Node> block, int line) implements Node {
        public void render(Scope scope, StringBuilder out) {
            Object v;
            if (block != null) {
                StringBuilder sb = new StringBuilder();
                renderAll(block, scope, sb);
                v = sb.toString();
            } else {
                v = at(line, () -> value.eval(scope));
            }
            if (attr == null) {
                scope.vars.put(name, v);
                return;
            }
            Object target = scope.get(name);
            if (!(target instanceof Namespace ns)) {
                throw new TemplateException("line " + line + ": can only set attributes of a namespace(), '" + name
                        + "' is " + typeName(target));
            }
            ns.put(attr, v);
        }
    }

    private record Control(String kind, int line) implements Node {
        public void render(Scope scope, StringBuilder out) {
            throw new LoopControl(kind, line);
        }
    }

    private record Block(List<Node> body) implements Node {
        public void render(Scope scope, StringBuilder out) {
            renderAll(body, scope, out);
        }
    }

    private record Macro(String name, List<String> params, List<Expr> defaults, List<Node> body) implements Node {
        public void render(Scope scope, StringBuilder out) {
            scope.vars.put(name, (Callable) (args, kw) -> {
                Scope s = new Scope(scope);
                for (int i = 0; i < params.size(); i++) {
                    String p = params.get(i);
                    Object v = i < args.size() ? args.get(i) : kw.containsKey(p) ? kw.get(p)
                            : defaults.get(i) != null ? defaults.get(i).eval(scope) : UNDEFINED;
                    s.vars.put(p, v);
                }
                StringBuilder sb = new StringBuilder();
                renderAll(body, s, sb);
                return sb.toString();
            });
        }
    }

    private static Object at(int line, java.util.function.Supplier<Object> f) {
        try {
            return f.get();
        } catch (LoopControl e) {
            throw e;
        } catch (TemplateException e) {
            throw e.getMessage().startsWith("line ") ? e : new TemplateException("line " + line + ": " + e.getMessage());
        } catch (RuntimeException e) {
            throw new TemplateException("line " + line + ": " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------ parser

    private static final class Parser {
        private final List<Tok> toks;
        private int pos;

        Parser(List<Tok> toks) {
            this.toks = toks;
        }

        /** Parses nodes until a block tag whose first word is in {@code stops} (left unconsumed). */
        List<Node> parseBody(Set<String> stops) {
            List<Node> nodes = new ArrayList<>();
            while (pos < toks.size()) {
                Tok t = toks.get(pos);
                switch (t.kind()) {
                    case TEXT -> {
                        nodes.add(new Text(t.text()));
                        pos++;
                    }
                    case VAR -> {
                        nodes.add(new Output(new ExprParser(t.text(), t.line()).parseAll(), t.line()));
                        pos++;
                    }
                    case BLOCK -> {
                        String word = firstWord(t.text());
                        if (stops.contains(word)) {
                            return nodes;
                        }
                        pos++;
                        nodes.add(statement(word, t));
                    }
                    default -> throw new IllegalStateException();
                }
            }
            if (!stops.isEmpty()) {
                throw new TemplateException("template ends inside a block: expected one of " + stops);
            }
            return nodes;
        }

        private Node statement(String word, Tok t) {
            String rest = t.text().substring(word.length()).trim();
            int line = t.line();
            switch (word) {
                case "if": {
                    List<Expr> conds = new ArrayList<>();
                    List<List<Node>> branches = new ArrayList<>();
                    List<Node> otherwise = List.of();
                    conds.add(new ExprParser(rest, line).parseAll());
                    branches.add(parseBody(Set.of("elif", "else", "endif")));
                    while (true) {
                        Tok end = toks.get(pos++);
                        String w = firstWord(end.text());
                        if (w.equals("elif")) {
                            conds.add(new ExprParser(end.text().substring(4).trim(), end.line()).parseAll());
                            branches.add(parseBody(Set.of("elif", "else", "endif")));
                        } else if (w.equals("else")) {
                            otherwise = parseBody(Set.of("endif"));
                            pos++;
                            break;
                        } else {
                            break;
                        }
                    }
                    return new If(conds, branches, otherwise, line);
                }
                case "for": {
                    ExprParser ep = new ExprParser(rest, line);
                    List<String> targets = new ArrayList<>();
                    boolean paren = ep.accept("(");
                    do {
                        targets.add(ep.name());
                    } while (ep.accept(","));
                    if (paren) {
                        ep.expect(")");
                    }
                    ep.expectWord("in");
                    Expr iterable = ep.parseNoCondExpr();
                    Expr filter = ep.acceptWord("if") ? ep.parseNoCondExpr() : null;
                    ep.acceptWord("recursive");
                    ep.end();
                    List<Node> body = parseBody(Set.of("else", "endfor"));
                    List<Node> otherwise = List.of();
                    if (firstWord(toks.get(pos++).text()).equals("else")) {
                        otherwise = parseBody(Set.of("endfor"));
                        pos++;
                    }
                    return new For(targets, iterable, filter, body, otherwise, line);
                }
                case "set": {
                    ExprParser ep = new ExprParser(rest, line);
                    String name = ep.name();
                    String attr = ep.accept(".") ? ep.name() : null;
                    if (!ep.accept("=")) {
                        ep.end();
                        List<Node> block = parseBody(Set.of("endset"));
                        pos++;
                        return new Assign(name, attr, null, block, line);
                    }
                    Expr value = ep.parseTuple();
                    ep.end();
                    return new Assign(name, attr, value, null, line);
                }
                case "macro": {
                    ExprParser ep = new ExprParser(rest, line);
                    String name = ep.name();
                    ep.expect("(");
                    List<String> params = new ArrayList<>();
                    List<Expr> defaults = new ArrayList<>();
                    while (!ep.accept(")")) {
                        params.add(ep.name());
                        defaults.add(ep.accept("=") ? ep.parseExpr() : null);
                        if (!ep.accept(",")) {
                            ep.expect(")");
                            break;
                        }
                    }
                    List<Node> body = parseBody(Set.of("endmacro"));
                    pos++;
                    return new Macro(name, params, defaults, body);
                }
                case "break":
                case "continue":
                    return new Control(word, line);
                case "generation": {
                    List<Node> body = parseBody(Set.of("endgeneration"));
                    pos++;
                    return new Block(body);
                }
                default:
                    throw new TemplateException("line " + line + ": unsupported or misplaced tag '{% " + word
                            + " %}'");
            }
        }

        private static String firstWord(String s) {
            int i = 0;
            while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
                i++;
            }
            return s.substring(0, i);
        }
    }

    // ------------------------------------------------------------------ expressions

    private static final class ExprParser {
        private final List<String> t = new ArrayList<>();
        private final List<Boolean> isString = new ArrayList<>();
        private final int line;
        private int p;

        ExprParser(String src, int line) {
            this.line = line;
            tokenize(src);
        }

        private void tokenize(String s) {
            int i = 0;
            while (i < s.length()) {
                char c = s.charAt(i);
                if (Character.isWhitespace(c)) {
                    i++;
                } else if (c == '\'' || c == '"') {
                    StringBuilder sb = new StringBuilder();
                    int j = i + 1;
                    while (j < s.length() && s.charAt(j) != c) {
                        char d = s.charAt(j);
                        if (d == '\\' && j + 1 < s.length()) {
                            char e = s.charAt(++j);
                            switch (e) {
                                case 'n' -> sb.append('\n');
                                case 't' -> sb.append('\t');
                                case 'r' -> sb.append('\r');
                                case 'u' -> {
                                    sb.append((char) Integer.parseInt(s.substring(j + 1, j + 5), 16));
                                    j += 4;
                                }
                                default -> sb.append(e);
                            }
                        } else {
                            sb.append(d);
                        }
                        j++;
                    }
                    if (j >= s.length()) {
                        throw err("unterminated string");
                    }
                    t.add(sb.toString());
                    isString.add(true);
                    i = j + 1;
                } else if (Character.isDigit(c)) {
                    int j = i;
                    while (j < s.length() && (Character.isDigit(s.charAt(j)) || s.charAt(j) == '_'
                            || (s.charAt(j) == '.' && j + 1 < s.length() && Character.isDigit(s.charAt(j + 1))))) {
                        j++;
                    }
                    add(s.substring(i, j));
                    i = j;
                } else if (Character.isLetter(c) || c == '_') {
                    int j = i;
                    while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) {
                        j++;
                    }
                    add(s.substring(i, j));
                    i = j;
                } else {
                    String two = i + 1 < s.length() ? s.substring(i, i + 2) : "";
                    if (List.of("==", "!=", "<=", ">=", "//", "**").contains(two)) {
                        add(two);
                        i += 2;
                    } else if ("()[]{},:.|~+-*/%<>=".indexOf(c) >= 0) {
                        add(String.valueOf(c));
                        i++;
                    } else {
                        throw err("unexpected character '" + c + "'");
                    }
                }
            }
        }

        private void add(String tok) {
            t.add(tok);
            isString.add(false);
        }

        private TemplateException err(String msg) {
            return new TemplateException("line " + line + ": " + msg + " in expression");
        }

        private String peek() {
            return p < t.size() && !isString.get(p) ? t.get(p) : null;
        }

        boolean accept(String tok) {
            if (tok.equals(peek())) {
                p++;
                return true;
            }
            return false;
        }

        boolean acceptWord(String w) {
            return accept(w);
        }

        void expect(String tok) {
            if (!accept(tok)) {
                throw err("expected '" + tok + "' but found " + (p < t.size() ? "'" + t.get(p) + "'" : "the end"));
            }
        }

        void expectWord(String w) {
            expect(w);
        }

        void end() {
            if (p < t.size()) {
                throw err("unexpected '" + t.get(p) + "'");
            }
        }

        String name() {
            String s = peek();
            if (s == null || !(Character.isLetter(s.charAt(0)) || s.charAt(0) == '_')) {
                throw err("expected a name but found " + (p < t.size() ? "'" + t.get(p) + "'" : "the end"));
            }
            p++;
            return s;
        }

        Expr parseAll() {
            Expr e = parseTuple();
            end();
            return e;
        }

        Expr parseTuple() {
            Expr first = parseExpr();
            if (!",".equals(peek())) {
                return first;
            }
            List<Expr> items = new ArrayList<>(List.of(first));
            while (accept(",")) {
                if (p >= t.size()) {
                    break;
                }
                items.add(parseExpr());
            }
            return s -> evalAll(items, s);
        }

        Expr parseExpr() {
            Expr e = parseOr();
            if (acceptWord("if")) {
                Expr cond = parseOr();
                Expr other = acceptWord("else") ? parseExpr() : s -> UNDEFINED;
                Expr then = e;
                return s -> truthy(cond.eval(s)) ? then.eval(s) : other.eval(s);
            }
            return e;
        }

        Expr parseNoCondExpr() {
            return parseOr();
        }

        private Expr parseOr() {
            Expr l = parseAnd();
            while (acceptWord("or")) {
                Expr a = l;
                Expr b = parseAnd();
                l = s -> {
                    Object v = a.eval(s);
                    return truthy(v) ? v : b.eval(s);
                };
            }
            return l;
        }

        private Expr parseAnd() {
            Expr l = parseNot();
            while (acceptWord("and")) {
                Expr a = l;
                Expr b = parseNot();
                l = s -> {
                    Object v = a.eval(s);
                    return !truthy(v) ? v : b.eval(s);
                };
            }
            return l;
        }

        private Expr parseNot() {
            if (acceptWord("not")) {
                Expr e = parseNot();
                return s -> !truthy(e.eval(s));
            }
            return parseCompare();
        }

        private Expr parseCompare() {
            Expr l = parseAdd();
            while (true) {
                String op = peek();
                if (op == null) {
                    return l;
                }
                Expr a = l;
                if (List.of("==", "!=", "<", "<=", ">", ">=").contains(op)) {
                    p++;
                    Expr b = parseAdd();
                    l = s -> compare(op, a.eval(s), b.eval(s));
                } else if (op.equals("in")) {
                    p++;
                    Expr b = parseAdd();
                    l = s -> contains(b.eval(s), a.eval(s));
                } else if (op.equals("not") && "in".equals(p + 1 < t.size() && !isString.get(p + 1) ? t.get(p + 1)
                        : null)) {
                    p += 2;
                    Expr b = parseAdd();
                    l = s -> !contains(b.eval(s), a.eval(s));
                } else if (op.equals("is")) {
                    p++;
                    boolean negate = acceptWord("not");
                    String test = name();
                    List<Expr> args = new ArrayList<>();
                    if (accept("(")) {
                        args = args();
                    } else if (p < t.size() && (isString.get(p) || Character.isDigit(t.get(p).charAt(0)))) {
                        args.add(parsePrimary());
                    }
                    List<Expr> targs = args;
                    l = s -> negate != test(test, a.eval(s), evalAll(targs, s));
                } else {
                    return l;
                }
            }
        }

        private Expr parseAdd() {
            Expr l = parseConcat();
            while (true) {
                String op = peek();
                if (!"+".equals(op) && !"-".equals(op)) {
                    return l;
                }
                p++;
                Expr a = l;
                Expr b = parseConcat();
                l = s -> arith(op, a.eval(s), b.eval(s));
            }
        }

        private Expr parseConcat() {
            Expr l = parseMul();
            while (accept("~")) {
                Expr a = l;
                Expr b = parseMul();
                l = s -> str(a.eval(s)) + str(b.eval(s));
            }
            return l;
        }

        private Expr parseMul() {
            Expr l = parseUnary();
            while (true) {
                String op = peek();
                if (!List.of("*", "/", "//", "%").contains(op == null ? "" : op)) {
                    return l;
                }
                p++;
                Expr a = l;
                Expr b = parseUnary();
                l = s -> arith(op, a.eval(s), b.eval(s));
            }
        }

        private Expr parseUnary() {
            if (accept("-")) {
                Expr e = parseUnary();
                return s -> arith("-", 0L, e.eval(s));
            }
            if (accept("+")) {
                return parseUnary();
            }
            Expr e = parsePostfix(parsePrimary());
            while (accept("|")) {
                String f = name();
                List<Expr> args = new ArrayList<>();
                Map<String, Expr> kwargs = new LinkedHashMap<>();
                if (accept("(")) {
                    callArgs(args, kwargs);
                }
                Expr in = e;
                e = s -> filter(f, in.eval(s), evalAll(args, s), evalKw(kwargs, s));
                e = parsePostfix(e);
            }
            if ("**".equals(peek())) {
                p++;
                Expr a = e;
                Expr b = parseUnary();
                return s -> power(a.eval(s), b.eval(s));
            }
            return e;
        }

        private Expr parsePostfix(Expr e) {
            while (true) {
                if (accept(".")) {
                    String attr = name();
                    Expr obj = e;
                    e = s -> attribute(obj.eval(s), attr);
                } else if (accept("[")) {
                    Expr obj = e;
                    Expr[] parts = new Expr[3];
                    boolean slice = false;
                    int k = 0;
                    while (!accept("]")) {
                        if (accept(":")) {
                            slice = true;
                            k++;
                            if (k > 2) {
                                throw err("too many ':' in slice");
                            }
                            continue;
                        }
                        parts[k] = parseExpr();
                    }
                    if (slice) {
                        Expr a = parts[0];
                        Expr b = parts[1];
                        Expr c = parts[2];
                        e = s -> slice(obj.eval(s), a == null ? null : a.eval(s), b == null ? null : b.eval(s),
                                c == null ? null : c.eval(s));
                    } else {
                        Expr key = parts[0];
                        e = s -> item(obj.eval(s), key.eval(s));
                    }
                } else if (accept("(")) {
                    List<Expr> args = new ArrayList<>();
                    Map<String, Expr> kwargs = new LinkedHashMap<>();
                    callArgs(args, kwargs);
                    Expr fn = e;
                    e = s -> call(fn.eval(s), evalAll(args, s), evalKw(kwargs, s));
                } else {
                    return e;
                }
            }
        }

        private void callArgs(List<Expr> args, Map<String, Expr> kwargs) {
            while (!accept(")")) {
                if (p + 1 < t.size() && "=".equals(t.get(p + 1)) && !isString.get(p + 1) && !isString.get(p)) {
                    String k = name();
                    p++;
                    kwargs.put(k, parseExpr());
                } else {
                    args.add(parseExpr());
                }
                if (!accept(",")) {
                    expect(")");
                    return;
                }
            }
        }

        private List<Expr> args() {
            List<Expr> args = new ArrayList<>();
            Map<String, Expr> kw = new LinkedHashMap<>();
            callArgs(args, kw);
            return args;
        }

        private Expr parsePrimary() {
            if (p >= t.size()) {
                throw err("unexpected end");
            }
            String tok = t.get(p);
            if (isString.get(p)) {
                p++;
                StringBuilder sb = new StringBuilder(tok);
                while (p < t.size() && isString.get(p)) {
                    sb.append(t.get(p++));
                }
                String v = sb.toString();
                return s -> v;
            }
            p++;
            if (Character.isDigit(tok.charAt(0))) {
                String clean = tok.replace("_", "");
                Object v = clean.contains(".") ? (Object) Double.parseDouble(clean) : (Object) Long.parseLong(clean);
                return s -> v;
            }
            switch (tok) {
                case "true":
                case "True":
                    return s -> Boolean.TRUE;
                case "false":
                case "False":
                    return s -> Boolean.FALSE;
                case "none":
                case "None":
                    return s -> null;
                case "(": {
                    if (accept(")")) {
                        return s -> List.of();
                    }
                    Expr e = parseTuple();
                    expect(")");
                    return e;
                }
                case "[": {
                    List<Expr> items = new ArrayList<>();
                    while (!accept("]")) {
                        items.add(parseExpr());
                        if (!accept(",")) {
                            expect("]");
                            break;
                        }
                    }
                    return s -> evalAll(items, s);
                }
                case "{": {
                    List<Expr[]> pairs = new ArrayList<>();
                    while (!accept("}")) {
                        Expr k = parseExpr();
                        expect(":");
                        pairs.add(new Expr[] {k, parseExpr()});
                        if (!accept(",")) {
                            expect("}");
                            break;
                        }
                    }
                    return s -> {
                        Map<String, Object> m = new LinkedHashMap<>();
                        for (Expr[] kv : pairs) {
                            m.put(str(kv[0].eval(s)), kv[1].eval(s));
                        }
                        return m;
                    };
                }
                default:
                    if (!(Character.isLetter(tok.charAt(0)) || tok.charAt(0) == '_')) {
                        throw err("unexpected '" + tok + "'");
                    }
                    return s -> s.get(tok);
            }
        }
    }

    private static List<Object> evalAll(List<Expr> es, Scope s) {
        List<Object> out = new ArrayList<>();
        for (Expr e : es) {
            out.add(e.eval(s));
        }
        return out;
    }

    private static Map<String, Object> evalKw(Map<String, Expr> kw, Scope s) {
        Map<String, Object> out = new LinkedHashMap<>();
        kw.forEach((k, e) -> out.put(k, e.eval(s)));
        return out;
    }

    // ------------------------------------------------------------------ values

    static boolean truthy(Object v) {
        if (v == null || v == UNDEFINED) {
            return false;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof Number n) {
            return n.doubleValue() != 0;
        }
        if (v instanceof String s) {
            return !s.isEmpty();
        }
        if (v instanceof Collection<?> c) {
            return !c.isEmpty();
        }
        if (v instanceof Map<?, ?> m) {
            return !m.isEmpty();
        }
        return true;
    }

    /** Python's str() of a value. */
    static String str(Object v) {
        if (v == null) {
            return "None";
        }
        if (v == UNDEFINED) {
            return "";
        }
        if (v instanceof Boolean b) {
            return b ? "True" : "False";
        }
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof List<?> l) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < l.size(); i++) {
                sb.append(i > 0 ? ", " : "").append(repr(l.get(i)));
            }
            return sb.append(']').toString();
        }
        if (v instanceof Map<?, ?> m) {
            StringBuilder sb = new StringBuilder("{");
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                sb.append(first ? "" : ", ").append(repr(e.getKey())).append(": ").append(repr(e.getValue()));
                first = false;
            }
            return sb.append('}').toString();
        }
        return String.valueOf(v);
    }

    private static String repr(Object v) {
        if (v instanceof String s) {
            return "'" + s.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'";
        }
        return str(v);
    }

    private static String typeName(Object v) {
        if (v == null) {
            return "none";
        }
        if (v == UNDEFINED) {
            return "undefined";
        }
        if (v instanceof String) {
            return "string";
        }
        if (v instanceof Map) {
            return "mapping";
        }
        if (v instanceof List) {
            return "list";
        }
        return v.getClass().getSimpleName().toLowerCase(Locale.ROOT);
    }

    private static Number num(Object v) {
        if (v instanceof Number n) {
            return n;
        }
        if (v instanceof Boolean b) {
            return b ? 1L : 0L;
        }
        throw new TemplateException("expected a number, found " + typeName(v) + " " + repr(v));
    }

    private static boolean integral(Object v) {
        return v instanceof Long || v instanceof Integer || v instanceof Boolean;
    }

    /** Python's {@code **}: an int to a non-negative int power is an int; anything else a float. */
    private static Object power(Object a, Object b) {
        Number x = num(a);
        Number y = num(b);
        if (integral(a) && integral(b) && y.longValue() >= 0) {
            long base = x.longValue();
            long e = y.longValue();
            long r = 1;
            try {
                while (e > 0) { // by squaring; base never exceeds the result, so overflow means the result's
                    if ((e & 1) == 1) {
                        r = Math.multiplyExact(r, base);
                    }
                    e >>= 1;
                    if (e > 0) {
                        base = Math.multiplyExact(base, base);
                    }
                }
            } catch (ArithmeticException ex) {
                throw new TemplateException(x + " ** " + y + " does not fit in a 64-bit integer");
            }
            return r;
        }
        return Math.pow(x.doubleValue(), y.doubleValue());
    }

    @SuppressWarnings("unchecked")
    private static Object arith(String op, Object a, Object b) {
        if (op.equals("+")) {
            if (a instanceof String x && b instanceof String y) {
                return x + y;
            }
            if (a instanceof List<?> x && b instanceof List<?> y) {
                List<Object> out = new ArrayList<>((List<Object>) x);
                out.addAll(y);
                return out;
            }
            if (a instanceof String || b instanceof String) {
                throw new TemplateException("cannot add " + typeName(a) + " and " + typeName(b)
                        + " (use ~ or |string to join text)");
            }
        }
        if (op.equals("*") && a instanceof String s && integral(b)) {
            return s.repeat((int) num(b).longValue());
        }
        Number x = num(a);
        Number y = num(b);
        boolean ints = integral(a) && integral(b);
        switch (op) {
            case "+":
                return ints ? (Object) (x.longValue() + y.longValue()) : (Object) (x.doubleValue() + y.doubleValue());
            case "-":
                return ints ? (Object) (x.longValue() - y.longValue()) : (Object) (x.doubleValue() - y.doubleValue());
            case "*":
                return ints ? (Object) (x.longValue() * y.longValue()) : (Object) (x.doubleValue() * y.doubleValue());
            case "/":
                return x.doubleValue() / y.doubleValue();
            case "//":
                return ints ? (Object) Math.floorDiv(x.longValue(), y.longValue())
                        : (Object) Math.floor(x.doubleValue() / y.doubleValue());
            case "%":
                // Python's %: the result takes the divisor's sign, for floats too
                return ints ? (Object) Math.floorMod(x.longValue(), y.longValue())
                        : (Object) (x.doubleValue() - y.doubleValue() * Math.floor(x.doubleValue() / y.doubleValue()));
            default:
                throw new TemplateException("unknown operator " + op);
        }
    }

    private static boolean equal(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) {
            return x.doubleValue() == y.doubleValue();
        }
        if (a == UNDEFINED || b == UNDEFINED) {
            return a == b;
        }
        return java.util.Objects.equals(a, b);
    }

    private static Object compare(String op, Object a, Object b) {
        switch (op) {
            case "==":
                return equal(a, b);
            case "!=":
                return !equal(a, b);
            default:
                int c;
                if (a instanceof String x && b instanceof String y) {
                    c = x.compareTo(y);
                } else {
                    c = Double.compare(num(a).doubleValue(), num(b).doubleValue());
                }
                return switch (op) {
                    case "<" -> c < 0;
                    case "<=" -> c <= 0;
                    case ">" -> c > 0;
                    default -> c >= 0;
                };
        }
    }

    private static boolean contains(Object container, Object item) {
        if (container instanceof String s) {
            return s.contains(str(item));
        }
        if (container instanceof Map<?, ?> m) {
            return m.containsKey(str(item));
        }
        if (container instanceof Collection<?> c) {
            for (Object o : c) {
                if (equal(o, item)) {
                    return true;
                }
            }
            return false;
        }
        if (container == UNDEFINED || container == null) {
            throw new TemplateException("'in' needs a string, list or mapping, found " + typeName(container));
        }
        return false;
    }

    private static List<?> iterate(Object v, int line) {
        if (v == UNDEFINED || v == null) {
            return List.of();
        }
        if (v instanceof List<?> l) {
            return l;
        }
        if (v instanceof Collection<?> c) {
            return new ArrayList<>(c);
        }
        if (v instanceof Map<?, ?> m) {
            return new ArrayList<>(m.keySet());
        }
        if (v instanceof String s) {
            List<Object> out = new ArrayList<>();
            s.codePoints().forEach(cp -> out.add(new String(Character.toChars(cp))));
            return out;
        }
        throw new TemplateException("line " + line + ": cannot iterate over " + typeName(v));
    }

    private static Object attribute(Object obj, String name) {
        if (obj instanceof Map<?, ?> m) {
            if (m.containsKey(name)) {
                return m.get(name);
            }
            Object method = method(obj, name);
            return method != null ? method : UNDEFINED;
        }
        if (obj == UNDEFINED) {
            throw new TemplateException("'" + name + "' of an undefined value");
        }
        if (obj == null) {
            throw new TemplateException("'None' has no attribute '" + name + "'");
        }
        Object method = method(obj, name);
        return method != null ? method : UNDEFINED;
    }

    private static Object item(Object obj, Object key) {
        if (obj instanceof Map<?, ?> m) {
            Object k = key instanceof String ? key : str(key);
            return m.containsKey(k) ? m.get(k) : UNDEFINED;
        }
        if (obj instanceof List<?> l && integral(key)) {
            int i = (int) num(key).longValue();
            if (i < 0) {
                i += l.size();
            }
            return i >= 0 && i < l.size() ? l.get(i) : UNDEFINED;
        }
        if (obj instanceof String s && integral(key)) {
            int i = (int) num(key).longValue();
            if (i < 0) {
                i += s.length();
            }
            return i >= 0 && i < s.length() ? String.valueOf(s.charAt(i)) : UNDEFINED;
        }
        if (obj == UNDEFINED) {
            throw new TemplateException("index " + repr(key) + " of an undefined value");
        }
        return key instanceof String k ? attribute(obj, k) : UNDEFINED;
    }

    private static Object slice(Object obj, Object start, Object stop, Object step) {
        List<?> items;
        boolean string = obj instanceof String;
        if (string) {
            items = iterate(obj, 0);
        } else if (obj instanceof List<?> l) {
            items = l;
        } else {
            throw new TemplateException("cannot slice " + typeName(obj));
        }
        int n = items.size();
        int st = step == null ? 1 : (int) num(step).longValue();
        if (st == 0) {
            throw new TemplateException("slice step cannot be zero");
        }
        int a;
        int b;
        if (st > 0) {
            a = start == null ? 0 : clampIndex((int) num(start).longValue(), n, false);
            b = stop == null ? n : clampIndex((int) num(stop).longValue(), n, false);
        } else {
            a = start == null ? n - 1 : clampIndex((int) num(start).longValue(), n, true);
            b = stop == null ? -1 : clampIndex((int) num(stop).longValue(), n, true);
        }
        List<Object> out = new ArrayList<>();
        for (int i = a; st > 0 ? i < b : i > b; i += st) {
            out.add(items.get(i));
        }
        if (string) {
            StringBuilder sb = new StringBuilder();
            out.forEach(sb::append);
            return sb.toString();
        }
        return out;
    }

    private static int clampIndex(int i, int n, boolean negativeStep) {
        if (i < 0) {
            i += n;
        }
        if (negativeStep) {
            return Math.max(-1, Math.min(i, n - 1));
        }
        return Math.max(0, Math.min(i, n));
    }

    private static Object call(Object fn, List<Object> args, Map<String, Object> kwargs) {
        if (fn instanceof Callable c) {
            return c.call(args, kwargs);
        }
        throw new TemplateException("cannot call " + typeName(fn) + " (unknown function or method?)");
    }

    /** Python methods of strings and dicts, bound to {@code obj}; null when there is none. */
    private static Callable method(Object obj, String name) {
        if (obj instanceof String s) {
            return switch (name) {
                case "startswith" -> (a, kw) -> startsOrEnds(s, a.get(0), true);
                case "endswith" -> (a, kw) -> startsOrEnds(s, a.get(0), false);
                case "strip" -> (a, kw) -> strip(s, a.isEmpty() ? null : str(a.get(0)), true, true);
                case "lstrip" -> (a, kw) -> strip(s, a.isEmpty() ? null : str(a.get(0)), true, false);
                case "rstrip" -> (a, kw) -> strip(s, a.isEmpty() ? null : str(a.get(0)), false, true);
                case "split" -> (a, kw) -> split(s, a.isEmpty() || a.get(0) == null ? null : str(a.get(0)),
                        a.size() > 1 ? (int) num(a.get(1)).longValue() : -1);
                case "upper" -> (a, kw) -> s.toUpperCase(Locale.ROOT);
                case "lower" -> (a, kw) -> s.toLowerCase(Locale.ROOT);
                case "title" -> (a, kw) -> title(s);
                case "capitalize" -> (a, kw) -> s.isEmpty() ? s
                        : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
                case "replace" -> (a, kw) -> s.replace(str(a.get(0)), str(a.get(1)));
                case "find" -> (a, kw) -> (long) s.indexOf(str(a.get(0)));
                case "count" -> (a, kw) -> (long) split(s, str(a.get(0)), -1).size() - 1;
                case "join" -> (a, kw) -> join(iterate(a.get(0), 0), s);
                case "format" -> (a, kw) -> format(s, a);
                default -> null;
            };
        }
        if (obj instanceof Map<?, ?> m) {
            return switch (name) {
                case "items" -> (a, kw) -> {
                    List<Object> out = new ArrayList<>();
                    m.forEach((k, v) -> out.add(java.util.Arrays.asList(k, v)));
                    return out;
                };
                case "keys" -> (a, kw) -> new ArrayList<>(m.keySet());
                case "values" -> (a, kw) -> new ArrayList<>(m.values());
                case "get" -> (a, kw) -> m.containsKey(str(a.get(0))) ? m.get(str(a.get(0)))
                        : a.size() > 1 ? a.get(1) : null;
                default -> null;
            };
        }
        return null;
    }

    private static boolean startsOrEnds(String s, Object arg, boolean start) {
        List<?> options = arg instanceof List<?> l ? l : List.of(arg);
        for (Object o : options) {
            if (start ? s.startsWith(str(o)) : s.endsWith(str(o))) {
                return true;
            }
        }
        return false;
    }

    private static String strip(String s, String chars, boolean left, boolean right) {
        int a = 0;
        int b = s.length();
        Function<Character, Boolean> drop = c -> chars == null ? Character.isWhitespace(c) : chars.indexOf(c) >= 0;
        while (left && a < b && drop.apply(s.charAt(a))) {
            a++;
        }
        while (right && b > a && drop.apply(s.charAt(b - 1))) {
            b--;
        }
        return s.substring(a, b);
    }

    private static List<Object> split(String s, String sep, int max) {
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            for (String part : s.trim().split("\\s+")) {
                if (!part.isEmpty()) {
                    out.add(part);
                }
            }
            return out;
        }
        if (sep.isEmpty()) {
            throw new TemplateException("empty separator");
        }
        int from = 0;
        while (max < 0 || out.size() < max) {
            int i = s.indexOf(sep, from);
            if (i < 0) {
                break;
            }
            out.add(s.substring(from, i));
            from = i + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    private static String title(String s) {
        StringBuilder sb = new StringBuilder();
        boolean start = true;
        for (char c : s.toCharArray()) {
            sb.append(start ? Character.toUpperCase(c) : Character.toLowerCase(c));
            start = !Character.isLetter(c);
        }
        return sb.toString();
    }

    private static String join(List<?> items, String sep) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < items.size(); i++) {
            sb.append(i > 0 ? sep : "").append(str(items.get(i)));
        }
        return sb.toString();
    }

    private static String format(String s, List<Object> args) {
        StringBuilder sb = new StringBuilder();
        int k = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.startsWith("{}", i) && k < args.size()) {
                sb.append(str(args.get(k++)));
                i++;
            } else {
                sb.append(s.charAt(i));
            }
        }
        return sb.toString();
    }

    private static boolean test(String name, Object v, List<Object> args) {
        return switch (name) {
            case "defined" -> v != UNDEFINED;
            case "undefined" -> v == UNDEFINED;
            case "none" -> v == null;
            case "string" -> v instanceof String;
            case "mapping" -> v instanceof Map;
            case "sequence", "iterable" -> v instanceof List || v instanceof String || v instanceof Map;
            case "number" -> v instanceof Number;
            case "integer" -> integral(v) && !(v instanceof Boolean);
            case "float" -> v instanceof Double;
            case "boolean" -> v instanceof Boolean;
            case "true" -> Boolean.TRUE.equals(v);
            case "false" -> Boolean.FALSE.equals(v);
            case "callable" -> v instanceof Callable;
            case "odd" -> num(v).longValue() % 2 != 0;
            case "even" -> num(v).longValue() % 2 == 0;
            case "divisibleby" -> num(v).longValue() % num(args.get(0)).longValue() == 0;
            case "eq", "equalto", "sameas" -> equal(v, args.get(0));
            case "ne" -> !equal(v, args.get(0));
            case "lower" -> v instanceof String s && s.equals(s.toLowerCase(Locale.ROOT));
            case "upper" -> v instanceof String s && s.equals(s.toUpperCase(Locale.ROOT));
            case "in" -> contains(args.get(0), v);
            default -> throw new TemplateException("unknown test '" + name + "'");
        };
    }

    @SuppressWarnings("unchecked")
    private static Object filter(String name, Object v, List<Object> args, Map<String, Object> kw) {
        switch (name) {
            case "length":
            case "count":
                if (v instanceof String s) {
                    return (long) s.codePointCount(0, s.length());
                }
                if (v instanceof Map<?, ?> m) {
                    return (long) m.size();
                }
                return (long) iterate(v, 0).size();
            case "tojson":
                return toJson(v, kw.containsKey("indent") ? (int) num(kw.get("indent")).longValue()
                        : args.isEmpty() ? -1 : (int) num(args.get(0)).longValue());
            case "trim":
                return strip(str(v), args.isEmpty() ? null : str(args.get(0)), true, true);
            case "upper":
                return str(v).toUpperCase(Locale.ROOT);
            case "lower":
                return str(v).toLowerCase(Locale.ROOT);
            case "capitalize":
                return call(method(str(v), "capitalize"), List.of(), Map.of());
            case "title":
                return title(str(v));
            case "string":
                return str(v);
            case "safe":
            case "e":
            case "escape":
                return v;
            case "int":
                try {
                    return v instanceof Number n ? n.longValue() : (long) Double.parseDouble(str(v).trim());
                } catch (NumberFormatException e) {
                    return args.isEmpty() ? 0L : args.get(0);
                }
            case "float":
                try {
                    return v instanceof Number n ? n.doubleValue() : Double.parseDouble(str(v).trim());
                } catch (NumberFormatException e) {
                    return args.isEmpty() ? 0.0 : args.get(0);
                }
            case "abs":
                return integral(v) ? (Object) Math.abs(num(v).longValue()) : (Object) Math.abs(num(v).doubleValue());
            case "round": {
                int digits = args.isEmpty() ? 0 : (int) num(args.get(0)).longValue();
                double f = Math.pow(10, digits);
                return Math.round(num(v).doubleValue() * f) / f;
            }
            case "default":
            case "d": {
                boolean boolMode = args.size() > 1 && truthy(args.get(1));
                boolean missing = v == UNDEFINED || (boolMode && !truthy(v));
                return missing ? (args.isEmpty() ? "" : args.get(0)) : v;
            }
            case "first": {
                List<?> l = iterate(v, 0);
                return l.isEmpty() ? UNDEFINED : l.get(0);
            }
            case "last": {
                List<?> l = iterate(v, 0);
                return l.isEmpty() ? UNDEFINED : l.get(l.size() - 1);
            }
            case "join":
                return join(kw.containsKey("attribute") ? pluck(iterate(v, 0), str(kw.get("attribute")))
                        : iterate(v, 0), args.isEmpty() ? "" : str(args.get(0)));
            case "list":
                return new ArrayList<>(iterate(v, 0));
            case "reverse":
                if (v instanceof String s) {
                    return new StringBuilder(s).reverse().toString();
                }
                List<Object> r = new ArrayList<>((List<Object>) iterate(v, 0));
                java.util.Collections.reverse(r);
                return r;
            case "items":
                return call(method(v instanceof Map ? v : Map.of(), "items"), List.of(), Map.of());
            case "map":
                if (kw.containsKey("attribute")) {
                    return pluck(iterate(v, 0), str(kw.get("attribute")));
                }
                List<Object> mapped = new ArrayList<>();
                for (Object o : iterate(v, 0)) {
                    mapped.add(filter(str(args.get(0)), o, args.subList(1, args.size()), Map.of()));
                }
                return mapped;
            case "selectattr":
            case "rejectattr": {
                List<Object> out = new ArrayList<>();
                for (Object o : iterate(v, 0)) {
                    Object a = attribute(o, str(args.get(0)));
                    boolean ok = args.size() > 1 ? test(str(args.get(1)), a, args.subList(2, args.size())) : truthy(a);
                    if (ok == name.equals("selectattr")) {
                        out.add(o);
                    }
                }
                return out;
            }
            case "select":
            case "reject": {
                List<Object> out = new ArrayList<>();
                for (Object o : iterate(v, 0)) {
                    boolean ok = args.isEmpty() ? truthy(o) : test(str(args.get(0)), o, args.subList(1, args.size()));
                    if (ok == name.equals("select")) {
                        out.add(o);
                    }
                }
                return out;
            }
            case "unique": {
                List<Object> out = new ArrayList<>();
                for (Object o : iterate(v, 0)) {
                    if (!contains(out, o)) {
                        out.add(o);
                    }
                }
                return out;
            }
            case "replace":
                return str(v).replace(str(args.get(0)), str(args.get(1)));
            case "indent": {
                int width = args.isEmpty() ? 4 : (int) num(args.get(0)).longValue();
                boolean first = args.size() > 1 && truthy(args.get(1)) || truthy(kw.get("first"));
                String pad = " ".repeat(width);
                String[] lines = str(v).split("\n", -1);
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < lines.length; i++) {
                    if (i > 0) {
                        sb.append('\n');
                    }
                    sb.append((i > 0 || first) && !lines[i].isEmpty() ? pad : "").append(lines[i]);
                }
                return sb.toString();
            }
            case "wordcount":
                return (long) split(str(v), null, -1).size();
            case "dictsort": {
                List<Object> items = (List<Object>) call(method(v, "items"), List.of(), Map.of());
                items.sort((x, y) -> str(((List<?>) x).get(0)).compareTo(str(((List<?>) y).get(0))));
                return items;
            }
            default:
                throw new TemplateException("unknown filter '" + name + "'");
        }
    }

    private static List<Object> pluck(List<?> items, String attr) {
        List<Object> out = new ArrayList<>();
        for (Object o : items) {
            out.add(attribute(o, attr));
        }
        return out;
    }

    private static List<Object> range(List<Object> a) {
        long start = a.size() > 1 ? num(a.get(0)).longValue() : 0;
        long stop = num(a.get(a.size() > 1 ? 1 : 0)).longValue();
        long step = a.size() > 2 ? num(a.get(2)).longValue() : 1;
        List<Object> out = new ArrayList<>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
            out.add(i);
        }
        return out;
    }

    /** Python's {@code json.dumps(v, ensure_ascii=False)} (separators ", " and ": "), or indented. */
    static String toJson(Object v, int indent) {
        StringBuilder sb = new StringBuilder();
        writeJson(v, indent, 0, sb);
        return sb.toString();
    }

    private static void writeJson(Object v, int indent, int depth, StringBuilder sb) {
        if (v == null || v == UNDEFINED) {
            sb.append("null");
        } else if (v instanceof Boolean b) {
            sb.append(b ? "true" : "false");
        } else if (v instanceof Number n) {
            sb.append(n instanceof Double d ? String.valueOf(d) : String.valueOf(n.longValue()));
        } else if (v instanceof String s) {
            try {
                sb.append(JSON.writeValueAsString(s));
            } catch (JsonProcessingException e) {
                throw new TemplateException(e.getMessage());
            }
        } else if (v instanceof Map<?, ?> m) {
            sb.append('{');
            int i = 0;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                sb.append(i++ > 0 ? (indent >= 0 ? "," : ", ") : "");
                newline(indent, depth + 1, sb);
                writeJson(str(e.getKey()), indent, depth + 1, sb);
                sb.append(": ");
                writeJson(e.getValue(), indent, depth + 1, sb);
            }
            if (!m.isEmpty()) {
                newline(indent, depth, sb);
            }
            sb.append('}');
        } else if (v instanceof Collection<?> c) {
            sb.append('[');
            int i = 0;
            for (Object o : c) {
                sb.append(i++ > 0 ? (indent >= 0 ? "," : ", ") : "");
                newline(indent, depth + 1, sb);
                writeJson(o, indent, depth + 1, sb);
            }
            if (!c.isEmpty()) {
                newline(indent, depth, sb);
            }
            sb.append(']');
        } else {
            writeJson(str(v), indent, depth, sb);
        }
    }

    private static void newline(int indent, int depth, StringBuilder sb) {
        if (indent >= 0) {
            sb.append('\n').append(" ".repeat(indent * depth));
        }
    }
}
