// A session: laps with lap and sector times, validity, best and
// theoretical best; the overlay of the chosen laps, the track map, the
// corner table of the comparison and the coach's view of one lap
// against the reference (ratings, ranked advice, advice per corner).
import { getJSON, getChannels, fmtTime, fmtSector, esc,
	getFeatures } from './api.js';
import { getCoach, cornerAdvice, coachPanel } from './coach.js';
import { drawOverlay, COLORS, CHANNELS } from './overlay.js';
import { createMap } from './map.js';
import { theoreticalBest } from './calc.js';

const TRACE_CH = CHANNELS.filter((c) => c.key !== 'delta').map((c) => c.key);
const CMP_MAX = 8; // laps per /compare request (the API's cap)

// Compare any number of laps with one reference: /compare takes 8 laps,
// so the others go in groups of 7 with the same reference and the
// answers are merged (corners are found on the reference, so they are
// the same in every group).
async function compareAll(ids, refId) {
	const others = ids.filter((x) => x !== refId);
	const groups = [];
	for (let i = 0; i < others.length || i === 0; i += CMP_MAX - 1)
		groups.push([refId, ...others.slice(i, i + CMP_MAX - 1)]);
	const answers = await Promise.all(groups.map((g) => getJSON(
		`/compare?${new URLSearchParams({ laps: g.join(','), ref: String(
			refId), step: '2', ch: 'speed' })}`)));
	const out = answers[0];
	for (const a of answers.slice(1)) {
		out.laps.push(...a.laps.filter((l) => !l.is_ref));
		(out.corners || []).forEach((c, k) => c.laps.push(...a.corners[k]
			.laps.filter((l) => l.lap_id !== refId)));
	}
	// Keep the order the laps were asked in.
	const order = new Map(ids.map((x, i) => [x, i]));
	out.laps.sort((x, y) => (order.get(x.lap_id) ?? -1) -
		(order.get(y.lap_id) ?? -1));
	return out;
}

function lapTable(laps, selected) {
	const valid = laps.filter((l) => l.valid && l.lap_time_ms > 0);
	const best = valid.reduce((m, l) => (!m || l.lap_time_ms <
		m.lap_time_ms ? l : m), null);
	const bestS = [0, 1, 2].map((k) => Math.min(...valid
		.map((l) => l.sector_ms[k]).filter((s) => s > 0)));
	const rows = laps.map((l) => {
		const cls = [l.valid ? '' : 'invalid',
			best && l.id === best.id ? 'best' : ''].join(' ');
		const sec = l.sector_ms.map((s, k) => `<td class="num${
			s > 0 && s === bestS[k] && l.valid ? ' purple' : ''}">${
			fmtSector(s)}</td>`).join('');
		return `<tr class="${cls}" data-lap="${l.id}">
<td><input type="checkbox" class="pick" value="${l.id}"${
	selected.has(l.id) ? ' checked' : ''}></td>
<td>${esc(l.driver)}</td><td class="num">${l.lap_number}</td>
<td class="num">${fmtTime(l.lap_time_ms)}</td>${sec}
<td>${l.valid ? 'valid' : `<span class="flag">${esc(
	l.flags.join(', '))}</span>`}</td>
<td class="num">${l.n_samples}</td></tr>`;
	}).join('');
	return `<table class="laps"><thead><tr><th></th><th>Driver</th>
<th>Lap</th><th>Time</th><th>S1</th><th>S2</th><th>S3</th><th>Status</th>
<th>Samples</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function bestSummary(laps) {
	const tb = theoreticalBest(laps);
	const rows = [];
	for (const [d, t] of tb) {
		const own = laps.filter((l) => l.driver === d && l.valid &&
			l.lap_time_ms > 0);
		const b = own.reduce((m, l) => Math.min(m, l.lap_time_ms),
			Infinity);
		rows.push(`<tr><td>${esc(d)}</td><td class="num">${
			fmtTime(b)}</td><td class="num">${fmtTime(t)}</td>
<td class="num">${t && b < Infinity ? ((b - t) / 1000).toFixed(3) :
	'—'}</td></tr>`);
	}
	return `<table class="small"><thead><tr><th>Driver</th><th>Best</th>
<th>Theoretical best</th><th>Gap</th></tr></thead><tbody>${rows.join('')}
</tbody></table>`;
}

// advice: null, or the coached lap's label and cornerAdvice()'s map.
function cornerTable(cmp, laps, advice) {
	if (!cmp.corners) return `<p class="muted">No corner table: ${
		esc(cmp.corners_error || 'unknown')}</p>`;
	const label = (id) => laps.find((l) => l.id === id)?.label || id;
	const others = cmp.laps.filter((l) => !l.is_ref);
	const head = others.map((l) => `<th colspan="4">${esc(
		label(l.lap_id))}</th>`).join('');
	const sub = others.map(() => '<th>lost (s)</th><th>min km/h</th>' +
		'<th>brake (m)</th><th>throttle (m)</th>').join('');
	const rows = cmp.corners.map((c) => {
		const ref = c.laps.find((m) => m.lap_id === cmp.ref_lap_id);
		const cells = others.map((l) => {
			const m = c.laps.find((x) => x.lap_id === l.lap_id);
			const f = (v, d = 1) => (v == null ? '—' : v.toFixed(d));
			const lost = m.loss_s;
			return `<td class="num ${lost > 0.02 ? 'lose' : lost < -0.02
				? 'gain' : ''}">${f(lost, 3)}</td><td class="num">${
				f(m.min_kmh)}</td><td class="num">${f(m.brake_m, 0)}
</td><td class="num">${f(m.throttle_m, 0)}</td>`;
		}).join('');
		const a = advice && advice.map.get(c.number);
		const adv = !advice ? '' : `<td class="advice-cell${a && a.advised
			? ' advised' : ' muted'}">${a ? esc(a.text) : ''}</td>
<td class="num${a && a.advised ? ' lose' : ''}">${a && a.time_s != null
	? a.time_s.toFixed(2) : '—'}</td>`;
		return `<tr><td class="num">${c.number}${c.complex ? '*' : ''}
</td><td class="num">${c.apex_m.toFixed(0)}</td><td class="num">${
	ref && ref.min_kmh != null ? ref.min_kmh.toFixed(1) : '—'}</td>${
	cells}${adv}</tr>`;
	}).join('');
	return `<table class="corners"><thead><tr><th rowspan="2">Corner</th>
<th rowspan="2">Apex (m)</th><th rowspan="2">Ref min km/h</th>${head}${
	advice ? `<th rowspan="2">Coach: ${esc(advice.label)}</th>
<th rowspan="2">Worth (s)</th>` : ''}</tr><tr>${sub}</tr>
</thead><tbody>${rows}</tbody></table>`;
}

export async function sessionPage(app, id, state) {
	const [s, lapsResp, tracks, refs] = await Promise.all([
		getJSON(`/sessions/${id}`), getJSON(`/sessions/${id}/laps`),
		getJSON('/tracks'), getJSON('/refs')]);
	const laps = lapsResp.laps;
	const fastest = laps.filter((l) => l.valid && l.lap_time_ms > 0)
		.sort((a, b) => a.lap_time_ms - b.lap_time_ms);
	const selected = new Set(fastest.slice(0, 5).map((l) => l.id));
	const track = tracks.tracks.find((t) => t.sessions.includes(s.id));
	app.innerHTML = `<h1>${esc(track ? track.name : s.track ||
		'Session')} <small>${esc(s.game)} · ${esc(s.kind)} · session ${
		s.id}</small></h1>
<div class="cols"><section class="grow"><h2>Laps</h2>${lapTable(laps,
		selected)}</section>
<section><h2>Best and theoretical best</h2>${bestSummary(laps)}</section>
</div>
<section class="analysis"><div class="toolbar">
<label>Reference <select id="ref"></select></label>
<label>Map colour <select id="mapch"><option>speed</option>
<option>delta</option><option>brake</option><option>throttle</option>
</select></label>
<label>Coach <select id="coachlap"></select></label>
<button id="draw">Overlay selected laps</button>
<span id="status" class="muted"></span></div><div id="legend"
class="legend"></div>
<div class="cols"><div id="overlay" class="grow"></div>
<div class="side"><div id="map"></div><div id="cursor" class="muted"></div>
</div></div>
<div id="coachsec"><h2>Coach</h2><div id="coach"></div></div>
<h2>Corners</h2><div id="corners"></div></section>`;
	const refSel = app.querySelector('#ref');
	const fillRefs = () => {
		const opts = ['<option value="">fastest selected lap</option>'];
		for (const l of laps.filter((x) => selected.has(x.id)))
			opts.push(`<option value="${l.id}">${esc(l.driver)} lap ${
				l.lap_number} (${fmtTime(l.lap_time_ms)})</option>`);
		for (const r of refs.refs)
			if (r.session_id !== s.id)
				opts.push(`<option value="${r.lap_id}">ref: ${
					esc(r.driver)} ${esc(r.track)} (${fmtTime(
					r.lap_time_ms)})</option>`);
		const v = refSel.value;
		refSel.innerHTML = opts.join('');
		refSel.value = v;
	};
	fillRefs();
	app.querySelectorAll('input.pick').forEach((cb) => {
		cb.addEventListener('change', () => {
			const lid = Number(cb.value);
			if (cb.checked) selected.add(lid); else selected.delete(lid);
			fillRefs();
		});
	});
	let trackGeo = null;
	if (track && track.has_model) {
		try {
			trackGeo = await getJSON(`/tracks/${track.id}`);
		} catch (e) {
			trackGeo = null;
		}
	}
	const status = app.querySelector('#status');
	const overlayEl = app.querySelector('#overlay');
	let view = null, map = null, current = null, whole = null;
	const draw = async (range) => {
		const ids = [...selected];
		if (!ids.length) {
			status.textContent = 'select laps to overlay';
			return;
		}
		const t0 = performance.now();
		status.textContent = 'loading…';
		// The reference: the one chosen, else the fastest selected lap.
		const timed = laps.filter((l) => ids.includes(l.id) &&
			l.lap_time_ms > 0).sort((a, b) => a.lap_time_ms - b.lap_time_ms);
		const ref = refSel.value ? Number(refSel.value)
			: (timed[0] || { id: ids[0] }).id;
		const width = Math.max(320, overlayEl.clientWidth);
		const maxPoints = Math.round(width * 2);
		const q = new URLSearchParams({ laps: ids.join(','),
			ref: String(ref) });
		// Zooming keeps the laps: the comparison (delta, corners) stays.
		const same = range && current && current.key === q.toString();
		const coachId = fillCoach(ids, ref);
		if (coachId) getCoach(coachId, ref); // fetched alongside
		const [cmp, ...chans] = await Promise.all([
			same ? current.cmp
				: compareAll(ids, ref).catch((e) => ({ error: e })),
			...ids.map((lid) => getChannels(lid, TRACE_CH, {
				from: range?.from, to: range?.to, maxPoints }))]);
		const olaps = ids.map((lid, i) => {
			const l = laps.find((x) => x.id === lid);
			const c = cmp.laps?.find((x) => x.lap_id === lid);
			let delta = null;
			if (c && c.delta) {
				const x = new Float64Array(c.delta.length);
				for (let k = 0; k < x.length; k++) x[k] = k * cmp.step_m;
				delta = { x, values: c.delta.map((v) => v ?? NaN) };
			}
			return { id: lid, color: i < COLORS.length ? COLORS[i]
				: `hsl(${(i * 137.5) % 360}, 75%, 62%)`,
				label: `${l.driver} L${l.lap_number}`, data: chans[i],
				delta, lap: l };
		});
		if (view) view.destroy();
		const length = cmp.length_m || null;
		view = drawOverlay(overlayEl, olaps, {
			from: range?.from, to: range?.to, width,
			onCursor: (d) => {
				if (map) map.moveTo(d, length);
				app.querySelector('#cursor').textContent =
					`${d.toFixed(0)} m`;
			},
			onZoom: (from, to) => {
				clearTimeout(draw.timer);
				draw.timer = setTimeout(() => draw(from == null ? null
					: { from, to }), 150);
			},
		});
		// The map always shows whole laps, also while zoomed in.
		if (!range || !whole) whole = olaps;
		current = { olaps: whole, cmp, key: q.toString() };
		app.querySelector('#legend').innerHTML = olaps.map((l) =>
			`<span><i style="background:${l.color}"></i>${esc(l.label)} ${
				fmtTime(l.lap.lap_time_ms)}${cmp.ref_lap_id === l.id
				? ' (reference)' : ''}</span>`).join('');
		colourMap();
		const cornersEl = app.querySelector('#corners');
		if (!same && cmp.error) {
			cornersEl.innerHTML = `<p class="muted">${esc(
				cmp.error.message)}</p>`;
		} else if (!same) {
			await showCoach(cmp, olaps);
			if (map) map.corners(cmp.corners || [], length);
		}
		const ms = performance.now() - t0;
		status.textContent = `${olaps.length} laps, ${view.charts.length
			} charts, ${ms.toFixed(0)} ms`;
		window.__tb.view = view;
	};
	// The lap the coach looks at: the one chosen, else the fastest
	// selected lap that is not the reference. Returns its id or null.
	const coachSel = app.querySelector('#coachlap');
	const fillCoach = (ids, ref) => {
		const cand = laps.filter((l) => ids.includes(l.id) && l.id !== ref)
			.sort((a, b) => (a.lap_time_ms > 0 ? a.lap_time_ms : Infinity) -
				(b.lap_time_ms > 0 ? b.lap_time_ms : Infinity));
		const keep = Number(coachSel.value);
		coachSel.innerHTML = cand.map((l) => `<option value="${l.id}">${
			esc(l.driver)} lap ${l.lap_number} (${fmtTime(
			l.lap_time_ms)})</option>`).join('');
		if (!cand.length) return null;
		const id = cand.some((l) => l.id === keep) ? keep : cand[0].id;
		coachSel.value = String(id);
		return id;
	};
	const lapLabel = (id) => {
		const l = laps.find((x) => x.id === id);
		if (l) return `${l.driver} L${l.lap_number}`;
		const o = refSel.querySelector(`option[value="${id}"]`);
		return o ? o.textContent : `lap ${id}`;
	};
	// The coach panel and the corner table with the coach's advice.
	const showCoach = async (cmp, olaps) => {
		const lapId = Number(coachSel.value) || null;
		const ref = cmp.ref_lap_id;
		const has = (await getFeatures()).coach;
		const coach = has && lapId ? await getCoach(lapId, ref) : null;
		app.querySelector('#coachsec').hidden = !has;
		coachSel.parentElement.hidden = !has;
		app.querySelector('#coach').innerHTML = !lapId
			? '<p class="muted">Select a lap besides the reference to ' +
				'coach it.</p>'
			: coachPanel(coach, lapLabel(lapId), lapLabel(ref));
		const advice = coach && !coach.error
			? { label: lapLabel(lapId), map: cornerAdvice(coach) } : null;
		app.querySelector('#corners').innerHTML = cornerTable(cmp, olaps,
			advice);
		window.__tb.coach = { lap: lapId, ref, ok: !!advice };
	};
	coachSel.addEventListener('change', () => {
		if (current && !current.cmp.error)
			showCoach(current.cmp, current.olaps);
	});
	const colourMap = () => {
		if (!map || !current) return;
		const kind = app.querySelector('#mapch').value;
		const { olaps, cmp } = current;
		// The fastest non-reference lap (or the only one) colours it.
		const pick = olaps.find((l) => cmp.laps && !cmp.laps.find(
			(c) => c.lap_id === l.id)?.is_ref) || olaps[0];
		let xs, ys, scale = 1;
		if (kind === 'delta') {
			if (!pick.delta) return;
			xs = pick.delta.x; ys = pick.delta.values;
		} else {
			xs = pick.data.ch.lap_dist; ys = pick.data.ch[kind];
			scale = kind === 'speed' ? 3.6 : 1;
			if (!ys) return;
		}
		const L = cmp.length_m || xs[xs.length - 1];
		let lo = Infinity, hi = -Infinity;
		for (let i = 0; i < ys.length; i++)
			if (ys[i] === ys[i]) {
				lo = Math.min(lo, ys[i] * scale);
				hi = Math.max(hi, ys[i] * scale);
			}
		let j = 0;
		map.colour(kind, (f) => {
			const d = f * L;
			if (j > 0 && xs[j] > d) j = 0;
			while (j + 1 < xs.length && xs[j + 1] <= d) j++;
			const v = ys[j];
			return v === v ? v * scale : null;
		}, lo, hi);
	};
	if (trackGeo && trackGeo.x.length > 2) {
		map = createMap(app.querySelector('#map'), trackGeo);
		map.corners(trackGeo.corners, null);
		window.__tb.map = map;
	} else {
		app.querySelector('#map').innerHTML = `<p class="muted">No map: ${
			esc(track?.note || 'no positions for this track')}</p>`;
	}
	app.querySelector('#mapch').addEventListener('change', colourMap);
	app.querySelector('#draw').addEventListener('click', () => draw(null));
	refSel.addEventListener('change', () => draw(null));
	state.cleanup = () => view && view.destroy();
	await draw(null);
}
