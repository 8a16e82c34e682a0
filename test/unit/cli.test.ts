import { CommanderError, type Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parsePort, parseScale } from '../../main/cli/options.js';
import { buildProgram } from '../../main/cli/program.js';

/** Runs the CLI in-process; commander's exits become CommanderErrors and output is captured. */
async function runCli(
  args: string[],
): Promise<{ error?: CommanderError; stdout: string; stderr: string }> {
  const program = buildProgram({ rendererDir: '/nonexistent' });
  const output = { stdout: '', stderr: '' };
  const quiet = (command: Command): void => {
    command.exitOverride().configureOutput({
      writeOut: (text) => (output.stdout += text),
      writeErr: (text) => (output.stderr += text),
    });
    command.commands.forEach(quiet);
  };
  quiet(program);
  try {
    await program.parseAsync(args, { from: 'user' });
    return output;
  } catch (error) {
    if (error instanceof CommanderError) return { error, ...output };
    throw error;
  }
}

describe('yonos --help', () => {
  it('lists the commands', async () => {
    const { error, stdout } = await runCli(['--help']);
    expect(error?.exitCode).toBe(0);
    expect(stdout).toMatch(/^Usage: yonos/m);
    for (const command of ['upscale', 'serve', 'bench', 'watch', 'library', 'jobs']) {
      expect(stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    }
  });
});

describe('yonos upscale', () => {
  it('names missing photos', async () => {
    const { error, stderr } = await runCli(['upscale', 'no-such-photo.jpg']);
    expect(error?.exitCode).toBe(1);
    expect(stderr).toContain('No such file: no-such-photo.jpg');
  });

  it('says plainly that the engine is not built yet', async () => {
    const { error, stderr } = await runCli(['upscale', 'package.json', '--scale', '2']);
    expect(error?.exitCode).toBe(1);
    expect(stderr).toContain('not built yet; nothing was written');
  });

  it('rejects a scale the models do not support', async () => {
    const { error, stderr } = await runCli(['upscale', 'package.json', '--scale', '3']);
    expect(error?.code).toBe('commander.invalidArgument');
    expect(stderr).toContain('Choose one of 2, 4, 8');
  });
});

describe('yonos serve', () => {
  it('asks for a build when the web UI is missing', async () => {
    const { error, stderr } = await runCli(['serve']);
    expect(error?.exitCode).toBe(1);
    expect(stderr).toContain('npm run build');
  });
});

describe('option parsers', () => {
  it('accept what they promise', () => {
    expect(parseScale('8')).toBe(8);
    expect(parsePort('0')).toBe(0);
    expect(parsePort('65535')).toBe(65535);
  });

  it.each(['-1', '65536', '80.5', 'http'])('reject port %s', (value) => {
    expect(() => parsePort(value)).toThrow(CommanderError);
  });
});
