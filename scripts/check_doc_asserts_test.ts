import assert from "node:assert/strict";
import {
  findConsoleAssertsInExamples,
  findUnassertedExamples,
  scanDocAsserts,
} from "./check_doc_asserts.ts";

// Built from pieces so that this file itself holds no literal doc example for the scanner to flag.
const CALL = ["console", "assert"].join(".");
const FENCE = "`".repeat(3);
const OPEN = "/" + "**";
const CLOSE = " *" + "/";

Deno.test("a console.assert inside a JSDoc example is found, with its line", () => {
  const source = [
    "const x = 1;",
    OPEN,
    " * Prose.",
    " *",
    " * @example",
    ` * ${FENCE}ts`,
    ` * import { x } from "./x.ts";`,
    ` * ${CALL}(x === 2);`,
    ` * ${FENCE}`,
    CLOSE,
    "export const y = 2;",
  ].join("\n");
  assert.deepEqual(findConsoleAssertsInExamples(source, "x.ts"), [
    { path: "x.ts", line: 8, text: `* ${CALL}(x === 2);` },
  ]);
});

Deno.test("ignored examples (ts ignore) are flagged too: they are documentation a reader copies", () => {
  const source = [OPEN, ` * ${FENCE}ts ignore`, ` * ${CALL}(false);`, ` * ${FENCE}`, CLOSE].join(
    "\n",
  );
  assert.equal(findConsoleAssertsInExamples(source, "x.ts").length, 1);
});

Deno.test("console.assert outside examples (code, comment prose, line comments) is not flagged", () => {
  const source = [
    `${CALL}(true);`,
    OPEN,
    ` * Never use ${CALL}(…) in an example.`,
    CLOSE,
    `// ${FENCE}ts`,
    `${CALL}(true);`,
    `// ${FENCE}`,
    `${OPEN} one line ${FENCE} ${CALL}(1) */`,
    `${CALL}(true);`,
  ].join("\n");
  assert.deepEqual(findConsoleAssertsInExamples(source, "x.ts"), []);
});

Deno.test("a fence left open by a comment's end does not leak into the code after it", () => {
  const source = [OPEN, ` * ${FENCE}ts`, CLOSE, `${CALL}(true);`].join("\n");
  assert.deepEqual(findConsoleAssertsInExamples(source, "x.ts"), []);
});

Deno.test("Markdown fenced blocks are examples (deno test --doc runs them); prose is not", () => {
  const md = [`Use ${CALL} never.`, `${FENCE}ts`, `${CALL}(1 === 1);`, FENCE, `${CALL}(x)`].join(
    "\n",
  );
  const found = findConsoleAssertsInExamples(md, "README.md");
  assert.deepEqual(found.map((f) => f.line), [3]);
});

Deno.test("the files converted in issue 14 hold no console.assert in examples", () => {
  // src/data/settings.ts belongs to another change; everything else here was converted.
  const root = new URL("..", import.meta.url).pathname;
  const mine = ["src/math/", "src/measures/", "proofs/", "src/data/", "src/io/", "scripts/"];
  const left = scanDocAsserts(root).filter((f) =>
    mine.some((dir) => f.path.startsWith(dir)) && f.path !== "src/data/settings.ts"
  );
  assert.deepEqual(left, []);
});

Deno.test("a runnable JSDoc example with no assertion is found at its opening fence", () => {
  const source = [
    OPEN,
    " * @example",
    ` * ${FENCE}ts`,
    ` * import { x } from "./x.ts";`,
    " * const y = x + 1;",
    ` * ${FENCE}`,
    CLOSE,
    "export const z = 1;",
  ].join("\n");
  assert.deepEqual(findUnassertedExamples(source, "x.ts"), [{ path: "x.ts", line: 3 }]);
});

Deno.test("an example that asserts, throws or rejects, or opts out with a reason, passes", () => {
  const example = (
    body: string,
    lang = "ts",
  ) => [OPEN, ` * ${FENCE}${lang}`, " * const y = 1;", ` * ${body}`, ` * ${FENCE}`, CLOSE];
  const passing = [
    ...example("assert.equal(y, 1);"),
    ...example("assert(y === 1);"),
    ...example("assert.throws(() => f(-1), RangeError);"),
    ...example("await assert.rejects(g(-1), RangeError);"),
    ...example("// no assertion: a sketch of the call's shape; it needs a GPU"),
    ...example("const z = y;", "ts ignore"),
    ...example("const z = y;", "json"),
    // A bare fence is not run by `deno test --doc` (Deno 2.9.6), so it need not assert.
    ...example("deno task compare --preset ci", ""),
  ];
  assert.deepEqual(findUnassertedExamples(passing.join("\n"), "x.ts"), []);
  // The opt-out needs a reason, and must be a comment line, not prose that mentions it.
  const noReason = example("// no assertion:");
  assert.deepEqual(findUnassertedExamples(noReason.join("\n"), "x.ts"), [{
    path: "x.ts",
    line: 2,
  }]);
  const typescript = example("const z = y;", "typescript");
  assert.deepEqual(findUnassertedExamples(typescript.join("\n"), "x.ts"), [{
    path: "x.ts",
    line: 2,
  }]);
});

Deno.test("each unasserted example is reported once, and one that asserts does not cover the next", () => {
  const source = [
    OPEN,
    ` * ${FENCE}ts`,
    " * assert.equal(1, 1);",
    ` * ${FENCE}`,
    ` * ${FENCE}ts`,
    " * const a = 1;",
    ` * ${FENCE}`,
    CLOSE,
    "const assert = 1;",
    OPEN,
    ` * ${FENCE}ts`,
    " * const b = 2;",
    CLOSE,
  ].join("\n");
  assert.deepEqual(findUnassertedExamples(source, "x.ts").map((f) => f.line), [5, 11]);
});

Deno.test("Markdown and code outside JSDoc are not examined for unasserted examples", () => {
  const md = [`${FENCE}ts`, "const a = 1;", FENCE].join("\n");
  assert.deepEqual(findUnassertedExamples(md, "README.md"), []);
  const lineComments = [`// ${FENCE}ts`, "// const a = 1;", `// ${FENCE}`].join("\n");
  assert.deepEqual(findUnassertedExamples(lineComments, "x.ts"), []);
});
