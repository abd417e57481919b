import fs from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, type Node, type Pair, parseDocument } from 'yaml';
import { chartDir } from './go-tools.ts';

/**
 * The README's values table, generated from values.yaml: every key documented with a
 * `# -- description` comment becomes a row (key, type, default, description), as helm-docs
 * does. `node charts/src/values-table.ts` rewrites the README between the markers;
 * `--check` fails when the README is out of date (run by the chart tests).
 */
export type ValueRow = { key: string; type: string; default: string; description: string };

const BEGIN = '<!-- values-table:begin (generated from values.yaml by charts/src/values-table.ts) -->';
const END = '<!-- values-table:end -->';

function describe(comment: string | null | undefined): string | undefined {
  const lines = (comment ?? '').split('\n').map((l) => l.trim());
  const start = lines.findIndex((l) => l.startsWith('-- '));
  if (start < 0) return undefined;
  return lines
    .slice(start)
    .map((l, i) => (i === 0 ? l.slice(3) : l))
    .join(' ')
    .trim();
}

function typeOf(node: Node | null): string {
  if (isMap(node)) return 'object';
  if (isSeq(node)) return 'list';
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
    if (typeof v === 'boolean') return 'bool';
    return 'string';
  }
  return 'string';
}

function defaultOf(node: Node | null): string {
  const value = node ? node.toJSON() : null;
  return JSON.stringify(value);
}

/** Rows of the documented keys, and the keys left without a `# --` comment. */
export function valueRows(valuesYaml: string): { rows: ValueRow[]; undocumented: string[] } {
  const doc = parseDocument(valuesYaml);
  const rows: ValueRow[] = [];
  const undocumented: string[] = [];
  const walk = (node: Node | null, prefix: string, firstComment?: string | null) => {
    if (!isMap(node)) return;
    node.items.forEach((pair: Pair, index: number) => {
      const key = `${prefix}${String((pair.key as { value: unknown }).value)}`;
      // A comment above a map's first key is attached to the map (or, at the root, the document).
      const comment = (pair.key as Node).commentBefore ?? (index === 0 ? firstComment : undefined);
      const description = describe(comment);
      const value = pair.value as Node | null;
      if (description !== undefined) {
        rows.push({ key, type: typeOf(value), default: defaultOf(value), description });
      } else if (isMap(value)) {
        walk(value, `${key}.`, value.commentBefore);
      } else {
        undocumented.push(key);
      }
    });
  };
  walk(doc.contents as Node, '', doc.commentBefore);
  return { rows, undocumented };
}

/** A Markdown table with padded columns, the layout Biome's formatter keeps. */
export function valuesTable(rows: ValueRow[]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const table = [
    ['Key', 'Type', 'Default', 'Description'],
    ...rows.map((r) => [`\`${r.key}\``, r.type, `\`${cell(r.default)}\``, cell(r.description)]),
  ];
  const widths = table[0]!.map((_, c) => Math.max(3, ...table.map((row) => [...row[c]!].length)));
  const line = (row: string[]) =>
    `| ${row.map((v, c) => v + ' '.repeat(widths[c]! - [...v].length)).join(' | ')} |`;
  return [line(table[0]!), line(widths.map((w) => '-'.repeat(w))), ...table.slice(1).map(line)].join('\n');
}

export function readmeWithTable(readme: string, table: string): string {
  const begin = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`README has no ${BEGIN} ... ${END} markers`);
  return `${readme.slice(0, begin + BEGIN.length)}\n${table}\n${readme.slice(end)}`;
}

export const paths = { values: path.join(chartDir, 'values.yaml'), readme: path.join(chartDir, 'README.md') };

if (import.meta.main) {
  const table = valuesTable(valueRows(fs.readFileSync(paths.values, 'utf8')).rows);
  const current = fs.readFileSync(paths.readme, 'utf8');
  const wanted = readmeWithTable(current, table);
  if (process.argv.includes('--check')) {
    if (wanted !== current) {
      console.error('charts/switchboard/README.md is out of date: run node charts/src/values-table.ts');
      process.exit(1);
    }
  } else if (wanted !== current) {
    fs.writeFileSync(paths.readme, wanted);
    console.log('charts/switchboard/README.md: values table updated');
  }
}
