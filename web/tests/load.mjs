// Browser measurement of the map page under thousands of live tracks, run by
// crates/skyfence/tests/map_cli.rs against `skyfence serve` fed by a synthetic sector.
// Settings: SKYFENCE_URL, SKYFENCE_OPERATOR_PASSWORD, SKYFENCE_ARTIFACTS,
// SKYFENCE_CHROMIUM, SKYFENCE_MIN_TRACKS (tracks to wait for), SKYFENCE_MEASURE_S.
// Prints one JSON line: tracks, feed messages and bytes per second, time to apply a
// message, canvas frame times, and the gap between feed messages as the page saw them.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const URL = process.env.SKYFENCE_URL;
const PW = process.env.SKYFENCE_OPERATOR_PASSWORD;
const ARTIFACTS = process.env.SKYFENCE_ARTIFACTS;
const MIN_TRACKS = Number(process.env.SKYFENCE_MIN_TRACKS || 4500);
const MEASURE_S = Number(process.env.SKYFENCE_MEASURE_S || 20);

const browser = await chromium.launch({
  executablePath: process.env.SKYFENCE_CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${URL}/`);
  await page.fill('#login-user', 'operator');
  await page.fill('#login-password', PW);
  await page.click('#login-submit');
  await page.waitForFunction((n) => window.skyfence && window.skyfence.tracks.size >= n, MIN_TRACKS, { timeout: 120000 });
  // Record when each feed message arrives, and the frames drawn, from here on.
  await page.evaluate(() => {
    const s = window.skyfence.stats;
    s.frameMs.length = 0; s.applyMs.length = 0;
    window.__arrivals = [];
    const ws = window.skyfence.socket;
    ws.addEventListener('message', () => window.__arrivals.push(performance.now()));
    window.__start = { bytes: s.bytes, messages: s.messages, t: performance.now() };
  });
  await page.waitForTimeout(MEASURE_S * 1000);
  const m = await page.evaluate(() => {
    const s = window.skyfence.stats;
    const q = (xs, p) => { const v = [...xs].sort((a, b) => a - b); return v.length ? v[Math.min(v.length - 1, Math.floor(p * v.length))] : null; };
    const a = window.__arrivals;
    const gaps = a.slice(1).map((t, i) => t - a[i]);
    const secs = (performance.now() - window.__start.t) / 1000;
    return {
      tracks: window.skyfence.tracks.size,
      feed_messages_per_s: (s.messages - window.__start.messages) / secs,
      feed_bytes_per_s: (s.bytes - window.__start.bytes) / secs,
      apply_ms_median: q(s.applyMs, 0.5), apply_ms_max: q(s.applyMs, 1),
      frame_ms_median: q(s.frameMs, 0.5), frame_ms_p95: q(s.frameMs, 0.95), frame_ms_max: q(s.frameMs, 1),
      frames: s.frameMs.length,
      message_gap_ms_max: gaps.length ? Math.max(...gaps) : null,
    };
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'map-5000.png') });
  if (errors.length) throw new Error(`script errors: ${errors.join('; ')}`);
  const round = (v) => (typeof v === 'number' ? Math.round(v * 100) / 100 : v);
  console.log(JSON.stringify(Object.fromEntries(Object.entries(m).map(([k, v]) => [k, round(v)]))));
} finally {
  await browser.close();
}
