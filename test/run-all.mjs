// @ts-check
/**
 * `npm test`: runs every suite — lint, format and type checks, vitest unit +
 * integration, the e2e tests in Chromium, and the trainer's pytest suite — reads each one's machine-readable
 * report, and ends with one plain `N passed, N failed, N skipped` line.
 * It fails when any suite fails or when a suite runs no test at all.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const resultsDir = path.join(repoRoot, 'test-results');
const trainerDir = path.join(repoRoot, 'trainer');
const venvDir = path.join(trainerDir, '.venv');
const isWindows = process.platform === 'win32';

/** @typedef {{ passed: number, failed: number, skipped: number }} Counts */
/**
 * `failures`: one line per failed test, its name and the first line of its error, so the
 * summary at the very end of a long CI log says which test failed.
 * @typedef {{ counts: Counts, succeeded: boolean, failures?: string[] }} SuiteRun
 */

// The parts of the reports we read; anything else in them may change freely.
const vitestReportSchema = z.object({
  success: z.boolean(),
  numPassedTests: z.number(),
  numFailedTests: z.number(),
  numPendingTests: z.number(),
  numTodoTests: z.number(),
  testResults: z.array(
    z.object({
      name: z.string(),
      status: z.string(),
      message: z.string().optional(),
      assertionResults: z.array(
        z.object({
          fullName: z.string(),
          status: z.string(),
          failureMessages: z.array(z.string()).nullish(),
        }),
      ),
    }),
  ),
});
const junitFailureSchema = z.union([z.string(), z.object({ message: z.string().optional() })]);
const junitCaseSchema = z.object({
  classname: z.string().optional(),
  name: z.string(),
  failure: junitFailureSchema.optional(),
  error: junitFailureSchema.optional(),
});
const junitSuiteSchema = z.object({
  tests: z.coerce.number(),
  failures: z.coerce.number(),
  errors: z.coerce.number(),
  skipped: z.coerce.number(),
  testcase: z.union([junitCaseSchema, z.array(junitCaseSchema)]).optional(),
});
const junitReportSchema = z.object({
  testsuites: z.object({ testsuite: z.union([junitSuiteSchema, z.array(junitSuiteSchema)]) }),
});
/** @typedef {{ name: string, run: () => SuiteRun }} Suite */

/**
 * @param {string} command
 * @param {string[]} args
 * @param {string} [cwd]
 * @returns {number} the exit status; a command that could not start or was killed counts as 1
 */
function run(command, args, cwd = repoRoot) {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit' });
  if (result.error) console.error(`Could not run ${command}: ${result.error.message}`);
  return result.status ?? 1;
}

/** @param {string} file */
function readIfExists(file) {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

const vitestBin = path.join(
  path.dirname(createRequire(import.meta.url).resolve('vitest/package.json')),
  'vitest.mjs',
);

/**
 * @param {string} name
 * @param {string[]} projects vitest projects from vitest.config.ts
 * @returns {Suite}
 */
function vitestSuite(name, projects) {
  const reportFile = path.join(resultsDir, `vitest-${projects.join('-')}.json`);
  return {
    name,
    run() {
      rmSync(reportFile, { force: true });
      const status = run(process.execPath, [
        vitestBin,
        'run',
        ...projects.flatMap((project) => ['--project', project]),
        '--reporter=default',
        '--reporter=json',
        `--outputFile.json=${reportFile}`,
      ]);
      const json = readIfExists(reportFile);
      if (json === undefined) return { counts: none(), succeeded: false };
      const report = vitestReportSchema.parse(JSON.parse(json));
      return {
        counts: {
          passed: report.numPassedTests,
          failed: report.numFailedTests,
          skipped: report.numPendingTests + report.numTodoTests,
        },
        succeeded: status === 0 && report.success,
        failures: vitestFailures(report),
      };
    },
  };
}

/**
 * @param {z.infer<typeof vitestReportSchema>} report
 * @returns {string[]}
 */
function vitestFailures(report) {
  return report.testResults.flatMap((file) => {
    const where = path.relative(repoRoot, file.name);
    const failedTests = file.assertionResults.filter((test) => test.status === 'failed');
    if (failedTests.length === 0) {
      // A file that failed outside any test (import error, hook, unhandled rejection).
      return file.status === 'failed' ? [`${where}: ${firstLine(file.message ?? '')}`] : [];
    }
    return failedTests.map(
      (test) => `${where} > ${test.fullName}: ${firstLine(test.failureMessages?.[0] ?? '')}`,
    );
  });
}

/**
 * @param {z.infer<typeof junitSuiteSchema>} suite
 * @returns {string[]}
 */
function junitFailures(suite) {
  return [suite.testcase ?? []].flat().flatMap((test) => {
    const failure = test.failure ?? test.error;
    if (failure === undefined) return [];
    const message = typeof failure === 'string' ? failure : (failure.message ?? '');
    return [`${test.classname ?? ''}::${test.name}: ${firstLine(message)}`];
  });
}

/** @param {string} text */
function firstLine(text) {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/**
 * Creates trainer/.venv when missing and (re)installs the trainer with its test
 * extras only when trainer/pyproject.toml changed since the last install.
 * @returns {string | undefined} the venv's python, or undefined if setup failed
 */
function ensureTrainerVenv() {
  const python = isWindows
    ? path.join(venvDir, 'Scripts', 'python.exe')
    : path.join(venvDir, 'bin', 'python');
  if (!existsSync(python)) {
    const systemPython = process.env.YONOS_PYTHON ?? (isWindows ? 'python' : 'python3');
    console.log(`Creating ${path.relative(repoRoot, venvDir)} with ${systemPython}`);
    if (run(systemPython, ['-m', 'venv', venvDir]) !== 0) return undefined;
  }
  const stampFile = path.join(venvDir, '.yonos-install-stamp');
  const wanted = createHash('sha256')
    .update(readFileSync(path.join(trainerDir, 'pyproject.toml')))
    .digest('hex');
  if (readIfExists(stampFile) !== wanted) {
    console.log('Installing the trainer and its test extras into trainer/.venv');
    const status = run(python, [
      '-m',
      'pip',
      'install',
      // Unreachable indexes fail fast instead of being retried for minutes.
      '--retries',
      '0',
      '--disable-pip-version-check',
      '--progress-bar',
      'off',
      '--editable',
      `${trainerDir}[test]`,
    ]);
    if (status !== 0) return undefined;
    writeFileSync(stampFile, wanted);
  }
  return python;
}

/** @type {Suite} */
const pytestSuite = {
  name: 'trainer (pytest)',
  run() {
    const python = ensureTrainerVenv();
    if (python === undefined) return { counts: none(), succeeded: false };
    const reportFile = path.join(resultsDir, 'pytest.xml');
    rmSync(reportFile, { force: true });
    const status = run(python, ['-m', 'pytest', '-q', `--junitxml=${reportFile}`], trainerDir);
    const xml = readIfExists(reportFile);
    if (xml === undefined) return { counts: none(), succeeded: false };
    const report = junitReportSchema.parse(
      new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml),
    );
    const junitSuites = [report.testsuites.testsuite].flat();
    const counts = junitSuites.reduce(addJunitSuite, none());
    // pytest exits 5 when it collected nothing; the zero-test check reports that.
    return { counts, succeeded: status === 0, failures: junitSuites.flatMap(junitFailures) };
  },
};

/**
 * Lint, format and type checks of both languages, one "test" each, so a
 * layering violation or a type error fails `npm test` like a failing test.
 * @type {Suite}
 */
const checksSuite = {
  name: 'static checks (eslint, prettier, tsc, svelte-check, ruff, mypy)',
  run() {
    const python = ensureTrainerVenv();
    const npx = isWindows ? 'npx.cmd' : 'npx';
    /** @type {[string, () => number][]} */
    const checks = [
      ['eslint', () => run(npx, ['eslint', '.', '--max-warnings', '0'])],
      ['prettier', () => run(npx, ['prettier', '--check', '.', '--log-level', 'warn'])],
      ['tsc', () => run(npx, ['tsc', '-p', 'tsconfig.json'])],
      [
        'svelte-check',
        () =>
          run(npx, [
            'svelte-check',
            '--tsconfig',
            'renderer/tsconfig.json',
            '--fail-on-warnings',
            '--output',
            'machine',
          ]),
      ],
      ['ruff check', () => (python ? run(python, ['-m', 'ruff', 'check', '.'], trainerDir) : 1)],
      [
        'ruff format',
        () => (python ? run(python, ['-m', 'ruff', 'format', '--check', '.'], trainerDir) : 1),
      ],
      ['mypy', () => (python ? run(python, ['-m', 'mypy'], trainerDir) : 1)],
    ];
    const failures = checks.flatMap(([name, check]) => {
      const status = check();
      return status === 0 ? [] : [`${name} failed (exit ${String(status)})`];
    });
    const counts = { passed: checks.length - failures.length, failed: failures.length, skipped: 0 };
    return { counts, succeeded: failures.length === 0, failures };
  },
};

/**
 * @param {Counts} total
 * @param {z.infer<typeof junitSuiteSchema>} suite
 * @returns {Counts}
 */
function addJunitSuite(total, suite) {
  const failed = suite.failures + suite.errors;
  const skipped = suite.skipped;
  return {
    passed: total.passed + suite.tests - failed - skipped,
    failed: total.failed + failed,
    skipped: total.skipped + skipped,
  };
}

/** @returns {Counts} */
function none() {
  return { passed: 0, failed: 0, skipped: 0 };
}

/**
 * A suite whose setup throws (missing Python, unreadable report…) fails alone;
 * the others still run.
 * @param {Suite} suite
 * @returns {SuiteRun}
 */
function runGuarded(suite) {
  try {
    return suite.run();
  } catch (error) {
    console.error(`${suite.name} could not run:`, error);
    return { counts: none(), succeeded: false };
  }
}

/** @type {Suite[]} */
const suites = [
  checksSuite,
  vitestSuite('unit + integration (vitest)', ['unit', 'integration']),
  vitestSuite('e2e in Chromium (vitest + playwright-core)', ['e2e']),
  pytestSuite,
];

mkdirSync(resultsDir, { recursive: true });
const outcomes = suites.map((suite) => {
  console.log(`\n=== ${suite.name} ===`);
  const started = Date.now();
  const { counts, succeeded, failures = [] } = runGuarded(suite);
  const ranTests = counts.passed + counts.failed > 0;
  const ok = succeeded && ranTests && counts.failed === 0;
  // A suite that crashed, or ran nothing, must still show up as a failure.
  const failed = ok ? counts.failed : Math.max(counts.failed, 1);
  const note = ranTests ? '' : ' (no test ran)';
  return {
    name: suite.name,
    counts: { ...counts, failed },
    ok,
    note,
    failures,
    seconds: (Date.now() - started) / 1000,
  };
});

console.log('\n=== Summary ===');
for (const { name, counts, ok, note, failures, seconds } of outcomes) {
  console.log(
    `${ok ? 'PASS' : 'FAIL'}  ${name}: passed ${counts.passed} / failed ${counts.failed} / skipped ${counts.skipped}${note} in ${seconds.toFixed(1)} s`,
  );
  for (const failure of failures) console.log(`  ✗ ${failure}`);
}
const total = outcomes.reduce(
  (sum, { counts }) => ({
    passed: sum.passed + counts.passed,
    failed: sum.failed + counts.failed,
    skipped: sum.skipped + counts.skipped,
  }),
  none(),
);
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exitCode = outcomes.every((outcome) => outcome.ok) ? 0 : 1;
