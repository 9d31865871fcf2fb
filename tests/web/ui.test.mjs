// Browser test of the web UI against a running `trailbrake serve` (see
// tests/e2e_web.sh): every page loads without console or page errors, a
// 5-lap overlay draws, one cursor moves every chart and the map marker,
// the map heatmap colours, the coach's ratings and advice show for a
// lap (in a panel and per corner), the driver page charts the ratings
// `coach --save` stored, a real file imports with progress, and the
// live page updates while a capture replays (when the build has it).
// Env: BASE, ARTIFACTS, TB_BIN, IMPORT_FILE, UDP_PORT, CAPTURE,
// COACHED_LAP, COACHED_DRIVER (empty without a coach).
import { spawn } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { launch } from './browser.mjs';

const BASE = process.env.BASE;
const OUT = process.env.ARTIFACTS || '.';
let failed = 0, passed = 0, skipped = 0;

function check(cond, what, detail = '') {
	if (cond) {
		passed++;
		console.log(`ok: ${what}`);
	} else {
		failed++;
		console.log(`FAIL: ${what}${detail ? `: ${detail}` : ''}`);
	}
}

await mkdir(OUT, { recursive: true });
const { ctx, errors, close } = await launch();
const page = ctx.pages()[0] || await ctx.newPage();

// Go to a route and wait until its page has rendered (route() sets
// window.__tb.route to the route when done).
async function open(hash) {
	const want = hash.replace(/^#\/?/, '') || '/';
	await page.goto(`${BASE}/${hash}`);
	await page.waitForFunction((w) => window.__tb && window.__tb.route ===
		w, want, { timeout: 30000 });
}

async function shot(name) {
	await page.screenshot({ path: `${OUT}/${name}.png`, fullPage: true });
}

function noErrors(where) {
	check(errors.length === 0, `${where}: no console or page errors`,
		errors.join(' | '));
	errors.length = 0;
}

try {
	// Sessions list.
	await open('#/');
	const sessions = await page.$$eval('table.sessions tbody tr',
		(rs) => rs.map((r) => Number(r.dataset.session)));
	check(sessions.length >= 1, 'sessions list shows the stored sessions',
		`${sessions.length} rows`);
	await shot('sessions');
	noErrors('sessions page');

	// The demo session (the generated capture, imported first): 5 laps.
	const sid = Math.min(...sessions);
	await open(`#/session/${sid}`);
	await page.waitForFunction(() => window.__tb.view &&
		window.__tb.view.charts.length > 0, null, { timeout: 60000 });
	const ov = await page.evaluate(() => {
		const v = window.__tb.view;
		return v.charts.map((u) => ({
			title: u.root.querySelector('.u-title')?.textContent,
			series: u.series.length - 1,
			points: u.data.slice(1).map((d) =>
				d.filter((y) => y != null).length),
		}));
	});
	check(ov.length === 7, 'overlay draws 7 charts (speed, throttle, brake, ' +
		'steering, gear, rpm, delta)', JSON.stringify(ov.map((c) => c.title)));
	check(ov.every((c) => c.series === 5), 'every chart has 5 lap series',
		JSON.stringify(ov.map((c) => c.series)));
	check(ov.every((c) => c.points.every((p) => p > 100)),
		'every series has points on the distance grid',
		JSON.stringify(ov.map((c) => c.points)));
	// Pixels: the speed canvas carries the laps' colours.
	const px = await page.evaluate(() => {
		const cv = document.querySelector('.chart[data-channel="speed"] canvas');
		const g = cv.getContext('2d');
		const d = g.getImageData(0, 0, cv.width, cv.height).data;
		const cols = ['#e6194b', '#3cb4ff', '#ffe119', '#3cdc6e', '#f58231']
			.map((h) => [1, 3, 5].map((k) => parseInt(h.slice(k, k + 2), 16)));
		const count = cols.map(() => 0);
		let painted = 0;
		for (let i = 0; i < d.length; i += 4) {
			if (d[i + 3] === 0) continue;
			painted++;
			cols.forEach((c, k) => {
				if (Math.abs(d[i] - c[0]) + Math.abs(d[i + 1] - c[1]) +
				    Math.abs(d[i + 2] - c[2]) < 60) count[k]++;
			});
		}
		return { painted, count };
	});
	check(px.count.filter((n) => n > 20).length >= 3,
		'speed chart pixels show at least 3 of the 5 lap colours ' +
		'(identical stretches overlap)', JSON.stringify(px));

	// One cursor: hover the speed chart, every chart and the map follow.
	const cursorAt = async (frac) => {
		const over = page.locator('.chart[data-channel="speed"] .u-over');
		const b = await over.boundingBox();
		await page.mouse.move(b.x + b.width * frac, b.y + b.height / 2);
		await page.waitForTimeout(100);
		return page.evaluate(() => ({
			idx: window.__tb.view.charts.map((u) => u.cursor.idx),
			left: window.__tb.view.charts.map((u) =>
				Math.round(u.cursor.left)),
			marker: [document.querySelector('.marker').getAttribute('cx'),
				document.querySelector('.marker').getAttribute('cy')],
		}));
	};
	const c1 = await cursorAt(0.3);
	const c2 = await cursorAt(0.7);
	check(c1.idx[0] != null && c1.idx.every((i) => i === c1.idx[0]),
		'cursor at 30 %: every chart at the same point', JSON.stringify(c1));
	check(c2.idx.every((i) => i === c2.idx[0]) && c2.idx[0] > c1.idx[0],
		'cursor at 70 %: every chart moved together', JSON.stringify(c2));
	check(c1.marker.join() !== c2.marker.join(),
		'the map marker moves with the cursor',
		`${c1.marker} -> ${c2.marker}`);

	// Heatmap: several distinct colours along the track.
	const heat = async () => page.$$eval('.heat line', (ls) =>
		new Set(ls.map((l) => l.getAttribute('stroke'))).size);
	const nSpeed = await heat();
	check(nSpeed >= 10, 'map heatmap by speed has many colours',
		`${nSpeed} distinct`);
	await page.selectOption('#mapch', 'brake');
	const nBrake = await heat();
	check(nBrake >= 3, 'map heatmap by brake has several colours',
		`${nBrake} distinct`);
	await page.selectOption('#mapch', 'delta');
	const nDelta = await heat();
	check(nDelta >= 5, 'map heatmap by delta has several colours',
		`${nDelta} distinct`);
	const corners = await page.$$eval('.corners text', (t) => t.length);
	const rows = await page.$$eval('table.corners tbody tr', (r) => r.length);
	check(corners > 0 && corners === rows,
		'map corner numbers match the corner table', `${corners} vs ${rows}`);
	await page.selectOption('#mapch', 'speed');
	await cursorAt(0.5);
	await shot('overlay');
	noErrors('session page');

	// The coach: a lap with advice against the reference, chosen among
	// the selected laps by asking the API as the page does.
	const feat = await page.evaluate(() =>
		fetch('/api/v1/features').then((r) => r.json()));
	if (!feat.coach) {
		skipped++;
		console.log('SKIP: coach panel (this build has no coach)');
	} else {
		const pick = await page.evaluate(async () => {
			const ref = window.__tb.coach.ref;
			const ids = [...document.querySelectorAll('#coachlap option')]
				.map((o) => Number(o.value));
			for (const id of ids) {
				const c = await fetch(`/api/v1/laps/${id}/coach?ref=${ref}`)
					.then((r) => r.json());
				if (c.advice && c.advice.length) return { id, ref, c };
			}
			return { ids, ref };
		});
		check(pick.c, 'a selected lap has advice against the reference',
			JSON.stringify(pick));
		const requests = [];
		page.on('request', (r) => {
			if (/\/coach\b/.test(r.url())) requests.push(r.url());
		});
		await page.selectOption('#coachlap', String(pick.id));
		await page.waitForFunction((id) => window.__tb.coach.lap === id &&
			window.__tb.coach.ok, pick.id, { timeout: 30000 });
		const advised = await page.$$eval('table.corners tbody tr', (rs) =>
			rs.filter((r) => r.querySelector('td.advised')).map((r) => ({
				corner: parseInt(r.cells[0].textContent, 10),
				text: r.querySelector('td.advised').textContent,
				worth: r.querySelector('td.advised').nextElementSibling
					.textContent })));
		const want = pick.c.advice;
		check(advised.length === want.length && advised.every((a) => {
			const m = /Turn (\d+)\b.*?(\d+\.\d+) s/.exec(a.text);
			return m && Number(m[1]) === a.corner &&
				want.some((w) => w.corner === a.corner &&
					Math.abs(Number(a.worth) - w.time_s) < 0.006);
		}), 'the corner table shows the advice, corner number and ' +
			'seconds on the advised corners', JSON.stringify(advised));
		const ratings = await page.$$eval('.rating', (rs) => rs.map((r) =>
			[r.dataset.rating, r.querySelector('b').textContent]));
		const nums = ratings.filter(([, v]) => v !== '—').map(([, v]) =>
			Number(v));
		check(ratings.length === 6 && nums.length >= 5 &&
			nums.every((v) => v >= 0 && v <= 100) &&
			Number(ratings.find(([k]) => k === 'overall')[1]) ===
			Math.round(pick.c.ratings.overall),
		'the ratings panel shows 0-100 numbers (overall as the API)',
		JSON.stringify(ratings));
		const ranked = await page.$$eval('ol.advice li', (ls) => ls.map(
			(l) => ({ text: l.querySelector('.adv-text')?.textContent,
				why: !!l.querySelector('details code') })));
		check(ranked.length === want.length && ranked.every((r, i) =>
			r.text === want[i].text && r.why),
		'the ranked advice shows in order with its explain trace',
		JSON.stringify(ranked));
		// Back and forth: the answers come from the page's cache.
		const other = await page.$$eval('#coachlap option', (o, id) =>
			o.map((x) => x.value).find((v) => v !== String(id)), pick.id);
		if (other) {
			await page.selectOption('#coachlap', other);
			await page.waitForFunction((id) => window.__tb.coach.lap === id,
				Number(other));
			await page.selectOption('#coachlap', String(pick.id));
			await page.waitForFunction((id) => window.__tb.coach.lap === id,
				pick.id);
		}
		check(requests.filter((u) => u.includes(`/laps/${pick.id}/`))
			.length <= 1, 'coach output is fetched once per lap and ' +
			'reference', JSON.stringify(requests));
		await page.locator('ol.advice details').first().click();
		await shot('coach');
		await page.evaluate(() => window.scrollTo(0, 0));
		noErrors('coach panel');
	}

	// Zoom: drag over the speed chart; the range refetches narrower.
	{
		const over = page.locator('.chart[data-channel="speed"] .u-over');
		const b = await over.boundingBox();
		await page.mouse.move(b.x + b.width * 0.2, b.y + 20);
		await page.mouse.down();
		await page.mouse.move(b.x + b.width * 0.4, b.y + 20, { steps: 5 });
		await page.mouse.up();
		await page.waitForFunction(() => window.__tb.view.to -
			window.__tb.view.from < 2000, null, { timeout: 20000 });
		const z = await page.evaluate(() => [window.__tb.view.from,
			window.__tb.view.to, window.__tb.view.charts.length]);
		check(z[1] - z[0] < 2000 && z[2] === 7,
			'drag-zoom redraws every chart on the narrower range',
			JSON.stringify(z));
		await shot('overlay-zoomed');
		noErrors('zoom');
	}

	// Any number of laps: every valid lap (more than one comparison
	// request holds) overlays with its delta.
	{
		const boxes = page.locator('tr:not(.invalid) input.pick');
		const n = await boxes.count();
		for (let i = 0; i < n; i++) await boxes.nth(i).check();
		await page.click('#draw');
		await page.waitForFunction((k) => window.__tb.view.charts.length &&
			window.__tb.view.charts.every((u) => u.series.length === k + 1),
		n, { timeout: 60000 });
		const delta = await page.evaluate(() => {
			const u = window.__tb.view.charts.find((c) =>
				c.root.closest('[data-channel="delta"]'));
			return u.data.slice(1).map((d) => d.filter((y) => y != null)
				.length);
		});
		const rows = await page.$$eval('table.corners thead tr:first-child th',
			(t) => t.length);
		check(n > 8 && delta.length === n && delta.every((p) => p > 100),
			`an overlay of all ${n} valid laps draws, each with its delta`,
			JSON.stringify(delta));
		const coachCols = await page.evaluate(async () =>
			(await fetch('/api/v1/features').then((r) => r.json())).coach
				? 2 : 0);
		check(rows === 3 + (n - 1) + coachCols, 'the corner table has ' +
			'every lap but the reference (and the coach\'s advice)',
		`${rows} header cells`);
		await shot('overlay-all');
		noErrors('overlay of every lap');
	}

	// Other sessions (real laps when imported) and driver pages.
	for (const s of sessions.filter((x) => x !== sid)) {
		await open(`#/session/${s}`);
		await page.waitForTimeout(500);
		await shot(`session-${s}`);
		noErrors(`session ${s}`);
	}
	await open('#/drivers');
	const drivers = await page.$$eval('table a', (a) => a.length);
	check(drivers > 0, 'drivers page lists drivers', `${drivers}`);
	await page.click('table a');
	await page.waitForFunction(() =>
		(window.__tb.route || '').startsWith('driver/'));
	const best = await page.$$eval('table tbody tr', (r) => r.length);
	check(best > 0, 'driver profile lists best laps by track and car');
	await shot('driver');
	const coached = process.env.COACHED_DRIVER;
	if (!coached) {
		skipped++;
		console.log('SKIP: rating history (no coach in this build)');
	} else {
		await open(`#/driver/${encodeURIComponent(coached)}`);
		const hist = await page.evaluate(() => ({
			rows: [...document.querySelectorAll('.ratings-table tbody tr')]
				.map((r) => [...r.cells].map((c) => c.textContent.trim())),
			points: window.__tb.history ? window.__tb.history.data[6]
				.filter((v) => v != null).length : 0,
		}));
		const lapId = process.env.COACHED_LAP;
		const row = hist.rows.find((r) => r[2] === lapId);
		const overall = row ? Number(row[row.length - 1]) : NaN;
		check(row && overall >= 0 && overall <= 100 && hist.points >= 1,
			`the driver page charts the rating coach --save stored for ` +
			`lap ${lapId}`, JSON.stringify(hist));
		await shot('driver-ratings');
	}
	noErrors('drivers pages');

	// Import a real file with progress; its session appears.
	const file = process.env.IMPORT_FILE;
	await open('#/import');
	await page.evaluate(() => {
		window.__states = [];
		new MutationObserver(() => {
			const s = document.querySelector('.imports .state');
			if (s) window.__states.push(s.textContent);
		}).observe(document.querySelector('#imports'),
			{ subtree: true, childList: true, characterData: true });
	});
	await page.setInputFiles('#file', file);
	await page.waitForSelector('.imports li.done, .imports li.failed',
		{ timeout: 120000 });
	const imp = await page.evaluate(() => ({
		done: !!document.querySelector('.imports li.done'),
		text: document.querySelector('.imports .state').textContent,
		progress: document.querySelector('.imports progress').value,
		states: window.__states,
		link: document.querySelector('.imports a')?.getAttribute('href'),
	}));
	check(imp.done && imp.progress === 1, `import of ${basename(file)} ` +
		'completes', JSON.stringify(imp));
	check(imp.states.some((s) => /uploading|importing/.test(s)),
		'import shows progress while it runs', JSON.stringify(imp.states));
	check(/^#\/session\/\d+$/.test(imp.link || ''),
		'the imported session is linked', imp.link);
	await shot('import');
	if (imp.link) {
		const nid = Number(imp.link.split('/').pop());
		await open('#/');
		const now = await page.$$eval('table.sessions tbody tr',
			(rs) => rs.map((r) => Number(r.dataset.session)));
		check(now.includes(nid) && !sessions.includes(nid),
			'the new session appears in the sessions list');
		// Its page works too, even with no timed lap to overlay.
		await open(`#/session/${nid}`);
		const laps = await page.$$eval('table.laps tbody tr', (r) => r.length);
		check(laps >= 1, 'the imported session shows its laps', `${laps}`);
		await shot(`session-imported-${nid}`);
	}
	// The same by drag and drop: a DataTransfer dropped on the zone.
	const dropFile = process.env.DROP_FILE;
	const bytes = await readFile(dropFile);
	const dt = await page.evaluateHandle(({ b64, name }) => {
		const bin = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
		const d = new DataTransfer();
		d.items.add(new File([bin], name));
		return d;
	}, { b64: bytes.toString('base64'), name: basename(dropFile) });
	await open('#/import');
	const before = await page.$$eval('.imports li', (l) => l.length);
	await page.dispatchEvent('#drop', 'dragover', { dataTransfer: dt });
	const over = await page.$eval('#drop', (e) => e.classList.contains('over'));
	await page.dispatchEvent('#drop', 'drop', { dataTransfer: dt });
	// The new entry is the first one; wait until it has finished.
	await page.waitForFunction((n) => {
		const l = document.querySelectorAll('.imports li');
		return l.length > n && (l[0].classList.contains('done') ||
			l[0].classList.contains('failed'));
	}, before, { timeout: 120000 });
	const dropped = await page.evaluate(() => ({
		text: document.querySelector('.imports .state').textContent,
		done: !!document.querySelector('.imports li.done'),
		link: document.querySelector('.imports a')?.getAttribute('href'),
	}));
	check(over && dropped.done && /codemasters, 1 laps/.test(dropped.text) &&
		/^#\/session\/\d+$/.test(dropped.link || ''),
		'a dropped capture imports into a new session',
		JSON.stringify({ over, ...dropped }));
	await shot('import-dropped');
	noErrors('import page');

	// Live page.
	await open('#/live');
	if (!feat.live) {
		skipped++;
		console.log('SKIP: live page update (this build has no ' +
			'/api/v1/live)');
	} else {
		// The page is open before the stream starts: it finds the car.
		const rep = spawn(process.env.TB_BIN, ['replay',
			process.env.CAPTURE, '--to',
			`127.0.0.1:${process.env.UDP_PORT}`, '--rate', '2'],
		{ stdio: 'ignore' });
		try {
			await page.waitForFunction(() => window.__tb.live &&
				window.__tb.live.frames > 30, null, { timeout: 60000 });
			const a = await page.textContent('#g-speed');
			const f1 = await page.evaluate(() => window.__tb.live.frames);
			await page.waitForTimeout(1500);
			const f2 = await page.evaluate(() => window.__tb.live.frames);
			check(f2 > f1 && a !== '—', 'live page updates while a ' +
				'capture replays', `${f1} -> ${f2} frames, speed ${a}`);
			await page.waitForSelector('#laplist tr', { timeout: 30000 });
			const laps = await page.$$eval('#laplist tr', (r) => r.map(
				(x) => x.textContent.replace(/\s+/g, ' ').trim()));
			check(laps.length >= 1, 'the live lap list fills in as laps ' +
				'complete', JSON.stringify(laps));
			await shot('live');
		} finally {
			rep.kill();
		}
	}
	await shot('live-page');
	noErrors('live page');
} catch (e) {
	failed++;
	console.log(`FAIL: ${e.stack || e}`);
	await shot('failure').catch(() => {});
} finally {
	await close();
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed ? 1 : 0);
