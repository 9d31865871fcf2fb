// Bench: draw a 5-lap, 7-channel overlay (speed, throttle, brake,
// steering, gear, rpm, delta) of 60 Hz, 90 s laps in headless chromium
// from data already in the page, through the UI's own drawOverlay
// (resampling onto the distance grid + uPlot), median of several runs.
// Prints PASS/FAIL against the target; exit 1 on a miss. Env: BASE.
import { launch } from '../tests/web/browser.mjs';

const TARGET_MS = 200, RUNS = 9, LAPS = 5, HZ = 60, SECONDS = 90;

// A plausible lap: 10 corners, speed dips, pedals and gears following.
function lap(k) {
	const n = HZ * SECONDS, length = 5400;
	const ch = { lap_dist: [], speed: [], throttle: [], brake: [],
		steer: [], gear: [], rpm: [] };
	let d = 0;
	for (let i = 0; i < n; i++) {
		const ph = (d / length) * 10 * 2 * Math.PI + k * 0.01;
		const v = 55 + 25 * Math.cos(ph) + 3 * Math.sin(7 * ph + k);
		const dv = -Math.sin(ph);
		ch.lap_dist.push(d);
		ch.speed.push(v);
		ch.throttle.push(dv > 0.3 ? 0 : Math.min(1, 0.6 + 0.4 * Math.cos(ph)));
		ch.brake.push(dv > 0.3 ? Math.min(1, dv) : 0);
		ch.steer.push(0.4 * Math.sin(ph + 1.2));
		ch.gear.push(Math.max(1, Math.min(8, Math.round(v / 10))));
		ch.rpm.push(7000 + 4000 * ((v / 10) % 1));
		d += v / HZ;
	}
	const delta = { x: [], values: [] };
	for (let i = 0; i < 2700; i++) {
		delta.x.push(i * 2);
		delta.values.push(k * 0.05 * Math.sin(i / 300) + k * i / 27000);
	}
	return { id: k + 1, label: `lap ${k + 1}`, data: { ch }, delta };
}

const laps = Array.from({ length: LAPS }, (_, k) => lap(k));
const { ctx, errors, close } = await launch();
let code = 1;
try {
	const page = ctx.pages()[0] || await ctx.newPage();
	await page.goto(`${process.env.BASE}/#/import`);
	await page.waitForFunction(() => window.__tb && window.__tb.benchOverlay);
	// "Already fetched": typed arrays in the page before timing starts.
	await page.evaluate((ls) => {
		window.__benchLaps = ls.map((l) => {
			const ch = {};
			for (const k in l.data.ch) ch[k] = Float32Array.from(l.data.ch[k]);
			return { ...l, data: { ch }, delta: { x: Float64Array.from(
				l.delta.x), values: Float64Array.from(l.delta.values) } };
		});
	}, laps);
	const times = [];
	let charts = 0;
	for (let r = 0; r < RUNS; r++) {
		const res = await page.evaluate(() =>
			window.__tb.benchOverlay(window.__benchLaps));
		times.push(res.ms);
		charts = res.charts;
	}
	times.sort((a, b) => a - b);
	const med = times[Math.floor(RUNS / 2)];
	const ok = med <= TARGET_MS && charts === 7 && errors.length === 0;
	console.log(`web overlay, ${LAPS} laps x 7 channels, ${SECONDS} s at ` +
		`${HZ} Hz (${HZ * SECONDS} samples/lap), chromium headless, ` +
		`${RUNS} runs: median ${med.toFixed(1)} ms, min ${times[0]
			.toFixed(1)} ms, max ${times[RUNS - 1].toFixed(1)} ms, ` +
		`${charts} charts, target <= ${TARGET_MS} ms: ${ok ? 'PASS' : 'FAIL'}`);
	if (errors.length) console.log(`errors: ${errors.join(' | ')}`);
	code = ok ? 0 : 1;
} finally {
	await close();
}
process.exit(code);
