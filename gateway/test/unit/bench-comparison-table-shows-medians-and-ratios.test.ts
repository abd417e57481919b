import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderTable } from '../../bench/bench-stats.ts';
import { comparisonTable, type RunFigures, type TableParameters } from '../../bench/comparison-table.ts';

const params: TableParameters = {
  rooms: 200,
  roomSize: 5,
  rate: 500,
  p99LimitMs: 100,
  bigRoom: 1000,
  idle: 2000,
};

const rowOf = (table: string, figure: string) =>
  table
    .split('\n')
    .find((line) => line.startsWith(`| ${figure}`))
    ?.split('|')
    .slice(2, 5)
    .map((cell) => cell.trim());

test('each figure is the median over the runs, with Switchboard / reference as the ratio', () => {
  const reference: RunFigures[] = [{ nodeCpuPerMessage: 250 }, { nodeCpuPerMessage: 270 }];
  const switchboard: RunFigures[] = [{ nodeCpuPerMessage: 800 }, { nodeCpuPerMessage: 820 }];
  const table = comparisonTable(params, reference, switchboard);
  assert.deepEqual(rowOf(table, '200 rooms x 5: node CPU per accepted message at 500 msg/s'), [
    '260 µs',
    '810 µs',
    '3.12x',
  ]);
});

test('rows of scenarios that did not run are left out', () => {
  const table = comparisonTable(params, [{ rssPerConnectionKiB: 34 }], [{ rssPerConnectionKiB: 56 }]);
  assert.equal(table.split('\n').length, 3);
  assert.deepEqual(rowOf(table, 'RSS per idle connection (2,000 connections)'), [
    '34.0 KiB',
    '56.0 KiB',
    '1.65x',
  ]);
});

test('a rate search where every step held reads as a lower bound; a generator limit is named', () => {
  const table = comparisonTable(
    params,
    [{ maxRate: { rate: 5000, atLeast: true, generatorBound: false } }],
    [{ maxRate: { rate: 2000, atLeast: false, generatorBound: true } }],
  );
  assert.deepEqual(rowOf(table, '200 rooms x 5: highest rate per node with p99 < 100 ms'), [
    '>= 5,000 msg/s',
    '2,000 msg/s (load generator bound)',
    '0.40x',
  ]);
});

test('a system without a figure shows n/a and no ratio', () => {
  const table = comparisonTable(params, [], [{ fillSeconds: 7.2 }]);
  assert.deepEqual(rowOf(table, '1,000-member room: time to fill'), ['n/a', '7.20 s', 'n/a']);
});

test('tables are Markdown with padded columns', () => {
  assert.equal(
    renderTable(['a', 'bb'], [['ccc', 'd']]),
    ['| a   | bb |', '| --- | -- |', '| ccc | d  |'].join('\n'),
  );
});

test('idle CPU reads in ms per second per 1,000 connections, over both batches held', () => {
  const table = comparisonTable(params, [{ idleCpuPerThousand: 4000 }], [{ idleCpuPerThousand: 11_000 }]);
  assert.deepEqual(rowOf(table, 'node CPU per 1,000 idle connections (4,000 held)'), [
    '4.0 ms/s',
    '11.0 ms/s',
    '2.75x',
  ]);
});
