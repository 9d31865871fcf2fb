// The coach's output for one lap against one reference
// (GET /api/v1/laps/{id}/coach?ref=): the ratings panel, the ranked
// advice with the numbers behind it, and the per-corner advice the
// corner table shows. One request per lap and reference pair.
import { getJSON, getFeatures, esc } from './api.js';

export const RATINGS = ['braking', 'entry', 'mid-corner', 'exit',
	'consistency', 'overall'];

const cache = new Map(); // `${lap}:${ref}` -> Promise of the JSON

// The coach's JSON, or { error } (the coach cannot rate every lap: too
// short, no clean reference, no model); null when the server has none.
export async function getCoach(lapId, refId) {
	const f = await getFeatures();
	if (!f.coach) return null;
	const key = `${lapId}:${refId}`;
	if (!cache.has(key))
		cache.set(key, getJSON(`/laps/${lapId}/coach?ref=${refId}`)
			.catch((e) => ({ error: e })));
	return cache.get(key);
}

const fmtS = (v, d = 2) => (v == null ? '—' : v.toFixed(d));
const rating = (v) => (v == null ? '—' : Math.round(v));

// The cause that holds most of a corner's loss (the SHAP split).
function mainCause(c) {
	let best = null;
	for (const [k, v] of Object.entries(c.attribution_s || {}))
		if (v != null && (!best || v > best[1])) best = [k, v];
	return best;
}

// Per corner number: { text, time_s, rank, advised } for the corner
// table. Advised corners carry the coach's advice; the others what the
// coach measured there.
export function cornerAdvice(coach) {
	const m = new Map();
	if (!coach || coach.error) return m;
	for (const c of coach.corners) {
		const cause = mainCause(c);
		m.set(c.number, { advised: false, time_s: null, text: c.loss_s ==
			null ? '' : c.loss_s < 0.02 ? `no loss (${fmtS(c.loss_s, 3)} s)`
			: `lost ${fmtS(c.loss_s, 3)} s${cause && cause[1] > 0 ? `, most in ${
				cause[0] === 'context' ? 'pace (context)' : cause[0]} (${fmtS(
				cause[1], 3)} s)` : ''}` });
	}
	coach.advice.forEach((a, i) => m.set(a.corner, { advised: true,
		rank: i + 1, time_s: a.time_s, text: a.text }));
	return m;
}

function gauge(name, v) {
	const w = v == null ? 0 : Math.max(0, Math.min(100, v));
	return `<div class="rating${name === 'overall' ? ' overall' : ''}"
data-rating="${esc(name)}"><span>${esc(name)}</span><b>${rating(v)}</b>
<div class="bar"><i style="width:${w}%"></i></div></div>`;
}

// The panel: header line, ratings, grip use, ranked advice with the
// explain trace. lapLabel / refLabel name the two laps.
export function coachPanel(coach, lapLabel, refLabel) {
	if (coach == null) return '';
	if (coach.error)
		return `<p class="muted">No coaching for ${esc(lapLabel)}: ${esc(
			coach.error.message)}</p>`;
	const r = coach.ratings || {};
	const g = coach.grip_share || {};
	const pct = (v) => (v == null ? '—' : `${Math.round(v * 100)} %`);
	const sign = coach.delta_s > 0 ? '+' : '';
	const adv = coach.advice.map((a) => `<li data-corner="${a.corner}">
<div class="adv-text">${esc(a.text)}</div><div class="muted adv-meta">Turn ${
	a.corner} · ${esc(a.mistake === 'none' ? 'no mistake detected'
	: a.mistake)} · ${fmtS(a.time_s)} s${a.probability == null ? ''
	: ` · p ${a.probability.toFixed(2)}`}</div>${a.explain ? `<details>
<summary>why</summary><code>${esc(a.explain)}</code></details>` : ''}</li>`)
		.join('');
	return `<div class="coach-head">${esc(lapLabel)} against ${esc(
		refLabel)}: <b>${fmtS(coach.lap_s, 3)} s</b> vs ${fmtS(coach.ref_s,
		3)} s (${sign}${fmtS(coach.delta_s, 3)} s) · grip used: braking ${
		pct(g.braking)}, cornering ${pct(g.cornering)}, combined ${
		pct(g.combined)}</div>
<div class="cols"><div class="ratings">${RATINGS.map((k) => gauge(k, r[k]))
	.join('')}</div><div class="grow"><ol class="advice">${adv ||
	'<li class="muted">No advice: no corner loses 0.02 s or more.</li>'}
</ol></div></div>`;
}
