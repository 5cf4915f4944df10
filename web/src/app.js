// The skyfence map page: logs in, draws the picture the WebSocket feed keeps current,
// lists alerts for acknowledgement, and holds the last minutes for replay.
// No framework: one canvas, redrawn when something changed, carries thousands of
// tracks where one DOM node per track would not.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const CLASSES = ['drone_rotary', 'drone_fixed_wing', 'bird', 'aircraft', 'balloon', 'unknown'];
  const CLASS_LABEL = {
    drone_rotary: 'rotary drone', drone_fixed_wing: 'fixed-wing drone', bird: 'bird',
    aircraft: 'aircraft', balloon: 'balloon', unknown: 'unknown',
  };
  const EARTH_RADIUS_M = 6378137; // WGS-84 semi-major axis (Web Mercator sphere)
  const TRAIL_S = 60; // seconds of trail behind each track
  const LEADER_S = 60; // a velocity leader shows where the track will be in this time
  const REPLAY_S = 300; // the page keeps this much of the picture for replay
  const LABEL_LIMIT = 400; // above this many tracks in view, only marked tracks get labels

  // Alert kinds and the affiliation they suggest for their tracks: the same rule as
  // the CoT output (crates/pipeline/src/outputs.rs, alert_affiliation).
  const ALERT_AFFILIATION = {
    border_crossed: 'H', protected_entry: 'H', airspace_violation: 'H',
    border_crossing_predicted: 'S', swarm: 'S', loitering: 'S', possibly_spoofed: 'S',
  };
  const AFF_RANK = { U: 0, N: 1, S: 2, H: 3 };
  // MIL-STD-2525C air function codes, as in the CoT types (crates/formats/src/cot.rs).
  const FUNCTION = {
    drone_fixed_wing: 'MFQ---', drone_rotary: 'MHQ---', aircraft: 'CF----',
    balloon: 'CL----', bird: '------', unknown: '------',
  };
  const AFF_COLOUR = { U: '#ffff80', N: '#aaffaa', S: '#ffb0ff', H: '#ff8080' };

  const state = {
    me: null,
    setup: null,
    tracks: new Map(), // id -> track (feed fields, class part `c`, trail, history)
    alerts: new Map(), // id -> alert line
    sensors: [],
    time: null,
    selected: null,
    selectedAlert: null,
    filters: { classes: new Set(CLASSES), identity: 'all', sensor: 'all' },
    frames: [], // replay frames, oldest first
    replay: null, // index into frames while replaying
    paused: false,
    socket: null,
    stats: { messages: 0, bytes: 0, frameMs: [], applyMs: [], lastFrameMs: 0 },
  };
  window.skyfence = state; // for the browser test and for operators' debugging

  // ---------- login ----------
  const api = (path, opts = {}) => fetch(path, { credentials: 'same-origin', ...opts });

  async function start() {
    const r = await api('/ui/me');
    if (r.ok) {
      state.me = await r.json();
      await openApp();
    } else {
      $('login').hidden = false;
      $('login-user').focus();
    }
  }

  $('login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('login-error').textContent = '';
    $('login-submit').disabled = true;
    try {
      const r = await api('/ui/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ user: $('login-user').value, password: $('login-password').value }),
      });
      if (!r.ok) {
        $('login-error').textContent = r.status === 401 ? 'Wrong user name or password.' : `Login failed (${r.status}).`;
        return;
      }
      state.me = await r.json();
      $('login-password').value = '';
      $('login').hidden = true;
      await openApp();
    } catch (err) {
      $('login-error').textContent = `Cannot reach skyfence: ${err}`;
    } finally {
      $('login-submit').disabled = false;
    }
  });

  $('logout').addEventListener('click', async () => {
    await api('/ui/logout', { method: 'POST' });
    location.reload();
  });

  async function openApp() {
    $('app').hidden = false;
    $('who').textContent = `${state.me.user} (${state.me.role})`;
    const r = await api('/ui/setup');
    state.setup = r.ok ? await r.json() : { title: 'skyfence', origin: null, zones: null };
    $('title').textContent = state.setup.title || 'skyfence';
    document.title = `${state.setup.title || 'skyfence'} · skyfence`;
    buildFilters();
    prepareZones();
    preparePlan();
    await loadBasemap();
    resize();
    fitView();
    connect();
  }

  // ---------- the feed ----------
  function connect() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${proto}//${location.host}/ui/feed`);
    state.socket = ws;
    ws.onopen = () => { $('conn').textContent = 'connected'; $('conn').className = 'ok'; };
    ws.onclose = () => {
      $('conn').textContent = 'disconnected, retrying';
      $('conn').className = 'bad';
      setTimeout(connect, 2000);
    };
    ws.onmessage = (ev) => {
      state.stats.messages += 1;
      state.stats.bytes += ev.data.length;
      const t0 = performance.now();
      apply(JSON.parse(ev.data));
      state.stats.applyMs.push(performance.now() - t0);
      if (state.stats.applyMs.length > 120) state.stats.applyMs.shift();
    };
  }

  function apply(msg) {
    if (msg.type === 'snapshot') {
      state.tracks.clear();
      state.alerts.clear();
    }
    state.time = msg.time_s;
    for (const u of msg.tracks) {
      let t = state.tracks.get(u.id);
      if (!t) {
        t = { id: u.id, trail: [], history: [], firstSeen: u.t, c: null };
        state.tracks.set(u.id, t);
      }
      t.t = u.t; t.lat = u.lat; t.lon = u.lon; t.alt = u.alt; t.v = u.v; t.sh = u.sh; t.status = u.status || 'confirmed';
      if (u.c) {
        const before = t.c && t.c.class;
        t.c = u.c;
        if (before !== u.c.class) t.history.push([u.t, u.c.class]);
      }
      if (u.lat != null) {
        t.trail.push([u.t, u.lat, u.lon]);
        while (t.trail.length && t.trail[0][0] < u.t - TRAIL_S) t.trail.shift();
      }
    }
    for (const id of msg.removed) state.tracks.delete(id);
    const fresh = [];
    for (const a of msg.alerts) {
      if (!state.alerts.has(a.alert) && a.state === 'new' && msg.type === 'delta') fresh.push(a.alert);
      state.alerts.set(a.alert, a);
    }
    for (const id of msg.removed_alerts) state.alerts.delete(id);
    if (msg.sensors) {
      state.sensors = msg.sensors;
      buildSensorFilter();
      renderSensors();
    }
    recordFrame();
    renderAlerts(fresh);
    if (fresh.length) beep();
    renderDetail();
    $('clock').textContent = `t = ${fmtTime(state.time)}`;
    $('counts').textContent = `${state.tracks.size} tracks · ${[...state.alerts.values()].filter((a) => a.state !== 'closed').length} open alerts`;
    requestDraw();
  }

  // ---------- replay ----------
  // Each frame holds every track's position and class compactly (typed arrays), so
  // five minutes of thousands of tracks fit in a few tens of megabytes.
  function recordFrame() {
    const n = state.tracks.size;
    const f = {
      time: state.time, ids: new Uint32Array(n), lat: new Float32Array(n), lon: new Float32Array(n),
      cls: new Uint8Array(n), aff: new Uint8Array(n),
    };
    let i = 0;
    const affs = affiliations();
    for (const t of state.tracks.values()) {
      f.ids[i] = t.id; f.lat[i] = t.lat ?? NaN; f.lon[i] = t.lon ?? NaN;
      f.cls[i] = CLASSES.indexOf(t.c ? t.c.class : 'unknown');
      f.aff[i] = AFF_RANK[affiliation(t, affs)];
      i += 1;
    }
    state.frames.push(f);
    while (state.frames.length && state.frames[0].time < state.time - REPLAY_S) {
      state.frames.shift();
      if (state.replay != null) state.replay = Math.max(0, state.replay - 1);
    }
    const s = $('replay-slider');
    s.max = String(Math.max(0, state.frames.length - 1));
    if (state.replay == null) s.value = s.max;
    const span = state.frames.length ? state.time - state.frames[0].time : 0;
    $('replay-info').textContent = state.replay == null
      ? `holds the last ${Math.round(span)} s of the picture`
      : `showing t = ${fmtTime(state.frames[state.replay].time)} (${Math.round(state.time - state.frames[state.replay].time)} s ago)`;
  }

  $('pause').addEventListener('click', () => {
    if (!state.frames.length) return;
    state.replay = state.frames.length - 1;
    $('mode').textContent = 'REPLAY'; $('mode').className = 'paused';
    $('replay-slider').disabled = false; $('live').disabled = false; $('pause').disabled = true;
    requestDraw();
  });
  $('live').addEventListener('click', () => {
    state.replay = null;
    $('mode').textContent = 'LIVE'; $('mode').className = 'live';
    $('replay-slider').disabled = true; $('live').disabled = true; $('pause').disabled = false;
    recordFrame();
    requestDraw();
  });
  $('replay-slider').addEventListener('input', (e) => {
    if (state.replay == null) return;
    state.replay = Number(e.target.value);
    $('replay-info').textContent = `showing t = ${fmtTime(state.frames[state.replay].time)}`;
    requestDraw();
  });

  // ---------- affiliation and symbols ----------
  function affiliations() {
    const by = new Map();
    for (const a of state.alerts.values()) {
      const aff = ALERT_AFFILIATION[a.kind];
      if (!aff || a.state === 'closed') continue;
      for (const id of a.tracks) {
        if (AFF_RANK[aff] > AFF_RANK[by.get(id) || 'U']) by.set(id, aff);
      }
    }
    return by;
  }

  function affiliation(t, affs) {
    const fromAlert = affs.get(t.id);
    if (fromAlert) return fromAlert;
    if (t.c && t.c.class === 'aircraft' && t.c.identity) return 'N';
    return 'U';
  }

  const symbolCache = new Map();
  function symbol(cls, aff) {
    const key = `${cls}:${aff}`;
    let s = symbolCache.get(key);
    if (s) return s;
    const sidc = `S${aff}AP${FUNCTION[cls] || '------'}-----`;
    if (window.ms) {
      const sym = new window.ms.Symbol(sidc, { size: 16, frame: true, fill: true });
      const canvas = sym.asCanvas();
      const anchor = sym.getAnchor();
      s = { canvas, ax: anchor.x, ay: anchor.y, sidc };
    } else {
      // Without milsymbol (built offline): a plain diamond in the affiliation colour.
      const canvas = document.createElement('canvas');
      canvas.width = 16; canvas.height = 16;
      const g = canvas.getContext('2d');
      g.fillStyle = AFF_COLOUR[aff]; g.strokeStyle = '#000';
      g.beginPath(); g.moveTo(8, 1); g.lineTo(15, 8); g.lineTo(8, 15); g.lineTo(1, 8); g.closePath();
      g.fill(); g.stroke();
      s = { canvas, ax: 8, ay: 8, sidc };
    }
    symbolCache.set(key, s);
    return s;
  }

  // ---------- map projection (spherical Web Mercator) ----------
  const view = { cx: 0, cy: 0, scale: 1, w: 1, h: 1, dpr: 1 };
  const mercX = (lon) => (lon * Math.PI) / 180;
  const mercY = (lat) => Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360));
  const toScreen = (mx, my) => [(mx - view.cx) * view.scale + view.w / 2, -(my - view.cy) * view.scale + view.h / 2];
  const fromScreen = (sx, sy) => [(sx - view.w / 2) / view.scale + view.cx, -(sy - view.h / 2) / view.scale + view.cy];
  const lonOf = (mx) => (mx * 180) / Math.PI;
  const latOf = (my) => ((2 * Math.atan(Math.exp(my)) - Math.PI / 2) * 180) / Math.PI;
  // Screen pixels per metre on the ground at latitude `lat`.
  const pxPerM = (lat) => view.scale / (EARTH_RADIUS_M * Math.cos((lat * Math.PI) / 180));

  const canvas = $('map');
  const ctx = canvas.getContext('2d');

  function resize() {
    const r = canvas.getBoundingClientRect();
    view.dpr = window.devicePixelRatio || 1;
    view.w = Math.max(1, r.width); view.h = Math.max(1, r.height);
    canvas.width = Math.round(view.w * view.dpr);
    canvas.height = Math.round(view.h * view.dpr);
    basemap.dirty = true;
    requestDraw();
  }
  window.addEventListener('resize', resize);

  function fitView() {
    const pts = [];
    for (const z of state.zonesProjected) for (const ring of z.rings) for (let i = 0; i < ring.length; i += 2) pts.push([ring[i], ring[i + 1]]);
    for (const s of state.sensors) if (s.lat_deg != null) pts.push([mercX(s.lon_deg), mercY(s.lat_deg)]);
    const o = state.setup.origin;
    if (!pts.length && o) pts.push([mercX(o.lon_deg), mercY(o.lat_deg)]);
    if (!pts.length) { view.cx = mercX(25); view.cy = mercY(54); view.scale = 2000; return; }
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const [x, y] of pts) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
    // Margin for sensor coverage (about 30 km) around the zones.
    const pad = 30000 / EARTH_RADIUS_M / Math.cos(latOf((y0 + y1) / 2) * Math.PI / 180);
    x0 -= pad; x1 += pad; y0 -= pad; y1 += pad;
    view.cx = (x0 + x1) / 2; view.cy = (y0 + y1) / 2;
    view.scale = Math.min(view.w / (x1 - x0), view.h / (y1 - y0));
    basemap.dirty = true;
  }

  // ---------- basemap: Natural Earth countries (world-atlas), drawn offline ----------
  const basemap = { rings: [], dirty: true, canvas: document.createElement('canvas'), ok: false };
  async function loadBasemap() {
    try {
      if (!window.topojson) throw new Error('topojson-client missing');
      const r = await fetch('/vendor/countries-50m.json');
      const topo = await r.json();
      const fc = window.topojson.feature(topo, topo.objects.countries);
      for (const f of fc.features) {
        const polys = f.geometry ? (f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates) : [];
        for (const poly of polys) {
          for (const ring of poly) {
            const a = new Float64Array(ring.length * 2);
            let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
            ring.forEach(([lon, lat], i) => {
              const x = mercX(lon); const y = mercY(Math.max(-85, Math.min(85, lat)));
              a[2 * i] = x; a[2 * i + 1] = y;
              x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
            });
            basemap.rings.push({ a, box: [x0, y0, x1, y1] });
          }
        }
      }
      basemap.ok = true;
    } catch (err) {
      showBanner(`No basemap: ${err.message}. Rebuild skyfence with npm available to get the country borders and military symbols.`);
    }
    if (!window.ms) showBanner('The military symbol library is missing (built without npm): tracks are drawn as plain diamonds.');
  }

  function showBanner(text) {
    const b = $('banner');
    b.hidden = false;
    b.textContent = b.textContent ? `${b.textContent} ${text}` : text;
  }

  // Adds a line through Mercator points [x0, y0, x1, y1, ...] to `g`'s current path.
  function tracePath(g, a) {
    for (let i = 0; i < a.length; i += 2) {
      const [sx, sy] = toScreen(a[i], a[i + 1]);
      if (i === 0) g.moveTo(sx, sy); else g.lineTo(sx, sy);
    }
  }

  function drawBasemap() {
    const c = basemap.canvas;
    c.width = canvas.width; c.height = canvas.height;
    const g = c.getContext('2d');
    g.setTransform(view.dpr, 0, 0, view.dpr, 0, 0);
    g.fillStyle = '#0b2235';
    g.fillRect(0, 0, view.w, view.h);
    const [vx0, vy1] = fromScreen(0, 0);
    const [vx1, vy0] = fromScreen(view.w, view.h);
    g.fillStyle = '#1c2a22';
    g.strokeStyle = '#5f7466';
    g.lineWidth = 1;
    g.beginPath();
    for (const r of basemap.rings) {
      const [x0, y0, x1, y1] = r.box;
      if (x1 < vx0 || x0 > vx1 || y1 < vy0 || y0 > vy1) continue;
      tracePath(g, r.a);
      g.closePath();
    }
    g.fill('evenodd');
    g.stroke();
    basemap.dirty = false;
  }

  // ---------- zones ----------
  function prepareZones() {
    state.zonesProjected = [];
    state.showPlan = true;
    const z = state.setup.zones;
    if (!z || !z.features) return;
    for (const f of z.features) {
      const p = f.properties || {};
      const g = f.geometry;
      if (!g || p.kind === 'sensor') continue;
      const ring = (coords) => {
        const a = new Float64Array(coords.length * 2);
        coords.forEach(([lon, lat], i) => { a[2 * i] = mercX(lon); a[2 * i + 1] = mercY(lat); });
        return a;
      };
      if (g.type === 'LineString') state.zonesProjected.push({ kind: p.kind, name: p.name, ownSide: p.own_side, line: true, rings: [ring(g.coordinates)] });
      else if (g.type === 'Polygon') state.zonesProjected.push({ kind: p.kind, name: p.name, rings: [ring(g.coordinates[0])] });
      else if (g.type === 'Point' && p.radius_m) {
        const [lon, lat] = g.coordinates;
        state.zonesProjected.push({ kind: p.kind, name: p.name, circle: { x: mercX(lon), y: mercY(lat), lat, r: p.radius_m }, rings: [] });
      }
    }
  }

  // ---------- a sensor plan's coverage (skyfence plan's placement.geojson) ----------
  // Each kilometre of border coloured by the worst threat's predicted probability of
  // detection before it: red 0, yellow 0.5, green 1.
  function preparePlan() {
    state.planProjected = [];
    const pl = state.setup.plan;
    if (!pl || !pl.features) return;
    for (const f of pl.features) {
      const p = f.properties || {};
      const g = f.geometry;
      if (p.kind !== 'coverage' || !g || g.type !== 'LineString' || typeof p.pd_min !== 'number') continue;
      const a = new Float64Array(g.coordinates.length * 2);
      g.coordinates.forEach(([lon, lat], i) => { a[2 * i] = mercX(lon); a[2 * i + 1] = mercY(lat); });
      state.planProjected.push({ km: p.km, pd: p.pd_min, line: a });
    }
  }

  function planColour(pd) {
    const x = Math.max(0, Math.min(1, pd));
    return `hsl(${Math.round(120 * x)}, 85%, 45%)`;
  }

  function drawPlan() {
    if (!state.planProjected || !state.showPlan) return;
    ctx.lineWidth = 9;
    ctx.lineCap = 'butt';
    for (const c of state.planProjected) {
      ctx.beginPath();
      tracePath(ctx, c.line);
      ctx.strokeStyle = planColour(c.pd);
      ctx.stroke();
    }
  }

  function drawZones() {
    for (const z of state.zonesProjected) {
      ctx.beginPath();
      if (z.circle) {
        const [sx, sy] = toScreen(z.circle.x, z.circle.y);
        ctx.arc(sx, sy, z.circle.r * pxPerM(z.circle.lat), 0, 2 * Math.PI);
      } else {
        tracePath(ctx, z.rings[0]);
        if (!z.line) ctx.closePath();
      }
      if (z.kind === 'border') {
        ctx.strokeStyle = '#ff5a5a'; ctx.lineWidth = 3; ctx.setLineDash([10, 6]); ctx.stroke(); ctx.setLineDash([]);
        // Our side: a tick mark every segment, pointing inward.
        const a = z.rings[0];
        ctx.strokeStyle = '#ff5a5a'; ctx.lineWidth = 1.5;
        for (let i = 0; i + 3 < a.length; i += 2) {
          const [ax, ay] = toScreen(a[i], a[i + 1]); const [bx, by] = toScreen(a[i + 2], a[i + 3]);
          const [mx, my] = [(ax + bx) / 2, (ay + by) / 2];
          const len = Math.hypot(bx - ax, by - ay) || 1;
          // Left of the direction of travel on screen is (dy, -dx) with y down.
          const sgn = z.ownSide === 'left' ? 1 : -1;
          const [nx, ny] = [sgn * (by - ay) / len, sgn * -(bx - ax) / len];
          ctx.beginPath(); ctx.moveTo(mx, my); ctx.lineTo(mx + nx * 10, my + ny * 10); ctx.stroke();
        }
      } else if (z.kind === 'protected') {
        ctx.fillStyle = 'rgba(255, 90, 90, 0.15)'; ctx.fill();
        ctx.strokeStyle = '#ff9a9a'; ctx.lineWidth = 1.5; ctx.stroke();
      } else {
        ctx.fillStyle = 'rgba(120, 200, 255, 0.12)'; ctx.fill();
        ctx.strokeStyle = '#78c8ff'; ctx.lineWidth = 1; ctx.stroke();
      }
      if (z.name && z.kind !== 'border') {
        const [sx, sy] = z.circle ? toScreen(z.circle.x, z.circle.y) : toScreen(z.rings[0][0], z.rings[0][1]);
        ctx.fillStyle = '#ffc0c0'; ctx.font = '11px system-ui'; ctx.fillText(z.name, sx + 4, sy - 4);
      }
    }
  }

  // ---------- sensors ----------
  const HEALTH_COLOUR = { ok: '#6fcf7f', waiting: '#8796a6', silent: '#ff4d4d', fault: '#ff4d4d', rate_changed: '#ff9f1a' };
  function drawSensors() {
    for (const s of state.sensors) {
      if (s.lat_deg == null) continue;
      const [sx, sy] = toScreen(mercX(s.lon_deg), mercY(s.lat_deg));
      const colour = HEALTH_COLOUR[s.health] || '#8796a6';
      if (s.max_range_m) {
        // Coverage: a filled disc per sensor, so overlapping discs show layered cover
        // and the dark sea between them shows the gaps.
        ctx.beginPath();
        ctx.arc(sx, sy, s.max_range_m * pxPerM(s.lat_deg), 0, 2 * Math.PI);
        ctx.fillStyle = s.health === 'ok' ? 'rgba(111, 207, 127, 0.07)' : 'rgba(255, 77, 77, 0.07)';
        ctx.fill();
        ctx.strokeStyle = colour; ctx.globalAlpha = 0.6; ctx.lineWidth = 1; ctx.stroke(); ctx.globalAlpha = 1;
      }
      ctx.fillStyle = colour; ctx.strokeStyle = '#000';
      ctx.beginPath();
      if (s.kind === 'radar') { ctx.rect(sx - 4, sy - 4, 8, 8); } else { ctx.moveTo(sx, sy - 5); ctx.lineTo(sx + 5, sy + 4); ctx.lineTo(sx - 5, sy + 4); ctx.closePath(); }
      ctx.fill(); ctx.stroke();
      if (view.scale > 3000 || state.sensors.length < 30) {
        ctx.fillStyle = '#c8d4c8'; ctx.font = '10px system-ui'; ctx.fillText(s.sensor, sx + 6, sy + 10);
      }
    }
  }

  // ---------- tracks ----------
  function visible(t) {
    const cls = t.c ? t.c.class : 'unknown';
    if (!state.filters.classes.has(cls)) return false;
    const idf = state.filters.identity;
    if (idf === 'cooperative' && !(t.c && t.c.identity)) return false;
    if (idf === 'non_cooperative' && t.c && t.c.identity) return false;
    if (idf === 'flagged' && !(t.c && t.c.flags && t.c.flags.length)) return false;
    if (state.filters.sensor !== 'all' && !(t.c && t.c.sensors && t.c.sensors.includes(state.filters.sensor))) return false;
    return true;
  }

  function alertTracks() {
    const set = new Set();
    for (const a of state.alerts.values()) if (a.state !== 'closed') for (const id of a.tracks) set.add(id);
    const sel = state.selectedAlert != null ? state.alerts.get(state.selectedAlert) : null;
    return { open: set, selected: new Set(sel ? sel.tracks : []) };
  }

  function drawTracks() {
    const affs = affiliations();
    const marks = alertTracks();
    const list = [];
    for (const t of state.tracks.values()) if (t.lat != null && visible(t)) list.push(t);
    const labels = list.length <= LABEL_LIMIT;
    // Trails and leaders first, symbols on top.
    ctx.lineWidth = 1;
    ctx.strokeStyle = 'rgba(220, 230, 240, 0.45)';
    ctx.beginPath();
    for (const t of list) {
      for (let i = 0; i < t.trail.length; i += 1) {
        const [sx, sy] = toScreen(mercX(t.trail[i][2]), mercY(t.trail[i][1]));
        if (i === 0) ctx.moveTo(sx, sy); else ctx.lineTo(sx, sy);
      }
    }
    ctx.stroke();
    ctx.strokeStyle = 'rgba(255, 255, 255, 0.8)';
    ctx.beginPath();
    for (const t of list) {
      const [sx, sy] = toScreen(mercX(t.lon), mercY(t.lat));
      const k = pxPerM(t.lat) * LEADER_S;
      ctx.moveTo(sx, sy);
      ctx.lineTo(sx + t.v[0] * k, sy - t.v[1] * k);
    }
    ctx.stroke();
    const wanted = [];
    for (const t of list) {
      const [sx, sy] = toScreen(mercX(t.lon), mercY(t.lat));
      const cls = t.c ? t.c.class : 'unknown';
      const s = symbol(cls, affiliation(t, affs));
      ctx.drawImage(s.canvas, sx - s.ax, sy - s.ay);
      if (marks.selected.has(t.id) || marks.open.has(t.id)) {
        ctx.strokeStyle = marks.selected.has(t.id) ? '#ffffff' : '#ff4d4d';
        ctx.lineWidth = 2;
        ctx.beginPath(); ctx.arc(sx, sy, 14, 0, 2 * Math.PI); ctx.stroke();
      }
      if (t.id === state.selected) {
        ctx.strokeStyle = '#4fa3ff'; ctx.lineWidth = 2;
        ctx.strokeRect(sx - 16, sy - 16, 32, 32);
      }
      if (labels || t.id === state.selected || marks.open.has(t.id)) {
        wanted.push({ t, cls, sx, sy, rank: t.id === state.selected ? 0 : marks.open.has(t.id) ? 1 : 2 });
      }
    }
    drawLabels(wanted);
  }

  // Labels are placed in order of importance (the selected track, alerted tracks, the
  // rest) at the first of four spots beside the symbol that no earlier label covers;
  // a label with no free spot is left out, except the selected track's. Tracks flying
  // in formation would otherwise print their labels over one another.
  const LABEL_SPOTS = [[12, -16], [-12, -16], [12, 10], [-12, 10]]; // [dx, top], dx < 0: left
  function drawLabels(wanted) {
    wanted.sort((a, b) => a.rank - b.rank || a.t.id - b.t.id);
    const cell = 64;
    const grid = new Map();
    const cells = (r, f) => {
      for (let gx = Math.floor(r[0] / cell); gx <= Math.floor(r[2] / cell); gx += 1) {
        for (let gy = Math.floor(r[1] / cell); gy <= Math.floor(r[3] / cell); gy += 1) {
          if (f(`${gx},${gy}`)) return true;
        }
      }
      return false;
    };
    const hits = (r) => cells(r, (k) => (grid.get(k) || []).some((o) => r[0] < o[2] && o[0] < r[2] && r[1] < o[3] && o[1] < r[3]));
    ctx.font = '11px system-ui';
    for (const w of wanted) {
      const speed = Math.hypot(w.t.v[0], w.t.v[1]);
      const line1 = `${w.t.id} ${CLASS_LABEL[w.cls]}`;
      const line2 = `${Math.round(w.t.alt)} m  ${Math.round(speed)} m/s`;
      const width = Math.max(ctx.measureText(line1).width, ctx.measureText(line2).width);
      let rect = null;
      for (const [dx, top] of LABEL_SPOTS) {
        const x0 = dx > 0 ? w.sx + dx : w.sx + dx - width;
        const r = [x0, w.sy + top, x0 + width, w.sy + top + 26];
        if (!hits(r)) { rect = r; break; }
      }
      if (!rect) {
        if (w.rank > 0) continue;
        rect = [w.sx + 12, w.sy - 16, w.sx + 12 + width, w.sy + 10];
      }
      cells(rect, (k) => { if (!grid.has(k)) grid.set(k, []); grid.get(k).push(rect); return false; });
      ctx.fillStyle = '#e8eef4';
      ctx.fillText(line1, rect[0], rect[1] + 10);
      ctx.fillStyle = '#9fb0c0';
      ctx.fillText(line2, rect[0], rect[1] + 23);
    }
  }

  function drawReplayFrame() {
    const f = state.frames[state.replay];
    if (!f) return;
    // Trails from the frames before, by id.
    const from = Math.max(0, state.replay - TRAIL_S);
    const trails = new Map();
    for (let k = from; k <= state.replay; k += 1) {
      const g = state.frames[k];
      for (let i = 0; i < g.ids.length; i += 1) {
        if (!Number.isFinite(g.lat[i])) continue;
        let tr = trails.get(g.ids[i]);
        if (!tr) { tr = []; trails.set(g.ids[i], tr); }
        tr.push([g.lon[i], g.lat[i]]);
      }
    }
    ctx.strokeStyle = 'rgba(220, 230, 240, 0.45)'; ctx.lineWidth = 1;
    ctx.beginPath();
    for (const tr of trails.values()) {
      tr.forEach(([lon, lat], i) => { const [sx, sy] = toScreen(mercX(lon), mercY(lat)); if (i === 0) ctx.moveTo(sx, sy); else ctx.lineTo(sx, sy); });
    }
    ctx.stroke();
    const affName = ['U', 'N', 'S', 'H'];
    for (let i = 0; i < f.ids.length; i += 1) {
      if (!Number.isFinite(f.lat[i])) continue;
      const cls = CLASSES[f.cls[i]] || 'unknown';
      if (!state.filters.classes.has(cls)) continue;
      const [sx, sy] = toScreen(mercX(f.lon[i]), mercY(f.lat[i]));
      const s = symbol(cls, affName[f.aff[i]]);
      ctx.drawImage(s.canvas, sx - s.ax, sy - s.ay);
    }
  }

  let drawPending = false;
  function requestDraw() {
    if (drawPending) return;
    drawPending = true;
    requestAnimationFrame(draw);
  }

  function draw() {
    drawPending = false;
    const t0 = performance.now();
    if (basemap.dirty) drawBasemap();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(basemap.canvas, 0, 0);
    ctx.setTransform(view.dpr, 0, 0, view.dpr, 0, 0);
    drawSensors();
    // Over the sensors' coverage shading, which would tint it, under the border line.
    drawPlan();
    drawZones();
    if (state.replay != null) drawReplayFrame(); else drawTracks();
    const ms = performance.now() - t0;
    state.stats.lastFrameMs = ms;
    state.stats.frameMs.push(ms);
    if (state.stats.frameMs.length > 120) state.stats.frameMs.shift();
    const km = Math.round(100 / pxPerM(latOf(view.cy)) / 1000);
    $('legend').textContent = `100 px ≈ ${km} km · drag to pan, wheel to zoom · draw ${ms.toFixed(1)} ms`;
  }

  // ---------- interaction ----------
  let drag = null;
  canvas.addEventListener('mousedown', (e) => { drag = { x: e.clientX, y: e.clientY, cx: view.cx, cy: view.cy, moved: false }; canvas.classList.add('dragging'); });
  window.addEventListener('mousemove', (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x; const dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
    view.cx = drag.cx - dx / view.scale; view.cy = drag.cy + dy / view.scale;
    basemap.dirty = true; requestDraw();
  });
  window.addEventListener('mouseup', (e) => {
    if (!drag) return;
    const moved = drag.moved;
    drag = null; canvas.classList.remove('dragging');
    if (!moved) pick(e);
  });
  canvas.addEventListener('wheel', (e) => {
    e.preventDefault();
    const r = canvas.getBoundingClientRect();
    const [mx, my] = fromScreen(e.clientX - r.left, e.clientY - r.top);
    const f = Math.exp(-e.deltaY * 0.0015);
    view.scale = Math.min(5e7, Math.max(50, view.scale * f));
    // Keep the point under the cursor where it is.
    const [nx, ny] = fromScreen(e.clientX - r.left, e.clientY - r.top);
    view.cx += mx - nx; view.cy += my - ny;
    basemap.dirty = true; requestDraw();
  }, { passive: false });

  function pick(e) {
    const r = canvas.getBoundingClientRect();
    const px = e.clientX - r.left; const py = e.clientY - r.top;
    let best = null; let bestD = 14;
    for (const t of state.tracks.values()) {
      if (t.lat == null || !visible(t)) continue;
      const [sx, sy] = toScreen(mercX(t.lon), mercY(t.lat));
      const d = Math.hypot(sx - px, sy - py);
      if (d < bestD) { bestD = d; best = t.id; }
    }
    state.selected = best;
    renderDetail();
    requestDraw();
  }

  function selectTrack(id, centre) {
    state.selected = id;
    const t = state.tracks.get(id);
    if (t && centre && t.lat != null) { view.cx = mercX(t.lon); view.cy = mercY(t.lat); basemap.dirty = true; }
    renderDetail();
    requestDraw();
  }

  // ---------- panels ----------
  function buildFilters() {
    const box = $('class-filters');
    box.textContent = '';
    for (const c of CLASSES) {
      const l = document.createElement('label');
      const i = document.createElement('input');
      i.type = 'checkbox'; i.checked = true; i.dataset.cls = c; i.id = `show-${c}`;
      i.addEventListener('change', () => {
        if (i.checked) state.filters.classes.add(c); else state.filters.classes.delete(c);
        requestDraw();
      });
      l.append(i, ` ${CLASS_LABEL[c]}`);
      box.append(l);
    }
    $('identity-filter').addEventListener('change', (e) => { state.filters.identity = e.target.value; requestDraw(); });
    $('sensor-filter').addEventListener('change', (e) => { state.filters.sensor = e.target.value; requestDraw(); });
  }

  function buildSensorFilter() {
    const sel = $('sensor-filter');
    const have = new Set([...sel.options].map((o) => o.value));
    for (const s of state.sensors) {
      if (have.has(s.sensor)) continue;
      const o = document.createElement('option');
      o.value = s.sensor; o.textContent = `seen by ${s.sensor}`;
      sel.append(o);
    }
  }

  function renderSensors() {
    const tb = $('sensor-table');
    tb.textContent = '';
    for (const s of state.sensors) {
      const tr = document.createElement('tr');
      const cells = [s.sensor, s.kind, s.health.replace('_', ' '), `${s.rate_per_s.toFixed(1)}/s`,
        s.age_s == null ? 'never' : `${s.age_s.toFixed(0)} s ago`];
      cells.forEach((v, i) => {
        const td = document.createElement('td');
        td.textContent = v;
        if (i === 2) td.className = `health-${s.health}`;
        tr.append(td);
      });
      tb.append(tr);
    }
  }

  const STATE_ORDER = { new: 0, updated: 1, acknowledged: 2, closed: 3 };
  // One list item per alert, kept across updates and only moved when the order
  // changes: an operator's click must land on the alert it was aimed at, even while
  // the feed updates the list every second.
  const alertNodes = new Map();
  function alertNode(id) {
    let n = alertNodes.get(id);
    if (n) return n;
    const li = document.createElement('li');
    li.dataset.alert = id;
    const head = document.createElement('div'); head.className = 'head';
    const kind = document.createElement('span');
    const st = document.createElement('span'); st.className = 'state alert-state';
    head.append(kind, st);
    const reason = document.createElement('div'); reason.className = 'reason';
    const meta = document.createElement('div'); meta.className = 'meta';
    const info = document.createElement('span');
    const button = document.createElement('button');
    button.type = 'button'; button.textContent = 'Acknowledge'; button.className = 'ack';
    button.addEventListener('click', (ev) => { ev.stopPropagation(); acknowledge(id, button); });
    meta.append(info, button);
    li.append(head, reason, meta);
    li.addEventListener('click', () => {
      const a = state.alerts.get(id);
      state.selectedAlert = id;
      // The alert lists every track it ever concerned; show the newest still alive.
      const live = a ? a.tracks.filter((t) => state.tracks.has(t)) : [];
      if (live.length) selectTrack(live[live.length - 1], true);
      renderAlerts();
      requestDraw();
    });
    n = { li, kind, st, reason, info, button };
    alertNodes.set(id, n);
    return n;
  }

  function renderAlerts(fresh = []) {
    const list = [...state.alerts.values()].sort((a, b) => (a.state === 'closed') - (b.state === 'closed')
      || a.priority - b.priority || STATE_ORDER[a.state] - STATE_ORDER[b.state] || b.alert - a.alert);
    const operator = state.me && state.me.role === 'operator';
    if (fresh.length) {
      state.freshUntil = state.freshUntil || new Map();
      for (const id of fresh) state.freshUntil.set(id, performance.now() + 4000);
    }
    for (const [id, n] of alertNodes) {
      if (!state.alerts.has(id)) { n.li.remove(); alertNodes.delete(id); }
    }
    const ol = $('alert-list');
    list.forEach((a, i) => {
      const n = alertNode(a.alert);
      const fl = state.freshUntil && state.freshUntil.get(a.alert) > performance.now();
      n.li.className = `p${a.priority} ${a.state}${fl ? ' fresh' : ''}${state.selectedAlert === a.alert ? ' selected' : ''}`;
      n.kind.textContent = `P${a.priority} ${a.kind.replaceAll('_', ' ')}`;
      n.st.textContent = a.state;
      n.reason.textContent = a.reason;
      n.info.textContent = `#${a.alert} · tracks ${a.tracks.join(', ')} · t ${fmtTime(a.time_s)}${a.acknowledged_by ? ` · ack ${a.acknowledged_by}` : ''}`;
      n.button.hidden = !(operator && (a.state === 'new' || a.state === 'updated'));
      if (ol.children[i] !== n.li) ol.insertBefore(n.li, ol.children[i] || null);
    });
    $('alert-count').textContent = `(${list.filter((a) => a.state !== 'closed').length} open)`;
  }

  async function acknowledge(id, button) {
    button.disabled = true;
    const r = await api(`/ui/alerts/${id}/ack`, { method: 'POST' });
    if (r.ok) {
      const a = await r.json();
      state.alerts.set(a.alert, a);
      renderAlerts();
    } else {
      button.disabled = false;
      showBanner(`Acknowledging alert ${id} failed: ${(await r.text()).trim()}`);
    }
  }

  function renderDetail() {
    const box = $('track-detail');
    const t = state.selected != null ? state.tracks.get(state.selected) : null;
    $('detail').hidden = state.selected == null;
    if (!t) {
      box.className = 'muted';
      box.textContent = `Track ${state.selected} has ended.`;
      return;
    }
    box.className = '';
    box.textContent = '';
    const c = t.c || {};
    const title = document.createElement('div');
    const strong = document.createElement('strong');
    strong.textContent = `Track ${t.id}: ${CLASS_LABEL[c.class || 'unknown']}`;
    strong.id = 'detail-title';
    title.append(strong);
    box.append(title);
    if (c.class_prob) {
      for (const k of CLASSES) {
        const row = document.createElement('div'); row.className = 'bar';
        const name = document.createElement('span'); name.textContent = CLASS_LABEL[k];
        const track = document.createElement('div');
        const fill = document.createElement('div'); fill.className = 'fill';
        fill.style.width = `${Math.round(100 * c.class_prob[k])}%`;
        track.append(fill);
        const val = document.createElement('span'); val.className = 'val'; val.textContent = c.class_prob[k].toFixed(2);
        row.append(name, track, val);
        box.append(row);
      }
    }
    const speed = Math.hypot(t.v[0], t.v[1]);
    const heading = ((Math.atan2(t.v[0], t.v[1]) * 180) / Math.PI + 360) % 360;
    const rows = [
      ['evidence', (c.class_evidence || []).map((e) => `${e.evidence.replaceAll('_', ' ')} (${e.weight_nats.toFixed(2)})`).join(', ') || 'none yet'],
      ['identity', c.identity ? `${c.identity.source} ${c.identity.id}${c.identity.callsign ? ` ${c.identity.callsign}` : ''}` : 'none (non-cooperative)'],
      ['flags', (c.flags || []).join(', ') || 'none'],
      ['sensors', (c.sensors || []).join(', ') || '—'],
      ['position', `${t.lat.toFixed(5)}, ${t.lon.toFixed(5)} ± ${t.sh.toFixed(0)} m`],
      ['height', `${Math.round(t.alt)} m (ellipsoid)`],
      ['speed', `${speed.toFixed(1)} m/s, heading ${heading.toFixed(0)}°, climb ${t.v[2].toFixed(1)} m/s`],
      ['existence', c.existence != null ? c.existence.toFixed(2) : '—'],
      ['updates', String(c.updates ?? '—')],
      ['history', `seen since t ${fmtTime(t.firstSeen)}; ${t.history.map(([when, k]) => `${fmtTime(when)} ${CLASS_LABEL[k]}`).join(' → ')}`],
    ];
    const table = document.createElement('table');
    for (const [k, v] of rows) {
      const tr = document.createElement('tr');
      const a = document.createElement('td'); a.textContent = k;
      const b = document.createElement('td'); b.textContent = v;
      if (k === 'flags' && c.flags && c.flags.length) b.className = 'flag';
      tr.append(a, b);
      table.append(tr);
    }
    box.append(table);
  }

  // A short tone for a new alert (browsers allow sound after the login click).
  let audio = null;
  function beep() {
    try {
      audio = audio || new AudioContext();
      const o = audio.createOscillator(); const g = audio.createGain();
      o.frequency.value = 880; g.gain.value = 0.08;
      o.connect(g); g.connect(audio.destination);
      o.start(); o.stop(audio.currentTime + 0.15);
    } catch (_) { /* no sound device: the highlight remains */ }
  }

  function fmtTime(s) {
    if (s == null) return '--';
    const m = Math.floor(s / 60); const r = s - 60 * m;
    return `${m}:${r.toFixed(0).padStart(2, '0')}`;
  }

  $('detail-close').addEventListener('click', () => { state.selected = null; renderDetail(); requestDraw(); });

  // Where a track is drawn, in CSS pixels of the map canvas (for the browser test).
  state.screenOf = (id) => {
    const t = state.tracks.get(id);
    if (!t || t.lat == null) return null;
    const [x, y] = toScreen(mercX(t.lon), mercY(t.lat));
    return { x, y, inside: x > 0 && y > 0 && x < view.w && y < view.h };
  };

  state.zonesProjected = [];
  start();
})();
