// Live page: the cars the daemon hears (GET /api/v1/live/cars), then a
// WebSocket per car: gauges, rolling traces of the last 20 s, live delta
// to a reference, and the lap list filling in as laps complete.
import uPlot from 'uplot';
import { getJSON, getFeatures, fmtTime, esc } from './api.js';

const WINDOW_S = 20;

export async function livePage(app, state) {
	const f = await getFeatures();
	if (!f.live) {
		app.innerHTML = `<h1>Live</h1><p class="muted">This server build
has no live telemetry endpoint (/api/v1/live).</p>`;
		return;
	}
	app.innerHTML = `<h1>Live</h1><div class="toolbar"><label>Car
<select id="car"></select></label><label>Reference lap id <input id="ref"
size="6" inputmode="numeric"></label><span id="conn" class="muted">
</span></div><div class="gauges"><div class="gauge"><b id="g-speed">—</b>
<span>km/h</span></div><div class="gauge"><b id="g-gear">—</b><span>gear
</span></div><div class="gauge"><b id="g-rpm">—</b><span>rpm</span></div>
<div class="gauge"><b id="g-delta">—</b><span>delta s</span></div>
<div class="gauge"><b id="g-lap">—</b><span>lap</span></div>
<div class="bars"><div class="bar"><i id="g-thr"></i></div><div
class="bar brake"><i id="g-brk"></i></div></div></div>
<div id="traces"></div><h2>Laps</h2><table class="small"><thead><tr>
<th>Lap</th><th>Time</th><th>Status</th></tr></thead><tbody id="laplist">
</tbody></table>`;
	const sel = app.querySelector('#car');
	// The cars heard, refreshed every 2 s: a game or replay that starts
	// later shows up without a reload. Options keep "source/car" values.
	let cars = [], ws = null, seq = 0, lastDraw = 0;
	const keyOf = (c) => `${c.source}/${c.car}`;
	const refreshCars = async () => {
		const r = await getJSON('/live/cars');
		const was = sel.value;
		cars = r.cars;
		sel.innerHTML = cars.map((c) => `<option value="${esc(keyOf(c))}">${
			esc(c.source)} · ${esc(c.protocol)} · car ${c.car} ${esc(
			c.driver || '')}</option>`).join('');
		if (cars.some((c) => keyOf(c) === was)) sel.value = was;
		return was !== sel.value || (!ws && cars.length > 0);
	};
	await refreshCars();
	const buf = { t: [], speed: [], throttle: [], brake: [] };
	const el = app.querySelector('#traces');
	const u = new uPlot({ width: Math.max(320, el.clientWidth || 900),
		height: 200, legend: { show: true },
		scales: { x: { time: false }, '%': { range: [0, 100] } },
		axes: [{ stroke: '#9aa4b2', grid: { stroke: '#2a3140' } },
			{ scale: 'v', stroke: '#9aa4b2', grid: { stroke: '#2a3140' },
			  label: 'km/h' },
			{ scale: '%', side: 1, stroke: '#9aa4b2', grid: { show: false },
			  label: '%' }],
		series: [{ label: 's' },
			{ label: 'speed km/h', stroke: '#3cb4ff', scale: 'v' },
			{ label: 'throttle %', stroke: '#3cdc6e', scale: '%' },
			{ label: 'brake %', stroke: '#e6194b', scale: '%' }] },
	[[], [], [], []], el);
	const set = (id, v) => { app.querySelector(id).textContent = v; };
	const onFrame = (m) => {
		seq = m.seq;
		window.__tb.live = { seq, frames: (window.__tb.live?.frames || 0) + 1 };
		const t = m.session_time_s ?? performance.now() / 1000;
		buf.t.push(t);
		buf.speed.push(m.speed_ms == null ? null : m.speed_ms * 3.6);
		buf.throttle.push(m.throttle == null ? null : m.throttle * 100);
		buf.brake.push(m.brake == null ? null : m.brake * 100);
		while (buf.t.length && buf.t[0] < t - WINDOW_S)
			for (const k in buf) buf[k].shift();
		const now = performance.now();
		if (now - lastDraw < 50) return; // 20 redraws a second is plenty
		lastDraw = now;
		u.setData([buf.t, buf.speed, buf.throttle, buf.brake]);
		set('#g-speed', m.speed_ms == null ? '—' : (m.speed_ms * 3.6)
			.toFixed(0));
		set('#g-gear', m.gear == null ? '—' : m.gear === 0 ? 'N'
			: m.gear < 0 ? 'R' : String(m.gear));
		set('#g-rpm', m.rpm == null ? '—' : m.rpm.toFixed(0));
		set('#g-delta', m.delta_s == null ? '—' : (m.delta_s > 0 ? '+' : '')
			+ m.delta_s.toFixed(2));
		set('#g-lap', m.lap ?? '—');
		app.querySelector('#g-thr').style.width = `${(m.throttle ?? 0) *
			100}%`;
		app.querySelector('#g-brk').style.width = `${(m.brake ?? 0) * 100}%`;
	};
	const connect = () => {
		if (ws) ws.close();
		ws = null;
		const c = cars.find((x) => keyOf(x) === sel.value);
		if (!c) {
			set('#conn', 'no car is sending telemetry yet: waiting for a ' +
				'game or a replay');
			return;
		}
		const q = new URLSearchParams({ source: c.source, car: c.car,
			hz: '60' });
		const ref = app.querySelector('#ref').value.trim();
		if (/^\d+$/.test(ref)) q.set('ref', ref);
		const proto = location.protocol === 'https:' ? 'wss' : 'ws';
		const sock = new WebSocket(
			`${proto}://${location.host}/api/v1/live?${q}`);
		ws = sock;
		sock.onopen = () => set('#conn', 'connected');
		// A closed stream is picked up again by the next car poll.
		sock.onclose = () => {
			if (ws !== sock) return;
			ws = null;
			set('#conn', 'disconnected: waiting for the car');
		};
		sock.onmessage = (e) => {
			const m = JSON.parse(e.data);
			if (m.type === 'frame') onFrame(m);
			else if (m.type === 'lap') {
				const tr = document.createElement('tr');
				tr.innerHTML = `<td class="num">${m.lap}</td><td class="num">
${fmtTime(m.lap_time_ms)}</td><td>${m.valid ? 'valid' : 'invalid'}</td>`;
				app.querySelector('#laplist').prepend(tr);
			} else if (m.type === 'hello') {
				set('#conn', `connected: ${m.source} car ${m.car}${
					m.ref ? `, reference lap ${m.ref}` : ''}`);
			}
		};
	};
	sel.addEventListener('change', connect);
	app.querySelector('#ref').addEventListener('change', () => {
		const v = app.querySelector('#ref').value.trim();
		if (ws && ws.readyState === 1 && /^\d+$/.test(v))
			ws.send(JSON.stringify({ ref: Number(v) }));
	});
	connect();
	const poll = setInterval(() => {
		refreshCars().then((changed) => {
			if (changed) connect();
		}).catch(() => {});
	}, 2000);
	state.cleanup = () => {
		clearInterval(poll);
		if (ws) ws.close();
		ws = null;
		u.destroy();
	};
}
