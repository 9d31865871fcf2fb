// Shared helpers for the browser tests and the bench: launch Debian's
// chromium headless through playwright-core with the flags a closed
// network needs, a fresh profile, and console/page error capture.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

// playwright-core lives in web/node_modules (WEB_DIR or ../../web).
export function playwright() {
	const web = process.env.WEB_DIR ||
		join(new URL('.', import.meta.url).pathname, '../../web');
	return require(join(web, 'node_modules/playwright-core'));
}

export async function launch() {
	const { chromium } = playwright();
	const profile = await mkdtemp(join(tmpdir(), 'tb-chromium-'));
	const exe = process.env.CHROMIUM || '/usr/bin/chromium';
	const ctx = await chromium.launchPersistentContext(profile, {
		executablePath: exe,
		headless: true,
		viewport: { width: 1600, height: 1000 },
		args: ['--headless', '--no-sandbox', '--disable-gpu',
			'--disable-quic', '--no-first-run',
			'--disable-background-networking',
			'--disable-component-update', '--disable-sync'],
	});
	const errors = [];
	const watch = (page) => {
		page.on('console', (m) => {
			if (m.type() === 'error')
				errors.push(`console: ${m.text()} (${page.url()})`);
		});
		page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
	};
	ctx.pages().forEach(watch);
	ctx.on('page', watch);
	const close = async () => {
		await ctx.close();
		await rm(profile, { recursive: true, force: true });
	};
	return { ctx, errors, close };
}
