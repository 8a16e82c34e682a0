import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  channelNames,
  healthReportSchema,
  serviceContract,
  type HealthReport,
  type YonosApi,
} from '../../main/shared/contract.js';
import { ipcChannel } from '../../main/shared/ipc-channel.js';
import { createHealthReport } from '../../main/shared/services.js';
import packageJson from '../../package.json' with { type: 'json' };

describe('the service contract', () => {
  it('lists every channel it defines', () => {
    expect(channelNames).toEqual(Object.keys(serviceContract));
  });

  it('namespaces IPC channels', () => {
    expect(ipcChannel('health')).toBe('yonos:health');
  });

  it('types the renderer API from the schemas', () => {
    expectTypeOf<YonosApi['health']>().toEqualTypeOf<() => Promise<HealthReport>>();
  });

  it('rejects a health report that breaks the schema', () => {
    expect(healthReportSchema.safeParse({ status: 'ok' }).success).toBe(false);
  });
});

describe('the services', () => {
  it('report health that satisfies the contract', () => {
    const report = createHealthReport();
    expect(healthReportSchema.parse(report)).toEqual({
      status: 'ok',
      version: packageJson.version,
      node: process.versions.node,
      platform: process.platform,
      arch: process.arch,
    });
  });

  it('refuse arguments the contract does not allow', () => {
    expect(serviceContract.health.args.safeParse([]).success).toBe(true);
    expect(serviceContract.health.args.safeParse(['surprise']).success).toBe(false);
  });
});
