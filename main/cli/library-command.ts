/** `yonos library …`: the photo library without the UI, for people and scripts. */
import { Command, Option } from 'commander';
import { recoverLibrary, RecoverRefusedError } from '../library/recover.js';
import { defaultDataDir } from '../engine/data-dir.js';
import type { LibraryQuery, Photo } from '../../common/contract.js';
import { librarySortSchema, photoStatusSchema } from '../../common/contract.js';
import {
  appOptionsFrom,
  dataCommand,
  parseIds,
  print,
  withApp,
  type DataDirOptions,
  type JsonOption,
} from './app-options.js';
import { libraryBenchCommand } from './library-bench-command.js';
import { parsePositiveInt } from './options.js';
import { definedFields } from '../../common/fields.js';

type Options = DataDirOptions & JsonOption;

export function libraryCommand(): Command {
  return new Command('library')
    .description('Manage the photo library: import, list, search, check originals')
    .addCommand(importCommand())
    .addCommand(listCommand())
    .addCommand(showCommand())
    .addCommand(foldersCommand())
    .addCommand(refreshCommand())
    .addCommand(thumbnailCommand())
    .addCommand(removeCommand())
    .addCommand(recoverCommand())
    .addCommand(libraryBenchCommand());
}

function importCommand(): Command {
  return dataCommand(
    'import',
    'Import photos and folders (recursively); duplicates are recognised by content',
  )
    .argument('<paths...>', 'photos and folders')
    .option('--no-recursive', 'do not descend into subfolders')
    .action(async function (
      this: Command,
      paths: string[],
      options: Options & { recursive: boolean },
    ) {
      const report = await withApp(this, appOptionsFrom(options), (services) =>
        services.libraryImport({ paths, recursive: options.recursive }),
      );
      print(options, report, () =>
        [
          `Added ${report.added}, duplicates ${report.duplicates}, moved ${report.moved}, ` +
            `already there ${report.unchanged}, failed ${report.failed.length}.`,
          ...report.failed.map((failure) => `  failed: ${failure.path}: ${failure.error}`),
        ].join('\n'),
      );
      if (report.failed.length > 0) process.exitCode = 1;
    });
}

function listCommand(): Command {
  return dataCommand('list', 'List photos, one page at a time (newest first)')
    .option('--folder <dir>', 'only photos in this folder')
    .option('--subfolders', 'with --folder: include its subfolders')
    .addOption(
      new Option('--status <status>', 'only photos with this status').choices(
        photoStatusSchema.options,
      ),
    )
    .option('--missing', 'only photos whose original is missing')
    .option('--search <text>', 'full-text search in name, folder and camera')
    .addOption(
      new Option('--sort <key>', 'sort key').choices(librarySortSchema.options).default('date'),
    )
    .addOption(new Option('--order <order>', 'sort order').choices(['asc', 'desc']).default('desc'))
    .option('--limit <n>', 'photos per page', parsePositiveInt, 50)
    .option('--cursor <cursor>', 'the next-page cursor a previous page printed')
    .action(async function (this: Command, options: Options & ListOptions) {
      const page = await withApp(this, appOptionsFrom(options), (services) =>
        services.libraryQuery(toQuery(options)),
      );
      print(options, page, () =>
        [
          ...page.photos.map(describePhoto),
          page.nextCursor === null ? '(end)' : `next page: --cursor ${page.nextCursor}`,
        ].join('\n'),
      );
    });
}

interface ListOptions {
  folder?: string;
  subfolders?: boolean;
  status?: Photo['status'];
  missing?: boolean;
  search?: string;
  sort: 'date' | 'name' | 'imported';
  order: 'asc' | 'desc';
  limit: number;
  cursor?: string;
}

function toQuery(options: ListOptions): LibraryQuery {
  return {
    sort: options.sort,
    order: options.order,
    limit: options.limit,
    ...(options.folder === undefined ? {} : { folder: options.folder }),
    ...(options.subfolders === true ? { includeSubfolders: true } : {}),
    ...(options.status === undefined ? {} : { status: options.status }),
    ...(options.missing === true ? { missing: true } : {}),
    ...definedFields({ search: options.search, cursor: options.cursor }),
  };
}

function describePhoto(photo: Photo): string {
  const date = new Date(photo.date).toISOString().slice(0, 10);
  const flags = photo.missing ? ' MISSING' : '';
  return `${String(photo.id).padStart(6)}  ${date}  ${photo.width}×${photo.height}  ${photo.status.padEnd(8)}${flags}  ${photo.path}`;
}

function showCommand(): Command {
  return dataCommand('show', 'Show one photo with its enhanced versions')
    .argument('<id>', 'photo id')
    .action(async function (this: Command, id: string, options: Options) {
      const [photoId] = parseIds([id]);
      const photo = await withApp(this, appOptionsFrom(options), (services) =>
        services.libraryPhoto(photoId ?? 0),
      );
      print(options, photo, () =>
        [
          describePhoto(photo),
          `  camera: ${photo.camera ?? '-'}  format: ${photo.format}  hash: ${photo.hash.slice(0, 16)}`,
          ...photo.versions.map(
            (version) => `  ×${version.scale} ${version.modelId}: ${version.path}`,
          ),
        ].join('\n'),
      );
    });
}

function foldersCommand(): Command {
  return dataCommand('folders', 'List the folders in the library with their photo counts').action(
    async function (this: Command, options: Options) {
      const folders = await withApp(this, appOptionsFrom(options), (services) =>
        services.libraryFolders(),
      );
      print(options, folders, () =>
        folders
          .map(
            (entry) =>
              `${String(entry.photos).padStart(7)}  ${entry.folder}${entry.missing > 0 ? `  (${entry.missing} missing)` : ''}`,
          )
          .join('\n'),
      );
    },
  );
}

function refreshCommand(): Command {
  return dataCommand('refresh', 'Check every original on disk and mark missing ones').action(
    async function (this: Command, options: Options) {
      const report = await withApp(this, appOptionsFrom(options), (services) =>
        services.libraryRefresh(),
      );
      print(
        options,
        report,
        () => `Checked ${report.checked}: ${report.missing} missing, ${report.found} found again.`,
      );
    },
  );
}

function thumbnailCommand(): Command {
  return dataCommand(
    'thumbnail',
    "Print the path of a photo's cached thumbnail, making it if needed",
  )
    .argument('<id>', 'photo id')
    .action(async function (this: Command, id: string, options: Options) {
      const [photoId] = parseIds([id]);
      const file = await withApp(this, appOptionsFrom(options), (_services, app) =>
        app.library.thumbnailFile(photoId ?? 0),
      );
      print(options, { path: file }, () => file);
    });
}

function removeCommand(): Command {
  return dataCommand('remove', 'Forget photos (the files on disk are not touched)')
    .argument('<ids...>', 'photo ids')
    .action(async function (this: Command, ids: string[], options: Options) {
      const result = await withApp(this, appOptionsFrom(options), (services) =>
        services.libraryRemove(parseIds(ids)),
      );
      print(options, result, () => `Removed ${result.changed} photo(s) from the library.`);
    });
}

function recoverCommand(): Command {
  return dataCommand(
    'recover',
    'Set a damaged library database aside; restore the newest daily backup, or start fresh',
  ).action(function (this: Command, options: Options) {
    let result;
    try {
      result = recoverLibrary(options.dataDir ?? defaultDataDir());
    } catch (error) {
      if (error instanceof RecoverRefusedError) this.error(error.message);
      throw error;
    }
    const { database, setAside, restored } = result;
    print(options, result, () => {
      if (setAside === null) return `No database at ${database}; nothing to recover.`;
      const next =
        restored === null
          ? 'The next start creates a fresh library; import your folders again.'
          : `Restored the backup ${restored}; import your folders again to add what changed since.`;
      return `Moved ${database} to ${setAside}. ${next}`;
    });
  });
}
