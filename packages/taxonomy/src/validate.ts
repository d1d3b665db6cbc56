import { allLabels, type DerivationRule, type Taxonomy } from './taxonomy.js';

/** Thrown for a taxonomy that is malformed; `path` names the offending entry (e.g. `edges[3].child`). */
export class TaxonomyError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`taxonomy ${path}: ${message}`);
    this.name = 'TaxonomyError';
  }
}

const isStringArray = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'string');

function checkStrings(value: unknown, path: string): string[] {
  if (!isStringArray(value)) throw new TaxonomyError(path, 'must be an array of strings');
  value.forEach((s, i) => {
    if (s.length === 0) throw new TaxonomyError(`${path}[${i}]`, 'label must not be empty');
  });
  return value;
}

function checkNoDuplicates(labels: string[], path: string): void {
  const seen = new Map<string, number>();
  labels.forEach((label, i) => {
    const first = seen.get(label);
    if (first !== undefined) {
      throw new TaxonomyError(
        `${path}[${i}]`,
        `duplicate label "${label}" (also at index ${first})`,
      );
    }
    seen.set(label, i);
  });
}

function checkRule(raw: unknown, i: number): DerivationRule {
  const path = `derived[${i}]`;
  if (typeof raw !== 'object' || raw === null) throw new TaxonomyError(path, 'must be an object');
  const r = raw as Record<string, unknown>;
  if (typeof r.label !== 'string' || r.label === '') {
    throw new TaxonomyError(`${path}.label`, 'must be a non-empty string');
  }
  if (r.kind !== 'anyOf' && r.kind !== 'noneOf') {
    throw new TaxonomyError(
      `${path}.kind`,
      `unknown rule kind ${JSON.stringify(r.kind)} (expected "anyOf" or "noneOf")`,
    );
  }
  const of = checkStrings(r.of, `${path}.of`);
  if (of.length === 0) throw new TaxonomyError(`${path}.of`, 'must name at least one label');
  return { label: r.label, kind: r.kind, of: [...of] };
}

/** Finds a cycle among the edges, returned as a label path, or null for a DAG. */
function findCycle(edges: { parent: string; child: string }[]): string[] | null {
  const children = new Map<string, string[]>();
  for (const e of edges) children.set(e.parent, [...(children.get(e.parent) ?? []), e.child]);
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    const s = state.get(node);
    if (s === 'done') return null;
    if (s === 'open') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'open');
    stack.push(node);
    for (const c of children.get(node) ?? []) {
      const cycle = visit(c);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of children.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}

/**
 * Checks a value is a well-formed taxonomy and returns a normalised copy. Rejects unknown or
 * duplicate labels, rules reading labels not yet defined (which also rules out cyclic
 * derivations), output labels that are not known, and edges that are duplicated, self-loops,
 * cyclic or between labels that are not outputs. Every error names the entry.
 */
export function validateTaxonomy(value: unknown): Taxonomy {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TaxonomyError('(root)', 'must be an object');
  }
  const v = value as Record<string, unknown>;
  const name = v.name === undefined ? 'custom' : v.name;
  if (typeof name !== 'string') throw new TaxonomyError('name', 'must be a string');
  const sourceLabels = [...checkStrings(v.sourceLabels, 'sourceLabels')];
  if (sourceLabels.length === 0) throw new TaxonomyError('sourceLabels', 'must not be empty');
  checkNoDuplicates(sourceLabels, 'sourceLabels');

  const rawDerived = v.derived === undefined ? [] : v.derived;
  if (!Array.isArray(rawDerived)) throw new TaxonomyError('derived', 'must be an array');
  const known = new Set(sourceLabels);
  const derived = rawDerived.map((raw, i) => {
    const rule = checkRule(raw, i);
    if (known.has(rule.label)) {
      throw new TaxonomyError(`derived[${i}].label`, `duplicate label "${rule.label}"`);
    }
    rule.of.forEach((input, j) => {
      if (input === rule.label) {
        throw new TaxonomyError(`derived[${i}].of[${j}]`, `"${input}" derives from itself`);
      }
      if (!known.has(input)) {
        throw new TaxonomyError(
          `derived[${i}].of[${j}]`,
          `unknown label "${input}" (a rule may read source labels and labels derived before it)`,
        );
      }
    });
    known.add(rule.label);
    return rule;
  });

  const outputLabels = [
    ...checkStrings(
      v.outputLabels ?? allLabels({ sourceLabels, derived } as Taxonomy),
      'outputLabels',
    ),
  ];
  checkNoDuplicates(outputLabels, 'outputLabels');
  outputLabels.forEach((label, i) => {
    if (!known.has(label))
      throw new TaxonomyError(`outputLabels[${i}]`, `unknown label "${label}"`);
  });
  const outputs = new Set(outputLabels);

  const rawEdges = v.edges === undefined ? [] : v.edges;
  if (!Array.isArray(rawEdges)) throw new TaxonomyError('edges', 'must be an array');
  const seenEdges = new Set<string>();
  const edges = rawEdges.map((raw, i) => {
    const path = `edges[${i}]`;
    if (typeof raw !== 'object' || raw === null) throw new TaxonomyError(path, 'must be an object');
    const e = raw as Record<string, unknown>;
    for (const end of ['parent', 'child'] as const) {
      const label = e[end];
      if (typeof label !== 'string') throw new TaxonomyError(`${path}.${end}`, 'must be a string');
      if (!known.has(label)) throw new TaxonomyError(`${path}.${end}`, `unknown label "${label}"`);
      if (!outputs.has(label)) {
        throw new TaxonomyError(`${path}.${end}`, `label "${label}" is not among outputLabels`);
      }
    }
    const parent = e.parent as string;
    const child = e.child as string;
    if (parent === child) throw new TaxonomyError(path, `self-loop on "${parent}"`);
    const key = `${parent}\u0000${child}`;
    if (seenEdges.has(key))
      throw new TaxonomyError(path, `duplicate edge "${parent}" → "${child}"`);
    seenEdges.add(key);
    return { parent, child };
  });
  const cycle = findCycle(edges);
  if (cycle) throw new TaxonomyError('edges', `cycle ${cycle.map((l) => `"${l}"`).join(' → ')}`);

  return { name, sourceLabels, derived, outputLabels, edges };
}

/** Parses and validates a taxonomy from JSON text (e.g. a user's own taxonomy file). */
export function parseTaxonomy(json: string): Taxonomy {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new TaxonomyError('(root)', `not valid JSON: ${(err as Error).message}`);
  }
  return validateTaxonomy(value);
}
