/** XML property lists as macOS writes them (tabs, one element per line), for the Quick Actions. */
import { xmlText } from './quoting.js';

export type PlistValue = string | number | boolean | PlistValue[] | { [key: string]: PlistValue };

const header = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
`;

export function renderPlist(root: PlistValue): string {
  return `${header}${element(root, 0)}</plist>\n`;
}

function element(value: PlistValue, depth: number): string {
  const indent = '\t'.repeat(depth);
  if (typeof value === 'string') return `${indent}<string>${xmlText(value)}</string>\n`;
  if (typeof value === 'boolean') return `${indent}<${String(value)}/>\n`;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`plist integers only, got ${String(value)}`);
    return `${indent}<integer>${String(value)}</integer>\n`;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return `${indent}<array/>\n`;
    return `${indent}<array>\n${value.map((item) => element(item, depth + 1)).join('')}${indent}</array>\n`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return `${indent}<dict/>\n`;
  const body = entries
    .map(([key, item]) => `${indent}\t<key>${xmlText(key)}</key>\n${element(item, depth + 1)}`)
    .join('');
  return `${indent}<dict>\n${body}${indent}</dict>\n`;
}
