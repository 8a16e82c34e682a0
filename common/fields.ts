/**
 * Optional fields from values that may be unset: the entries whose value is
 * undefined (or, with `setFields`, also null) are left out, so an optional
 * property is absent rather than present-but-undefined, which would override a
 * default when spread.
 */
export function definedFields<T extends object>(
  fields: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

export function setFields<T extends object>(
  fields: T,
): { [K in keyof T]?: Exclude<T[K], undefined | null> } {
  return Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== undefined && value !== null),
  ) as { [K in keyof T]?: Exclude<T[K], undefined | null> };
}
