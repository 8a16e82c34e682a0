/**
 * Thunar keeps every custom action in one file, ~/.config/Thunar/uca.xml,
 * shared with the user's own actions. Ours are `<action>` elements whose
 * unique-id starts with `yonos-upscale-`; they are added and removed as text,
 * so everything else in the file stays byte for byte as it was. Thunar runs
 * the command with `sh -c`, after replacing %F with the shell-quoted paths.
 */
import {
  actionCommand,
  actionIcon,
  actionLabel,
  actionScales,
  actionTooltip,
} from './action-files.js';
import type { IntegrationPlaces } from './locations.js';
import { xmlText } from './quoting.js';

const thunarIdPrefix = 'yonos-upscale-';

/** An actions file with no action yet. */
export const emptyThunarActions = '<?xml version="1.0" encoding="UTF-8"?>\n<actions>\n</actions>\n';

/** Our actions, laid out the way Thunar writes its own. */
export function thunarActions(places: IntegrationPlaces): string[] {
  return actionScales.map((scale) =>
    [
      '<action>',
      `\t<icon>${actionIcon}</icon>`,
      `\t<name>${xmlText(actionLabel(scale))}</name>`,
      '\t<submenu></submenu>',
      `\t<unique-id>${thunarIdPrefix}x${scale}</unique-id>`,
      `\t<command>${xmlText(`${actionCommand(places, scale)} %F`)}</command>`,
      `\t<description>${xmlText(actionTooltip(scale))}</description>`,
      '\t<range></range>',
      '\t<patterns>*</patterns>',
      '\t<image-files/>',
      '</action>',
      '',
    ].join('\n'),
  );
}

/**
 * One <action> element with our unique-id, its indentation and its line end.
 * The tempered dots never cross an </action>, so a match cannot swallow
 * someone else's action before or after ours.
 */
const ourAction = new RegExp(
  String.raw`[ \t]*<action>(?:(?!</action>)[\s\S])*?<unique-id>${thunarIdPrefix}[^<]*</unique-id>(?:(?!</action>)[\s\S])*</action>[ \t]*\r?\n?`,
  'g',
);

export function findThunarActions(xml: string): string[] {
  return xml.match(ourAction) ?? [];
}

export function removeThunarActions(xml: string): string {
  return xml.replace(ourAction, '');
}

/** The file with ours (re)placed before </actions>; null when it is not an actions file. */
export function mergeThunarActions(xml: string, actions: string[]): string | null {
  const rest = removeThunarActions(xml).replace(/<actions\s*\/>/, '<actions>\n</actions>');
  const end = rest.lastIndexOf('</actions>');
  if (end === -1) return null;
  return `${rest.slice(0, end)}${actions.join('')}${rest.slice(end)}`;
}

/** Whether anything but ours is left; an empty file is removed so the system-wide actions apply again. */
export function hasOtherThunarActions(xml: string): boolean {
  return /<action[\s>]/.test(removeThunarActions(xml));
}

/** Equal for Thunar: the same elements and text, whatever the layout and escaping of a re-save. */
export function sameThunarAction(a: string, b: string): boolean {
  const normal = (xml: string): string =>
    xml
      .trim()
      .replace(/>\s+</g, '><')
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>')
      .replaceAll('&quot;', '"')
      .replaceAll('&apos;', "'")
      .replaceAll('&amp;', '&');
  return normal(a) === normal(b);
}
