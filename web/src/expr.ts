/**
 * A small, safe parser for the loss a user types in the playground: numbers, the variables `a`
 * and `b`, `+ - * / ^` (right-associative power), unary minus, parentheses, the constants `pi`
 * and `e`, and a fixed list of functions. It builds a closure tree; nothing is ever passed to
 * `eval` or `Function`, so a typed string can only compute a number.
 *
 * @module
 */

/**
 * A parsed loss: call it with the point `x = [a, b]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Expression, parseExpression } from "./expr.ts";
 * const f: Expression = parseExpression("a * b");
 * assert.equal(f([2, 3]), 6);
 * ```
 */
export type Expression = (x: ArrayLike<number>) => number;

/**
 * The functions a typed loss may call, by name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EXPRESSION_FUNCTIONS } from "./expr.ts";
 * assert.equal(EXPRESSION_FUNCTIONS.exp(0), 1);
 * ```
 */
export const EXPRESSION_FUNCTIONS: Readonly<Record<string, (t: number) => number>> = Object
  .freeze({
    sin: Math.sin,
    cos: Math.cos,
    tan: Math.tan,
    exp: Math.exp,
    log: Math.log,
    sqrt: Math.sqrt,
    abs: Math.abs,
    tanh: Math.tanh,
    sinh: Math.sinh,
    cosh: Math.cosh,
    atan: Math.atan,
  });

const CONSTANTS: Readonly<Record<string, number>> = { pi: Math.PI, e: Math.E };
const VARIABLES: Readonly<Record<string, number>> = { a: 0, b: 1 };

interface Token {
  kind: "number" | "name" | "op";
  text: string;
  at: number;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (/\s/.test(c)) {
      i++;
    } else if (/[0-9.]/.test(c)) {
      const match = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(source.slice(i));
      if (!match) throw new SyntaxError(`bad number at column ${i + 1}`);
      tokens.push({ kind: "number", text: match[0], at: i });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_][A-Za-z_0-9]*/.exec(source.slice(i))!;
      tokens.push({ kind: "name", text: match[0], at: i });
      i += match[0].length;
    } else if ("+-*/^()".includes(c)) {
      tokens.push({ kind: "op", text: c, at: i });
      i++;
    } else {
      throw new SyntaxError(`unexpected character '${c}' at column ${i + 1}`);
    }
  }
  return tokens;
}

/**
 * Parses a loss in `a` and `b`. Throws a `SyntaxError` naming the column for a malformed
 * expression or an unknown name, and a `TypeError` when `source` is not a string.
 *
 * Grammar: `sum := product (("+" | "-") product)*`, `product := unary (("*" | "/") unary)*`,
 * `unary := "-" unary | "+" unary | power`, `power := atom ("^" unary)?`,
 * `atom := number | name | name "(" sum ")" | "(" sum ")"`. So `-a^2` is `-(a^2)` and
 * `2^-1` is `0.5`, as in mathematics.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseExpression } from "./expr.ts";
 * const f = parseExpression("(a*b - 1)^2");
 * assert.equal(f([2, 1]), 1);
 * assert.equal(parseExpression("-a^2 + 2^-1")([3, 0]), -8.5);
 * assert.throws(() => parseExpression("a +"), SyntaxError);
 * ```
 */
export function parseExpression(source: string): Expression {
  if (typeof source !== "string") {
    throw new TypeError(`source must be a string, got ${typeof source}`);
  }
  const tokens = tokenize(source);
  let position = 0;
  const peek = () => tokens[position];
  const column = () => (peek()?.at ?? source.length) + 1;
  const isOp = (text: string) => peek()?.kind === "op" && peek().text === text;
  const expect = (text: string) => {
    if (!isOp(text)) throw new SyntaxError(`expected '${text}' at column ${column()}`);
    position++;
  };

  function sum(): Expression {
    let left = product();
    while (isOp("+") || isOp("-")) {
      const op = tokens[position++].text;
      const l = left, r = product();
      left = op === "+" ? (x) => l(x) + r(x) : (x) => l(x) - r(x);
    }
    return left;
  }
  function product(): Expression {
    let left = unary();
    while (isOp("*") || isOp("/")) {
      const op = tokens[position++].text;
      const l = left, r = unary();
      left = op === "*" ? (x) => l(x) * r(x) : (x) => l(x) / r(x);
    }
    return left;
  }
  function unary(): Expression {
    if (isOp("-")) {
      position++;
      const inner = unary();
      return (x) => -inner(x);
    }
    if (isOp("+")) {
      position++;
      return unary();
    }
    return power();
  }
  function power(): Expression {
    const base = atom();
    if (!isOp("^")) return base;
    position++;
    const exponent = unary();
    return (x) => base(x) ** exponent(x);
  }
  function atom(): Expression {
    const token = peek();
    if (token === undefined) throw new SyntaxError(`unexpected end at column ${column()}`);
    if (token.kind === "number") {
      position++;
      const value = Number(token.text);
      return () => value;
    }
    if (token.kind === "name") {
      position++;
      const name = token.text;
      if (isOp("(")) {
        const fn = Object.hasOwn(EXPRESSION_FUNCTIONS, name) ? EXPRESSION_FUNCTIONS[name] : null;
        if (fn === null) {
          throw new SyntaxError(
            `unknown function '${name}' at column ${token.at + 1} (known: ${
              Object.keys(EXPRESSION_FUNCTIONS).join(", ")
            })`,
          );
        }
        position++;
        const argument = sum();
        expect(")");
        return (x) => fn(argument(x));
      }
      if (Object.hasOwn(VARIABLES, name)) {
        const index = VARIABLES[name];
        return (x) => x[index];
      }
      if (Object.hasOwn(CONSTANTS, name)) {
        const value = CONSTANTS[name];
        return () => value;
      }
      throw new SyntaxError(
        `unknown name '${name}' at column ${token.at + 1} (use a, b, pi, e or a function)`,
      );
    }
    if (isOp("(")) {
      position++;
      const inner = sum();
      expect(")");
      return inner;
    }
    throw new SyntaxError(`unexpected '${token.text}' at column ${token.at + 1}`);
  }

  if (tokens.length === 0) throw new SyntaxError("the expression is empty");
  const result = sum();
  if (position < tokens.length) {
    throw new SyntaxError(`unexpected '${peek().text}' at column ${column()}`);
  }
  return result;
}
