/** Turns `yonos upscale` arguments (files and folders) into the list of photos to process. */
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { isYonosOutput } from '../engine/index.js';

/** What folder scans pick up; a file named explicitly is tried whatever its extension. */
const imageExtensions = new Set([
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.avif',
  '.tif',
  '.tiff',
  '.gif',
  '.heic',
  '.heif',
]);

export interface InputFile {
  file: string;
  /** The folder argument it was found under: `--out` mirrors subfolders below it. */
  sourceRoot?: string;
}

export interface InputProblem {
  input: string;
  message: string;
}

export interface ExpandedInputs {
  files: InputFile[];
  problems: InputProblem[];
  /** Our own outputs found in folders: skipped, so a re-run never upscales its results again. */
  ownOutputs: string[];
}

export async function expandInputs(
  args: readonly string[],
  recursive: boolean,
): Promise<ExpandedInputs> {
  const files: InputFile[] = [];
  const problems: InputProblem[] = [];
  const ownOutputs: string[] = [];
  const seen = new Set<string>();
  const add = (file: InputFile): void => {
    if (seen.has(file.file)) return;
    seen.add(file.file);
    files.push(file);
  };
  for (const arg of args) {
    const resolved = path.resolve(arg);
    if (!existsSync(resolved)) {
      problems.push({ input: arg, message: 'no such file or folder' });
    } else if ((await stat(resolved)).isDirectory()) {
      const found = await imagesIn(resolved, recursive);
      if (found.length === 0) problems.push({ input: arg, message: 'no images in this folder' });
      for (const file of found) {
        if (await isYonosOutput(file)) ownOutputs.push(file);
        else add({ file, sourceRoot: resolved });
      }
    } else {
      // Named explicitly, even one of our outputs is upscaled: that is what was asked.
      add({ file: resolved });
    }
  }
  return {
    files,
    problems,
    ownOutputs: [...new Set(ownOutputs)].filter((file) => !seen.has(file)),
  };
}

/** Images in a folder, sorted; hidden files and folders (ours: in-progress temp files) are skipped. */
async function imagesIn(folder: string, recursive: boolean): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  const found: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) {
      if (recursive) found.push(...(await imagesIn(full, true)));
    } else if (entry.isFile() && imageExtensions.has(path.extname(entry.name).toLowerCase())) {
      found.push(full);
    }
  }
  return found;
}
