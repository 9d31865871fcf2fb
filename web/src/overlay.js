// Lap overlay by distance: one uPlot chart per channel, every lap a
// series on a shared distance grid, one cursor across all charts (and
// the map, through onCursor), drag to zoom (onZoom refetches the range
// downsampled on the server), double-click to zoom out.
import uPlot from 'uplot';
import { resample, gridOf } from './calc.js';

export const CHANNELS = [
	{ key: 'speed', label: 'Speed', unit: 'km/h', scale: 3.6 },
	{ key: 'throttle', label: 'Throttle', unit: '%', scale: 100 },
	{ key: 'brake', label: 'Brake', unit: '%', scale: 100 },
	{ key: 'steer', label: 'Steering', unit: '', scale: 1 },
	{ key: 'gear', label: 'Gear', unit: '', scale: 1, step: true },
	{ key: 'rpm', label: 'RPM', unit: 'rpm', scale: 1 },
	{ key: 'delta', label: 'Delta', unit: 's', scale: 1 },
];

export const COLORS = ['#e6194b', '#3cb4ff', '#ffe119', '#3cdc6e',
	'#f58231', '#d27aff', '#46f0f0', '#f032e6'];

// laps: [{ id, label, color, data: {ch: {lap_dist, ...}}, delta: null |
// {step, values} }]. opt: { from, to, width, onCursor(d), onZoom(from,
// to | null) }. Returns { charts, grid, destroy, setCursorDist(d) }.
export function drawOverlay(el, laps, opt) {
	el.textContent = '';
	const width = Math.max(320, opt.width || el.clientWidth || 900);
	let from = opt.from, to = opt.to;
	if (from == null || to == null) {
		let lo = Infinity, hi = -Infinity;
		for (const l of laps) {
			const d = l.data.ch.lap_dist;
			for (let i = 0; i < d.length; i++) {
				if (d[i] < lo) lo = d[i];
				if (d[i] > hi) hi = d[i];
			}
		}
		from = from ?? Math.max(0, lo);
		to = to ?? hi;
	}
	const n = Math.min(4000, Math.max(200, Math.round(width * 1.5)));
	const grid = gridOf(from, to, n);
	const charts = [];
	const sync = uPlot.sync(`tb-overlay-${Math.random()}`);
	let zooming = false;
	for (const c of CHANNELS) {
		const series = [{ label: 'm' }];
		const data = [grid];
		for (const l of laps) {
			let ys;
			if (c.key === 'delta') {
				if (!l.delta) continue;
				ys = resample(l.delta.x, l.delta.values, grid);
			} else {
				const v = l.data.ch[c.key];
				if (!v) continue;
				ys = resample(l.data.ch.lap_dist, v, grid, c.scale,
					c.step);
			}
			if (!ys.some((v) => v != null)) continue; // absent here
			data.push(ys);
			series.push({ label: l.label, stroke: l.color, width: 1.25,
				points: { show: false }, spanGaps: false });
		}
		if (series.length === 1) {
			const note = document.createElement('p');
			note.className = 'muted chart-none';
			note.textContent = `${c.label}: not recorded by these laps' ` +
				'sources';
			el.appendChild(note);
			continue;
		}
		const box = document.createElement('div');
		box.className = 'chart';
		box.dataset.channel = c.key;
		el.appendChild(box);
		const u = new uPlot({
			width, height: c.key === 'speed' || c.key === 'delta'
				? 170 : 110,
			legend: { show: false },
			title: `${c.label}${c.unit ? ` (${c.unit})` : ''}`,
			scales: { x: { time: false } },
			axes: [
				{ stroke: '#9aa4b2', grid: { stroke: '#2a3140' },
				  ticks: { stroke: '#2a3140' } },
				{ stroke: '#9aa4b2', size: 56,
				  grid: { stroke: '#2a3140' },
				  ticks: { stroke: '#2a3140' } },
			],
			cursor: {
				sync: { key: sync.key, setSeries: false },
				drag: { x: true, y: false, setScale: true },
				points: { show: false },
				bind: { dblclick: () => () => {
					opt.onZoom && opt.onZoom(null, null);
					return null;
				} },
			},
			series,
			hooks: {
				setCursor: [(uu) => {
					const i = uu.cursor.idx;
					if (i != null && opt.onCursor)
						opt.onCursor(grid[i], uu);
				}],
				setScale: [(uu, key) => {
					if (key !== 'x' || zooming) return;
					const { min, max } = uu.scales.x;
					if (!(max > min)) return;
					if (Math.abs(min - from) < 1e-6 &&
					    Math.abs(max - to) < 1e-6) return;
					zooming = true;
					for (const o of charts)
						if (o !== uu) o.setScale('x', { min, max });
					zooming = false;
					if (opt.onZoom) opt.onZoom(min, max);
				}],
			},
		}, data, box);
		sync.sub(u);
		charts.push(u);
	}
	const destroy = () => {
		for (const u of charts) {
			sync.unsub(u);
			u.destroy();
		}
		el.textContent = '';
	};
	// Put the cursor of every chart at distance d (metres).
	const setCursorDist = (d) => {
		const i = Math.round((d - from) / (to - from) * (grid.length - 1));
		if (!(i >= 0 && i < grid.length) || !charts.length) return;
		const u = charts[0];
		u.setCursor({ left: u.valToPos(grid[i], 'x'), top: 10 });
	};
	return { charts, grid, from, to, destroy, setCursorDist };
}
