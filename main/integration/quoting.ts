/** Quoting for the generated shell scripts, command lines, key files and XML. */

/** One word for POSIX sh, whatever it contains. */
export function shellWord(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * A path as the first word of a file manager's command line. Every format here
 * (Desktop Entry Exec, Nemo, Thunar's `sh -c`, libfm's GLib shell parser)
 * accepts double quotes with \ before " ` $ and \, and expands %-codes, so a
 * literal % is doubled.
 */
export function commandWord(path: string): string {
  const word = /^[\w@+=:,./-]+$/.test(path) ? path : `"${path.replace(/["`$\\]/g, '\\$&')}"`;
  return word.replaceAll('%', '%%');
}

/** A key-file (INI) value: GKeyFile and KConfig read \\ as one backslash. */
export function keyFileValue(value: string): string {
  return value.replaceAll('\\', '\\\\');
}

export function xmlText(value: string): string {
  return value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
