// Bundles the UI (src/main.js and its CSS) into dist/ with esbuild:
// minified, with source maps. The daemon embeds dist/ at build time
// (web/embed.cmake), so the browser needs no network at run time.
import { build } from 'esbuild';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
const t0 = Date.now();
await rm(dist, { recursive: true, force: true });
await mkdir(join(dist, 'assets'), { recursive: true });
await build({
	entryPoints: { app: join(here, 'src/main.js') },
	bundle: true,
	minify: true,
	sourcemap: true,
	format: 'esm',
	target: ['es2020'],
	outdir: join(dist, 'assets'),
	logLevel: 'warning',
	legalComments: 'linked',
});
await copyFile(join(here, 'index.html'), join(dist, 'index.html'));
console.log(`web: bundled into web/dist in ${Date.now() - t0} ms`);
