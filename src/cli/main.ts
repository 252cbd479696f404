/**
 * The ll4al command line: one commander program, one file per command (src/cli/*Command.ts).
 * Every error reaches the user as one line on stderr and a non-zero exit: InputError (bad flag,
 * config field, file or answer) exits 2, anything else exits 1. LL4AL_DEBUG=1 adds the stack.
 */
import { existsSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { InputError } from '../inputError.ts';

const COMMANDS = ['run', 'resume', 'compare', 'report', 'demo', 'inspect', 'export', 'worker'] as const;

const fail = (error: unknown): never => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`ll4al: ${message.split('\n')[0]}\n`);
  if (process.env.LL4AL_DEBUG === '1' && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exit(error instanceof InputError ? 2 : 1);
};

const main = async (argv: ReadonlyArray<string>): Promise<void> => {
  const program = new Command('ll4al')
    .description('Learning Loss for Active Learning: run, compare and report active-learning experiments')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const name of COMMANDS) {
    // Sources run as .ts (tsx, vitest), the package as built .js.
    const url = new URL(`./${name}Command${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
    if (!existsSync(url)) continue;
    const module = (await import(url.href)) as { register: (p: Command) => void };
    module.register(program);
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
    throw error;
  }
};

process.on('unhandledRejection', fail);
main(process.argv.slice(2)).catch(fail);
