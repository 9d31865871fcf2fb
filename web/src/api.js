// The JSON API under /api/v1 and the binary channel form (TBC1).

export class ApiError extends Error {
	constructor(status, body) {
		super(body && body.detail ? `${body.error}: ${body.detail}`
			: `HTTP ${status}`);
		this.status = status;
	}
}

export async function getJSON(path) {
	const r = await fetch(`/api/v1${path}`);
	let body = null;
	try {
		body = await r.json();
	} catch {
		body = null;
	}
	if (!r.ok) throw new ApiError(r.status, body);
	return body;
}

// Parse the binary channel form (docs/openapi.yaml, api.c write_bin):
// { rows, downsampled, ch: { name: Float32Array } }.
export function parseChannels(buf) {
	const v = new DataView(buf);
	const magic = String.fromCharCode(v.getUint8(0), v.getUint8(1),
		v.getUint8(2), v.getUint8(3));
	if (magic !== 'TBC1') throw new Error('channels: not TBC1 data');
	const head = v.getUint32(4, true), nch = v.getUint32(8, true);
	const rows = v.getUint32(12, true), flags = v.getUint32(16, true);
	const ch = {};
	const dec = new TextDecoder();
	for (let k = 0; k < nch; k++) {
		const off = 24 + 32 * k;
		const raw = new Uint8Array(buf, off, 24);
		const end = raw.indexOf(0);
		const name = dec.decode(raw.subarray(0, end < 0 ? 24 : end));
		// Columns are 4-byte aligned (head is 24 + 32k).
		ch[name] = new Float32Array(buf, head + 4 * rows * k, rows);
	}
	return { rows, downsampled: (flags & 1) !== 0, ch };
}

// A lap's channels (with lap_dist), optionally only [from, to] metres and
// min/max-downsampled on the server to maxPoints rows.
export async function getChannels(lapId, names, opt = {}) {
	const q = new URLSearchParams({ format: 'bin',
		ch: ['lap_dist', ...names].join(',') });
	if (opt.from != null) q.set('from', opt.from.toFixed(1));
	if (opt.to != null) q.set('to', opt.to.toFixed(1));
	if (opt.maxPoints) q.set('max_points', String(opt.maxPoints));
	const r = await fetch(`/api/v1/laps/${lapId}/channels?${q}`);
	if (!r.ok) {
		let body = null;
		try { body = await r.json(); } catch { body = null; }
		throw new ApiError(r.status, body);
	}
	return parseChannels(await r.arrayBuffer());
}

export function fmtTime(ms) {
	if (ms == null || !(ms > 0)) return '—';
	const m = Math.floor(ms / 60000), s = (ms % 60000) / 1000;
	return m ? `${m}:${s.toFixed(3).padStart(6, '0')}` : s.toFixed(3);
}

export function fmtSector(ms) {
	return ms == null || !(ms > 0) ? '—' : (ms / 1000).toFixed(3);
}

export function esc(s) {
	return String(s ?? '').replace(/[&<>"']/g, (c) => ({
		'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;',
		"'": '&#39;' })[c]);
}

let features = null;
// What this server build answers beyond the core API (coach, live).
export async function getFeatures() {
	if (!features) features = await getJSON('/features');
	return features;
}
