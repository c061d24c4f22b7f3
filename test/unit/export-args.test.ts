import * as assert from 'node:assert/strict';
import { parseArgs } from 'node:util';
import { gatherLists } from '../../src/cli/commands/export';

/** The tokens parseArgs gives for export's options, as the command parses them. */
function gather(args: string[]) {
  const { tokens } = parseArgs({
    args,
    options: { id: { type: 'string', multiple: true }, value: { type: 'string', multiple: true }, label: { type: 'string', multiple: true }, root: { type: 'string' }, yes: { type: 'boolean', short: 'y' } },
    allowPositionals: true,
    strict: true,
    tokens: true,
  });
  const { lists, positionals } = gatherLists(tokens);
  return { lists, positionals };
}

describe('export: several values after one flag', () => {
  it('takes the positionals after --id, --value and --label up to the next option', () => {
    assert.deepEqual(gather(['out.json', '--root', 'T', '--id', '1', '2', '3', '-y']), { lists: { id: ['1', '2', '3'] }, positionals: ['out.json'] });
    assert.deepEqual(gather(['--value', 'a', 'b', '--root', 'T', 'c']), { lists: { value: ['a', 'b'] }, positionals: ['c'] });
    assert.deepEqual(gather(['--label', 'spring', 'autumn']), { lists: { label: ['spring', 'autumn'] }, positionals: [] });
  });

  it('repeated flags, inline values and "--"', () => {
    assert.deepEqual(gather(['--id', '1', '--id', '2', '3', '--id=4', '5', '--', '6']), { lists: { id: ['1', '2', '3', '4', '5'] }, positionals: ['6'] });
  });

  it('a boolean option ends the list too', () => {
    assert.deepEqual(gather(['--id', '1', '--yes', 'out.json']), { lists: { id: ['1'] }, positionals: ['out.json'] });
  });
});
