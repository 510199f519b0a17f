/**
 * Declarative option tables: one row per option gives its flag, its kind, its default, what it
 * accepts and its help text, and the table yields the defaults, the accepted keys, the validation,
 * the flag parser and the `--help` text. `deno task train`, `compare`, `merge` and `regress` each
 * declare one table, so a flag cannot be accepted by the parser yet missing from the help or the
 * validation.
 *
 * @module
 */
import { parseArgs } from "node:util";

/** The value kinds a flag can have. */
export type OptionKind = "string" | "number" | "integer" | "list" | "boolean";

/** One option of a table. */
export interface OptionSpec {
  /** The value kind: how a flag's text is converted, and the type the value must have. */
  kind: OptionKind;
  /** The default (null: none). */
  default: unknown;
  /** Help text. */
  help: string;
  /** The default as --help shows it, when not the plain value. */
  shownDefault?: string;
  /** The accepted values of a string option. */
  choices?: readonly string[];
  /** Whether null is accepted (an unset path or limit). */
  nullable?: boolean;
  /** A range check on a number (each element of a list): what it must be, and the test. */
  range?: { expected: string; test: (value: number, all: Record<string, unknown>) => boolean };
  /** A single-letter alias. */
  short?: string;
  /** Not listed in --help (test hooks). */
  hidden?: boolean;
}

/** A table: option keys (camelCase, as in the config object) to their spec. */
export type OptionTable = Record<string, OptionSpec>;

/**
 * The flag of a key: `batchSize` → `batch-size`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { flagOf } from "./options.ts";
 * assert.equal(flagOf("hessianEvery"), "hessian-every");
 * ```
 */
export function flagOf(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * The defaults of a table, as a fresh object of the type `T` the table describes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultsOf } from "./options.ts";
 * assert.deepEqual(defaultsOf({ epochs: { kind: "integer", default: 3, help: "epochs" } }), { epochs: 3 });
 * ```
 */
export function defaultsOf<T = Record<string, unknown>>(table: OptionTable): T {
  const defaults: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(table)) {
    defaults[key] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
  }
  // The table is the declaration of T: its rows are T's keys and their defaults T's values.
  return defaults as T;
}

/**
 * Checks one value against its spec; throws a `TypeError`/`RangeError` naming `--flag` and the
 * value. `all` is the whole object, for ranges that depend on other options.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkOption } from "./options.ts";
 * const spec = { kind: "number" as const, default: 1, help: "", range: { expected: "> 0", test: (v: number) => v > 0 } };
 * assert.throws(() => checkOption("lr", spec, -1, {}), /--lr must be > 0, got -1/);
 * ```
 */
export function checkOption(
  key: string,
  spec: OptionSpec,
  value: unknown,
  all: Record<string, unknown>,
): void {
  const flag = `--${flagOf(key)}`;
  if (value === null && spec.nullable) return;
  const shown = JSON.stringify(value) ?? String(value);
  switch (spec.kind) {
    case "boolean":
      if (typeof value !== "boolean") {
        throw new TypeError(`${flag} must be a boolean, got ${shown}`);
      }
      return;
    case "string":
      if (typeof value !== "string" || value === "") {
        throw new TypeError(`${flag} must be a non-empty string, got ${shown}`);
      }
      if (spec.choices && !spec.choices.includes(value)) {
        throw new RangeError(`${flag} must be one of ${spec.choices.join(", ")}, got ${shown}`);
      }
      return;
    case "list":
      if (!Array.isArray(value)) throw new TypeError(`${flag} must be a list, got ${shown}`);
      for (const item of value) checkNumber(flag, spec, item, true, all);
      return;
    default:
      checkNumber(flag, spec, value, spec.kind === "integer", all);
  }
}

function checkNumber(
  flag: string,
  spec: OptionSpec,
  value: unknown,
  integer: boolean,
  all: Record<string, unknown>,
): void {
  const expected = spec.range?.expected ?? (integer ? "an integer" : "a number");
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new TypeError(`${flag} must be ${expected}, got ${JSON.stringify(value) ?? value}`);
  }
  if (integer && !Number.isInteger(value)) {
    throw new RangeError(`${flag} must be an integer, got ${value}`);
  }
  if (spec.range && !spec.range.test(value, all)) {
    throw new RangeError(`${flag} must be ${spec.range.expected}, got ${value}`);
  }
}

/**
 * Validates a whole object against a table: unknown keys are refused (naming the key: a typo such
 * as `epoch` for `epochs` must not be ignored), then every value is checked.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateOptions } from "./options.ts";
 * const table = { epochs: { kind: "integer" as const, default: 3, help: "epochs" } };
 * assert.throws(() => validateOptions(table, { epoch: 2 }, "config"), /config: unknown key "epoch"/);
 * ```
 */
export function validateOptions(
  table: OptionTable,
  value: Record<string, unknown>,
  what: string,
): void {
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(table, key)) {
      throw new TypeError(
        `${what}: unknown key "${key}" (known: ${Object.keys(table).join(", ")})`,
      );
    }
  }
  for (const [key, spec] of Object.entries(table)) {
    if (key in value) checkOption(key, spec, value[key], value);
  }
}

/** What {@link parseOptions} returns. */
export interface ParsedOptions {
  /** The options given on the command line, converted (not merged with the defaults). */
  given: Record<string, unknown>;
  positionals: string[];
  help: boolean;
}

/**
 * Parses flags for the given tables (strict: unknown flags and, unless allowed, positionals are
 * errors). Numbers accept plain decimal notation only, and `--lr -1` works like `--lr=-1`.
 * Values are converted, not range-checked: the caller validates the merged object.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseOptions } from "./options.ts";
 * const table = { lr: { kind: "number" as const, default: 0.1, help: "rate" } };
 * assert.equal(parseOptions("train", [table], ["--lr", "0.5"]).given.lr, 0.5);
 * assert.throws(() => parseOptions("train", [table], ["--lr", "0x10"]), /--lr must be a number/);
 * ```
 */
export function parseOptions(
  command: string,
  tables: readonly OptionTable[],
  argv: readonly string[],
  { positionals = false }: { positionals?: boolean } = {},
): ParsedOptions {
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    help: { type: "boolean", short: "h" },
  };
  const specs = new Map<string, [string, OptionSpec]>();
  for (const table of tables) {
    for (const [key, spec] of Object.entries(table)) {
      const flag = flagOf(key);
      options[flag] = {
        type: spec.kind === "boolean" ? "boolean" : "string",
        ...(spec.short ? { short: spec.short } : {}),
      };
      specs.set(flag, [key, spec]);
    }
  }
  // node's parseArgs takes "-1" for a flag: join a negative number to its flag.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = /^--([\w-]+)$/.exec(argv[i])?.[1];
    const next = argv[i + 1];
    if (
      flag && specs.get(flag)?.[1].kind !== "boolean" && next !== undefined &&
      /^-\d|^-\.\d/.test(next)
    ) {
      args.push(`${argv[i]}=${next}`);
      i++;
    } else args.push(argv[i]);
  }
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: positionals });
  } catch (error) {
    // node appends a hint about "--" to unknown options when positionals are allowed; the
    // commands take no positional that starts with "-", so it only misleads.
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, "");
    throw new RangeError(`${command}: ${message} (see --help)`);
  }
  const given: Record<string, unknown> = {};
  for (const [flag, raw] of Object.entries(parsed.values)) {
    if (flag === "help" || raw === undefined) continue;
    const [key, spec] = specs.get(flag)!;
    given[key] = convert(flag, spec, raw as string | boolean);
  }
  return { given, positionals: parsed.positionals, help: parsed.values.help === true };
}

function convert(flag: string, spec: OptionSpec, raw: string | boolean): unknown {
  if (spec.kind === "boolean") return raw;
  const text = String(raw);
  if (spec.kind === "string") return text;
  if (spec.kind === "list") {
    if (text.trim() === "") return [];
    return text.split(",").map((part) => parseNumber(flag, part.trim(), true));
  }
  return parseNumber(flag, text, spec.kind === "integer");
}

function parseNumber(flag: string, text: string, integer: boolean): number {
  // Number("") is 0 and Number("0x10") is 16: accept only plain decimal notation.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    throw new TypeError(`--${flag} must be ${integer ? "an integer" : "a number"}, got "${text}"`);
  }
  const value = Number(text);
  if (integer && !Number.isInteger(value)) {
    throw new RangeError(`--${flag} must be an integer, got ${text}`);
  }
  return value;
}

/**
 * The `--help` text of the tables: a usage block, then every visible option with its default.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optionsHelp } from "./options.ts";
 * const text = optionsHelp("Usage: x", [{ epochs: { kind: "integer", default: 3, help: "epochs" } }]);
 * assert.match(text, /--epochs <value> +epochs \(default: 3\)/);
 * ```
 */
export function optionsHelp(usage: string, tables: readonly OptionTable[]): string {
  const rows = tables.flatMap((t) => Object.entries(t)).filter(([, s]) => !s.hidden);
  const label = ([key, spec]: [string, OptionSpec]) =>
    `--${flagOf(key)}${spec.kind === "boolean" ? "" : " <value>"}`;
  const width = Math.max(12, ...rows.map((r) => label(r).length)) + 2;
  const lines = [usage, ""];
  for (const row of rows) {
    const [, spec] = row;
    const shown = spec.shownDefault ?? formatDefault(spec.default);
    // The choices are listed unless the help text already names every one of them.
    const named = spec.choices?.every((c) => spec.help.split(/[\s,|()]+/).includes(c));
    const choices = spec.choices && !named ? ` (${spec.choices.join(" | ")})` : "";
    lines.push(`  ${label(row).padEnd(width)}${spec.help}${choices} (default: ${shown})`);
  }
  lines.push(`  ${"-h, --help".padEnd(width)}show this help`);
  return lines.join("\n") + "\n";
}

function formatDefault(value: unknown): string {
  if (value === null || value === undefined) return "none";
  if (Array.isArray(value)) return value.length ? value.join(",") : "none";
  return String(value);
}
