import assert from "node:assert/strict";
import {
  checkOption,
  defaultsOf,
  flagOf,
  optionsHelp,
  type OptionSpec,
  type OptionTable,
  parseOptions,
  validateOptions,
} from "./options.ts";

const table = {
  lr: { kind: "number", default: 0.1, help: "rate" },
  epochs: {
    kind: "integer",
    default: 3,
    help: "epochs",
    range: { expected: "a positive integer", test: (v: number) => v >= 1 },
  },
  milestones: { kind: "list", default: [5, 10], help: "epochs to decay" },
  mode: { kind: "string", default: "fast", choices: ["fast", "slow"], help: "speed" },
  out: { kind: "string", default: null, nullable: true, help: "path", short: "o" },
  resume: { kind: "boolean", default: false, help: "continue" },
  hook: { kind: "integer", default: 0, help: "test hook", hidden: true },
} satisfies OptionTable;

Deno.test("flagOf puts a dash before each capital", () => {
  assert.equal(flagOf("allowBackendChange"), "allow-backend-change");
  assert.equal(flagOf("lr"), "lr");
});

Deno.test("defaultsOf gives fresh copies of list defaults", () => {
  const a = defaultsOf<Record<string, unknown>>(table);
  assert.deepEqual(a, {
    lr: 0.1,
    epochs: 3,
    milestones: [5, 10],
    mode: "fast",
    out: null,
    resume: false,
    hook: 0,
  });
  (a.milestones as number[]).push(20);
  assert.deepEqual(table.milestones.default, [5, 10]);
  assert.notEqual(defaultsOf<Record<string, unknown>>(table).milestones, table.milestones.default);
});

Deno.test("checkOption: each kind refuses the wrong type with the flag, expectation and value", () => {
  const refuses = (key: keyof typeof table, value: unknown, name: string, message: string) =>
    assert.throws(() => checkOption(key, table[key] as OptionSpec, value, {}), { name, message });
  refuses("resume", "yes", "TypeError", '--resume must be a boolean, got "yes"');
  refuses("mode", "", "TypeError", '--mode must be a non-empty string, got ""');
  refuses("mode", 3, "TypeError", "--mode must be a non-empty string, got 3");
  refuses("mode", "medium", "RangeError", '--mode must be one of fast, slow, got "medium"');
  refuses("milestones", 5, "TypeError", "--milestones must be a list, got 5");
  refuses("milestones", [5, 1.5], "RangeError", "--milestones must be an integer, got 1.5");
  refuses("milestones", [5, "6"], "TypeError", '--milestones must be an integer, got "6"');
  refuses("lr", "0.1", "TypeError", '--lr must be a number, got "0.1"');
  refuses("lr", Number.POSITIVE_INFINITY, "TypeError", "--lr must be a number, got null");
  refuses("lr", undefined, "TypeError", "--lr must be a number, got undefined");
  refuses("lr", null, "TypeError", "--lr must be a number, got null");
  refuses("epochs", 1.5, "RangeError", "--epochs must be an integer, got 1.5");
  refuses("epochs", 0, "RangeError", "--epochs must be a positive integer, got 0");
  refuses("epochs", "2", "TypeError", '--epochs must be a positive integer, got "2"');
  refuses("hook", 0.5, "RangeError", "--hook must be an integer, got 0.5");
  refuses("hook", Number.NaN, "TypeError", "--hook must be an integer, got null");
  // Accepted values return without a word; null only where nullable.
  for (
    const [key, value] of [
      ["resume", false],
      ["mode", "slow"],
      ["milestones", []],
      ["milestones", [1, 2]],
      ["lr", -3.5],
      ["epochs", 1],
      ["out", null],
      ["out", "x.json"],
      ["hook", -4],
    ] as const
  ) {
    assert.equal(checkOption(key, table[key] as OptionSpec, value, {}), undefined);
  }
  refuses("out", "", "TypeError", '--out must be a non-empty string, got ""');
  // The range sees the whole object.
  const warmup: OptionSpec = {
    kind: "number",
    default: 0,
    help: "",
    range: { expected: "below epochs", test: (v, all) => v < (all.epochs as number) },
  };
  assert.equal(checkOption("warmup", warmup, 2, { epochs: 3 }), undefined);
  assert.throws(
    () => checkOption("warmup", warmup, 3, { epochs: 3 }),
    /--warmup must be below epochs, got 3/,
  );
});

Deno.test("validateOptions refuses unknown keys first and checks only the keys given", () => {
  assert.throws(() => validateOptions(table, { lr: "bad", epoch: 2 }, "config"), {
    name: "TypeError",
    message: 'config: unknown key "epoch" (known: lr, epochs, milestones, mode, out, resume, hook)',
  });
  // Missing keys are not checked (the caller merges defaults first).
  assert.equal(validateOptions(table, { lr: 1 }, "config"), undefined);
  assert.throws(() => validateOptions(table, { lr: 1, epochs: 0 }, "config"), /--epochs/);
  // An inherited name is not a known key.
  assert.throws(() => validateOptions(table, { toString: 1 }, "c"), /unknown key "toString"/);
});

Deno.test("parseOptions converts each kind, joins negative numbers, and passes the help flag", () => {
  const parse = (argv: string[], positionals = false) =>
    parseOptions("cmd", [table], argv, { positionals });
  assert.deepEqual(parse([]), { given: {}, positionals: [], help: false });
  assert.deepEqual(
    parse(["--lr", "-1", "--epochs=+4", "--milestones", " 1, 2 ,3", "--mode", "slow", "-o", "x"])
      .given,
    { lr: -1, epochs: 4, milestones: [1, 2, 3], mode: "slow", out: "x" },
  );
  assert.deepEqual(parse(["--lr", "-.5"]).given, { lr: -0.5 });
  assert.deepEqual(parse(["--milestones", " "]).given, { milestones: [] });
  assert.deepEqual(parse(["--resume"]).given, { resume: true });
  assert.equal(parse(["-h"]).help, true);
  assert.equal(parse(["--help"]).help, true);
  assert.deepEqual(parse(["--help"]).given, {});
  for (
    const text of ["1", "1.", ".5", ".55", "12.5", "1.25e3", "2E-3", "3e10", "2e-10", "+7", "-0"]
  ) {
    assert.equal(parse([`--lr=${text}`]).given.lr, Number(text), text);
  }
  for (const text of ["0x10", "", "1e", "e3", "1.2.3", "1,5", "Infinity", " 1"]) {
    assert.throws(() => parse([`--lr=${text}`]), {
      name: "TypeError",
      message: `--lr must be a number, got "${text}"`,
    });
  }
  assert.throws(() => parse(["--epochs", "2.5"]), {
    name: "RangeError",
    message: "--epochs must be an integer, got 2.5",
  });
  assert.throws(() => parse(["--epochs", "x"]), /--epochs must be an integer, got "x"/);
  assert.throws(() => parse(["--milestones", "1,x"]), /--milestones must be an integer, got "x"/);
  // Only a whole "--flag" token followed by a negative number is joined: not a "--flag=value"
  // token, not a positional that ends in a flag's name, not a value that is another flag.
  assert.throws(
    () => parse(["--lr=5", "-1"]),
    /^RangeError: cmd: Unknown option '-1' \(see --help\)$/,
  );
  assert.throws(() => parse(["x--lr", "-1"], true), /^RangeError: cmd: Unknown option '-1'/);
  assert.throws(() => parse(["x", "-1"], true), /^RangeError: cmd: Unknown option '-1'/);
  assert.throws(
    () => parse(["--lr", "--.5"]),
    /^RangeError: cmd: Option '--lr' argument is ambiguous/,
  );
  assert.throws(
    () => parse(["--mode", "--x-1"]),
    /^RangeError: cmd: Option '--mode' argument is ambiguous/,
  );
  // A boolean flag does not swallow a following negative number.
  assert.throws(() => parse(["--resume", "-1"]), /^RangeError: cmd: Unknown option '-1'/);
  // A flag at the end with no value, an unknown flag and a stray positional are errors.
  assert.throws(() => parse(["--lr"]), /^RangeError: cmd: .*--lr.* \(see --help\)$/s);
  assert.throws(() => parse(["--nope"]), {
    name: "RangeError",
    message: "cmd: Unknown option '--nope' (see --help)",
  });
  assert.throws(() => parse(["stray"]), /^RangeError: cmd: .*stray.*\(see --help\)$/s);
  assert.deepEqual(parse(["stray", "--lr", "2"], true), {
    given: { lr: 2 },
    positionals: ["stray"],
    help: false,
  });
  // Node's hint about "--" is cut: these commands take no positional that starts with "-".
  assert.throws(() => parse(["--nope"], true), {
    name: "RangeError",
    message: "cmd: Unknown option '--nope' (see --help)",
  });
  assert.throws(
    () => parse(["--nope"], true),
    (error: Error) =>
      !/To specify a positional/.test(error.message) && /\(see --help\)$/.test(error.message),
  );
  // Several tables parse together.
  const other = { jobs: { kind: "integer", default: 1, help: "jobs" } } satisfies OptionTable;
  assert.deepEqual(parseOptions("cmd", [table, other], ["--jobs", "2", "--lr", "3"]).given, {
    jobs: 2,
    lr: 3,
  });
});

Deno.test("optionsHelp aligns the visible options, with their choices and defaults", () => {
  const text = optionsHelp("Usage: cmd", [table]);
  assert.equal(
    text,
    [
      "Usage: cmd",
      "",
      "  --lr <value>          rate (default: 0.1)",
      "  --epochs <value>      epochs (default: 3)",
      "  --milestones <value>  epochs to decay (default: 5,10)",
      "  --mode <value>        speed (fast | slow) (default: fast)",
      "  --out <value>         path (default: none)",
      "  --resume              continue (default: false)",
      "  -h, --help            show this help",
      "",
    ].join("\n"),
  );
  // Short labels still get a 12-character column; a help text naming every choice is not repeated;
  // an empty list default and a shownDefault are shown as such.
  const small = optionsHelp("U", [{
    a: { kind: "string", default: "x", choices: ["x", "y"], help: "x | y" },
    b: { kind: "list", default: [], help: "bs" },
    c: { kind: "number", default: 1, help: "cs", shownDefault: "one" },
    d: { kind: "string", default: undefined, help: "ds" },
    e: { kind: "string", default: "x", choices: ["x", "y"], help: "x only" },
  }]);
  assert.equal(
    small,
    "U\n\n" +
      "  --a <value>   x | y (default: x)\n" +
      "  --b <value>   bs (default: none)\n" +
      "  --c <value>   cs (default: one)\n" +
      "  --d <value>   ds (default: none)\n" +
      "  --e <value>   x only (x | y) (default: x)\n" +
      "  -h, --help    show this help\n",
  );
});
