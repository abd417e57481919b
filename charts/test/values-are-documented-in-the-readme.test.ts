import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { paths, readmeWithTable, valueRows, valuesTable } from '../src/values-table.ts';

describe('values.yaml documents every setting, and the README table is generated from it', () => {
  const { rows, undocumented } = valueRows(fs.readFileSync(paths.values, 'utf8'));

  test('every key has a `# --` description', () => {
    assert.deepEqual(undocumented, []);
    assert.ok(rows.length > 100);
    for (const r of rows) assert.ok(r.description.length > 5, r.key);
  });

  test('the README values table is up to date (node charts/src/values-table.ts)', () => {
    const readme = fs.readFileSync(paths.readme, 'utf8');
    assert.equal(readme, readmeWithTable(readme, valuesTable(rows)));
  });

  test('values.schema.json covers exactly the keys of values.yaml', () => {
    const schema = JSON.parse(
      fs.readFileSync(paths.values.replace('values.yaml', 'values.schema.json'), 'utf8'),
    );
    type SchemaNode = { properties?: Record<string, SchemaNode> } | undefined;
    const at = (key: string) => key.split('.').reduce<SchemaNode>((node, k) => node?.properties?.[k], schema);
    for (const r of rows) assert.ok(at(r.key), `values.schema.json has ${r.key}`);
    assert.equal(schema.additionalProperties, false, 'typos in top-level keys are refused');
  });
});
