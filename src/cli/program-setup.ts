/**
 * The program's set-up that is not a command: the version, how --help shows required options and list defaults,
 * and commander's errors turned into the project's one-line `[CODE]` form.
 */
import { readFileSync } from 'node:fs';
import type { Command, CommanderError } from 'commander';
import type { ErrorCode } from '../errors.js';

/** The version in package.json (two folders up from both src/cli and dist/cli). */
export function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

/**
 * Lines longer than `width` broken at spaces, each continuation indented as its line: the text after a command's
 * options (addHelpText) is written as long lines, and commander leaves it as it is. A word longer than the width
 * stays whole.
 */
export function wrapLines(text: string, width: number): string {
  return text.split('\n').map((line) => {
    if (line.length <= width) return line;
    const indent = /^\s*/.exec(line)![0];
    const out: string[] = [];
    let current = '';
    for (const word of line.slice(indent.length).split(/ +/)) {
      if (current !== '' && indent.length + current.length + 1 + word.length > width) {
        out.push(indent + current);
        current = word;
      } else current = current === '' ? word : `${current} ${word}`;
    }
    if (current !== '') out.push(indent + current);
    return out.join('\n');
  }).join('\n');
}

/**
 * After every command is registered: required options say "(required)" in --help, and list defaults print as
 * they are typed (`1,2,4,8`), not as JSON (`[1,2,4,8]`). Help fits the terminal (80 columns when not one): an
 * option's description wraps even beside long flags (commander stops wrapping when fewer than 40 columns remain),
 * and the text after the options wraps too.
 */
export function finishHelp(program: Command): void {
  for (const cmd of allCommands(program)) {
    cmd.configureHelp({ minWidthToWrap: 24 });
    const output = cmd.configureOutput();
    cmd.configureOutput({ ...output, writeOut: (text: string) => process.stdout.write(wrapLines(text, process.stdout.columns || 80)) });
    for (const option of cmd.options) {
      if (option.mandatory && !option.description.endsWith('(required)')) option.description = `${option.description} (required)`;
      if (Array.isArray(option.defaultValue) && option.defaultValueDescription === undefined) {
        option.defaultValueDescription = (option.defaultValue as unknown[]).join(',');
      }
    }
  }
}

/** The program and every command under it, depth first. */
export function allCommands(cmd: Command): Command[] {
  return [cmd, ...cmd.commands.flatMap(allCommands)];
}

const CODE_OF: Record<string, ErrorCode> = {
  'commander.unknownOption': 'UNKNOWN_OPTION',
  'commander.invalidArgument': 'INVALID_OPTION',
  'commander.optionMissingArgument': 'INVALID_OPTION',
  'commander.missingMandatoryOptionValue': 'MISSING_OPTION',
  'commander.missingArgument': 'MISSING_ARGUMENT',
  'commander.excessArguments': 'EXCESS_ARGUMENTS',
  'commander.unknownCommand': 'UNKNOWN_COMMAND',
  'commander.conflictingOption': 'CONFLICTING_OPTIONS',
};

/**
 * A commander error as `{ code, message }` for the one-line form, pointing at the command's --help; null for
 * what is not an error to print (--help, --version, and the help printed when no command is given).
 */
export function usageError(err: CommanderError, cmd: Command): { code: ErrorCode; message: string } | null {
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return null;
  const code = CODE_OF[err.code] ?? 'INVALID_OPTION';
  const text = err.message.replace(/^error:\s*/, '').replace(/\s+/g, ' ').trim().replace(/\.$/, '');
  const path: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) path.unshift(c.name());
  return { code, message: `${text} (see ${path.join(' ')} --help)` };
}
