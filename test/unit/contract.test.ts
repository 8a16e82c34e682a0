import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  channelNames,
  healthReportSchema,
  serviceContract,
  type HealthReport,
  type YonosApi,
} from '../../common/contract.js';
import { createApiClient } from '../../common/api-client.js';
import { ipcChannel, ipcChannelNames } from '../../main/electron/ipc-channel.js';
import { createHealthReport } from '../../main/app/services.js';
import packageJson from '../../package.json' with { type: 'json' };

describe('the service contract', () => {
  it('lists every channel it defines', () => {
    expect(channelNames).toEqual(Object.keys(serviceContract));
  });

  it('namespaces IPC channels', () => {
    expect(ipcChannel('health')).toBe('yonos:health');
  });

  it('gives the preload every channel name, without the schemas', () => {
    expect([...ipcChannelNames]).toEqual(channelNames);
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

describe('the API client', () => {
  it('has one function per channel, sending the channel name and arguments', async () => {
    const calls: unknown[] = [];
    const api = createApiClient((name, args) => {
      calls.push([name, args]);
      return Promise.resolve({ changed: 2 });
    });
    expect(Object.keys(api)).toEqual(channelNames);
    expect(await api.jobsCancel({ ids: [3] })).toEqual({ changed: 2 });
    expect(calls).toEqual([['jobsCancel', [{ ids: [3] }]]]);
  });

  it('refuses a result that breaks the contract', async () => {
    const api = createApiClient(() => Promise.resolve({ changed: 'lots' }));
    await expect(api.jobsRetry({})).rejects.toThrow();
  });

  it('validates arguments for every channel', () => {
    expect(serviceContract.libraryQuery.args.safeParse([{ limit: 0 }]).success).toBe(false);
    expect(serviceContract.jobsEnqueue.args.safeParse([{ scale: 3 }]).success).toBe(false);
    expect(
      serviceContract.jobsEnqueue.args.safeParse([{ scale: 8, inputs: ['a.jpg'] }]).success,
    ).toBe(true);
    expect(serviceContract.watchAdd.args.safeParse([{ path: '/p', scale: 4 }]).success).toBe(true);
  });
});

describe('name templates', () => {
  const problem = (template: string) => {
    const parsed = serviceContract.settingsSet.args.safeParse([{ template }]);
    return parsed.success ? null : parsed.error.issues.map((issue) => issue.message).join('; ');
  };

  it.each(['{name}_x{scale}', '{name}-big{scale}', 'enhanced {name}', '{name}.v{scale}'])(
    'accepts %s',
    (template) => {
      expect(problem(template)).toBeNull();
      expect(serviceContract.jobsEnqueue.args.safeParse([{ scale: 4, template }]).success).toBe(
        true,
      );
    },
  );

  it.each([
    ['{name}_{bogus}', 'Unknown placeholder {bogus} in the name template; use {name} and {scale}.'],
    ['{}x', 'Unknown placeholder {} in the name template; use {name} and {scale}.'],
    ['../../x{name}', 'The name template must give a plain file name: no /, \\ or "..".'],
    ['sub/{name}', 'The name template must give a plain file name: no /, \\ or "..".'],
    ['sub\\{name}', 'The name template must give a plain file name: no /, \\ or "..".'],
    ['{name}..{scale}', 'The name template must give a plain file name: no /, \\ or "..".'],
    ['', 'The name template is empty; {name}_x{scale} is the default.'],
    ['  ', 'The name template is empty; {name}_x{scale} is the default.'],
  ])('refuses %j in settings and in job requests alike', (template, message) => {
    expect(problem(template)).toBe(message);
    const enqueue = serviceContract.jobsEnqueue.args.safeParse([{ scale: 4, template }]);
    expect(enqueue.error?.issues.map((issue) => issue.message)).toEqual([message]);
  });
});
