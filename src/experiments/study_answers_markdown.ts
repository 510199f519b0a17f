/**
 * The study's five answers in words (Markdown), from {@link StudyAnswers}: each answer carries its
 * effect size, 95% interval and Holm-corrected p, and every question says for which models it has
 * no answer yet because cells are missing. Nothing here is hand-written about the results: every
 * verdict is read off the statistics.
 *
 * @module
 */
import {
  type AnswerTest,
  type CellKey,
  type ClaimVerdict,
  CLEAN_SETTING,
  effectText,
  HARD_SETTINGS,
  type MissingCell,
  type StudyAnswers,
} from "./study_answers.ts";

const pct = (v: number) => (100 * v).toFixed(2);
const cellName = (c: CellKey) => `${c.model}, ${c.setting}`;

/** "significantly lower than" / "significantly higher than" / "not significantly different from". */
function direction(t: AnswerTest, lower = "lower", higher = "higher"): string {
  if (!t.significant) return "not significantly different from";
  return t.paired.difference < 0 ? `significantly ${lower} than` : `significantly ${higher} than`;
}

/**
 * The sentences listing, per model, the cells a question still lacks. A model none of whose cells
 * has a single final run (and none complete) is said to be not run, not "incomplete": that is how
 * a model cut from the plan (PLAN.md) shows.
 */
function unanswered(missing: readonly MissingCell[], settings?: readonly string[]): string {
  const relevant = missing.filter((m) => !settings || settings.includes(m.setting));
  if (relevant.length === 0) return "";
  const models = [...new Set(relevant.map((m) => m.model))];
  const notRun = models.filter((model) =>
    missing.filter((m) => m.model === model).every((m) => m.done === 0) &&
    !completeModels.has(model)
  );
  const partial = models.filter((model) => !notRun.includes(model));
  const sentences: string[] = [];
  if (partial.length > 0) {
    sentences.push(
      "No answer yet for " +
        partial.map((model) =>
          `${model} (${
            relevant.filter((m) => m.model === model).map((m) =>
              `${m.setting} ${m.done}/${m.expected}`
            )
              .join(", ")
          } final runs)`
        ).join("; ") + ": those cells are not complete.",
    );
  }
  if (notRun.length > 0) {
    sentences.push(
      `No answer for ${notRun.join(", ")}: none of ${
        notRun.length === 1 ? "its" : "their"
      } final runs exist (PLAN.md says which models the plan cuts, and why).`,
    );
  }
  return sentences.join(" ");
}

/** Models with at least one complete cell, set by {@link answersMarkdown} for `unanswered`. */
let completeModels = new Set<string>();

const CLAIMS: Record<ClaimVerdict["claim"], string> = {
  "competitive-on-clean": "Frob-SAM and Det-SAM are competitive with SAM on clean data " +
    "(consistent: not significantly worse than SAM after correction; contradicted: significantly " +
    "worse)",
  "helps-limited-data-and-noise": "Frob-SAM and Det-SAM help with limited data and label noise " +
    "(consistent: significantly better than SAM after correction; not shown: no significant " +
    "difference; contradicted: significantly worse)",
  "keeps-frobenius-low": "Frob-SAM keeps ‖H‖_F low (consistent: final ‖H‖_F significantly " +
    "below both SGD's and SAM's; contradicted: significantly above either)",
};

const SHORT: Record<ClaimVerdict["claim"], string> = {
  "competitive-on-clean": "competitive with SAM",
  "helps-limited-data-and-noise": "better than SAM",
  "keeps-frobenius-low": "‖H‖_F low",
};

/**
 * The answers section: questions 1 to 5, per model, from the complete cells; `demoFrobenius` is an
 * optional sentence on the authors' demonstration added under the ‖H‖_F claim, `machines` the
 * machines the runs' seconds were measured on (from their environment records).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { answersMarkdown } from "./study_answers_markdown.ts";
 * const answers = { alpha: 0.05, family: "f", methods: [], seeds: [], complete: [], tests: [],
 *   missing: [{ dataset: "d", model: "cnn", setting: "clean", done: 3, expected: 35 }],
 *   frobenius: [], winners: [], rankings: [], costs: [], claims: [] };
 * const md = answersMarkdown(answers);
 * assert.match(md, /No answer yet for cnn \(clean 3\/35 final runs\)/);
 * const none = answersMarkdown({ ...answers, missing: [{ ...answers.missing[0], done: 0 }] });
 * assert.match(none, /No answer for cnn: none of its final runs exist/);
 * ```
 */
export function answersMarkdown(
  answers: StudyAnswers,
  options: { demoFrobenius?: string; machines?: readonly string[] } = {},
): string {
  const { demoFrobenius, machines = [] } = options;
  completeModels = new Set(answers.complete.map((c) => c.model));
  const out: string[] = [];
  const { missing } = answers;
  out.push(
    `**Answers to the issue's questions**, per model, from the complete cells only (a cell is ` +
      `complete when all ${answers.methods.length || "its"} methods have their ${
        answers.seeds.length || ""
      } final seeds; every test is paired by seed). Complete: ${
        answers.complete.length ? answers.complete.map(cellName).join("; ") : "none yet"
      }.${
        answers.methods.includes("adam")
          ? " Adam is ranked with the others but is a reference only (untuned, its own learning rate)."
          : ""
      } Effects are differences of means (method − other), with the 95% paired t interval and ` +
      `the Holm-corrected p; the Holm family is ${answers.family} (${answers.tests.length} tests), ` +
      `significant when corrected p < ${answers.alpha}.`,
    "",
  );

  out.push(
    "**1. Does Frob-SAM lower ‖H‖_F relative to SGD and to SAM, and at what accuracy?**",
    "",
  );
  for (const f of answers.frobenius) {
    const h = [f.frobeniusVsSgd, f.frobeniusVsSam];
    const hText = h.map((t, k) =>
      t
        ? `${direction(t)} ${k === 0 ? "SGD's" : "SAM's"}: ${effectText(t)} (${
          t.meanMethod.toPrecision(3)
        } vs ${t.meanAgainst.toPrecision(3)})`
        : `no ‖H‖_F recorded against ${k === 0 ? "SGD" : "SAM"}`
    ).join("; ");
    out.push(
      `- ${cellName(f)}: Frob-SAM's final ‖H‖_F is ${hText}. Test accuracy beside it: ` +
        `Frob-SAM − SGD ${effectText(f.accuracyVsSgd)}; Frob-SAM − SAM ${
          effectText(f.accuracyVsSam)
        }.`,
    );
  }
  if (answers.frobenius.length === 0) out.push("- No complete cell yet.");
  const u1 = unanswered(missing);
  out.push(...(u1 ? ["", u1] : []), "");

  out.push(
    "**2. Which method wins with 10% of the data, and with 20% label noise? Is Frob-SAM or " +
      "Det-SAM better than SAM there?**",
    "",
  );
  for (const w of answers.winners) {
    const [best, second] = w.ranking;
    const verdict = w.bestVsRunnerUp.significant
      ? `${best.method} is significantly better than the runner-up ${second.method}`
      : `no method is significantly better than the runner-up (${second.method})`;
    out.push(
      `- ${cellName(w)}: best mean ${best.method} ${pct(best.mean)}%; against ${second.method} ` +
        `${effectText(w.bestVsRunnerUp)}: ${verdict}. Frob-SAM − SAM ${effectText(w.frobVsSam)} (${
          direction(w.frobVsSam, "worse", "better")
        } SAM); Det-SAM − SAM ${effectText(w.detVsSam)} (${
          direction(w.detVsSam, "worse", "better")
        } SAM).`,
    );
  }
  if (answers.winners.length === 0) out.push("- No complete 10%-data or 20%-noise cell yet.");
  const u2 = unanswered(missing, HARD_SETTINGS);
  out.push(...(u2 ? ["", u2] : []), "");

  out.push("**3. How do the variants rank on clean data?**", "");
  if (answers.rankings.length > 0) {
    // A table, not a chain of "a > b": a wrapped line starting with ">" would become a quote.
    out.push(
      "Mean final test accuracy, highest first; each gap is to the method ranked next, " +
        "significant after correction or not.",
      "",
      "| model | rank | method | test accuracy % (± 95% half width) | gap to the next (points, 95% CI, corrected p) | gap significant |",
      "| --- | ---: | --- | ---: | --- | --- |",
    );
    for (const r of answers.rankings) {
      r.ranking.forEach((m, k) => {
        const gap = r.gaps[k];
        out.push(
          `| ${r.model} | ${k + 1} | ${m.method} | ${pct(m.mean)}${
            m.ci95HalfWidth === null ? "" : ` ± ${pct(m.ci95HalfWidth)}`
          } | ${gap ? effectText(gap) : ""} | ${gap ? (gap.significant ? "yes" : "no") : ""} |`,
        );
      });
    }
  } else out.push("- No complete clean cell yet.");
  const u3 = unanswered(missing, [CLEAN_SETTING]);
  out.push(...(u3 ? ["", u3] : []), "");

  out.push(
    "**4. What does each method cost per point of accuracy, in seconds and in gradient " +
      "evaluations?**",
    "",
    "Per run: training seconds (Hessian measures and evaluation excluded) and gradient " +
      "evaluations, mean over the final seeds. Seconds were measured on a shared 2-core machine " +
      `with other jobs running${
        machines.length ? ` (${machines.join("; ")})` : ""
      }; gradient evaluations are the machine-independent figure. The ` +
      'extra cost per point is (method − SGD) / (gain in points); "no gain" where the gain\'s ' +
      "95% interval (not corrected for multiplicity; the corrected p stands beside it) includes 0 " +
      "or lies below it.",
    "",
  );
  if (answers.costs.length > 0) {
    out.push(
      "| model | setting | method | seconds per run | gradient evaluations per run | gain over SGD (points, 95% CI, corrected p) | extra seconds per point | extra gradient evaluations per point |",
      "| --- | --- | --- | ---: | ---: | --- | ---: | ---: |",
    );
    for (const c of answers.costs) {
      out.push(
        `| ${c.model} | ${c.setting} | ${c.method} | ${c.secondsPerRun.toFixed(1)} | ${
          Math.round(c.gradientEvaluationsPerRun)
        } | ${c.gain ? effectText(c.gain) : "(reference)"} | ${
          c.method === "sgd"
            ? ""
            : c.extraSecondsPerPoint === null
            ? "no gain"
            : c.extraSecondsPerPoint.toFixed(1)
        } | ${
          c.method === "sgd"
            ? ""
            : c.extraGradientEvaluationsPerPoint === null
            ? "no gain"
            : Math.round(c.extraGradientEvaluationsPerPoint)
        } |`,
      );
    }
  } else out.push("- No complete cell yet.");
  const u4 = unanswered(missing);
  out.push(...(u4 ? ["", u4] : []), "");

  out.push("**5. Where the result disagrees with the paper's claims**", "");
  for (const claim of Object.keys(CLAIMS) as ClaimVerdict["claim"][]) {
    const verdicts = answers.claims.filter((v) => v.claim === claim);
    const shown = verdicts.filter((v) => !v.evidence.startsWith("cell incomplete"));
    const counts = (["consistent", "not shown", "contradicted"] as const).map((k) =>
      `${shown.filter((v) => v.verdict === k).length} ${k}`
    ).join(", ");
    out.push(
      `- *${CLAIMS[claim]}.* ${
        shown.length ? `Over the complete cells: ${counts}.` : "No complete cell bears on it yet."
      }`,
    );
    for (const v of shown) {
      out.push(
        `  - ${cellName(v)}, ${v.method}: **${v.verdict}**${
          v.verdict === "contradicted" ? " (the paper's claim does not hold here)" : ""
        }; ${v.evidence}.`,
      );
    }
    if (claim === "keeps-frobenius-low" && demoFrobenius) out.push(`  - ${demoFrobenius}`);
    const lacking = verdicts.filter((v) => v.evidence.startsWith("cell incomplete"));
    const models = [...new Set(lacking.map((v) => v.model))];
    if (models.length > 0) {
      out.push(
        `  - Not shown yet for ${
          models.map((m) =>
            `${m} (${
              [
                ...new Set(
                  lacking.filter((v) => v.model === m).map((v) => v.setting),
                ),
              ]
                .join(", ")
            })`
          ).join("; ")
        }: cells incomplete.`,
      );
    }
  }
  const judged = answers.claims.filter((v) => !v.evidence.startsWith("cell incomplete"));
  const list = (verdict: ClaimVerdict["verdict"]) =>
    judged.filter((v) => v.verdict === verdict).map((v) =>
      `${cellName(v)} ${v.method} (${SHORT[v.claim]})`
    );
  const contradicted = list("contradicted");
  const notShown = list("not shown");
  const consistent = list("consistent");
  if (judged.length > 0) {
    const parts = [
      contradicted.length
        ? `the complete cells contradict the paper for ${contradicted.join("; ")}`
        : "no complete cell contradicts the paper",
      ...(notShown.length ? [`they do not show what it claims for ${notShown.join("; ")}`] : []),
      ...(consistent.length ? [`they are consistent with it for ${consistent.join("; ")}`] : []),
    ];
    out.push("", `Plainly: ${parts.join("; ")}.`);
  }
  out.push("");
  return out.join("\n");
}
