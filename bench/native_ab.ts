/**
 * A/B of native-path settings on the rows of the side-by-side benchmark (bench/anchor.ts): for
 * each round, each row and each setting (in turn, so that a shared machine's load falls on all
 * settings alike) one child `bench/anchor.ts --child ROW --backend native` with the setting's
 * environment; prints the median images/s per row and setting over the rounds, and each
 * setting's ratio to the first. Figures, not pass/fail; on a loaded machine say so.
 *
 * `deno run -A bench/native_ab.ts [--rounds 3] [--steps 8] [--warmup 2] [--rows resnet16-sgd,...]
 *   [--set NAME=VAR=VALUE[,VAR=VALUE]] ...`
 *
 * Default settings: oneDNN on 1 and on 2 OpenMP threads (`USAM_DNNL_THREADS`). Another pair, e.g.:
 * `--set passive=USAM_DNNL_THREADS=2,OMP_WAIT_POLICY=passive --set active=USAM_DNNL_THREADS=2,OMP_WAIT_POLICY=active`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "3" },
    steps: { type: "string", default: "8" },
    warmup: { type: "string", default: "2" },
    rows: { type: "string", default: "resnet16-sgd,resnet16-sam,resnet4-sgd,resnet4-sam" },
    set: { type: "string", multiple: true },
  },
});
const rounds = Number(values.rounds);
const steps = Number(values.steps);
const warmup = Number(values.warmup);
for (const [name, value] of [["rounds", rounds], ["steps", steps]] as const) {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`native_ab: --${name} must be a positive integer, got ${value}`);
  }
}
if (!Number.isInteger(warmup) || warmup < 0) {
  throw new RangeError(`native_ab: --warmup must be an integer >= 0, got ${warmup}`);
}
const rows = values.rows.split(",");
const settings = (values.set ?? ["dnnl1=USAM_DNNL_THREADS=1", "dnnl2=USAM_DNNL_THREADS=2"]).map(
  (text) => {
    const [name, ...assignments] = text.split("=");
    const env: Record<string, string> = {};
    for (const pair of assignments.join("=").split(",")) {
      const [variable, value] = pair.split("=");
      if (!variable || value === undefined) {
        throw new TypeError(`native_ab: --set must read NAME=VAR=VALUE[,VAR=VALUE], got ${text}`);
      }
      env[variable] = value;
    }
    return { name, env };
  },
);
const anchor = fileURLToPath(new URL("./anchor.ts", import.meta.url));
const results = new Map<string, number[]>();
for (let round = 0; round < rounds; round++) {
  for (const row of rows) {
    for (const setting of settings) {
      const output = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          anchor,
          "--child",
          row,
          "--backend",
          "native",
          "--steps",
          String(steps),
          "--warmup",
          String(warmup),
        ],
        env: setting.env,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const lines = new TextDecoder().decode(output.stdout).trim().split("\n");
      const key = `${row}|${setting.name}`;
      if (!output.success) {
        const error = new TextDecoder().decode(output.stderr).trim().split("\n").slice(-2);
        console.log(`${key}: exit ${output.code} ${error.join(" | ")}`);
        continue;
      }
      const { imagesPerSecond } = JSON.parse(lines[lines.length - 1]);
      results.set(key, [...(results.get(key) ?? []), imagesPerSecond]);
      console.log(`round ${round + 1} ${key}: ${imagesPerSecond.toFixed(0)} images/s`);
    }
  }
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(
  `\n| row | ${settings.map((s) => `${s.name} images/s`).join(" | ")} | ${
    settings.slice(1).map((s) => `${s.name}/${settings[0].name}`).join(" | ")
  } |`,
);
console.log(
  `|---|${settings.map(() => "---|").join("")}${settings.slice(1).map(() => "---|").join("")}`,
);
for (const row of rows) {
  const medians = settings.map((s) => median(results.get(`${row}|${s.name}`) ?? [NaN]));
  console.log(
    `| ${row} | ${medians.map((m) => m.toFixed(0)).join(" | ")} | ${
      medians.slice(1).map((m) => (m / medians[0]).toFixed(2)).join(" | ")
    } |`,
  );
}
console.log(`(median of ${rounds} rounds, ${warmup} warm-up + ${steps} timed steps per child)`);
