// Sessions list, file import with progress, and driver profiles (best
// laps, the coach's rating history as a chart and a table).
import uPlot from 'uplot';
import { getJSON, fmtTime, esc } from './api.js';
import { RATINGS } from './coach.js';
import { COLORS } from './overlay.js';

export async function sessionsPage(app) {
	const [s, t] = await Promise.all([getJSON('/sessions?limit=200'),
		getJSON('/tracks')]);
	const trackOf = (id) => t.tracks.find((x) => x.sessions.includes(id));
	const rows = s.sessions.map((x) => {
		const tr = trackOf(x.id);
		const when = x.start_unix_ms > 0
			? new Date(x.start_unix_ms).toISOString().slice(0, 16)
				.replace('T', ' ') : '—';
		return `<tr data-session="${x.id}"><td class="num">${x.id}</td>
<td><a href="#/session/${x.id}">${esc(tr ? tr.name : x.track ||
	'unknown track')}</a></td><td>${esc(x.game)}</td><td>${esc(x.kind)}</td>
<td>${esc(x.car_class)}</td><td>${when}</td><td class="num">${x.n_laps}</td>
<td class="num">${fmtTime(x.best_lap_ms)}</td></tr>`;
	}).join('');
	const trows = t.tracks.map((x) => `<tr><td>${esc(x.name)}</td>
<td class="num">${x.length_m ? (x.length_m / 1000).toFixed(3) : '—'} km</td>
<td class="num">${x.n_corners ?? '—'}</td><td class="num">${x.n_laps}</td>
<td>${x.has_model ? (x.model_stored ? 'stored' : 'from laps') : esc(
	x.note || 'none')}</td></tr>`).join('');
	app.innerHTML = `<h1>Sessions <small>${s.total} stored</small></h1>
${s.total ? '' : '<p class="muted">Nothing stored yet: replay a capture, ' +
	'point a game at the UDP port, or <a href="#/import">import a file</a>.' +
	'</p>'}
<table class="sessions"><thead><tr><th>#</th><th>Track</th><th>Game</th>
<th>Kind</th><th>Class</th><th>Start (UTC)</th><th>Laps</th><th>Best</th>
</tr></thead><tbody>${rows}</tbody></table>
<h2>Tracks</h2><table class="small"><thead><tr><th>Track</th><th>Length</th>
<th>Corners</th><th>Laps</th><th>Model</th></tr></thead><tbody>${trows}
</tbody></table>`;
}

// Upload with XMLHttpRequest: fetch has no upload progress.
function upload(file, onProgress) {
	return new Promise((resolve, reject) => {
		const x = new XMLHttpRequest();
		x.open('POST', `/api/v1/import?name=${encodeURIComponent(
			file.name.replace(/[^A-Za-z0-9._-]/g, '_'))}`);
		x.upload.onprogress = (e) => {
			if (e.lengthComputable) onProgress(e.loaded / e.total);
		};
		x.onload = () => {
			let body = null;
			try { body = JSON.parse(x.responseText); } catch { body = null; }
			if (x.status === 200) resolve(body);
			else reject(new Error(body ? `${body.error}: ${body.detail}`
				: `HTTP ${x.status}`));
		};
		x.onerror = () => reject(new Error('upload failed'));
		x.send(file);
	});
}

export function importPage(app) {
	app.innerHTML = `<h1>Import</h1>
<div id="drop" class="drop" tabindex="0">Drop .ibt, .ld (+.ldx), .csv or
.pcap files here, or <label class="linklike">choose files<input id="file"
type="file" multiple hidden></label></div><ul id="imports" class="imports">
</ul>`;
	const list = app.querySelector('#imports');
	const run = async (files) => {
		for (const f of files) {
			const li = document.createElement('li');
			li.innerHTML = `<span class="name">${esc(f.name)}</span>
<progress max="1" value="0"></progress><span class="state">uploading</span>`;
			list.prepend(li);
			const bar = li.querySelector('progress');
			const st = li.querySelector('.state');
			try {
				const before = await getJSON('/sessions?limit=1000');
				const known = new Set(before.sessions.map((x) => x.id));
				const r = await upload(f, (p) => {
					bar.value = p;
					st.textContent = p < 1 ? `uploading ${Math.round(
						p * 100)}%` : 'importing…';
				});
				bar.value = 1;
				const after = await getJSON('/sessions?limit=1000');
				const fresh = after.sessions.filter((x) => !known.has(x.id));
				li.classList.add('done');
				st.innerHTML = `done: ${esc(r.format)}, ${r.laps} laps${
					r.laps_incomplete ? ` (+${r.laps_incomplete} incomplete)`
						: ''}${fresh.map((x) => ` · <a href="#/session/${
					x.id}">session ${x.id}</a>`).join('')}`;
			} catch (e) {
				li.classList.add('failed');
				st.textContent = e.message;
			}
		}
	};
	const drop = app.querySelector('#drop');
	drop.addEventListener('dragover', (e) => {
		e.preventDefault();
		drop.classList.add('over');
	});
	drop.addEventListener('dragleave', () => drop.classList.remove('over'));
	drop.addEventListener('drop', (e) => {
		e.preventDefault();
		drop.classList.remove('over');
		run([...e.dataTransfer.files]);
	});
	app.querySelector('#file').addEventListener('change', (e) =>
		run([...e.target.files]));
}

export async function driversPage(app, name) {
	if (!name) {
		const d = await getJSON('/drivers');
		app.innerHTML = `<h1>Drivers</h1><table class="small"><thead><tr>
<th>Driver</th><th>Laps</th><th>Sessions</th></tr></thead><tbody>${
	d.drivers.map((x) => `<tr><td><a href="#/driver/${encodeURIComponent(
		x.name)}">${esc(x.name || '(no name)')}</a></td><td class="num">${
		x.n_laps}</td><td class="num">${x.n_sessions}</td></tr>`).join('')}
</tbody></table>`;
		return;
	}
	const d = await getJSON(`/drivers/${encodeURIComponent(name)}`);
	app.innerHTML = `<h1>${esc(d.name)} <small>${d.n_laps} laps in ${
		d.n_sessions} sessions</small></h1><h2>Best laps by track and car</h2>
<table class="small"><thead><tr><th>Track</th><th>Car</th><th>Class</th>
<th>Best</th><th>Laps</th><th></th></tr></thead><tbody>${d.best_laps.map(
	(b) => `<tr><td>${esc(b.track)}</td><td>${esc(b.car || '—')}</td><td>${
		esc(b.car_class)}</td><td class="num">${b.best ? fmtTime(
		b.best.lap_time_ms) : '—'}</td><td class="num">${b.n_laps}</td><td>${
		b.best ? `<a href="#/session/${b.best.session_id}">session ${
			b.best.session_id}</a>` : ''}</td></tr>`).join('')}</tbody>
</table><h2>Rating history <small class="muted">${d.rating_history.length
	} rated laps</small></h2>${d.rating_history.length
	? '<div id="history" class="history"></div>' + historyTable(
		d.rating_history)
	: '<p class="muted">No ratings yet: <code>trailbrake coach LAP --save' +
		'</code> stores them.</p>'}`;
	if (d.rating_history.length)
		historyChart(app.querySelector('#history'), d.rating_history);
}

const when = (ms) => new Date(ms).toISOString().slice(0, 16)
	.replace('T', ' ');

// The newest 20 ratings, newest first.
function historyTable(h) {
	const rows = h.slice(-20).reverse().map((x) => `<tr>
<td>${when(x.created_unix_ms)}</td><td><a href="#/session/${
	x.session_id}">session ${x.session_id}</a></td><td class="num">${
	x.lap_id}</td><td class="num">${x.ref_lap_id}</td><td class="num">${
	x.lap_s == null ? '—' : x.lap_s.toFixed(3)}</td><td class="num">${
	x.delta_s == null ? '—' : `${x.delta_s > 0 ? '+' : ''}${
		x.delta_s.toFixed(3)}`}</td>${RATINGS.map((k) => `<td class="num${
	k === 'overall' ? ' overall' : ''}">${x.ratings[k] == null ? '—'
	: Math.round(x.ratings[k])}</td>`).join('')}</tr>`).join('');
	return `<table class="small ratings-table"><thead><tr><th>Rated (UTC)</th>
<th>Session</th><th>Lap</th><th>Ref</th><th>Lap (s)</th><th>Δ (s)</th>${
	RATINGS.map((k) => `<th>${esc(k)}</th>`).join('')}</tr></thead>
<tbody>${rows}</tbody></table>`;
}

// Overall and each area, one point per rated lap in the order rated
// (laps saved together share a time), dates on the axis.
function historyChart(el, h) {
	const xs = h.map((_, i) => i + 1);
	const data = [xs, ...RATINGS.map((k) => h.map((x) => x.ratings[k]))];
	const series = [{}, ...RATINGS.map((k, i) => ({ label: k,
		stroke: k === 'overall' ? '#ffffff' : COLORS[i],
		width: k === 'overall' ? 3 : 1.5, spanGaps: true,
		points: { show: true, size: k === 'overall' ? 8 : 5 } }))];
	const opts = { width: Math.min(1100, Math.max(480,
		el.clientWidth || 900)), height: 260, series,
	scales: { x: { time: false, range: [0.5, xs.length + 0.5] },
		y: { range: [0, 100] } },
	axes: [{ stroke: '#9aa4b2', grid: { stroke: '#262c36' },
		incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500],
		values: (u, sp) => sp.map((v) => (Number.isInteger(v) && h[v - 1]
			? when(h[v - 1].created_unix_ms).slice(5) : '')) },
	{ stroke: '#9aa4b2', grid: { stroke: '#262c36' }, label: 'rating' }],
	};
	window.__tb.history = new uPlot(opts, data, el);
}
