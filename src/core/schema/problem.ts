/**
 * A part of a schema that an engine cannot write as it stands: a type name outside its grammar, an
 * expression that does not parse, a function a dump may not run. Thrown where the part is checked;
 * whoever knows the table and column (and whether the schema came from a dump) turns it into a
 * DbPorterError that names them.
 */
export class SchemaProblem extends Error {
  override readonly name = 'SchemaProblem';
}

/** Words that may not appear in a type's modifiers or names, whatever the engine: they would start SQL of their own. */
export function isPlainWord(word: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(word);
}
