// Sizes and loops: no file of the UI's sources or tests over 800 lines, no function over 80 (a
// test's describe/it/test callback excepted), and no import cycle among the modules under src/.
// The sources are read as text (Vite reads them; no Node APIs needed) and parsed with TypeScript.
import { describe, expect, it } from "vitest";
import * as typescript from "typescript";

// TypeScript is a CommonJS package: its API is the default export when Node imports it as ESM.
const ts = ((typescript as unknown as { default?: typeof typescript }).default ?? typescript) as typeof typescript;

const MAX_FILE_LINES = 800;
const MAX_FUNCTION_LINES = 80;

type Files = Record<string, string>;

/** Every source and test file of the UI (generated bindings included), by its path under ui/. */
const FILES = import.meta.glob(["/src/**/*.{ts,svelte,css}", "/tests/**/*.{ts,mjs}", "/*.{ts,js,html}"], {
  query: "?raw",
  import: "default",
  eager: true,
}) as Files;

function lineCount(text: string): number {
  return text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}

/** Files over `max` lines, as "path: N lines". */
function oversized(files: Files, max = MAX_FILE_LINES): string[] {
  return Object.entries(files)
    .filter(([, text]) => lineCount(text) > max)
    .map(([path, text]) => `${path}: ${lineCount(text)} lines`);
}

/** The code of a file: a component's <script> blocks in place (the rest blanked, so lines keep their numbers). */
function codeOf(path: string, text: string): string {
  if (!path.endsWith(".svelte")) return text;
  const blank = (s: string) => s.replace(/[^\n]/g, " ");
  let code = "";
  let at = 0;
  for (const m of text.matchAll(/(<script\b[^>]*>)([\s\S]*?)<\/script>/g)) {
    const start = (m.index ?? 0) + m[1].length;
    code += blank(text.slice(at, start)) + m[2];
    at = start + m[2].length;
  }
  return code + blank(text.slice(at));
}

function parse(path: string, text: string): typescript.SourceFile {
  const kind = path.endsWith(".mjs") || path.endsWith(".js") ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  return ts.createSourceFile(path, codeOf(path, text), ts.ScriptTarget.Latest, true, kind);
}

/** A callback handed to describe(), it() or test(): the test's own structure, not a function of the code. */
function isTestCallback(node: typescript.Node): boolean {
  const call = node.parent;
  return ts.isCallExpression(call) && call.arguments.some((a) => a === node) && /^(describe|it|test)\b/.test(call.expression.getText());
}

/** A function's name, or the name it is given (`const f = () => …`, `{ f: () => … }`). */
function nameOf(node: typescript.FunctionLikeDeclaration, source: typescript.SourceFile): string {
  const named = node.name ?? (node.parent as { name?: typescript.Node }).name;
  return named?.getText(source) ?? "(anonymous)";
}

/** Functions over `max` lines, as "path:line name: N lines". */
function longFunctions(files: Files, max = MAX_FUNCTION_LINES): string[] {
  const found: string[] = [];
  for (const [path, text] of Object.entries(files)) {
    if (!/\.(ts|mjs|js|svelte)$/.test(path)) continue;
    const source = parse(path, text);
    const visit = (node: typescript.Node) => {
      if (ts.isFunctionLike(node) && "body" in node && node.body && !isTestCallback(node)) {
        const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
        const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
        const name = nameOf(node as typescript.FunctionLikeDeclaration, source);
        if (last - first + 1 > max) found.push(`${path}:${first + 1} ${name}: ${last - first + 1} lines`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

/** "/src/lib/a/../b" → "/src/lib/b". */
function normalize(path: string): string {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "..") parts.pop();
    else if (part !== "." && part !== "") parts.push(part);
  }
  return `/${parts.join("/")}`;
}

/** The files a file imports (or re-exports from), types included, among `files`. */
function importsOf(path: string, text: string, files: Files): string[] {
  const dir = path.slice(0, path.lastIndexOf("/"));
  const found: string[] = [];
  for (const statement of parse(path, text).statements) {
    const spec =
      (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)
        ? statement.moduleSpecifier.text
        : null;
    if (!spec?.startsWith(".")) continue;
    const base = normalize(`${dir}/${spec}`);
    const target = [base, `${base}.ts`, `${base}/index.ts`, `${base}.js`].find((p) => p in files);
    if (target) found.push(target);
  }
  return found;
}

/** Every import cycle among `files`, as "a → b → a" (one line per group of modules that import each other). */
function importCycles(files: Files): string[] {
  const graph = new Map(Object.entries(files).map(([path, text]) => [path, importsOf(path, text, files)]));
  // Tarjan's strongly connected components: a component of two or more files, or a file that imports itself, is a loop.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const cycles: string[] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      group.unshift(w);
    } while (w !== v);
    if (group.length > 1 || graph.get(v)?.includes(v)) cycles.push([...group, group[0]].join(" → "));
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

describe("the checks themselves", () => {
  it("find a file over 800 lines", () => {
    expect(oversized({ "/src/ok.ts": "x\n".repeat(800), "/tests/long.test.mjs": "x\n".repeat(801) })).toEqual(["/tests/long.test.mjs: 801 lines"]);
  });

  it("find a function over 80 lines, in a module, a component's script and a test helper, but not a test's callback", () => {
    const body = (n: number) => "  x();\n".repeat(n - 2);
    const files = {
      "/src/a.ts": `export function short() {\n${body(80)}}\nexport class C {\n  long() {\n${body(81)}  }\n}\n`,
      "/src/B.svelte": `<p>hi</p>\n<script lang="ts">\n  const f = () => {\n${body(81)}  };\n</script>\n<div></div>\n`,
      "/tests/c.test.mjs": `function helper() {\n${body(81)}}\ndescribe("x", () => {\n${body(200)}});\ntest("y", async () => {\n${body(100)}});\n`,
    };
    expect(longFunctions(files)).toEqual(["/src/a.ts:82 long: 81 lines", "/src/B.svelte:3 f: 81 lines", "/tests/c.test.mjs:1 helper: 81 lines"]);
  });

  it("find an import cycle, type-only imports and components included", () => {
    const files = {
      "/src/lib/a.ts": 'import { b } from "./sub/b";\nexport const a = 1;',
      "/src/lib/sub/b.ts": 'import type { C } from "../C.svelte";\nexport const b = 2;',
      "/src/lib/C.svelte": '<script lang="ts">\n  import { a } from "./a";\n</script>',
      "/src/lib/d.ts": 'export { a } from "./a";\nimport "./d";',
      "/src/lib/e.ts": 'import { a } from "./a";',
    };
    expect(importCycles(files)).toEqual(["/src/lib/a.ts → /src/lib/sub/b.ts → /src/lib/C.svelte → /src/lib/a.ts", "/src/lib/d.ts → /src/lib/d.ts"]);
    expect(importCycles({ "/src/lib/e.ts": 'import { a } from "./a";', "/src/lib/a.ts": "export const a = 1;" })).toEqual([]);
  });
});

describe("the UI's sources and tests", () => {
  it("are all read", () => {
    expect(Object.keys(FILES).length).toBeGreaterThan(50);
    expect(Object.keys(FILES)).toContain("/tests/harness.mjs");
  });

  it(`have no file over ${MAX_FILE_LINES} lines`, () => {
    expect(oversized(FILES)).toEqual([]);
  });

  it(`have no function over ${MAX_FUNCTION_LINES} lines`, () => {
    expect(longFunctions(FILES)).toEqual([]);
  });

  it("have no import cycle among the modules under src/", () => {
    const src = Object.fromEntries(Object.entries(FILES).filter(([path]) => path.startsWith("/src/")));
    expect(importCycles(src)).toEqual([]);
  });
});
