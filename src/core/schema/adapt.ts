import type { Column, DatabaseSchema, Index, IndexPart, ObjectKind, SchemaNote, SqlText, Table, UserType } from './model';
import { plainIndexColumns } from './model';
import type { Dialect, Feature } from './dialect';
import { SchemaProblem } from './problem';
import { adapted, notCarried } from './report';
import { ENGINE_LABELS } from '../url';
import { DbPorterError } from '../errors';
import { carryExpression } from './expressions';
import { CrossEngine } from './translate';

declare const prepared: unique symbol;

/**
 * A schema made for one target engine by adaptSchema: every engine-specific part in it is of the
 * target's engine, and every piece of SQL text in it either comes from a trusted source or was
 * rebuilt. Writer.createSchema takes nothing else, so nothing from a dump reaches SQL unchecked.
 */
export type TargetSchema = DatabaseSchema & { readonly [prepared]: true };

export interface AdaptOptions {
  /** The target engine's dialect. */
  dialect: Dialect;
  /** The dialect of the engine the schema was read from. */
  sourceDialect: Dialect;
  /**
   * Whether SQL text of the source may run as it is: true for a copy from a database and a restore
   * of a backup, false for a dump (unless the user said --trust-dump).
   */
  trusted: boolean;
  /** Where the schema came from, for errors: a dump is named as such. */
  fromDump?: boolean;
  /** The target database as it is (its extensions and tables), where known: translations look at it. */
  existing?: DatabaseSchema;
}

export interface Adaptation {
  schema: TargetSchema;
  /** What was adapted or not carried, with the reasons (the operation's schema report). */
  notes: SchemaNote[];
}

/**
 * Makes a schema read from one engine into what `options.dialect`'s engine will create: parts of
 * the same engine that its DDL recreates stay as they are, the rest become portable or are named
 * in the notes. Throws DbPorterError when a part is outside its engine's grammar (a bad dump).
 */
export function adaptSchema(source: DatabaseSchema, options: AdaptOptions): Adaptation {
  const context = new AdaptContext(source, options);
  const tables = source.tables.map((t) => context.table(t));
  const schema: DatabaseSchema = { engine: options.dialect.engine, tables };
  context.databaseObjects(schema);
  context.across?.finish(schema);
  return { schema: schema as TargetSchema, notes: context.notes };
}

/** Marks a schema the target read from itself (its own tables, as they are) as one it may create from. */
export function ownSchema(schema: DatabaseSchema): TargetSchema {
  return schema as TargetSchema;
}

class AdaptContext {
  readonly notes: SchemaNote[];
  private readonly same: boolean;
  private readonly sourceLabel: string;
  /** User-defined types that the target gets; a column of any other keeps only its portable type. */
  private readonly keptTypes = new Set<string>();
  /** The mappings of a schema that changes engine (translate.ts). */
  readonly across: CrossEngine | undefined;

  constructor(
    private readonly source: DatabaseSchema,
    private readonly options: AdaptOptions,
  ) {
    this.notes = [...(source.notes ?? [])];
    this.same = source.engine === options.dialect.engine;
    this.sourceLabel = ENGINE_LABELS[source.engine];
    this.across = this.same ? undefined : new CrossEngine(source, options.dialect, options.existing, this.notes);
    for (const type of source.types ?? []) if (this.keepsType(type)) this.keptTypes.add(type.name);
  }

  /** Whether the target's DDL recreates this part of a same-engine schema. */
  private has(feature: Feature): boolean {
    return this.same && this.options.dialect.features.has(feature);
  }

  /** Why SQL text of the source does not travel, or undefined when it does. */
  private sqlBarrier(): string | undefined {
    if (!this.same) return `it is ${this.sourceLabel} SQL, which ${ENGINE_LABELS[this.options.dialect.engine]} cannot run`;
    if (!this.options.trusted) return 'a dump carries it as SQL text, which import runs only with --trust-dump';
    return undefined;
  }

  private keepsType(type: UserType): boolean {
    const feature: Feature = type.kind === 'enum' ? 'enum types' : type.kind === 'domain' ? 'domains' : 'composite types';
    if (!this.has(feature)) return false;
    // A domain's checks and default are SQL of its engine.
    if (type.kind === 'domain' && (type.checks.length || type.default?.kind === 'expression') && this.sqlBarrier()) return false;
    return true;
  }

  table(source: Table): Table {
    const table: Table = {
      name: source.name,
      columns: source.columns.map((c) => this.column(source, c)),
      primaryKey: [...source.primaryKey],
      uniques: source.uniques.map((u) => {
        const { nullsNotDistinct, deferrable, ...plain } = u;
        if (nullsNotDistinct && !this.has('nulls not distinct')) this.notes.push(adapted('unique constraint', u.name ?? u.columns.join(', '), 'NULLS NOT DISTINCT dropped: two NULLs no longer collide', source.name));
        if (deferrable && !this.has('deferrable constraints')) this.notes.push(adapted('unique constraint', u.name ?? u.columns.join(', '), `checked at once, not DEFERRABLE`, source.name));
        return { ...plain, ...(nullsNotDistinct && this.has('nulls not distinct') ? { nullsNotDistinct } : {}), ...(deferrable && this.has('deferrable constraints') ? { deferrable } : {}) };
      }),
      foreignKeys: source.foreignKeys.map((fk) => {
        const { match, deferrable, ...plain } = fk;
        const name = fk.name ?? fk.columns.join(', ');
        if (match && !this.same) this.notes.push(adapted('foreign key', name, `MATCH ${match.toUpperCase()} dropped`, source.name));
        if (deferrable && !this.has('deferrable constraints')) this.notes.push(adapted('foreign key', name, 'checked at once, not DEFERRABLE', source.name));
        return { ...plain, ...(match && this.same ? { match } : {}), ...(deferrable && this.has('deferrable constraints') ? { deferrable } : {}) };
      }),
      indexes: source.indexes.flatMap((i) => this.index(source, i)),
    };
    if (source.primaryKeyName !== undefined && this.same) table.primaryKeyName = source.primaryKeyName;
    this.checks(source, table);
    this.partitioning(source, table);
    if (source.inherits?.length) {
      if (this.has('inheritance')) table.inherits = [...source.inherits];
      else this.notes.push(adapted('inheritance', source.name, `a table of its own with every column: INHERITS (${source.inherits.join(', ')}) is not carried`, source.name));
    }
    if (source.comment !== undefined) {
      if (this.options.dialect.features.has('comments')) table.comment = source.comment;
      else this.notes.push(notCarried('comment', source.name, `${ENGINE_LABELS[this.options.dialect.engine]} keeps no comments`, source.name));
    }
    if (source.options) {
      if (this.has('table options')) table.options = source.options;
      else if (!this.same) this.tableOptionNotes(source);
    }
    this.across?.table(source, table);
    return table;
  }

  private column(table: Table, source: Column): Column {
    const column: Column = { name: source.name, type: source.type, nullable: source.nullable };
    if (source.length !== undefined) column.length = source.length;
    if (source.precision !== undefined) column.precision = source.precision;
    if (source.scale !== undefined) column.scale = source.scale;
    if (source.autoIncrement) column.autoIncrement = true;
    this.nativeType(table, source, column);
    if (source.identity && this.has('identity')) column.identity = source.identity;
    this.columnDefault(table, source, column);
    // Elsewhere the translation makes a trigger of it, or says it cannot.
    if (source.onUpdate) {
      if (this.options.dialect.features.has('on update now')) column.onUpdate = source.onUpdate;
      else if (this.same) this.notes.push(notCarried('column', source.name, `ON UPDATE CURRENT_TIMESTAMP: ${ENGINE_LABELS[this.options.dialect.engine]} does not set a column when its row changes here`, table.name));
    }
    if (source.generated) this.generated(table, source, column);
    if (source.collation) {
      if (this.has('column collations')) column.collation = source.collation;
      else this.notes.push(adapted('column', source.name, `collation ${source.collation.name} not carried; the target's default collation applies`, table.name));
    }
    if (source.comment !== undefined) {
      if (this.options.dialect.features.has('comments')) column.comment = source.comment;
      else this.notes.push(notCarried('comment', source.name, `${ENGINE_LABELS[this.options.dialect.engine]} keeps no comments`, table.name));
    }
    if (source.inherited && this.has('inheritance') && table.inherits?.length) column.inherited = true;
    this.across?.column(table, source, column);
    return column;
  }

  private nativeType(table: Table, source: Column, column: Column): void {
    const native = source.native;
    if (!native) return;
    if (this.same && this.has('native types')) {
      if (native.user && !this.keptTypes.has(native.name) && !this.isExtensionType(native.name)) {
        this.notes.push(adapted('column', source.name, `type ${native.name} is not carried, so the column is ${describePortable(source)}`, table.name));
        return;
      }
      try {
        this.options.dialect.renderType(native);
      } catch (err) {
        if (!(err instanceof SchemaProblem)) throw err;
        throw new DbPorterError(this.options.fromDump ? 'DUMP_INVALID' : 'UNSUPPORTED', `Table "${table.name}", column "${source.name}": ${err.message}. Nothing was written.`);
      }
      column.native = native;
      return;
    }
    const loss = this.across?.mapsType(source) ? undefined : this.sourceDialectLoss(source);
    if (loss) this.notes.push(adapted('column', source.name, loss, table.name));
  }

  /** A user type the source does not define is an extension's (PostGIS geometry, citext): it comes with the extension. */
  private isExtensionType(name: string): boolean {
    return !(this.source.types ?? []).some((t) => t.name === name);
  }

  private sourceDialectLoss(column: Column): string | undefined {
    const native = column.native!;
    if (native.user) {
      const type = (this.source.types ?? []).find((t) => t.name === native.name);
      if (type?.kind === 'domain') return undefined;
      return `type ${native.name} is ${describePortable(column)} here`;
    }
    return this.options.sourceDialect.lossOutside(column);
  }

  private columnDefault(table: Table, source: Column, column: Column): void {
    const dflt = source.default;
    if (!dflt) return;
    switch (dflt.kind) {
      case 'literal':
      case 'now':
      case 'uuid': {
        // The meaning travels; the source's own text only to its own engine, from a trusted source.
        const { sql, ...meaning } = dflt;
        column.default = sql && this.has('expression defaults') && !this.sqlBarrier() ? dflt : meaning;
        return;
      }
      case 'sequence':
        if (this.has('sequences')) column.default = dflt;
        else if (!source.autoIncrement) this.notes.push(notCarried('default', source.name, `nextval of sequence ${dflt.sequence}: ${ENGINE_LABELS[this.options.dialect.engine]} has no sequences here`, table.name));
        return;
      case 'expression': {
        const what = `DEFAULT ${dflt.sql}`;
        if (!this.targetHas('expression defaults')) {
          this.notes.push(notCarried('default', source.name, `${what}: ${this.targetLabel} takes no such default here`, table.name));
          return;
        }
        // A default speaks of no column.
        const sql = this.expression({ engine: dflt.engine, sql: dflt.sql }, { kind: 'default', name: source.name, table: table.name, what }, new Set());
        if (sql) column.default = { kind: 'expression', engine: sql.engine, sql: sql.sql };
        return;
      }
    }
  }

  /** A generated column where the target computes it (its expression carried), else a plain column holding the values. */
  private generated(table: Table, source: Column, column: Column): void {
    const generated = source.generated!;
    const what = `GENERATED ALWAYS AS (${generated.sql.sql})`;
    if (!this.targetHas('generated columns')) {
      this.notes.push(adapted('generated column', source.name, `a plain column holding the computed values: ${this.targetLabel} does not compute it here`, table.name));
      return;
    }
    const sql = this.expression(generated.sql, { kind: 'generated column', name: source.name, table: table.name, what }, columnNames(table), { quiet: true });
    if (!sql) {
      this.notes.push(adapted('generated column', source.name, `a plain column holding the computed values: ${this.lastReason}`, table.name));
      return;
    }
    // PostgreSQL 15 computes generated columns only as stored ones.
    const stored = generated.stored || this.options.dialect.engine === 'postgres';
    if (stored !== generated.stored) this.notes.push(adapted('generated column', source.name, `STORED: ${this.targetLabel} does not compute VIRTUAL columns`, table.name));
    column.generated = { sql, stored };
  }

  /** The reason the last expression() call gave for not carrying its expression. */
  private lastReason = '';

  /**
   * An expression of the source as the target's SQL text (expressions.ts), noting a translation;
   * undefined, with a note unless `quiet`, where it cannot be carried.
   */
  private expression(
    sql: SqlText,
    note: { kind: ObjectKind; name: string; table?: string; what: string },
    columns: ReadonlySet<string>,
    options: { quiet?: boolean; value?: string } = {},
  ): SqlText | undefined {
    const carried = carryExpression(sql, { target: this.options.dialect.engine, trusted: this.options.trusted, columns, value: options.value });
    if ('reason' in carried) {
      this.lastReason = carried.reason;
      if (!options.quiet) this.notes.push(notCarried(note.kind, note.name, `${note.what}: ${carried.reason}`, note.table));
      return undefined;
    }
    if (carried.translated) this.notes.push(adapted(note.kind, note.name, `${note.what} became ${carried.sql.sql}`, note.table));
    return carried.sql;
  }

  /** Whether the target's DDL can make this kind of part at all (whatever engine the schema came from). */
  private targetHas(feature: Feature): boolean {
    return this.options.dialect.features.has(feature);
  }

  private get targetLabel(): string {
    return ENGINE_LABELS[this.options.dialect.engine];
  }

  private index(table: Table, source: Index): Index[] {
    const special = source.parts || source.method || source.where || source.include;
    if (!special) return [{ name: source.name, columns: [...source.columns], unique: source.unique }];
    const features: Feature[] = [
      ...(source.parts ? (['index parts'] as const) : []),
      ...(source.method ? (['index methods'] as const) : []),
      ...(source.where ? (['partial indexes'] as const) : []),
      ...(source.include ? (['index include'] as const) : []),
    ];
    const needsSql = Boolean(source.where || source.parts?.some((p) => p.expression));
    if (features.every((f) => this.has(f)) && (!needsSql || this.options.trusted)) return [source];
    const mapped = this.across?.specialIndex(table, source);
    if (mapped) return [mapped];
    const rebuilt = this.rebuiltIndex(table, source);
    if (rebuilt) return [rebuilt];
    const plain = plainIndexColumns(source);
    if (plain && !source.where && (!source.method || source.method === 'btree')) {
      this.notes.push(adapted('index', source.name, 'a plain index on its columns: its ordering, prefix lengths or operator classes are not carried', table.name));
      return [{ name: source.name, columns: plain, unique: source.unique }];
    }
    const what = source.method && source.method !== 'btree' ? `a ${source.method.toUpperCase()} index` : source.where ? 'a partial index' : 'an expression index';
    this.notes.push(notCarried('index', source.name, `${what}: ${this.lastReason || `${this.targetLabel} does not build it here`}`, table.name));
    return [];
  }

  /**
   * An index with expressions or a predicate, rebuilt for the target: its expressions carried
   * (expressions.ts), its columns with their ordering; what only the source engine has (operator
   * classes, collations, INCLUDE, prefix lengths outside MySQL) left out and noted. Undefined when
   * any expression or the method cannot travel.
   */
  private rebuiltIndex(table: Table, source: Index): Index | undefined {
    this.lastReason = '';
    const engine = this.options.dialect.engine;
    if (source.method && source.method !== 'btree' && !(this.has('index methods'))) return undefined;
    if (source.parts && !this.targetHas('index parts')) return undefined;
    if (source.where && !this.targetHas('partial indexes')) return undefined;
    const columns = columnNames(table);
    const what = (sql: SqlText) => `index expression ${sql.sql}`;
    const parts: IndexPart[] = [];
    const dropped = new Set<string>();
    for (const p of source.parts ?? []) {
      const part: IndexPart = {};
      if (p.expression) {
        const sql = this.expression(p.expression, { kind: 'index', name: source.name, table: table.name, what: what(p.expression) }, columns, { quiet: true });
        if (!sql) return undefined;
        part.expression = sql;
      } else part.column = p.column;
      if (p.descending) part.descending = true;
      if (p.nullsFirst !== undefined && engine !== 'mysql') part.nullsFirst = p.nullsFirst;
      if (p.length !== undefined) (engine === 'mysql' ? (part.length = p.length) : dropped.add('prefix lengths'));
      if (p.opclass !== undefined) (this.same ? (part.opclass = p.opclass) : dropped.add('operator classes'));
      if (p.collation !== undefined) (this.same ? (part.collation = p.collation) : dropped.add('collations'));
      parts.push(part);
    }
    const index: Index = { name: source.name, columns: parts.length ? parts.filter((p) => p.column !== undefined && Object.keys(p).length === 1).map((p) => p.column!) : [...source.columns], unique: source.unique, engine };
    if (parts.length) index.parts = parts;
    if (source.method && source.method !== 'btree') index.method = source.method;
    if (source.where) {
      const where = this.expression(source.where, { kind: 'index', name: source.name, table: table.name, what: `WHERE ${source.where.sql}` }, columns, { quiet: true });
      if (!where) return undefined;
      index.where = where;
    }
    if (source.include?.length) (this.has('index include') ? (index.include = source.include) : dropped.add('INCLUDE columns'));
    if (dropped.size) this.notes.push(adapted('index', source.name, `its ${[...dropped].join(' and ')} are not carried`, table.name));
    return index;
  }

  /** Into another engine, a domain's checks become checks of the columns of that domain (VALUE naming the column). */
  private domainChecks(source: Table, table: Table): void {
    if (this.same || !this.targetHas('checks')) return;
    for (const column of source.columns) {
      const domain = column.native?.user ? (this.source.types ?? []).find((t) => t.kind === 'domain' && t.name === column.native!.name) : undefined;
      if (domain?.kind !== 'domain') continue;
      for (const [n, check] of domain.checks.entries()) {
        const name = `${table.name}_${column.name}_${check.name ?? `${domain.name}_check${n ? n + 1 : ''}`}`.slice(0, 63);
        const note = { kind: 'check constraint' as const, name, table: source.name, what: `domain ${domain.name}'s CHECK (${check.sql.sql}) on column "${column.name}"` };
        const sql = this.expression(check.sql, note, columnNames(source), { value: column.name });
        if (sql) (table.checks ??= []).push({ name, sql });
      }
    }
  }

  private checks(source: Table, table: Table): void {
    for (const c of source.checks ?? []) {
      const note = { kind: 'check constraint' as const, name: c.name ?? c.sql.sql, table: source.name, what: `CHECK (${c.sql.sql})` };
      if (!this.targetHas('checks')) {
        this.notes.push(notCarried(note.kind, note.name, `${note.what}: ${this.targetLabel} does not create checks here`, source.name));
        continue;
      }
      const sql = this.expression(c.sql, note, columnNames(source));
      if (sql) (table.checks ??= []).push({ ...(c.name !== undefined ? { name: c.name } : {}), sql, ...(c.noInherit && this.same ? { noInherit: c.noInherit } : {}) });
    }
    this.domainChecks(source, table);
    if (source.constraints?.length) {
      const barrier = this.has('engine constraints') ? this.sqlBarrier() : `only ${this.sourceLabel} has it`;
      if (!barrier) table.constraints = source.constraints;
      else for (const c of source.constraints) this.notes.push(notCarried('constraint', c.name, `${c.sql.sql}: ${barrier}`, source.name));
    }
  }

  private partitioning(source: Table, table: Table): void {
    if (!source.partitioning) return;
    const barrier = this.has('partitions') ? this.sqlBarrier() : `${ENGINE_LABELS[this.options.dialect.engine]} does not partition it here`;
    if (!barrier) {
      table.partitioning = source.partitioning;
      if (source.partitions) table.partitions = source.partitions;
      return;
    }
    this.notes.push(adapted('partitioning', source.name, `one table holding every partition's rows (${barrier})`, source.name));
  }

  private tableOptionNotes(source: Table): void {
    const o = source.options!;
    const kept = [o.storageEngine && o.storageEngine.toLowerCase() !== 'innodb' ? `ENGINE=${o.storageEngine}` : '', o.unlogged ? 'UNLOGGED' : '', o.withoutRowid ? 'WITHOUT ROWID' : '', o.strict ? 'STRICT' : '']
      .filter(Boolean)
      .join(', ');
    if (kept) this.notes.push(notCarried('table option', source.name, `${kept} is ${this.sourceLabel}'s own`, source.name));
  }

  databaseObjects(schema: DatabaseSchema): void {
    const source = this.source;
    const types = (source.types ?? []).filter((t) => this.keptTypes.has(t.name));
    for (const t of source.types ?? []) {
      if (!this.keptTypes.has(t.name)) this.notes.push(this.typeNote(t));
    }
    if (types.length) schema.types = types;
    this.carryAll(schema, 'collations', source.collations, 'collations', 'collation', false);
    this.carrySequences(schema);
    this.carryViews(schema);
    this.carryAll(schema, 'routines', source.routines, 'routines', 'function', true);
    this.carryAll(schema, 'triggers', source.triggers, 'triggers', 'trigger', true);
    this.carryAll(schema, 'rules', source.rules, 'rules', 'rule', true);
    this.carryAll(schema, 'extensions', source.extensions, 'extensions', 'extension', true);
  }

  /** Sequences go where the target has them; elsewhere one behind an auto-increment column lives on as that. */
  private carrySequences(schema: DatabaseSchema): void {
    const sequences = this.source.sequences ?? [];
    if (this.has('sequences')) {
      if (sequences.length) schema.sequences = sequences;
      return;
    }
    for (const s of sequences) {
      if (!this.ownedByAutoIncrement(s.ownedBy)) this.notes.push(notCarried('sequence', s.name, `${ENGINE_LABELS[this.options.dialect.engine]} does not create sequences here`));
    }
  }

  private ownedByAutoIncrement(owner: { table: string; column: string } | undefined): boolean {
    if (!owner) return false;
    return Boolean(this.source.tables.find((t) => t.name === owner.table)?.columns.find((c) => c.name === owner.column)?.autoIncrement);
  }

  private typeNote(type: UserType): SchemaNote {
    if (this.across) return this.across.typeNote(type);
    const kind = type.kind === 'composite' ? 'composite type' : type.kind;
    if (this.same && this.has(type.kind === 'enum' ? 'enum types' : type.kind === 'domain' ? 'domains' : 'composite types')) {
      return adapted(kind, type.name, `its columns take the base type (${this.sqlBarrier()})`);
    }
    const how = type.kind === 'enum' ? 'its columns hold the labels as text' : type.kind === 'domain' ? 'its columns take its base type' : 'its columns hold its text form';
    return adapted(kind, type.name, `${how}; the type itself is not created`);
  }

  private carryViews(schema: DatabaseSchema): void {
    const views = this.source.views ?? [];
    const keep = views.filter((v) => this.has(v.materialized ? 'materialized views' : 'views') && !this.sqlBarrier());
    if (keep.length) schema.views = keep;
    for (const v of views) {
      if (keep.includes(v)) continue;
      const kind = v.materialized ? 'materialized view' : 'view';
      this.notes.push(notCarried(kind, v.name, this.sqlBarrier() ?? `${ENGINE_LABELS[this.options.dialect.engine]} does not create ${kind}s here`));
    }
  }

  /** Carries a list of one kind of object, or notes each one as not carried. */
  private carryAll<K extends 'collations' | 'routines' | 'triggers' | 'rules' | 'extensions'>(
    schema: DatabaseSchema,
    key: K,
    items: DatabaseSchema[K] | undefined,
    feature: Feature,
    kind: SchemaNote['kind'],
    isSql: boolean,
  ): void {
    if (!items?.length) return;
    const barrier = !this.has(feature) ? `${ENGINE_LABELS[this.options.dialect.engine]} does not create ${feature} here` : isSql ? this.sqlBarrier() : undefined;
    if (!barrier) {
      (schema as Record<string, unknown>)[key] = items;
      return;
    }
    for (const item of items as Array<{ name: string; table?: string; kind?: string }>) {
      const itemKind = kind === 'function' && item.kind === 'procedure' ? 'procedure' : kind;
      this.notes.push(notCarried(itemKind, item.name, barrier, item.table));
    }
  }
}

function columnNames(table: Table): Set<string> {
  return new Set(table.columns.map((c) => c.name));
}

function describePortable(column: Column): string {
  const size = column.length !== undefined ? `(${column.length})` : column.precision !== undefined ? `(${column.precision}${column.scale !== undefined ? `,${column.scale}` : ''})` : '';
  return `${column.type}${size}`;
}

/**
 * DB Porter's own tables (the import ledger, the migration record), defined in portable terms
 * only, as a schema any engine may create. Anything engine-specific in them is a mistake here.
 */
export function portableSchema(engine: DatabaseSchema['engine'], tables: Table[]): TargetSchema {
  for (const t of tables) {
    const specific = t.columns.some((c) => c.native || c.generated || c.collation || c.default?.kind === 'expression') || t.checks || t.partitioning || t.inherits || t.options;
    if (specific) throw new Error(`Table "${t.name}" is not portable: DB Porter's own tables are defined in portable terms only.`);
  }
  return { engine, tables } as TargetSchema;
}

/** A piece of SQL text a schema carries: what a dump would run only with --trust-dump. */
export interface CarriedSql {
  kind: SchemaNote['kind'];
  name: string;
  table?: string;
}

/**
 * The SQL a schema carries as text (views, routines, triggers, rules, extensions, checks,
 * expression defaults, generated columns, expression and partial indexes, partition bounds): what
 * an import runs only when the dump is trusted. A front end shows it before asking.
 */
export function sqlCarriedBy(schema: DatabaseSchema): CarriedSql[] {
  const out: CarriedSql[] = [];
  for (const v of schema.views ?? []) out.push({ kind: v.materialized ? 'materialized view' : 'view', name: v.name });
  for (const r of schema.routines ?? []) out.push({ kind: r.kind, name: r.name });
  for (const t of schema.triggers ?? []) out.push({ kind: 'trigger', name: t.name, table: t.table });
  for (const r of schema.rules ?? []) out.push({ kind: 'rule', name: r.name, table: r.table });
  for (const e of schema.extensions ?? []) out.push({ kind: 'extension', name: e.name });
  for (const t of schema.types ?? []) if (t.kind === 'domain' && t.checks.length) out.push({ kind: 'domain', name: t.name });
  for (const table of schema.tables) {
    for (const c of table.checks ?? []) out.push({ kind: 'check constraint', name: c.name ?? c.sql.sql, table: table.name });
    for (const c of table.constraints ?? []) out.push({ kind: 'constraint', name: c.name, table: table.name });
    for (const c of table.columns) {
      if (c.default?.kind === 'expression') out.push({ kind: 'default', name: c.name, table: table.name });
      if (c.generated) out.push({ kind: 'generated column', name: c.name, table: table.name });
    }
    for (const i of table.indexes) if (i.where || i.parts?.some((p) => p.expression)) out.push({ kind: 'index', name: i.name, table: table.name });
    if (table.partitions?.length) out.push({ kind: 'partitioning', name: table.name, table: table.name });
  }
  return out;
}
