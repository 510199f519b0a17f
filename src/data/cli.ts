/**
 * `deno task data [--dataset NAME ...]`: finds (or downloads) and verifies datasets,
 * printing where each file came from, which checksums were checked, and the split sizes, so that
 * data can be fetched ahead of runs on machines without the internet.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { DATASET_NAMES } from "./catalog.ts";
import { classCounts } from "./image_set.ts";
import { defaultCacheDir, loadDataset } from "./load.ts";

const HELP = `Usage: deno task data [options]

Finds, downloads when missing, and verifies datasets; prints a summary of each. Exit codes: 0 every
dataset verified, 1 one failed, 2 bad flags.

  --dataset NAME    one of ${DATASET_NAMES.join(", ")}; repeatable (default: fashion-mnist)
  --all             every dataset
  --data-dir DIR    an existing folder: look only in DIR/<dataset>/ and DIR/, download there (default: $USAM_DATA, then the cache and system folders)
  --cache-dir DIR   the per-user cache (default: ${defaultCacheDir()})
  --no-download     fail instead of downloading
  -h, --help        show this help
`;

/**
 * Runs the command on `argv`, writing the summaries to `write` and errors (one line each,
 * `data: <message>`) to `writeError`; resolves to the exit code (0 when every dataset loaded and
 * verified, 1 when one failed, 2 for bad flags).
 *
 * @example
 * ```ts ignore
 * import { runDataCli } from "./cli.ts";
 * const code = await runDataCli(["--dataset", "fashion-mnist", "--no-download"], console.log);
 * ```
 */
export async function runDataCli(
  argv: string[],
  write: (line: string) => void,
  writeError: (line: string) => void = write,
): Promise<number> {
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
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    writeError(`data: ${(error as Error).message} (see --help)`);
    return 2;
  }
  if (values.help) {
    write(HELP);
    return 0;
  }
  const names = values.all ? [...DATASET_NAMES] : values.dataset ?? ["fashion-mnist"];
  for (const name of names) {
    if (!(DATASET_NAMES as readonly string[]).includes(name)) {
      writeError(
        `data: --dataset must be one of ${DATASET_NAMES.join(", ")}, got ${JSON.stringify(name)}`,
      );
      return 2;
    }
  }
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
      writeError(`data: ${message.startsWith(`${name}:`) ? message : `${name}: ${message}`}`);
    }
  }
  return failures === 0 ? 0 : 1;
}

if (import.meta.main) {
  Deno.exit(
    await runDataCli(Deno.args, (line) => console.log(line), (line) => console.error(line)),
  );
}
