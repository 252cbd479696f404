/**
 * The shape of src/ (issue 13, item 8): no import cycle, and no import from a folder to one the
 * rule file (.dependency-cruiser.cjs) does not list for it. The rules are also run on a small
 * tree written here with a deliberate cycle and a deliberate upward import, so that a rule that
 * stopped catching them fails too.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cruise, type ICruiseResult, type IConfiguration } from 'dependency-cruiser';

const root = join(import.meta.dirname, '..', '..');
const rules = createRequire(import.meta.url)(join(root, '.dependency-cruiser.cjs')) as IConfiguration;

const violations = async (baseDir: string): Promise<string[]> => {
  const previous = process.cwd();
  process.chdir(baseDir);
  try {
    const result = await cruise(['src'], { ruleSet: { forbidden: rules.forbidden }, ...rules.options, validate: true, baseDir });
    return (result.output as ICruiseResult).summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
  } finally {
    process.chdir(previous);
  }
};

const probe = mkdtempSync(join(tmpdir(), 'll4al-depcruise-'));
afterAll(() => rmSync(probe, { recursive: true, force: true }));
const file = (path: string, text: string): void => {
  mkdirSync(join(probe, path, '..'), { recursive: true });
  writeFileSync(join(probe, path), text);
};

describe('the shape of src/', () => {
  it('should have no import cycle and no import the rule file does not allow', async () => {
    expect(await violations(root)).toEqual([]);
  });

  it('should catch a deliberate cycle and a deliberate import from a lower folder to a higher one', async () => {
    file('src/ops/a.ts', "import { b } from './b.ts';\nexport const a = (): number => b() + 1;\n");
    file('src/ops/b.ts', "import { a } from './a.ts';\nexport const b = (): number => (a as unknown as number) ? 0 : 1;\n");
    file('src/streams/stage.ts', 'export const stage = 1;\n');
    file('src/store/journal.ts', "import { stage } from '../streams/stage.ts';\nexport const journal = stage;\n");
    file('src/newFolder/x.ts', "import { stage } from '../streams/stage.ts';\nexport const x = stage;\n");
    const found = (await violations(probe)).sort();
    expect(found).toEqual([
      'layer-store: src/store/journal.ts → src/streams/stage.ts',
      'layer-unlisted-folder: src/newFolder/x.ts → src/streams/stage.ts',
      // A cycle is reported once, from the first of its modules cruised.
      'no-circular: src/ops/a.ts → src/ops/b.ts',
    ]);
  });
});
