// Browser test of the map page's plan layer, against a running `skyfence demo --plan`:
// the page draws one coverage line per kilometre of the plan, each in the colour of its
// predicted detection probability. Settings as in demo.mjs, plus SKYFENCE_PLAN (the
// placement.geojson the demo shows). Exits non-zero on the first failed check; prints
// one JSON line of measurements on success.
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';

const env = (k, d) => {
  const v = process.env[k] ?? d;
  if (v === undefined) throw new Error(`${k} is not set`);
  return v;
};
const URL = env('SKYFENCE_URL');
const VIEWER_PW = env('SKYFENCE_VIEWER_PASSWORD');
const CHROMIUM = env('SKYFENCE_CHROMIUM', '/usr/bin/chromium');
const plan = JSON.parse(readFileSync(env('SKYFENCE_PLAN'), 'utf8'));

function check(ok, what) {
  if (!ok) throw new Error(`check failed: ${what}`);
}

// CSS hsl() to RGB, as the canvas renders it (CSS Color 4 conversion).
function hslToRgb(h, s, l) {
  const a = s * Math.min(l, 1 - l);
  const f = (n) => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

const coverage = plan.features.filter((f) => f.properties.kind === 'coverage' && typeof f.properties.pd_min === 'number');
const colours = new Map();
for (const f of coverage) {
  const x = Math.max(0, Math.min(1, f.properties.pd_min));
  colours.set(hslToRgb(Math.round(120 * x), 0.85, 0.45).join(','), 0);
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const page = await (await browser.newContext({ viewport: { width: 1200, height: 800 } })).newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${URL}/`);
  await page.waitForSelector('#login-form', { state: 'visible' });
  await page.fill('#login-user', 'viewer');
  await page.fill('#login-password', VIEWER_PW);
  await page.click('#login-submit');
  await page.waitForSelector('#app', { state: 'visible' });
  await page.waitForFunction(() => window.skyfence.planProjected !== undefined);
  const lines = await page.evaluate(() => window.skyfence.planProjected.length);
  check(lines === coverage.length, `the page holds ${lines} coverage lines, the plan ${coverage.length}`);
  // Let the page draw, then count canvas pixels in each coverage colour.
  await page.waitForTimeout(1500);
  const counts = await page.evaluate((keys) => {
    const c = document.querySelector('canvas');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    // Within a few levels of each colour: blending at the line's edges and under the
    // dashed border shifts some pixels.
    const want = keys.map((k) => k.split(',').map(Number));
    const counts = new Array(keys.length).fill(0);
    for (let i = 0; i < d.length; i += 4) {
      for (let j = 0; j < want.length; j++) {
        const w = want[j];
        if (Math.abs(d[i] - w[0]) <= 6 && Math.abs(d[i + 1] - w[1]) <= 6 && Math.abs(d[i + 2] - w[2]) <= 6) counts[j]++;
      }
    }
    return Object.fromEntries(keys.map((k, j) => [k, counts[j]]));
  }, [...colours.keys()]);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  check(total > 200, `coverage colours on the canvas: ${JSON.stringify(counts)}`);
  const shown = Object.values(counts).filter((n) => n > 0).length;
  check(shown === colours.size, `every coverage colour is drawn: ${JSON.stringify(counts)}`);
  check(errors.length === 0, `page errors: ${errors.join('; ')}`);
  console.log(JSON.stringify({ lines, colours: colours.size, pixels: total }));
} finally {
  await browser.close();
}
