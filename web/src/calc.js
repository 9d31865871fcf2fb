// Pure computations of the UI (no DOM, no imports): resampling onto the
// distance grid and lap-time arithmetic. tests/web/calc.test.mjs runs
// them under node.

// Values of (xs, ys) at the points of a regular grid (gridOf): linear
// interpolation inside each sample-to-sample segment, or with hold the
// segment's first value (gear); null where no segment covers a point or
// a value is unknown (NaN), so gaps stay gaps. Segments that run
// backwards (a distance that restarts at the line) are skipped, the
// others fill the grid points they cover: O(samples + grid points).
export function resample(xs, ys, grid, scale = 1, hold = false) {
	const G = grid.length;
	const out = new Array(G).fill(null);
	if (G === 0) return out;
	const from = grid[0];
	const step = G > 1 ? grid[1] - grid[0] : 1;
	for (let i = 0; i + 1 < xs.length; i++) {
		const x0 = xs[i], x1 = xs[i + 1], y0 = ys[i], y1 = ys[i + 1];
		if (!(x1 > x0) || !(y0 === y0)) continue;
		let g = Math.max(0, Math.ceil((x0 - from) / step - 1e-9));
		const last = Math.min(G - 1, Math.floor((x1 - from) / step + 1e-9));
		for (; g <= last; g++) {
			const x = grid[g];
			if (x < x0 - 1e-9 || x > x1 + 1e-9) continue;
			// The segment's end belongs to the next one, if any.
			if (x >= x1 - 1e-9 && xs[i + 2] > x1) continue;
			let v;
			if (x <= x0 + 1e-9) v = y0;
			else if (x >= x1 - 1e-9) v = y1;
			else v = hold ? y0 : y0 + (y1 - y0) * (x - x0) / (x1 - x0);
			if (v === v) out[g] = v * scale; // NaN: unknown, a gap
		}
	}
	return out;
}

// n points evenly from `from` to `to` (n >= 2).
export function gridOf(from, to, n) {
	const g = new Float64Array(n);
	const d = (to - from) / (n - 1);
	for (let i = 0; i < n; i++) g[i] = from + d * i;
	return g;
}

// Theoretical best per driver: the sum of their best sectors of valid
// laps (null when a sector time is missing).
export function theoreticalBest(laps) {
	const by = new Map();
	for (const l of laps) {
		if (!l.valid) continue;
		const b = by.get(l.driver) || [null, null, null];
		l.sector_ms.forEach((s, k) => {
			if (s > 0 && (b[k] == null || s < b[k])) b[k] = s;
		});
		by.set(l.driver, b);
	}
	const out = new Map();
	for (const [d, b] of by)
		out.set(d, b.every((s) => s != null) ? b[0] + b[1] + b[2] : null);
	return out;
}

