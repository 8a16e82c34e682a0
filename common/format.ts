/** Display helpers shared by the app's views and the CLI (browser-safe). */

/** A rough time to come: "about 40 s", "about 3 min", "about 1 h 20 min". */
export function formatEta(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  if (seconds < 60) return `about ${seconds} s`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `about ${minutes} min`;
  return `about ${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
