/**
 * `deno run -A src/data/cli.ts [--dataset NAME ...]`: finds (or downloads) and verifies datasets,
 * printing where each file came from, which checksums were checked, and the split sizes, so that
 * data can be fetched ahead of runs on machines without the internet.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { DATASET_NAMES } from "./catalog.ts";
import { classCounts } from "./image_set.ts";
import { defaultCacheDir, loadDataset } from "./load.ts";

const HELP = `usage: deno run -A src/data/cli.ts [options]

Finds, downloads when missing, and verifies datasets; prints a summary of each.

  --dataset NAME    one of ${DATASET_NAMES.join(", ")}; repeatable (default: fashion-mnist)
  --all             every dataset
  --data-dir DIR    an existing folder: look only in DIR/<dataset>/ and DIR/, download there (default: $USAM_DATA, then the cache and system folders)
  --cache-dir DIR   the per-user cache (default: ${defaultCacheDir()})
  --no-download     fail instead of downloading
  --help            this text
`;

/**
 * Runs the command on `argv`, writing to `write`; resolves to the exit code (0 when every
 * dataset loaded and verified).
 *
 * @example
 * ```ts ignore
 * import { runDataCli } from "./cli.ts";
 * const code = await runDataCli(["--dataset", "fashion-mnist", "--no-download"], console.log);
 * ```
 */
export async function runDataCli(argv: string[], write: (line: string) => void): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        dataset: { type: "string", multiple: true },
        all: { type: "boolean", default: false },
        "data-dir": { type: "string" },
        "cache-dir": { type: "string" },
        "no-download": { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    write(`${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    write(HELP);
    return 0;
  }
  const names = values.all ? [...DATASET_NAMES] : values.dataset ?? ["fashion-mnist"];
  let failures = 0;
  for (const name of names) {
    const started = performance.now();
    try {
      const data = await loadDataset(name, {
        dataDir: values["data-dir"],
        cacheDir: values["cache-dir"],
        download: !values["no-download"],
      });
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      const { train, test } = data;
      const counts = classCounts(train.labels, data.classes.length);
      write(
        `${name}: ${train.count} train / ${test.count} test images of ${train.height}×${train.width}×${train.channels}, ` +
          `${data.classes.length} classes (train per class ${Math.min(...counts)}..${
            Math.max(...counts)
          }), ${seconds} s`,
      );
      for (const [file, path] of Object.entries(data.files)) {
        write(
          `  ${file}: ${path} (${
            data.checksumVerified.includes(file)
              ? "checksum verified"
              : "format checked; no published checksum for this form"
          })`,
        );
      }
    } catch (error) {
      failures++;
      const message = (error as Error).message;
      write(message.startsWith(`${name}:`) ? message : `${name}: ${message}`);
    }
  }
  return failures === 0 ? 0 : 1;
}

if (import.meta.main) {
  Deno.exit(await runDataCli(Deno.args, (line) => console.log(line)));
}
