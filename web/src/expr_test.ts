import assert from "node:assert/strict";
import { parseExpression } from "./expr.ts";

Deno.test("parseExpression: precedence, associativity and unary minus follow mathematics", () => {
  const at = (source: string, a = 0, b = 0) => parseExpression(source)([a, b]);
  assert.equal(at("1 + 2 * 3"), 7);
  assert.equal(at("(1 + 2) * 3"), 9);
  assert.equal(at("2 ^ 3 ^ 2"), 512); // right-associative: 2^(3^2)
  assert.equal(at("-2 ^ 2"), -4); // -(2^2)
  assert.equal(at("2 ^ -1"), 0.5);
  assert.equal(at("8 / 4 / 2"), 1); // left-associative
  assert.equal(at("a - b - 1", 5, 2), 2);
  assert.equal(at("1.5e1 + .5"), 15.5);
  assert.equal(at("(a*b - 1)^2", 2, 1), 1);
  assert.equal(at("a^2 - b^2", 3, 2), 5);
});

Deno.test("parseExpression: functions and constants", () => {
  const f = parseExpression("exp(log(a)) + sin(pi/2) * b + sqrt(abs(-4)) + tanh(0) + e - e");
  assert.ok(Math.abs(f([3, 2]) - (3 + 2 + 2)) < 1e-12);
});

Deno.test("parseExpression: rejects malformed input and unknown names with a SyntaxError", () => {
  for (
    const [source, message] of [
      ["", /empty/],
      ["a +", /unexpected end/],
      ["(a + b", /expected '\)'/],
      ["a b", /unexpected 'b'/],
      ["x + 1", /unknown name 'x'/],
      ["foo(a)", /unknown function 'foo'/],
      ["constructor(a)", /unknown function 'constructor'/],
      ["toString", /unknown name 'toString'/],
      ["a; 1", /unexpected character ';'/],
      ["a = 1", /unexpected character '='/],
    ] as const
  ) {
    assert.throws(() => parseExpression(source), (e: unknown) => {
      assert.ok(e instanceof SyntaxError, `${source}: ${e}`);
      assert.match(e.message, message);
      return true;
    });
  }
  assert.throws(() => parseExpression(42 as unknown as string), TypeError);
});
