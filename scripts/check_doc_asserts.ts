/**
 * The `deno task check` gate against doc examples that cannot fail: `console.assert` in Deno
 * prints "Assertion failed" and the example still passes, so a JSDoc example (or a fenced code
 * block in a Markdown file, which `deno test --doc` also runs) must assert with
 * `node:assert/strict` instead. Run as `deno run -A scripts/check_doc_asserts.ts [root]`: it
 * prints one line per offending example line and exits 1 if there is any.
 *
 * @module
 */

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

/** One `console.assert` found inside a doc example. */
export interface DocAssertFinding {
  /** The file, as given to {@link findConsoleAssertsInExamples}. */
  path: string;
  /** 1-based line number. */
  line: number;
  /** The offending line, trimmed. */
  text: string;
}

const FENCE = /^\s*(?:\*\s?)?(`{3,}|~{3,})/;

/**
 * The lines of `text` that call `console.assert` inside a fenced code block that sits in a JSDoc
 * comment (`/** … *\/`, for source files) or anywhere (for Markdown files, `path` ending `.md`).
 * Code outside examples is not flagged: a plain `console.assert` in source is a lint matter, not a
 * doc example that passes while false.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findConsoleAssertsInExamples } from "./check_doc_asserts.ts";
 * // Spelled apart: written out, these strings would end this example early and trip the check.
 * const call = ["console", "assert"].join(".");
 * const fence = "`".repeat(3);
 * const source = ["/" + "**", ` * ${fence}ts`, ` * ${call}(1 === 2);`, ` * ${fence}`, " *" + "/", call]
 *   .join("\n");
 * const found = findConsoleAssertsInExamples(source, "x.ts");
 * assert.equal(found.length, 1);
 * assert.equal(found[0].line, 3);
 * ```
 */
export function findConsoleAssertsInExamples(text: string, path: string): DocAssertFinding[] {
  const markdown = path.endsWith(".md");
  const lines = text.split("\n");
  const found: DocAssertFinding[] = [];
  let inComment = markdown;
  let fence: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!markdown && !inComment) {
      const open = line.indexOf("/**");
      if (open < 0) continue;
      inComment = true;
      // A one-line `/** … */` holds no fenced block.
      if (line.indexOf("*/", open + 3) >= 0) {
        inComment = false;
        continue;
      }
      continue;
    }
    const match = FENCE.exec(line);
    if (match) {
      if (fence === null) fence = match[1];
      else if (match[1].startsWith(fence)) fence = null;
      continue;
    }
    if (fence !== null && /\bconsole\s*\.\s*assert\s*\(/.test(line)) {
      found.push({ path, line: i + 1, text: line.trim() });
    }
    if (!markdown && line.includes("*/")) {
      inComment = false;
      fence = null;
    }
  }
  return found;
}

const SKIP_DIRECTORIES = new Set([".git", "node_modules", "results", ".mirror", ".stryker-tmp"]);
const SCANNED = /\.(ts|tsx|mts|js|jsx|mjs|md)$/;

/**
 * Every finding under `root` (recursing, skipping `.git`, `node_modules`, `results` and Stryker's `.stryker-tmp`), with paths
 * relative to `root`, in a stable order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * import { scanDocAsserts } from "./check_doc_asserts.ts";
 * const dir = mkdtempSync(join(tmpdir(), "doc-asserts-"));
 * try {
 *   const call = ["console", "assert"].join(".");
 *   const fence = "`".repeat(3);
 *   writeFileSync(join(dir, "a.md"), `${fence}ts\n${call}(false);\n${fence}\n`);
 *   assert.deepEqual(scanDocAsserts(dir).map((f) => `${f.path}:${f.line}`), ["a.md:2"]);
 * } finally {
 *   rmSync(dir, { recursive: true });
 * }
 * ```
 */
export function scanDocAsserts(root: string): DocAssertFinding[] {
  const out: DocAssertFinding[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      const stat = statSync(full);
      if (stat.isDirectory()) {
        if (!SKIP_DIRECTORIES.has(name)) walk(full);
      } else if (SCANNED.test(name)) {
        out.push(...findConsoleAssertsInExamples(readFileSync(full, "utf8"), relative(root, full)));
      }
    }
  };
  walk(root);
  return out;
}

if (import.meta.main) {
  const root = Deno.args[0] ?? ".";
  const findings = scanDocAsserts(root);
  for (const f of findings) console.error(`${f.path}:${f.line}: console.assert in a doc example`);
  if (findings.length > 0) {
    console.error(
      `${findings.length} console.assert call(s) in doc examples: use \`import assert from ` +
        `"node:assert/strict"\` (console.assert prints and passes).`,
    );
    Deno.exit(1);
  }
  console.log("doc examples: no console.assert");
}
