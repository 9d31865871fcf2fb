// Unit tests of the UI's pure code under node (no browser): resampling
// onto the distance grid, the binary channel form, theoretical best.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resample, gridOf, theoreticalBest } from '../../web/src/calc.js';
import { parseChannels } from '../../web/src/api.js';

const near = (a, b) => a.forEach((v, i) => {
	if (b[i] === null) assert.equal(v, null, `point ${i}: ${v} not null`);
	else assert.ok(Math.abs(v - b[i]) < 1e-9, `point ${i}: ${v} != ${b[i]}`);
});

test('linear interpolation between samples', () => {
	near(resample([0, 10, 20], [0, 10, 0], gridOf(0, 20, 5)),
		[0, 5, 10, 5, 0]);
});

test('scale applies (m/s to km/h)', () => {
	near(resample([0, 100], [10, 20], gridOf(0, 100, 3), 3.6),
		[36, 54, 72]);
});

test('an unknown value leaves a gap, not a zero', () => {
	near(resample([0, 10, 20, 30], [1, NaN, 3, 4], gridOf(0, 30, 7)),
		[1, null, null, null, 3, 3.5, 4]);
});

test('hold keeps a step channel (gear) until the next sample', () => {
	near(resample([0, 10, 20], [1, 2, 3], gridOf(0, 20, 5), 1, true),
		[1, 1, 2, 2, 3]);
});

test('grid points outside the samples are null', () => {
	near(resample([10, 20], [1, 2], gridOf(0, 30, 4)), [null, 1, 2, null]);
});

test('a distance that restarts at the line is skipped, not smeared', () => {
	// The first samples carry the previous lap's distance.
	near(resample([4300, 4310, 0, 10, 20], [9, 9, 0, 10, 20],
		gridOf(0, 20, 3)), [0, 10, 20]);
});

test('min/max pairs at equal distance do not divide by zero', () => {
	const r = resample([0, 0, 10, 10], [1, 5, 2, 6], gridOf(0, 10, 3));
	assert.ok(r.every((v) => v === null || Number.isFinite(v)));
	assert.equal(r[1], 3.5);
});

test('linear in samples: 5 laps of 5400 samples onto 2000 points', () => {
	const n = 5400, xs = new Float32Array(n), ys = new Float32Array(n);
	for (let i = 0; i < n; i++) {
		xs[i] = i;
		ys[i] = i % 100;
	}
	const r = resample(xs, ys, gridOf(0, n - 1, 2000));
	assert.equal(r.filter((v) => v !== null).length, 2000);
});

test('theoretical best: best sectors of valid laps per driver', () => {
	const tb = theoreticalBest([
		{ driver: 'A', valid: true, sector_ms: [30000, 40000, 20000] },
		{ driver: 'A', valid: true, sector_ms: [29000, 41000, 21000] },
		{ driver: 'A', valid: false, sector_ms: [1000, 1000, 1000] },
		{ driver: 'B', valid: true, sector_ms: [30000, null, 20000] },
	]);
	assert.equal(tb.get('A'), 29000 + 40000 + 20000);
	assert.equal(tb.get('B'), null);
});

function tbc1(channels, rows, flags) {
	const head = 24 + 32 * channels.length;
	const buf = new ArrayBuffer(head + 4 * rows * channels.length);
	const v = new DataView(buf);
	[...'TBC1'].forEach((c, i) => v.setUint8(i, c.charCodeAt(0)));
	v.setUint32(4, head, true);
	v.setUint32(8, channels.length, true);
	v.setUint32(12, rows, true);
	v.setUint32(16, flags, true);
	channels.forEach(([name, vals], k) => {
		[...name].forEach((c, i) => v.setUint8(24 + 32 * k + i,
			c.charCodeAt(0)));
		vals.forEach((x, r) => v.setFloat32(head + 4 * (rows * k + r), x,
			true));
	});
	return buf;
}

test('binary channel form: names, columns, NaN, downsampled flag', () => {
	const p = parseChannels(tbc1([['lap_dist', [0, 1.5, 3]],
		['speed', [10, NaN, 30]]], 3, 1));
	assert.equal(p.rows, 3);
	assert.equal(p.downsampled, true);
	assert.deepEqual([...p.ch.lap_dist], [0, 1.5, 3]);
	assert.equal(p.ch.speed[0], 10);
	assert.ok(Number.isNaN(p.ch.speed[1]));
	assert.throws(() => parseChannels(new ArrayBuffer(24)), /TBC1/);
});
