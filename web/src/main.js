// The single page: hash routes to the sessions list, a session's
// analysis, the live page, import and driver profiles.
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { esc } from './api.js';
import { sessionsPage, importPage, driversPage } from './pages.js';
import { sessionPage } from './session.js';
import { livePage } from './live.js';
import { drawOverlay, COLORS } from './overlay.js';

// Handles the browser tests and the bench look at.
window.__tb = { route: null };
const state = { cleanup: null };

async function route() {
	const app = document.getElementById('app');
	if (state.cleanup) {
		state.cleanup();
		state.cleanup = null;
	}
	const h = location.hash.replace(/^#\/?/, '');
	const [page, arg] = h.split('/');
	document.querySelectorAll('nav a').forEach((a) => a.classList.toggle(
		'active', a.dataset.nav === (page === 'session' ? 'sessions'
			: page === 'driver' ? 'drivers' : page || 'sessions')));
	window.__tb.route = null;
	app.innerHTML = '<p class="muted">Loading…</p>';
	try {
		if (page === 'session' && /^\d+$/.test(arg))
			await sessionPage(app, Number(arg), state);
		else if (page === 'live') await livePage(app, state);
		else if (page === 'import') importPage(app);
		else if (page === 'drivers') await driversPage(app, null);
		else if (page === 'driver')
			await driversPage(app, decodeURIComponent(arg || ''));
		else await sessionsPage(app);
	} catch (e) {
		app.innerHTML = `<p class="error">${esc(e.message)}</p>`;
	}
	window.__tb.route = h || '/';
}

// Bench: draw an overlay from laps already in memory; resolves with the
// milliseconds until the charts are painted.
window.__tb.benchOverlay = (laps) => new Promise((resolve) => {
	const el = document.getElementById('app');
	el.innerHTML = '<div id="bench" style="width:1200px"></div>';
	const t0 = performance.now();
	const v = drawOverlay(el.firstChild, laps.map((l, i) => ({ ...l,
		color: COLORS[i % COLORS.length] })), { width: 1200 });
	requestAnimationFrame(() => {
		const ms = performance.now() - t0;
		const n = v.charts.length;
		v.destroy();
		resolve({ ms, charts: n });
	});
});

window.addEventListener('hashchange', route);
route();
