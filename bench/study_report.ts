/**
 * `deno task study:report [--root results/study] [--readme README.md | --no-readme]`: regenerates
 * the study's report, charts and the README section "What the study found" from the committed run
 * files (see `src/experiments/study_report.ts`).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { writeStudyReport } from "../src/experiments/study_report.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    root: { type: "string", default: "results/study" },
    readme: { type: "string", default: "README.md" },
    "no-readme": { type: "boolean", default: false },
  },
});
const report = await writeStudyReport(args.values.root!, {
  readme: args.values["no-readme"] ? null : args.values.readme,
});
if (!args.values["no-readme"]) {
  // The README is deno-fmt formatted (prose wrapped at 100): format the regenerated section too.
  const fmt = await new Deno.Command(Deno.execPath(), { args: ["fmt", "-q", args.values.readme!] })
    .output();
  if (!fmt.success) console.error(new TextDecoder().decode(fmt.stderr));
}
console.log(report.found);
console.log(`wrote ${report.paths.join(", ")}`);
