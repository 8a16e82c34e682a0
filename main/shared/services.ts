import type { HealthReport, ServiceHandlers } from './contract.js';
import { appVersion } from './version.js';

export function createHealthReport(): HealthReport {
  return {
    status: 'ok',
    version: appVersion,
    node: process.versions.node,
    platform: process.platform,
    arch: process.arch,
  };
}

/** The backend's implementation of the service contract, shared by IPC and HTTP. */
export function createServices(): ServiceHandlers {
  return {
    health: () => createHealthReport(),
  };
}
