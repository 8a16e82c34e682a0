/**
 * Reads INI-style key files (.desktop, .nemo_action) as GKeyFile and KConfig
 * do: [groups] of key=value, comments and blank lines skipped, \\ \s \n \t \r
 * unescaped. Fails on anything else, so a malformed file cannot pass.
 */
export type KeyFile = Record<string, Record<string, string>>;

export function parseKeyFile(text: string): KeyFile {
  const groups: KeyFile = {};
  let group: Record<string, string> | null = null;
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header?.[1] !== undefined) {
      if (Object.hasOwn(groups, header[1])) throw new Error(`group [${header[1]}] twice`);
      group = groups[header[1]] = {};
      continue;
    }
    const entry = /^([A-Za-z0-9-]+)=(.*)$/.exec(line);
    if (group === null || entry?.[1] === undefined || entry[2] === undefined) {
      throw new Error(`not a key file line: ${line}`);
    }
    if (Object.hasOwn(group, entry[1])) throw new Error(`key ${entry[1]} twice`);
    group[entry[1]] = unescapeValue(entry[2]);
  }
  return groups;
}

function unescapeValue(value: string): string {
  const escapes: Record<string, string> = { '\\': '\\', s: ' ', n: '\n', t: '\t', r: '\r' };
  return value.replace(/\\(.)/g, (_match, char: string) => {
    const replacement = escapes[char];
    if (replacement === undefined) throw new Error(`invalid escape \\${char}`);
    return replacement;
  });
}
