// Track map: the centre line as short SVG segments coloured by a lap's
// speed, delta, brake or throttle at that distance (heatmap), corner
// numbers at their apexes, and a marker following the shared cursor.
import { select } from 'd3-selection';
import { scaleSequential, scaleDiverging } from 'd3-scale';
import { interpolateTurbo, interpolateRdYlGn, interpolateReds,
	interpolateGreens } from 'd3-scale-chromatic';

export function createMap(el, track) {
	el.textContent = '';
	const W = 520, H = 420, pad = 24;
	const xs = track.x, ys = track.y, n = xs.length;
	let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
	for (let i = 0; i < n; i++) {
		x0 = Math.min(x0, xs[i]); x1 = Math.max(x1, xs[i]);
		y0 = Math.min(y0, ys[i]); y1 = Math.max(y1, ys[i]);
	}
	const k = Math.min((W - 2 * pad) / (x1 - x0 || 1),
		(H - 2 * pad) / (y1 - y0 || 1));
	const ox = (W - k * (x1 - x0)) / 2, oy = (H - k * (y1 - y0)) / 2;
	// Ground plane x/y with y up: flip y for the screen.
	const sx = (x) => ox + (x - x0) * k;
	const sy = (y) => H - (oy + (y - y0) * k);
	const svg = select(el).append('svg')
		.attr('viewBox', `0 0 ${W} ${H}`).attr('class', 'trackmap')
		.attr('role', 'img').attr('aria-label', 'track map');
	svg.append('path').attr('class', 'track-base')
		.attr('d', 'M' + Array.from(xs, (x, i) =>
			`${sx(x).toFixed(1)},${sy(ys[i]).toFixed(1)}`).join('L') + 'Z');
	const segs = svg.append('g').attr('class', 'heat');
	const idx = Array.from({ length: n }, (_, i) => i);
	const seg = segs.selectAll('line').data(idx).join('line')
		.attr('x1', (i) => sx(xs[i])).attr('y1', (i) => sy(ys[i]))
		.attr('x2', (i) => sx(xs[(i + 1) % n]))
		.attr('y2', (i) => sy(ys[(i + 1) % n]))
		.attr('stroke', '#596275');
	const labels = svg.append('g').attr('class', 'corners');
	const marker = svg.append('circle').attr('class', 'marker')
		.attr('r', 6).attr('cx', sx(xs[0])).attr('cy', sy(ys[0]));
	const legend = select(el).append('div').attr('class', 'map-legend');
	const length = track.length_m;
	const at = (d, L) => {
		const f = ((d / (L || length)) % 1 + 1) % 1;
		return Math.min(n - 1, Math.round(f * n));
	};

	// values(frac) -> number|null at fraction of the lap; kind picks the
	// colour scale.
	function colour(kind, valueAt, lo, hi) {
		let sc;
		if (kind === 'delta') {
			const m = Math.max(Math.abs(lo), Math.abs(hi), 0.05);
			sc = scaleDiverging([m, 0, -m], interpolateRdYlGn);
		} else if (kind === 'brake') {
			sc = scaleSequential([0, Math.max(hi, 1e-6)], interpolateReds);
		} else if (kind === 'throttle') {
			sc = scaleSequential([0, Math.max(hi, 1e-6)],
				interpolateGreens);
		} else {
			sc = scaleSequential([lo, hi], interpolateTurbo);
		}
		seg.attr('stroke', (i) => {
			const v = valueAt((i + 0.5) / n);
			return v == null || !(v === v) ? '#596275' : sc(v);
		});
		legend.text(kind === 'delta'
			? `delta: green gains, red loses (±${Math.max(
				Math.abs(lo), Math.abs(hi)).toFixed(2)} s)`
			: `${kind}: ${lo.toFixed(1)} … ${hi.toFixed(1)}`);
	}

	function corners(list, L) {
		labels.selectAll('*').remove();
		for (const c of list) {
			const i = c.x != null && c.x === c.x && L == null
				? null : at(c.apex_m, L);
			const px = i == null ? sx(c.x) : sx(xs[i]);
			const py = i == null ? sy(c.y) : sy(ys[i]);
			const g = labels.append('g')
				.attr('transform', `translate(${px},${py})`);
			g.append('circle').attr('r', 8);
			g.append('text').attr('dy', '0.35em').text(c.number);
		}
	}

	function moveTo(d, L) {
		const i = at(d, L);
		marker.attr('cx', sx(xs[i])).attr('cy', sy(ys[i]));
	}
	return { colour, corners, moveTo, svg: svg.node() };
}
