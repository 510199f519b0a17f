/**
 * `deno task study:plan`: writes `results/study/PLAN.md` from `results/study/timing.json` (see
 * `src/experiments/study_plan.ts`). `--timing FILE`, `--out FILE`, `--margin X`, `--session-hours H`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { studyPlan, studyPlanMarkdown, type StudyTiming } from "../src/experiments/study_plan.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    timing: { type: "string", default: "results/study/timing.json" },
    out: { type: "string", default: "results/study/PLAN.md" },
    margin: { type: "string", default: "1.5" },
    "session-hours": { type: "string", default: "2.5" },
  },
});
const timing: StudyTiming = JSON.parse(await Deno.readTextFile(args.values.timing!));
const plan = studyPlan(timing, {
  margin: Number(args.values.margin),
  sessionSeconds: Number(args.values["session-hours"]) * 3600,
});
await Deno.writeTextFile(args.values.out!, studyPlanMarkdown(timing, plan));
console.log(`${args.values.out}: ${plan.parts.length} parts`);
