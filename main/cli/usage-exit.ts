import { CommanderError, type Command } from 'commander';

/** Exit code for a command line that cannot be run as written. */
export const usageExitCode = 2;

const usageErrorCodes = new Set([
  'commander.unknownOption',
  'commander.unknownCommand',
  'commander.missingArgument',
  'commander.optionMissingArgument',
  'commander.missingMandatoryOptionValue',
  'commander.conflictingOption',
  'commander.invalidArgument',
  'commander.excessArguments',
]);

/**
 * Commander exits 1 on usage errors, but `yonos` promises 2 for those and 1
 * for files that failed, so scripts can tell them apart. Commander then
 * throws instead of exiting; the bin's entry point turns that into the exit
 * code, and tests read it from the thrown CommanderError.
 */
export function exitWithUsageCodes(command: Command): void {
  command.exitOverride((error) => {
    if (error.exitCode === 1 && usageErrorCodes.has(error.code)) {
      throw new CommanderError(usageExitCode, error.code, error.message);
    }
    throw error;
  });
  command.commands.forEach(exitWithUsageCodes);
}
