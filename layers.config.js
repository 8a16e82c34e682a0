// @ts-check
/**
 * The house's layers, bottom first: each folder may import only the folders
 * listed for it (and itself). eslint.config.js turns this into import rules,
 * test/unit/layers.test.ts checks the real import graph against it and that
 * no folders import each other in a loop. ARCHITECTURE.md explains the order.
 */

/** @type {Record<string, string[]>} folder → the folders it may import */
export const allowedImports = {
  common: [],
  'main/engine': ['common'],
  'main/library': ['common', 'main/engine'],
  'main/jobs': ['common', 'main/engine', 'main/library'],
  'main/watch': ['common', 'main/engine', 'main/library', 'main/jobs'],
  'main/integration': ['common'],
  'main/app': [
    'common',
    'main/engine',
    'main/library',
    'main/jobs',
    'main/watch',
    'main/integration',
  ],
  'main/launch': ['common', 'main/engine', 'main/library', 'main/jobs', 'main/app'],
  'main/server': ['common', 'main/engine', 'main/library', 'main/jobs', 'main/app'],
  // Studio scale: the coordinator runs the app's queue on BullMQ; its transport binds like the server.
  'main/cluster': ['common', 'main/engine', 'main/library', 'main/jobs', 'main/app', 'main/server'],
  'main/electron': [
    'common',
    'main/engine',
    'main/library',
    'main/jobs',
    'main/watch',
    'main/integration',
    'main/app',
    'main/launch',
  ],
  'main/cli': [
    'common',
    'main/engine',
    'main/library',
    'main/jobs',
    'main/watch',
    'main/integration',
    'main/app',
    'main/launch',
    'main/server',
    'main/cluster',
  ],
  'renderer/src': ['common'],
};
