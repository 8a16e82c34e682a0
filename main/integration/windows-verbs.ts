/**
 * What the Windows installer registers for the user who installs (HKCU, like
 * the per-user install itself): "Upscale ×4" and "Upscale ×8" on the
 * right-click menu of every image, and Yonos under "Open with" for the photo
 * types, without taking over any type's default app.
 *
 * resources/installer.nsh (electron-builder's `nsis.include`) is rendered from
 * here by `npm run gen:integration`; a unit test keeps the committed file in
 * step and reads the registry writes back out of it.
 */

/** Relative to the repository root. */
export const installerNshPath = 'resources/installer.nsh';

export interface UpscaleVerb {
  scale: number;
  /** The verb's key under SystemFileAssociations\image\shell. */
  key: string;
  label: string;
}

export const upscaleVerbs: readonly UpscaleVerb[] = [4, 8].map((scale) => ({
  scale,
  key: `YonosUpscale${scale}`,
  label: `Upscale ×${scale}`,
}));

/** The photo types the library imports (main/library/photo-files.ts). */
export const openWithExtensions = ['jpg', 'jpeg', 'png', 'webp', 'tif', 'tiff', 'avif'] as const;

const openWithProgId = 'Yonos.Image';
const imageVerbsKey = 'Software\\Classes\\SystemFileAssociations\\image\\shell';
const progIdKey = `Software\\Classes\\${openWithProgId}`;

/** NSIS strings: $INSTDIR and ${APP_EXECUTABLE_FILENAME} (electron-builder's) expand at install. */
const appExe = '"$INSTDIR\\${APP_EXECUTABLE_FILENAME}"';

/** One registry value under HKCU; `data: null` writes REG_NONE (how OpenWithProgids lists a ProgID). */
interface RegistryWrite {
  key: string;
  name: string;
  data: string | null;
}

type RegistryRemoval = { key: string } | { key: string; valueName: string };

function installWrites(): RegistryWrite[] {
  const verbs = upscaleVerbs.flatMap(({ key, label, scale }) => {
    const verbKey = `${imageVerbsKey}\\${key}`;
    return [
      { key: verbKey, name: '', data: label },
      { key: verbKey, name: 'MUIVerb', data: label },
      { key: verbKey, name: 'Icon', data: `${appExe},0` },
      // Shows the verb for more than 15 selected files too. Windows still starts
      // one process per file; the app's single instance gathers them into one batch.
      { key: verbKey, name: 'MultiSelectModel', data: 'Player' },
      { key: `${verbKey}\\command`, name: '', data: `${appExe} --upscale=${scale} -- "%1"` },
    ];
  });
  const openWith = [
    { key: progIdKey, name: '', data: 'Yonos image' },
    { key: `${progIdKey}\\DefaultIcon`, name: '', data: `${appExe},0` },
    { key: `${progIdKey}\\shell\\open\\command`, name: '', data: `${appExe} -- "%1"` },
    ...openWithExtensions.map((extension) => ({
      key: `Software\\Classes\\.${extension}\\OpenWithProgids`,
      name: openWithProgId,
      data: null,
    })),
  ];
  return [...verbs, ...openWith];
}

/** Exactly what installWrites() added: our keys, and our entry in each type's OpenWithProgids. */
function uninstallRemovals(): RegistryRemoval[] {
  return [
    ...upscaleVerbs.map(({ key }) => ({ key: `${imageVerbsKey}\\${key}` })),
    { key: progIdKey },
    ...openWithExtensions.map((extension) => ({
      key: `Software\\Classes\\.${extension}\\OpenWithProgids`,
      valueName: openWithProgId,
    })),
  ];
}

// SHCNE_ASSOCCHANGED with SHCNF_FLUSH, as electron-builder's own FileAssociation.nsh: Explorer rereads the verbs.
const notifyShell = 'System::Call "shell32::SHChangeNotify(i,i,i,i) (0x08000000, 0x1000, 0, 0)"';

/**
 * The include file, with a UTF-8 byte order mark: makensis then reads "×" as
 * UTF-8 whatever the build machine's code page (electron-builder also passes
 * -INPUTCHARSET UTF8, but a marked file does not depend on that).
 */
export function renderInstallerNsh(): string {
  const install = installWrites().map(({ key, name, data }) =>
    data === null
      ? `WriteRegNone HKCU ${nsisString(key)} ${nsisString(name)}`
      : `WriteRegStr HKCU ${nsisString(key)} ${nsisString(name)} ${nsisString(data)}`,
  );
  const uninstall = uninstallRemovals().map((removal) =>
    'valueName' in removal
      ? `DeleteRegValue HKCU ${nsisString(removal.key)} ${nsisString(removal.valueName)}`
      : `DeleteRegKey HKCU ${nsisString(removal.key)}`,
  );
  const body = (lines: string[]): string =>
    [...lines, notifyShell].map((line) => `  ${line}\n`).join('');
  return `\uFEFF; Generated from main/integration/windows-verbs.ts by \`npm run gen:integration\`; do not edit.
; Per-user (HKCU) like the install itself (nsis.perMachine: false).

!macro customInstall
${body(install)}!macroend

!macro customUnInstall
${body(uninstall)}!macroend
`;
}

/** An NSIS string argument: quoted with the first of " ' ` that the text does not contain. */
function nsisString(text: string): string {
  const quote = ['"', "'", '`'].find((candidate) => !text.includes(candidate));
  if (quote === undefined || /[\r\n]/.test(text)) throw new Error(`cannot quote for NSIS: ${text}`);
  return `${quote}${text}${quote}`;
}
