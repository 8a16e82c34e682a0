/** Small display helpers shared by the views. */

export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function formatMegapixels(megapixels: number): string {
  return `${megapixels < 10 ? megapixels.toFixed(1) : Math.round(megapixels)} MP`;
}

export function formatTime(timestamp: number | null): string {
  return timestamp === null ? 'never' : new Date(timestamp).toLocaleString();
}

export function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

/** The backend's own words: Electron wraps an IPC error as "Error invoking remote method 'x': Error: …". */
export function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^Error invoking remote method '[^']*': (?:\w*Error: )?/, '');
}

/** True when a key event comes from a text field, where shortcuts must not fire. */
export function isTyping(event: KeyboardEvent): boolean {
  const target = event.target;
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || ['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName))
  );
}
