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

/** A runnable JSDoc example that asserts nothing, so it can fail only by throwing. */
export interface UnassertedExampleFinding {
  /** The file, as given to {@link findUnassertedExamples}. */
  path: string;
  /** 1-based line number of the example's opening fence. */
  line: number;
}

const OPENING_FENCE = /^\s*(?:\*\s?)?(`{3,}|~{3,})\s*([\w-]*)(.*)$/;
// `assert(…)`, `assert.equal(…)`, `assert.throws(…)`, `assert.rejects(…)` and the like: a call
// that throws when the claim is false.
const ASSERTS = /\bassert\b|\bthrows\b|\brejects\b/;
// The one way out, for a usage sketch whose point is the shape of a call: the reason is required.
const OPT_OUT = /^\s*(?:\*\s?)?\/\/\s*no assertion:\s*\S/;
// The fence languages of a JSDoc comment that `deno test --doc` type-checks and runs as
// TypeScript (Deno 2.9.6 skips a bare fence: checked with one that throws).
const RUNNABLE = new Set(["ts", "typescript"]);

/**
 * The runnable TypeScript examples in the JSDoc comments of `text` (fenced ts blocks without
 * `ignore`, which `deno test --doc` runs) that contain no assertion (`assert`, `assert.…`,
 * `throws`, `rejects`) and no opt-out line `// no assertion: <reason>`. Such an example passes
 * whatever the code returns. Markdown files (`path` ending `.md`) are not examined: their
 * fenced blocks are prose-led walkthroughs, checked only for `console.assert`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findUnassertedExamples } from "./check_doc_asserts.ts";
 * // Spelled apart: written out, the fences would end this example early.
 * const fence = "`".repeat(3);
 * const open = "/" + "**";
 * const close = " *" + "/";
 * const bare = [open, ` * ${fence}ts`, " * const x = 1 + 1;", ` * ${fence}`, close];
 * const checked = [open, ` * ${fence}ts`, " * assert.equal(1 + 1, 2);", ` * ${fence}`, close];
 * const source = [...bare, ...checked].join("\n");
 * assert.deepEqual(findUnassertedExamples(source, "x.ts"), [{ path: "x.ts", line: 2 }]);
 * assert.deepEqual(findUnassertedExamples(bare.join("\n"), "x.md"), []);
 * ```
 */
export function findUnassertedExamples(text: string, path: string): UnassertedExampleFinding[] {
  if (path.endsWith(".md")) return [];
  const lines = text.split("\n");
  const found: UnassertedExampleFinding[] = [];
  let inComment = false;
  // The open example: its fence, whether it runs, where it starts, and what it has shown so far.
  let fence: string | null = null;
  let runnable = false;
  let start = 0;
  let satisfied = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!inComment) {
      const open = line.indexOf("/**");
      if (open < 0) continue;
      // A one-line `/** … */` holds no fenced block.
      inComment = line.indexOf("*/", open + 3) < 0;
      continue;
    }
    const match = OPENING_FENCE.exec(line);
    if (match && fence === null) {
      fence = match[1];
      runnable = RUNNABLE.has(match[2]) && !/\bignore\b/.test(match[3]);
      start = i + 1;
      satisfied = false;
      continue;
    }
    if (match && match[1].startsWith(fence!) && match[2] === "" && match[3].trim() === "") {
      if (runnable && !satisfied) found.push({ path, line: start });
      fence = null;
      continue;
    }
    if (fence !== null && (ASSERTS.test(line) || OPT_OUT.test(line))) satisfied = true;
    if (line.includes("*/")) {
      // A comment that ends inside an open fence: the example is cut short; judge what it had.
      if (fence !== null && runnable && !satisfied) found.push({ path, line: start });
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
  walkScanned(root, (full) => {
    out.push(...findConsoleAssertsInExamples(readFileSync(full, "utf8"), relative(root, full)));
  });
  return out;
}

/** Calls `visit` on every scanned file under `root`, in sorted order, skipping SKIP_DIRECTORIES. */
function walkScanned(root: string, visit: (full: string) => void): void {
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      const stat = statSync(full);
      if (stat.isDirectory()) {
        if (!SKIP_DIRECTORIES.has(name)) walk(full);
      } else if (SCANNED.test(name)) {
        visit(full);
      }
    }
  };
  walk(root);
}

/**
 * Every {@link findUnassertedExamples} finding in the source files under `root` (skipping the
 * same directories as {@link scanDocAsserts}), with paths relative to `root`, in a stable order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * import { scanUnassertedExamples } from "./check_doc_asserts.ts";
 * const dir = mkdtempSync(join(tmpdir(), "doc-unasserted-"));
 * try {
 *   const fence = "`".repeat(3);
 *   const example = ["/" + "**", ` * ${fence}ts`, " * const x = 1;", ` * ${fence}`, " *" + "/"];
 *   mkdirSync(join(dir, "node_modules"));
 *   writeFileSync(join(dir, "a.ts"), example.join("\n"));
 *   writeFileSync(join(dir, "node_modules", "b.ts"), example.join("\n"));
 *   assert.deepEqual(scanUnassertedExamples(dir), [{ path: "a.ts", line: 2 }]);
 * } finally {
 *   rmSync(dir, { recursive: true });
 * }
 * ```
 */
export function scanUnassertedExamples(root: string): UnassertedExampleFinding[] {
  const out: UnassertedExampleFinding[] = [];
  walkScanned(root, (full) => {
    out.push(...findUnassertedExamples(readFileSync(full, "utf8"), relative(root, full)));
  });
  return out;
}

if (import.meta.main) {
  const root = Deno.args[0] ?? ".";
  const findings = scanDocAsserts(root);
  for (const f of findings) console.error(`${f.path}:${f.line}: console.assert in a doc example`);
  const unasserted = scanUnassertedExamples(root);
  for (const f of unasserted) {
    console.error(`${f.path}:${f.line}: doc example asserts nothing`);
  }
  if (findings.length > 0) {
    console.error(
      `${findings.length} console.assert call(s) in doc examples: use \`import assert from ` +
        `"node:assert/strict"\` (console.assert prints and passes).`,
    );
  }
  if (unasserted.length > 0) {
    console.error(
      `${unasserted.length} runnable JSDoc example(s) assert nothing: assert a result with ` +
        `node:assert/strict, or, for a pure usage sketch, add a line \`// no assertion: <reason>\`.`,
    );
  }
  if (findings.length > 0 || unasserted.length > 0) Deno.exit(1);
  console.log("doc examples: no console.assert, every runnable JSDoc example asserts");
}
