import { expect } from "chai";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

/** Every `.ts` / `.mjs` module under `dir` (absolute paths). */
function modulesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return modulesUnder(full);
    return (name.endsWith(".ts") && !name.endsWith(".d.ts")) || name.endsWith(".mjs") ? [full] : [];
  });
}

/**
 * The modules `file` imports from `src/`: static imports and re-exports (type-only ones too, so a
 * circle cannot hide behind `import type`) and dynamic `import("…")`, as TypeScript's own scanner
 * reads them. A `.js` specifier names its `.ts` source, as under NodeNext resolution.
 */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  return importedFiles
    .map((ref) => ref.fileName)
    .filter((specifier) => specifier.startsWith("."))
    .map((specifier) => {
      const target = path.resolve(path.dirname(file), specifier);
      for (const candidate of [target.replace(/\.js$/, ".ts"), target, `${target}.ts`, path.join(target, "index.ts")]) {
        if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
      }
      throw new Error(`${path.relative(".", file)} imports ${specifier}, which does not exist`);
    });
}

/** Every import circle in the graph, each once (as the path that closes it), by a depth-first walk. */
function circlesIn(graph: Map<string, string[]>): string[][] {
  const circles: string[][] = [];
  const done = new Set<string>();
  const onPath: string[] = [];
  const visit = (module: string) => {
    const at = onPath.indexOf(module);
    if (at >= 0) {
      circles.push([...onPath.slice(at), module]);
      return;
    }
    if (done.has(module)) return;
    onPath.push(module);
    for (const next of graph.get(module) ?? []) visit(next);
    onPath.pop();
    done.add(module);
  };
  for (const module of graph.keys()) visit(module);
  return circles;
}

// A circle makes the order modules initialize in depend on which one is imported first (a value
// read before its module ran is `undefined`), and says two components are one in disguise
// (issue 20: the single and the many-rollup node imported each other).
describe("import graph of src/", () => {
  it("has no import circles, static, type-only or dynamic", () => {
    const root = path.resolve("src");
    const graph = new Map(modulesUnder(root).map((file) => [file, importsOf(file)]));
    expect(graph.size).to.be.greaterThan(100);
    const circles = circlesIn(graph).map((circle) => circle.map((file) => path.relative(root, file)).join(" → "));
    expect(circles, `import circles in src/:\n${circles.join("\n")}`).to.deep.equal([]);
  });

  it("finds a circle through a dynamic import (the detector itself)", () => {
    const graph = new Map([
      ["a", ["b"]],
      ["b", ["c"]],
      ["c", ["a"]],
      ["d", ["a"]],
    ]);
    expect(circlesIn(graph)).to.deep.equal([["a", "b", "c", "a"]]);
    // The scanner reads `await import("./x.js")` as an import: the engine's circle was a dynamic one.
    const scanned = ts.preProcessFile('const { execute } = await import("./execute.js");', true, true).importedFiles.map((f) => f.fileName);
    expect(scanned).to.deep.equal(["./execute.js"]);
  });
});
