// The scoreboard page: one EventSource per match. The last event id of each stream is kept in
// sessionStorage and sent as ?lastEventId= when the page reloads (EventSource only sends the
// Last-Event-ID header on its own reconnects), so a reload resumes instead of missing updates.
const board = document.getElementById('matches');
const stateEl = document.getElementById('state');
const sources = new Map();
const received = []; // every score-update seen, in order: read by the browser tests

function render(m) {
  let el = document.getElementById('match-' + m.id);
  if (!el) {
    el = document.createElement('section');
    el.className = 'match';
    el.id = 'match-' + m.id;
    el.innerHTML = '<div class="teams"><span class="home"></span><span class="away"></span></div>' +
      '<div class="score"></div><div class="minute"></div>';
    board.appendChild(el);
  }
  el.querySelector('.home').textContent = m.home;
  el.querySelector('.away').textContent = m.away;
  el.querySelector('.score').textContent = m.homeGoals + ' – ' + m.awayGoals;
  el.querySelector('.minute').textContent = m.finished ? 'full time' : m.minute + "'";
  el.classList.toggle('finished', m.finished);
}

function updateState() {
  const states = [...sources.values()].map(s => s.readyState);
  const s = states.every(x => x === EventSource.OPEN) ? 'open'
    : states.some(x => x === EventSource.CLOSED) ? 'closed' : 'connecting';
  stateEl.textContent = s;
  stateEl.className = 'state ' + s;
}

async function reload() {
  const res = await fetch('/api/matches', { cache: 'no-store' });
  (await res.json()).forEach(render);
}

function follow(id) {
  const key = 'livepush:last:' + id;
  const last = sessionStorage.getItem(key);
  const url = '/api/match/' + encodeURIComponent(id) + '/live' + (last ? '?lastEventId=' + encodeURIComponent(last) : '');
  const es = new EventSource(url);
  sources.set(id, es);
  const remember = e => { if (e.lastEventId) sessionStorage.setItem(key, e.lastEventId); };
  es.addEventListener('score-update', e => {
    remember(e);
    const m = JSON.parse(e.data);
    received.push({ id: e.lastEventId, match: m.id, homeGoals: m.homeGoals, awayGoals: m.awayGoals, minute: m.minute });
    render(m);
  });
  es.addEventListener('match-end', e => { remember(e); render(JSON.parse(e.data)); });
  es.addEventListener('reset', e => { console.info('reset', e.data); reload(); });
  es.onopen = updateState;
  es.onerror = updateState;
}

window.livepushScoreboard = { received };
await reload();
for (const el of board.querySelectorAll('.match')) follow(el.id.slice('match-'.length));
updateState();
