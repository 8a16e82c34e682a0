// @ts-check
/**
 * The house's layers, bottom first: each folder may import only the folders
 * allowed for it (and itself). eslint.config.js turns this into import rules,
 * test/unit/layers.test.ts checks the real import graph against it and that
 * no folders import each other in a loop. ARCHITECTURE.md explains the order.
 */

/**
 * @typedef {object} Layer
 * @property {string} folder
 * @property {boolean} [side] imported only by the layers that name it in `uses`, not by every layer after it
 * @property {string[]} [uses] the side layers before it that it imports
 * @property {string[]} [only] it imports these and nothing else of ours
 */

/**
 * A layer imports every layer before it that is not a side layer, and the
 * side layers it names.
 * @type {Layer[]}
 */
const layers = [
  { folder: 'common' },
  { folder: 'main/engine' },
  { folder: 'main/library' },
  { folder: 'main/jobs' },
  // Watch folders and file-manager actions: wired in by the app, offered by the desktop and the CLI.
  { folder: 'main/watch', side: true },
  { folder: 'main/integration', side: true, only: ['common'] },
  { folder: 'main/app', uses: ['main/watch', 'main/integration'] },
  // The doors, side by side: one imports another only where it names it.
  { folder: 'main/launch', side: true },
  { folder: 'main/server', side: true },
  // Studio scale: the coordinator runs the app's queue on BullMQ; its transport binds like the server.
  { folder: 'main/cluster', side: true, uses: ['main/server'] },
  { folder: 'main/electron', side: true, uses: ['main/watch', 'main/integration', 'main/launch'] },
  {
    folder: 'main/cli',
    side: true,
    uses: ['main/watch', 'main/integration', 'main/launch', 'main/server', 'main/cluster'],
  },
  { folder: 'renderer/src', only: ['common'] },
];

/**
 * @param {Layer} layer
 * @param {number} index
 * @returns {string[]} the folders it may import, bottom first
 */
function importsOf(layer, index) {
  const before = layers.slice(0, index);
  const uses = layer.uses ?? [];
  const sideBefore = before.filter((below) => below.side).map((below) => below.folder);
  const strays = uses.filter((folder) => !sideBefore.includes(folder));
  if (strays.length > 0) {
    throw new Error(
      `layers.config.js: ${layer.folder} uses ${strays.join(', ')}: no side layer before it`,
    );
  }
  if (layer.only !== undefined) return layer.only;
  return before
    .filter((below) => !below.side || uses.includes(below.folder))
    .map((below) => below.folder);
}

/** @type {Record<string, string[]>} folder → the folders it may import */
export const allowedImports = Object.fromEntries(
  layers.map((layer, index) => [layer.folder, importsOf(layer, index)]),
);
