import { expect } from "chai";
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** Every `.ts` module under `dir`, relative to it. */
function modulesUnder(dir: string, prefix = ""): string[] {
  return readdirSync(path.join(dir, prefix)).flatMap((name) => {
    const relative = path.join(prefix, name);
    if (statSync(path.join(dir, relative)).isDirectory()) return modulesUnder(dir, relative);
    // A child process's entry point (`*-process.ts`) runs when it starts, as a script does: it is
    // not a module to import.
    return name.endsWith(".ts") && !name.endsWith(".d.ts") && !name.endsWith("-process.ts") ? [relative] : [];
  });
}

// The README's first command runs on a clean clone, where `artifacts/` does not exist until the
// devnet builds the contracts: a module that reads an artifact when it is imported breaks every
// command that imports it first (the devnet failed so, issue 14). This imports every module of
// `src/` from a copy of the tree that has no artifacts, in a fresh process, and expects none to throw.
describe("modules on a clean clone (no artifacts built)", () => {
  it("every module under src/ imports without reading a contract artifact", async function () {
    this.timeout(120_000);
    const root = mkdtempSync(path.join(tmpdir(), "ultrasound-clean-"));
    try {
      cpSync("src", path.join(root, "src"), { recursive: true });
      cpSync("package.json", path.join(root, "package.json"));
      // The dependencies as installed (a symlink in the temporary copy, never in the repository).
      symlinkSync(path.resolve("node_modules"), path.join(root, "node_modules"), "dir");
      const modules = modulesUnder(path.join(root, "src"));
      expect(modules.length).to.be.greaterThan(50);
      const script = path.join(root, "import-all.mjs");
      writeFileSync(
        script,
        [
          `const modules = ${JSON.stringify(modules)};`,
          `const failures = [];`,
          `for (const m of modules) {`,
          `  try { await import("./src/" + m); } catch (error) { failures.push(m + ": " + String(error?.message ?? error).split("\\n")[0]); }`,
          `}`,
          `console.log(JSON.stringify({ imported: modules.length, failures }));`,
          `process.exit(0);`,
        ].join("\n"),
      );
      const stdout = await new Promise<string>((resolve, reject) =>
        execFile(process.execPath, ["--import", "tsx", script], { cwd: root, timeout: 110_000, maxBuffer: 1 << 24 }, (error, out, err) =>
          error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
        ),
      );
      const report = JSON.parse(stdout.trim().split("\n").at(-1)!) as { imported: number; failures: string[] };
      expect(report.failures, report.failures.join("\n")).to.deep.equal([]);
      expect(report.imported).to.equal(modules.length);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
