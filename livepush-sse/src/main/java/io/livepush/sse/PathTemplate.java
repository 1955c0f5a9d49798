package io.livepush.sse;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A path such as {@code /api/match/{id}/live}: literal segments and {@code {name}} segments that match one
 * non-empty path segment. Immutable.
 */
final class PathTemplate {
  private final String template;
  private final String[] segments;
  private final boolean[] variable;

  PathTemplate(String template) {
    if (template == null || !template.startsWith("/")) {
      throw new IllegalArgumentException("path: " + template + " (expected: starts with /)");
    }
    this.template = template;
    String[] parts = template.substring(1).split("/", -1);
    segments = new String[parts.length];
    variable = new boolean[parts.length];
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i];
      if (p.startsWith("{") && p.endsWith("}") && p.length() > 2) {
        segments[i] = p.substring(1, p.length() - 1);
        variable[i] = true;
      } else if (p.contains("{") || p.contains("}")) {
        throw new IllegalArgumentException("path: " + template + " (expected: {name} to fill a whole segment)");
      } else {
        segments[i] = p;
      }
    }
  }

  /** The variables of {@code path}, or {@code null} when it does not match. */
  Map<String, String> match(String path) {
    if (!path.startsWith("/")) {
      return null;
    }
    String[] parts = path.substring(1).split("/", -1);
    if (parts.length != segments.length) {
      return null;
    }
    Map<String, String> vars = null;
    for (int i = 0; i < parts.length; i++) {
      if (variable[i]) {
        if (parts[i].isEmpty()) {
          return null;
        }
        if (vars == null) {
          vars = new LinkedHashMap<>();
        }
        vars.put(segments[i], parts[i]);
      } else if (!segments[i].equals(parts[i])) {
        return null;
      }
    }
    return vars == null ? Map.of() : vars;
  }

  /** Substitutes {@code {name}} in {@code text} with {@code vars}. */
  static String expand(String text, Map<String, String> vars) {
    StringBuilder sb = new StringBuilder(text.length() + 16);
    int i = 0;
    while (i < text.length()) {
      int open = text.indexOf('{', i);
      if (open < 0) {
        sb.append(text, i, text.length());
        break;
      }
      int close = text.indexOf('}', open);
      if (close < 0) {
        throw new IllegalArgumentException("unclosed { in " + text);
      }
      sb.append(text, i, open);
      String name = text.substring(open + 1, close);
      String value = vars.get(name);
      if (value == null) {
        throw new IllegalArgumentException("no path variable {" + name + "}");
      }
      sb.append(value);
      i = close + 1;
    }
    return sb.toString();
  }

  List<String> variables() {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < segments.length; i++) {
      if (variable[i]) {
        out.add(segments[i]);
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return template;
  }
}
