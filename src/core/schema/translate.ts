import type { CheckConstraint, Column, DatabaseSchema, EnumType, ForeignKey, Index, Routine, SchemaNote, Table, Trigger, UserType } from './model';
import type { Dialect } from './dialect';
import { adapted, notCarried } from './report';
import { ENGINE_LABELS, type Engine } from '../url';

/**
 * What a schema of one engine becomes in another's terms, where the portable types alone are not
 * enough: enumerations, literal defaults, spatial columns, full-text indexes, ON UPDATE columns,
 * and the rules a target's DDL imposes that the source never had to keep (InnoDB's foreign keys
 * and AUTO_INCREMENT, database-wide index names). adapt.ts runs it for every schema that changes
 * engine; each mapping it makes, and each rule it bends, is a note.
 *
 * Everything written here in a target's SQL is built from names (quoted) and values (escaped), never
 * from the source's SQL text.
 */
export class CrossEngine {
  private readonly targetEngine: Engine;
  private readonly target: string;

  constructor(
    private readonly source: DatabaseSchema,
    private readonly dialect: Dialect,
    /** What the target database has already (its extensions, say), when it is known. */
    private readonly existing: DatabaseSchema | undefined,
    private readonly notes: SchemaNote[],
  ) {
    this.targetEngine = dialect.engine;
    this.target = ENGINE_LABELS[dialect.engine];
  }

  private has(feature: Parameters<Dialect['features']['has']>[0]): boolean {
    return this.dialect.features.has(feature);
  }

  /** A column's type and default in the target's terms (`column` holds the portable part already). */
  column(table: Table, source: Column, column: Column): void {
    this.enumeration(table, source, column);
    this.geometry(table, column);
    if (source.default?.kind === 'literal') {
      const value = typedLiteral(column, source.default.value);
      if (value === undefined) {
        delete column.default;
        this.notes.push(notCarried('default', source.name, `DEFAULT ${JSON.stringify(source.default.value)} does not fit a ${column.type} column`, table.name));
      } else column.default = { kind: 'literal', value };
    }
  }

  /** An enumeration: a PostgreSQL enum type or a MySQL ENUM column, in the target's way of enumerating. */
  private enumeration(table: Table, source: Column, column: Column): void {
    const labels = this.enumLabels(source);
    if (!labels) return;
    const typeName = source.native?.user ? source.native.name : undefined;
    const own = typeName ?? `${table.name}_${source.name}`;
    switch (this.targetEngine) {
      case 'mysql':
        if (!this.has('native types')) return;
        column.native = { engine: 'mysql', name: 'enum', labels };
        if (!typeName) this.notes.push(adapted('column', source.name, `${ENGINE_LABELS[this.source.engine]} ENUM as a MySQL ENUM of the same labels`, table.name));
        return;
      case 'postgres': {
        if (!this.has('enum types') || !this.has('native types')) return;
        const enums = (this.pendingEnums[own] ??= { kind: 'enum', name: own, labels });
        column.native = { engine: 'postgres', name: enums.name, user: true };
        this.notes.push(adapted('column', source.name, `the ENUM became the PostgreSQL enum type "${enums.name}"`, table.name));
        return;
      }
      case 'sqlite':
        if (!this.has('checks')) return;
        (this.pendingChecks[table.name] ??= []).push({
          name: `${table.name}_${source.name}_enum`.slice(0, 128),
          sql: { engine: 'sqlite', sql: `${quoteDouble(source.name)} IN (${labels.map(sqlString).join(', ')})` },
        });
        this.notes.push(adapted('column', source.name, `the ENUM became TEXT with a CHECK that it holds one of its ${labels.length} labels`, table.name));
        return;
    }
  }

  /** Enum types the target needs, by name, and checks by table, made while columns were mapped. */
  private readonly pendingEnums: Record<string, EnumType> = {};
  private readonly pendingChecks: Record<string, CheckConstraint[]> = {};

  private enumLabels(column: Column): string[] | undefined {
    const native = column.native;
    if (!native) return undefined;
    if (native.name === 'enum' && native.engine === 'mysql') return native.labels;
    if (native.user && native.array === undefined) {
      const type = this.source.types?.find((t) => t.name === native.name);
      if (type?.kind === 'enum') return type.labels;
    }
    return undefined;
  }

  /** Geometry: PostGIS where the target has it, a native geometry in MySQL, else its EWKB hex as text. */
  private geometry(table: Table, column: Column): void {
    if (column.type !== 'geometry') return;
    if (this.targetEngine === 'postgres') {
      const postgis = this.existing?.extensions?.find((e) => e.name === 'postgis');
      if (postgis && this.has('native types')) {
        column.native = { engine: 'postgres', name: 'geometry', user: true, ...(postgis.schema && postgis.schema !== 'public' ? { schema: postgis.schema } : {}) };
        return;
      }
      this.notes.push(adapted('column', column.name, 'geometry kept as EWKB in hex text: PostGIS is not installed in the target (ST_GeomFromEWKB(decode(col, \'hex\')) reads it)', table.name));
    } else if (this.targetEngine === 'sqlite') {
      this.notes.push(adapted('column', column.name, 'geometry kept as EWKB in hex text: SQLite has no geometry type', table.name));
    }
  }

  /** A table's indexes and keys, after its columns: the target's rules on top of the portable part. */
  table(source: Table, table: Table): void {
    this.referentialActions(table);
    this.autoIncrement(table);
    const checks = this.pendingChecks[table.name];
    if (checks?.length) table.checks = [...(table.checks ?? []), ...checks];
    this.onUpdate(source, table);
  }

  /**
   * An index of a kind the target builds differently: FULLTEXT as PostgreSQL full-text search (a GIN
   * index on to_tsvector), SPATIAL as a PostGIS GiST index. Undefined when there is no such mapping.
   */
  specialIndex(table: Table, index: Index): Index | undefined {
    if (this.targetEngine !== 'postgres' || !this.has('index methods')) return undefined;
    if (index.method === 'fulltext' && this.has('index parts')) {
      const columns = index.parts?.map((p) => p.column).filter((c): c is string => c !== undefined) ?? index.columns;
      if (!columns.length) return undefined;
      const text = columns.map((c) => `COALESCE(${quoteDouble(c)}, '')`).join(" || ' ' || ");
      this.notes.push(adapted('index', index.name, "a FULLTEXT index became a GIN index on to_tsvector('simple', …): PostgreSQL's full-text search, queried with @@ rather than MATCH … AGAINST", table.name));
      return { name: index.name, columns: [], unique: false, method: 'gin', engine: 'postgres', parts: [{ expression: { engine: 'postgres', sql: `to_tsvector('simple'::regconfig, ${text})` } }] };
    }
    if (index.method === 'spatial' && this.existing?.extensions?.some((e) => e.name === 'postgis')) {
      const columns = index.parts?.map((p) => p.column).filter((c): c is string => c !== undefined) ?? index.columns;
      this.notes.push(adapted('index', index.name, 'a SPATIAL index became a PostGIS GiST index', table.name));
      return { name: index.name, columns, unique: false, method: 'gist', engine: 'postgres' };
    }
    return undefined;
  }

  /** InnoDB refuses SET DEFAULT, and SET NULL on a column that cannot be NULL; the nearest it keeps is NO ACTION. */
  private referentialActions(table: Table): void {
    if (this.targetEngine !== 'mysql') return;
    for (const fk of table.foreignKeys) {
      for (const event of ['onDelete', 'onUpdate'] as const) {
        const action = fk[event];
        const notNull = fk.columns.some((c) => table.columns.find((col) => col.name === c)?.nullable === false);
        if (action === 'SET DEFAULT' || (action === 'SET NULL' && notNull)) {
          fk[event] = 'NO ACTION';
          const when = event === 'onDelete' ? 'ON DELETE' : 'ON UPDATE';
          const why = action === 'SET DEFAULT' ? 'InnoDB refuses SET DEFAULT' : `InnoDB refuses SET NULL on a NOT NULL column (in ${ENGINE_LABELS[this.source.engine]} it failed at run time the same way)`;
          this.notes.push(adapted('foreign key', fk.name ?? fk.columns.join(', '), `${when} ${action} became NO ACTION: ${why}; changing a referenced row that has referencing rows now fails`, table.name));
        }
      }
    }
  }

  /** MySQL: one AUTO_INCREMENT column a table, and it must lead a key. */
  private autoIncrement(table: Table): void {
    if (this.targetEngine !== 'mysql') return;
    const auto = table.columns.filter((c) => c.autoIncrement);
    for (const extra of auto.slice(1)) {
      delete extra.autoIncrement;
      this.notes.push(adapted('column', extra.name, `a plain integer: MySQL numbers only one column a table (here "${auto[0].name}")`, table.name));
    }
    const first = auto[0];
    if (!first) return;
    const leads = [table.primaryKey, ...table.uniques.map((u) => u.columns), ...table.indexes.map((i) => i.columns)].some((cols) => cols[0] === first.name);
    if (leads) return;
    const name = `${first.name}_auto`.slice(0, 64);
    table.indexes.push({ name, columns: [first.name], unique: false });
    this.notes.push(adapted('index', name, `added on "${first.name}": MySQL requires an AUTO_INCREMENT column to lead a key`, table.name));
  }

  /** ON UPDATE CURRENT_TIMESTAMP where the target has no such column attribute: a trigger that does the same. */
  private onUpdate(source: Table, table: Table): void {
    const columns = source.columns.filter((c) => c.onUpdate === 'now').map((c) => c.name);
    if (!columns.length || this.has('on update now')) return;
    const made = this.targetEngine === 'postgres' ? postgresTouch(table.name, columns) : this.targetEngine === 'sqlite' ? sqliteTouch(table, columns) : undefined;
    const needs = this.targetEngine === 'postgres' ? this.has('routines') && this.has('triggers') : this.has('triggers');
    for (const name of columns) {
      if (made && needs) this.notes.push(adapted('column', name, `ON UPDATE CURRENT_TIMESTAMP became the trigger "${made.trigger.name}", which sets it when its row changes`, table.name));
      else this.notes.push(notCarried('column', name, `ON UPDATE CURRENT_TIMESTAMP: ${this.target} does not set a column when its row changes`, table.name));
    }
    if (made && needs) {
      this.synthesized.triggers.push(made.trigger);
      if (made.routine) this.synthesized.routines.push(made.routine);
    }
  }

  /** What became of a user type of the source (a PostgreSQL enum, domain or composite) in the target. */
  typeNote(type: UserType): SchemaNote {
    if (type.kind === 'enum') {
      const how =
        this.targetEngine === 'mysql' && this.has('native types')
          ? 'its columns are MySQL ENUMs of its labels'
          : this.targetEngine === 'sqlite' && this.has('checks')
            ? 'its columns are TEXT with a CHECK of its labels'
            : 'its columns hold its labels as text';
      return adapted('enum', type.name, `${how}; ${this.target} has no enum types`);
    }
    if (type.kind === 'domain') {
      const checks = !type.checks.length ? '' : this.has('checks') ? ' and its checks as checks of those columns' : `; its checks are not carried (${this.target} does not create checks here)`;
      return adapted('domain', type.name, `its columns take its base type${checks}; ${this.target} has no domains`);
    }
    return adapted('composite type', type.name, `its columns hold its text form; ${this.target} has no composite types`);
  }

  /** Whether this translation gives the column a type of the target's own (so the portable type's loss does not apply). */
  mapsType(column: Column): boolean {
    return Boolean(this.enumLabels(column)) && this.targetEngine !== 'sqlite';
  }

  /** Triggers and functions this translation wrote (from names only), for the schema's lists. */
  private readonly synthesized: { triggers: Trigger[]; routines: Routine[] } = { triggers: [], routines: [] };

  /** After every table: what spans tables (foreign key types, names unique per database) and what was made on the way. */
  finish(schema: DatabaseSchema): void {
    this.foreignKeyTypes(schema);
    const enums = Object.values(this.pendingEnums);
    if (enums.length) schema.types = [...(schema.types ?? []), ...enums];
    if (this.synthesized.routines.length) schema.routines = [...(schema.routines ?? []), ...this.synthesized.routines];
    if (this.synthesized.triggers.length) schema.triggers = [...(schema.triggers ?? []), ...this.synthesized.triggers];
    this.uniqueNames(schema);
  }

  /** InnoDB: a foreign key column must have the integer type of the column it references. */
  private foreignKeyTypes(schema: DatabaseSchema): void {
    if (this.targetEngine !== 'mysql') return;
    const tables = new Map([...(this.existing?.tables ?? []), ...schema.tables].map((t) => [t.name, t]));
    const integers = ['smallint', 'integer', 'bigint'];
    for (const table of schema.tables) {
      for (const fk of table.foreignKeys) {
        const parent = tables.get(fk.references.table);
        fk.columns.forEach((name, i) => {
          const child = table.columns.find((c) => c.name === name);
          const referenced = parent?.columns.find((c) => c.name === fk.references.columns[i]);
          if (!child || !referenced || child.type === referenced.type || !integers.includes(child.type) || !integers.includes(referenced.type)) return;
          const was = child.type;
          child.type = referenced.type;
          this.notes.push(adapted('column', name, `${was} became ${referenced.type}, the type of "${fk.references.table}"."${referenced.name}" it references: InnoDB requires the two to match`, table.name));
        });
      }
    }
  }

  /**
   * Index and constraint names that a target keeps per database rather than per table (PostgreSQL
   * and SQLite index names, MySQL foreign key names): a second use of a name gets the table's name
   * in front, and a note.
   */
  private uniqueNames(schema: DatabaseSchema): void {
    const taken = new Set<string>([...schema.tables.map((t) => t.name), ...(schema.views ?? []).map((v) => v.name), ...(schema.sequences ?? []).map((s) => s.name)]);
    for (const t of this.existing?.tables ?? []) taken.add(t.name);
    const fresh = (table: string, name: string, max: number) => {
      let candidate = `${table}_${name}`.slice(0, max);
      for (let n = 2; taken.has(candidate); n++) candidate = `${`${table}_${name}`.slice(0, max - String(n).length - 1)}_${n}`;
      return candidate;
    };
    const rename = <T extends { name?: string }>(table: Table, item: T, kind: 'index' | 'unique constraint' | 'foreign key', max: number) => {
      if (item.name === undefined) return;
      if (!taken.has(item.name)) {
        taken.add(item.name);
        return;
      }
      const name = fresh(table.name, item.name, max);
      this.notes.push(adapted(kind, item.name, `renamed "${name}": ${this.target} keeps ${kind} names unique across the database`, table.name));
      item.name = name;
      taken.add(name);
    };
    for (const table of schema.tables) {
      if (this.targetEngine === 'mysql') {
        for (const fk of table.foreignKeys) rename<ForeignKey>(table, fk, 'foreign key', 64);
        continue;
      }
      const max = this.targetEngine === 'postgres' ? 63 : 1024;
      for (const u of table.uniques) rename(table, u, 'unique constraint', max);
      for (const index of table.indexes) rename<Index>(table, index, 'index', max);
    }
  }
}

/** A literal default as a value of the column's type (0 in a boolean column is false), or undefined where it does not fit. */
export function typedLiteral(column: Column, value: string | number | boolean): string | number | boolean | undefined {
  switch (column.type) {
    case 'boolean': {
      const text = String(value).toLowerCase();
      if (['1', 'true', 't', 'yes', 'y', 'on'].includes(text)) return true;
      if (['0', 'false', 'f', 'no', 'n', 'off'].includes(text)) return false;
      return undefined;
    }
    case 'smallint':
    case 'integer':
    case 'bigint': {
      const text = typeof value === 'boolean' ? (value ? '1' : '0') : String(value).trim();
      if (!/^-?\d+$/.test(text)) return undefined;
      return Number.isSafeInteger(Number(text)) ? Number(text) : text;
    }
    case 'decimal':
    case 'real':
    case 'double': {
      const text = typeof value === 'boolean' ? (value ? '1' : '0') : String(value).trim();
      if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return undefined;
      return typeof value === 'number' ? value : text;
    }
    case 'bytes':
    case 'geometry':
      // Their literals are written in each engine's own way (PostgreSQL's '\x..', MySQL's X'..').
      return undefined;
    default:
      return typeof value === 'string' ? value : String(value);
  }
}

function quoteDouble(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** PostgreSQL: a trigger function setting the columns to the current time when a row changes and they were not set. */
function postgresTouch(table: string, columns: string[]): { trigger: Trigger; routine: Routine } {
  const fn = `dbporter_on_update_${table}`.slice(0, 63);
  const assignments = columns
    .map((c) => `  IF NEW.${quoteDouble(c)} IS NOT DISTINCT FROM OLD.${quoteDouble(c)} THEN\n    NEW.${quoteDouble(c)} := CURRENT_TIMESTAMP;\n  END IF;`)
    .join('\n');
  const routine: Routine = {
    kind: 'function',
    name: fn,
    signature: '()',
    definition: {
      engine: 'postgres',
      sql: `CREATE FUNCTION ${quoteDouble(fn)}() RETURNS trigger LANGUAGE plpgsql AS $dbporter$\nBEGIN\n  IF NEW IS DISTINCT FROM OLD THEN\n${assignments.replace(/^/gm, '  ')}\n  END IF;\n  RETURN NEW;\nEND\n$dbporter$`,
    },
  };
  const trigger: Trigger = {
    name: 'dbporter_on_update',
    table,
    definition: { engine: 'postgres', sql: `CREATE TRIGGER "dbporter_on_update" BEFORE UPDATE ON ${quoteDouble(table)} FOR EACH ROW EXECUTE FUNCTION ${quoteDouble(fn)}()` },
  };
  return { trigger, routine };
}

/** SQLite: an AFTER UPDATE trigger that sets the columns when a row changed and they were not set. */
function sqliteTouch(table: Table, columns: string[]): { trigger: Trigger; routine?: Routine } | undefined {
  const key = table.primaryKey.length ? table.primaryKey : undefined;
  const match = key ? key.map((k) => `${quoteDouble(k)} = NEW.${quoteDouble(k)}`).join(' AND ') : 'rowid = NEW.rowid';
  const name = `dbporter_on_update_${table.name}`;
  const when = columns.map((c) => `NEW.${quoteDouble(c)} IS OLD.${quoteDouble(c)}`).join(' AND ');
  const set = columns.map((c) => `${quoteDouble(c)} = CURRENT_TIMESTAMP`).join(', ');
  return {
    trigger: {
      name,
      table: table.name,
      definition: { engine: 'sqlite', sql: `CREATE TRIGGER ${quoteDouble(name)} AFTER UPDATE ON ${quoteDouble(table.name)} FOR EACH ROW WHEN ${when} BEGIN UPDATE ${quoteDouble(table.name)} SET ${set} WHERE ${match}; END` },
    },
  };
}

