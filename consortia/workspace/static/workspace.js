// The consortia planning workspace: the page talks only to the server that served it.
(function(){
"use strict";
var TOKEN = document.querySelector('meta[name="workspace-token"]').content;
var svg = document.getElementById('map');
var wrap = document.getElementById('mapwrap');
var tip = document.getElementById('tip');
var home = svg.getAttribute('viewBox').split(/\s+/).map(Number);
var view = home.slice();
var trustEls = {};
Array.prototype.forEach.call(document.querySelectorAll('#trusts .trust'), function(el){ trustEls[el.dataset.code] = el; });
var info = null, state = null, current = null, selected = null, polling = null, renders = 0;
var TERMS = {timing: 'Timing', distance: 'Distance', shortfall: 'Cover shortfall', subspecialty_gap: 'Weekend gaps',
             standalone: 'Standalone', moved: 'Moved trusts', procurement: 'Procurements', contract: 'Contracts',
             integration: 'Integration', extension: 'Extensions', early_exit: 'Early exits', travel: 'Travel',
             boundary: 'Boundaries'};

function $(id){ return document.getElementById(id); }
function esc(s){ return String(s).replace(/[&<>"']/g, function(ch){ return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[ch]; }); }
function money(){ return !!(info && info.unit === 'GBP'); }
function pounds(v){ var r = Math.round(Math.abs(Number(v))); return (Number(v) <= -0.5 ? '-' : '') + '\u00a3' + r.toLocaleString('en-GB'); }
function num(v, d){ if (v === null || v === undefined) return '\u2013'; if (money()) return pounds(v); return Number(v).toFixed(d === undefined ? 2 : d); }
function signed(v){ if (v === null || v === undefined) return '\u2013'; if (money()) return (v >= 0.5 ? '+' : '') + pounds(v); var s = Number(v).toFixed(2); return (v > 0.005 ? '+' : '') + (s === '-0.00' ? '0.00' : s); }
function month(iso){ if (!iso) return 'cheapest'; var d = new Date(iso + 'T00:00:00Z'); return d.toLocaleDateString('en-GB', {month: 'short', year: 'numeric', timeZone: 'UTC'}); }
function say(text, bad){ var el = $('status'); el.textContent = text || ''; el.className = 'sub ' + (bad ? 'msg-bad' : 'msg-ok'); }

function api(method, path, body){
  var opts = {method: method, headers: {'X-Workspace-Token': TOKEN}};
  if (body !== undefined) { opts.headers['Content-Type'] = 'application/json'; opts.body = JSON.stringify(body); }
  document.body.dataset.busy = '1';
  return fetch(path, opts).then(function(r){
    return r.json().then(function(j){
      document.body.dataset.busy = '0';
      if (!r.ok) { throw new Error(j.error || ('HTTP ' + r.status)); }
      return j;
    });
  }, function(e){ document.body.dataset.busy = '0'; throw new Error('the workspace server does not answer (' + e.message + ')'); });
}
function fail(e){ say(e.message, true); document.body.dataset.busy = '0'; }

// ---- map: pan and zoom like map.html ---------------------------------------------------------
function pxPerUnit(){ var r = svg.getBoundingClientRect(); return Math.min(r.width / view[2], r.height / view[3]) || 1; }
function apply(){
  svg.setAttribute('viewBox', view.join(' '));
  var k = 1 / pxPerUnit();
  Object.keys(trustEls).forEach(function(c){ var el = trustEls[c]; el.setAttribute('transform', 'translate(' + el.dataset.x + ' ' + el.dataset.y + ') scale(' + k + ')'); });
  declutter(k);
}
function declutter(k){
  var boxes = [], ppu = 1 / k;
  var labels = Array.prototype.slice.call(document.querySelectorAll('#labels .clabel'));
  labels.sort(function(a, b){ return (b.dataset.n - a.dataset.n) || (a.dataset.c < b.dataset.c ? -1 : 1); });
  labels.forEach(function(el){
    el.setAttribute('transform', 'translate(' + el.dataset.x + ' ' + el.dataset.y + ') scale(' + k + ')');
    var sx = (el.dataset.x - view[0]) * ppu, sy = (el.dataset.y - view[1]) * ppu;
    var w = 7.8 * (el.dataset.c.length + 11) + 6, h = 19;
    var b = [sx - w / 2, sy - 6 - h, sx + w / 2, sy - 4];
    var clash = boxes.some(function(o){ return b[0] < o[2] && b[2] > o[0] && b[1] < o[3] && b[3] > o[1]; });
    el.classList.toggle('off', clash);
    if (!clash) boxes.push(b);
  });
}
function zoomAt(f, cx, cy){
  var r = svg.getBoundingClientRect(), ppu = pxPerUnit();
  var offx = (r.width - view[2] * ppu) / 2, offy = (r.height - view[3] * ppu) / 2;
  var ux = view[0] + (cx - r.left - offx) / ppu, uy = view[1] + (cy - r.top - offy) / ppu;
  var nw = Math.max(2, Math.min(home[2] * 4, view[2] / f)), nh = view[3] * nw / view[2];
  view = [ux - (ux - view[0]) * nw / view[2], uy - (uy - view[1]) * nh / view[3], nw, nh];
  apply();
}
wrap.addEventListener('wheel', function(e){ e.preventDefault(); zoomAt(e.deltaY < 0 ? 1.25 : 0.8, e.clientX, e.clientY); }, {passive: false});
var drag = null;
wrap.addEventListener('pointerdown', function(e){
  if (e.target.closest && (e.target.closest('button') || e.target.closest('.trust'))) return;
  drag = {x: e.clientX, y: e.clientY, v: view.slice()};
  wrap.classList.add('dragging');
});
wrap.addEventListener('pointermove', function(e){
  if (!drag) return;
  var ppu = pxPerUnit();
  view = [drag.v[0] - (e.clientX - drag.x) / ppu, drag.v[1] - (e.clientY - drag.y) / ppu, drag.v[2], drag.v[3]];
  apply();
});
function endDrag(){ drag = null; wrap.classList.remove('dragging'); }
wrap.addEventListener('pointerup', endDrag);
wrap.addEventListener('pointerleave', endDrag);
$('zin').onclick = function(){ var r = svg.getBoundingClientRect(); zoomAt(1.5, r.left + r.width / 2, r.top + r.height / 2); };
$('zout').onclick = function(){ var r = svg.getBoundingClientRect(); zoomAt(1 / 1.5, r.left + r.width / 2, r.top + r.height / 2); };
$('zhome').onclick = function(){ view = home.slice(); apply(); };
window.addEventListener('resize', apply);

function showTip(html, e){
  var r = wrap.getBoundingClientRect();
  tip.innerHTML = html; tip.style.display = 'block';
  var x = e.clientX - r.left + 14, y = e.clientY - r.top + 14;
  if (x + 290 > r.width) x = e.clientX - r.left - 290;
  tip.style.left = x + 'px'; tip.style.top = y + 'px';
}
Object.keys(trustEls).forEach(function(code){
  var el = trustEls[code];
  el.addEventListener('pointerenter', function(e){
    if (!state) return;
    var t = trustOf(code), c = consortiumOf(t.c);
    showTip('<b>' + esc(t.name) + '</b> (' + esc(code) + ')<br>' + (c && c.standalone ? 'standalone' : 'consortium ' + esc(t.c)) +
            ' \u00b7 go-live ' + esc(month(c && c.go_live)) + '<br>contract ends ' + esc(t.contract_end) +
            (c && c.broken.length ? '<br><b>' + c.broken.length + ' broken rule' + (c.broken.length > 1 ? 's' : '') + '</b>' : ''), e);
  });
  el.addEventListener('pointerleave', function(){ tip.style.display = 'none'; });
  el.addEventListener('click', function(){ select(code); });
  el.addEventListener('keydown', function(e){ if (e.key === 'Enter' || e.key === ' ') select(code); });
});

// ---- state -------------------------------------------------------------------------------------
function trustOf(code){ for (var i = 0; i < state.trusts.length; i++) if (state.trusts[i].code === code) return state.trusts[i]; return null; }
function consortiumOf(id){ for (var i = 0; i < state.consortia.length; i++) if (state.consortia[i].id === id) return state.consortia[i]; return null; }
function select(code){ selected = code; render(); }

function load(name){
  return api('GET', '/api/state?proposal=' + encodeURIComponent(name)).then(function(s){ current = name; state = s; render(); });
}
function edit(path, body, quiet){
  body.proposal = current;
  return api('POST', path, body).then(function(r){ state = r.state; if (!quiet) say(r.done ? 'Done: ' + r.done : 'Nothing to do'); render(); }).catch(fail);
}

function render(){
  var s = state;
  renderMap(s);
  renderTabs(s);
  $('undo').disabled = !s.undo; $('undo').title = s.undo ? 'Undo: ' + s.undo + ' (Ctrl+Z)' : 'Nothing to undo';
  $('redo').disabled = !s.redo; $('redo').title = s.redo ? 'Redo: ' + s.redo + ' (Ctrl+Y)' : 'Nothing to redo';
  $('delete').disabled = s.proposals.length < 2;
  renderVerdict(s); renderCost(s); renderTrust(s); renderConsortia(s); renderLocks(s); renderDistance(s); renderJob(s.job);
  $('cmp-a').textContent = s.proposal;
  var b = $('cmp-b'), keep = b.value;
  b.innerHTML = s.proposals.filter(function(n){ return n !== s.proposal; }).map(function(n){ return '<option>' + esc(n) + '</option>'; }).join('');
  if (keep && s.proposals.indexOf(keep) >= 0 && keep !== s.proposal) b.value = keep;
  $('cmp').disabled = s.proposals.length < 2;
  if (!$('save-name').value || $('save-name').dataset.auto === '1') { $('save-name').value = s.proposal; $('save-name').dataset.auto = '1'; }
  renders += 1;
  document.body.dataset.render = String(renders);
  document.body.dataset.ready = '1';
}

function renderMap(s){
  var hulls = $('hulls'), labels = $('labels'), NS = 'http://www.w3.org/2000/svg';
  hulls.textContent = ''; labels.textContent = '';
  var moved = {}; s.moved_by_solver.forEach(function(t){ moved[t] = true; });
  s.consortia.forEach(function(c){
    if (c.standalone || !c.path) return;
    var p = document.createElementNS(NS, 'path');
    p.setAttribute('d', c.path); p.setAttribute('class', 'consortium-shape' + (c.broken.length ? ' broken' : ''));
    p.dataset.c = c.id; p.style.fill = c.colour; p.style.stroke = c.colour;
    p.addEventListener('pointerenter', function(e){ p.classList.add('hl'); showTip('<b>' + esc(c.id) + '</b> \u00b7 go-live ' + esc(month(c.go_live)) + ' \u00b7 ' + c.n + ' trusts' + (c.broken.length ? '<br><b>' + c.broken.length + ' broken rule(s)</b>' : ''), e); });
    p.addEventListener('pointerleave', function(){ p.classList.remove('hl'); tip.style.display = 'none'; });
    p.addEventListener('click', function(){ var row = document.querySelector('.crow[data-c="' + CSS.escape(c.id) + '"]'); if (row) row.scrollIntoView({block: 'nearest'}); });
    hulls.appendChild(p);
    var g = document.createElementNS(NS, 'g');
    g.setAttribute('class', 'clabel'); g.dataset.c = c.id; g.dataset.x = c.x; g.dataset.y = c.y; g.dataset.n = c.n;
    var text = c.id + ' \u00b7 ' + month(c.go_live) + (c.broken.length ? ' \u26a0' : '');
    g.innerHTML = '<text class="halo" text-anchor="middle" dx="6" dy="-9"></text><text text-anchor="middle" dx="6" dy="-9"' + (c.broken.length ? ' class="warn"' : '') + '></text>' +
                  '<rect class="key" x="' + (-3.4 * text.length - 8) + '" y="-19" width="10" height="10" rx="2"/>';
    g.querySelectorAll('text').forEach(function(t){ t.textContent = text; });
    g.querySelector('rect').style.fill = c.colour;
    labels.appendChild(g);
  });
  s.trusts.forEach(function(t){
    var el = trustEls[t.code]; if (!el) return;
    var c = consortiumOf(t.c);
    el.dataset.c = t.c;
    el.classList.toggle('alone', !!(c && c.standalone));
    el.classList.toggle('brk', !!(c && c.broken.length));
    el.classList.toggle('moved', !!moved[t.code]);
    el.classList.toggle('sel', t.code === selected);
    el.querySelector('circle').style.fill = c ? c.colour : '#6b6b6b';
  });
  apply();
}

function renderTabs(s){
  var total = s.consortia.length;
  $('subtitle').textContent = s.trusts.length + ' trusts \u00b7 ' + s.consortia.filter(function(c){ return !c.standalone; }).length +
    ' consortia \u00b7 ' + s.consortia.filter(function(c){ return c.standalone; }).length + ' standalone \u00b7 proposal from ' + s.origin;
  $('tabs').innerHTML = s.proposals.map(function(n){
    return '<button role="tab" data-p="' + esc(n) + '" class="' + (n === s.proposal ? 'on' : '') + '" aria-selected="' + (n === s.proposal) + '">' + esc(n) + '</button>';
  }).join('');
  Array.prototype.forEach.call($('tabs').querySelectorAll('button'), function(b){ b.onclick = function(){ load(b.dataset.p).catch(fail); }; });
  return total;
}

function renderVerdict(s){
  var html;
  if (s.ok) html = '<div class="okbox" id="verdict-text">Every rule kept \u2014 this proposal passes consortia check</div>';
  else {
    html = '<div class="badbox" id="verdict-text">' + s.violations.length + ' broken rule' + (s.violations.length > 1 ? 's' : '') + ' \u2014 consortia check would reject this proposal</div>';
    if (s.general.length) html += '<ul>' + s.general.map(function(v){ return '<li>' + esc(v) + '</li>'; }).join('') + '</ul>';
    var where = s.consortia.filter(function(c){ return c.broken.length; });
    if (where.length) html += '<div class="sub">Broken in ' + where.map(function(c){ return '<a href="#" class="goto" data-c="' + esc(c.id) + '">' + esc(c.id) + ' (' + c.broken.length + ')</a>'; }).join(', ') + ' \u2014 the rules are listed under each consortium.</div>';
  }
  $('verdict').innerHTML = html;
  Array.prototype.forEach.call(document.querySelectorAll('#verdict .goto'), function(a){
    a.onclick = function(e){ e.preventDefault(); var row = document.querySelector('.crow[data-c="' + CSS.escape(a.dataset.c) + '"]'); if (row) row.scrollIntoView({block: 'start'}); };
  });
}

function renderCost(s){
  var keys = Object.keys(s.terms);
  var rows = keys.map(function(k){
    var a = s.before.terms[k] || 0, b = s.terms[k] || 0, d = b - a;
    var unit = info.units[k] ? info.weights[k] + ' ' + info.units[k] : '';
    return '<tr><td title="' + (unit ? 'weight ' + esc(unit) : 'in pounds') + '">' + esc(TERMS[k] || k) + (unit ? ' <span class="sub">(' + esc(unit) + ')</span>' : '') + '</td><td>' + num(a) + '</td><td>' + num(b) + '</td><td class="' + (d > 0.005 ? 'up' : d < -0.005 ? 'down' : '') + '">' + signed(d) + '</td></tr>';
  });
  var d = s.objective - s.before.objective;
  $('cost').innerHTML = (info.headline ? '<div class="box" id="plan-headline">' + esc(info.headline) + '</div>' : '') +
    '<h2>' + (money() ? 'Cost over the term, pounds (lower is better)' : 'Objective (lower is better)') + '</h2><table><tr><th>term</th><th>at start</th><th>now</th><th>change</th></tr>' + rows.join('') +
    '<tr class="total"><td>' + (money() ? 'Cost' : 'Objective') + '</td><td>' + num(s.before.objective, 3) + '</td><td id="objective-now">' + num(s.objective, 3) + '</td><td class="' + (d > 0.0005 ? 'up' : d < -0.0005 ? 'down' : '') + '">' + signed(d) + '</td></tr></table>' +
    '<div class="sub">At start: ' + esc(s.origin) + (s.before.ok ? ' (keeps every rule)' : ' (' + s.before.n_broken + ' broken rules)') + '. ' +
    s.moved_since_start.length + ' trust' + (s.moved_since_start.length === 1 ? '' : 's') + ' moved since.</div>';
}

function consortiumOptions(s, except){
  var opts = s.consortia.filter(function(c){ return c.id !== except; }).map(function(c){
    return '<option value="' + esc(c.id) + '">' + esc(c.id) + (c.standalone ? ' (alone: ' + esc(c.members[0]) + ')' : ' (' + c.n + ' trusts)') + '</option>';
  });
  return '<option value="new">a new consortium</option>' + opts.join('');
}

function renderTrust(s){
  var box = $('trustbox');
  if (!selected || !trustOf(selected)) { box.innerHTML = '<div class="sub">Click a trust on the map (or a code in the list below) to move it or lock it.</div>'; return; }
  var t = trustOf(selected), c = consortiumOf(t.c);
  var lockNote = t.locked ? (t.kept_with.length ? 'locked with ' + t.kept_with.join(' ') : 'locked alone: lock another trust of ' + t.c + ' to keep them together') : '';
  box.innerHTML = '<h2>' + esc(t.name) + ' <span class="sub">(' + esc(t.code) + ')</span></h2>' +
    '<div>' + (c.standalone ? 'Standalone' : 'In consortium <b>' + esc(t.c) + '</b> with ' + esc(c.members.filter(function(m){ return m !== t.code; }).join(' '))) +
    ' \u00b7 contract ends ' + esc(t.contract_end) + (t.region ? ' \u00b7 ' + esc(t.region) : '') + '</div>' +
    '<div class="bar"><label>Move to <select id="move-target">' + consortiumOptions(s, t.c) + '</select></label><button id="move" class="primary">Move</button>' +
    '<button id="lock-trust" aria-pressed="' + t.locked + '" title="Keep this trust with the other trusts locked in its consortium (directives.together)">' + (t.locked ? 'Locked in ' + esc(t.c) : 'Lock in ' + esc(t.c)) + '</button></div>' +
    (lockNote ? '<div class="sub">' + esc(lockNote) + '</div>' : '') +
    (c.broken.length ? '<div class="bad">' + esc(t.c) + ' breaks ' + c.broken.length + ' rule' + (c.broken.length > 1 ? 's' : '') + ':</div><ul class="broken">' + c.broken.map(function(v){ return '<li>' + esc(v) + '</li>'; }).join('') + '</ul>' : '');
  $('move').onclick = function(){ edit('/api/move', {trust: t.code, to: $('move-target').value}); };
  $('lock-trust').onclick = function(){ edit('/api/lock', {kind: 'trust', trust: t.code, on: !t.locked}); };
}

function renderConsortia(s){
  var opts = info.go_lives.map(function(g){ return '<option value="' + g + '">' + esc(month(g)) + '</option>'; }).join('');
  var lockedTrust = {}; s.trusts.forEach(function(t){ if (t.locked) lockedTrust[t.code] = true; });
  var html = '<h2>Consortia</h2>';
  s.consortia.forEach(function(c){
    var sel = selected && c.members.indexOf(selected) >= 0;
    html += '<div class="crow' + (sel ? ' sel' : '') + '" data-c="' + esc(c.id) + '"><div class="head">' +
      '<span class="sw' + (c.standalone ? ' alone' : '') + '" style="background:' + (c.standalone ? '#fff' : esc(c.colour)) + '"></span>' +
      '<span class="cid">' + esc(c.id) + '</span>' +
      '<select class="golive" aria-label="Go-live of ' + esc(c.id) + '"><option value="">cheapest' + (c.go_live && !c.go_live_given ? ' (' + esc(month(c.go_live)) + ')' : '') + '</option>' + opts + '</select>' +
      '<button class="lock-c" aria-pressed="' + c.locked + '" title="Keep this consortium exactly as it is (directives.fixed)">' + (c.locked ? 'Locked' : 'Lock') + '</button>' +
      '<button class="lock-g" aria-pressed="' + c.go_live_locked + '" title="Keep this go-live (directives.fixed go_live, or a pin per member)">' + (c.go_live_locked ? 'Date locked' : 'Lock date') + '</button>' +
      (selected && !sel ? '<button class="here" title="Move ' + esc(selected) + ' into ' + esc(c.id) + '">+ ' + esc(selected) + '</button>' : '') +
      (c.broken.length ? '<span class="bad">' + c.broken.length + ' broken</span>' : '') + '</div>' +
      '<div class="members">' + c.members.map(function(m){ return '<span class="code' + (lockedTrust[m] ? ' locked' : '') + (m === selected ? ' sel' : '') + '" data-code="' + esc(m) + '" title="' + (lockedTrust[m] ? 'locked in ' + esc(c.id) : 'select') + '">' + esc(m) + (lockedTrust[m] ? '\u00b7locked' : '') + '</span>'; }).join('') + '</div>' +
      (c.broken.length ? '<ul class="broken">' + c.broken.map(function(v){ return '<li>' + esc(v) + '</li>'; }).join('') + '</ul>' : '') + '</div>';
  });
  $('consortia').innerHTML = html;
  Array.prototype.forEach.call(document.querySelectorAll('.crow'), function(row){
    var c = consortiumOf(row.dataset.c);
    var g = row.querySelector('.golive');
    g.value = c.go_live_given ? c.go_live : '';
    g.onchange = function(){ edit('/api/go_live', {consortium: c.id, go_live: g.value || null}); };
    row.querySelector('.lock-c').onclick = function(){ edit('/api/lock', {kind: 'consortium', consortium: c.id, on: !c.locked}); };
    row.querySelector('.lock-g').onclick = function(){ edit('/api/lock', {kind: 'go_live', consortium: c.id, on: !c.go_live_locked}); };
    var here = row.querySelector('.here');
    if (here) here.onclick = function(){ edit('/api/move', {trust: selected, to: c.id}); };
    Array.prototype.forEach.call(row.querySelectorAll('.code'), function(el){ el.onclick = function(){ select(el.dataset.code); }; });
  });
}

function renderLocks(s){
  var box = $('locks');
  if (!s.has_locks) { box.innerHTML = '<h2>Locks</h2><div class="sub">Nothing locked. Lock a consortium, a trust in its consortium, or a go-live; the solver then plans around them.</div>'; return; }
  box.innerHTML = '<h2>Locks, as scenario directives</h2>' +
    (s.lone_locks.length ? '<div class="sub msg-bad">Locked alone (no effect until a second trust of the same consortium is locked): ' + esc(s.lone_locks.join(' ')) + '</div>' : '') +
    '<pre id="locks-yaml">' + esc(s.locks_yaml) + '</pre>';
}

function renderDistance(s){
  var d = s.distance, box = $('distance');
  if (!d) { box.innerHTML = ''; return; }
  var text;
  if (d.status === 'optimal') text = 'This proposal costs <b>' + signed(d.low) + '</b> more than the proven optimum (' + num(d.optimum, 3) + ').';
  else text = 'This proposal costs between <b>' + signed(d.low) + '</b> and <b>' + (d.high === null ? '?' : signed(d.high)) + '</b> more than the best plan (the solver\'s best plan ' + num(d.optimum, 3) + ' is not proven optimal; bound ' + num(d.bound, 3) + ').';
  if (!d.ok) text += ' <span class="msg-bad">It also breaks rules, so it is not a plan yet.</span>';
  box.innerHTML = '<div class="box" id="distance-text">' + text + '</div>';
}

function renderJob(job){
  var box = $('job');
  var running = job && job.state === 'running';
  $('solve').disabled = running; $('howfar').disabled = running; $('stop').disabled = !running || job.stopping;
  if (!job) { box.innerHTML = ''; return; }
  var what = job.kind === 'optimum' ? 'best plan of the scenario' : 'solve around the locks of ' + job.proposal;
  var line = '<span class="state" id="job-state">' + esc(job.state) + (job.stopping ? ' (stopping)' : '') + '</span> \u00b7 ' + esc(what) + ' \u00b7 ' + esc(job.stage) + ' \u00b7 ' + job.seconds + ' s';
  line += '<br>best plan ' + num(job.incumbent, 3) + ' \u00b7 bound ' + num(job.bound, 3) + ' \u00b7 gap ' + (job.gap === null || job.gap === undefined ? '\u2013' : (100 * job.gap).toFixed(2) + '%');
  if (job.message) line += '<br><span class="' + (job.state === 'failed' ? 'msg-bad' : '') + '" id="job-message">' + esc(job.message) + '</span>';
  box.innerHTML = line;
  if (running && !polling) polling = setTimeout(poll, 500);
}
function poll(){
  polling = null;
  api('GET', '/api/job').then(function(job){
    if (job.state === 'running') { renderJob(job); return; }
    var next = job.result || current;
    return load(next).then(function(){ if (job.result) say('Solver finished: ' + job.message); });
  }).catch(fail);
}

// ---- buttons ----------------------------------------------------------------------------------
$('undo').onclick = function(){ edit('/api/undo', {}); };
$('redo').onclick = function(){ edit('/api/redo', {}); };
document.addEventListener('keydown', function(e){
  if (e.target.tagName === 'INPUT' || e.target.tagName === 'SELECT') return;
  if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'z' && !e.shiftKey) { e.preventDefault(); edit('/api/undo', {}); }
  if ((e.ctrlKey || e.metaKey) && (e.key.toLowerCase() === 'y' || (e.key.toLowerCase() === 'z' && e.shiftKey))) { e.preventDefault(); edit('/api/redo', {}); }
  if (e.key === 'Escape') { selected = null; render(); }
});
$('copy').onclick = function(){
  var name = $('copy-name').value.trim();
  if (!name) { say('Type a name for the copy first', true); return; }
  api('POST', '/api/copy', {proposal: current, name: name}).then(function(r){ $('copy-name').value = ''; return load(r.proposal); }).then(function(){ say('Copied to ' + current); }).catch(fail);
};
$('delete').onclick = function(){
  var gone = current;
  api('POST', '/api/delete', {proposal: current}).then(function(r){ return load(r.proposals[0]); }).then(function(){ say('Deleted ' + gone); }).catch(fail);
};
function solve(kind){
  var limit = Number($('time-limit').value);
  api('POST', '/api/solve', {proposal: current, kind: kind, time_limit: limit}).then(function(job){ say(kind === 'optimum' ? 'Finding the best plan\u2026' : 'Solving around the locks\u2026'); renderJob(job); }).catch(fail);
}
$('solve').onclick = function(){ solve('solve'); };
$('howfar').onclick = function(){ if (state.distance) { say('Compared with the best plan found so far'); return; } solve('optimum'); };
$('stop').onclick = function(){ api('POST', '/api/stop', {}).then(function(){ say('Stopping: the solver keeps its best plan so far'); }).catch(fail); };
$('cmp').onclick = function(){
  var b = $('cmp-b').value;
  api('GET', '/api/diff?a=' + encodeURIComponent(current) + '&b=' + encodeURIComponent(b)).then(function(d){
    var rows = '<tr><td>objective</td><td>' + num(d.objective[0], 3) + '</td><td>' + num(d.objective[1], 3) + '</td><td>' + signed(d.objective[1] - d.objective[0]) + '</td></tr>';
    rows += '<tr><td>broken rules</td><td>' + d.broken[0] + '</td><td>' + d.broken[1] + '</td><td></td></tr>';
    Object.keys(d.terms).forEach(function(k){ var t = d.terms[k]; if (Math.abs(t[1] - t[0]) > 0.005) rows += '<tr><td>' + esc(TERMS[k] || k) + '</td><td>' + num(t[0]) + '</td><td>' + num(t[1]) + '</td><td>' + signed(t[1] - t[0]) + '</td></tr>'; });
    var moved = d.moved.length ? d.moved.map(function(m){ return esc(m.trust) + ' ' + esc(m.from) + '\u2192' + esc(m.to); }).join(', ') : 'none';
    var retimed = d.retimed.length ? d.retimed.map(function(m){ return esc(m.trust) + ' ' + esc(month(m.from)) + '\u2192' + esc(month(m.to)); }).join(', ') : 'none';
    $('diff').innerHTML = '<table id="diff-table"><tr><th></th><th>' + esc(d.a) + '</th><th>' + esc(d.b) + '</th><th>change</th></tr>' + rows + '</table>' +
      '<div><b>' + d.moved.length + ' moved:</b> ' + moved + '</div><div><b>' + d.retimed.length + ' retimed:</b> ' + retimed + '</div>';
  }).catch(fail);
};
$('save-name').oninput = function(){ $('save-name').dataset.auto = '0'; };
function save(kind){
  api('POST', '/api/save', {proposal: current, kind: kind, file: $('save-name').value.trim()}).then(function(r){
    $('saved').innerHTML = '<span class="msg-ok" id="saved-text">Saved ' + esc(r.path) + '</span>' + (kind === 'proposal' || kind === 'plan' ? (r.ok ? ' \u2014 passes consortia check' : ' \u2014 <span class="msg-bad">' + r.n_broken + ' broken rules</span>') : '');
    files();
  }).catch(function(e){ $('saved').innerHTML = '<span class="msg-bad" id="saved-text">' + esc(e.message) + '</span>'; });
}
$('save-proposal').onclick = function(){ save('proposal'); };
$('save-locks').onclick = function(){ save('locks'); };
$('save-scenario').onclick = function(){ save('scenario'); };
$('save-plan').onclick = function(){ save('plan'); };
function files(){
  return api('GET', '/api/files').then(function(r){
    $('save-dir').textContent = 'in ' + r.save_dir;
    $('filelist').innerHTML = r.files.map(function(f){
      var label = f.kind === 'locks' ? 'load locks' : 'open';
      return '<div class="file" data-name="' + esc(f.name) + '"><span>' + esc(f.name) + ' <span class="tag">' + esc(f.kind) + '</span></span><button class="load" data-kind="' + esc(f.kind) + '">' + label + '</button></div>';
    }).join('');
    Array.prototype.forEach.call(document.querySelectorAll('#filelist .load'), function(b){
      var name = b.parentNode.dataset.name;
      b.onclick = function(){
        if (b.dataset.kind === 'locks') { edit('/api/load_locks', {file: name}); return; }
        api('POST', '/api/load', {kind: b.dataset.kind, file: name}).then(function(r){ return load(r.proposal); }).then(function(){ say('Opened ' + name + ' as proposal ' + current); }).catch(fail);
      };
    });
  }).catch(fail);
}

api('GET', '/api/info').then(function(i){
  info = i;
  $('time-limit').value = Math.round(i.time_limit);
  return api('GET', '/api/state?proposal=' + encodeURIComponent(i.proposals[0]));
}).then(function(s){ current = s.proposal; state = s; render(); return files(); }).catch(fail);
})();
