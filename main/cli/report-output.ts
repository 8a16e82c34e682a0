/** How the measuring commands (bench, eval, library bench) print and save their reports. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface ReportOutput {
  /** Print the JSON instead of the markdown table. */
  json?: boolean;
  /** Also write the JSON here, and the markdown table beside it (.md). */
  out?: string;
}

/** Prints the report (the table, or JSON when asked or when there is no table) and saves it with `--out`. */
export async function outputReport(
  report: unknown,
  markdown: string | null,
  options: ReportOutput,
): Promise<void> {
  const json = `${JSON.stringify(report, null, 2)}\n`;
  process.stdout.write(options.json === true || markdown === null ? json : markdown);
  if (options.out === undefined) return;
  await mkdir(path.dirname(options.out), { recursive: true });
  await writeFile(options.out, json);
  if (markdown !== null) await writeFile(options.out.replace(/(\.json)?$/, '.md'), markdown);
}
