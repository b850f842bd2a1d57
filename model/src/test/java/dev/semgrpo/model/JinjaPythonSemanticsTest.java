package dev.semgrpo.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.model.tokenizer.Jinja;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Jinja2 semantics that real chat templates lean on (Llama 3.1's among them: a system message cut off with
 * {@code messages[1:]}, {@code date_string} defaulted when undefined, tools rendered with {@code tojson(indent=4)},
 * a string tool result that {@code is iterable}), each expected value worked out from Jinja2's and Python's rules.
 */
class JinjaPythonSemanticsTest {
    private static String render(String src, Map<String, Object> ctx) {
        return new Jinja(src).render(ctx);
    }

    private static Map<String, Object> chat() {
        List<Map<String, Object>> ms = new ArrayList<>();
        for (String[] rc : new String[][] {{"system", " S\n"}, {"user", "U1"}, {"assistant", "A1"}, {"user", "U2"}}) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("role", rc[0]);
            m.put("content", rc[1]);
            ms.add(m);
        }
        Map<String, Object> ctx = new HashMap<>();
        ctx.put("messages", ms);
        return ctx;
    }

    @Test
    void setInsideIfRebindsTheOuterNameButSetInsideForDoesNot() {
        Map<String, Object> ctx = chat();
        // `if` opens no scope: the system message is cut off for the rest of the template
        assertEquals("S|3|U1", render("{%- if messages[0]['role'] == 'system' %}{%- set system_message ="
                + " messages[0]['content']|trim %}{%- set messages = messages[1:] %}{%- else %}{%- set system_message"
                + " = '' %}{%- endif %}{{ system_message }}|{{ messages|length }}|{{ messages[0].content }}", ctx));
        // `for` does: an assignment in the body is gone after the loop (a namespace keeps it)
        assertEquals("0 True", render("{% set x = 0 %}{% set ns = namespace(seen=false) %}{% for m in messages %}"
                + "{% set x = 1 %}{% if m.role == 'assistant' %}{% set ns.seen = true %}{% endif %}{% endfor %}"
                + "{{ x }} {{ ns.seen }}", ctx));
        // a default for an undefined variable, as Llama 3.1 sets date_string
        assertEquals("26 Jul 2024|01 Dec 2026", render("{%- if not date_string is defined %}{%- set date_string ="
                + " \"26 Jul 2024\" %}{%- endif %}{{ date_string }}", ctx) + "|" + render("{%- if not date_string is"
                + " defined %}{%- set date_string = \"26 Jul 2024\" %}{%- endif %}{{ date_string }}",
                        Map.of("date_string", "01 Dec 2026")));
    }

    @Test
    void testsFiltersAndMembershipAsPythonHasThem() {
        Map<String, Object> ctx = chat();
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("query", "weather");
        args.put("unit", "C");
        ctx.put("args", args);
        ctx.put("builtin", List.of("brave_search", "code_interpreter", "wolfram_alpha"));
        // a string is iterable (so Llama 3.1 renders a string tool result through tojson), not a mapping
        assertEquals("True False True False", render("{{ 'x' is iterable }} {{ 'x' is mapping }} {{ args is mapping }}"
                + " {{ 3 is iterable }}", ctx));
        assertEquals("\"4\"", render("{{ c | tojson if c is mapping or c is iterable else c }}", Map.of("c", "4")));
        assertEquals("True False", render("{{ 'content' in messages[0] }} {{ 'tool_calls' in messages[0] }}", ctx));
        assertEquals("brave_search, wolfram_alpha", render("{{ builtin | reject('equalto', 'code_interpreter') |"
                + " join(', ') }}", ctx));
        assertEquals("query=\"weather\", unit=\"C\"", render("{%- for k, v in args | items %}"
                + "{{- k + '=\"' + v + '\"' }}"
                + "{%- if not loop.last %}{{- ', ' }}{%- endif %}{%- endfor %}", ctx));
        assertEquals("U1,U2", render("{{ messages | selectattr('role', 'equalto', 'user') | map(attribute='content')"
                + " | join(',') }}", ctx));
        // whitespace control on both sides of output, statements and comments
        assertEquals("abcd", render("a  {{- 'b' -}}  c {#- a comment -#}   d", ctx));
    }

    @Test
    void tojsonWritesWhatPythonsJsonDumpsWrites() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("type", "object");
        inner.put("required", List.of("a", "b"));
        inner.put("empty", List.of());
        Map<String, Object> tool = new LinkedHashMap<>();
        tool.put("name", "add");
        tool.put("text", "<é & 'q' \"d\"\n>");
        tool.put("ratio", 2.0);
        tool.put("ok", true);
        tool.put("none", null);
        tool.put("parameters", inner);
        Map<String, Object> ctx = Map.of("t", tool);
        // transformers' tojson: json.dumps(ensure_ascii=False), no HTML escaping; with indent, "," ends a line
        assertEquals("{\"name\": \"add\", \"text\": \"<é & 'q' \\\"d\\\"\\n>\", \"ratio\": 2.0, \"ok\": true,"
                + " \"none\": null, \"parameters\": {\"type\": \"object\", \"required\": [\"a\", \"b\"],"
                + " \"empty\": []}}",
                render("{{ t | tojson }}", ctx));
        assertEquals("{\n    \"name\": \"add\",\n    \"text\": \"<é & 'q' \\\"d\\\"\\n>\",\n    \"ratio\": 2.0,\n"
                + "    \"ok\": true,\n    \"none\": null,\n    \"parameters\": {\n        \"type\": \"object\",\n"
                + "        \"required\": [\n            \"a\",\n            \"b\"\n        ],\n        \"empty\": []\n"
                + "    }\n}", render("{{ t | tojson(indent=4) }}", ctx));
    }

    @Test
    void powerAndModuloFollowPython() {
        Map<String, Object> ctx = Map.of();
        assertEquals("8 1 0.5 2.0 4611686018427387904 -27", render("{{ 2 ** 3 }} {{ 2 ** 0 }} {{ 2 ** -1 }}"
                + " {{ 4 ** 0.5 }} {{ 2 ** 62 }} {{ (-3) ** 3 }}", ctx));
        assertEquals("1 2 0.5 -1.5", render("{{ 7 % 3 }} {{ -7 % 3 }} {{ -7.5 % 2 }} {{ 7.5 % -3 }}", ctx));
        Jinja.TemplateException e = assertThrows(Jinja.TemplateException.class, () -> render("{{ 2 ** 64 }}", ctx));
        assertTrue(e.getMessage().contains("2 ** 64"), e.getMessage());
    }
}
