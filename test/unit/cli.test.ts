import { CommanderError, type Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parsePort, parseScale } from '../../main/cli/options.js';
import { buildProgram } from '../../main/cli/program.js';

/** Runs the CLI in-process; commander's exits arrive as CommanderErrors and output is captured. */
async function runCli(
  args: string[],
): Promise<{ error?: CommanderError; stdout: string; stderr: string }> {
  const program = buildProgram({ rendererDir: '/nonexistent' });
  const output = { stdout: '', stderr: '' };
  const quiet = (command: Command): void => {
    command.configureOutput({
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
    for (const command of [
      'upscale',
      'serve',
      'models',
      'bench',
      'eval',
      'watch',
      'library',
      'jobs',
    ]) {
      expect(stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    }
  });
});

describe('yonos upscale usage errors exit 2', () => {
  it('rejects a scale the models do not support', async () => {
    const { error, stderr } = await runCli(['upscale', 'package.json', '--scale', '3']);
    expect(error?.code).toBe('commander.invalidArgument');
    expect(error?.exitCode).toBe(2);
    expect(stderr).toContain('Choose one of 2, 4, 8');
  });

  it('rejects --skip-existing with --overwrite', async () => {
    const { error } = await runCli(['upscale', 'a.jpg', '--skip-existing', '--overwrite']);
    expect(error?.code).toBe('commander.conflictingOption');
    expect(error?.exitCode).toBe(2);
  });

  it('rejects a name template with an unknown placeholder', async () => {
    const { error, stderr } = await runCli(['upscale', 'a.jpg', '--name', '{stem}_big']);
    expect(error?.exitCode).toBe(2);
    expect(stderr).toContain('Unknown placeholder {stem}');
  });

  it('rejects an unknown output format and a missing image argument', async () => {
    expect((await runCli(['upscale', 'a.jpg', '--format', 'bmp'])).error?.exitCode).toBe(2);
    expect((await runCli(['upscale'])).error?.exitCode).toBe(2);
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
